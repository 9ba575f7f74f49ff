from .demos import *  # noqa: F401,F403
from .exams import *  # noqa: F401,F403
