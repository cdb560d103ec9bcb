#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Host side of the virtio-net tests (virtio-zerocopy, virtio-zerocopy-udp)
and benchmarks (bench/guest.py, bench/guest_udp.py): a network namespace
holding the tap device the guest's eth0 is wired to, a receiver running in
it, and one guest command over that tap."""

import contextlib
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ip(*args):
    subprocess.run(["ip", *args], check=True)


@contextlib.contextmanager
def tap_namespace(ns, host_ip, mtu=None):
    """A fresh namespace ns whose tap0 (up, host_ip/24, mtu if given) is what
    vm.py --netns ns --tap tap0 wires the guest's eth0 to; deleted on exit."""
    ip("netns", "add", ns)
    try:
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "tuntap", "add", "tap0", "mode", "tap")
        if mtu:
            ip("-n", ns, "link", "set", "tap0", "mtu", str(mtu))
        ip("-n", ns, "addr", "add", f"{host_ip}/24", "dev", "tap0")
        ip("-n", ns, "link", "set", "tap0", "up")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns])
        time.sleep(0.1)


def run_over_tap(ns, host_ip, guest_ip, receiver, guest_cmd, rx_timeout):
    """Runs receiver (Python source; it prints "listening" once ready) in a
    fresh namespace ns at host_ip, then guest_cmd in the guest at guest_ip.
    Prints the receiver's output; 0 when both exited 0, else 1."""
    with tap_namespace(ns, host_ip):
        rx = subprocess.Popen(
            ["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", receiver],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert rx.stdout.readline().strip() == "listening"
        guest = f"ip link set eth0 up && ip addr add {guest_ip}/24 dev eth0 && {guest_cmd}"
        vm = subprocess.run(
            [f"{ROOT}/tests/vm/vm.py", "--netns", ns, "--tap", "tap0",
             "--env", f"PYTHONPATH={ROOT}/build/test_modules", "--", "sh", "-c", guest],
        )  # fmt: skip
        try:
            out, _ = rx.communicate(timeout=rx_timeout)
        except subprocess.TimeoutExpired:
            rx.kill()
            out, _ = rx.communicate()
        print(out.strip())
        return 0 if vm.returncode == 0 and rx.returncode == 0 else 1
