/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "realtime_clock.h"
#include "ring_buffer.h"
#include "stats_message.h"
#include "udp_sink_impl.h"
#include "zerocopy_mode.h"
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>
#include <boost/thread/thread.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace gr {
namespace zcdma {

namespace {
constexpr int poll_slice_ms = 100; // how soon top_block.stop() is noticed
constexpr int drain_timeout_ms = 2000;
constexpr int tail_timeout_ms = 1000;
constexpr size_t udp_max_segments = 64;       // UDP_MAX_SEGMENTS (Linux 6.1)
constexpr size_t udp_max_payload = 65535 - 8; // one (GSO) send, UDP header aside
constexpr uint64_t ps_per_s = 1000000000000ull;

// The skb fragments a MSG_ZEROCOPY send of these iovecs adds, counted as
// Linux 6.1 does (net/core/datagram.c __zerocopy_sg_from_iter, called by
// net/ipv4/ip_output.c __ip_append_data through skb_zerocopy_iter_dgram:
// with MSG_ZEROCOPY the linear part holds only the headers, every iovec
// byte becomes page fragments): per iovec, iov_iter_get_pages2() takes at
// most MAX_SKB_FRAGS - frag pages at a time; a page continuing the last
// fragment (same page, next byte) merges into it; and before every such
// call frag == MAX_SKB_FRAGS fails with EMSGSIZE, even when the next page
// would have merged. Pages of one compound page also merge in the kernel:
// not counted here, so the count is never below the kernel's. The count is
// per datagram even where send_more() merges the payloads into one iovec
// (framing none): the kernel needs no more fragments for that, at most
// fewer, so a batch may end a datagram early but never fails.
struct frag_counter {
    uint64_t page;
    size_t max;
    size_t frags = 0;
    uint64_t last_end = 0; // one past the last fragment's last byte

