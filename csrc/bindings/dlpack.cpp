// DLPack exchange: Tensor.__dlpack__ / __dlpack_device__ (producer) and from_dlpack (consumer).
#include "core/dlpack.h"

#include "bindings/common.h"

namespace autocore::bindings {

namespace {

constexpr const char* kCapsuleName = "dltensor";
constexpr const char* kUsedCapsuleName = "used_dltensor";

// What a produced DLManagedTensor owns: a reference to the storage and the shape/strides arrays.
struct ExportContext {
  std::shared_ptr<Storage> storage;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims];
  DLManagedTensor managed;
};

// Each dtype's DLPack code, in DType's order; the number of bits is the itemsize's.
constexpr uint8_t kDLCodes[kNumDTypes] = {kDLBool, kDLInt,  kDLFloat, kDLFloat, kDLInt,
                                          kDLInt,  kDLUInt, kDLInt,   kDLFloat, kDLBfloat};

DLDataType to_dl_dtype(DType dtype) { return {kDLCodes[int(dtype)], uint8_t(8 * itemsize(dtype)), 1}; }

DType from_dl_dtype(DLDataType dt) {
  for (int d = 0; d < kNumDTypes; ++d)
    if (dt.code == kDLCodes[d] && dt.bits == 8 * itemsize(DType(d)) && dt.lanes == 1) return DType(d);
  fail<TypeError>("from_dlpack: unsupported dtype (code ", int(dt.code), ", ", int(dt.bits), " bits, ", int(dt.lanes),
                  " lanes)");
}

void delete_export(DLManagedTensor* self) { delete static_cast<ExportContext*>(self->manager_ctx); }

py::capsule to_dlpack(const Tensor& t) {
  if (!t.device().is_cpu()) {
    // The consumer may read on any stream: finish the work queued on ours first.
    dispatch::synchronize(device_of(t), t.device().index);
  }
  auto* ctx = new ExportContext{t.storage(), {}, {}, {}};
  for (int d = 0; d < t.dim(); ++d) ctx->shape[d] = t.shape()[d], ctx->strides[d] = t.strides()[d];
  DLTensor& dl = ctx->managed.dl_tensor;
  dl.data = t.storage()->data();
  dl.device = !t.device().is_cpu() ? DLDevice{kDLCUDA, t.device().index} : DLDevice{kDLCPU, 0};
  dl.ndim = t.dim();
  dl.dtype = to_dl_dtype(t.dtype());
  dl.shape = ctx->shape;
  dl.strides = ctx->strides;
  dl.byte_offset = static_cast<uint64_t>(t.offset()) * t.itemsize();
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = &delete_export;
  // A capsule nobody consumed still owns the tensor; a consumer renames it and takes ownership.
  return py::capsule(&ctx->managed, kCapsuleName, [](PyObject* capsule) {
    if (PyCapsule_IsValid(capsule, kCapsuleName)) {
      auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kCapsuleName));
      managed->deleter(managed);
    }
  });
}

Tensor from_dlpack(const py::object& source) {
  py::object capsule = source;
  if (py::hasattr(source, "__dlpack__")) capsule = source.attr("__dlpack__")();
  AC_CHECK(PyCapsule_IsValid(capsule.ptr(), kCapsuleName), TypeError,
           "from_dlpack expects an object with __dlpack__ or an unused DLPack capsule");
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), kCapsuleName));
  const DLTensor& dl = managed->dl_tensor;
  AC_CHECK(dl.device.device_type == kDLCPU || dl.device.device_type == kDLCUDA, RuntimeError,
           "from_dlpack: only CPU and CUDA tensors can be imported, got DLPack device type ", dl.device.device_type);
  Device device{};
  if (dl.device.device_type == kDLCUDA) {
    // The producer's kernels may still be writing on its own stream: wait for the whole device once.
    py::module_ cuda = py::module_::import("autocore.cuda");
    cuda.attr("_backend")().attr("synchronize_device")(dl.device.device_id);
    device = Device{DeviceType::CUDA, dl.device.device_id};
  }
  AC_CHECK(dl.ndim >= 0 && dl.ndim <= kMaxDims, RuntimeError, "from_dlpack: ", dl.ndim, " dimensions is more than the ",
           kMaxDims, " autocore supports");
  DType dtype = from_dl_dtype(dl.dtype);
  Dims shape, strides;
  for (int d = 0; d < dl.ndim; ++d) shape.push_back(dl.shape[d]);
  Dims compact = contiguous_strides(shape);
  int64_t reach = 0;
  bool empty = false;
  for (int d = 0; d < dl.ndim; ++d) {
    int64_t stride = dl.strides ? dl.strides[d] : compact[d];
    AC_CHECK(stride >= 0, ValueError, "from_dlpack: negative strides are not supported");
    strides.push_back(stride);
    empty |= shape[d] == 0;
    reach += (shape[d] - 1) * stride;
  }
  PyCapsule_SetName(capsule.ptr(), kUsedCapsuleName);  // ownership passes to the storage below
  size_t item = itemsize(dtype);
  void* data = static_cast<char*>(dl.data) + dl.byte_offset;
  auto storage = Storage::borrow(data, empty ? 0 : static_cast<size_t>(reach + 1) * item, device, [managed] {
    if (!managed->deleter) return;
    py::gil_scoped_acquire gil;  // producers' deleters often release Python objects
    managed->deleter(managed);
  });
  return Tensor(storage, dtype, shape, strides, 0);
}

}  // namespace

void bind_dlpack(py::module_& m) {
  auto tensor = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  tensor.def("__dlpack__", [](const Tensor& t, py::args, py::kwargs) { return to_dlpack(t); });
  tensor.def("__dlpack_device__", [](const Tensor& t) {
    if (!t.device().is_cpu()) return py::make_tuple(static_cast<int>(kDLCUDA), t.device().index);
    return py::make_tuple(static_cast<int>(kDLCPU), 0);
  });
  m.def("from_dlpack", &from_dlpack, py::arg("source"));
}

}  // namespace autocore::bindings
