/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "sigmf_sink_impl.h"
#include "stats_message.h"
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <system_error>
#include <unistd.h>
#include <boost/thread/thread.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <stdexcept>

#ifndef ZCDMA_VERSION
#define ZCDMA_VERSION "0"
#endif

namespace gr {
namespace zcdma {

namespace {
constexpr int poll_slice_ms = 100; // how soon top_block.stop() is noticed
constexpr int drain_timeout_ms = 60000;
// Kept allocated beside each recording and freed before its last metadata
// write, so that a full disk still gets a complete meta file.
constexpr off_t reserve_bytes = 256 << 10;

std::invalid_argument bad(const std::string& what)
{
    return std::invalid_argument("zcdma.sigmf_sink: " + what);
}

std::string strip_suffix(const std::string& path)
{
    for (const char* suffix : { ".sigmf-data", ".sigmf-meta", ".sigmf" }) {
        const size_t n = strlen(suffix);
        if (path.size() > n && path.compare(path.size() - n, n, suffix) == 0)
            return path.substr(0, path.size() - n);
    }
    return path;
}

std::string dir_of(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash + 1);
}

// The file's direct-I/O alignment (offset, length and memory): statx
// STATX_DIOALIGN (Linux 6.1+), else the logical block size of the device
// (sysfs), else the page size. 0: the file system takes no direct I/O.
uint64_t dio_alignment(int fd)
{
#ifdef STATX_DIOALIGN
    struct statx stx {
    };
    if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
        (stx.stx_mask & STATX_DIOALIGN))
        return stx.stx_dio_offset_align
                   ? std::max(stx.stx_dio_offset_align, stx.stx_dio_mem_align)
                   : 0;
#endif
    struct stat st {
    };
    if (fstat(fd, &st) == 0) {
        const std::string dev = "/sys/dev/block/" + std::to_string(major(st.st_dev)) +
                                ":" + std::to_string(minor(st.st_dev));
        for (const char* q :
             { "/queue/logical_block_size", "/../queue/logical_block_size" }) {
            uint64_t lbs = 0;
            std::ifstream(dev + q) >> lbs;
            if (lbs)
                return lbs;
        }
    }
    return static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}
} // namespace

sigmf_sink::sptr sigmf_sink::make(size_t itemsize,
                                  const std::string& path,
                                  const std::string& datatype,
                                  double sample_rate,
                                  double frequency,
                                  const std::string& description,
                                  const std::string& author,
                                  const std::string& hw,
                                  const std::string& direct,
                                  int queue_depth,
                                  uint64_t write_size,
                                  uint64_t max_file_bytes,
                                  double max_file_seconds,
                                  uint64_t max_total_bytes,
                                  double meta_interval,
                                  const std::string& byte_order)
{
    return gnuradio::make_block_sptr<sigmf_sink_impl>(itemsize,
                                                      path,
                                                      datatype,
                                                      sample_rate,
                                                      frequency,
                                                      description,
                                                      author,
                                                      hw,
                                                      direct,
                                                      queue_depth,
                                                      write_size,
                                                      max_file_bytes,
                                                      max_file_seconds,
                                                      max_total_bytes,
                                                      meta_interval,
                                                      byte_order);
}

namespace {
int parse_direct(const std::string& s)
{
    if (s == "auto")
        return 2;
    if (s == "on")
        return 1;
    if (s == "off")
        return 0;
    throw bad("direct must be 'auto', 'on' or 'off', not '" + s + "'");
}

// The sink writes the input bytes as they are (zero copy, never swapped):
// a datatype's _le/_be suffix must be the byte order the input is declared
// to be in, the host's unless byte_order says otherwise.
void check_byte_order(const std::string& datatype, const std::string& byte_order)
{
    const bool host_big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    bool big;
    if (byte_order == "native")
        big = host_big;
    else if (byte_order == "big" || byte_order == "little")
        big = byte_order == "big";
    else
        throw bad("byte_order must be 'native', 'little' or 'big', not '" + byte_order +
                  "'");
    if (datatype.size() < 3)
        return;
    const std::string suffix = datatype.substr(datatype.size() - 3);
    if (suffix != "_le" && suffix != "_be")
        return; // 8-bit samples: no byte order
    if ((suffix == "_be") == big)
        return;
    const std::string input =
        std::string(big ? "big" : "little") + "-endian (byte_order='" + byte_order + "'" +
        (byte_order == "native" ? std::string(" on this host") : "") + ")";
    throw bad("datatype '" + datatype + "' is " + (suffix == "_be" ? "big" : "little") +
              "-endian but the input is " + input +
              "; the sink never swaps bytes: give byte_order='" +
              (suffix == "_be" ? "big" : "little") +
              "' only when the input buffer holds samples in that order (e.g. "
              "zcdma.source on sim format=sc16be -> 'ci16_be', byte_order='big')");
}
} // namespace

