/* Small helpers shared by reflector and udpgen: numeric address parsing, CPU pinning,
 * socket set-up, monotonic clock, /proc CPU ticks. */
#ifndef HP_NATIVE_NETUTIL_H
#define HP_NATIVE_NETUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Parses a numeric IPv4 or IPv6 address (brackets allowed) and a port. Returns 0 on success. */
static inline int parse_addr(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    char buf[64];
    size_t n = strlen(host);
    if (n >= sizeof buf)
        return -1;
    if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = 0;
    } else {
        memcpy(buf, host, n + 1);
    }
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, buf, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
        return 0;
    }
    return -1;
}

/* Splits "HOST:PORT" / "[V6]:PORT" in place. Returns 0 on success. */
static inline int split_hostport(char *s, char **host, int *port)
{
    char *c = strrchr(s, ':');
    if (c == NULL || (s[0] != '[' && strchr(s, ':') != c))
        return -1; /* bare IPv6 needs brackets */
    *c = 0;
    *host = s;
    *port = atoi(c + 1);
    return *port > 0 && *port < 65536 ? 0 : -1;
}

static inline int pin_cpu(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, "cannot pin to CPU %d: %s\n", cpu, strerror(errno));
        return -1;
    }
    return 0;
}

static inline void set_bufs(int fd, int bytes)
{
    /* FORCE variants pass rmem_max when running as root; fall back silently */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
}

static inline int udp_bind(const struct sockaddr_storage *ss, socklen_t len, int bufbytes)
{
    int fd = socket(ss->ss_family, SOCK_DGRAM, 0);
    if (fd < 0)
        return -1;
    if (ss->ss_family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (bufbytes > 0)
        set_bufs(fd, bufbytes);
    if (bind(fd, (const struct sockaddr *)ss, len) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* utime+stime of a process (all its threads) in clock ticks, -1 when unreadable */
static inline long long proc_ticks(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    /* fields after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    unsigned long long ut = 0, st = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st);
}

#endif
