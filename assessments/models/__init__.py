from .calibration import *  # noqa: F403
from .demos import *  # noqa: F403
from .exams import *  # noqa: F403
from .freshness import *  # noqa: F403
