/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* This file is hand-written in the bindtool shape; see docs/developer.md. */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                */
/* BINDTOOL_USE_PYGCCXML(0)                                                 */
/* BINDTOOL_HEADER_FILE(source.h)                                           */
/* BINDTOOL_HEADER_FILE_HASH(0)                                             */

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/zcdma/source.h>
#include <source_pydoc.h>

namespace py = pybind11;

void bind_source(py::module& m)
{
    using source = gr::zcdma::source;
    py::class_<source,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<source>>(m, "source", D(source))
        .def(py::init(&source::make),
             py::arg("device"),
             py::arg("itemsize"),
             py::arg("slot_tags") = false,
             D(source, make))
        .def("get_device", &source::get_device)
        .def("slots_out", &source::slots_out)
        .def("slots_returned", &source::slots_returned)
        .def("in_ring_outputs", &source::in_ring_outputs)
        .def("slots_dropped", &source::slots_dropped)
        .def("slots_skipped", &source::slots_skipped)
        .def("slots_failed", &source::slots_failed)
        .def("slots_short", &source::slots_short);
}
