/* streamgen: SIP load over TCP and TLS (OpenSSL) on one pinned core, udpgen's sibling for streams.
 *
 * Three scenarios, each bounded in time and printing one JSON object on stdout (the same fields as
 * udpgen where they mean the same thing), progress on stderr:
 *
 * options     N persistent connections (-n), each with a window of pipelined OPTIONS in flight (-w):
 *             replies are cut from the stream by Content-Length (RFC 3261 18.3) and matched to their
 *             request by the sequence number in the Via branch (z9hG4bK-ug<hex>), so an echo of the
 *             request (the stream reflector) counts as udpgen's echo does.
 * handshake   -n sessions in parallel, each: connect, TLS handshake (with --tls; a full handshake, no
 *             session resumption), one OPTIONS, its reply, close; a new session replaces each closed
 *             one. ok/s is sessions/s; latency runs from connect() to the reply, and the handshake
 *             alone is reported as handshake_p50_us...
 * idle        N connections held open and silent. Each counts as open once the server answered its
 *             first RFC 5626 CRLFCRLF ping with a CRLF pong (so the server accepted it, not just the
 *             kernel's queue). A warm-up wave (--warm) first, the server's memory read, the rest opened
 *             (--parallel under way at once, source addresses spread over --sources so the ephemeral
 *             ports suffice), memory read again after --settle-ms, then pings on --ping connections
 *             spread over all of them, each expecting its pong within -T. Reports the server's RSS/PSS
 *             growth per connection opened after the warm-up wave.
 *
 * Every connection binds to the next address of --sources (default: the kernel's choice). */
#define _GNU_SOURCE
#include "histogram.h"
#include "procstat.h"
#include "sipframe.h"

#include <fcntl.h>
#include <getopt.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#define SLOT_BITS 20
#define SLOTS (1u << SLOT_BITS)
#define BRANCH_MAGIC "z9hG4bK-ug"
#define IN_CAP 65536
#define REQ_MAX 512
#define MAX_SOURCES 4096
#define MAX_EVENTS 1024

enum { S_OPTIONS, S_HANDSHAKE, S_IDLE };
enum { C_FREE, C_CONNECTING, C_TLS, C_OPEN, C_CLOSED };

typedef struct {
    int fd;
    int state;
    SSL *ssl;
    int outstanding;   /* requests sent and not yet answered (options, handshake) */
    int events;        /* what epoll watches now */
    int pinged, ponged; /* idle */
    uint64_t started_ns, tls_done_ns;
    char *in, *out;
    size_t in_len, out_len, out_off;
    char sentby[64];   /* the Via sent-by: our address and port on this connection */
} conn;

typedef struct {
    uint64_t seq; /* 0: free */
    uint64_t sent_ns;
    uint32_t conn;
} slot;

typedef struct {
    uint64_t received, by_class[7], timeouts, unanswered, unmatched, late, send_errors;
    uint64_t connect_errors, closed_by_peer, handshakes, tls_errors, pings, pongs;
} counters;

typedef struct {
    const char *scenario, *target, *label, *cpu_pids, *sources, *sni;
    int cpu, conns, window, tls, busy, parallel, warm, ping, settle_ms;
    double duration, warmup, timeout_ms, drain_ms;
} options;

static volatile sig_atomic_t s_stop;
static slot s_slots[SLOTS];
static histogram s_hist, s_hs_hist;
static conn *s_conns;
static counters s_c;
static options s_o;
static int s_ep, s_scenario, s_nsources, s_tfamily;
static struct sockaddr_storage s_target, s_src[MAX_SOURCES];
static socklen_t s_tlen, s_srclen[MAX_SOURCES];
static SSL_CTX *s_ctx;
static char s_thost[80];
static int s_tport;
static uint64_t s_next_seq = 1, s_measured_from = UINT64_MAX;
static long s_next_source;
static char s_proto[4];

static void on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void usage(void)
{
    fprintf(stderr,
        "usage: streamgen -t HOST:PORT [options]\n"
        "  -t, --target HOST:PORT   the server (IPv6 as [::1]:PORT)\n"
        "  -s, --scenario NAME      options | handshake | idle (default options)\n"
        "      --tls                TLS over each connection (OpenSSL, TLS 1.2+, server certificate not checked)\n"
        "      --sni NAME           SNI name to send (default none)\n"
        "  -n, --connections N      options: persistent connections (default 16); handshake: sessions in\n"
        "                           parallel (default 64); idle: connections to hold (default 1000)\n"
        "  -w, --window N           options: requests in flight per connection (default 16)\n"
        "  -c, --cpu CPU            pin to this CPU\n"
        "  -d, --duration SECS      measured time (default 5); idle: bound on opening all connections (default 120)\n"
        "  -W, --warmup SECS        warm-up before measuring (default 1)\n"
        "  -T, --timeout-ms MS      a request (idle: a ping) unanswered after MS is a timeout (default 2000)\n"
        "      --drain-ms MS        after the duration, wait up to MS for outstanding replies (default 200)\n"
        "      --sources A-B        bind connections to source addresses A..B in turn (IPv4, e.g. 127.0.0.2-127.0.0.201)\n"
        "      --parallel N         idle: connects in progress at once (default 256)\n"
        "      --warm N             idle: connections opened and pinged before the first memory reading (default 1000)\n"
        "      --ping N             idle: connections pinged with CRLFCRLF at the end (default 1000)\n"
        "      --settle-ms MS       idle: wait before the second memory reading (default 2000)\n"
        "      --busy / --no-busy   busy-poll (default for options) or sleep in epoll_wait when idle\n"
        "      --cpu-pids P1,P2     report these processes' CPU and memory\n"
        "      --label TEXT         copied into the JSON output\n");
}

