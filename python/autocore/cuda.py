"""autocore.cuda: the CUDA backend, as torch.cuda. Its kernels are linked into autocore._C where the backend was
built, and reach every op through the C++ dispatch tables; this module holds what only CUDA has (devices, streams,
memory statistics), from autocore._C._cuda. A CUDA build imports and runs on machines with no GPU or driver
(is_available() is then False), and a CPU-only build says how to get CUDA when asked."""

from . import _C

_module = getattr(_C, "_cuda", None)

_REBUILD = (
    "autocore was built without CUDA: reinstall with a CUDA compiler (nvcc) on the PATH, or force it "
    "with `AUTOCORE_CUDA=ON pip install .` (or `pip install . -C cmake.define.AUTOCORE_CUDA=ON`)"
)


def _load():
    """autocore._C._cuda, or None when this build has no CUDA backend."""
    return _module


def _backend():
    """autocore._C._cuda when a GPU can be used; otherwise a RuntimeError that says why not."""
    module = _load()
    if module is None:
        raise RuntimeError(f"{_REBUILD} ({_C.cuda_build})")
    if module.device_count() == 0:
        raise RuntimeError(
            "Found no NVIDIA driver on your system, or no CUDA GPU. Please check that you have an "
            "NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx"
        )
    return module


def is_built():
    """True when this build of autocore contains the CUDA backend."""
    return _load() is not None


def is_available():
    module = _load()
    return module is not None and module.device_count() > 0


def device_count():
    module = _load()
    return module.device_count() if module is not None else 0


def _index(device):
    if device is None:
        return _backend().current_device()
    if isinstance(device, int):
        return device
    kind, _, index = str(device).partition(":")  # "cuda", "cuda:1", or an autocore.device, whose str is that
    if kind != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {device}")
    return _backend().current_device() if not index else int(index)


def current_device():
    return _backend().current_device()


def set_device(device):
    _backend().set_device(_index(device))


def synchronize(device=None):
    _backend().synchronize(-1 if device is None else _index(device))


def get_device_name(device=None):
    return _backend().get_device_name(_index(device))


def get_device_capability(device=None):
    return _backend().get_device_capability(_index(device))


def memory_allocated(device=None):
    return _backend().memory_allocated(_index(device))


def max_memory_allocated(device=None):
    return _backend().max_memory_allocated(_index(device))


def memory_reserved(device=None):
    return _backend().memory_reserved(_index(device))


def reset_peak_memory_stats(device=None):
    _backend().reset_peak_memory_stats(_index(device))


def empty_cache():
    """Returns the cached blocks of freed tensors to the driver (tensors in use keep theirs)."""
    module = _load()
    if module is not None and module.device_count() > 0:
        module.empty_cache()


def manual_seed(seed):
    """autocore's CUDA random numbers come from the CPU generator (see autocore.manual_seed)."""
    _C.manual_seed(seed)


manual_seed_all = manual_seed
