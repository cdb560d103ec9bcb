/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <pybind11/pybind11.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <system_error>

namespace py = pybind11;

void bind_device(py::module& m);
void bind_source(py::module& m);
void bind_tcp_sink(py::module& m);
void bind_udp_sink(py::module& m);
void bind_sigmf_sink(py::module& m);

// import_array() is a macro that returns NULL on failure.
void* init_numpy()
{
    import_array();
    return NULL;
}

PYBIND11_MODULE(zcdma_python, m)
{
    init_numpy();

    // Allow access to base block methods
    py::module::import("gnuradio.gr");

    // OS errors keep their errno, so Python sees FileNotFoundError & co.
    py::register_local_exception_translator([](std::exception_ptr p) {
        try {
            if (p)
                std::rethrow_exception(p);
        } catch (const std::system_error& e) {
            py::object err = py::reinterpret_steal<py::object>(
                PyObject_CallFunction(PyExc_OSError, "is", e.code().value(), e.what()));
            if (err)
                PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(err.ptr())),
                                err.ptr());
        }
    });

    bind_device(m);
    bind_source(m);
    bind_tcp_sink(m);
    bind_udp_sink(m);
    bind_sigmf_sink(m);
}