static inline char *put_hex(char *o, uint64_t v)
{
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (n)
        *o++ = tmp[--n];
    return o;
}

static inline char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

#define PUT(o, lit) put((o), (lit), sizeof(lit) - 1)

/* one OPTIONS addressed to the server itself, its sequence number in the branch and the Call-ID */
static size_t render_options(char *out, const conn *c, uint64_t seq)
{
    char *o = out;
    o = PUT(o, "OPTIONS sip:");
    o = put(o, s_thost, strlen(s_thost));
    *o++ = ':';
    o += sprintf(o, "%d", s_tport);
    o = PUT(o, " SIP/2.0\r\nVia: SIP/2.0/");
    o = put(o, s_proto, strlen(s_proto));
    *o++ = ' ';
    o = put(o, c->sentby, strlen(c->sentby));
    o = PUT(o, ";branch=" BRANCH_MAGIC);
    o = put_hex(o, seq);
    o = PUT(o, ";rport\r\nMax-Forwards: 70\r\nFrom: <sip:streamgen@");
    o = put(o, c->sentby, strlen(c->sentby));
    o = PUT(o, ">;tag=sgen1\r\nTo: <sip:");
    o = put(o, s_thost, strlen(s_thost));
    o = PUT(o, ">\r\nCall-ID: ug");
    o = put_hex(o, seq);
    o = PUT(o, "@streamgen\r\nCSeq: 1 OPTIONS\r\nUser-Agent: streamgen\r\nContent-Length: 0\r\n\r\n");
    return (size_t)(o - out);
}

static inline uint64_t find_seq(const char *buf, size_t len)
{
    const char *p = memmem(buf, len, BRANCH_MAGIC, sizeof BRANCH_MAGIC - 1);
    if (p == NULL)
        return 0;
    p += sizeof BRANCH_MAGIC - 1;
    const char *end = buf + len;
    uint64_t v = 0;
    int digits = 0;
    for (; p < end && digits < 16; p++, digits++) {
        char c = *p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uint64_t)(c - 'a' + 10);
        else
            break;
    }
    return digits ? v : 0;
}

/* ------------------------------------------------------------------ connections */

static void watch(int i, int events)
{
    conn *c = &s_conns[i];
    if (c->events == events)
        return;
    struct epoll_event ev = {.events = (uint32_t)events, .data.u32 = (uint32_t)i};
    epoll_ctl(s_ep, c->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev);
    c->events = events;
}

static int parse_sources(const char *spec)
{
    if (spec == NULL)
        return 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", spec);
    char *dash = strchr(buf, '-');
    struct in_addr a, b;
    if (dash != NULL)
        *dash = 0;
    if (inet_pton(AF_INET, buf, &a) != 1 || inet_pton(AF_INET, dash != NULL ? dash + 1 : buf, &b) != 1)
        return -1;
    uint32_t lo = ntohl(a.s_addr), hi = ntohl(b.s_addr);
    if (hi < lo || hi - lo >= MAX_SOURCES)
        return -1;
    for (uint32_t v = lo; v <= hi; v++) {
        struct sockaddr_in *s = (struct sockaddr_in *)&s_src[s_nsources];
        memset(s, 0, sizeof *s);
        s->sin_family = AF_INET;
        s->sin_addr.s_addr = htonl(v);
        s_srclen[s_nsources++] = sizeof *s;
    }
    return 0;
}

/* starts a non-blocking connect on slot i; 0 when under way */
static int conn_start(int i, uint64_t now)
{
    conn *c = &s_conns[i];
    c->fd = socket(s_tfamily, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->events = 0;
    c->outstanding = 0;
    c->in_len = c->out_len = c->out_off = 0;
    c->pinged = c->ponged = 0;
    c->started_ns = now;
    c->tls_done_ns = 0;
    if (c->fd < 0) {
        s_c.connect_errors++;
        c->state = C_CLOSED;
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (s_nsources > 0) {
        int k = (int)(s_next_source++ % s_nsources);
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(c->fd, (struct sockaddr *)&s_src[k], s_srclen[k]) != 0) {
            s_c.connect_errors++;
            close(c->fd);
            c->fd = -1;
            c->state = C_CLOSED;
            return -1;
        }
    }
    if (connect(c->fd, (struct sockaddr *)&s_target, s_tlen) != 0 && errno != EINPROGRESS) {
        s_c.connect_errors++;
        close(c->fd);
        c->fd = -1;
        c->state = C_CLOSED;
        return -1;
    }
    c->state = C_CONNECTING;
    watch(i, EPOLLOUT);
    return 0;
}

static void conn_close(int i, int clean)
{
    conn *c = &s_conns[i];
    if (c->state == C_FREE || c->state == C_CLOSED)
        return;
    if (c->ssl != NULL) {
        if (clean && c->state == C_OPEN)
            SSL_shutdown(c->ssl); /* close_notify, not waiting for the peer's */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        epoll_ctl(s_ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->events = 0;
    c->state = C_CLOSED;
}

static void sentby_of(conn *c)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char a[INET6_ADDRSTRLEN] = "0.0.0.0";
    int port = 0;
    if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof a);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
            snprintf(c->sentby, sizeof c->sentby, "[%s]:%d", a, port);
            return;
        }
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof a);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    snprintf(c->sentby, sizeof c->sentby, "%s:%d", a, port);
}

