// C++ exception types onto Python's, registered once by _C (the types' identities are per module, since pybind11
// builds them with hidden visibility).
#pragma once
#include <pybind11/pybind11.h>

#include "core/errors.h"

namespace autocore::bindings {

inline void register_exceptions() {
  pybind11::register_local_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const TypeError& e) { PyErr_SetString(PyExc_TypeError, e.what()); } catch (const ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const NotImplementedError& e) { PyErr_SetString(PyExc_NotImplementedError, e.what()); }
  });
}

}  // namespace autocore::bindings
