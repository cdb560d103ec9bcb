#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.sigmf_sink: counter recordings checked byte for byte, O_DIRECT from
the ring (address hook), tails and exact sizes, gaps -> captures and
annotations, rotation, limits, a full disk, SIGKILL. Every meta file is
checked by the `sigmf` package's validator and its samples read back with
its reader."""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy
import pmt
from sigmf_support import read_samples, validate
from test_support import IS_SIM, assert_inside, spec, wait_for

from gnuradio import blocks, gr, gr_unittest, zcdma

WORD = numpy.dtype("<u8")
MIB = 1 << 20
# A real disk (ext4, overlay, a VM's virtio-blk) for O_DIRECT, and a tmpfs.
DISK_DIR = os.environ.get("ZCDMA_TEST_DISK", "/var/tmp")
TMPFS_DIR = os.environ.get("ZCDMA_TEST_TMPFS_DIR", "/dev/shm")


def direct_io_works(directory):
    """Whether the file system of `directory` takes O_DIRECT."""
    path = os.path.join(directory, ".odirect-probe")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT)
    except OSError:
        return False
    finally:
        if os.path.exists(path):
            os.unlink(path)
    os.close(fd)
    return True


def words_of(data_path):
    return numpy.fromfile(data_path, dtype=WORD)


def iso_ns(text):
    """ns since the epoch of an ISO-8601 '...T..:..:..(.fraction)Z' string,
    exact to the nanosecond (datetime keeps only microseconds)."""
    import calendar

    head, _, frac = text.rstrip("Z").partition(".")
    secs = calendar.timegm(time.strptime(head, "%Y-%m-%dT%H:%M:%S"))
    return secs * 10**9 + int((frac + "000000000")[:9])


class slow_reader(gr.sync_block):
    """A second reader of the ring that naps now and then: the real-time
    source runs out of free slots and drops some (zcdma_overrun)."""

    def __init__(self, nap=0.03, every=40):
        gr.sync_block.__init__(self, "slow_reader", [numpy.uint64], [])
        self.calls = 0
        self.nap, self.every = nap, every

    def work(self, input_items, output_items):
        self.calls += 1
        if self.calls % self.every == 0:
            time.sleep(self.nap)
        return len(input_items[0])


class qa_sigmf_sink(gr_unittest.TestCase):
    def setUp(self):
        self.tb = gr.top_block()
        # A real disk for O_DIRECT (ext4 / overlay), tmpfs for the fallback.
        self.disk = tempfile.mkdtemp(prefix="zcdma-sigmf-", dir=DISK_DIR)
        self.shm = tempfile.mkdtemp(prefix="zcdma-sigmf-", dir=TMPFS_DIR)
        self.word0 = 0 if IS_SIM else None  # the kernel ring's counter goes on

    def tearDown(self):
        self.tb = None
        shutil.rmtree(self.disk, ignore_errors=True)
        shutil.rmtree(self.shm, ignore_errors=True)

    def check_recording(self, base, first_word=0):
        """Validates BASE's meta with the sigmf package, reads the samples
        back with its reader and checks the counter pattern of every capture
        segment. Returns (meta dict, words)."""
        meta = validate(base)
        words = words_of(base + ".sigmf-data")
        self.assertEqual(os.path.getsize(base + ".sigmf-data") % 8, 0)
        if words.size:
            back = read_samples(base)
            self.assertEqual(back.size, words.size)
            self.assertTrue(numpy.array_equal(back.view(WORD), words))
        g = meta["global"]
        self.assertEqual(g["core:version"].split(".")[0], "1")
        self.assertTrue(g["core:recorder"].startswith("gr-zcdma "))
        self.assertIn({"name": "zcdma", "version": "1.0.0", "optional": True}, g["core:extensions"])
        caps = meta["captures"]
        self.assertEqual(caps[0]["core:sample_start"], 0)
        starts = [c["core:sample_start"] for c in caps] + [words.size]
        for i in range(len(caps)):
            seg = words[starts[i] : starts[i + 1]]
            if seg.size:
                first = int(seg[0])
                if i == 0:
                    if self.word0 is None:
                        self.word0 = first - first_word
                    self.assertEqual(first, self.word0 + first_word)
                self.assertEqual(zcdma.check_counter(seg, first * 8), 0, f"capture {i}")
        return meta, words

    def record_ring(self, directory, nbytes, direct, rate=0, **kw):
        """sim counter ring -> sigmf_sink until nbytes are written; returns
        (sink, source, base). Meanwhile checks, again and again, that no item
        was consumed (handed back to the ring) before its write completed."""
        base = os.path.join(directory, "rec")
        dev = spec(pattern="counter", rate=rate, nbufs=16, bufsize=262144)
        src = zcdma.source(dev, 8)
        snk = zcdma.sigmf_sink(8, base, "cf32_le", direct=direct, **kw)
        self.tb.connect(src, snk)
        self.tb.start()
        early = []

        def written_enough():
            consumed = snk.nitems_read(0) * 8  # read first: both only grow
            s = snk.stats()
            if consumed > s["bytes_written"] + s["bytes_dropped"]:
                early.append((consumed, s["bytes_written"]))
            return s["bytes_written"] >= nbytes

        self.assertTrue(wait_for(written_enough, 120))
        self.tb.stop()
        self.tb.wait()
        self.assertEqual(early, [], "items consumed before their write completed")
        return snk, src, base

    def written_from(self, snk, region):
        """Whether every buffer handed to a write lay inside `region`."""
        lo, hi = region.ctypes.data, region.ctypes.data + region.nbytes
        return all(lo <= b and b + n <= hi for b, n in snk.write_address_ranges())

    def assert_written_from(self, snk, region):
        """Every buffer handed to a write lay inside `region`: the ring went
        to the disk without being copied anywhere first."""
        assert_inside(self, snk.write_address_ranges(), region, "write buffer")

    def test_direct_from_ring_to_disk(self):
        if not direct_io_works(self.disk):
            self.skipTest(f"{self.disk}: no O_DIRECT on this file system")
        snk, src, base = self.record_ring(
            self.disk,
            32 * MIB,
            "on",
            sample_rate=1e6,
            frequency=433.92e6,
            description="counter",
            author="qa",
            hw="sim",
            write_size=65536,
        )
        s = snk.stats()
        meta, words = self.check_recording(base)
        self.assertGreaterEqual(words.size * 8, 32 * MIB)
        self.assertEqual(s["bytes_written"], words.size * 8)
        # The ring is page aligned like the file offsets: all of it O_DIRECT.
        self.assertTrue(snk.direct_active())
        self.assertEqual(s["buffered_bytes"], 0)
        self.assertEqual(s["direct_bytes"], words.size * 8)
        # Several writes in flight: a 256 KiB slot is four 64 KiB writes.
        self.assertGreaterEqual(s["inflight_peak"], 2 * 65536)
        self.assertEqual(s["write_errors"] + s["bytes_dropped"], 0)
        self.assert_written_from(snk, src.get_device().mapping())
        g = meta["global"]
        self.assertEqual(g["core:datatype"], "cf32_le")
        self.assertEqual(g["core:sample_rate"], 1e6)
        self.assertEqual(
            (g["core:description"], g["core:author"], g["core:hw"]), ("counter", "qa", "sim")
        )
        cap = meta["captures"]
        self.assertEqual(len(cap), 1)
        self.assertEqual(cap[0]["core:frequency"], 433.92e6)
        # rx_time of the first slot -> core:datetime, to the nanosecond.
        self.assertRegex(cap[0]["core:datetime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
        self.assertLess(abs(iso_ns(cap[0]["core:datetime"]) - time.time_ns()), 600 * 10**9)

    def test_auto_falls_back_without_o_direct(self):
        # tmpfs refuses O_DIRECT before Linux 6.6, ramfs always: direct="on"
        # is an error there, "auto" writes through the page cache.
        if not direct_io_works(self.shm):
            snk, src, base = self.record_ring(self.shm, 8 * MIB, "auto")
            on_error = None
            try:
                zcdma.sigmf_sink(8, os.path.join(self.shm, "x"), direct="on")
            except OSError as e:
                on_error = [e.errno, str(e)]
            stats, in_ring = snk.stats(), self.written_from(snk, src.get_device().mapping())
        else:
            code = """
                import json, sys, time
                from gnuradio import gr, zcdma
                mnt = sys.argv[1]
                on_error = None
                try:
                    zcdma.sigmf_sink(8, mnt + "/x", direct="on")
                except OSError as e:
                    on_error = [e.errno, str(e)]
                tb = gr.top_block()
                src = zcdma.source("sim:pattern=counter,rate=0,nbufs=16,bufsize=262144", 8)
                snk = zcdma.sigmf_sink(8, mnt + "/rec")
                tb.connect(src, snk)
                tb.start()
                while snk.stats()["bytes_written"] < (8 << 20):
                    time.sleep(0.01)
                tb.stop()
                tb.wait()
                ring = src.get_device().mapping()
                lo, hi = ring.ctypes.data, ring.ctypes.data + ring.nbytes
                in_ring = all(lo <= b and b + n <= hi for b, n in snk.write_address_ranges())
                print("RESULT", json.dumps([snk.stats(), on_error, in_ring]), flush=True)
            """
            (stats, on_error, in_ring), base = self.in_private_mount("ramfs", "", code, "rec")
        self.assertIsNotNone(on_error, "direct='on' accepted where O_DIRECT is refused")
        self.assertEqual(on_error[0], errno.EINVAL)
        self.assertIn("O_DIRECT", on_error[1])
        _, words = self.check_recording(base)
        self.assertGreaterEqual(words.size * 8, 8 * MIB)
        self.assertEqual(stats["direct_active"], 0)
        self.assertEqual(stats["auto_fallbacks"], 1)
        self.assertEqual(stats["direct_bytes"], 0)
        self.assertEqual(stats["buffered_bytes"], words.size * 8)
        self.assertTrue(in_ring)

    def in_private_mount(self, fstype, options, code, name, source=None):
        """Runs `code` (argv[1]: the mount point) in a child in a private
        mount namespace where a fresh `fstype` is mounted; copies NAME.* out.
        Returns (the JSON of its RESULT line, base path of the copies)."""
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest(f"needs root and unshare for a private {fstype} mount")
        mnt = tempfile.mkdtemp(dir=self.disk)
        out = tempfile.mkdtemp(dir=self.disk)
        mount = [
            "mount",
            "-t",
            fstype,
            *(["-o", options] if options else []),
            source or fstype,
            mnt,
        ]
        script = (
            "import os, shutil, subprocess, sys\n"
            f"subprocess.run({mount!r}, check=True)\n"
            "try:\n"
            "    exec(compile(sys.argv[2], 'child', 'exec'))\n"
            "finally:\n"
            f"    names = sorted(os.listdir({mnt!r}))\n"
            "    print('FILES', *names, flush=True)\n"
            "    for f in names:\n"
            "        if f != 'lost+found':\n"
            f"            shutil.copy(os.path.join({mnt!r}, f), {out!r})\n"
        )
        child = subprocess.run(
            [
                "unshare",
                "-m",
                "--propagation",
                "private",
                sys.executable,
                "-c",
                script,
                mnt,
                textwrap.dedent(code),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.child_log = child.stdout + child.stderr
        self.assertEqual(child.returncode, 0, self.child_log)
        result = [ln for ln in child.stdout.splitlines() if ln.startswith("RESULT ")]
        self.assertEqual(len(result), 1, self.child_log)
        files = [ln for ln in child.stdout.splitlines() if ln.startswith("FILES")]
        self.child_files = files[0].split()[1:]
        return json.loads(result[0].split(" ", 1)[1]), os.path.join(out, name)

    def test_exact_size_odd_counts(self):
        # Tails shorter than a block, heads that end mid-block, items that
        # are not a power of two: the file is exact, every byte right.
        if not direct_io_works(self.disk):
            self.skipTest(f"{self.disk}: no O_DIRECT on this file system")
        for n, itemsize, datatype, direct in [
            (1, 8, "cf32_le", "on"),
            (511, 8, "cf32_le", "on"),
            (4097, 8, "cf32_le", "on"),
            (100003, 8, "cf32_le", "on"),
            (77777, 4, "ci16_le", "on"),
            (33333, 16, "cf64_le", "on"),
            (100003, 8, "cf32_le", "off"),
        ]:
            with self.subTest(n=n, itemsize=itemsize, direct=direct):
                tb = gr.top_block()
                words = numpy.arange(n * itemsize // 8 + 1, dtype=WORD)
                raw = words.view(numpy.uint8)[: n * itemsize]
                src = blocks.vector_source_b(raw.tolist(), False, itemsize)
                base = os.path.join(self.disk, f"odd{n}_{itemsize}")
                snk = zcdma.sigmf_sink(itemsize, base, datatype, direct=direct, write_size=8192)
                tb.connect(src, snk)
                tb.run()
                data = base + ".sigmf-data"
                self.assertEqual(os.path.getsize(data), n * itemsize)
                with open(data, "rb") as f:
                    self.assertEqual(f.read(), raw.tobytes())
                validate(base)
                self.assertEqual(read_samples(base).size, n)
                s = snk.stats()
                self.assertEqual(s["bytes_written"], n * itemsize)
                self.assertEqual(s["direct_bytes"] + s["buffered_bytes"], n * itemsize)
                if direct == "off":
                    self.assertEqual((s["direct_bytes"], s["direct_active"]), (0, 0))
                    continue
                if n * itemsize >= 2 * 8192:
                    self.assertGreater(s["direct_bytes"], 0)
                # The part that could not go direct is counted, not silent.
                self.assertEqual(s["unaligned_bytes"], s["buffered_bytes"])
                self.assertEqual(s["copied_bytes"], s["buffered_bytes"])

    def test_tags_to_captures(self):
        # rx_time at 0 and rx_freq changes: captures with datetime carried by
        # the sample rate and core:frequency.
        n = 50000
        words = numpy.arange(n, dtype=WORD)

        def tag(offset, key, value):
            t = gr.tag_t()
            t.offset, t.key, t.value = offset, pmt.intern(key), value
            return t

        t0 = 1700000000
        tags = [
            tag(0, "rx_time", pmt.make_tuple(pmt.from_uint64(t0), pmt.from_double(0.25))),
            tag(1000, "rx_freq", pmt.from_double(2.4e9)),
            tag(3000, "rx_freq", pmt.from_double(2.4e9)),  # no change, no capture
            tag(20000, "rx_freq", pmt.from_double(5.8e9)),
        ]
        src = blocks.vector_source_b(words.view(numpy.uint8).tolist(), False, 8, tags)
        base = os.path.join(self.shm, "tags")
        snk = zcdma.sigmf_sink(8, base, "cf32_le", sample_rate=1e6, frequency=1e9)
        self.tb.connect(src, snk)
        self.tb.run()
        meta, _ = self.check_recording(base)
        caps = meta["captures"]
        self.assertEqual([c["core:sample_start"] for c in caps], [0, 1000, 20000])
        self.assertEqual([c["core:frequency"] for c in caps], [1e9, 2.4e9, 5.8e9])
        start = t0 * 10**9 + 250 * 10**6
        self.assertEqual(
            [iso_ns(c["core:datetime"]) for c in caps], [start, start + 10**6, start + 20 * 10**6]
        )
        self.assertEqual(caps[1]["core:datetime"], "2023-11-14T22:13:20.251000000Z")

    def test_late_rx_time_dates_the_capture(self):
        # The first rx_time 5000 samples in: the capture that began before
        # it is dated back by the sample rate.
        words = numpy.arange(10000, dtype=WORD)
        t = gr.tag_t()
        t.offset, t.key = 5000, pmt.intern("rx_time")
        t.value = pmt.make_tuple(pmt.from_uint64(1700000000), pmt.from_double(0.5))
        src = blocks.vector_source_b(words.view(numpy.uint8).tolist(), False, 8, [t])
        base = os.path.join(self.shm, "late")
        snk = zcdma.sigmf_sink(8, base, "cf32_le", sample_rate=1e4)
        self.tb.connect(src, snk)
        self.tb.run()
        meta, _ = self.check_recording(base)
        self.assertEqual(meta["captures"][0]["core:datetime"], "2023-11-14T22:13:20.000000000Z")

    def test_overruns_give_captures_and_annotations(self):
        if not IS_SIM:
            self.skipTest("needs the sim's exact real-time schedule")
        # A real-time ring (1 ms slots) with a second reader that naps: the
        # source drops slots; each gap starts a capture (time of its first
        # sample) with an annotation giving the samples lost.
        bufsize, rate = 65536, 65536000  # one slot per ms exactly
        dev = f"sim:pattern=counter,rate={rate},nbufs=8,bufsize={bufsize}"
        src = zcdma.source(dev, 8)
        base = os.path.join(self.shm, "gaps")
        snk = zcdma.sigmf_sink(8, base, "cf32_le", sample_rate=rate / 8, meta_interval=0.2)
        self.tb.connect(src, snk)
        self.reader = slow_reader()  # the flowgraph holds no Python reference
        self.tb.connect(src, self.reader)
        self.tb.start()
        self.assertTrue(wait_for(lambda: snk.stats()["overruns"] >= 3, 120))
        self.tb.stop()
        self.tb.wait()
        meta, words = self.check_recording(base)
        s = snk.stats()
        notes = meta["annotations"]
        caps = meta["captures"]
        self.assertGreaterEqual(len(notes), 3)
        self.assertEqual(len(notes), s["overruns"])
        self.assertEqual(len(caps), len(notes) + 1)
        slot_words = bufsize // 8
        lost_total = 0
        for cap, note in zip(caps[1:], notes, strict=True):
            at = note["core:sample_start"]
            self.assertEqual(cap["core:sample_start"], at)
            self.assertIn(note["core:sample_count"], (0, 1))
            self.assertIn("lost", note["core:comment"])
            # The counter jumps by exactly the samples the annotation names.
            lost = note["zcdma:samples_lost"]
            self.assertEqual(lost, note["zcdma:slots_lost"] * slot_words)
            self.assertEqual(int(words[at]) - int(words[at - 1]) - 1, lost)
            lost_total += lost
            # Time of the first sample after the gap: the sim stamps slot
            # seq at t0 + seq ms, so it follows from the counter exactly.
            dt = iso_ns(cap["core:datetime"]) - iso_ns(caps[0]["core:datetime"])
            self.assertEqual(dt, (int(words[at]) - int(words[0])) // slot_words * 10**6)
        self.assertEqual(lost_total, s["samples_lost"])
        # Every drop the source counted before the end is in the recording.
        self.assertLessEqual(lost_total, src.slots_dropped() * slot_words)
        self.assertEqual(s["bytes_dropped"], 0)

    def test_rotation_by_size_and_time(self):
        if not direct_io_works(self.disk):
            self.skipTest(f"{self.disk}: no O_DIRECT on this file system")
        limit = MIB + 100  # cut at the last block boundary below it: 1 MiB
        snk, src, base = self.record_ring(
            self.disk, 5 * MIB + 1, "auto", max_file_bytes=limit, sample_rate=1e6
        )
        files = snk.files()
        self.assertEqual(files, [f"{base}-{i:04d}.sigmf-data" for i in range(len(files))])
        self.assertGreaterEqual(len(files), 6)
        self.assertFalse(os.path.exists(base + ".sigmf-data"))
        total = 0
        for i, data in enumerate(files):
            part = data[: -len(".sigmf-data")]
            meta, words = self.check_recording(part, first_word=total)
            if i < len(files) - 1:
                self.assertEqual(words.size * 8, MIB)
            cap = meta["captures"][0]
            self.assertEqual(cap["core:global_index"], total)
            if i:  # datetime carried over by the sample rate
                prev = iso_ns(
                    validate(files[0][: -len(".sigmf-data")])["captures"][0]["core:datetime"]
                )
                self.assertEqual(iso_ns(cap["core:datetime"]) - prev, total * 1000)
            total += words.size
        self.assertEqual(snk.stats()["buffered_bytes"], 0)
        # Release the ring before the second recording opens it again
        # (/dev/zcdma0 has one opener at a time: EBUSY): the source and the
        # sink (its input buffer is the ring) and the flowgraph.
        del snk, src
        self.tb = gr.top_block()
        # By duration: 0.25 s at 1 MS/s, cut to a block boundary below.
        d2 = os.path.join(self.disk, "t")
        os.mkdir(d2)
        snk, _, base = self.record_ring(d2, 3 * MIB, "auto", max_file_seconds=0.25, sample_rate=1e6)
        sizes = [os.path.getsize(f) for f in snk.files()]
        unit = snk.block_size()
        self.assertEqual(sizes[0], 250000 * 8 // unit * unit)
        self.assertTrue(all(x == sizes[0] for x in sizes[:-1]))

    def test_total_limit_stops_recording(self):
        snk, _, base = self.record_ring(
            self.shm, 3 * MIB, "auto", max_file_bytes=MIB, max_total_bytes=3 * MIB + 5
        )
        self.tb = gr.top_block()
        # The sink went on consuming after the limit (the flowgraph ran on).
        s = snk.stats()
        self.assertFalse(snk.recording())
        self.assertEqual(s["bytes_written"], 3 * MIB)
        total = 0
        for data in snk.files():
            _, words = self.check_recording(data[: -len(".sigmf-data")], first_word=total)
            total += words.size
        self.assertEqual(total * 8, 3 * MIB)

    def test_keeps_consuming_after_limit(self):
        # Past max_total_bytes the flowgraph runs on; the stats port goes on.
        base = os.path.join(self.shm, "lim")
        src = zcdma.source("sim:pattern=counter,rate=0,nbufs=8,bufsize=65536", 8)
        snk = zcdma.sigmf_sink(8, base, max_total_bytes=MIB, meta_interval=0.05)
        dbg = blocks.message_debug()
        self.tb.connect(src, snk)
        self.tb.msg_connect(snk, "stats", dbg, "store")
        self.tb.start()
        self.assertTrue(wait_for(lambda: snk.stats()["bytes_dropped"] >= 16 * MIB, 120))
        self.assertTrue(wait_for(lambda: dbg.num_messages() >= 2, 60))
        self.tb.stop()
        self.tb.wait()
        _, words = self.check_recording(base)
        self.assertEqual(words.size * 8, MIB)
        stats = pmt.to_python(dbg.get_message(dbg.num_messages() - 1))
        self.assertEqual(stats["bytes_written"], MIB)
        self.assertIn("bytes_dropped", stats)

    def test_bad_input(self):
        path = os.path.join(self.shm, "bad")
        with self.assertRaises(ValueError) as e:
            zcdma.sigmf_sink(4, path, "cf32_le")
        self.assertIn("itemsize 4", str(e.exception))
        self.assertIn("cf32_le", str(e.exception))
        for kw in [
            {"datatype": "cf33_le"},
            {"datatype": "cf32"},
            {"datatype": "ci8_le", "itemsize": 2},
            {"direct": "maybe"},
            {"queue_depth": 0},
            {"queue_depth": 1000},
            {"write_size": 0},
            {"max_file_seconds": 1.0},  # no sample_rate
            {"max_file_bytes": 3},
            {"meta_interval": -1},
            {"sample_rate": -5},
        ]:
            kw = dict(kw)
            itemsize = kw.pop("itemsize", 8)
            with self.subTest(kw=kw), self.assertRaises(ValueError):
                zcdma.sigmf_sink(itemsize, path, **kw)
        with self.assertRaises(FileNotFoundError):
            zcdma.sigmf_sink(8, os.path.join(self.shm, "nodir", "x"))

    def test_big_endian_datatype_needs_byte_order(self):
        # The sink never swaps: a _be datatype on little-endian input would
        # label the bytes wrongly. It needs byte_order="big", the user's word
        # that the input buffer holds big-endian samples.
        path = os.path.join(self.shm, "be")
        native = sys.byteorder  # "little" on every host this runs on
        wrong = "be" if native == "little" else "le"
        for datatype, itemsize in [("cf32_", 8), ("ci16_", 4), ("rf32_", 4), ("cf64_", 16)]:
            datatype += wrong
            with self.subTest(datatype=datatype):
                with self.assertRaises(ValueError) as e:
                    zcdma.sigmf_sink(itemsize, path, datatype)
                self.assertIn(f"'{datatype}'", str(e.exception))
                self.assertIn("byte_order", str(e.exception))
        with self.assertRaises(ValueError) as e:
            zcdma.sigmf_sink(8, path, "cf32_le", byte_order="big")
        self.assertIn("'cf32_le'", str(e.exception))
        with self.assertRaises(ValueError) as e:
            zcdma.sigmf_sink(8, path, byte_order="network")
        self.assertIn("'network'", str(e.exception))
        zcdma.sigmf_sink(1, path, "ru8", byte_order="big")  # bytes have no order
        zcdma.sigmf_sink(8, path, "cf32_le", byte_order="little")

        # A ring in wire order (sim format=sc16be) recorded as ci16_be: the
        # bytes as they are, and the sigmf reader reads the right values.
        dev = "sim:pattern=counter,format=sc16be,rate=0,nbufs=8,bufsize=65536"
        src = zcdma.source(dev, 4)
        base = os.path.join(self.shm, "wire")
        snk = zcdma.sigmf_sink(4, base, "ci16_be", byte_order="big")
        self.tb.connect(src, snk)
        self.tb.start()
        self.assertTrue(wait_for(lambda: snk.stats()["bytes_written"] >= MIB, 120))
        self.tb.stop()
        self.tb.wait()
        meta = validate(base)
        self.assertEqual(meta["global"]["core:datatype"], "ci16_be")
        raw = numpy.fromfile(base + ".sigmf-data", dtype=numpy.uint8)
        self.assertGreaterEqual(raw.size, MIB)
        self.assertEqual(zcdma.check_counter(raw, 0, sc16be=True), 0)
        comps = raw.view(">i2").astype(numpy.float64) / 32768
        back = read_samples(base)
        self.assertTrue(numpy.array_equal(back, comps[0::2] + 1j * comps[1::2]))

    def run_child(self, code, *args, timeout=300):
        env = dict(os.environ)
        return subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def kill_when_running(self, code, base):
        """Runs code (argv[1] = base) until it prints RUNNING, then SIGKILLs it."""
        child = self.run_child(code, base)
        try:
            for line in child.stdout:
                if line.startswith("RUNNING"):
                    break
            else:
                self.fail("child ended: " + str(child.wait()))
            child.send_signal(signal.SIGKILL)
            self.assertEqual(child.wait(60), -signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
            child.stdout.close()

    def test_sigkill_leaves_valid_pair(self):
        if not direct_io_works(self.disk):
            self.skipTest(f"{self.disk}: no O_DIRECT on this file system")
        code = """
            import sys, time
            from gnuradio import gr, zcdma
            tb = gr.top_block()
            src = zcdma.source("sim:pattern=counter,rate=0,nbufs=16,bufsize=262144", 8)
            snk = zcdma.sigmf_sink(8, sys.argv[1], sample_rate=1e6, direct="on",
                                   write_size=65536, meta_interval=0.05)
            tb.connect(src, snk)
            tb.start()
            while snk.stats()["bytes_written"] < (64 << 20) or snk.stats()["meta_writes"] < 2:
                time.sleep(0.01)
            print("RUNNING", flush=True)
            time.sleep(600)
        """
        base = os.path.join(self.disk, "killed")
        self.kill_when_running(code, base)  # mid-recording: writes in flight
        self.assertGreaterEqual(os.path.getsize(base + ".sigmf-data"), 64 << 20)
        meta, words = self.check_recording(base)
        self.assertGreaterEqual(words.size * 8, 64 << 20)
        self.assertIn("core:datetime", meta["captures"][0])

    def test_sigkill_with_gaps(self):
        # Killed while a real-time ring drops slots: every gap in the data
        # file is in the meta (capture + annotation, dated), also in the
        # writes in flight at the kill (the meta is rewritten before a write
        # past a gap is submitted). The meta holds nothing that depends on
        # the data size, so a periodic rewrite would add nothing.
        if not IS_SIM:
            self.skipTest("needs the sim's exact real-time schedule")
        bufsize, rate, depth, wsize = 65536, 65536000, 4, 65536
        code = f"""
            import sys, time
            import numpy
            from gnuradio import gr, zcdma

            class slow_reader(gr.sync_block):
                def __init__(self):
                    gr.sync_block.__init__(self, "slow_reader", [numpy.uint64], [])
                    self.calls = 0

                def work(self, input_items, output_items):
                    self.calls += 1
                    if self.calls % 40 == 0:
                        time.sleep(0.03)
                    return len(input_items[0])

            tb = gr.top_block()
            src = zcdma.source("sim:pattern=counter,rate={rate},nbufs=8,bufsize={bufsize}", 8)
            snk = zcdma.sigmf_sink(8, sys.argv[1], sample_rate={rate / 8}, queue_depth={depth},
                                   write_size={wsize}, meta_interval=0.05)
            reader = slow_reader()
            tb.connect(src, snk)
            tb.connect(src, reader)
            tb.start()
            while snk.stats()["overruns"] < 3:
                time.sleep(0.01)
            print("RUNNING", flush=True)
            time.sleep(600)
        """
        base = os.path.join(self.shm, "killed-gaps")
        self.kill_when_running(code, base)
        meta = validate(base)
        words = words_of(base + ".sigmf-data")
        jumps = [int(i) + 1 for i in numpy.flatnonzero(numpy.diff(words.astype(numpy.int64)) != 1)]
        notes = {n["core:sample_start"]: n for n in meta["annotations"]}
        caps = {c["core:sample_start"]: c for c in meta["captures"]}
        self.assertGreaterEqual(len(jumps), 3)
        slot_words = bufsize // 8
        for at in jumps:
            self.assertIn(at, notes, f"gap at sample {at} not annotated")
            self.assertIn(at, caps, f"gap at sample {at} starts no capture")
            self.assertEqual(
                int(words[at]) - int(words[at - 1]) - 1, notes[at]["zcdma:samples_lost"]
            )
            dt = iso_ns(caps[at]["core:datetime"]) - iso_ns(caps[0]["core:datetime"])
            self.assertEqual(dt, (int(words[at]) - int(words[0])) // slot_words * 10**6)
        # Nothing else, but maybe a gap at the very end of the data (killed
        # after its meta, before the write after it).
        self.assertEqual(sorted(set(notes) - {words.size}), jumps)
        self.assertEqual(sorted(set(caps) - {words.size}), [0, *jumps])

    def test_meta_before_the_data_past_a_gap(self):
        # The data file is a FIFO (one page) that this test reads: a write
        # completes only when the test has read all but its last page. Once
        # any sample after a gap can be read, the meta names the gap and its
        # capture, so a kill at any moment cannot leave data past a gap that
        # the meta does not describe.
        import fcntl

        base = os.path.join(self.shm, "fifo")
        os.mkfifo(base + ".sigmf-data")
        rfd = os.open(base + ".sigmf-data", os.O_RDONLY | os.O_NONBLOCK)
        try:
            fcntl.fcntl(rfd, fcntl.F_SETPIPE_SZ, 4096)
            n, gap = 65536, 3000  # the gap in the middle of the first write
            t = gr.tag_t()
            t.offset, t.key, t.value = gap, pmt.intern("zcdma_overrun"), pmt.from_uint64(1)
            words = numpy.arange(n, dtype=WORD)
            src = blocks.vector_source_b(words.view(numpy.uint8).tolist(), False, 8, [t])
            snk = zcdma.sigmf_sink(8, base, direct="off", queue_depth=1, write_size=65536)
            self.tb.connect(src, snk)
            self.tb.start()
            os.set_blocking(rfd, True)
            got = bytearray()
            while len(got) < (gap + 1) * 8:
                got += os.read(rfd, (gap + 1) * 8 - len(got))
            with open(base + ".sigmf-meta") as f:
                meta = json.load(f)
            self.assertEqual([a["core:sample_start"] for a in meta["annotations"]], [gap])
            self.assertEqual([c["core:sample_start"] for c in meta["captures"]], [0, gap])
            while chunk := os.read(rfd, 65536):
                got += chunk
                if len(got) == n * 8:
                    break
        finally:
            os.close(rfd)  # a write still blocked fails (EPIPE): the sink stops
            self.tb.stop()
            self.tb.wait()
        self.assertEqual(bytes(got), words.tobytes())

    def test_disk_full(self):
        # A 4 MiB tmpfs fills up: one error, the flowgraph runs on (input
        # consumed and counted), the file ends on the last good item and its
        # meta is complete and valid.
        code = """
            import json, sys, time
            from gnuradio import gr, zcdma
            tb = gr.top_block()
            src = zcdma.source("sim:pattern=counter,rate=0,nbufs=8,bufsize=65536", 8)
            snk = zcdma.sigmf_sink(8, sys.argv[1] + "/full", sample_rate=1e6, write_size=65536)
            tb.connect(src, snk)
            tb.start()
            while snk.stats()["bytes_dropped"] < (32 << 20):
                time.sleep(0.01)
            tb.stop()
            tb.wait()
            print("RESULT", json.dumps(snk.stats()), flush=True)
        """
        stats, base = self.in_private_mount("tmpfs", "size=4m", code, "full")
        # No temporary meta, no space reserve left behind.
        self.assertEqual(self.child_files, ["full.sigmf-data", "full.sigmf-meta"])
        self.assertGreaterEqual(stats["write_errors"], 1)
        self.assertEqual(stats["recording"], 0)
        self.assertGreaterEqual(stats["bytes_dropped"], 32 << 20)
        self.assertEqual(self.child_log.count("No space left on device"), 1, self.child_log)
        meta, words = self.check_recording(base)
        self.assertGreater(words.size, MIB // 8)
        self.assertEqual(meta["global"]["core:sample_rate"], 1e6)

    def test_disk_full_direct_on_ext4(self):
        # The same with O_DIRECT writes in flight: a 24 MiB ext4 image,
        # loop-mounted, fills up under direct="on".
        if not shutil.which("mkfs.ext4") or not os.path.exists("/dev/loop-control"):
            self.skipTest("needs mkfs.ext4 and loop devices")
        image = os.path.join(self.disk, "ext4.img")
        with open(image, "wb") as f:
            f.truncate(24 * MIB)
        subprocess.run(["mkfs.ext4", "-q", "-F", image], check=True)
        code = """
            import json, sys, time
            from gnuradio import gr, zcdma
            tb = gr.top_block()
            src = zcdma.source("sim:pattern=counter,rate=0,nbufs=16,bufsize=262144", 8)
            snk = zcdma.sigmf_sink(8, sys.argv[1] + "/full", direct="on", write_size=131072)
            tb.connect(src, snk)
            tb.start()
            while snk.stats()["bytes_dropped"] < (64 << 20):
                time.sleep(0.01)
            tb.stop()
            tb.wait()
            print("RESULT", json.dumps(snk.stats()), flush=True)
        """
        stats, base = self.in_private_mount("ext4", "loop", code, "full", source=image)
        self.assertIn("full.sigmf-data", self.child_files)
        self.assertIn("full.sigmf-meta", self.child_files)
        self.assertFalse(
            [f for f in self.child_files if "tmp" in f or "reserve" in f], self.child_files
        )
        self.assertGreaterEqual(stats["write_errors"], 1)
        self.assertGreater(stats["direct_bytes"], 8 * MIB)
        self.assertEqual(stats["recording"], 0)
        self.assertEqual(self.child_log.count("No space left on device"), 1, self.child_log)
        _, words = self.check_recording(base)
        self.assertGreater(words.size * 8, 8 * MIB)
        self.assertEqual(stats["bytes_written"], words.size * 8)


if __name__ == "__main__":
    gr_unittest.run(qa_sigmf_sink)
