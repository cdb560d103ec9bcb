/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* This file is hand-written in the bindtool shape; see docs/developer.md. */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                */
/* BINDTOOL_USE_PYGCCXML(0)                                                 */
/* BINDTOOL_HEADER_FILE(tcp_sink.h)                                         */
/* BINDTOOL_HEADER_FILE_HASH(0)                                             */

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/zcdma/tcp_sink.h>
#include <tcp_sink_pydoc.h>

namespace py = pybind11;

void bind_tcp_sink(py::module& m)
{
    using namespace gr::zcdma;
    py::enum_<zerocopy_mode>(m, "zerocopy_mode")
        .value("off", zerocopy_mode::off)
        .value("on", zerocopy_mode::on)
        .value("automatic", zerocopy_mode::automatic);

    py::class_<tcp_sink,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<tcp_sink>>(m, "tcp_sink", D(tcp_sink))
        .def(py::init(&tcp_sink::make),
             py::arg("itemsize"),
             py::arg("host"),
             py::arg("port"),
             py::arg("server") = false,
             py::arg("zerocopy") = "auto",
             py::arg("max_inflight") = 0,
             py::arg("send_size") = 1 << 20,
             py::arg("stats_interval") = 1.0,
             py::arg("connect_timeout") = 10.0,
             py::arg("peer_timeout") = 10.0,
             D(tcp_sink, make))
        .def("port", &tcp_sink::port)
        .def("mode", &tcp_sink::mode)
        .def("zerocopy_active", &tcp_sink::zerocopy_active)
        .def("connected", &tcp_sink::connected)
        .def("bytes_sent", &tcp_sink::bytes_sent)
        .def("zerocopy_bytes", &tcp_sink::zerocopy_bytes)
        .def("copied_bytes", &tcp_sink::copied_bytes)
        .def("inflight_bytes", &tcp_sink::inflight_bytes)
        .def("reconnects", &tcp_sink::reconnects)
        .def("stats", &tcp_sink::stats)
        .def("set_end_after", &tcp_sink::set_end_after, py::arg("nbytes"))
        .def("end_after", &tcp_sink::end_after)
        .def("input_address_range", &tcp_sink::input_address_range)
        .def("sent_address_ranges", &tcp_sink::sent_address_ranges);
}
