/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pydoc_macros.h"
#define D(...) DOC(gr, zcdma, __VA_ARGS__)
/*
  This file contains placeholders for docstrings for the Python bindings.
  Do not edit! These were automatically extracted during the binding process
  and will be overwritten during the build process
 */

static const char* __doc_gr_zcdma_tcp_sink =
    R"doc(Streams its input to a TCP peer with sendmsg(MSG_ZEROCOPY), consuming only
what the kernel reports complete. Client mode retries with back-off; server
mode serves one peer at a time. Counters: stats() and the "stats" port.)doc";

static const char* __doc_gr_zcdma_tcp_sink_make =
    R"doc(tcp_sink(itemsize, host, port, server=False, zerocopy="auto", max_inflight=0,
send_size=1048576, stats_interval=1.0))doc";
