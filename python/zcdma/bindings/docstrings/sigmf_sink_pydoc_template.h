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

static const char* __doc_gr_zcdma_sigmf_sink =
    R"doc(Records its input as a SigMF pair (NAME.sigmf-data + NAME.sigmf-meta),
writing with io_uring and O_DIRECT straight from the input buffer; items are
consumed only once their write completed. Captures from rx_time/rx_freq tags,
an annotation per zcdma_overrun gap, rotation and size limits.)doc";

static const char* __doc_gr_zcdma_sigmf_sink_make =
    R"doc(sigmf_sink(itemsize, path, datatype="cf32_le", sample_rate=0, frequency=None,
description="", author="", hw="", direct="auto", queue_depth=8,
write_size=1048576, max_file_bytes=0, max_file_seconds=0, max_total_bytes=0,
meta_interval=1.0))doc";
