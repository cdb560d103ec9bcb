// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * zmq_pull_receiver: the receiving end for GNU Radio's zeromq.push_sink. A
 * PULL socket connected to tcp://127.0.0.1:PORT (push_sink binds in 3.10.5;
 * zmq retries the connect until it is there); counts message payload bytes
 * until LIMIT, then prints the same summary line as discard_receiver. In C
 * like the other peers; pyzmq with copy=False keeps up as well (64 KiB
 * messages), so either way the receiver is not what limits the sender.
 *
 *   zmq_pull_receiver PORT LIMIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

int main(int argc, char** argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: zmq_pull_receiver PORT LIMIT\n");
        return 2;
    }
    unsigned long long limit = strtoull(argv[2], NULL, 0);
    void* ctx = zmq_ctx_new();
    void* pull = zmq_socket(ctx, ZMQ_PULL);
    int hwm = 0; /* unlimited: the sender decides */
    zmq_setsockopt(pull, ZMQ_RCVHWM, &hwm, sizeof hwm);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", atoi(argv[1]));
    if (zmq_connect(pull, endpoint)) {
        fprintf(stderr, "zmq_pull_receiver: %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return 1;
    }

    unsigned long long total = 0, messages = 0;
    struct timespec t0, t1;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    while (total < limit) {
        int n = zmq_msg_recv(&msg, pull, 0);
        if (n < 0) {
            fprintf(stderr, "zmq_pull_receiver: recv: %s\n", zmq_strerror(zmq_errno()));
            return 1;
        }
        if (messages++ == 0) /* from the first message: connecting is not streaming */
            clock_gettime(CLOCK_MONOTONIC, &t0);
        total += (unsigned long long)n;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("bytes %llu seconds %.6f mismatches 0 messages %llu\n", total, s, messages);
    fflush(stdout);
    zmq_msg_close(&msg);
    int linger = 0;
    zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    return 0;
}
