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

static const char* __doc_gr_zcdma_device =
    R"doc(A DMA ring: device("sim:...") or device("/dev/zcdma0").

The producer (DMA engine or the sim thread) fills slots in ring order;
acquire() hands them out in the same order as buffer objects whose array()
is a read-only numpy view of the slot's pages, without a copy.)doc";

static const char* __doc_gr_zcdma_device_acquire = R"doc(acquire(timeout=None) -> buffer

Wait for the next filled slot. timeout in seconds (None: forever, 0: do not
wait). Raises TimeoutError when nothing arrives in time and RuntimeError when
the device is stopped and nothing is queued. Use as a context manager, or
call buffer.release().)doc";

static const char* __doc_gr_zcdma_device_mapping = R"doc(mapping() -> numpy.ndarray

Read-only uint8 view of the whole double mapping (2 x mmap_size bytes).
Every buffer.array() lies inside it.)doc";

static const char* __doc_gr_zcdma_buffer =
    R"doc(One acquired slot. Leaving a with-block releases it.)doc";

static const char* __doc_gr_zcdma_buffer_array =
    R"doc(array(dtype=numpy.uint8) -> numpy.ndarray

Read-only view of the slot's bytes as dtype; no copy. The array keeps the ring
mapping alive, but once the slot is released the producer may overwrite it.)doc";
