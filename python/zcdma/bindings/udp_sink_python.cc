/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* This file is hand-written in the bindtool shape; see docs/developer.md. */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                */
/* BINDTOOL_USE_PYGCCXML(0)                                                 */
/* BINDTOOL_HEADER_FILE(udp_sink.h)                                         */
/* BINDTOOL_HEADER_FILE_HASH(0)                                             */

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/zcdma/udp_sink.h>
#include <udp_sink_pydoc.h>

namespace py = pybind11;

void bind_udp_sink(py::module& m)
{
    using namespace gr::zcdma;
    py::class_<udp_sink,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<udp_sink>>(m, "udp_sink", D(udp_sink))
        .def(py::init(&udp_sink::make),
             py::arg("itemsize"),
             py::arg("host"),
             py::arg("port"),
             py::arg("framing") = "none",
             py::arg("payload_size") = 1472,
             py::arg("zerocopy") = "auto",
             py::arg("gso") = true,
             py::arg("stream_id") = 0,
             py::arg("class_id") = 0,
             py::arg("difi") = false,
             py::arg("sample_rate") = 0.0,
             py::arg("bandwidth") = NAN,
             py::arg("rf_freq") = NAN,
             py::arg("ref_level") = NAN,
             py::arg("context_interval") = 1.0,
             py::arg("multicast_ttl") = 1,
             py::arg("multicast_loop") = true,
             py::arg("interface") = "",
             py::arg("swap") = "none",
             py::arg("stats_interval") = 1.0,
             py::arg("send_buffer") = udp_sink::default_send_buffer,
             D(udp_sink, make))
        .def("mode", &udp_sink::mode)
        .def("zerocopy_active", &udp_sink::zerocopy_active)
        .def("gso_active", &udp_sink::gso_active)
        .def("datagram_size", &udp_sink::datagram_size)
        .def("header_size", &udp_sink::header_size)
        .def("route_mtu", &udp_sink::route_mtu)
        .def("set_sample_rate", &udp_sink::set_sample_rate, py::arg("rate"))
        .def("set_bandwidth", &udp_sink::set_bandwidth, py::arg("hz"))
        .def("set_rf_freq", &udp_sink::set_rf_freq, py::arg("hz"))
        .def("set_ref_level", &udp_sink::set_ref_level, py::arg("dbm"))
        .def("stats", &udp_sink::stats)
        .def("sent_address_ranges", &udp_sink::sent_address_ranges);
}
