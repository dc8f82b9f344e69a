"""What this build of autocore contains and which kernels it chose for this machine."""

from . import _C, cuda


def backends_info() -> dict:
    """Version, compiled and active instruction sets, OpenMP thread count, the CUDA backend (False when not built)
    and cuda_build: how the build decided on CUDA (which architectures, or why not and how to change it)."""
    return {
        "version": _C.__version__,
        "cpu_isa": _C.active_isa(),
        "compiled_isas": _C.compiled_isas().split(","),
        "openmp": _C.has_openmp,
        "num_threads": _C.get_num_threads(),
        "cuda": _cuda_info(),
        "cuda_build": _C.cuda_build,
    }


def _cuda_info():
    """False for a CPU-only build; otherwise what the CUDA module found (no GPU: device_count 0)."""

    module = cuda._load()
    if module is None:
        return False
    info = {
        "built": True,
        "device_count": module.device_count(),
        "runtime_version": module.runtime_version(),
        "driver_version": module.driver_version(),
    }
    if info["device_count"]:
        info["devices"] = [module.get_device_name(i) for i in range(info["device_count"])]
    return info
