#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma_sim from inside the guest, for the kernel suites: its module
parameters (fault injection, reorder, rate, ...) and a fresh load of it with
zcdma on top."""

import gc
import os
import subprocess
import time

from qa_kernel_abi import DEV

KMOD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../kmod")
PARAMS = "/sys/module/zcdma_sim/parameters"


def param(name, value=None):
    """zcdma_sim's parameter name; with a value: set it first."""
    path = os.path.join(PARAMS, name)
    if value is None:
        with open(path) as f:
            return f.read().strip()
    with open(path, "w") as f:
        f.write(str(value))
    return None


def reload(*sim_args, probe=True):
    """Load zcdma_sim (with sim_args) and zcdma afresh; wait for the device
    (with probe=False: make sure there is none, zcdma refused it)."""
    gc.collect()  # devices and blocks of the last test close the device
    for m in ("zcdma", "zcdma_sim"):
        if os.path.exists(f"/sys/module/{m}"):
            subprocess.run(["rmmod", m], check=True)
    subprocess.run(["insmod", os.path.join(KMOD, "zcdma_sim.ko"), *sim_args], check=True)
    subprocess.run(["insmod", os.path.join(KMOD, "zcdma.ko")], check=True)
    if not probe:
        # insmod returns after the platform driver probed the device.
        if os.path.exists(DEV):
            raise AssertionError(f"zcdma took the channel: sim {sim_args}")
        return
    for _ in range(100):
        if os.path.exists(DEV):
            return
        time.sleep(0.05)
    raise AssertionError(f"{DEV} did not come back")


class sim_rate_restored:
    """Mixin for a TestCase whose tests reload zcdma_sim at other rates: the
    rate it had before them comes back after them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.saved_rate = param("rate")

    @classmethod
    def tearDownClass(cls):
        reload(f"rate={cls.saved_rate}")
        super().tearDownClass()
