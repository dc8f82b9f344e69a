// Python entry points for the random generator and fills. Seeds are any Python int in
// [-2^63, 2^64): negative ones wrap to their two's complement, as torch.manual_seed does.
#include "cpu/random.h"

#include <array>

#include "bindings/common.h"
#include "core/kernels.h"

namespace autocore::bindings {

namespace {

uint64_t seed_from_python(const py::int_& value) {
  PyObject* o = value.ptr();
  uint64_t seed = PyLong_AsUnsignedLongLong(o);
  if (!PyErr_Occurred()) return seed;
  PyErr_Clear();
  long long signed_seed = PyLong_AsLongLong(o);
  if (PyErr_Occurred()) {
    PyErr_Clear();
    fail<ValueError>("Overflow when unpacking long long");
  }
  return static_cast<uint64_t>(signed_seed);
}

// The state is an int64 tensor [seed, offset] (both as their 64-bit patterns).
Tensor get_state(const Generator& generator) {
  Tensor state = Tensor::empty(Dims{2}, DType::Int64);
  state.data<int64_t>()[0] = static_cast<int64_t>(generator.initial_seed());
  state.data<int64_t>()[1] = static_cast<int64_t>(generator.offset());
  return state;
}

void set_state(Generator& generator, const Tensor& state) {
  AC_CHECK(state.device().is_cpu() && state.dtype() == DType::Int64 && state.numel() == 2, RuntimeError,
           "Expected an RNG state of 2 int64 values (seed, offset), but got a tensor of dtype ",
           dtype_name(state.dtype()), " and shape ", state.shape().str());
  const Tensor flat = cpu::contiguous(state);
  generator.set_state(static_cast<uint64_t>(flat.data<int64_t>()[0]), static_cast<uint64_t>(flat.data<int64_t>()[1]));
}

Generator* optional(const std::shared_ptr<Generator>& generator) { return generator.get(); }

// Fills t from the CPU generator: in place on the CPU; a device tensor through a host buffer, so that a seed gives
// the same numbers on every device (and the generator's offset advances exactly as it would on the CPU).
template <class Fill>
Tensor random_fill(const Tensor& t, Fill fill) {
  Tensor host = t.device().is_cpu() ? t : Tensor::empty(t.shape(), t.dtype());
  {
    ReleaseGilIfLarge nogil(t.numel());
    fill(host);
  }
  if (!t.device().is_cpu()) dispatch::copy_(device_of(t), t, host);
  return t;
}

// name(input, a=..., b=..., *, generator=None): a two-parameter distribution drawn into input (uniform_, normal_).
void def_distribution(py::module_& m, const char* name, Tensor (*draw)(const Tensor&, double, double, Generator*),
                      const py::arg_v& a, const py::arg_v& b) {
  m.def(
      name,
      [draw](const Tensor& t, double a, double b, const std::shared_ptr<Generator>& generator) {
        return random_fill(t, [&](const Tensor& h) { draw(h, a, b, optional(generator)); });
      },
      py::arg("input"), a, b, py::kw_only(), py::arg("generator") = nullptr);
}

}  // namespace

void bind_random(py::module_& m) {
  py::class_<Generator, std::shared_ptr<Generator>>(m, "Generator")
      .def(py::init([](const std::string& device) {
             AC_CHECK(device == "cpu", RuntimeError, "Generator: only the 'cpu' device is supported, got '", device,
                      "'");
             return std::make_shared<Generator>();
           }),
           py::arg("device") = "cpu")
      .def(
          "manual_seed",
          [](const std::shared_ptr<Generator>& g, const py::int_& seed) {
            g->manual_seed(seed_from_python(seed));
            return g;
          },
          py::arg("seed"))
      .def("seed", &Generator::seed)
      .def("initial_seed", &Generator::initial_seed)
      .def("get_state", &get_state)
      .def(
          "set_state",
          [](const std::shared_ptr<Generator>& g, const Tensor& state) {
            set_state(*g, state);
            return g;
          },
          py::arg("new_state"))
      .def_property_readonly("offset", &Generator::offset)
      .def_property_readonly("device", [](const Generator&) { return std::string("cpu"); });
  m.attr("default_generator") = default_generator();

  m.def(
      "manual_seed",
      [](const py::int_& seed) {
        default_generator()->manual_seed(seed_from_python(seed));
        return default_generator();
      },
      py::arg("seed"));
  m.def("seed", [] { return default_generator()->seed(); });
  m.def("initial_seed", [] { return default_generator()->initial_seed(); });
  m.def("get_rng_state", [] { return get_state(*default_generator()); });
  m.def("set_rng_state", [](const Tensor& state) { set_state(*default_generator(), state); }, py::arg("new_state"));
  m.def(
      "_philox4x32",
      [](const std::array<uint32_t, 4>& c, const std::array<uint32_t, 2>& k) {
        const Philox4x32 r = philox4x32(c[0], c[1], c[2], c[3], k[0], k[1]);
        return py::make_tuple(r.v[0], r.v[1], r.v[2], r.v[3]);
      },
      py::arg("counter"), py::arg("key"));

  def_distribution(m, "uniform_", &cpu::uniform_, py::arg("from") = 0.0, py::arg("to") = 1.0);
  def_distribution(m, "normal_", &cpu::normal_, py::arg("mean") = 0.0, py::arg("std") = 1.0);
  m.def(
      "randint",
      [](int64_t low, int64_t high, const std::vector<int64_t>& size, const std::shared_ptr<Generator>& generator) {
        Dims shape = to_dims(size);
        ReleaseGilIfLarge nogil(product(shape));
        return cpu::randint(low, high, shape, optional(generator));
      },
      py::arg("low"), py::arg("high"), py::arg("size"), py::kw_only(), py::arg("generator") = nullptr);
  m.def(
      "randint",
      [](int64_t high, const std::vector<int64_t>& size, const std::shared_ptr<Generator>& generator) {
        return cpu::randint(0, high, to_dims(size), optional(generator));
      },
      py::arg("high"), py::arg("size"), py::kw_only(), py::arg("generator") = nullptr);
  m.def(
      "bernoulli_",
      [](const Tensor& t, const Tensor& p, const std::shared_ptr<Generator>& generator) {
        check_same_device(t, p, "bernoulli_");
        const Tensor p_host = dispatch::to_cpu(device_of(p), p);
        return random_fill(t, [&](const Tensor& h) { cpu::bernoulli_(h, p_host, optional(generator)); });
      },
      py::arg("input"), py::arg("p"), py::kw_only(), py::arg("generator") = nullptr);
  m.def(
      "bernoulli_",
      [](const Tensor& t, double p, const std::shared_ptr<Generator>& generator) {
        return random_fill(t, [&](const Tensor& h) { cpu::bernoulli_(h, p, optional(generator)); });
      },
      py::arg("input"), py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = nullptr);
  m.def(
      "dropout",
      [](const Tensor& x, double p, bool train, const std::shared_ptr<Generator>& generator) -> py::tuple {
        if (!x.device().is_cpu()) {
          // The mask comes from the CPU generator (the same mask a CPU dropout would draw); the scaling runs on
          // the device: x * mask * 1/(1-p), as PyTorch's native_dropout.
          AC_CHECK(p >= 0 && p <= 1, ValueError, "dropout probability has to be between 0 and 1, but got ", p);
          dispatch_floating(x.dtype(), "dropout", [](auto) {});
          Tensor mask = Tensor::empty(x.shape(), DType::Bool);
          if (!train) {
            cpu::fill_(mask, Scalar::from_bool(true));
            return py::make_tuple(dispatch::clone(device_of(x), x),
                                  dispatch::to_device(device_of(x), mask, x.device().index));
          }
          {
            ReleaseGilIfLarge nogil(x.numel());
            cpu::bernoulli_(mask, 1.0 - p, optional(generator));
          }
          const DeviceType device = device_of(x);
          Tensor device_mask = dispatch::to_device(device, mask, x.device().index);
          const double keep = 1.0 - p, scale = keep == 0 ? 0.0 : 1.0 / keep;
          Tensor kept = dispatch::binary(device, EwOp::mul, x, device_mask, nullptr, OpParams{});
          Tensor scaled = dispatch::binary_tensor_scalar(device, EwOp::mul, kept, Scalar::from_float(scale), nullptr);
          return py::make_tuple(scaled, device_mask);
        }
        std::pair<Tensor, Tensor> result;
        {
          ReleaseGilIfLarge nogil(x.numel());
          result = cpu::dropout(x, p, train, optional(generator));
        }
        return py::make_tuple(result.first, result.second);
      },
      py::arg("input"), py::arg("p") = 0.5, py::arg("train") = true, py::kw_only(), py::arg("generator") = nullptr);
  m.def(
      "randperm",
      [](int64_t n, const std::shared_ptr<Generator>& generator) {
        ReleaseGilIfLarge nogil(n);
        return cpu::randperm(n, optional(generator));
      },
      py::arg("n"), py::kw_only(), py::arg("generator") = nullptr);
  m.def(
      "multinomial",  // drawn on the host from the weights' host copy, returned there (the caller moves it back)
      [](const Tensor& probs, int64_t num_samples, bool replacement, const std::shared_ptr<Generator>& generator) {
        const Tensor host = dispatch::to_cpu(device_of(probs), probs);
        ReleaseGilIfLarge nogil(host.numel());
        return cpu::multinomial(host, num_samples, replacement, optional(generator));
      },
      py::arg("input"), py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(),
      py::arg("generator") = nullptr);
}

}  // namespace autocore::bindings
