/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "pattern_generator.h"
#include "sigmf_meta_reader.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <complex>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

namespace gr {
namespace zcdma {

namespace {

// DESIGN §5: little-endian uint64 word k at stream byte offset 8k.
class counter_pattern : public pattern_generator
{
public:
    void fill(uint8_t* dst, size_t nbytes, uint64_t offset) override
    {
        auto* w = reinterpret_cast<uint64_t*>(dst);
        const uint64_t first = offset / 8;
        for (size_t i = 0; i < nbytes / 8; i++)
            w[i] = htole64(first + i);
    }
    std::string name() const override { return "counter"; }
};

class zeros_pattern : public pattern_generator
{
public:
    void fill(uint8_t* dst, size_t nbytes, uint64_t) override { memset(dst, 0, nbytes); }
    std::string name() const override { return "zeros"; }
};

// Writes nothing: models a DMA engine, whose writes cost the CPU nothing
// (benchmarks). The slot holds whatever the ring held before (zeros at first).
class none_pattern : public pattern_generator
{
public:
    void fill(uint8_t*, size_t, uint64_t) override {}
    std::string name() const override { return "none"; }
};

enum class sample_format { fc32, sc16, f32 };

size_t format_size(sample_format f)
{
    switch (f) {
    case sample_format::fc32:
        return 8;
    case sample_format::sc16:
        return 4;
    case sample_format::f32:
        return 4;
    }
    return 0;
}

std::string parse_format_name(device_spec& spec)
{
    return spec.get_choice("format", "fc32", { "fc32", "sc16", "f32" });
}

sample_format to_format(const std::string& f)
{
    if (f == "sc16")
        return sample_format::sc16;
    if (f == "f32")
        return sample_format::f32;
    return sample_format::fc32;
}

sample_format parse_format(device_spec& spec)
{
    return to_format(parse_format_name(spec));
}

void store(uint8_t* dst, size_t n, sample_format f, float re, float im)
{
    switch (f) {
    case sample_format::fc32: {
        float v[2] = { re, im };
        memcpy(dst + n * 8, v, 8);
        break;
    }
    case sample_format::sc16: {
        int16_t v[2] = { static_cast<int16_t>(std::lrint(re * 32767.0f)),
                         static_cast<int16_t>(std::lrint(im * 32767.0f)) };
        memcpy(dst + n * 4, v, 4);
        break;
    }
    case sample_format::f32:
        memcpy(dst + n * 4, &re, 4);
        break;
    }
}

// exp(j 2 pi freq n) * ampl, n = absolute sample index. The phase at the slot
// start is computed exactly from n; within the slot a phasor is rotated.
class tone_pattern : public pattern_generator
{
public:
    tone_pattern(sample_format f, double freq, double ampl)
        : d_format(f), d_freq(freq), d_ampl(ampl)
    {
    }
    void fill(uint8_t* dst, size_t nbytes, uint64_t offset) override
    {
        const size_t isz = format_size(d_format);
        const uint64_t n0 = offset / isz;
        // fmod on the product would lose precision for large n; reduce first.
        double cycles = std::fmod(static_cast<double>(n0 % (1ull << 40)) * d_freq, 1.0) +
                        std::fmod(static_cast<double>(n0 >> 40) *
                                      std::fmod(d_freq * 1099511627776.0, 1.0),
                                  1.0);
        std::complex<double> ph = std::polar(d_ampl, 2 * M_PI * cycles);
        const std::complex<double> rot = std::polar(1.0, 2 * M_PI * d_freq);
        const size_t count = nbytes / isz;
        for (size_t i = 0; i < count; i++) {
            store(dst,
                  i,
                  d_format,
                  static_cast<float>(ph.real()),
                  static_cast<float>(ph.imag()));
            ph *= rot;
        }
    }
    std::string name() const override { return "tone"; }
    size_t sample_size() const override { return format_size(d_format); }

private:
    sample_format d_format;
    double d_freq;
    double d_ampl;
};

class noise_pattern : public pattern_generator
{
public:
    noise_pattern(sample_format f, double ampl, uint64_t seed)
        : d_format(f), d_ampl(static_cast<float>(ampl)), d_rng(seed)
    {
    }
    void fill(uint8_t* dst, size_t nbytes, uint64_t) override
    {
        const size_t count = nbytes / format_size(d_format);
        for (size_t i = 0; i < count; i++) {
            float re = d_ampl * d_dist(d_rng);
            float im = d_ampl * d_dist(d_rng);
            if (d_format == sample_format::sc16) {
                re = std::fmax(-1.0f, std::fmin(1.0f, re));
                im = std::fmax(-1.0f, std::fmin(1.0f, im));
            }
            store(dst, i, d_format, re, im);
        }
    }
    std::string name() const override { return "noise"; }
    size_t sample_size() const override { return format_size(d_format); }

private:
    sample_format d_format;
    float d_ampl;
    std::minstd_rand d_rng;
    std::normal_distribution<float> d_dist{ 0.0f, 0.70710678f };
};

// Replays a recording, looping; stream offset modulo the file size.
// sample_size, when known (format= or the SigMF meta), must divide the file
// size: the loop point would otherwise split a sample.
class file_pattern : public pattern_generator
{
public:
    file_pattern(const std::string& path,
                 size_t sample_size,
                 const std::string& format_name,
                 double sample_rate)
        : d_path(path),
          d_sample_size(sample_size),
          d_format_name(format_name),
          d_sample_rate(sample_rate)
    {
        d_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (d_fd < 0)
            throw std::system_error(
                errno, std::generic_category(), "zcdma: sim file '" + path + "'");
        struct stat st;
        if (fstat(d_fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
            close(d_fd);
            throw std::invalid_argument("zcdma: sim file '" + path +
                                        "' is not a non-empty regular file");
        }
        d_size = static_cast<uint64_t>(st.st_size);
        if (d_sample_size && d_size % d_sample_size) {
            close(d_fd);
            throw std::invalid_argument(
                "zcdma: sim file '" + path + "' is " + std::to_string(d_size) +
                " bytes, not a whole number of " + std::to_string(d_sample_size) +
                "-byte samples (" + d_format_name + ")");
        }
    }
    ~file_pattern() override { close(d_fd); }
    void fill(uint8_t* dst, size_t nbytes, uint64_t offset) override
    {
        size_t done = 0;
        while (done < nbytes) {
            uint64_t pos = (offset + done) % d_size;
            size_t want = std::min<uint64_t>(nbytes - done, d_size - pos);
            ssize_t got = pread(d_fd, dst + done, want, static_cast<off_t>(pos));
            if (got <= 0) {
                if (got < 0 && errno == EINTR)
                    continue;
                // The file shrank or failed under us: a DMA engine cannot
                // stop either, so fill with zeros rather than stall.
                memset(dst + done, 0, nbytes - done);
                return;
            }
            done += static_cast<size_t>(got);
        }
    }
    std::string name() const override { return "file"; }
    size_t sample_size() const override { return d_sample_size; }
    std::string format_name() const override { return d_format_name; }
    double sample_rate() const override { return d_sample_rate; }

private:
    std::string d_path;
    size_t d_sample_size;
    std::string d_format_name;
    double d_sample_rate;
    int d_fd = -1;
    uint64_t d_size = 0;
};

// pattern=file: the recording's sample format and rate from FILE.sigmf-meta
// when FILE is FILE.sigmf-data and the meta file exists, or from format=.
std::unique_ptr<pattern_generator> make_file_pattern(device_spec& spec, uint64_t bufsize)
{
    if (!spec.has("file"))
        throw std::invalid_argument("zcdma: device '" + spec.text() +
                                    "': pattern=file needs file=PATH");
    std::string path = spec.get_string("file", "");
    // X.sigmf-meta names the recording too (as the sink's path may).
    static const std::string meta_ext = ".sigmf-meta";
    if (path.size() > meta_ext.size() &&
        path.compare(path.size() - meta_ext.size(), meta_ext.size(), meta_ext) == 0)
        path = path.substr(0, path.size() - meta_ext.size()) + ".sigmf-data";
    const std::string format = spec.has("format") ? parse_format_name(spec) : "";
    size_t sample_size = format.empty() ? 0 : format_size(to_format(format));
    std::string format_name = format;
    double sample_rate = 0;
    const std::string meta = sigmf_meta_path(path);
    struct stat st;
    // Present unless it does not exist: an unreadable one is an error.
    if (!meta.empty() && (stat(meta.c_str(), &st) == 0 || errno != ENOENT)) {
        sigmf_recording_info rec = read_sigmf_meta(meta);
        if (!format.empty() && format != rec.sim_format)
            throw std::invalid_argument(
                "zcdma: device '" + spec.text() + "': format=" + format +
                " conflicts with core:datatype '" + rec.datatype + "' in '" + meta + "'" +
                (rec.sim_format.empty() ? std::string(" (no sim format has its layout)")
                                        : " (format=" + rec.sim_format + ")"));
        sample_size = rec.sample_size;
        format_name = rec.sim_format.empty() ? rec.datatype : rec.sim_format;
        format_name += " (core:datatype " + rec.datatype + " of '" + meta + "')";
        sample_rate = rec.sample_rate;
    }
    if (sample_size && bufsize % sample_size)
        throw std::invalid_argument(
            "zcdma: device '" + spec.text() + "': bufsize " + std::to_string(bufsize) +
            " is not a multiple of the sample size " + std::to_string(sample_size) +
            " (" + format_name + ")");
    return std::make_unique<file_pattern>(path, sample_size, format_name, sample_rate);
}

} // namespace

std::unique_ptr<pattern_generator> pattern_generator::make(device_spec& spec,
                                                           uint64_t bufsize)
{
    const std::string p = spec.get_choice(
        "pattern", "counter", { "counter", "tone", "noise", "zeros", "file", "none" });
    if (p != "tone") {
        spec.forbid("freq", "applies only to pattern=tone");
    }
    if (p != "tone" && p != "noise" && p != "file")
        spec.forbid("format", "applies only to pattern=tone, noise and file");
    if (p != "tone" && p != "noise") {
        spec.forbid("ampl", "applies only to pattern=tone and pattern=noise");
    }
    if (p != "noise")
        spec.forbid("seed", "applies only to pattern=noise");
    if (p != "file")
        spec.forbid("file", "applies only to pattern=file");

    if (p == "counter")
        return std::make_unique<counter_pattern>();
    if (p == "zeros")
        return std::make_unique<zeros_pattern>();
    if (p == "none")
        return std::make_unique<none_pattern>();
    if (p == "file")
        return make_file_pattern(spec, bufsize);
    sample_format f = parse_format(spec);
    if (bufsize % format_size(f))
        throw std::invalid_argument("zcdma: device '" + spec.text() +
                                    "': bufsize is not a multiple of the sample size");
    double ampl = spec.get_double("ampl", p == "tone" ? 0.5 : 0.1, 0.0, 1.0);
    if (p == "tone")
        return std::make_unique<tone_pattern>(
            f, spec.get_double("freq", 0.05, -0.5, 0.5), ampl);
    return std::make_unique<noise_pattern>(
        f, ampl, spec.get_size("seed", 1, 0, UINT32_MAX));
}

} // namespace zcdma
} // namespace gr
