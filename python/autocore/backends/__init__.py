"""autocore.backends, as torch.backends: switches for how kernels compute.

autocore.backends.cuda.matmul.allow_tf32 = True   # float32 matmuls on TF32 tensor cores (default False)
"""

from .. import cuda as _cuda_module


class _CudaMatmul:
    """Mirrors torch.backends.cuda.matmul; the CUDA backend, where built, holds the flag its kernels read."""

    _allow_tf32 = False

    @property
    def allow_tf32(self):
        return _CudaMatmul._allow_tf32

    @allow_tf32.setter
    def allow_tf32(self, value):
        _CudaMatmul._allow_tf32 = bool(value)
        module = _cuda_module._load()
        if module is not None:
            module.set_allow_tf32(bool(value))


class _Cuda:
    matmul = _CudaMatmul()


cuda = _Cuda()
