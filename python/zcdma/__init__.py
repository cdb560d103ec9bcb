#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-zcdma: DMA ring pages -> GNU Radio -> MSG_ZEROCOPY TCP, with no copy.

from gnuradio import zcdma
dev = zcdma.device("sim:pattern=counter,rate=0")
dev.start()
with dev.acquire(timeout=1.0) as buf:
    samples = buf.array(numpy.complex64)   # read-only view of the DMA pages
"""

from .counter_pattern import (  # noqa: F401
    CounterReceiver,
    check_counter,
    check_counter_complex,
    counter_complex,
    counter_words,
)
from .vita49_source import vita49_source  # noqa: F401
from .zcdma_python import *  # noqa: F401,F403
