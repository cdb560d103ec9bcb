/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "sigmf_meta_reader.h"
#include <system_error>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace gr {
namespace zcdma {

namespace {

// The JSON the meta file holds, parsed completely (a syntax error anywhere
// is an error), but only as far as the global object needs: values keep
// their kind and, for strings and numbers, their value.
struct json_value {
    enum kind_t { null, boolean, number, string, array, object } kind = null;
    double num = 0;
    std::string str;
    std::map<std::string, std::unique_ptr<json_value>> members; // object
};

const char* kind_name(json_value::kind_t k)
{
    switch (k) {
    case json_value::null:
        return "null";
    case json_value::boolean:
        return "a boolean";
    case json_value::number:
        return "a number";
    case json_value::string:
        return "a string";
    case json_value::array:
        return "an array";
    case json_value::object:
        return "an object";
    }
    return "?";
}

class json_parser
{
public:
    json_parser(const std::string& text, const std::string& name)
        : d_text(text), d_name(name)
    {
    }

    std::unique_ptr<json_value> parse_document()
    {
        skip_ws();
        auto v = parse_value(0);
        skip_ws();
        if (d_pos != d_text.size())
            fail("unexpected text after the JSON value");
        return v;
    }

private:
    static constexpr int max_depth = 64;

    [[noreturn]] void fail(const std::string& what) const
    {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < d_pos && i < d_text.size(); i++) {
            if (d_text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        throw std::invalid_argument(
            "zcdma: SigMF meta '" + d_name + "': not valid JSON: " + what + " (line " +
            std::to_string(line) + ", column " + std::to_string(col) + ")");
    }

    void skip_ws()
    {
        while (d_pos < d_text.size() && (d_text[d_pos] == ' ' || d_text[d_pos] == '\t' ||
                                         d_text[d_pos] == '\n' || d_text[d_pos] == '\r'))
            d_pos++;
    }

    char peek() const { return d_pos < d_text.size() ? d_text[d_pos] : '\0'; }

    void expect(char c)
    {
        if (d_pos >= d_text.size())
            fail(std::string("expected '") + c + "' before the end of the file");
        if (d_text[d_pos] != c)
            fail(std::string("expected '") + c + "', found '" + d_text[d_pos] + "'");
        d_pos++;
    }

    void literal(const char* word)
    {
        for (const char* p = word; *p; p++, d_pos++)
            if (d_pos >= d_text.size() || d_text[d_pos] != *p)
                fail("bad literal (expected " + std::string(word) + ")");
    }

    std::unique_ptr<json_value> parse_value(int depth)
    {
        if (depth > max_depth)
            fail("nested more than " + std::to_string(max_depth) + " deep");
        auto v = std::make_unique<json_value>();
        const char c = peek();
        if (c == '{') {
            v->kind = json_value::object;
            d_pos++;
            skip_ws();
            if (peek() == '}') {
                d_pos++;
                return v;
            }
            for (;;) {
                skip_ws();
                if (peek() != '"')
                    fail("expected a string as object key");
                std::string key = parse_string();
                skip_ws();
                expect(':');
                skip_ws();
                auto member = parse_value(depth + 1);
                if (v->members.count(key))
                    fail("key \"" + key + "\" given twice in one object");
                v->members[key] = std::move(member);
                skip_ws();
                if (peek() == ',') {
                    d_pos++;
                    continue;
                }
                expect('}');
                return v;
            }
        }
        if (c == '[') {
            v->kind = json_value::array;
            d_pos++;
            skip_ws();
            if (peek() == ']') {
                d_pos++;
                return v;
            }
            for (;;) {
                skip_ws();
                parse_value(depth + 1);
                skip_ws();
                if (peek() == ',') {
                    d_pos++;
                    continue;
                }
                expect(']');
                return v;
            }
        }
        if (c == '"') {
            v->kind = json_value::string;
            v->str = parse_string();
            return v;
        }
        if (c == 't') {
            literal("true");
            v->kind = json_value::boolean;
            return v;
        }
        if (c == 'f') {
            literal("false");
            v->kind = json_value::boolean;
            return v;
        }
        if (c == 'n') {
            literal("null");
            return v;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            v->kind = json_value::number;
            v->num = parse_number();
            return v;
        }
        if (c == '\0' && d_pos >= d_text.size())
            fail("unexpected end of the file");
        fail(std::string("unexpected character '") + c + "'");
    }

    double parse_number()
    {
        const size_t start = d_pos;
        auto digits = [this] {
            size_t n = 0;
            while (peek() >= '0' && peek() <= '9') {
                d_pos++;
                n++;
            }
            return n;
        };
        if (peek() == '-')
            d_pos++;
        if (peek() == '0')
            d_pos++;
        else if (!digits())
            fail("bad number");
        if (peek() == '.') {
            d_pos++;
            if (!digits())
                fail("bad number (digits expected after '.')");
        }
        if (peek() == 'e' || peek() == 'E') {
            d_pos++;
            if (peek() == '+' || peek() == '-')
                d_pos++;
            if (!digits())
                fail("bad number (digits expected in the exponent)");
        }
        double x = 0;
        // from_chars: no locale (strtod would take ',' as the decimal point
        // under some locales).
        auto r = std::from_chars(d_text.data() + start, d_text.data() + d_pos, x);
        if (r.ec != std::errc() || !std::isfinite(x))
            fail("number out of range");
        return x;
    }

    unsigned hex4()
    {
        unsigned u = 0;
        for (int i = 0; i < 4; i++, d_pos++) {
            const char h = peek();
            u <<= 4;
            if (h >= '0' && h <= '9')
                u |= h - '0';
            else if (h >= 'a' && h <= 'f')
                u |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F')
                u |= h - 'A' + 10;
            else
                fail("bad \\u escape");
        }
        return u;
    }

    std::string parse_string()
    {
        expect('"');
        std::string out;
        for (;;) {
            if (d_pos >= d_text.size())
                fail("unterminated string");
            const unsigned char c = d_text[d_pos++];
            if (c == '"')
                return out;
            if (c < 0x20) {
                d_pos--;
                fail("control character in a string");
            }
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            const char e = peek();
            d_pos++;
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                unsigned u = hex4();
                if (u >= 0xd800 && u < 0xdc00 && peek() == '\\' &&
                    d_pos + 1 < d_text.size() && d_text[d_pos + 1] == 'u') {
                    d_pos += 2;
                    unsigned lo = hex4();
                    if (lo < 0xdc00 || lo >= 0xe000)
                        fail("bad UTF-16 surrogate pair");
                    u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                }
                if (u < 0x80) {
                    out += static_cast<char>(u);
                } else if (u < 0x800) {
                    out += static_cast<char>(0xc0 | (u >> 6));
                    out += static_cast<char>(0x80 | (u & 0x3f));
                } else if (u < 0x10000) {
                    out += static_cast<char>(0xe0 | (u >> 12));
                    out += static_cast<char>(0x80 | ((u >> 6) & 0x3f));
                    out += static_cast<char>(0x80 | (u & 0x3f));
                } else {
                    out += static_cast<char>(0xf0 | (u >> 18));
                    out += static_cast<char>(0x80 | ((u >> 12) & 0x3f));
                    out += static_cast<char>(0x80 | ((u >> 6) & 0x3f));
                    out += static_cast<char>(0x80 | (u & 0x3f));
                }
                break;
            }
            default:
                d_pos--;
                fail("bad escape in a string");
            }
        }
    }