sigmf_sink_impl::sigmf_sink_impl(size_t itemsize,
                                 const std::string& path,
                                 const std::string& datatype,
                                 double sample_rate,
                                 double frequency,
                                 const std::string& description,
                                 const std::string& author,
                                 const std::string& hw,
                                 const std::string& direct,
                                 int queue_depth,
                                 uint64_t write_size,
                                 uint64_t max_file_bytes,
                                 double max_file_seconds,
                                 uint64_t max_total_bytes,
                                 double meta_interval,
                                 const std::string& byte_order)
    : gr::sync_block("zcdma_sigmf_sink",
                     gr::io_signature::make(1, 1, itemsize),
                     gr::io_signature::make(0, 0, 0)),
      d_itemsize(itemsize),
      d_base(strip_suffix(path)),
      d_sample_rate(sample_rate),
      d_frequency(frequency),
      d_mode(static_cast<direct_mode>(parse_direct(direct))),
      d_queue_depth(static_cast<unsigned>(queue_depth)),
      d_max_file_bytes(max_file_bytes),
      d_max_file_seconds(max_file_seconds),
      d_max_total_bytes(max_total_bytes),
      d_meta_interval(meta_interval),
      d_stats_port(pmt::intern("stats")),
      d_rx_time_key(pmt::intern("rx_time")),
      d_rx_freq_key(pmt::intern("rx_freq")),
      d_overrun_key(pmt::intern("zcdma_overrun")),
      d_write_size(write_size)
{
    if (itemsize == 0)
        throw bad("itemsize must be > 0");
    const size_t sample_size = sigmf_datatype_size(datatype);
    if (sample_size != itemsize)
        throw bad("itemsize " + std::to_string(itemsize) + " does not match datatype '" +
                  datatype + "' (" + std::to_string(sample_size) + " bytes per sample)");
    check_byte_order(datatype, byte_order);
    if (!(sample_rate >= 0 && sample_rate <= 1e12))
        throw bad("sample_rate must be 0..1e12, not " + std::to_string(sample_rate));
    if (!std::isnan(frequency) && !(std::fabs(frequency) <= 1e12))
        throw bad("frequency must be within +-1e12 Hz, not " + std::to_string(frequency));
    if (queue_depth < 1 || queue_depth > 256)
        throw bad("queue_depth must be 1..256, not " + std::to_string(queue_depth));
    if (write_size < 1 || write_size > (1u << 30))
        throw bad("write_size must be 1..2^30 bytes, not " + std::to_string(write_size));
    if (max_file_bytes && max_file_bytes < itemsize)
        throw bad("max_file_bytes " + std::to_string(max_file_bytes) +
                  " is smaller than one item (" + std::to_string(itemsize) + " bytes)");
    if (!(max_file_seconds >= 0 && max_file_seconds <= 1e9))
        throw bad("max_file_seconds must be >= 0, not " +
                  std::to_string(max_file_seconds));
    if (max_file_seconds > 0 && !(max_file_seconds * sample_rate >= 1))
        throw bad("max_file_seconds needs a sample_rate giving at least one sample per "
                  "file (sample_rate " +
                  std::to_string(sample_rate) + ")");
    if (max_total_bytes && max_total_bytes < itemsize)
        throw bad("max_total_bytes " + std::to_string(max_total_bytes) +
                  " is smaller than one item");
    if (!(meta_interval >= 0 && meta_interval <= 86400))
        throw bad("meta_interval must be 0..86400 s, not " +
                  std::to_string(meta_interval));
    if (d_base.empty() || d_base.back() == '/')
        throw bad("path '" + path + "' names no file");
    d_rotate = max_file_bytes || max_file_seconds > 0;

    // Checked here, not in start() (whose exceptions 3.10.5 loses): the
    // directory, write permission, O_DIRECT for direct='on', io_uring.
    const std::string first = file_base(0) + ".sigmf-data";
    struct stat st {
    };
    const std::string dir = dir_of(d_base);
    if (stat(dir.c_str(), &st) < 0)
        throw std::system_error(
            errno, std::generic_category(), "zcdma.sigmf_sink: directory '" + dir + "'");
    const int fd = open(first.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::system_error(errno,
                                std::generic_category(),
                                "zcdma.sigmf_sink: cannot write '" + first + "'");
    d_block = dio_alignment(fd);
    close(fd);
    if (d_mode == direct_mode::on) {
        const int dfd = open(first.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
        if (dfd < 0 || !d_block) {
            const int err = dfd < 0 ? errno : EINVAL;
            if (dfd >= 0)
                close(dfd);
            throw std::system_error(
                err,
                std::generic_category(),
                "zcdma.sigmf_sink: direct='on' but the file system of '" + first +
                    "' refuses O_DIRECT (use direct='auto')");
        }
        close(dfd);
    }
    if (!d_block)
        d_block = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    d_unit = std::lcm<uint64_t>(d_block, itemsize);
    d_write_size = std::max<uint64_t>(write_size / d_unit * d_unit, d_unit);
    {
        io_uring probe;
        const int r = io_uring_queue_init(d_queue_depth, &probe, 0);
        if (r < 0)
            throw std::system_error(-r,
                                    std::generic_category(),
                                    "zcdma.sigmf_sink: io_uring unavailable (needs Linux "
                                    ">= 5.6 and kernel.io_uring_disabled=0)");
        io_uring_queue_exit(&probe);
    }

    d_meta_template.datatype = datatype;
    d_meta_template.sample_rate = sample_rate;
    d_meta_template.recorder = std::string("gr-zcdma ") + ZCDMA_VERSION;
    d_meta_template.hw = hw;
    d_meta_template.description = description;
    d_meta_template.author = author;
    message_port_register_out(d_stats_port);
}

sigmf_sink_impl::~sigmf_sink_impl()
{
    if (d_ring_ok)
        io_uring_queue_exit(&d_ring);
    if (d_fd_direct >= 0)
        close(d_fd_direct);
    if (d_fd_buf >= 0)
        close(d_fd_buf);
}

std::string sigmf_sink_impl::file_base(uint64_t index) const
{
    if (!d_rotate)
        return d_base;
    char num[24];
    snprintf(num, sizeof num, "-%04llu", static_cast<unsigned long long>(index));
    return d_base + num;
}

uint64_t sigmf_sink_impl::file_limit_bytes() const
{
    uint64_t lim = UINT64_MAX;
    if (d_max_file_bytes)
        lim = d_max_file_bytes;
    if (d_max_file_seconds > 0)
        lim = std::min<uint64_t>(
            lim, static_cast<uint64_t>(d_max_file_seconds * d_sample_rate) * d_itemsize);
    if (lim == UINT64_MAX)
        return lim;
    // Files end on a direct-I/O granule, so the next one starts aligned.
    return lim >= d_unit ? lim / d_unit * d_unit : lim / d_itemsize * d_itemsize;
}

bool sigmf_sink_impl::start()
{
    d_pending = d_done = 0;
    {
        std::lock_guard<std::mutex> lk(d_mutex);
        d_tracker.abandon();
        d_files.clear();
    }
    d_writes.clear();
    d_next_id = 0;
    d_file_index = 0;
    d_total_bytes = 0;
    d_failing = false;
    d_fail_reason.clear();
    d_tags_to = nitems_read(0);
    d_have_time = false;
    d_have_freq = !std::isnan(d_frequency);
    d_freq = d_have_freq ? d_frequency : 0;
    // A zcdma_overrun tag counts upstream output_multiple chunks (zcdma.source
    // slots).
    d_slot_items = 0;
    try {
        const auto writer = detail()->input(0)->buffer()->link();
        if (writer && writer->output_multiple_set() && writer->output_multiple() > 0)
            d_slot_items = static_cast<uint64_t>(writer->output_multiple());
    } catch (const std::bad_weak_ptr&) {
    }
    d_recording = false;
    const int r = io_uring_queue_init(d_queue_depth, &d_ring, 0);
    if (r < 0) {
        d_logger->error("io_uring_queue_init: {}; nothing is recorded", strerror(-r));
        return true;
    }
    d_ring_ok = true;
    d_recording = open_file();
    d_next_meta = std::chrono::steady_clock::now();
    return true;
}

bool sigmf_sink_impl::stop()
{
    wait_idle();
    if (d_recording && d_failing) {
        stop_recording(d_fail_reason, true);
    } else if (d_recording) {
        apply_tags(d_file_item0 + d_file_off / d_itemsize);
        close_file(true);
        d_recording = false;
        d_logger->info("recording ended: {} bytes in {} file(s)",
                       d_bytes_written.load(),
                       d_file_index + 1);
    }
    if (d_ring_ok)
        io_uring_queue_exit(&d_ring);
    d_ring_ok = false;
    {
        std::lock_guard<std::mutex> lk(d_mutex);
        d_tracker.abandon();
    }
    d_writes.clear();
    if (d_meta_interval > 0) {
        message_port_pub(d_stats_port, stats_message(stats()));
    }
    return true;
}

bool sigmf_sink_impl::open_file()
{
    const std::string base = file_base(d_file_index);
    d_data_path = base + ".sigmf-data";
    d_meta_path = base + ".sigmf-meta";
    const auto slash = base.rfind('/');
    d_reserve_path =
        slash == std::string::npos
            ? "." + base + ".sigmf-reserve"
            : base.substr(0, slash + 1) + "." + base.substr(slash + 1) + ".sigmf-reserve";
    d_fd_buf = open(d_data_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (d_fd_buf < 0) {
        d_logger->error("cannot create {}: {}; recording stopped, the input is consumed "
                        "and counted in bytes_dropped",
                        d_data_path,
                        strerror(errno));
        return false;
    }
    d_direct = false;
    if (d_mode != direct_mode::off) {
        d_fd_direct = open(d_data_path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
        if (d_fd_direct >= 0) {
            d_direct = true;
        } else if (d_mode == direct_mode::on) {
            d_logger->error("direct='on' but {} refuses O_DIRECT ({}); recording stopped",
                            d_data_path,
                            strerror(errno));
            close(d_fd_buf);
            d_fd_buf = -1;
            return false;
        } else if (!d_fallback_logged) {
            d_fallback_logged = true;
            d_auto_fallbacks++;
            d_logger->info("the file system of {} refuses O_DIRECT ({}); direct='auto' "
                           "writes through the page cache",
                           d_data_path,
                           strerror(errno));
        }
    }
    {
        const int rfd =
            open(d_reserve_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (rfd >= 0) {
            if (posix_fallocate(rfd, 0, reserve_bytes) != 0)
                unlink(d_reserve_path.c_str());
            close(rfd);
        }
    }
    d_file_item0 = nitems_read(0) + d_pending / d_itemsize;
    d_file_off = d_file_good = d_file_written = 0;
    d_meta = d_meta_template;
    d_meta.captures.clear();
    d_meta.annotations.clear();
    capture_at(d_file_item0);
    {
        std::lock_guard<std::mutex> lk(d_mutex);
        d_files.push_back(d_data_path);
    }
    write_meta();
    return true;
}

// Cuts the data file after its last good item, completes its meta and closes
// it. Nothing may be in flight.
void sigmf_sink_impl::close_file(bool sync)
{
    const uint64_t good = d_file_good / d_itemsize * d_itemsize;
    if (d_file_off > good)
        d_bytes_dropped += d_file_off - good;
    if (d_file_written > good) // written past a failed write: cut off
        d_bytes_written -= d_file_written - good;
    if (ftruncate(d_fd_buf, static_cast<off_t>(good)) < 0)
        d_logger->warn("ftruncate {}: {}", d_data_path, strerror(errno));
    if (sync && fdatasync(d_fd_buf) < 0 && !d_failing)
        d_logger->warn("fdatasync {}: {}", d_data_path, strerror(errno));
    close(d_fd_buf);
    d_fd_buf = -1;
    if (d_fd_direct >= 0)
        close(d_fd_direct);
    d_fd_direct = -1;
    // Only what is on file: a cut after an error drops what lies past it.
    const uint64_t items = good / d_itemsize;
    auto& caps = d_meta.captures;
    while (caps.size() > 1 && caps.back().sample_start >= items)
        caps.pop_back();
    auto& notes = d_meta.annotations;
    while (!notes.empty() && notes.back().sample_start > items)
        notes.pop_back();
    unlink(d_reserve_path.c_str()); // room for the last meta on a full disk
    write_meta(sync);
}

void sigmf_sink_impl::stop_recording(const std::string& why, bool error)
{
    apply_tags(d_file_item0 + d_file_off / d_itemsize);
    close_file(true);
    d_recording = false;
    if (error)
        d_logger->error("{}; recording stopped after {} bytes ({}), the input is "
                        "consumed and counted in bytes_dropped",
                        why,
                        d_total_bytes - (d_file_off - d_file_good),
                        d_data_path);
    else
        d_logger->info("{}; recording stopped, the input is consumed and counted in "
                       "bytes_dropped",
                       why);
}

void sigmf_sink_impl::submit(write_rec& w)
{
    io_uring_sqe* sqe = io_uring_get_sqe(&d_ring);
    if (!sqe) { // cannot happen: at most queue_depth writes are in flight
        on_cqe(w.id, -EBUSY);
        return;
    }
    const uint8_t* p = w.addr + w.done;
    const size_t len = w.len - w.done;
    io_uring_prep_write(sqe,
                        w.direct ? d_fd_direct : d_fd_buf,
                        p,
                        static_cast<unsigned>(len),
                        w.off + w.done);
    io_uring_sqe_set_data64(sqe, w.id);
    {
        std::lock_guard<std::mutex> lk(d_mutex);
        const auto base = reinterpret_cast<uint64_t>(p);
        d_ranges.add(base, base + len);
    }
    int r;
    do {
        r = io_uring_submit(&d_ring);
    } while (r == -EINTR || r == -EAGAIN);
    if (r < 0)
        on_cqe(w.id, r);
}

void sigmf_sink_impl::submit_more(const uint8_t* in, size_t avail)
{
    const uint64_t file_limit = file_limit_bytes();
    while (d_recording && !d_failing && d_pending < avail &&
           d_writes.size() < d_queue_depth) {
        const uint64_t total_left =
            d_max_total_bytes
                ? d_max_total_bytes - std::min(d_total_bytes, d_max_total_bytes)
                : UINT64_MAX;
        if (total_left < d_itemsize) {
            if (d_writes.empty())
                stop_recording("max_total_bytes (" + std::to_string(d_max_total_bytes) +
                                   ") reached",
                               false);
            return;
        }
        if (d_file_off >= file_limit) {
            if (!d_writes.empty())
                return;
            apply_tags(d_file_item0 + d_file_off / d_itemsize);
            // fsync only where it is cheap: O_DIRECT data is on the disk
            // already; flushing a page-cache file here would stall the stream.
            close_file(d_direct);
            d_file_index++;
            if (!(d_recording = open_file()))
                return;
            continue;
        }
        uint64_t room = std::min<uint64_t>(avail - d_pending, file_limit - d_file_off);
        room = std::min(room, total_left) / d_itemsize * d_itemsize;
        // The meta before the data: a write ends before the next tag that
        // starts a capture, and one that begins at such a tag waits until
        // the writes before it completed (the file then ends right there),
        // so the meta naming the capture never lies past the data.
        const uint64_t item = nitems_read(0) + d_pending / d_itemsize;
        const uint64_t next = next_capture_tag(item, item + room / d_itemsize);
        if (next == item && !d_writes.empty())
            return;
        if (next > item)
            room = std::min<uint64_t>(room, (next - item) * d_itemsize);
        const uint8_t* p = in + d_pending;
        const uint64_t off = d_file_off;
        const bool addr_ok = reinterpret_cast<uintptr_t>(p) % d_block == 0;
        size_t len;
        bool direct = false;
        if (d_direct && off % d_unit == 0 && addr_ok && room >= d_unit) {
            len = std::min(room, d_write_size) / d_unit * d_unit;
            direct = true;
        } else if (d_direct && off % d_unit) {
            // Up to the next granule (the rest of a tail written earlier).
            len = std::min(room, d_unit - off % d_unit);
        } else if (d_direct && addr_ok) {
            // Less than a granule: wait for more input while writes are in
            // flight, else write it through the page cache (a tail).
            if (!d_writes.empty())
                return;
            len = room;
        } else {
            len = std::min(room, d_write_size) / d_itemsize * d_itemsize;
            if (d_direct && !d_fallback_logged) {
                d_fallback_logged = true;
                d_logger->info("the input buffer is not aligned like the file offsets "
                               "({}-byte blocks): its bytes go through the page cache",
                               d_block);
            }
        }
        if (d_direct && !direct)
            d_unaligned_bytes += len;
        // Its tags into the meta (rewritten on a change) before it is
        // submitted: whatever is on file is described, also after a kill.
        apply_tags(item + len / d_itemsize);
        d_writes.push_back({ d_next_id++, off, p, len, 0, direct });
        {
            std::lock_guard<std::mutex> lk(d_mutex);
            d_tracker.add_zerocopy(len);
            if (d_tracker.inflight_bytes() > d_inflight_peak)
                d_inflight_peak = d_tracker.inflight_bytes();
        }
        d_pending += len;
        d_file_off += len;
        d_total_bytes += len;
        submit(d_writes.back());
    }
}

void sigmf_sink_impl::on_cqe(uint32_t id, int res)
{
    auto it = std::find_if(d_writes.begin(), d_writes.end(), [id](const write_rec& w) {
        return w.id == id;
    });
    if (it == d_writes.end() || it->st != write_rec::state::inflight)
        return;
    write_rec& w = *it;
    if (res > 0) {
        w.done += static_cast<size_t>(res);
        d_bytes_written += static_cast<uint64_t>(res);
        d_file_written += static_cast<uint64_t>(res);
        (w.direct ? d_direct_bytes : d_buffered_bytes) += static_cast<uint64_t>(res);
        if (w.done < w.len) {
            d_short_writes++;
            // The rest of a short direct write may be unaligned.
            if (w.direct && ((w.off + w.done) % d_block || (w.len - w.done) % d_block)) {
                w.direct = false;
                d_unaligned_bytes += w.len - w.done;
            }
            submit(w);
            return;
        }
        w.st = write_rec::state::ok;
        d_writes_done++;
    } else if (res == -EAGAIN || res == -EINTR) {
        submit(w);
        return;
    } else if (res == -EINVAL && w.direct && d_mode == direct_mode::automatic) {
        // Open took O_DIRECT but the write did not: page cache from now on
        // (said once; the other direct writes in flight fail the same way).
        if (d_direct.exchange(false)) {
            d_auto_fallbacks++;
            d_logger->info("O_DIRECT write to {} refused (EINVAL); direct='auto' writes "
                           "through the page cache",
                           d_data_path);
        }
        w.direct = false;
        submit(w);
        return;
    } else {
        const int err = res == 0 ? ENOSPC : -res;
        d_write_errors++;
        w.st = write_rec::state::failed;
        if (!d_failing) {
            d_failing = true;
            d_fail_reason = "write of " + std::to_string(w.len - w.done) +
                            " bytes at offset " + std::to_string(w.off + w.done) +
                            " of " + d_data_path + " failed: " + strerror(err);
        }
    }
    std::lock_guard<std::mutex> lk(d_mutex);
    d_tracker.complete(w.id, w.id, false);
}

// Forget finished writes at the head: the file is good up to the first one
// that failed.
void sigmf_sink_impl::settle_records()
{
    while (!d_writes.empty() && d_writes.front().st != write_rec::state::inflight) {
        const write_rec& w = d_writes.front();
        if (w.st == write_rec::state::ok && d_file_good == w.off)
            d_file_good = w.off + w.len;
        d_writes.pop_front();
    }
    std::lock_guard<std::mutex> lk(d_mutex);
    d_done += d_tracker.take_done();
}

void sigmf_sink_impl::reap(int wait_ms)
{
    if (!d_ring_ok || d_writes.empty())
        return;
    io_uring_cqe* cqe = nullptr;
    if (wait_ms > 0) {
        __kernel_timespec ts{ wait_ms / 1000, (wait_ms % 1000) * 1000000ll };
        io_uring_wait_cqe_timeout(&d_ring, &cqe, &ts);
    }
    while (io_uring_peek_cqe(&d_ring, &cqe) == 0) {
        const uint64_t id = io_uring_cqe_get_data64(cqe);
        const int res = cqe->res;
        io_uring_cqe_seen(&d_ring, cqe);
        on_cqe(static_cast<uint32_t>(id), res);
    }
    settle_records();
}

void sigmf_sink_impl::wait_idle()
{
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_timeout_ms);
    while (!d_writes.empty() && std::chrono::steady_clock::now() < deadline)
        reap(poll_slice_ms);
    if (!d_writes.empty())
        d_logger->error("{} writes still not complete after {} ms",
                        d_writes.size(),
                        drain_timeout_ms);
}

sigmf_meta::capture& sigmf_sink_impl::capture_at(uint64_t item)
{
    const uint64_t sample = item - d_file_item0;
    auto& caps = d_meta.captures;
    if (!caps.empty() && caps.back().sample_start == sample)
        return caps.back();
    sigmf_meta::capture c;
    c.sample_start = sample;
    c.global_index = item;
    if (d_have_time && item >= d_time_item &&
        (item == d_time_item || d_sample_rate > 0)) {
        c.has_datetime = true;
        c.datetime_ns =
            d_time_ns + (item == d_time_item
                             ? 0
                             : static_cast<uint64_t>(std::llround(
                                   static_cast<long double>(item - d_time_item) * 1e9L /
                                   d_sample_rate)));
    }
    c.has_frequency = d_have_freq;
    c.frequency = d_freq;
    caps.push_back(c);
    d_captures++;
    d_meta_dirty = true;
    return caps.back();
}

// The offset of the first tag in [from, to) that starts a capture (a gap, a
// frequency), else `to`.
uint64_t sigmf_sink_impl::next_capture_tag(uint64_t from, uint64_t to)
{
    if (from >= to)
        return to;
    std::vector<gr::tag_t> tags;
    get_tags_in_range(tags, 0, from, to);
    uint64_t first = to;
    for (const auto& t : tags)
        if (t.offset < first &&
            (pmt::eqv(t.key, d_overrun_key) || pmt::eqv(t.key, d_rx_freq_key)))
            first = t.offset;
    return first;
}

// Tags of items [d_tags_to, end_item) (all in the current file, about to be
// written) into its metadata; rewrites the meta when a capture changed.
void sigmf_sink_impl::apply_tags(uint64_t end_item)
{
    if (end_item <= d_tags_to)
        return;
    std::vector<gr::tag_t> tags;
    get_tags_in_range(tags, 0, d_tags_to, end_item);
    d_tags_to = end_item;
    std::stable_sort(tags.begin(), tags.end(), [](const tag_t& a, const tag_t& b) {
        return a.offset < b.offset;
    });
    bool changed = false;
    for (const auto& t : tags) {
        if (t.offset < d_file_item0)
            continue;
        if (pmt::eqv(t.key, d_overrun_key)) {
            uint64_t slots = 0;
            if (pmt::is_uint64(t.value))
                slots = pmt::to_uint64(t.value);
            else if (pmt::is_integer(t.value) && pmt::to_long(t.value) > 0)
                slots = static_cast<uint64_t>(pmt::to_long(t.value));
            sigmf_meta::annotation a;
            a.sample_start = t.offset - d_file_item0;
            a.slots_lost = slots;
            a.samples_known = d_slot_items != 0;
            a.samples_lost = slots * d_slot_items;
            d_meta.annotations.push_back(a);
            d_overruns++;
            d_samples_lost += a.samples_lost;
            capture_at(t.offset);
            changed = true;
        } else if (pmt::eqv(t.key, d_rx_time_key)) {
            pmt::pmt_t secs, frac;
            if (pmt::is_tuple(t.value) && pmt::length(t.value) == 2) {
                secs = pmt::tuple_ref(t.value, 0);
                frac = pmt::tuple_ref(t.value, 1);
            }
            const bool whole =
                secs && (pmt::is_uint64(secs) ||
                         (pmt::is_integer(secs) && pmt::to_long(secs) >= 0));
            const double f = frac && pmt::is_real(frac) ? pmt::to_double(frac) : -1.0;
            if (!whole || !(f >= 0.0 && f < 1.0))
                continue;
            const uint64_t s = pmt::is_uint64(secs)
                                   ? pmt::to_uint64(secs)
                                   : static_cast<uint64_t>(pmt::to_long(secs));
            d_have_time = true;
            d_time_item = t.offset;
            d_time_ns = s * 1000000000ull + static_cast<uint64_t>(std::llround(f * 1e9));
            auto& last = d_meta.captures.back();
            const uint64_t sample = t.offset - d_file_item0;
            if (last.sample_start == sample) {
                last.has_datetime = true;
                last.datetime_ns = d_time_ns;
                changed = true;
            } else if (!last.has_datetime && d_sample_rate > 0) {
                // The first time stamp after the capture began: back by the rate.
                const auto back = static_cast<uint64_t>(
                    std::llround(static_cast<long double>(sample - last.sample_start) *
                                 1e9L / d_sample_rate));
                if (back <= d_time_ns) {
                    last.has_datetime = true;
                    last.datetime_ns = d_time_ns - back;
                    changed = true;
                }
            }
        } else if (pmt::eqv(t.key, d_rx_freq_key) && pmt::is_number(t.value) &&
                   !pmt::is_complex(t.value)) {
            const double f = pmt::to_double(t.value);
            if (d_have_freq && f == d_freq)
                continue;
            d_have_freq = true;
            d_freq = f;
            auto& c = capture_at(t.offset);
            c.has_frequency = true;
            c.frequency = f;
            changed = true;
        }
    }
    if (changed) {
        d_meta_dirty = true;
        write_meta();
    }
}

void sigmf_sink_impl::write_meta(bool final)
{
    try {
        write_file_atomically(d_meta_path, d_meta.to_json(), final);
        d_meta_writes++;
        d_meta_dirty = false;
    } catch (const std::system_error& e) {
        if (!d_meta_errors++)
            d_logger->error("metadata not written: {}", e.what());
    }
    if (d_meta_interval > 0)
        d_next_meta =
            std::chrono::steady_clock::now() +
            std::chrono::microseconds(static_cast<int64_t>(d_meta_interval * 1e6));
}

void sigmf_sink_impl::maybe_periodic()
{
    if (d_meta_interval <= 0 || std::chrono::steady_clock::now() < d_next_meta)
        return;
    if (d_recording && d_meta_dirty) // a change whose write failed: retry
        write_meta();
    else
        d_next_meta =
            std::chrono::steady_clock::now() +
            std::chrono::microseconds(static_cast<int64_t>(d_meta_interval * 1e6));
    message_port_pub(d_stats_port, stats_message(stats()));
}

int sigmf_sink_impl::work(int noutput_items,
                          gr_vector_const_void_star& input_items,
                          gr_vector_void_star&)
{
    const auto* in = static_cast<const uint8_t*>(input_items[0]);
    const size_t avail = static_cast<size_t>(noutput_items) * d_itemsize;
    const auto lo = reinterpret_cast<uint64_t>(in);
    if (lo < d_addr_lo)
        d_addr_lo = lo;
    if (lo + avail > d_addr_hi)
        d_addr_hi = lo + avail;

    for (;;) {
        maybe_periodic();
        if (d_recording) {
            reap(0);
            if (d_failing && d_writes.empty())
                stop_recording(d_fail_reason, true);
        }
        if (d_recording)
            submit_more(in, avail);
        if (!d_recording && d_writes.empty() && d_pending < avail) {
            d_bytes_dropped += avail - d_pending;
            d_done += avail - d_pending;
            d_pending = avail;
        }
        if (d_done >= d_itemsize) {
            const size_t items = d_done / d_itemsize;
            d_done -= items * d_itemsize;
            d_pending -= items * d_itemsize;
            return static_cast<int>(items);
        }
        reap(poll_slice_ms);
        boost::this_thread::interruption_point();
    }
}

std::vector<std::string> sigmf_sink_impl::files() const
{
    std::lock_guard<std::mutex> lk(d_mutex);
    return d_files;
}

std::map<std::string, uint64_t> sigmf_sink_impl::stats() const
{
    std::map<std::string, uint64_t> s;
    {
        std::lock_guard<std::mutex> lk(d_mutex);
        s["inflight_bytes"] = d_tracker.inflight_bytes();
        s["files"] = d_files.size();
    }
    s["bytes_written"] = d_bytes_written;
    s["direct_bytes"] = d_direct_bytes;
    s["buffered_bytes"] = d_buffered_bytes;
    s["copied_bytes"] = d_buffered_bytes; // the kernel copied them into the page cache
    s["unaligned_bytes"] = d_unaligned_bytes;
    s["bytes_dropped"] = d_bytes_dropped;
    s["writes"] = d_writes_done;
    s["short_writes"] = d_short_writes;
    s["write_errors"] = d_write_errors;
    s["meta_writes"] = d_meta_writes;
    s["meta_errors"] = d_meta_errors;
    s["overruns"] = d_overruns;
    s["samples_lost"] = d_samples_lost;
    s["captures"] = d_captures;
    s["inflight_peak"] = d_inflight_peak;
    s["auto_fallbacks"] = d_auto_fallbacks;
    s["direct_active"] = d_direct;
    s["recording"] = d_recording;
    s["block_size"] = d_block;
    return s;
}

std::pair<uint64_t, uint64_t> sigmf_sink_impl::input_address_range() const
{
    return { d_addr_lo, d_addr_hi };
}

std::vector<std::pair<uint64_t, uint64_t>> sigmf_sink_impl::write_address_ranges() const
{
    std::lock_guard<std::mutex> lk(d_mutex);
    return d_ranges.base_and_length();
}

} // namespace zcdma
} // namespace gr