    bool add(uint64_t b, size_t len)
    {
        while (len) {
            if (frags == max)
                return false;
            const uint64_t start = b % page;
            const size_t take = static_cast<size_t>(
                std::min<uint64_t>(len, (max - frags) * page - start));
            const uint64_t e = b + take;
            size_t pages = static_cast<size_t>((e - 1) / page - b / page + 1);
            if (frags && b == last_end && start)
                pages--; // merges into the last fragment
            frags += pages;
            last_end = e;
            b = e;
            len -= take;
        }
        return true;
    }
};

[[noreturn]] void bad(const std::string& what)
{
    throw std::invalid_argument("zcdma.udp_sink: " + what);
}

bool parse_swap(const std::string& s)
{
    if (s == "none")
        return false;
    if (s == "swap")
        return true;
    bad("swap must be 'none' or 'swap', not '" + s + "'");
}

bool is_multicast(const sockaddr_storage& a)
{
    if (a.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
        return IN_MULTICAST(ntohl(v4->sin_addr.s_addr));
    }
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    return IN6_IS_ADDR_MULTICAST(&v6->sin6_addr);
}

void set_opt(int fd, int level, int name, int value, const std::string& what)
{
    if (setsockopt(fd, level, name, &value, sizeof value) < 0)
        throw std::system_error(
            errno, std::generic_category(), "zcdma.udp_sink: " + what);
}

// Byte-swaps each sample component (16-bit for sc16, 32-bit for fc32).
void swap_copy(uint8_t* dst, const uint8_t* src, size_t bytes, size_t component)
{
    for (size_t i = 0; i + component <= bytes; i += component)
        for (size_t b = 0; b < component; b++)
            dst[i + b] = src[i + component - 1 - b];
}
} // namespace

udp_sink::sptr udp_sink::make(size_t itemsize,
                              const std::string& host,
                              int port,
                              const std::string& framing,
                              int payload_size,
                              const std::string& zerocopy,
                              bool gso,
                              uint32_t stream_id,
                              uint64_t class_id,
                              bool difi,
                              double sample_rate,
                              double bandwidth,
                              double rf_freq,
                              double ref_level,
                              double context_interval,
                              int multicast_ttl,
                              bool multicast_loop,
                              const std::string& interface,
                              const std::string& swap,
                              double stats_interval,
                              int send_buffer)
{
    return gnuradio::make_block_sptr<udp_sink_impl>(itemsize,
                                                    host,
                                                    port,
                                                    framing,
                                                    payload_size,
                                                    zerocopy,
                                                    gso,
                                                    stream_id,
                                                    class_id,
                                                    difi,
                                                    sample_rate,
                                                    bandwidth,
                                                    rf_freq,
                                                    ref_level,
                                                    context_interval,
                                                    multicast_ttl,
                                                    multicast_loop,
                                                    interface,
                                                    swap,
                                                    stats_interval,
                                                    send_buffer);
}

static int parse_framing(const std::string& s)
{
    if (s == "none")
        return 0;
    if (s == "seqnum")
        return 1;
    if (s == "vita49")
        return 2;
    bad("framing must be 'none', 'seqnum' or 'vita49', not '" + s + "'");
}

udp_sink_impl::udp_sink_impl(size_t itemsize,
                             const std::string& host,
                             int port,
                             const std::string& framing_name,
                             int payload_size,
                             const std::string& zerocopy,
                             bool gso,
                             uint32_t stream_id,
                             uint64_t class_id,
                             bool difi,
                             double sample_rate,
                             double bandwidth,
                             double rf_freq,
                             double ref_level,
                             double context_interval,
                             int multicast_ttl,
                             bool multicast_loop,
                             const std::string& interface,
                             const std::string& swap,
                             double stats_interval,
                             int send_buffer)
    : gr::sync_block("zcdma_udp_sink",
                     gr::io_signature::make(1, 1, itemsize),
                     gr::io_signature::make(0, 0, 0)),
      d_itemsize(itemsize),
      d_framing(static_cast<framing>(parse_framing(framing_name))),
      d_mode(parse_zerocopy_mode(zerocopy, "zcdma.udp_sink")),
      d_context_interval(context_interval),
      d_stats_pacer(stats_interval),
      d_stats_port(pmt::intern("stats")),
      d_rx_time_key(pmt::intern("rx_time")),
      d_overrun_key(pmt::intern("zcdma_overrun")),
      d_swap(parse_swap(swap)),
      d_interface(interface),
      d_ttl(multicast_ttl),
      d_loop(multicast_loop ? 1 : 0)
{
    if (itemsize == 0)
        bad("itemsize must be > 0");
    if (port < 1 || port > 65535)
        bad("port " + std::to_string(port) + " out of range (1..65535)");
    if (payload_size < 0 || payload_size > static_cast<int>(udp_max_payload) - 20)
        bad("payload_size " + std::to_string(payload_size) +
            " out of range (0: route MTU, else up to 65487)");
    if (!(stats_interval >= 0))
        bad("stats_interval must be >= 0, not " + std::to_string(stats_interval));
    if (send_buffer < 0)
        bad("send_buffer must be >= 0 (0: the kernel's default), not " +
            std::to_string(send_buffer));
    if (!(context_interval >= 0))
        bad("context_interval must be >= 0, not " + std::to_string(context_interval));
    if (multicast_ttl < 0 || multicast_ttl > 255)
        bad("multicast_ttl " + std::to_string(multicast_ttl) + " out of range (0..255)");
    if (d_framing == framing::vita49) {
        bool known = false;
        d_vrt.payload_format = vita49_payload_format(itemsize, known);
        if (!known)
            bad("vita49 framing carries sc16 (itemsize 4) or fc32 (itemsize 8), not "
                "itemsize " +
                std::to_string(itemsize));
        if (!(sample_rate > 0) || !std::isfinite(sample_rate))
            bad("vita49 framing needs sample_rate > 0, not " +
                std::to_string(sample_rate));
        d_vrt.stream_id = stream_id;
        d_vrt.difi = difi;
        if (difi) {
            // DIFI carries complex signed fixed point of 4..16 bits only.
            if (itemsize != 4)
                bad("difi=True carries sc16 (itemsize 4) only: DIFI's samples are "
                    "complex signed fixed point of 4..16 bits, not itemsize " +
                    std::to_string(itemsize));
            d_vrt.has_class_id = true;
            d_vrt.oui = difi_oui;
            d_vrt.packet_class = difi_data_packet_class;
        } else if (class_id) {
            if (class_id >> 56)
                bad("class_id " + std::to_string(class_id) +
                    ": the OUI (bits 32..55) has 24 bits");
            d_vrt.has_class_id = true;
            d_vrt.oui = static_cast<uint32_t>(class_id >> 32);
            d_vrt.information_class = static_cast<uint16_t>(class_id >> 16);
            d_vrt.packet_class = static_cast<uint16_t>(class_id);
        }
        d_ctx.sample_rate = sample_rate;
        d_ctx.bandwidth = bandwidth;
        d_ctx.rf_freq = rf_freq;
        d_ctx.ref_level = ref_level;
        d_new_ctx = d_ctx;
        d_header_bytes = vita49_data_prologue_bytes(d_vrt);
    } else if (difi || class_id || stream_id) {
        bad("stream_id, class_id and difi apply to framing 'vita49' only, not '" +
            framing_name + "'");
    } else if (d_framing == framing::seqnum) {
        d_header_bytes = 8;
    }
    if (d_swap && d_framing != framing::vita49)
        bad("swap='swap' applies to framing 'vita49' (big-endian samples) only");

    open_socket(host, port);
    set_send_buffer(send_buffer);
    const size_t overhead = d_ipv6 ? 48 : 28; // IP + UDP headers
    if (payload_size == 0) {
        if (static_cast<size_t>(d_mtu) <= overhead + d_header_bytes + itemsize)
            bad("route MTU " + std::to_string(d_mtu) + " leaves no room for one item");
        payload_size = d_mtu - static_cast<int>(overhead);
    }
    if (static_cast<size_t>(payload_size) < d_header_bytes + itemsize)
        bad("payload_size " + std::to_string(payload_size) + " leaves no room for one " +
            std::to_string(itemsize) + "-byte item after the " +
            std::to_string(d_header_bytes) + "-byte header");
    d_payload_bytes = (payload_size - d_header_bytes) / itemsize * itemsize;
    if (d_framing == framing::seqnum &&
        d_payload_bytes + 8 != static_cast<size_t>(payload_size))
        bad("seqnum framing: payload_size " + std::to_string(payload_size) +
            " minus the 8-byte header must be a multiple of itemsize " +
            std::to_string(itemsize) + " (network.udp_source needs whole items)");
    const size_t datagram = d_header_bytes + d_payload_bytes;
    if (datagram + overhead > static_cast<size_t>(d_mtu))
        bad("payload_size " + std::to_string(payload_size) + ": a " +
            std::to_string(datagram) + "-byte datagram plus " + std::to_string(overhead) +
            " bytes of IP/UDP headers exceeds the route MTU " + std::to_string(d_mtu) +
            " to " + host + " and would fragment (use payload_size <= " +
            std::to_string(d_mtu - static_cast<int>(overhead)) + ")");
    d_max_segments =
        std::max<size_t>(1, std::min(udp_max_segments, udp_max_payload / datagram));
    if (gso && d_max_segments > 1) {
        // Probe UDP_SEGMENT (Linux >= 4.18); the size goes in each sendmsg().
        int size = static_cast<int>(datagram);
        if (setsockopt(d_sock.get(), SOL_UDP, UDP_SEGMENT, &size, sizeof size) == 0) {
            size = 0;
            setsockopt(d_sock.get(), SOL_UDP, UDP_SEGMENT, &size, sizeof size);
            d_gso_active = true;
        } else {
            d_logger->warn("UDP GSO unavailable ({}); one datagram per sendmsg()",
                           strerror(errno));
        }
    }
    if (!d_gso_active)
        d_max_segments = 1;
    set_output_multiple(static_cast<int>(d_payload_bytes / itemsize));
    d_page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    // include/linux/skbuff.h: the fragments one skb holds.
    d_max_frags = std::max<size_t>(16, 65536 / d_page + 1);
    if (const char* hook = getenv("ZCDMA_UDP_MAX_FRAGS")) { // tests only: overcount
        const long n = strtol(hook, nullptr, 10);
        if (n < 2 || n > 1024)
            bad(std::string("ZCDMA_UDP_MAX_FRAGS must be 2..1024, not '") + hook + "'");
        d_max_frags = static_cast<size_t>(n);
    }
    if (const char* hook = getenv("ZCDMA_UDP_HEADER_SLOTS")) { // tests only
        const long n = strtol(hook, nullptr, 10);
        if (n < 1 || n > 65536)
            bad(std::string("ZCDMA_UDP_HEADER_SLOTS must be 1..65536, not '") + hook +
                "'");
        d_header_slots = static_cast<size_t>(n);
        d_header_slots_fixed = true;
    }
    d_iov.resize(2 * d_max_segments);
    if (d_swap)
        d_staging.resize(d_max_segments * d_payload_bytes);
    message_port_register_out(d_stats_port);
}

udp_sink_impl::~udp_sink_impl() = default;

void udp_sink_impl::open_socket(const std::string& host, int port)
{
    std::vector<socket_address> addrs;
    try {
        addrs = resolve_all(host, port, false);
    } catch (const std::invalid_argument&) {
        bad("cannot resolve host '" + host + "'");
    }
    if (addrs.empty())
        bad("cannot resolve host '" + host + "'");
    const socket_address& dst = addrs.front();
    const int family = dst.addr.ss_family;
    d_ipv6 = family == AF_INET6;
    d_sock = unique_fd(socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!d_sock)
        throw std::system_error(errno, std::generic_category(), "zcdma.udp_sink: socket");
    const int fd = d_sock.get();
    unsigned ifindex = 0;
    if (!d_interface.empty()) {
        ifindex = if_nametoindex(d_interface.c_str());
        if (!ifindex)
            bad("no network interface '" + d_interface + "'");
    }
    if (is_multicast(dst.addr)) {
        if (family == AF_INET) {
            set_opt(fd, IPPROTO_IP, IP_MULTICAST_TTL, d_ttl, "IP_MULTICAST_TTL");
            set_opt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, d_loop, "IP_MULTICAST_LOOP");
            if (ifindex) {
                ip_mreqn m{};
                m.imr_ifindex = static_cast<int>(ifindex);
                if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) < 0)
                    throw std::system_error(errno,
                                            std::generic_category(),
                                            "zcdma.udp_sink: IP_MULTICAST_IF " +
                                                d_interface);
            }
        } else {
            set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, d_ttl, "IPV6_MULTICAST_HOPS");
            set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, d_loop, "IPV6_MULTICAST_LOOP");
            if (ifindex)
                set_opt(fd,
                        IPPROTO_IPV6,
                        IPV6_MULTICAST_IF,
                        static_cast<int>(ifindex),
                        "IPV6_MULTICAST_IF " + d_interface);
        }
    } else if (ifindex) {
        if (setsockopt(fd,
                       SOL_SOCKET,
                       SO_BINDTODEVICE,
                       d_interface.c_str(),
                       static_cast<socklen_t>(d_interface.size())) < 0)
            throw std::system_error(errno,
                                    std::generic_category(),
                                    "zcdma.udp_sink: SO_BINDTODEVICE " + d_interface);
    }
    // Never fragment: a datagram above the path MTU fails with EMSGSIZE.
    if (family == AF_INET)
        set_opt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, "IP_MTU_DISCOVER");
    else
        set_opt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1, "IPV6_DONTFRAG");
    if (connect(fd, reinterpret_cast<const sockaddr*>(&dst.addr), dst.len) < 0)
        throw std::system_error(
            errno, std::generic_category(), "zcdma.udp_sink: connect to " + dst.text);
    socklen_t len = sizeof d_mtu;
    if (getsockopt(fd,
                   family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                   family == AF_INET ? IP_MTU : IPV6_MTU,
                   &d_mtu,
                   &len) < 0)
        throw std::system_error(
            errno, std::generic_category(), "zcdma.udp_sink: route MTU to " + dst.text);
    d_peer_text = dst.text;
    bool zc = d_mode != zerocopy_mode::off;
    if (zc) {
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) < 0) {
            if (d_mode == zerocopy_mode::on)
                throw std::system_error(errno,
                                        std::generic_category(),
                                        "zcdma.udp_sink: zerocopy=on but SO_ZEROCOPY is "
                                        "unavailable (needs Linux >= 4.18 for UDP)");
            d_logger->warn("SO_ZEROCOPY unavailable ({}); using plain sends",
                           strerror(errno));
            zc = false;
        }
    }
    d_zc_active = zc && !d_swap;
}