/* bytes in, -1 when the connection ended (closed by the peer, or an error), 0 when nothing now */
static long conn_read(conn *c, char *buf, size_t cap, int *want_write)
{
    if (c->ssl == NULL) {
        ssize_t n = recv(c->fd, buf, cap, 0);
        if (n > 0)
            return n;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        return -1;
    }
    int n = SSL_read(c->ssl, buf, (int)cap);
    if (n > 0)
        return n;
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_READ)
        return 0;
    if (e == SSL_ERROR_WANT_WRITE) {
        *want_write = 1;
        return 0;
    }
    return -1;
}

/* writes what is queued; -1 on a broken connection, else 0 (EPOLLOUT watched while bytes remain) */
static int conn_flush(int i)
{
    conn *c = &s_conns[i];
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
    watch((int)(c - s_conns), EPOLLIN | (c->out_len > 0 ? EPOLLOUT : 0));
    return 0;
}

/* queues one OPTIONS on connection i; its slot starts the clock */
static void send_one(int i, uint64_t now)
{
    conn *c = &s_conns[i];
    uint64_t seq = s_next_seq++;
    slot *s = &s_slots[seq & (SLOTS - 1)];
    s->seq = seq;
    s->sent_ns = now;
    s->conn = (uint32_t)i;
    c->out_len += render_options(c->out + c->out_len, c, seq);
    c->outstanding++;
}

/* one reply (or echo) cut from connection i's stream */
static void on_message(int i, const char *b, size_t len, uint64_t now)
{
    uint64_t seq = find_seq(b, len);
    if (seq == 0 || seq >= s_next_seq) {
        s_c.unmatched++;
        return;
    }
    int cls = 0;
    if (len >= 12 && memcmp(b, "SIP/2.0 ", 8) == 0) {
        cls = b[8] - '0';
        if (cls < 1 || cls > 6) {
            s_c.unmatched++;
            return;
        }
    }
    slot *s = &s_slots[seq & (SLOTS - 1)];
    if (s->seq != seq) {
        s_c.late++;
        return;
    }
    int measured = seq >= s_measured_from;
    if (cls == 1) {
        if (measured)
            s_c.by_class[1]++;
        return;
    }
    s->seq = 0;
    s_conns[i].outstanding--;
    if (measured) {
        s_c.received++;
        s_c.by_class[cls]++;
        hist_record(&s_hist, now - s->sent_ns);
    }
}

/* cuts every complete message out of connection i's input; -1 when its framing is lost */
static int cut(int i, uint64_t now)
{
    conn *c = &s_conns[i];
    size_t off = 0;
    while (off < c->in_len) {
        char *b = c->in + off;
        size_t left = c->in_len - off;
        if (b[0] == '\r' || b[0] == '\n') { /* CRLF between messages: a pong */
            size_t k = 0;
            while (k < left && (b[k] == '\r' || b[k] == '\n'))
                k++;
            if (k >= 2 || (k == 1 && left > 1))
                c->ponged = 1;
            if (k == left && k == 1)
                break; /* half a CRLF: wait for the rest */
            off += k;
            continue;
        }
        long n = sipframe_length(b, left);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        on_message(i, b, (size_t)n, now);
        off += (size_t)n;
    }
    if (off > 0) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    return 0;
}

/* connect finished or TLS handshake progressing on slot i; returns 1 when the connection is open */
static int establish(int i, uint64_t now)
{
    conn *c = &s_conns[i];
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
            s_c.connect_errors++;
            conn_close(i, 0);
            return -1;
        }
        sentby_of(c);
        if (!s_o.tls) {
            c->state = C_OPEN;
            c->tls_done_ns = now;
            if (s_measured_from != UINT64_MAX) {
                s_c.handshakes++; /* plain TCP: a connect */
                hist_record(&s_hs_hist, now - c->started_ns);
            }
            watch(i, EPOLLIN);
            return 1;
        }
        c->ssl = SSL_new(s_ctx);
        SSL_set_fd(c->ssl, c->fd);
        if (s_o.sni != NULL)
            SSL_set_tlsext_host_name(c->ssl, s_o.sni);
        SSL_set_connect_state(c->ssl);
        c->state = C_TLS;
    }
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->state = C_OPEN;
        c->tls_done_ns = now;
        if (s_measured_from != UINT64_MAX) {
            s_c.handshakes++;
            hist_record(&s_hs_hist, now - c->started_ns);
        }
        watch(i, EPOLLIN);
        return 1;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        watch(i, EPOLLIN);
        return 0;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        watch(i, EPOLLOUT);
        return 0;
    }
    s_c.tls_errors++;
    ERR_clear_error();
    conn_close(i, 0);
    return -1;
}

static SSL_CTX *make_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    /* every handshake a full one: no tickets, no session cache */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

static void raise_nofile(long need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || (long)rl.rlim_cur >= need)
        return;
    rl.rlim_cur = (rlim_t)need;
    if ((long)rl.rlim_max < need)
        rl.rlim_max = (rlim_t)need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        fprintf(stderr, "streamgen: cannot raise the open files limit to %ld: %s\n", need, strerror(errno));
}

/* ------------------------------------------------------------------ report */

static unsigned long long s_cpu_busy0[MAX_CPUS], s_cpu_total0[MAX_CPUS], s_cpu_busy1[MAX_CPUS], s_cpu_total1[MAX_CPUS];
static int s_ncpu0, s_ncpu1;
static long long s_rss0, s_pss0, s_rss1, s_pss1;

