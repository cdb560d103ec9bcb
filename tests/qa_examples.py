#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Every example compiles with grcc and the runnable ones run: the zcdma tone
flowgraph streams into the stock-blocks receiver, and the plain Python
example checks a counter stream end to end."""

import glob
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from gnuradio import gr_unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


def free_port():
    """A TCP port nobody listens on now (the tone receiver binds it next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env():
    e = dict(os.environ)
    e["GRC_BLOCKS_PATH"] = os.path.join(ROOT, "grc")
    e["QT_QPA_PLATFORM"] = "offscreen"
    return e


class qa_examples(gr_unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="zcdma-grcc-")
        cls.grc = sorted(glob.glob(os.path.join(EXAMPLES, "*.grc")))
        for path in cls.grc:
            r = subprocess.run(
                ["grcc", "-o", cls.out, path], capture_output=True, text=True, env=env()
            )
            assert r.returncode == 0, f"grcc {path}: {r.stdout}{r.stderr}"

    def start_compiled(self, script, *args, stdin=False, text=False):
        """One of the grcc-compiled examples, unbuffered: stdout and stderr in
        one pipe, stdin a pipe if asked for (Enter quits the examples)."""
        return subprocess.Popen(
            [sys.executable, "-u", os.path.join(self.out, script), *args],
            env=env(),
            stdin=subprocess.PIPE if stdin else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=text,
        )

    def test_all_compiled(self):
        self.assertGreaterEqual(len(self.grc), 5)
        for path in self.grc:
            name = os.path.splitext(os.path.basename(path))[0] + ".py"
            self.assertTrue(os.path.exists(os.path.join(self.out, name)), name)

    def test_tone_into_stock_receiver(self):
        port = str(free_port())
        rx = self.start_compiled("tcp_tone_rx.py", "--port", port)
        tx = self.start_compiled("zcdma_tone_tx.py", "--port", port, stdin=True, text=True)
        try:
            # The sink retries until the receiver listens, then connects.
            deadline = time.monotonic() + 60
            seen = ""
            while f"connected to 127.0.0.1:{port}" not in seen:
                self.assertLess(time.monotonic(), deadline, seen)
                line = tx.stdout.readline()
                self.assertTrue(line, "tx exited: " + seen)
                seen += line
            time.sleep(1)  # stream for a while (bounded run)
            self.assertIsNone(rx.poll(), "receiver died")
            self.assertIsNone(tx.poll(), "sender died")
            tx.stdin.write("\n")  # "Press Enter to quit"
            tx.stdin.flush()
            self.assertEqual(tx.wait(30), 0)
        finally:
            tx.kill()
            rx.kill()
            rx.wait()

    def test_vita49_rx_example(self):
        # The receiving example (zcdma.vita49_source + stock QT GUI sinks,
        # offscreen) gets VITA-49 packets from the encoder of
        # qa_vita49_source and prints the tags taken from the wire.
        sys.path.insert(0, os.path.join(ROOT, "python", "zcdma"))
        from qa_vita49_source import Stream

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        rx = self.start_compiled("zcdma_vita49_rx.py", "--port", str(port))
        stream = Stream()
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            os.set_blocking(rx.stdout.fileno(), False)
            seen = b""
            deadline = time.monotonic() + 60
            k = 0
            # UDP has no connect: send until the receiver's tags show up.
            while b"zcdma_overrun" not in seen:
                self.assertLess(time.monotonic(), deadline, seen.decode(errors="replace"))
                self.assertIsNone(rx.poll(), seen.decode(errors="replace"))
                packets = [stream.context()] + [stream.packet(k + i) for i in range(16)]
                k += 17  # one packet skipped each round: a gap the receiver tags
                for p in packets:
                    tx.sendto(p, ("127.0.0.1", port))
                select.select([rx.stdout], [], [], 0.1)
                seen += rx.stdout.read() or b""
            text = seen.decode()
            self.assertIn("rx_time", text)
            self.assertIn("rx_rate", text)
        finally:
            tx.close()
            rx.kill()
            rx.wait()
            rx.stdout.close()

    def test_vita49_tx_into_rx(self):
        # The two VITA-49 examples together: the sim tone leaves the ring as
        # VITA-49 (zcdma.udp_sink) and the receiving flowgraph prints the
        # tags it took from the wire: the sender's context fields among them.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = str(s.getsockname()[1])
        rx = self.start_compiled("zcdma_vita49_rx.py", "--port", port)
        tx = self.start_compiled("zcdma_vita49_tx.py", "--port", port, stdin=True)
        try:
            os.set_blocking(rx.stdout.fileno(), False)
            seen = b""
            deadline = time.monotonic() + 60
            while not all(k in seen for k in (b"rx_time", b"rx_rate", b"rx_freq")):
                self.assertLess(time.monotonic(), deadline, seen.decode(errors="replace"))
                self.assertIsNone(rx.poll(), seen.decode(errors="replace"))
                self.assertIsNone(tx.poll(), "the sender exited")
                select.select([rx.stdout], [], [], 0.2)
                seen += rx.stdout.read() or b""
            self.assertIn(b"1e+06", seen)  # rx_rate: the sender's samp_rate
            tx.stdin.write(b"\n")  # "Press Enter to quit"
            tx.stdin.flush()
            self.assertEqual(tx.wait(30), 0)
        finally:
            for p in (tx, rx):
                p.kill()
                p.wait()
                p.stdout.close()
            tx.stdin.close()

    def test_sigmf_record_example(self):
        # The recording example: the sim tone to a SigMF pair on disk, until
        # its 64 MiB bound; then Enter quits.
        out = tempfile.mkdtemp(prefix="zcdma-rec-", dir="/var/tmp")
        base = os.path.join(out, "rec")
        tx = self.start_compiled("zcdma_sigmf_record.py", "-o", base, stdin=True, text=True)
        try:
            seen = ""
            while "recording stopped" not in seen:
                line = tx.stdout.readline()
                self.assertTrue(line, "example exited: " + seen)
                seen += line
            tx.stdin.write("\n")
            tx.stdin.flush()
            self.assertEqual(tx.wait(60), 0, seen)
        finally:
            tx.kill()
            tx.wait()
            tx.stdout.close()
            tx.stdin.close()
        self.assertEqual(os.path.getsize(base + ".sigmf-data"), 64 << 20)
        with open(base + ".sigmf-meta") as f:
            meta = json.load(f)
        self.assertEqual(meta["global"]["core:datatype"], "cf32_le")
        self.assertEqual(meta["global"]["core:sample_rate"], 4e6)
        self.assertEqual(meta["captures"][0]["core:frequency"], 100e6)
        self.assertIn("core:datetime", meta["captures"][0])
        # The sigmf package validates it and reads all the samples back
        # (with the interpreter of its venv, see scripts/common.sh).
        ver = f"{sys.version_info[0]}.{sys.version_info[1]}"
        sigmf_py = os.path.join(ROOT, ".tools", f"sigmf-venv-{ver}", "bin", "python")
        if os.path.exists(sigmf_py):
            check = (
                "import sys; sys.path.insert(0, sys.argv[1]); import sigmf_support as s; "
                "s.validate(sys.argv[2]); print(s.read_samples(sys.argv[2]).size)"
            )
            r = subprocess.run(
                [sigmf_py, "-c", check, os.path.join(ROOT, "python", "zcdma"), base],
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(int(r.stdout.split()[-1]), (64 << 20) // 8)
        elif os.environ.get("ZCDMA_REQUIRE_SIGMF"):
            self.fail(f"no sigmf venv at {sigmf_py}")
        shutil.rmtree(out)

    def samp_rate_flowgraph(self, blocks):
        """Compile a flowgraph with samp_rate = 250e3 and these zcdma sources
        (name: params); returns grcc's result."""
        enabled = "states: {state: enabled}"
        lines = [
            "options:",
            "  parameters: {id: samp_rate_fg, generate_options: no_gui}",
            "  " + enabled,
        ]
        lines += [
            "blocks:",
            "- {name: samp_rate, id: variable, parameters: {value: '250e3'}, " + enabled + "}",
        ]
        sink_types = {"fc32": ("complex", 1), "sc16": ("short", 2)}
        connections = []
        for name, params in blocks.items():
            params = {"samp_rate": "samp_rate", "type": "fc32", **params}
            text = ", ".join(f"{k}: '{v}'" for k, v in params.items())
            lines.append(f"- {{name: {name}, id: zcdma_source, parameters: {{{text}}}, {enabled}}}")
            sink_type, vlen = sink_types[params["type"]]
            lines.append(
                f"- {{name: {name}_sink, id: blocks_null_sink, "
                f"parameters: {{type: {sink_type}, vlen: '{vlen}'}}, {enabled}}}"
            )
            connections.append(f"- [{name}, '0', {name}_sink, '0']")
        lines += ["connections:", *connections, "metadata: {file_format: 1}"]
        grc = os.path.join(self.out, "samp_rate_fg.grc")
        with open(grc, "w") as f:
            f.write("\n".join(lines) + "\n")
        return subprocess.run(
            ["grcc", "-o", self.out, grc], capture_output=True, text=True, env=env()
        )

    def test_source_uses_flowgraph_samp_rate(self):
        # Issue 9 item 17: a sim device that names no rate runs at the
        # flowgraph's samp_rate (samples of the Output Type); a rate in the
        # device string wins.
        blocks = {
            "follows": {"device": "sim:pattern=counter,nbufs=4,bufsize=64k"},
            "own_rate": {"device": "sim:rate=0,nbufs=4,bufsize=64k"},
            "shorts": {
                "device": "sim:pattern=tone,format=sc16,nbufs=4,bufsize=64k",
                "type": "sc16",
            },
        }
        # A sim format= must match the Output Type.
        bad = {"device": "sim:pattern=tone,format=sc16", "type": "fc32"}
        r = self.samp_rate_flowgraph({**blocks, "bad": bad})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("format=", r.stdout + r.stderr)
        r = self.samp_rate_flowgraph(blocks)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(self.out, "samp_rate_fg.py")) as f:
            self.assertIn(
                "zcdma.with_samp_rate('sim:pattern=counter,nbufs=4,bufsize=64k', samp_rate, 8)",
                f.read(),
            )
        probe = (
            "import samp_rate_fg\n"
            "tb = samp_rate_fg.samp_rate_fg()\n"
            "print(*(b.get_device().info.rate for b in (tb.follows, tb.own_rate, tb.shorts)))\n"
        )
        r = subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            env=env(),
            cwd=self.out,
            timeout=120,
        )
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # 250e3 samples/s x 8 bytes; the device's own rate=0; 250e3 x 4 (sc16).
        self.assertEqual(r.stdout.split(), ["2000000", "0", "1000000"])

    def run_example(self, script, *args):
        r = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, script), *args],
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout + r.stderr

    def test_plain_python_example(self):
        out = self.run_example("stream_counter.py", "--gib", "0.25")
        self.assertIn("PASS: counter pattern intact", out)
        self.assertIn(f"{1 << 28} bytes checked", out)  # exactly the budget
        self.assertIn("lost 0 B", out)
        self.assertIn("sent from the ring pages: True", out)
        # A planned end is quiet: no peer "gone", no bytes "in flight lost".
        self.assertNotIn("gone", out)

    def test_ring_api_example(self):
        self.assertIn("PASS", self.run_example("ring_counter_check.py", "--gib", "0.25"))


if __name__ == "__main__":
    gr_unittest.run(qa_examples)
