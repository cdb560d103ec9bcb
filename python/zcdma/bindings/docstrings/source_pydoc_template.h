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

static const char* __doc_gr_zcdma_source =
    R"doc(Streams a DMA ring into a flowgraph without copying it: the block's output
buffer IS the device ring. Tags rx_time (first item, after overruns) and
zcdma_overrun (slots dropped).)doc";

static const char* __doc_gr_zcdma_source_make =
    R"doc(source(device, itemsize, slot_tags=False)

device: "sim[:key=value,...]" or "/dev/zcdma0"; itemsize: bytes per item, the
slot size must be a multiple of it; slot_tags: rx_time on every slot, not only
at start and after overruns.)doc";