static void print_json(uint64_t sent, double secs, double gen_cpu, double gen_busy, double srv_cpu, long open, double open_s)
{
    const options *o = &s_o;
    const counters *c = &s_c;
    const double us = 1000.0;
    uint64_t ok = s_scenario == S_IDLE ? (uint64_t)open : c->by_class[0] + c->by_class[2];
    printf("{\"label\":\"%s\",\"scenario\":\"%s\",\"transport\":\"%s\",\"target\":\"%s\",\"connections\":%d,"
           "\"window\":%d,\"rate_target\":0,\"duration_s\":%.3f,\"warmup_s\":%.3f,\"sent\":%llu,\"received\":%llu,"
           "\"rate\":%.0f,\"ok\":%llu,\"by_class\":{\"echo\":%llu,\"1xx\":%llu,\"2xx\":%llu,\"3xx\":%llu,"
           "\"4xx\":%llu,\"5xx\":%llu,\"6xx\":%llu},\"timeouts\":%llu,\"unanswered_at_end\":%llu,"
           "\"unmatched\":%llu,\"late\":%llu,\"send_errors\":%llu,\"connect_errors\":%llu,\"tls_errors\":%llu,"
           "\"closed_by_peer\":%llu,\"handshakes\":%llu,",
           o->label, o->scenario, o->tls ? "tls" : "tcp", o->target, o->conns, s_scenario == S_OPTIONS ? o->window : 1,
           secs, o->warmup, (unsigned long long)sent, (unsigned long long)c->received,
           secs > 0 ? (double)c->received / secs : 0.0, (unsigned long long)ok, (unsigned long long)c->by_class[0],
           (unsigned long long)c->by_class[1], (unsigned long long)c->by_class[2], (unsigned long long)c->by_class[3],
           (unsigned long long)c->by_class[4], (unsigned long long)c->by_class[5], (unsigned long long)c->by_class[6],
           (unsigned long long)c->timeouts, (unsigned long long)c->unanswered, (unsigned long long)c->unmatched,
           (unsigned long long)c->late, (unsigned long long)c->send_errors, (unsigned long long)c->connect_errors,
           (unsigned long long)c->tls_errors, (unsigned long long)c->closed_by_peer, (unsigned long long)c->handshakes);
    printf("\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,\"mean_us\":%.1f,"
           "\"handshake_p50_us\":%.1f,\"handshake_p99_us\":%.1f,\"gen_cpu_pct\":%.1f,\"gen_busy_pct\":%.1f,",
           (double)hist_quantile(&s_hist, 0.50) / us, (double)hist_quantile(&s_hist, 0.90) / us,
           (double)hist_quantile(&s_hist, 0.99) / us, (double)hist_quantile(&s_hist, 0.999) / us,
           (double)s_hist.max / us, s_hist.total ? s_hist.sum / (double)s_hist.total / us : 0.0,
           (double)hist_quantile(&s_hs_hist, 0.50) / us, (double)hist_quantile(&s_hs_hist, 0.99) / us, gen_cpu,
           gen_busy);
    if (srv_cpu >= 0)
        printf("\"server_cpu_pct\":%.1f,", srv_cpu);
    else
        printf("\"server_cpu_pct\":null,");
    printf("\"cpu_busy_pct\":[");
    int ncpu = s_ncpu0 < s_ncpu1 ? s_ncpu0 : s_ncpu1;
    for (int i = 0; i < ncpu; i++) {
        unsigned long long dt = s_cpu_total1[i] - s_cpu_total0[i], db = s_cpu_busy1[i] - s_cpu_busy0[i];
        printf("%s%.1f", i ? "," : "", dt ? 100.0 * (double)db / (double)dt : 0.0);
    }
    printf("],\"server_rss_kb_start\":%lld,\"server_rss_kb_end\":%lld,\"server_pss_kb_start\":%lld,"
           "\"server_pss_kb_end\":%lld",
           s_rss0, s_rss1, s_pss0, s_pss1);
    if (s_scenario == S_IDLE) {
        long grown = open - o->warm;
        printf(",\"idle_target\":%d,\"idle_open\":%ld,\"idle_warm\":%d,\"idle_open_s\":%.3f,\"pings\":%llu,"
               "\"pongs\":%llu,\"rss_per_conn_bytes\":%.0f,\"pss_per_conn_bytes\":%.0f",
               o->conns, open, o->warm, open_s, (unsigned long long)c->pings, (unsigned long long)c->pongs,
               grown > 0 ? (double)(s_rss1 - s_rss0) * 1024.0 / (double)grown : 0.0,
               grown > 0 ? (double)(s_pss1 - s_pss0) * 1024.0 / (double)grown : 0.0);
    }
    printf("}\n");
    fflush(stdout);
}

/* ------------------------------------------------------------------ idle */

static int s_pids[64], s_npids;

/* a CRLFCRLF ping (RFC 5626 3.5.1) on open connection i; 0 when it went out */
static int ping(int i)
{
    conn *c = &s_conns[i];
    c->ponged = 0;
    c->pinged = 1;
    c->in_len = 0;
    memcpy(c->out, "\r\n\r\n", 4);
    c->out_len = 4;
    c->out_off = 0;
    if (conn_flush(i) != 0)
        return -1;
    s_c.pings++;
    return 0;
}

/* reads what connection i has; 1 when its ping got the CRLF pong, -1 when it closed */
static int read_pong(int i)
{
    conn *c = &s_conns[i];
    int ww = 0;
    long r = conn_read(c, c->in + c->in_len, 64 - c->in_len, &ww);
    if (r < 0)
        return -1;
    c->in_len += (size_t)r;
    size_t crlf = 0;
    while (crlf < c->in_len && (c->in[crlf] == '\r' || c->in[crlf] == '\n'))
        crlf++;
    int pong = c->pinged && !c->ponged && crlf >= 2;
    if (pong) {
        c->ponged = 1;
        s_c.pongs++;
    }
    if (crlf >= 2 || c->in_len == 64)
        c->in_len = 0;
    return pong;
}

