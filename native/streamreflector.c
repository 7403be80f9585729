/* streamreflector: the least a server can do for SIP over TCP or TLS, on one pinned core; the
 * stream counterpart of reflector, and streamgen's ceiling.
 *
 *   streamreflector [-l ADDR] [-p PORT] [-c CPU] [-r] [--tls --cert FILE --key FILE] [-t SECS]
 *
 * One thread, epoll, non-blocking sockets. Default: every byte read goes back unchanged on its
 * connection (streamgen counts the echo of its request as udpgen does). -r: each SIP request cut
 * by Content-Length is answered with a minimal stateless 200 OK (sipreply.h), CRLFCRLF with CRLF.
 * --tls: OpenSSL server (TLS 1.2+) with the PEM certificate and key. A connection whose output
 * cannot leave is not read until it has (back-pressure, no unbounded queue). Counters on stderr
 * at exit (SIGINT/SIGTERM or -t). */
#define _GNU_SOURCE
#include "netutil.h"
#include "sipframe.h"
#include "sipreply.h"

#include <getopt.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#define IN_CAP 65536
#define OUT_CAP (2 * IN_CAP)
#define MAX_EVENTS 512

typedef struct {
    int fd, tls_done, events;
    SSL *ssl;
    char *in, *out;
    size_t in_len, out_len, out_off;
} sconn;

static volatile sig_atomic_t s_stop;
static int s_ep, s_reply;
static SSL_CTX *s_ctx;
static unsigned long long s_accepted, s_closed, s_messages, s_bytes, s_tls_errors;

static void on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: streamreflector [-l ADDR] [-p PORT] [-c CPU] [-r] [--tls --cert FILE --key FILE] [-t SECS]\n"
            "  -l ADDR      numeric IPv4/IPv6 address to listen on (default 127.0.0.1)\n"
            "  -p PORT      TCP port (default 5070)\n"
            "  -c CPU       pin to this CPU\n"
            "  -r           answer each SIP request with a stateless 200 OK instead of echoing\n"
            "  --tls        TLS server (needs --cert and --key, PEM)\n"
            "  -t SECS      exit after SECS seconds\n");
}

static void watch(sconn *c, int events)
{
    if (c->events == events)
        return;
    struct epoll_event ev = {.events = (uint32_t)events, .data.ptr = c};
    epoll_ctl(s_ep, c->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev);
    c->events = events;
}

