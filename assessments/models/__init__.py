from .demos import *  # noqa: F403
from .exams import *  # noqa: F403