// UDP has no send-buffer autotuning: SO_SNDBUF bounds the bytes queued
// below the socket (zero-copy pages included, until the NIC frees them), and
// the default (net.core.wmem_default, 208 KiB) is 23 jumbo datagrams.
void udp_sink_impl::set_send_buffer(int bytes)
{
    const int fd = d_sock.get();
    if (bytes > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) < 0)
        throw std::system_error(
            errno, std::generic_category(), "zcdma.udp_sink: SO_SNDBUF");
    int got = 0;
    socklen_t len = sizeof got;
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) < 0)
        throw std::system_error(
            errno, std::generic_category(), "zcdma.udp_sink: SO_SNDBUF");
    d_send_buffer = got;
    // The kernel doubles what it grants (bookkeeping overhead). The default
    // request is capped on a stock system: say so only at debug level then.
    constexpr const char* capped =
        "send buffer: asked for {} bytes, the kernel gives {} "
        "(net.core.wmem_max caps it; raise it for more in flight)";
    if (bytes > 0 && got / 2 < bytes) {
        if (bytes == udp_sink::default_send_buffer)
            d_logger->debug(capped, bytes, got / 2);
        else
            d_logger->info(capped, bytes, got / 2);
    }
}

void udp_sink_impl::allocate_header_ring(size_t slots)
{
    const size_t bytes = (slots * header_stride + d_page - 1) / d_page * d_page;
    void* p =
        mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw std::runtime_error("zcdma.udp_sink: header ring of " +
                                 std::to_string(slots) + " slots: " + strerror(errno));
    d_headers = std::unique_ptr<uint8_t, munmap_deleter>(static_cast<uint8_t*>(p),
                                                         munmap_deleter{ bytes });
    d_header_slots = slots;
    d_hdr_head = 0;
    d_headers_abandoned = false;
}