/* opens connections [from, to) with at most `parallel` under way at once; a connection counts as open once
 * the server answered its first ping (so it was accepted, not just queued by the kernel); returns how many */
static long open_range(long from, long to, uint64_t deadline)
{
    long next = from, open = 0, pending = 0;
    struct epoll_event ev[MAX_EVENTS];
    while (!s_stop && (next < to || pending > 0) && now_ns() < deadline) {
        while (next < to && pending < s_o.parallel) {
            if (conn_start((int)next, now_ns()) == 0)
                pending++;
            next++;
        }
        int n = epoll_wait(s_ep, ev, MAX_EVENTS, 10);
        uint64_t now = now_ns();
        for (int k = 0; k < n; k++) {
            int i = (int)ev[k].data.u32;
            conn *c = &s_conns[i];
            if (c->state == C_CONNECTING || c->state == C_TLS) {
                int r = establish(i, now);
                if (r < 0)
                    pending--;
                if (r == 1 && ping(i) != 0) {
                    pending--;
                    s_c.closed_by_peer++;
                    conn_close(i, 0);
                }
                continue;
            }
            if (c->state != C_OPEN)
                continue;
            if (ev[k].events & EPOLLOUT)
                conn_flush(i);
            int was_open = c->ponged;
            int r = read_pong(i);
            if (r < 0) {
                s_c.closed_by_peer++;
                conn_close(i, 0);
                if (was_open)
                    open--;
                else
                    pending--;
            } else if (r == 1) {
                c->pinged = 0;
                pending--;
                open++;
            }
        }
    }
    return open;
}

/* pings the open connections among [from, to) picked every `step`; waits for the pongs; counts them */
static void ping_range(long from, long to, long step)
{
    long waiting = 0;
    for (long i = from; i < to; i += step) {
        if (s_conns[i].state != C_OPEN)
            continue;
        if (ping((int)i) != 0) {
            s_c.closed_by_peer++;
            conn_close((int)i, 0);
            continue;
        }
        waiting++;
    }
    uint64_t deadline = now_ns() + (uint64_t)(s_o.timeout_ms * 1e6);
    struct epoll_event ev[MAX_EVENTS];
    while (!s_stop && waiting > 0 && now_ns() < deadline) {
        int n = epoll_wait(s_ep, ev, MAX_EVENTS, 10);
        for (int k = 0; k < n; k++) {
            int i = (int)ev[k].data.u32;
            conn *c = &s_conns[i];
            if (c->state != C_OPEN)
                continue;
            if (ev[k].events & EPOLLOUT)
                conn_flush(i);
            int was_waiting = c->pinged && !c->ponged;
            int r = read_pong(i);
            if (r < 0) {
                s_c.closed_by_peer++;
                conn_close(i, 0);
            }
            if (was_waiting && r != 0)
                waiting--;
        }
    }
    for (long i = from; i < to; i += step)
        s_conns[i].pinged = 0;
}

static int run_idle(void)
{
    const long total = s_o.conns;
    long warm = s_o.warm < total ? s_o.warm : total;
    s_o.warm = (int)warm;
    /* idle connections need only a line of input and a ping's output */
    char *bufs = calloc((size_t)total, 128);
    for (long i = 0; i < total; i++) {
        s_conns[i].in = bufs + i * 128;
        s_conns[i].out = bufs + i * 128 + 64;
    }
    uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(s_o.duration * 1e9);
    long open = open_range(0, warm, deadline);
    fprintf(stderr, "streamgen: warm-up wave: %ld of %ld open, %llu pongs of %llu pings\n", open, warm,
            (unsigned long long)s_c.pongs, (unsigned long long)s_c.pings);
    uint64_t settle = now_ns() + (uint64_t)s_o.settle_ms * 500000ull; /* half the settle time */
    while (!s_stop && now_ns() < settle)
        usleep(10000);
    s_rss0 = proc_kb(s_pids, s_npids, "status", "VmRSS");
    s_pss0 = proc_kb(s_pids, s_npids, "smaps_rollup", "Pss");
    long long srv_t0 = pids_ticks(s_pids, s_npids), gen_t0 = proc_ticks(getpid());
    s_ncpu0 = read_cpu_stat(s_cpu_busy0, s_cpu_total0);
    s_c.pings = s_c.pongs = 0;
    uint64_t t1 = now_ns();
    long step = total / 20 > 0 ? total / 20 : 1, done = warm;
    while (!s_stop && done < total && now_ns() < deadline) {
        long to = done + step < total ? done + step : total;
        open += open_range(done, to, deadline);
        done = to;
        fprintf(stderr, "streamgen: %ld of %ld connections open\n", open, total);
    }
    double open_s = (double)(now_ns() - t1) / 1e9;
    settle = now_ns() + (uint64_t)s_o.settle_ms * 1000000ull;
    struct epoll_event ev[MAX_EVENTS];
    while (!s_stop && now_ns() < settle) { /* watch for connections the server drops meanwhile */
        int n = epoll_wait(s_ep, ev, MAX_EVENTS, 50);
        for (int k = 0; k < n; k++) {
            int i = (int)ev[k].data.u32;
            if (s_conns[i].state == C_OPEN) {
                if (read_pong(i) < 0) {
                    s_c.closed_by_peer++;
                    conn_close(i, 0);
                    open--;
                }
            }
        }
    }
    s_rss1 = proc_kb(s_pids, s_npids, "status", "VmRSS");
    s_pss1 = proc_kb(s_pids, s_npids, "smaps_rollup", "Pss");
    long long srv_t1 = pids_ticks(s_pids, s_npids), gen_t1 = proc_ticks(getpid());
    s_ncpu1 = read_cpu_stat(s_cpu_busy1, s_cpu_total1);
    long pings = s_o.ping < open ? s_o.ping : open;
    long pstep = pings > 0 ? total / pings : 1;
    if (pstep < 1)
        pstep = 1;
    s_c.pings = s_c.pongs = 0; /* the opening pings are in `open`; these are the idle ones */
    ping_range(0, total, pstep);
    long still = 0;
    for (long i = 0; i < total; i++)
        still += s_conns[i].state == C_OPEN;
    fprintf(stderr, "streamgen: %ld open after %.1fs, RSS %lld -> %lld kB, %llu pongs of %llu pings, %llu closed by the server\n",
            still, open_s, s_rss0, s_rss1, (unsigned long long)s_c.pongs, (unsigned long long)s_c.pings,
            (unsigned long long)s_c.closed_by_peer);
    double secs = (double)(now_ns() - t1) / 1e9, hz = (double)sysconf(_SC_CLK_TCK);
    double srv_cpu = s_npids > 0 && secs > 0 ? (double)(srv_t1 - srv_t0) / hz / secs * 100.0 : -1;
    double gen_cpu = secs > 0 ? (double)(gen_t1 - gen_t0) / hz / secs * 100.0 : 0;
    s_c.received = s_c.pongs;
    s_o.duration = secs;
    print_json(s_c.pings, secs, gen_cpu, 0, srv_cpu, still, open_s);
    for (long i = 0; i < total; i++)
        conn_close((int)i, 1);
    free(bufs);
    return 0;
}

