/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_KERNEL_DEVICE_H
#define INCLUDED_ZCDMA_KERNEL_DEVICE_H

#include <gnuradio/zcdma/device.h>

namespace gr {
namespace zcdma {

/*!
 * The zcdma.ko ring: "/dev/zcdma0" or "/dev/zcdma0:nbufs=N,bufsize=B" (the
 * keys go to ZCDMA_IOC_CONFIG). A thin shell over the ioctls of
 * kmod/include/uapi/linux/zcdma.h; the driver enforces the contract.
 */
class kernel_device : public device
{
public:
    explicit kernel_device(const std::string& spec);
    ~kernel_device() override;

    const device_info& info() const override { return d_info; }
    void start() override;
    void stop() override;
    int fileno() const override { return d_fd; }
    bool acquire(slot_info& out, int timeout_ms) override;
    void release(uint32_t index, uint64_t seq) override;
    device_stats stats() const override;
    uint32_t next_index() const override;
    ring_mapping::sptr mapping() const override { return d_mapping; }

private:
    int d_fd = -1;
    bool d_running = false;
    device_info d_info;
    ring_mapping::sptr d_mapping;
};

} // namespace zcdma
} // namespace gr

#endif