// Every datagram in flight keeps its header slot until its send completes,
// and what is in flight is never more than the input buffer (input is
// consumed only then). vita49 also ends a datagram at every tagged item:
// zcdma.source tags slot starts only, so a zcdma ring holds at most its
// slots' datagrams; any other buffer as many as its bytes fill, and each
// tag inside it one more (a send then waits for a slot; nothing is lost).
size_t udp_sink_impl::header_slots_for_input() const
{
    const auto buf = detail()->input(0)->buffer();
    const size_t items = buf->bufsize();
    size_t datagrams = items * d_itemsize / d_payload_bytes;
    if (const auto* ring = dynamic_cast<const ring_buffer*>(buf.get())) {
        const size_t slot_bytes = size_t{ ring->slot_items() } * d_itemsize;
        datagrams = items / ring->slot_items() *
                    ((slot_bytes + d_payload_bytes - 1) / d_payload_bytes);
    }
    return std::clamp(datagrams + 2 * d_max_segments, min_header_slots, max_header_slots);
}

// GNU Radio 3.10 calls start() once the buffers exist, so the ring is made
// there, not in the constructor. A ring that sends abandoned at the last
// stop() may still pin is replaced, not reused.
void udp_sink_impl::size_header_ring()
{
    size_t want = d_header_slots;
    if (d_header_bytes && !d_header_slots_fixed && detail() && detail()->input(0))
        want = header_slots_for_input();
    if (!d_headers || want != d_header_slots || d_headers_abandoned)
        allocate_header_ring(want);
}

bool udp_sink_impl::start()
{
    size_header_ring();
    d_pending = d_done = 0;
    d_done_unmatched = 0;
    d_records.clear();
    d_hdr_used = 0;
    d_zc_backoff.reset();
    d_have_ref = false;
    d_marks.clear();
    d_tags_seen_to = nitems_read(0);
    d_ctx_due = true;
    d_stats_pacer.restart();
    return true;
}

bool udp_sink_impl::stop()
{
    send_tail();
    // Let what is in flight complete before the buffers can be reused.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_timeout_ms);
    while (d_tracker.inflight_sends() && std::chrono::steady_clock::now() < deadline) {
        pollfd p = { d_sock.get(), 0, 0 };
        poll(&p, 1, 50);
        reap();
    }
    {
        std::lock_guard<std::mutex> lk(d_stats_mutex);
        // Fresh buffers at the next start(); the socket (and its
        // notification ids) stays.
        const auto gone = d_tracker.abandon(true);
        if (gone.inflight) {
            d_logger->warn("{} bytes of zero-copy sends not completed {} ms after stop()",
                           gone.inflight,
                           drain_timeout_ms);
            d_headers_abandoned = true;
        }
        d_records.clear();
        d_hdr_used = 0;
        d_done_unmatched = 0;
    }
    maybe_post_stats(true);
    return true;
}

// The end of the stream (the scheduler stops calling work() with less than
// a datagram left) or top_block.stop(): what the input still holds goes out
// in datagrams, the last one short.
void udp_sink_impl::send_tail()
{
    if (!detail() || !detail()->input(0))
        return;
    const auto reader = detail()->input(0);
    const int items = reader->items_available();
    if (items <= 0)
        return;
    const auto* in = static_cast<const uint8_t*>(reader->read_pointer());
    const size_t avail = static_cast<size_t>(items) * d_itemsize;
    collect_tags(items);
    const size_t from = d_pending;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(tail_timeout_ms);
    while (d_pending < avail && std::chrono::steady_clock::now() < deadline) {
        reap();
        const send_result r = d_fatal ? send_result::fatal : send_more(in, avail, true);
        if (r == send_result::fatal)
            break;
        if (r == send_result::progress || r == send_result::idle)
            continue;
        pollfd p = { d_sock.get(),
                     short(r == send_result::blocked_out ? POLLOUT : 0),
                     0 };
        poll(&p, 1, 10);
    }
    d_tail_bytes += d_pending - from;
    d_unsent_at_stop += avail - d_pending;
    if (d_pending < avail)
        d_logger->warn("stop(): {} input bytes not sent", avail - d_pending);
}