/* ------------------------------------------------------------------ options / handshake */

static int run_load(void)
{
    const int n = s_o.conns, w = s_scenario == S_OPTIONS ? s_o.window : 1;
    for (int i = 0; i < n; i++) {
        s_conns[i].in = malloc(IN_CAP);
        s_conns[i].out = malloc((size_t)w * REQ_MAX * 2 + REQ_MAX);
    }
    const uint64_t t0 = now_ns(), t_measure = t0 + (uint64_t)(s_o.warmup * 1e9);
    const uint64_t t_end = t_measure + (uint64_t)(s_o.duration * 1e9), timeout_ns = (uint64_t)(s_o.timeout_ms * 1e6);
    uint64_t t_measured_end = 0, t_drain_end = 0, tail = 1, measured_to = 0, next_report = t0 + 1000000000ull;
    uint64_t idle_ns = 0, last_now = t0, last_seq_report = 1, total_recv = 0, last_recv_report = 0;
    long long srv_t0 = 0, srv_t1 = 0, gen_t0 = 0, gen_t1 = 0;
    int phase = 0, last_idle = 0;
    s_rss0 = proc_kb(s_pids, s_npids, "status", "VmRSS");
    s_pss0 = proc_kb(s_pids, s_npids, "smaps_rollup", "Pss");
    for (int i = 0; i < n; i++)
        conn_start(i, t0);
    struct epoll_event ev[MAX_EVENTS];
    while (!s_stop) {
        uint64_t now = now_ns();
        if (last_idle && phase == 1)
            idle_ns += now - last_now;
        last_now = now;
        if (phase == 0 && now >= t_measure) {
            phase = 1;
            s_measured_from = s_next_seq;
            memset(&s_c, 0, sizeof s_c);
            hist_reset(&s_hist);
            hist_reset(&s_hs_hist);
            srv_t0 = pids_ticks(s_pids, s_npids);
            gen_t0 = proc_ticks(getpid());
            s_ncpu0 = read_cpu_stat(s_cpu_busy0, s_cpu_total0);
        }
        if (phase == 1 && now >= t_end) {
            phase = 2;
            measured_to = s_next_seq;
            t_measured_end = now;
            srv_t1 = pids_ticks(s_pids, s_npids);
            gen_t1 = proc_ticks(getpid());
            s_ncpu1 = read_cpu_stat(s_cpu_busy1, s_cpu_total1);
            t_drain_end = now + (uint64_t)(s_o.drain_ms * 1e6);
        }
        int outstanding = 0;
        for (int i = 0; i < n && phase == 2; i++)
            outstanding += s_conns[i].state != C_CLOSED ? s_conns[i].outstanding : 0;
        if (phase == 2 && (outstanding == 0 || now >= t_drain_end))
            break;
        int did = 0;

        /* expire the oldest requests: timeouts (their connection gets the window back) */
        while (tail < s_next_seq) {
            slot *s = &s_slots[tail & (SLOTS - 1)];
            if (s->seq == tail) {
                if (now - s->sent_ns < timeout_ns && s_next_seq - tail < SLOTS - 1024)
                    break;
                s->seq = 0;
                s_conns[s->conn].outstanding--;
                if (tail >= s_measured_from)
                    s_c.timeouts++;
            }
            tail++;
        }

        /* a closed connection is opened again (handshake: that is the load) */
        for (int i = 0; i < n && phase < 2; i++) {
            if (s_conns[i].state == C_CLOSED) {
                for (uint64_t q = tail; q < s_next_seq && s_conns[i].outstanding > 0; q++) {
                    slot *s = &s_slots[q & (SLOTS - 1)];
                    if (s->seq == q && s->conn == (uint32_t)i) {
                        s->seq = 0;
                        s_conns[i].outstanding--;
                        if (q >= s_measured_from)
                            s_c.unanswered++;
                    }
                }
                s_conns[i].outstanding = 0;
                conn_start(i, now);
                did = 1;
            }
        }

        int m = epoll_wait(s_ep, ev, MAX_EVENTS, s_o.busy ? 0 : 1);
        now = now_ns();
        for (int k = 0; k < m; k++) {
            int i = (int)ev[k].data.u32;
            conn *c = &s_conns[i];
            did = 1;
            if (c->state == C_CONNECTING || c->state == C_TLS) {
                if (establish(i, now) != 1)
                    continue;
                /* open: the window goes out at once (below) */
            }
            if (c->state != C_OPEN)
                continue;
            int ww = 0;
            for (;;) {
                long r = conn_read(c, c->in + c->in_len, IN_CAP - c->in_len, &ww);
                if (r < 0) {
                    if (c->outstanding > 0 || s_scenario == S_OPTIONS)
                        s_c.closed_by_peer++;
                    conn_close(i, 0);
                    break;
                }
                if (r == 0)
                    break;
                total_recv++;
                c->in_len += (size_t)r;
                if (cut(i, now) != 0) {
                    s_c.unmatched++;
                    conn_close(i, 0);
                    break;
                }
                if (c->ssl == NULL && (size_t)r < IN_CAP / 2)
                    break; /* plain TCP: a short read drained the socket */
            }
            if (c->state != C_OPEN)
                continue;
            if (s_scenario == S_HANDSHAKE && c->tls_done_ns != 0 && c->outstanding == 0 && c->out_len == 0 && c->pinged) {
                conn_close(i, 1); /* its one request was answered: the next session takes its place */
                continue;
            }
            if (phase < 2) {
                int room = w - c->outstanding;
                if (s_scenario == S_HANDSHAKE)
                    room = c->pinged ? 0 : 1;
                for (int q = 0; q < room; q++)
                    send_one(i, now);
                if (room > 0)
                    c->pinged = 1; /* handshake: its one request is out */
            }
            if (c->out_len > 0 && conn_flush(i) != 0) {
                s_c.send_errors++;
                conn_close(i, 0);
            }
        }
        if (now >= next_report) {
            fprintf(stderr, "streamgen: %s sent %llu/s reads %llu/s handshakes %llu\n", phase == 0 ? "warm-up" : "measure",
                    (unsigned long long)(s_next_seq - last_seq_report), (unsigned long long)(total_recv - last_recv_report),
                    (unsigned long long)s_c.handshakes);
            last_seq_report = s_next_seq;
            last_recv_report = total_recv;
            next_report += 1000000000ull;
        }
        last_idle = !did;
    }
    if (phase < 2) {
        measured_to = s_next_seq;
        t_measured_end = now_ns();
        srv_t1 = pids_ticks(s_pids, s_npids);
        gen_t1 = proc_ticks(getpid());
        s_ncpu1 = read_cpu_stat(s_cpu_busy1, s_cpu_total1);
        if (s_measured_from == UINT64_MAX)
            s_measured_from = s_next_seq;
    }
    s_rss1 = proc_kb(s_pids, s_npids, "status", "VmRSS");
    s_pss1 = proc_kb(s_pids, s_npids, "smaps_rollup", "Pss");
    for (uint64_t q = tail; q < s_next_seq; q++) {
        slot *s = &s_slots[q & (SLOTS - 1)];
        if (s->seq == q && q >= s_measured_from)
            s_c.unanswered++;
    }
    double secs = t_measured_end > t_measure ? (double)(t_measured_end - t_measure) / 1e9 : 0;
    double hz = (double)sysconf(_SC_CLK_TCK);
    double gen_cpu = secs > 0 ? (double)(gen_t1 - gen_t0) / hz / secs * 100.0 : 0;
    double srv_cpu = s_npids > 0 && secs > 0 ? (double)(srv_t1 - srv_t0) / hz / secs * 100.0 : -1;
    double gen_busy = secs > 0 ? 100.0 * (1.0 - (double)idle_ns / 1e9 / secs) : 0;
    uint64_t sent = measured_to > s_measured_from ? measured_to - s_measured_from : 0;
    print_json(sent, secs, gen_cpu, gen_busy, srv_cpu, 0, 0);
    fprintf(stderr,
            "streamgen: sent %llu received %llu (%.0f/s) 2xx %llu echo %llu timeouts %llu handshakes %llu "
            "connect errors %llu tls errors %llu closed by peer %llu p50 %.1fus p99 %.1fus\n",
            (unsigned long long)sent, (unsigned long long)s_c.received, secs > 0 ? (double)s_c.received / secs : 0.0,
            (unsigned long long)s_c.by_class[2], (unsigned long long)s_c.by_class[0], (unsigned long long)s_c.timeouts,
            (unsigned long long)s_c.handshakes, (unsigned long long)s_c.connect_errors,
            (unsigned long long)s_c.tls_errors, (unsigned long long)s_c.closed_by_peer,
            (double)hist_quantile(&s_hist, 0.5) / 1000.0, (double)hist_quantile(&s_hist, 0.99) / 1000.0);
    for (int i = 0; i < n; i++)
        conn_close(i, 1);
    return 0;
}