    const std::string& d_text;
    const std::string& d_name;
    size_t d_pos = 0;
};

[[noreturn]] void bad_meta(const std::string& name, const std::string& what)
{
    throw std::invalid_argument("zcdma: SigMF meta '" + name + "': " + what);
}

} // namespace

sigmf_recording_info parse_sigmf_meta(const std::string& text, const std::string& name)
{
    auto doc = json_parser(text, name).parse_document();
    if (doc->kind != json_value::object)
        bad_meta(name,
                 std::string("the top level is ") + kind_name(doc->kind) +
                     ", not an object");
    auto g = doc->members.find("global");
    if (g == doc->members.end())
        bad_meta(name, "no \"global\" object");
    if (g->second->kind != json_value::object)
        bad_meta(name,
                 std::string("\"global\" is ") + kind_name(g->second->kind) +
                     ", not an object");
    const auto& global = g->second->members;

    sigmf_recording_info info;
    auto dt = global.find("core:datatype");
    if (dt == global.end())
        bad_meta(name, "global has no \"core:datatype\"");
    if (dt->second->kind != json_value::string)
        bad_meta(name,
                 std::string("\"core:datatype\" is ") + kind_name(dt->second->kind) +
                     ", not a string");
    info.datatype = dt->second->str;
    // SigMF 1.x: (c|r)(f32|f64|i32|i16|u32|u16|i8|u8)(_le|_be); one-byte
    // types without a byte order.
    const std::string& t = info.datatype;
    const std::string valid = "(c|r)(f32|f64|i32|i16|u32|u16|i8|u8)(_le|_be)";
    const size_t digits_end = t.find('_') == std::string::npos ? t.size() : t.find('_');
    const bool complex = !t.empty() && t[0] == 'c';
    const std::string kind = t.size() > 1 ? t.substr(1, 1) : "";
    const std::string width = t.size() > 2 ? t.substr(2, digits_end - 2) : "";
    const std::string order = t.substr(digits_end);
    const int bits = width == "8"    ? 8
                     : width == "16" ? 16
                     : width == "32" ? 32
                     : width == "64" ? 64
                                     : 0;
    if (t.empty() || (t[0] != 'c' && t[0] != 'r') ||
        (kind != "f" && kind != "i" && kind != "u") || bits == 0 ||
        (!order.empty() && order != "_le" && order != "_be"))
        bad_meta(name,
                 "\"core:datatype\" '" + info.datatype + "' is not a SigMF datatype " +
                     valid);
    if ((kind == "f" && bits != 32 && bits != 64) || (kind != "f" && bits == 64) ||
        (bits == 8 && !order.empty()))
        bad_meta(name,
                 "\"core:datatype\" '" + info.datatype + "' is not a SigMF datatype " +
                     valid);
    if (bits > 8 && order.empty())
        bad_meta(name,
                 "\"core:datatype\" '" + info.datatype +
                     "' has no byte order (_le or _be)");
    if (order == "_be")
        bad_meta(name,
                 "\"core:datatype\" '" + info.datatype +
                     "' is big-endian; the sim replays the bytes as they are, so only "
                     "little-endian recordings can be replayed");
    info.sample_size = static_cast<size_t>((complex ? 2 : 1) * bits / 8);
    if (info.datatype == "cf32_le")
        info.sim_format = "fc32";
    else if (info.datatype == "ci16_le")
        info.sim_format = "sc16";
    else if (info.datatype == "rf32_le")
        info.sim_format = "f32";

    auto sr = global.find("core:sample_rate");
    if (sr != global.end()) {
        if (sr->second->kind != json_value::number)
            bad_meta(name,
                     std::string("\"core:sample_rate\" is ") +
                         kind_name(sr->second->kind) + ", not a number");
        if (!(sr->second->num > 0) || sr->second->num > 1e12) {
            std::ostringstream os;
            os << sr->second->num;
            bad_meta(name, "\"core:sample_rate\" " + os.str() + " is not in (0, 1e12]");
        }
        info.sample_rate = sr->second->num;
    }

    auto nc = global.find("core:num_channels");
    if (nc != global.end() &&
        (nc->second->kind != json_value::number || nc->second->num != 1)) {
        std::ostringstream os;
        if (nc->second->kind == json_value::number)
            os << nc->second->num;
        else
            os << kind_name(nc->second->kind);
        bad_meta(name,
                 "\"core:num_channels\" is " + os.str() +
                     "; the sim replays one channel (1)");
    }
    return info;
}

sigmf_recording_info read_sigmf_meta(const std::string& meta_path)
{
    std::ifstream in(meta_path, std::ios::binary);
    if (!in)
        throw std::system_error(
            errno, std::generic_category(), "zcdma: SigMF meta '" + meta_path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw std::system_error(
            errno, std::generic_category(), "zcdma: SigMF meta '" + meta_path + "'");
    return parse_sigmf_meta(text.str(), meta_path);
}

std::string sigmf_meta_path(const std::string& data_path)
{
    static const std::string ext = ".sigmf-data";
    if (data_path.size() <= ext.size() ||
        data_path.compare(data_path.size() - ext.size(), ext.size(), ext) != 0)
        return {};
    return data_path.substr(0, data_path.size() - ext.size()) + ".sigmf-meta";
}

} // namespace zcdma
} // namespace gr
