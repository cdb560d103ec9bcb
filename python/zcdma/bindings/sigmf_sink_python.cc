/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* This file is hand-written in the bindtool shape; see docs/developer.md. */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                */
/* BINDTOOL_USE_PYGCCXML(0)                                                 */
/* BINDTOOL_HEADER_FILE(sigmf_sink.h)                                       */
/* BINDTOOL_HEADER_FILE_HASH(0)                                             */

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/zcdma/sigmf_sink.h>
#include <sigmf_sink_pydoc.h>

#include <cmath>
#include <limits>

namespace py = pybind11;

void bind_sigmf_sink(py::module& m)
{
    using namespace gr::zcdma;

    py::class_<sigmf_sink,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<sigmf_sink>>(m, "sigmf_sink", D(sigmf_sink))
        .def(py::init([](size_t itemsize,
                         const std::string& path,
                         const std::string& datatype,
                         double sample_rate,
                         py::object frequency,
                         const std::string& description,
                         const std::string& author,
                         const std::string& hw,
                         const std::string& direct,
                         int queue_depth,
                         uint64_t write_size,
                         uint64_t max_file_bytes,
                         double max_file_seconds,
                         uint64_t max_total_bytes,
                         double meta_interval,
                         const std::string& byte_order) {
                 // None: no core:frequency (NaN in C++).
                 const double f = frequency.is_none()
                                      ? std::numeric_limits<double>::quiet_NaN()
                                      : frequency.cast<double>();
                 return sigmf_sink::make(itemsize,
                                         path,
                                         datatype,
                                         sample_rate,
                                         f,
                                         description,
                                         author,
                                         hw,
                                         direct,
                                         queue_depth,
                                         write_size,
                                         max_file_bytes,
                                         max_file_seconds,
                                         max_total_bytes,
                                         meta_interval,
                                         byte_order);
             }),
             py::arg("itemsize"),
             py::arg("path"),
             py::arg("datatype") = "cf32_le",
             py::arg("sample_rate") = 0.0,
             py::arg("frequency") = py::none(),
             py::arg("description") = "",
             py::arg("author") = "",
             py::arg("hw") = "",
             py::arg("direct") = "auto",
             py::arg("queue_depth") = 8,
             py::arg("write_size") = 1 << 20,
             py::arg("max_file_bytes") = 0,
             py::arg("max_file_seconds") = 0.0,
             py::arg("max_total_bytes") = 0,
             py::arg("meta_interval") = 1.0,
             py::arg("byte_order") = "native",
             D(sigmf_sink, make))
        .def("direct_active", &sigmf_sink::direct_active)
        .def("block_size", &sigmf_sink::block_size)
        .def("recording", &sigmf_sink::recording)
        .def("files", &sigmf_sink::files)
        .def("stats", &sigmf_sink::stats)
        .def("input_address_range", &sigmf_sink::input_address_range)
        .def("write_address_ranges", &sigmf_sink::write_address_ranges);
}
