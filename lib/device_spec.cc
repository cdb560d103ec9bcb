/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "device_spec.h"
#include <gnuradio/zcdma/device.h>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace gr {
namespace zcdma {

namespace {
[[noreturn]] void bad(const std::string& spec, const std::string& what)
{
    throw std::invalid_argument("zcdma: device '" + spec + "': " + what);
}
} // namespace

device_spec::device_spec(const std::string& spec) : d_text(spec)
{
    auto colon = spec.find(':');
    d_backend = spec.substr(0, colon);
    if (d_backend.empty())
        bad(spec, "empty backend name");
    if (colon == std::string::npos)
        return;
    std::string rest = spec.substr(colon + 1);
    size_t pos = 0;
    while (pos <= rest.size()) {
        size_t comma = rest.find(',', pos);
        std::string item = rest.substr(
            pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? rest.size() + 1 : comma + 1;
        if (item.empty()) {
            if (rest.empty())
                break;
            bad(spec, "empty key=value item");
        }
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            bad(spec, "'" + item + "' is not key=value");
        std::string key = item.substr(0, eq);
        if (d_values.count(key))
            bad(spec, "key '" + key + "' given twice");
        d_values[key] = item.substr(eq + 1);
    }
}

std::string device_spec::get_string(const std::string& key, const std::string& def)
{
    auto it = d_values.find(key);
    if (it == d_values.end())
        return def;
    d_used.insert(key);
    if (it->second.empty())
        bad(d_text, "key '" + key + "' has an empty value");
    return it->second;
}

uint64_t
device_spec::get_size(const std::string& key, uint64_t def, uint64_t min, uint64_t max)
{
    auto it = d_values.find(key);
    if (it == d_values.end())
        return def;
    d_used.insert(key);
    const std::string& v = it->second;
    const std::string msg = "bad value for '" + key + "': '" + v + "'";
    if (v.empty() || v[0] < '0' || v[0] > '9')
        bad(d_text, msg + " (expected an unsigned integer)");
    char* end = nullptr;
    errno = 0;
    // Always decimal: "010" is ten, "0x10" is an error, as a user reads them.
    unsigned long long n = strtoull(v.c_str(), &end, 10);
    if (errno == ERANGE)
        bad(d_text, msg + " (out of range)");
    uint64_t mult = 1;
    std::string suffix(end);
    if (suffix == "k" || suffix == "K")
        mult = 1ull << 10;
    else if (suffix == "M")
        mult = 1ull << 20;
    else if (suffix == "G")
        mult = 1ull << 30;
    else if (!suffix.empty())
        bad(d_text, msg + " (expected an unsigned integer, optional k/M/G)");
    if (n > max / mult)
        bad(d_text, msg + " (maximum " + std::to_string(max) + ")");
    n *= mult;
    if (n < min || n > max)
        bad(d_text,
            msg + " (must be in " + std::to_string(min) + ".." + std::to_string(max) +
                ")");
    return n;
}

double device_spec::get_double(const std::string& key, double def, double min, double max)
{
    auto it = d_values.find(key);
    if (it == d_values.end())
        return def;
    d_used.insert(key);
    const std::string& v = it->second;
    // Decimal only: strtod would also take hex floats ("0x1p4"), inf and nan.
    const bool decimal = v.find_first_not_of("0123456789.eE+-") == std::string::npos;
    char* end = nullptr;
    double x = strtod(v.c_str(), &end);
    if (v.empty() || !decimal || *end != '\0' || !std::isfinite(x))
        bad(d_text, "bad value for '" + key + "': '" + v + "' (expected a number)");
    if (x < min || x > max)
        bad(d_text,
            "bad value for '" + key + "': '" + v + "' (must be in " +
                std::to_string(min) + ".." + std::to_string(max) + ")");
    return x;
}

std::string device_spec::get_choice(const std::string& key,
                                    const std::string& def,
                                    const std::set<std::string>& choices)
{
    std::string v = get_string(key, def);
    if (!choices.count(v)) {
        std::string list;
        for (const auto& c : choices)
            list += (list.empty() ? "" : ", ") + c;
        bad(d_text, "bad value for '" + key + "': '" + v + "' (one of: " + list + ")");
    }
    return v;
}

void device_spec::forbid(const std::string& key, const std::string& why) const
{
    if (d_values.count(key))
        bad(d_text, "key '" + key + "' " + why);
}

void device_spec::finish() const
{
    for (const auto& kv : d_values)
        if (!d_used.count(kv.first))
            bad(d_text, "unknown key '" + kv.first + "'");
}

std::string with_samp_rate(const std::string& spec, double samp_rate, size_t itemsize)
{
    if (!std::isfinite(samp_rate) || samp_rate < 0)
        throw std::invalid_argument("zcdma: samp_rate must be a number >= 0, not " +
                                    std::to_string(samp_rate));
    if (itemsize == 0)
        throw std::invalid_argument("zcdma: itemsize must be at least 1");
    if (spec.find('/') != std::string::npos && spec.rfind("sim", 0) != 0)
        return spec; // a device node: the hardware sets its own pace
    try {
        device_spec parsed(spec);
        if (parsed.backend() != "sim" || parsed.has("rate") || parsed.has("samp_rate"))
            return spec;
        std::ostringstream os;
        os.precision(17);
        os << spec << (spec.find(':') == std::string::npos ? ":" : "")
           << (parsed.has_keys() ? "," : "") << "samp_rate=" << samp_rate;
        if (!parsed.has("format") && !parsed.has("itemsize"))
            os << ",itemsize=" << itemsize;
        return os.str();
    } catch (const std::invalid_argument&) {
        return spec; // device::make() will say what is wrong with it
    }
}

} // namespace zcdma
} // namespace gr
