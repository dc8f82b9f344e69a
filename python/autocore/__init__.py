"""autocore: a small deep-learning engine with C++ kernels and a PyTorch-compatible API."""
from . import _C
from ._build_info import backends_info
from ._C import get_num_threads, set_num_threads

__version__ = _C.__version__

__all__ = ["backends_info", "get_num_threads", "set_num_threads", "__version__"]