int main(int argc, char **argv)
{
    options o = {.scenario = "options", .label = "", .cpu = -1, .conns = -1, .window = 16, .busy = -1,
                 .parallel = 256, .warm = 1000, .ping = 1000, .settle_ms = 2000, .duration = -1, .warmup = 1,
                 .timeout_ms = 2000, .drain_ms = 200};
    enum { O_TLS = 256, O_SNI, O_DRAIN, O_SOURCES, O_PARALLEL, O_WARM, O_PING, O_SETTLE, O_BUSY, O_NOBUSY, O_PIDS, O_LABEL };
    static const struct option longs[] = {
        {"target", required_argument, 0, 't'}, {"scenario", required_argument, 0, 's'},
        {"tls", no_argument, 0, O_TLS}, {"sni", required_argument, 0, O_SNI},
        {"connections", required_argument, 0, 'n'}, {"window", required_argument, 0, 'w'},
        {"cpu", required_argument, 0, 'c'}, {"duration", required_argument, 0, 'd'},
        {"warmup", required_argument, 0, 'W'}, {"timeout-ms", required_argument, 0, 'T'},
        {"drain-ms", required_argument, 0, O_DRAIN}, {"sources", required_argument, 0, O_SOURCES},
        {"parallel", required_argument, 0, O_PARALLEL}, {"warm", required_argument, 0, O_WARM},
        {"ping", required_argument, 0, O_PING}, {"settle-ms", required_argument, 0, O_SETTLE},
        {"busy", no_argument, 0, O_BUSY}, {"no-busy", no_argument, 0, O_NOBUSY},
        {"cpu-pids", required_argument, 0, O_PIDS}, {"label", required_argument, 0, O_LABEL},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "t:s:n:w:c:d:W:T:h", longs, NULL)) != -1) {
        switch (opt) {
        case 't': o.target = optarg; break;
        case 's': o.scenario = optarg; break;
        case 'n': o.conns = atoi(optarg); break;
        case 'w': o.window = atoi(optarg); break;
        case 'c': o.cpu = atoi(optarg); break;
        case 'd': o.duration = atof(optarg); break;
        case 'W': o.warmup = atof(optarg); break;
        case 'T': o.timeout_ms = atof(optarg); break;
        case O_TLS: o.tls = 1; break;
        case O_SNI: o.sni = optarg; break;
        case O_DRAIN: o.drain_ms = atof(optarg); break;
        case O_SOURCES: o.sources = optarg; break;
        case O_PARALLEL: o.parallel = atoi(optarg); break;
        case O_WARM: o.warm = atoi(optarg); break;
        case O_PING: o.ping = atoi(optarg); break;
        case O_SETTLE: o.settle_ms = atoi(optarg); break;
        case O_BUSY: o.busy = 1; break;
        case O_NOBUSY: o.busy = 0; break;
        case O_PIDS: o.cpu_pids = optarg; break;
        case O_LABEL: o.label = optarg; break;
        default: usage(); return opt == 'h' ? 0 : 2;
        }
    }
    if (strcmp(o.scenario, "options") == 0)
        s_scenario = S_OPTIONS;
    else if (strcmp(o.scenario, "handshake") == 0)
        s_scenario = S_HANDSHAKE;
    else if (strcmp(o.scenario, "idle") == 0)
        s_scenario = S_IDLE;
    else {
        fprintf(stderr, "streamgen: unknown scenario %s\n", o.scenario);
        return 2;
    }
    if (o.conns < 0)
        o.conns = s_scenario == S_OPTIONS ? 16 : s_scenario == S_HANDSHAKE ? 64 : 1000;
    if (o.duration < 0)
        o.duration = s_scenario == S_IDLE ? 120 : 5;
    if (o.busy < 0)
        o.busy = s_scenario == S_OPTIONS;
    if (o.target == NULL || o.conns < 1 || o.window < 1 || (long)o.conns * o.window > (long)(SLOTS / 2) ||
        o.parallel < 1 || o.warm < 0 || o.ping < 0) {
        usage();
        return 2;
    }
    char tbuf[128];
    snprintf(tbuf, sizeof tbuf, "%s", o.target);
    char *host;
    if (split_hostport(tbuf, &host, &s_tport) != 0 || parse_addr(host, s_tport, &s_target, &s_tlen) != 0) {
        fprintf(stderr, "streamgen: bad target %s (numeric HOST:PORT)\n", o.target);
        return 2;
    }
    snprintf(s_thost, sizeof s_thost, "%s", host);
    s_tfamily = s_target.ss_family;
    if (parse_sources(o.sources) != 0) {
        fprintf(stderr, "streamgen: bad --sources %s (IPv4 A-B, at most %d addresses)\n", o.sources, MAX_SOURCES);
        return 2;
    }
    snprintf(s_proto, sizeof s_proto, "%s", o.tls ? "TLS" : "TCP");
    s_o = o;
    if (o.tls && (s_ctx = make_ctx()) == NULL) {
        fprintf(stderr, "streamgen: cannot make an OpenSSL context\n");
        return 1;
    }
    raise_nofile((long)o.conns + 1024);
    s_npids = parse_pids(o.cpu_pids, s_pids, 64);
    pin_cpu(o.cpu);
    s_ep = epoll_create1(EPOLL_CLOEXEC);
    s_conns = calloc((size_t)o.conns, sizeof *s_conns);
    if (s_ep < 0 || s_conns == NULL) {
        fprintf(stderr, "streamgen: out of resources\n");
        return 1;
    }
    for (int i = 0; i < o.conns; i++)
        s_conns[i].fd = -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "streamgen: %s over %s -> %s, %d connection(s)%s, cpu %d, %.1fs warm-up + %.1fs\n", o.scenario,
            o.tls ? "TLS" : "TCP", o.target, o.conns, s_scenario == S_OPTIONS ? " with a window each" : "", o.cpu,
            s_scenario == S_IDLE ? 0 : o.warmup, o.duration);
    return s_scenario == S_IDLE ? run_idle() : run_load();
}