void udp_sink_impl::collect_tags(int ninput_items)
{
    if (d_framing != framing::vita49)
        return;
    const uint64_t end = nitems_read(0) + static_cast<uint64_t>(ninput_items);
    if (end <= d_tags_seen_to)
        return;
    std::vector<gr::tag_t> tags;
    get_tags_in_range(tags, 0, std::max(d_tags_seen_to, nitems_read(0)), end);
    d_tags_seen_to = end;
    std::sort(tags.begin(), tags.end(), [](const gr::tag_t& a, const gr::tag_t& b) {
        return a.offset < b.offset;
    });
    for (const auto& t : tags) {
        mark m{ t.offset, false, {}, false };
        if (pmt::eqv(t.key, d_overrun_key)) {
            m.overrun = true;
        } else if (pmt::eqv(t.key, d_rx_time_key)) {
            // UHD format: (uint64 seconds, double fraction); others are ignored.
            if (!pmt::is_tuple(t.value) || pmt::length(t.value) != 2)
                continue;
            const auto secs = pmt::tuple_ref(t.value, 0);
            const auto frac = pmt::tuple_ref(t.value, 1);
            const double f = pmt::is_real(frac) ? pmt::to_double(frac) : -1.0;
            if (!(pmt::is_uint64(secs) || pmt::is_integer(secs)) || !(f >= 0 && f < 1))
                continue;
            const uint64_t s = pmt::is_uint64(secs)
                                   ? pmt::to_uint64(secs)
                                   : static_cast<uint64_t>(pmt::to_long(secs));
            m.has_time = true;
            m.time.seconds = static_cast<uint32_t>(s);
            m.time.picoseconds = std::min<uint64_t>(
                static_cast<uint64_t>(std::llround(f * 1e12)), ps_per_s - 1);
        } else {
            continue;
        }
        if (!d_marks.empty() && d_marks.back().item == m.item) {
            auto& b = d_marks.back();
            b.overrun |= m.overrun;
            if (m.has_time) {
                b.has_time = true;
                b.time = m.time;
            }
        } else {
            d_marks.push_back(m);
        }
    }
}

vita49_time udp_sink_impl::time_of(uint64_t item) const
{
    const long double delta = static_cast<long double>(item - d_ref_item);
    const long double ps = delta * 1e12L / static_cast<long double>(d_ctx.sample_rate) +
                           d_ref_time.picoseconds;
    uint64_t whole = static_cast<uint64_t>(std::floor(ps / 1e12L));
    uint64_t frac = static_cast<uint64_t>(std::llround(ps - whole * 1e12L));
    if (frac >= ps_per_s) {
        whole++;
        frac -= ps_per_s;
    }
    vita49_time t;
    t.seconds = d_ref_time.seconds + static_cast<uint32_t>(whole);
    t.picoseconds = frac;
    return t;
}

void udp_sink_impl::take_done_locked()
{
    const size_t n = d_tracker.take_done();
    d_done += n;
    d_done_unmatched += n;
    while (!d_records.empty() && d_records.front().payload <= d_done_unmatched) {
        d_done_unmatched -= d_records.front().payload;
        d_hdr_used -= d_records.front().headers;
        d_records.pop_front();
    }
}

void udp_sink_impl::reap()
{
    const auto r = d_reaper.reap(d_sock.get(), d_tracker, d_stats_mutex, true);
    if (r.copying && d_mode == zerocopy_mode::automatic && d_zc_active) {
        d_zc_active = false;
        d_auto_fallbacks++;
        d_logger->info("the kernel copies MSG_ZEROCOPY sends to {} (local delivery?); "
                       "auto mode switches to plain sends",
                       d_peer_text);
    }
    std::lock_guard<std::mutex> lk(d_stats_mutex);
    take_done_locked();
}

udp_sink_impl::send_result udp_sink_impl::on_enobufs()
{
    d_enobufs++;
    if (d_tracker.inflight_sends())
        return send_result::blocked_completions; // their notifications free it
    if (d_mode == zerocopy_mode::automatic) {
        d_zc_active = false;
        d_auto_fallbacks++;
        d_logger->info("MSG_ZEROCOPY fails with ENOBUFS with nothing in flight "
                       "(net.core.optmem_max too small?); auto mode switches to "
                       "plain sends");
        return send_result::progress;
    }
    d_enobufs_backoffs++;
    d_zc_backoff.refused();
    return send_result::backing_off;
}

