/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_DEVICE_SPEC_H
#define INCLUDED_ZCDMA_DEVICE_SPEC_H

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace gr {
namespace zcdma {

/*!
 * A parsed "backend:key=value,key=value" device string. Getters consume keys;
 * finish() rejects any key nobody asked for, so a typo is an error, never a
 * silently ignored option. Every error names the key and the value.
 */
class device_spec
{
public:
    explicit device_spec(const std::string& spec);

    const std::string& backend() const { return d_backend; }
    const std::string& text() const { return d_text; }
    bool has(const std::string& key) const { return d_values.count(key) != 0; }
    bool has_keys() const { return !d_values.empty(); }

    std::string get_string(const std::string& key, const std::string& def);
    //! Unsigned decimal integer ("010" is ten); accepts k/M/G (powers of
    //! 1024) suffixes.
    uint64_t get_size(const std::string& key, uint64_t def, uint64_t min, uint64_t max);
    //! Finite decimal number, accepts scientific notation (no hex, inf, nan).
    double get_double(const std::string& key, double def, double min, double max);
    //! One of \p choices.
    std::string get_choice(const std::string& key,
                           const std::string& def,
                           const std::set<std::string>& choices);
    //! Throws unless \p key is absent; for keys that only apply to other modes.
    void forbid(const std::string& key, const std::string& why) const;
    //! Throws if any key was not consumed.
    void finish() const;

private:
    std::string d_text;
    std::string d_backend;
    std::map<std::string, std::string> d_values;
    std::set<std::string> d_used;
};

} // namespace zcdma
} // namespace gr

#endif
