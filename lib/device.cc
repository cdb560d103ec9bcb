/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "device_spec.h"
#include "kernel_device.h"
#include "sim_device.h"
#include <gnuradio/zcdma/device.h>
#include <stdexcept>

namespace gr {
namespace zcdma {

device::~device() = default;

const uint8_t* device::slot_data(uint32_t index) const
{
    return mapping()->base() + uint64_t(index) * info().bufsize;
}

device::sptr device::make(const std::string& spec)
{
    if (spec.find('/') != std::string::npos && spec.rfind("sim", 0) != 0)
        return std::make_shared<kernel_device>(spec);
    device_spec parsed(spec);
    if (parsed.backend() == "sim")
        return std::make_shared<sim_device>(parsed);
    throw std::invalid_argument("zcdma: unknown device '" + spec +
                                "' (expected 'sim', 'sim:key=value,...' or a device "
                                "node path such as /dev/zcdma0)");
}

} // namespace zcdma
} // namespace gr
