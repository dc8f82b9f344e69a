"""What this build of autocore contains and which kernels it chose for this machine."""
from . import _C


def backends_info() -> dict:
    """Version, compiled and active instruction sets, OpenMP thread count, CUDA availability."""
    return {
        "version": _C.__version__,
        "cpu_isa": _C.active_isa(),
        "compiled_isas": _C.compiled_isas().split(","),
        "openmp": _C.has_openmp,
        "num_threads": _C.get_num_threads(),
        "cuda": False,
    }
