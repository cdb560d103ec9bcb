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

static const char* __doc_gr_zcdma_udp_sink =
    R"doc(Streams its input as UDP datagrams (framing none, GNU Radio seqnum or
VITA-49.2/DIFI) with sendmsg(MSG_ZEROCOPY) and GSO, payloads straight from the
input buffer, consuming only what the kernel reports complete. Unicast
IPv4/IPv6 or multicast; datagrams never fragment. Counters: stats() and the
"stats" port.)doc";

static const char* __doc_gr_zcdma_udp_sink_make =
    R"doc(udp_sink(itemsize, host, port, framing="none", payload_size=1472,
zerocopy="auto", gso=True, stream_id=0, class_id=0, difi=False, sample_rate=0,
bandwidth=nan, rf_freq=nan, ref_level=nan, context_interval=1.0,
multicast_ttl=1, multicast_loop=True, interface="", swap="none",
stats_interval=1.0, send_buffer=4194304))doc";
