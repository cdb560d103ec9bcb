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
    R"doc(One acquired slot. Leaving a with-block releases it, as release() does.

A buffer supports the buffer protocol: memoryview(buf), bytes(buf) and
sock.send(buf) see the slot's bytes in place (read-only).

Views keep the slot: the slot goes back to the producer only when the buffer
was released (or left its with-block) and no array or memoryview of it
remains; stats.slots_held counts it until then. release() with views alive
does not raise (unlike memoryview.release()): it ends the buffer's own claim
(buf.released becomes True, array() raises ValueError) and the last view hands
the slot back. Views do not keep the device open.)doc";

static const char* __doc_gr_zcdma_buffer_array =
    R"doc(array(dtype=numpy.uint8) -> numpy.ndarray

Read-only view of the slot's bytes as dtype; no copy. The array and every
view derived from it (a[::2], a.view(...), memoryview(a)) hold the slot, so
the producer cannot rewrite it while they live. dtype must be plain data
(TypeError for object dtypes); its itemsize must divide nbytes (ValueError).)doc";

static const char* __doc_gr_zcdma_with_samp_rate =
    R"doc(with_samp_rate(device, samp_rate, itemsize) -> str

The device string to open in a flowgraph running at samp_rate samples/s of
itemsize bytes. A sim string that names no rate (neither rate= nor
samp_rate=) comes back with samp_rate= added, and itemsize= unless it names a
format or an itemsize; any other string comes back unchanged, so a rate in
the device string wins. GRC's ZCDMA Source uses it.)doc";