// A context packet now: plain send (the kernel copies 108 bytes at most),
// stamped with the time of the next sample. False: try again later.
bool udp_sink_impl::send_context()
{
    uint8_t buf[vita49_context_max_bytes];
    const uint64_t item = nitems_read(0) + d_pending / d_itemsize;
    const size_t n = vita49_write_context(buf, d_vrt, d_ctx_count, time_of(item), d_ctx);
    for (;;) {
        if (send(d_sock.get(), buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) ==
            static_cast<ssize_t>(n))
            break;
        if (errno == EINTR)
            continue;
        if (errno == ECONNREFUSED) { // an earlier datagram's ICMP; the error is cleared
            d_refused++;
            d_send_errors++;
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
            d_send_errors++;
        return false;
    }
    d_ctx_count = (d_ctx_count + 1) & 0xf;
    d_context_packets++;
    d_bytes_sent += n;
    d_ctx.changed = false;
    d_ctx.sample_loss = false;
    d_ctx_due = false;
    if (d_context_interval > 0)
        d_next_context =
            std::chrono::steady_clock::now() +
            std::chrono::microseconds(static_cast<int64_t>(d_context_interval * 1e6));
    return true;
}

size_t udp_sink_impl::write_header(uint8_t* out, uint64_t item, size_t payload)
{
    if (d_framing == framing::seqnum) {
        const uint64_t seq = d_seq + 1; // network.udp_sink's first is 1
        memcpy(out, &seq, sizeof seq);  // host order, as network.udp_source reads it
        d_seq++;
        return 8;
    }
    const size_t n =
        vita49_write_data_prologue(out, d_vrt, d_data_count, time_of(item), payload);
    d_data_count = (d_data_count + 1) & 0xf;
    return n;
}

udp_sink_impl::send_result
udp_sink_impl::send_more(const uint8_t* in, size_t avail, bool flush)
{
    const bool vrt = d_framing == framing::vita49;
    while (d_pending < avail) {
        const uint64_t first_item = nitems_read(0) + d_pending / d_itemsize;
        if (vrt) {
            while (!d_marks.empty() && d_marks.front().item <= first_item) {
                const mark& m = d_marks.front();
                if (m.item == first_item) {
                    if (m.has_time) {
                        d_have_ref = true;
                        d_ref_item = m.item;
                        d_ref_time = m.time;
                        d_ctx.cal_seconds = m.time.seconds;
                    }
                    if (m.overrun) {
                        d_overruns++;
                        d_ctx.sample_loss = true;
                        d_ctx_due = true;
                    }
                }
                d_marks.pop_front();
            }
            if (!d_have_ref) { // no rx_time yet: the host clock, now
                const uint64_t ns = realtime_ns();
                d_have_ref = true;
                d_ref_item = first_item;
                d_ref_time.seconds = static_cast<uint32_t>(ns / 1000000000ull);
                d_ref_time.picoseconds = ns % 1000000000ull * 1000ull;
                d_ctx.cal_seconds = d_ref_time.seconds;
            }
            {
                std::lock_guard<std::mutex> lk(d_param_mutex);
                if (d_param_changed) {
                    // Times so far at the old rate, from here at the new one.
                    d_ref_time = time_of(first_item);
                    d_ref_item = first_item;
                    const bool loss = d_ctx.sample_loss;
                    const uint32_t cal = d_ctx.cal_seconds; // a new rate is no new time
                    d_ctx = d_new_ctx;
                    d_ctx.sample_loss = loss;
                    d_ctx.cal_seconds = cal;
                    d_ctx.changed = true;
                    d_ctx_due = true;
                    d_param_changed = false;
                }
            }
            if (!d_ctx_due && d_context_interval > 0 &&
                std::chrono::steady_clock::now() >= d_next_context)
                d_ctx_due = true;
            if (d_ctx_due && !send_context())
                return send_result::blocked_out;
        }
        const bool zc = d_zc_active && !d_swap && !d_plain_next;
        if (zc && d_zc_backoff.waiting())
            return send_result::backing_off;

        // Plan the datagrams of this sendmsg(): GSO needs them equal but
        // the last; a datagram never crosses a marked item (vita49) and one
        // starting at a mark waits for the next call.
        const uint64_t next_mark =
            vrt && !d_marks.empty() ? d_marks.front().item : UINT64_MAX;
        // Without headers (framing none) the header ring limits nothing.
        const size_t free_slots =
            d_header_bytes ? d_header_slots - d_hdr_used : d_max_segments;
        if (!free_slots) {
            d_header_waits++;
            return send_result::blocked_completions;
        }
        const size_t limit = std::min(d_max_segments, free_slots);
        size_t pos = d_pending;
        size_t k = 0, seg = 0, total = 0;
        // A zero-copy send pins its iovecs' pages as skb fragments: at most
        // MAX_SKB_FRAGS of them (frag_counter), or the kernel says EMSGSIZE.
        bool zc_send = zc;
        frag_counter frags{ d_page, d_max_frags };
        while (k < limit && pos < avail) {
            const uint64_t item = nitems_read(0) + pos / d_itemsize;
            if (k > 0 && item >= next_mark)
                break;
            size_t len = std::min(d_payload_bytes, avail - pos);
            if (next_mark != UINT64_MAX)
                len = static_cast<size_t>(
                    std::min<uint64_t>(len, (next_mark - item) * d_itemsize));
            const bool at_mark = item + len / d_itemsize == next_mark;
            if (len < d_payload_bytes && !at_mark && !flush)
                break; // a short datagram only before a mark or at the end
            if (k == 0)
                seg = len;
            else if (len > seg)
                break;
            if (zc_send) {
                frag_counter next = frags;
                const uint8_t* h =
                    d_headers.get() + ((d_hdr_head + k) % d_header_slots) * header_stride;
                if ((d_header_bytes &&
                     !next.add(reinterpret_cast<uint64_t>(h), d_header_bytes)) ||
                    !next.add(reinterpret_cast<uint64_t>(in + pos), len)) {
                    if (k > 0)
                        break;
                    // One datagram beyond MAX_SKB_FRAGS (a huge payload_size
                    // on small pages): the kernel copies this send.
                    zc_send = false;
                    d_frag_plain_sends++;
                }
                frags = next;
            }
            d_iov[2 * k + 1] = { const_cast<uint8_t*>(in + pos), len };
            pos += len;
            total += len;
            k++;
            if (len < seg || len < d_payload_bytes)
                break; // GSO: only the last segment may be shorter
        }
        if (!k)
            return send_result::idle;

        // Headers (from the ring) and, in swap mode, staged payloads.
        const size_t seq_before = d_seq;
        const unsigned count_before = d_data_count;
        size_t niov = 0;
        size_t payload_pos = d_pending;
        for (size_t i = 0; i < k; i++) {
            iovec payload = d_iov[2 * i + 1];
            if (d_header_bytes) {
                uint8_t* h =
                    d_headers.get() + ((d_hdr_head + i) % d_header_slots) * header_stride;
                const uint64_t item = nitems_read(0) + payload_pos / d_itemsize;
                d_iov[niov++] = { h, write_header(h, item, payload.iov_len) };
            }
            if (d_swap) {
                uint8_t* s = &d_staging[i * d_payload_bytes];
                swap_copy(s,
                          static_cast<const uint8_t*>(payload.iov_base),
                          payload.iov_len,
                          d_itemsize / 2);
                payload.iov_base = s;
            }
            payload_pos += payload.iov_len;
            // Without headers the payloads of one send lie back to back in
            // the input buffer: one iovec, so the kernel pins their pages in
            // one call, not one per datagram.
            if (!d_header_bytes && !d_swap && niov &&
                static_cast<uint8_t*>(d_iov[niov - 1].iov_base) +
                        d_iov[niov - 1].iov_len ==
                    payload.iov_base) {
                d_iov[niov - 1].iov_len += payload.iov_len;
                continue;
            }
            d_iov[niov++] = payload;
        }
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint16_t))] = {};
        msghdr msg{};
        msg.msg_iov = d_iov.data();
        msg.msg_iovlen = niov;
        if (k > 1) {
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            cmsghdr* cm = CMSG_FIRSTHDR(&msg);
            cm->cmsg_level = SOL_UDP;
            cm->cmsg_type = UDP_SEGMENT;
            cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            const uint16_t gso_size = static_cast<uint16_t>(d_header_bytes + seg);
            memcpy(CMSG_DATA(cm), &gso_size, sizeof gso_size);
        }
        const ssize_t n =
            sendmsg(d_sock.get(),
                    &msg,
                    MSG_DONTWAIT | MSG_NOSIGNAL | (zc_send ? MSG_ZEROCOPY : 0));
        if (n >= 0) {
            d_sends++;
            d_datagrams += k;
            d_bytes_sent += static_cast<uint64_t>(n);
            d_payload_sent += total;
            if (d_swap)
                d_swapped += total;
            d_zc_backoff.reset();
            d_hdr_head = (d_hdr_head + k) % d_header_slots;
            {
                std::lock_guard<std::mutex> lk(d_stats_mutex);
                const size_t stride = d_header_bytes ? 2 : 1;
                for (size_t i = stride - 1; !d_swap && i < niov; i += stride) {
                    const iovec& v = d_iov[i];
                    const auto base = reinterpret_cast<uint64_t>(v.iov_base);
                    d_sent_ranges.add(base, base + v.iov_len);
                }
                const size_t headers = d_header_bytes ? k : 0;
                d_records.push_back({ total, headers });
                d_hdr_used += headers;
                if (d_hdr_used > d_header_used_peak)
                    d_header_used_peak = d_hdr_used;
                if (zc_send)
                    d_tracker.add_zerocopy(total);
                else
                    d_tracker.add_plain(total);
                take_done_locked();
                if (d_tracker.inflight_bytes() > d_inflight_peak)
                    d_inflight_peak = d_tracker.inflight_bytes();
            }
            d_pending += total;
            d_plain_next = false;
            continue;
        }
        // Nothing went out: the headers are written again next time.
        d_seq = seq_before;
        d_data_count = count_before;
        const int err = errno;
        if (err == EINTR)
            continue;
        if (err == EAGAIN || err == EWOULDBLOCK)
            return send_result::blocked_out;
        if (err == ECONNREFUSED) { // ICMP for an earlier datagram; now cleared
            d_refused++;
            d_send_errors++;
            continue;
        }
        if (err == ENOBUFS) {
            if (!zc_send) {
                d_enobufs++;
                return send_result::blocked_completions;
            }
            const send_result r = on_enobufs();
            if (r == send_result::progress)
                continue;
            return r;
        }
        if (err == EMSGSIZE) {
            // Each step shrinks what is tried, so this ends: fewer datagrams
            // per GSO send (kept), then one zero-copy datagram sent plain
            // (that send only), then a datagram the route cannot carry.
            d_emsgsize++;
            int mtu = 0;
            socklen_t len = sizeof mtu;
            getsockopt(d_sock.get(),
                       d_ipv6 ? IPPROTO_IPV6 : IPPROTO_IP,
                       d_ipv6 ? IPV6_MTU : IP_MTU,
                       &mtu,
                       &len);
            const size_t datagram = d_header_bytes + seg;
            const bool too_big =
                mtu > 0 && datagram + (d_ipv6 ? 48 : 28) > static_cast<size_t>(mtu);
            if (too_big && zc_send && k > 1) {
                // udp_send_skb() refused the built skb: its zero-copy
                // notification id is used (and will be reported).
                std::lock_guard<std::mutex> lk(d_stats_mutex);
                d_tracker.add_zerocopy(0);
            }
            if (!too_big && k > 1) {
                if (zc_send)
                    d_frag_limit_hits++; // frag_counter should have prevented it
                d_max_segments = std::max<size_t>(1, k / 2);
                d_emsgsize_segment_cuts++;
                d_logger->warn("sendmsg to {}: EMSGSIZE for {} datagrams in one send; "
                               "at most {} per send from now on",
                               d_peer_text,
                               k,
                               d_max_segments);
                continue;
            }
            if (!too_big && zc_send) {
                d_frag_limit_hits++;
                d_plain_next = true;
                d_emsgsize_plain_sends++;
                continue;
            }
            d_unsendable++;
            d_send_errors++;
            d_fatal = true;
            d_logger->error("a {}-byte datagram to {} cannot be sent: {} (route MTU now "
                            "{}, was {} at start); the stream stops here, {} input "
                            "bytes unsent",
                            datagram,
                            d_peer_text,
                            strerror(err),
                            mtu,
                            d_mtu,
                            avail - d_pending);
            return send_result::fatal;
        }
        if ((err == EIO || err == EINVAL) && k > 1 && d_gso_active) {
            d_gso_active = false;
            d_max_segments = 1;
            d_gso_fallbacks++;
            d_logger->warn("UDP GSO send to {} failed ({}): the route's device cannot "
                           "offload it; one datagram per sendmsg() from now on",
                           d_peer_text,
                           strerror(err));
            continue;
        }
        d_send_errors++;
        if (!d_error_logged) {
            d_logger->error("sendmsg to {} failed: {} ({}-byte datagrams, route MTU {}); "
                            "retrying every {} ms",
                            d_peer_text,
                            strerror(err),
                            d_header_bytes + seg,
                            d_mtu,
                            poll_slice_ms);
            d_error_logged = true;
        }
        return send_result::blocked_completions;
    }
    return send_result::idle;
}

