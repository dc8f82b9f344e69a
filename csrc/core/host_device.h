// The markers for functions compiled for both the host and a CUDA device.
#pragma once

#if defined(__CUDACC__)
#define AC_HOST_DEVICE __host__ __device__
#else
#define AC_HOST_DEVICE
#endif

// For the formulas shared by the CPU loops and the CUDA kernels outside a backend's own types (core/loss_math.h,
// core/optim_math.h): always inlined into the loop, since the CPU compiles them once per instruction set
// (cpu/isa.h) and an out-of-line copy built for one could be linked into another's loops.
#if defined(__CUDACC__)
#define AC_INLINE __host__ __device__ __forceinline__
#else
#define AC_INLINE inline __attribute__((always_inline))
#endif
