/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "sigmf_meta.h"
#include <fcntl.h>
#include <system_error>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace gr {
namespace zcdma {

namespace {
// Namespace of the per-gap annotation fields (declared in core:extensions).
constexpr const char* ext_version = "1.0.0";
constexpr const char* sigmf_version = "1.2.0";

std::string quote(const std::string& s)
{
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

std::string number(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    std::string s = buf;
    if (s.find_first_of(".eEn") == std::string::npos)
        s += ".0";
    return s;
}
} // namespace

size_t sigmf_datatype_size(const std::string& datatype)
{
    // (c|r)(f64|f32|i32|i16|u32|u16|i8|u8), then _le or _be except for bytes.
    const auto bad = [&](const std::string& why) {
        return std::invalid_argument("zcdma.sigmf_sink: " + why);
    };
    if (datatype.size() < 3 || (datatype[0] != 'c' && datatype[0] != 'r'))
        throw bad("unknown SigMF datatype '" + datatype +
                  "' (e.g. cf32_le, ci16_le, rf32_le, cu8)");
    std::string type = datatype.substr(1);
    bool suffix = false;
    if (type.size() > 3 && (type.compare(type.size() - 3, 3, "_le") == 0 ||
                            type.compare(type.size() - 3, 3, "_be") == 0)) {
        type.resize(type.size() - 3);
        suffix = true;
    }
    size_t bits = 0;
    for (const char* t : { "f64", "f32", "i32", "i16", "u32", "u16", "i8", "u8" })
        if (type == t)
            bits = std::stoul(type.substr(1));
    if (!bits)
        throw bad("unknown SigMF datatype '" + datatype +
                  "' (e.g. cf32_le, ci16_le, rf32_le, cu8)");
    const bool byte = bits == 8;
    if (byte == suffix)
        throw bad(
            "SigMF datatype '" + datatype +
            (byte ? "' takes no byte order suffix" : "' needs a byte order: _le or _be"));
    return (datatype[0] == 'c' ? 2 : 1) * bits / 8;
}

std::string sigmf_datetime(uint64_t unix_ns)
{
    const time_t secs = static_cast<time_t>(unix_ns / 1000000000ull);
    tm t;
    gmtime_r(&secs, &t);
    char buf[64];
    snprintf(buf,
             sizeof buf,
             "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ",
             t.tm_year + 1900,
             t.tm_mon + 1,
             t.tm_mday,
             t.tm_hour,
             t.tm_min,
             t.tm_sec,
             static_cast<unsigned>(unix_ns % 1000000000ull));
    return buf;
}

std::string sigmf_meta::to_json() const
{
    std::string j = "{\n  \"global\": {\n";
    j += "    \"core:datatype\": " + quote(datatype) + ",\n";
    if (sample_rate > 0)
        j += "    \"core:sample_rate\": " + number(sample_rate) + ",\n";
    j += "    \"core:version\": " + quote(sigmf_version) + ",\n";
    j += "    \"core:recorder\": " + quote(recorder) + ",\n";
    if (!hw.empty())
        j += "    \"core:hw\": " + quote(hw) + ",\n";
    if (!description.empty())
        j += "    \"core:description\": " + quote(description) + ",\n";
    if (!author.empty())
        j += "    \"core:author\": " + quote(author) + ",\n";
    j += "    \"core:extensions\": [\n      {\"name\": \"zcdma\", \"version\": " +
         quote(ext_version) + ", \"optional\": true}\n    ]\n  },\n";
    j += "  \"captures\": [";
    for (size_t i = 0; i < captures.size(); i++) {
        const auto& c = captures[i];
        j += i ? ",\n    {" : "\n    {";
        j += "\"core:sample_start\": " + std::to_string(c.sample_start);
        j += ", \"core:global_index\": " + std::to_string(c.global_index);
        if (c.has_datetime)
            j += ", \"core:datetime\": " + quote(sigmf_datetime(c.datetime_ns));
        if (c.has_frequency)
            j += ", \"core:frequency\": " + number(c.frequency);
        j += "}";
    }
    j += captures.empty() ? "],\n" : "\n  ],\n";
    j += "  \"annotations\": [";
    for (size_t i = 0; i < annotations.size(); i++) {
        const auto& a = annotations[i];
        std::string what = std::to_string(a.slots_lost) + " slot(s)";
        if (a.samples_known)
            what += " (" + std::to_string(a.samples_lost) + " samples)";
        j += i ? ",\n    {" : "\n    {";
        j += "\"core:sample_start\": " + std::to_string(a.sample_start);
        j += ", \"core:sample_count\": 0";
        j += ", \"core:label\": \"overrun\"";
        j += ", \"core:comment\": " +
             quote(what + " lost before this sample (zcdma_overrun)");
        j += ", \"core:generator\": " + quote(recorder);
        j += ", \"zcdma:slots_lost\": " + std::to_string(a.slots_lost);
        if (a.samples_known)
            j += ", \"zcdma:samples_lost\": " + std::to_string(a.samples_lost);
        j += "}";
    }
    j += annotations.empty() ? "]\n}\n" : "\n  ]\n}\n";
    return j;
}

void write_file_atomically(const std::string& path, const std::string& text, bool sync)
{
    const std::string tmp = path + ".tmp";
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::system_error(errno, std::generic_category(), "open " + tmp);
    size_t off = 0;
    while (off < text.size()) {
        const ssize_t n = write(fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            close(fd);
            unlink(tmp.c_str());
            throw std::system_error(err, std::generic_category(), "write " + tmp);
        }
        off += static_cast<size_t>(n);
    }
    if (sync && fsync(fd) < 0) {
        const int err = errno;
        close(fd);
        unlink(tmp.c_str());
        throw std::system_error(err, std::generic_category(), "fsync " + tmp);
    }
    close(fd);
    if (rename(tmp.c_str(), path.c_str()) < 0) {
        const int err = errno;
        unlink(tmp.c_str());
        throw std::system_error(err, std::generic_category(), "rename " + tmp);
    }
    if (sync) {
        const auto slash = path.rfind('/');
        const std::string dir =
            slash == std::string::npos ? "." : path.substr(0, slash + 1);
        const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
}

} // namespace zcdma
} // namespace gr