int udp_sink_impl::work(int noutput_items,
                        gr_vector_const_void_star& input_items,
                        gr_vector_void_star&)
{
    const auto* in = static_cast<const uint8_t*>(input_items[0]);
    const size_t avail = static_cast<size_t>(noutput_items) * d_itemsize;
    collect_tags(noutput_items);
    for (;;) {
        maybe_post_stats();
        reap();
        const send_result r = d_fatal ? send_result::fatal : send_more(in, avail, false);
        if (d_done >= d_itemsize) {
            const size_t items = d_done / d_itemsize;
            d_done -= items * d_itemsize;
            d_pending -= items * d_itemsize;
            return static_cast<int>(items);
        }
        if (r == send_result::progress)
            continue;
        if (r == send_result::fatal)
            return WORK_DONE; // logged; stop() waits for what is in flight
        const int wait_ms = r == send_result::backing_off
                                ? d_zc_backoff.wait_ms(poll_slice_ms)
                                : poll_slice_ms;
        // POLLERR: a completion in the error queue, or an ICMP error.
        pollfd p = { d_sock.get(),
                     short(r == send_result::blocked_out ? POLLOUT : 0),
                     0 };
        if (poll(&p, 1, wait_ms) > 0 && (p.revents & POLLERR)) {
            reap();
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(d_sock.get(), SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == ECONNREFUSED) {
                d_refused++;
                d_send_errors++;
            } else if (err) {
                d_send_errors++;
            }
        }
        boost::this_thread::interruption_point();
    }
}

