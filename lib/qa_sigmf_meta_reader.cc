/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "sigmf_meta_reader.h"
#include <gnuradio/zcdma/device.h>
#include <system_error>
#include <unistd.h>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace gr::zcdma;

namespace {
// True if parsing \p text throws invalid_argument containing every one of
// \p parts (and the file name).
bool refused(const std::string& text, const std::vector<std::string>& parts)
{
    try {
        parse_sigmf_meta(text, "dir/rec.sigmf-meta");
    } catch (const std::invalid_argument& e) {
        const std::string msg = e.what();
        bool ok = msg.find("dir/rec.sigmf-meta") != std::string::npos;
        for (const auto& p : parts)
            if (msg.find(p) == std::string::npos)
                ok = false;
        if (!ok)
            BOOST_TEST_MESSAGE("message: " << msg);
        return ok;
    }
    return false;
}

std::string meta(const std::string& global)
{
    return "{\"global\": {" + global + "}, \"captures\": [], \"annotations\": []}";
}

// A temporary directory, removed with its files.
struct tmpdir {
    std::string path;
    std::vector<std::string> files;
    tmpdir()
    {
        char t[] = "/tmp/qa_sigmf_meta_XXXXXX";
        BOOST_REQUIRE(mkdtemp(t));
        path = t;
    }
    ~tmpdir()
    {
        for (const auto& f : files)
            unlink(f.c_str());
        rmdir(path.c_str());
    }
    std::string write(const std::string& name, const std::string& data)
    {
        std::string p = path + "/" + name;
        std::ofstream(p, std::ios::binary) << data;
        files.push_back(p);
        return p;
    }
};

std::string counter_bytes(size_t n)
{
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i++)
        s[i] = static_cast<char>(i * 7);
    return s;
}

std::string make_error(const std::string& spec)
{
    try {
        device::make(spec);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}
} // namespace

BOOST_AUTO_TEST_CASE(datatypes)
{
    struct {
        const char* dt;
        size_t size;
        const char* sim;
    } cases[] = {
        { "cf32_le", 8, "fc32" }, { "ci16_le", 4, "sc16" }, { "rf32_le", 4, "f32" },
        { "cf64_le", 16, "" },    { "ci8", 2, "" },         { "cu8", 2, "" },
        { "ri16_le", 2, "" },     { "ru32_le", 4, "" },     { "ri8", 1, "" },
    };
    for (const auto& c : cases) {
        auto info = parse_sigmf_meta(meta("\"core:datatype\": \"" + std::string(c.dt) +
                                          "\", \"core:version\": \"1.2.0\""),
                                     "x");
        BOOST_CHECK_EQUAL(info.datatype, c.dt);
        BOOST_CHECK_EQUAL(info.sample_size, c.size);
        BOOST_CHECK_EQUAL(info.sim_format, c.sim);
        BOOST_CHECK_EQUAL(info.sample_rate, 0.0);
    }
}

BOOST_AUTO_TEST_CASE(sample_rate_and_json_syntax)
{
    // Escapes, nesting, numbers in exponent form, other members ignored.
    auto info = parse_sigmf_meta(
        "{\"captures\":[{\"core:sample_start\":0,\"core:datetime\":\"2026-01-01T00:00:"
        "00Z\"}],"
        "\n \"global\" : {\"core:description\": \"a \\\"quoted\\\" \\u00e9 "
        "\\ud83d\\ude00\","
        " \"core:sample_rate\": 2.5e6, \"core:datatype\": \"ci16_le\","
        " \"core:num_channels\": 1, \"x:list\": [1, -2.5, true, false, null, {}]},"
        " \"annotations\": []}",
        "x");
    BOOST_CHECK_EQUAL(info.datatype, "ci16_le");
    BOOST_CHECK_EQUAL(info.sample_rate, 2.5e6);
}

BOOST_AUTO_TEST_CASE(malformed_meta_is_named)
{
    BOOST_CHECK(refused("", { "not valid JSON", "end of the file" }));
    BOOST_CHECK(refused("{\"global\": {\"core:datatype\": \"cf32_le\"}",
                        { "not valid JSON", "expected '}'", "line 1" }));
    BOOST_CHECK(
        refused("{\"global\": {\"core:datatype\": \"cf32_le\",}}", { "not valid JSON" }));
    BOOST_CHECK(refused("{\"global\": {\"core:datatype\": 'cf32_le'}}",
                        { "not valid JSON", "unexpected character" }));
    BOOST_CHECK(refused("{\"global\": {}}\n{}", { "after the JSON value", "line 2" }));
    BOOST_CHECK(
        refused("{\"global\": {\"core:sample_rate\": 01}}", { "not valid JSON" }));
    BOOST_CHECK(refused(std::string(100, '[') + std::string(100, ']'), { "nested" }));
    BOOST_CHECK(refused("[]", { "top level is an array" }));
    BOOST_CHECK(refused("{\"captures\": []}", { "no \"global\" object" }));
    BOOST_CHECK(refused("{\"global\": []}", { "\"global\" is an array" }));
    BOOST_CHECK(refused(meta("\"core:version\": \"1.2.0\""), { "no \"core:datatype\"" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": 8"), { "core:datatype", "a number" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": \"complex64\""),
                        { "'complex64' is not a SigMF datatype" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": \"cf16_le\""), { "'cf16_le'" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": \"ci8_le\""), { "'ci8_le'" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": \"cf32\""), { "no byte order" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": \"cf32_be\""), { "big-endian" }));
    BOOST_CHECK(
        refused(meta("\"core:datatype\": \"cf32_le\", \"core:datatype\": \"ci8\""),
                { "given twice" }));
    BOOST_CHECK(
        refused(meta("\"core:datatype\": \"cf32_le\", \"core:sample_rate\": \"1e6\""),
                { "core:sample_rate", "a string" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": \"cf32_le\", \"core:sample_rate\": 0"),
                        { "core:sample_rate", "(0, 1e12]" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": \"cf32_le\", \"core:sample_rate\": -1"),
                        { "core:sample_rate" }));
    BOOST_CHECK(
        refused(meta("\"core:datatype\": \"cf32_le\", \"core:sample_rate\": 1e999"),
                { "out of range" }));
    BOOST_CHECK(refused(meta("\"core:datatype\": \"cf32_le\", \"core:num_channels\": 2"),
                        { "core:num_channels", "2" }));
}