static void drop(sconn *c)
{
    if (c->ssl != NULL)
        SSL_free(c->ssl);
    epoll_ctl(s_ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
    s_closed++;
}

/* writes pending output; -1 when broken */
static int flush_out(sconn *c)
{
    while (c->out_off < c->out_len) {
        size_t left = c->out_len - c->out_off;
        if (c->ssl == NULL) {
            ssize_t n = send(c->fd, c->out + c->out_off, left, MSG_NOSIGNAL);
            if (n > 0) {
                c->out_off += (size_t)n;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
            return -1;
        }
        int n = SSL_write(c->ssl, c->out + c->out_off, (int)left);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
            break;
        return -1;
    }
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    /* while output waits, stop reading: back-pressure */
    watch(c, c->out_len > 0 ? EPOLLOUT : EPOLLIN);
    return 0;
}

/* -r: answers every complete request in the input; -1 when the framing is lost */
static int answer(sconn *c)
{
    size_t off = 0;
    while (off < c->in_len) {
        char *b = c->in + off;
        size_t left = c->in_len - off;
        if (b[0] == '\r' || b[0] == '\n') {
            if (left >= 4 && memcmp(b, "\r\n\r\n", 4) == 0) { /* RFC 5626 ping */
                if (c->out_len + 2 > OUT_CAP)
                    break;
                memcpy(c->out + c->out_len, "\r\n", 2);
                c->out_len += 2;
                off += 4;
                continue;
            }
            if (left < 4 && (left < 2 || b[1] == '\n'))
                break; /* maybe the start of a ping */
            off++;
            continue;
        }
        long n = sipframe_length(b, left);
        if (n < 0)
            return -1;
        if (n == 0 || c->out_len + 2048 > OUT_CAP)
            break;
        int r = sipreply_build_200(b, (size_t)n, c->out + c->out_len, OUT_CAP - c->out_len);
        if (r > 0)
            c->out_len += (size_t)r;
        s_messages++;
        off += (size_t)n;
    }
    if (off > 0) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    return 0;
}

static void on_ready(sconn *c)
{
    if (c->ssl != NULL && !c->tls_done) {
        int r = SSL_do_handshake(c->ssl);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ)
                watch(c, EPOLLIN);
            else if (e == SSL_ERROR_WANT_WRITE)
                watch(c, EPOLLOUT);
            else {
                s_tls_errors++;
                ERR_clear_error();
                drop(c);
            }
            return;
        }
        c->tls_done = 1;
        watch(c, EPOLLIN);
    }
    if (c->out_len > 0) {
        if (flush_out(c) != 0) {
            drop(c);
            return;
        }
        if (c->out_len > 0)
            return;
    }
    for (int turns = 0; turns < 16; turns++) {
        /* echo: read straight into the output buffer */
        char *dst = s_reply ? c->in + c->in_len : c->out + c->out_len;
        size_t cap = s_reply ? IN_CAP - c->in_len : OUT_CAP - c->out_len;
        if (cap == 0)
            break;
        long n;
        if (c->ssl == NULL) {
            n = recv(c->fd, dst, cap, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
        } else {
            n = SSL_read(c->ssl, dst, (int)cap);
            if (n <= 0) {
                int e = SSL_get_error(c->ssl, (int)n);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                    break;
                n = 0;
            }
        }
        if (n <= 0) {
            drop(c);
            return;
        }
        s_bytes += (unsigned long long)n;
        if (s_reply) {
            c->in_len += (size_t)n;
            if (answer(c) != 0) {
                drop(c);
                return;
            }
        } else {
            c->out_len += (size_t)n;
        }
        if (c->ssl == NULL && (size_t)n < cap)
            break;
    }
    if (flush_out(c) != 0)
        drop(c);
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1", *cert = NULL, *key = NULL;
    int port = 5070, cpu = -1, tls = 0;
    double secs = 0;
    static const struct option longs[] = {{"tls", no_argument, 0, 1}, {"cert", required_argument, 0, 2},
                                           {"key", required_argument, 0, 3}, {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "l:p:c:rt:h", longs, NULL)) != -1) {
        switch (opt) {
        case 'l': addr = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'c': cpu = atoi(optarg); break;
        case 'r': s_reply = 1; break;
        case 't': secs = atof(optarg); break;
        case 1: tls = 1; break;
        case 2: cert = optarg; break;
        case 3: key = optarg; break;
        default: usage(); return opt == 'h' ? 0 : 2;
        }
    }
    if (tls && (cert == NULL || key == NULL)) {
        usage();
        return 2;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_addr(addr, port, &ss, &sl) != 0) {
        fprintf(stderr, "streamreflector: bad address %s\n", addr);
        return 2;
    }
    if (tls) {
        s_ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_min_proto_version(s_ctx, TLS1_2_VERSION);
        SSL_CTX_set_mode(s_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        if (SSL_CTX_use_certificate_chain_file(s_ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(s_ctx, key, SSL_FILETYPE_PEM) != 1) {
            fprintf(stderr, "streamreflector: cannot load %s / %s\n", cert, key);
            return 1;
        }
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    pin_cpu(cpu);
    int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, sl) != 0 || listen(lfd, 4096) != 0) {
        fprintf(stderr, "streamreflector: cannot listen on %s:%d: %s\n", addr, port, strerror(errno));
        return 1;
    }
    s_ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(s_ep, EPOLL_CTL_ADD, lfd, &lev);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "streamreflector: %s %s on %s:%d, cpu %d\n", s_reply ? "sl 200" : "echo", tls ? "TLS" : "TCP", addr,
            port, cpu);
    uint64_t end = secs > 0 ? now_ns() + (uint64_t)(secs * 1e9) : UINT64_MAX;
    struct epoll_event ev[MAX_EVENTS];
    while (!s_stop && now_ns() < end) {
        int n = epoll_wait(s_ep, ev, MAX_EVENTS, 100);
        for (int k = 0; k < n; k++) {
            if (ev[k].data.ptr == NULL) {
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0)
                        break;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    sconn *c = calloc(1, sizeof *c);
                    c->fd = fd;
                    c->in = s_reply ? malloc(IN_CAP) : NULL;
                    c->out = malloc(OUT_CAP);
                    if (tls) {
                        c->ssl = SSL_new(s_ctx);
                        SSL_set_fd(c->ssl, fd);
                        SSL_set_accept_state(c->ssl);
                    }
                    s_accepted++;
                    watch(c, EPOLLIN);
                }
                continue;
            }
            on_ready((sconn *)ev[k].data.ptr);
        }
    }
    fprintf(stderr, "streamreflector: accepted %llu closed %llu messages %llu bytes %llu tls errors %llu\n", s_accepted,
            s_closed, s_messages, s_bytes, s_tls_errors);
    return 0;
}