void udp_sink_impl::set_sample_rate(double rate)
{
    if (!(rate > 0) || !std::isfinite(rate))
        bad("sample_rate must be > 0, not " + std::to_string(rate));
    std::lock_guard<std::mutex> lk(d_param_mutex);
    d_new_ctx.sample_rate = rate;
    d_param_changed = true;
}

void udp_sink_impl::set_bandwidth(double hz)
{
    std::lock_guard<std::mutex> lk(d_param_mutex);
    d_new_ctx.bandwidth = hz;
    d_param_changed = true;
}

void udp_sink_impl::set_rf_freq(double hz)
{
    std::lock_guard<std::mutex> lk(d_param_mutex);
    d_new_ctx.rf_freq = hz;
    d_param_changed = true;
}

void udp_sink_impl::set_ref_level(double dbm)
{
    std::lock_guard<std::mutex> lk(d_param_mutex);
    d_new_ctx.ref_level = dbm;
    d_param_changed = true;
}

void udp_sink_impl::maybe_post_stats(bool force)
{
    if (d_stats_pacer.due(force))
        message_port_pub(d_stats_port, stats_message(stats()));
}

std::map<std::string, uint64_t> udp_sink_impl::stats() const
{
    std::map<std::string, uint64_t> s;
    {
        std::lock_guard<std::mutex> lk(d_stats_mutex);
        s["zerocopy_bytes"] = d_tracker.zerocopy_bytes();
        s["copied_bytes"] = d_tracker.copied_bytes();
        s["plain_bytes"] = d_tracker.plain_bytes();
        s["inflight_bytes"] = d_tracker.inflight_bytes();
        s["unknown_completions"] = d_tracker.unknown_ids();
    }
    s["notifications"] = d_reaper.notifications();
    s["datagrams"] = d_datagrams;
    s["sends"] = d_sends;
    s["bytes_sent"] = d_bytes_sent;
    s["payload_bytes"] = d_payload_sent;
    s["swapped_bytes"] = d_swapped;
    s["enobufs"] = d_enobufs;
    s["enobufs_backoffs"] = d_enobufs_backoffs;
    s["send_errors"] = d_send_errors;
    s["refused"] = d_refused;
    s["auto_fallbacks"] = d_auto_fallbacks;
    s["gso_fallbacks"] = d_gso_fallbacks;
    s["context_packets"] = d_context_packets;
    s["overruns"] = d_overruns;
    s["tail_bytes"] = d_tail_bytes;
    s["unsent_at_stop_bytes"] = d_unsent_at_stop;
    s["inflight_peak"] = d_inflight_peak;
    s["header_waits"] = d_header_waits;
    s["frag_limit_hits"] = d_frag_limit_hits;
    s["frag_plain_sends"] = d_frag_plain_sends;
    s["emsgsize"] = d_emsgsize;
    s["emsgsize_segment_cuts"] = d_emsgsize_segment_cuts;
    s["emsgsize_plain_sends"] = d_emsgsize_plain_sends;
    s["unsendable_datagrams"] = d_unsendable;
    s["header_slots"] = d_header_slots;
    s["send_buffer_bytes"] = d_send_buffer;
    s["header_used_peak"] = d_header_used_peak;
    s["zerocopy_active"] = d_zc_active;
    s["gso_active"] = d_gso_active;
    return s;
}

std::vector<std::pair<uint64_t, uint64_t>> udp_sink_impl::sent_address_ranges() const
{
    std::lock_guard<std::mutex> lk(d_stats_mutex);
    return d_sent_ranges.base_and_length();
}

} // namespace zcdma
} // namespace gr