BOOST_AUTO_TEST_CASE(meta_path)
{
    BOOST_CHECK_EQUAL(sigmf_meta_path("/a/rec.sigmf-data"), "/a/rec.sigmf-meta");
    BOOST_CHECK_EQUAL(sigmf_meta_path("/a/rec.bin"), "");
    BOOST_CHECK_EQUAL(sigmf_meta_path(".sigmf-data"), "");
    BOOST_CHECK_THROW(read_sigmf_meta("/nonexistent/x.sigmf-meta"), std::system_error);
}

BOOST_AUTO_TEST_CASE(replay_takes_format_and_rate_from_the_meta)
{
    tmpdir d;
    const std::string data = counter_bytes(8192);
    const std::string path = d.write("rec.sigmf-data", data);
    d.write("rec.sigmf-meta",
            meta("\"core:datatype\": \"ci16_le\", \"core:sample_rate\": 1000000"));
    // The meta's rate (1e6 samples/s x 4 bytes) unless the string names one.
    auto dev = device::make("sim:pattern=file,bufsize=4096,file=" + path);
    BOOST_CHECK_EQUAL(dev->info().rate, 4000000u);
    // Naming the meta file replays the data file beside it.
    BOOST_CHECK_EQUAL(
        device::make("sim:pattern=file,bufsize=4096,file=" + d.path + "/rec.sigmf-meta")
            ->info()
            .rate,
        4000000u);
    BOOST_CHECK_EQUAL(
        device::make("sim:pattern=file,bufsize=4096,rate=0,file=" + path)->info().rate,
        0u);
    BOOST_CHECK_EQUAL(
        device::make("sim:pattern=file,bufsize=4096,samp_rate=10,file=" + path)
            ->info()
            .rate,
        40u);
    // A matching format and itemsize are fine; the bytes are the file's.
    auto lossless = device::make(
        "sim:pattern=file,format=sc16,itemsize=4,rate=0,bufsize=4096,file=" + path);
    lossless->start();
    for (int i = 0; i < 3; i++) {
        slot_info s;
        BOOST_REQUIRE(lossless->acquire(s, 2000));
        BOOST_CHECK(memcmp(lossless->slot_data(s.index),
                           data.data() + (i % 2) * 4096,
                           4096) == 0);
        lossless->release(s.index, s.seq);
    }
    lossless->stop();

    // Conflicts name both sides and the meta file.
    std::string msg =
        make_error("sim:pattern=file,format=fc32,bufsize=4096,file=" + path);
    BOOST_TEST_MESSAGE(msg);
    BOOST_CHECK(msg.find("format=fc32") != std::string::npos);
    BOOST_CHECK(msg.find("ci16_le") != std::string::npos);
    BOOST_CHECK(msg.find("rec.sigmf-meta") != std::string::npos);
    msg = make_error("sim:pattern=file,itemsize=8,bufsize=4096,file=" + path);
    BOOST_CHECK(msg.find("itemsize 8") != std::string::npos);
    BOOST_CHECK(msg.find("ci16_le") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(replay_refuses_what_does_not_fit)
{
    tmpdir d;
    // 12 bytes: not a whole number of 8-byte cf32_le samples.
    const std::string odd = d.write("odd.sigmf-data", counter_bytes(12));
    d.write("odd.sigmf-meta", meta("\"core:datatype\": \"cf32_le\""));
    std::string msg = make_error("sim:pattern=file,bufsize=4096,file=" + odd);
    BOOST_CHECK(msg.find("12 bytes, not a whole number of 8-byte samples") !=
                std::string::npos);
    BOOST_CHECK(msg.find("cf32_le") != std::string::npos);
    // Malformed meta: the replay does not start, the error names the meta.
    const std::string bad = d.write("bad.sigmf-data", counter_bytes(4096));
    d.write("bad.sigmf-meta", "{\"global\": {\"core:datatype\": \"cf32_le\"");
    msg = make_error("sim:pattern=file,bufsize=4096,file=" + bad);
    BOOST_CHECK(msg.find("bad.sigmf-meta") != std::string::npos);
    BOOST_CHECK(msg.find("not valid JSON") != std::string::npos);
    // A datatype the sim has no format for replays with its sample size;
    // an explicit format then conflicts.
    const std::string ci8 = d.write("ci8.sigmf-data", counter_bytes(6));
    d.write("ci8.sigmf-meta", meta("\"core:datatype\": \"ci8\""));
    BOOST_CHECK_NO_THROW(device::make("sim:pattern=file,bufsize=4096,file=" + ci8));
    msg = make_error("sim:pattern=file,format=sc16,bufsize=4096,file=" + ci8);
    BOOST_CHECK(msg.find("no sim format") != std::string::npos);
    // No meta: as before, and format= gives the sample size.
    const std::string raw = d.write("raw.sigmf-data", counter_bytes(12));
    BOOST_CHECK(make_error("sim:pattern=file,format=fc32,bufsize=4096,file=" + raw)
                    .find("not a whole number of 8-byte samples") != std::string::npos);
    BOOST_CHECK_NO_THROW(device::make("sim:pattern=file,bufsize=4096,file=" + raw));
}
