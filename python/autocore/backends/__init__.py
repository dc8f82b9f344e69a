"""autocore.backends, as torch.backends: switches for how kernels compute.

autocore.backends.cuda.matmul.allow_tf32 = True   # float32 matmuls on TF32 tensor cores (default False)
"""


class _CudaMatmul:
    """Mirrors torch.backends.cuda.matmul; the flag lives in the CUDA module once that is loaded."""

    _allow_tf32 = False

    @property
    def allow_tf32(self):
        return _CudaMatmul._allow_tf32

    @allow_tf32.setter
    def allow_tf32(self, value):
        from .. import cuda

        _CudaMatmul._allow_tf32 = bool(value)
        module = cuda._load()
        if module is not None:
            module.set_allow_tf32(bool(value))


class _Cuda:
    matmul = _CudaMatmul()


cuda = _Cuda()
