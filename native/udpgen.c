/* udpgen: batched SIP load generator (sendmmsg/recvmmsg) on one pinned core.
 *
 * Closed loop (a window of outstanding requests) or open loop (--rate), for a bounded time,
 * four scenarios (options, register, forward, call). Every request carries its sequence number in
 * the Via branch (z9hG4bK-ug<hex>) so a reply -- or the echo of the request itself from the
 * plain reflector -- is matched to its send time. Prints one JSON object on stdout, progress on
 * stderr. Always stops by itself: warm-up + duration + drain. See usage() for the flags.
 *
 * call: udpgen is caller and callee at once. The caller sends INVITE (Request-URI: the
 * responder) to the target; the responder (-R) answers 180 and 200 with the Record-Route copied
 * and its Contact; on the 200 the caller sends ACK and BYE (Request-URI: the Contact; Route: the
 * Record-Route lines in reverse order) to the target, branches z9hG4bK-ua / -ub + the call
 * number; the BYE's 200 completes the call. A call is one "request" of the window; its latency
 * runs from the INVITE to the BYE's 200. --hold N: the responder answers 180 only; each call
 * counts as held once its 180 arrives, N calls are started and the run ends when all are held
 * (or the duration passes); the server's memory is read before the first call and at the end. */
#define _GNU_SOURCE
#include "histogram.h"
#include "procstat.h"
#include "md5.h"
#include "netutil.h"
#include "sipreply.h"

#include <getopt.h>
#include <poll.h>
#include <signal.h>

#define MAX_BATCH 1024
#define BUF_SIZE 2048
#define SLOT_BITS 20
#define SLOTS (1u << SLOT_BITS)
#define MAX_PARTS 16
#define BRANCH_MAGIC "z9hG4bK-ug"
#define BRANCH_PREFIX "z9hG4bK-u" /* + g (INVITE and every other scenario's request), a (ACK), b (BYE) */
#define MAX_ROUTES 8

enum { V_NONE = 0, V_SEQ = 1, V_USER = 2, V_CSEQ = 3, V_AUTH = 4 };

typedef struct {
    const char *lit;
    size_t len;
    int var; /* variable that follows the literal */
} part;

typedef struct {
    part parts[MAX_PARTS];
    int n;
    char *storage;
} tmpl;

typedef struct {
    uint64_t seq; /* 0: free (answered or timed out) */
    uint64_t sent_ns;
    int bye;       /* call: the INVITE got its 200, ACK and BYE are out; register-auth: the authorized REGISTER is */
    uint32_t user; /* register-auth: the user and CSeq of the unauthorized REGISTER */
    uint32_t cseq;
    int src2; /* flood: sent by the second source */
    int seen;  /* call: the responder got this call's INVITE (1) / BYE (2): a second copy is a retransmission */
} slot;

typedef struct {
    const char *scenario, *target, *local, *ruri, *method, *cseq_file, *label, *domain, *cpu_pids, *realm, *password,
        *second_local;
    int cpu, window, batch, users, path, busy, responder_port;
    long hold;
    double rate, duration, warmup, timeout_ms, drain_ms, second_share;
    long long cseq;
} options;

static volatile sig_atomic_t s_stop;
static slot s_slots[SLOTS];
static histogram s_hist;

static void on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void usage(void)
{
    fprintf(stderr,
        "usage: udpgen -t HOST:PORT [options]\n"
        "  -t, --target HOST:PORT     where requests go (IPv6 as [::1]:PORT)\n"
        "  -s, --scenario NAME        options | register | register-auth | forward | lookup | call | flood (default options)\n"
        "  -c, --cpu CPU              pin to this CPU (default: not pinned)\n"
        "  -w, --window N             closed loop: requests outstanding at once (default 256)\n"
        "      --rate R               open loop: R requests/s, window ignored (default 0 = closed loop)\n"
        "  -d, --duration SECS        measured time (default 5)\n"
        "  -W, --warmup SECS          warm-up before measuring, excluded from figures (default 1)\n"
        "  -b, --batch N              sendmmsg/recvmmsg batch (default 64)\n"
        "  -T, --timeout-ms MS        a request unanswered after MS counts as a timeout (default 1000)\n"
        "      --drain-ms MS          after the duration, wait up to MS for outstanding replies (default 200)\n"
        "  -l, --local ADDR           local address to bind, port chosen by the kernel (default 127.0.0.1 / ::1)\n"
        "  -u, --users N              register, lookup: distinct users u00000000..N-1 (default 10000)\n"
        "      --path                 register: add Path: <sip:LOCAL:15999;lr> and Supported: path\n"
        "      --cseq N               register: first CSeq (default: from the clock, rising run to run)\n"
        "      --cseq-file FILE       register: read the first CSeq from FILE, write the next one back\n"
        "      --domain HOST          register: AoR domain (default: target host)\n"
        "      --realm TEXT           register-auth: the realm the 401 names (default: the domain without port)\n"
        "      --password TEXT        register-auth: every user's password (default secret)\n"
        "      --second-local ADDR    flood: the second source's address (default 127.0.0.2)\n"
        "      --second-share F       flood: the second source sends F times the flooder's requests (default 0.01)\n"
        "  -r, --ruri HOST:PORT       forward, call: the responder the R-URI names (default LOCAL:RESPONDER);\n"
        "                             register: the Contact's host:port (default LOCAL, no port)\n"
        "      --hold N               call: the responder answers 180 only; N calls are started and held\n"
        "  -R, --responder PORT       also answer requests arriving on LOCAL:PORT with 200 (built-in UAS)\n"
        "  -m, --method NAME          request method for options/forward/lookup (default OPTIONS)\n"
        "                             lookup: METHOD sip:uNNNNNNNN@DOMAIN, users in turn: the registrar's lookup()\n"
        "                             routes it to the registered contact (register -r LOCAL:RESPONDER first)\n"
        "      --busy / --no-busy     busy-poll (default) or sleep in poll() when idle\n"
        "      --cpu-pids P1,P2       report the CPU%% these processes used while measuring\n"
        "      --label TEXT           copied into the JSON output\n");
}

static int tmpl_compile(tmpl *t, const char *src)
{
    t->storage = strdup(src);
    t->n = 0;
    char *p = t->storage, *start = p;
    for (;; p++) {
        if (*p == 0 || (*p >= 1 && *p <= 4)) {
            if (t->n == MAX_PARTS)
                return -1;
            int var = *p;
            t->parts[t->n].lit = start;
            t->parts[t->n].len = (size_t)(p - start);
            t->parts[t->n].var = var;
            t->n++;
            if (var == 0)
                return 0;
            start = p + 1;
        }
    }
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

static inline char *put_dec(char *o, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *o++ = tmp[--n];
    return o;
}

/* register-auth: the Authorization line V_AUTH renders (set just before rendering the authorized REGISTER) */
static const char *s_auth;
static size_t s_auth_len;

static inline size_t tmpl_render(const tmpl *t, char *out, uint64_t seq, uint64_t user, uint64_t cseq)
{
    char *o = out;
    for (int i = 0; i < t->n; i++) {
        memcpy(o, t->parts[i].lit, t->parts[i].len);
        o += t->parts[i].len;
        switch (t->parts[i].var) {
        case V_SEQ: o = put_hex(o, seq); break;
        case V_USER: o = put_dec(o, user, 8); break;
        case V_CSEQ: o = put_dec(o, cseq, 1); break;
        case V_AUTH: memcpy(o, s_auth, s_auth_len); o += s_auth_len; break;
        default: break;
        }
    }
    return (size_t)(o - out);
}

/* sequence number from the first BRANCH_PREFIX in the datagram, 0 when absent; *leg is the
 * letter after the prefix (g: INVITE or any other scenario's request, a: ACK, b: BYE) */
static inline uint64_t find_seq_leg(const char *buf, size_t len, char *leg)
{
    const char *p = memmem(buf, len, BRANCH_PREFIX, sizeof BRANCH_PREFIX - 1);
    if (p == NULL || p + sizeof BRANCH_PREFIX >= buf + len)
        return 0;
    p += sizeof BRANCH_PREFIX - 1;
    *leg = *p++;
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

static inline uint64_t find_seq(const char *buf, size_t len)
{
    char leg = 0;
    uint64_t v = find_seq_leg(buf, len, &leg);
    return leg == 'g' ? v : 0;
}

static void host_for_uri(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    char a[INET6_ADDRSTRLEN];
    if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof a);
        snprintf(out, cap, "[%s]", a);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof a);
        snprintf(out, cap, "%s", a);
    }
}

static int ss_port(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
                                           : ((const struct sockaddr_in *)ss)->sin_port);
}

static long long cseq_initial(const options *o)
{
    if (o->cseq > 0)
        return o->cseq;
    if (o->cseq_file != NULL) {
        FILE *f = fopen(o->cseq_file, "r");
        long long v = 0;
        if (f != NULL) {
            if (fscanf(f, "%lld", &v) != 1)
                v = 0;
            fclose(f);
        }
        if (v > 0)
            return v;
    }
    /* 16 per second since 2025-01-01: rises run to run, stays below 2^31 until 2029 */
    long long s = (long long)time(NULL) - 1735689600LL;
    return s > 0 ? s * 16 % 2000000000LL + 1 : 1;
}


typedef struct {
    uint64_t received, by_class[7], timeouts, unanswered, unmatched, late, via_responder;
    uint64_t send_errors, resp_in, resp_out, resp_acks, held, write_errors, resp_retrans;
    uint64_t challenges;                                                /* register-auth: 401s answered */
    uint64_t second_sent, second_answered, second_ok, second_timeouts; /* flood: the second source */
} counters;

/* authorized: register-auth's second REGISTER (branch leg b, the Authorization line before User-Agent) */
static int build_template(const options *o, tmpl *t, const char *lhost, int lport, const char *thost, int tport,
                          int authorized)
{
    char buf[2048];
    const char *via = authorized ? "Via: SIP/2.0/UDP %s:%d;branch=" BRANCH_PREFIX "b\001;rport\r\nMax-Forwards: 70\r\n"
                                 : "Via: SIP/2.0/UDP %s:%d;branch=" BRANCH_MAGIC "\001;rport\r\nMax-Forwards: 70\r\n";
    char vbuf[256];
    snprintf(vbuf, sizeof vbuf, via, lhost, lport);
    if (strcmp(o->scenario, "options") == 0 || strcmp(o->scenario, "flood") == 0) {
        snprintf(buf, sizeof buf,
                 "%s sip:%s:%d SIP/2.0\r\n%sFrom: <sip:udpgen@%s>;tag=ugen1\r\nTo: <sip:%s:%d>\r\n"
                 "Call-ID: ug\001@udpgen\r\nCSeq: 1 %s\r\nUser-Agent: udpgen\r\nContent-Length: 0\r\n\r\n",
                 o->method, thost, tport, vbuf, lhost, thost, tport, o->method);
    } else if (strcmp(o->scenario, "forward") == 0) {
        snprintf(buf, sizeof buf,
                 "%s sip:responder@%s SIP/2.0\r\n%sFrom: <sip:udpgen@%s>;tag=ugen1\r\nTo: <sip:responder@%s>\r\n"
                 "Call-ID: ug\001@udpgen\r\nCSeq: 1 %s\r\nUser-Agent: udpgen\r\nContent-Length: 0\r\n\r\n",
                 o->method, o->ruri, vbuf, lhost, o->ruri, o->method);
    } else if (strcmp(o->scenario, "lookup") == 0) {
        const char *dom = o->domain != NULL ? o->domain : thost;
        snprintf(buf, sizeof buf,
                 "%s sip:u\002@%s SIP/2.0\r\n%sFrom: <sip:udpgen@%s>;tag=ugen1\r\nTo: <sip:u\002@%s>\r\n"
                 "Call-ID: ug\001@udpgen\r\nCSeq: 1 %s\r\nUser-Agent: udpgen\r\nContent-Length: 0\r\n\r\n",
                 o->method, dom, vbuf, lhost, dom, o->method);
    } else if (strcmp(o->scenario, "call") == 0) {
        const char *ip = strchr(lhost, ':') != NULL ? "IP6" : "IP4";
        char sdp[256], bare[80];
        snprintf(bare, sizeof bare, "%s", lhost[0] == '[' ? lhost + 1 : lhost);
        char *rb = strchr(bare, ']');
        if (rb != NULL)
            *rb = 0;
        int sl = snprintf(sdp, sizeof sdp,
                          "v=0\r\no=udpgen 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n", ip,
                          bare, ip, bare);
        /* the Call-ID names the caller's port too: a stateful proxy still holding the calls of an
         * earlier run (wait timer) must not take this run's INVITEs for their retransmissions */
        snprintf(buf, sizeof buf,
                 "INVITE sip:callee@%s SIP/2.0\r\n%sFrom: <sip:udpgen@%s>;tag=ugen1\r\nTo: <sip:callee@%s>\r\n"
                 "Call-ID: ug\001-%d@udpgen\r\nCSeq: 1 INVITE\r\nContact: <sip:udpgen@%s:%d>\r\nUser-Agent: udpgen\r\n"
                 "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
                 o->ruri, vbuf, lhost, o->ruri, lport, lhost, lport, sl, sdp);
    } else if (strcmp(o->scenario, "register") == 0 || strcmp(o->scenario, "register-auth") == 0) {
        char path[160] = "";
        if (o->path)
            snprintf(path, sizeof path, "Path: <sip:%s:15999;lr>\r\nSupported: path\r\n", lhost);
        const char *dom = o->domain != NULL ? o->domain : thost;
        snprintf(buf, sizeof buf,
                 "REGISTER sip:%s SIP/2.0\r\n%sFrom: <sip:u\002@%s>;tag=ugr\002\r\nTo: <sip:u\002@%s>\r\n"
                 "Call-ID: ugreg-\002@udpgen\r\nCSeq: \003 REGISTER\r\nContact: <sip:u\002@%s>\r\n"
                 "Expires: 3600\r\n%s%sUser-Agent: udpgen\r\nContent-Length: 0\r\n\r\n",
                 dom, vbuf, dom, dom, o->ruri != NULL ? o->ruri : lhost, path, authorized ? "\004" : "");
    } else {
        fprintf(stderr, "udpgen: unknown scenario %s\n", o->scenario);
        return -1;
    }
    return tmpl_compile(t, buf);
}

static unsigned long long s_cpu_busy0[MAX_CPUS], s_cpu_total0[MAX_CPUS], s_cpu_busy1[MAX_CPUS],
    s_cpu_total1[MAX_CPUS];
static int s_ncpu0, s_ncpu1;

static long long s_rss0, s_pss0, s_rss1, s_pss1;

static void print_json(const options *o, const counters *c, uint64_t sent, double secs, double gen_cpu,
                       double gen_busy, double srv_cpu, long long cseq_first)
{
    const double us = 1000.0;
    printf("{\"label\":\"%s\",\"scenario\":\"%s\",\"target\":\"%s\",\"window\":%d,\"rate_target\":%.0f,"
           "\"batch\":%d,\"duration_s\":%.3f,\"warmup_s\":%.3f,\"sent\":%llu,\"received\":%llu,\"rate\":%.0f,"
           "\"ok\":%llu,\"by_class\":{\"echo\":%llu,\"1xx\":%llu,\"2xx\":%llu,\"3xx\":%llu,\"4xx\":%llu,"
           "\"5xx\":%llu,\"6xx\":%llu},\"timeouts\":%llu,\"unanswered_at_end\":%llu,\"unmatched\":%llu,"
           "\"late\":%llu,\"via_responder\":%llu,\"responder_in\":%llu,\"responder_out\":%llu,"
           "\"send_errors\":%llu,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
           "\"max_us\":%.1f,\"mean_us\":%.1f,\"gen_cpu_pct\":%.1f,",
           o->label, o->scenario, o->target, o->window, o->rate, o->batch, secs, o->warmup,
           (unsigned long long)sent, (unsigned long long)c->received, secs > 0 ? (double)c->received / secs : 0.0,
           (unsigned long long)(c->by_class[0] + c->by_class[2]), (unsigned long long)c->by_class[0],
           (unsigned long long)c->by_class[1], (unsigned long long)c->by_class[2],
           (unsigned long long)c->by_class[3], (unsigned long long)c->by_class[4],
           (unsigned long long)c->by_class[5], (unsigned long long)c->by_class[6],
           (unsigned long long)c->timeouts, (unsigned long long)c->unanswered, (unsigned long long)c->unmatched,
           (unsigned long long)c->late, (unsigned long long)c->via_responder, (unsigned long long)c->resp_in,
           (unsigned long long)c->resp_out, (unsigned long long)c->send_errors,
           (double)hist_quantile(&s_hist, 0.50) / us, (double)hist_quantile(&s_hist, 0.90) / us,
           (double)hist_quantile(&s_hist, 0.99) / us, (double)hist_quantile(&s_hist, 0.999) / us,
           (double)s_hist.max / us, s_hist.total ? s_hist.sum / (double)s_hist.total / us : 0.0, gen_cpu);
    /* busy-polling keeps gen_cpu near 100%; gen_busy_pct is the share of time the loop had work */
    printf("\"gen_busy_pct\":%.1f,", gen_busy);
    if (srv_cpu >= 0)
        printf("\"server_cpu_pct\":%.1f,", srv_cpu);
    else
        printf("\"server_cpu_pct\":null,");
    /* how busy each CPU was while measuring, whoever used it: more than server + generator
     * means other processes shared the machine */
    printf("\"cpu_busy_pct\":[");
    int ncpu = s_ncpu0 < s_ncpu1 ? s_ncpu0 : s_ncpu1;
    for (int i = 0; i < ncpu; i++) {
        unsigned long long dt = s_cpu_total1[i] - s_cpu_total0[i], db = s_cpu_busy1[i] - s_cpu_busy0[i];
        printf("%s%.1f", i ? "," : "", dt ? 100.0 * (double)db / (double)dt : 0.0);
    }
    printf("],\"held\":%llu,\"hold_target\":%ld,\"responder_acks\":%llu,\"write_errors\":%llu,"
           "\"server_rss_kb_start\":%lld,\"server_rss_kb_end\":%lld,\"server_pss_kb_start\":%lld,"
           "\"server_pss_kb_end\":%lld,\"cseq_first\":%lld,\"challenges\":%llu,\"second_sent\":%llu,"
           "\"second_answered\":%llu,\"second_ok\":%llu,\"second_timeouts\":%llu,\"second_answer_pct\":%.2f,"
           "\"responder_retrans\":%llu}\n",
           (unsigned long long)c->held, o->hold, (unsigned long long)c->resp_acks,
           (unsigned long long)c->write_errors, s_rss0, s_rss1, s_pss0, s_pss1, cseq_first,
           (unsigned long long)c->challenges, (unsigned long long)c->second_sent,
           (unsigned long long)c->second_answered, (unsigned long long)c->second_ok,
           (unsigned long long)c->second_timeouts,
           c->second_sent ? 100.0 * (double)c->second_answered / (double)c->second_sent : 0.0,
           (unsigned long long)c->resp_retrans);
    fflush(stdout);
}

static struct mmsghdr s_smsg[MAX_BATCH], s_rmsg[MAX_BATCH], s_qmsg[MAX_BATCH], s_amsg[2 * MAX_BATCH],
    s_cmsg[2 * MAX_BATCH];
static struct iovec s_siov[MAX_BATCH], s_riov[MAX_BATCH], s_qiov[MAX_BATCH], s_aiov[2 * MAX_BATCH],
    s_ciov[2 * MAX_BATCH];
static char s_sbuf[MAX_BATCH][BUF_SIZE], s_rbuf[MAX_BATCH][BUF_SIZE], s_qbuf[MAX_BATCH][BUF_SIZE],
    s_abuf[2 * MAX_BATCH][BUF_SIZE], s_cbuf[2 * MAX_BATCH][BUF_SIZE];
static struct sockaddr_storage s_qname[MAX_BATCH];

/* call scenario: the callee's Contact line, the caller's Via up to the branch letter, the R-URI */
static char s_contact[160], s_callvia[160], s_callruri[160];
static int s_hold;

static int send_all(int fd, struct mmsghdr *msgs, int n)
{
    int off = 0;
    while (off < n) {
        int s = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);
        if (s <= 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += s;
    }
    return off;
}

/* call scenario's callee: INVITE -> 180 (+ 200 unless holding), ACK -> counted, anything else -> 200 */
static int respond_call(int rfd, int batch, counters *c)
{
    for (int i = 0; i < batch; i++)
        s_qmsg[i].msg_hdr.msg_namelen = sizeof s_qname[i];
    int n = recvmmsg(rfd, s_qmsg, (unsigned)batch, MSG_DONTWAIT, NULL);
    if (n <= 0)
        return 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        const char *q = s_qbuf[i];
        size_t ql = s_qmsg[i].msg_len;
        if (ql >= 4 && memcmp(q, "ACK ", 4) == 0) {
            c->resp_acks++;
            continue;
        }
        int invite = ql >= 7 && memcmp(q, "INVITE ", 7) == 0;
        char leg = 0;
        uint64_t seq = find_seq_leg(q, ql, &leg);
        if (seq != 0 && (leg == 'g' || leg == 'b')) {
            /* the proxy's Timer A/E copies: the same leg of a call still going on, seen again */
            slot *s = &s_slots[seq & (SLOTS - 1)];
            int bit = leg == 'g' ? 1 : 2;
            if (s->seq == seq) {
                if (s->seen & bit)
                    c->resp_retrans++;
                s->seen |= bit;
            }
        }
        for (int k = 0; k < (invite && !s_hold ? 2 : 1); k++) {
            const char *status = invite ? (k == 0 ? "180 Ringing" : "200 OK") : "200 OK";
            int len = sipreply_build(q, ql, s_abuf[m], BUF_SIZE, status, invite, s_contact);
            if (len <= 0) {
                if (len < 0)
                    c->write_errors++;
                break;
            }
            s_aiov[m].iov_len = (size_t)len;
            s_amsg[m].msg_hdr.msg_name = &s_qname[i];
            s_amsg[m].msg_hdr.msg_namelen = s_qmsg[i].msg_hdr.msg_namelen;
            m++;
        }
    }
    c->resp_in += (uint64_t)n;
    c->resp_out += (uint64_t)send_all(rfd, s_amsg, m);
    return n;
}

/* one header line of a SIP message: [start, end) without the CRLF; name length */
typedef struct {
    const char *start;
    size_t len, name, value; /* value: offset just after the colon */
} hline;

static int hname_is(const hline *h, const char *lng, char cmp)
{
    return (h->name == strlen(lng) && strncasecmp(h->start, lng, h->name) == 0) ||
           (cmp && h->name == 1 && (h->start[0] | 0x20) == cmp);
}

/* The caller's request after a final answer to its INVITE: ACK/BYE in the dialog of a 2xx
 * (R-URI = Contact, Route = Record-Route reversed, RFC 3261 12.1.2 / 12.2.1.1; leg 'a' or 'b'),
 * or the ACK of a negative final (R-URI and branch of the INVITE, 17.1.1.3; leg 'g').
 * Returns the length, 0 when the answer lacks what it needs or the request does not fit. */
static int call_request(const char *rsp, size_t len, char *out, size_t cap, uint64_t seq, char leg)
{
    hline from = {0}, to = {0}, cid = {0}, rr[MAX_ROUTES];
    int nrr = 0;
    const char *uri = NULL;
    size_t urilen = 0;
    const char *end = rsp + len, *line = memchr(rsp, '\n', len);
    if (line == NULL)
        return 0;
    line++;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL)
            eol = end;
        size_t ll = (size_t)(eol - line);
        if (ll > 0 && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            break;
        const char *colon = memchr(line, ':', ll);
        if (colon != NULL) {
            hline h = {line, ll, (size_t)(colon - line), (size_t)(colon - line) + 1};
            while (h.name > 0 && (line[h.name - 1] == ' ' || line[h.name - 1] == '\t'))
                h.name--;
            if (hname_is(&h, "from", 'f'))
                from = h;
            else if (hname_is(&h, "to", 't'))
                to = h;
            else if (hname_is(&h, "call-id", 'i'))
                cid = h;
            else if (hname_is(&h, "record-route", 0)) {
                if (nrr == MAX_ROUTES)
                    return 0;
                rr[nrr++] = h;
            } else if (hname_is(&h, "contact", 'm') && uri == NULL) {
                const char *v = colon + 1, *ve = line + ll;
                const char *lt = memchr(v, '<', (size_t)(ve - v));
                if (lt != NULL) {
                    const char *gt = memchr(lt, '>', (size_t)(ve - lt));
                    if (gt == NULL)
                        return 0;
                    uri = lt + 1;
                    urilen = (size_t)(gt - uri);
                } else {
                    while (v < ve && (*v == ' ' || *v == '\t'))
                        v++;
                    const char *semi = memchr(v, ';', (size_t)(ve - v));
                    uri = v;
                    urilen = (size_t)((semi != NULL ? semi : ve) - v);
                }
            }
        }
        line = eol + 1;
    }
    if (from.start == NULL || to.start == NULL || cid.start == NULL)
        return 0;
    char ruri[200];
    if (leg == 'g') {
        snprintf(ruri, sizeof ruri, "%s", s_callruri);
        nrr = 0; /* the ACK of a negative answer takes the INVITE's route: none here */
    } else {
        if (uri == NULL || urilen >= sizeof ruri)
            return 0;
        memcpy(ruri, uri, urilen);
        ruri[urilen] = 0;
    }
    int n = snprintf(out, cap, "%s %s SIP/2.0\r\n%s%c", leg == 'b' ? "BYE" : "ACK", ruri, s_callvia, leg);
    if (n <= 0 || (size_t)n >= cap)
        return 0;
    char *o = put_hex(out + n, seq);
    size_t used = (size_t)(o - out);
    size_t need = 64 + from.len + to.len + cid.len;
    for (int i = 0; i < nrr; i++)
        need += rr[i].len;
    if (used + need > cap)
        return 0;
    memcpy(o, ";rport\r\n", 8);
    o += 8;
    for (int i = nrr - 1; i >= 0; i--) {
        size_t vlen = rr[i].len - rr[i].value;
        memcpy(o, "Route:", 6);
        o += 6;
        memcpy(o, rr[i].start + rr[i].value, vlen);
        o += vlen;
        *o++ = '\r';
        *o++ = '\n';
    }
    const hline *copy[3] = {&from, &to, &cid};
    for (int i = 0; i < 3; i++) {
        memcpy(o, copy[i]->start, copy[i]->len);
        o += copy[i]->len;
        *o++ = '\r';
        *o++ = '\n';
    }
    const char *tail = leg == 'b' ? "CSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                                  : "CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    size_t tl = strlen(tail);
    memcpy(o, tail, tl);
    o += tl;
    return (int)(o - out);
}

/* register-auth: each user's HA1 (32 hex, MD5 of "u%08d:REALM:PASSWORD"), computed once at start; HA2 of
 * "REGISTER:sip:DOMAIN"; the realm and the digest uri */
static char *s_ha1;
static char s_ha2[32], s_realm[128], s_duri[160];
static size_t s_realm_len, s_duri_len;

/* value of NAME="..." in the first WWW-Authenticate of a 401 (no quotes); its length, 0 when absent */
static size_t auth_param(const char *rsp, size_t len, const char *name, size_t nlen, const char **value)
{
    const char *end = rsp + len, *p = rsp;
    while ((p = memmem(p, (size_t)(end - p), name, nlen)) != NULL) {
        if (p > rsp && (p[-1] == ' ' || p[-1] == ',' || p[-1] == '\t') && p + nlen < end && p[nlen] == '"') {
            const char *v = p + nlen + 1;
            const char *q = memchr(v, '"', (size_t)(end - v));
            if (q == NULL)
                return 0;
            *value = v;
            return (size_t)(q - v);
        }
        p += nlen;
    }
    return 0;
}

static inline char *put_mem(char *o, const void *src, size_t n)
{
    memcpy(o, src, n);
    return o + n;
}

/* register-auth: the authorized REGISTER answering a 401 (MD5, qop=auth, nc=00000001, cnonce = the sequence
 * number in hex), rendered from the second template into out. Its length; 0 when the 401 has no usable nonce or
 * names another realm. No allocation: the HA1 is the user's precomputed one, the rest is on the stack. */
static int auth_register(const tmpl *t2, const char *rsp, size_t len, char *out, uint64_t seq, uint32_t user,
                         uint64_t cseq)
{
    const char *nonce, *realm;
    size_t nl = auth_param(rsp, len, "nonce=", 6, &nonce);
    size_t rl = auth_param(rsp, len, "realm=", 6, &realm);
    if (nl == 0 || nl > 200 || rl != s_realm_len || memcmp(realm, s_realm, rl) != 0)
        return 0;
    char cnonce[16];
    size_t cl = (size_t)(put_hex(cnonce, seq) - cnonce);
    char kd[512], response[32];
    char *k = kd;
    k = put_mem(k, s_ha1 + (size_t)user * 32, 32);
    *k++ = ':';
    k = put_mem(k, nonce, nl);
    k = put_mem(k, ":00000001:", 10);
    k = put_mem(k, cnonce, cl);
    k = put_mem(k, ":auth:", 6);
    k = put_mem(k, s_ha2, 32);
    md5_hex(kd, (size_t)(k - kd), response);
    char line[768];
    char *o = line;
    o = put_mem(o, "Authorization: Digest username=\"u", 33);
    o = put_dec(o, user, 8);
    o = put_mem(o, "\", realm=\"", 10);
    o = put_mem(o, s_realm, s_realm_len);
    o = put_mem(o, "\", nonce=\"", 10);
    o = put_mem(o, nonce, nl);
    o = put_mem(o, "\", uri=\"", 8);
    o = put_mem(o, s_duri, s_duri_len);
    o = put_mem(o, "\", response=\"", 13);
    o = put_mem(o, response, 32);
    o = put_mem(o, "\", algorithm=MD5, cnonce=\"", 26);
    o = put_mem(o, cnonce, cl);
    o = put_mem(o, "\", qop=auth, nc=00000001\r\n", 26);
    s_auth = line;
    s_auth_len = (size_t)(o - line);
    return (int)tmpl_render(t2, out, seq, user, cseq);
}

/* built-in UAS: answer what arrived on the responder socket, return how many came in */
static int respond(int rfd, int batch, counters *c)
{
    for (int i = 0; i < batch; i++)
        s_qmsg[i].msg_hdr.msg_namelen = sizeof s_qname[i];
    int n = recvmmsg(rfd, s_qmsg, (unsigned)batch, MSG_DONTWAIT, NULL);
    if (n <= 0)
        return 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        int len = sipreply_build_200(s_qbuf[i], s_qmsg[i].msg_len, s_abuf[m], BUF_SIZE);
        if (len <= 0)
            continue;
        s_aiov[m].iov_len = (size_t)len;
        s_amsg[m].msg_hdr.msg_name = &s_qname[i];
        s_amsg[m].msg_hdr.msg_namelen = s_qmsg[i].msg_hdr.msg_namelen;
        m++;
    }
    int off = 0;
    while (off < m) {
        int s = sendmmsg(rfd, s_amsg + off, (unsigned)(m - off), 0);
        if (s <= 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += s;
    }
    c->resp_in += (uint64_t)n;
    c->resp_out += (uint64_t)off;
    return n;
}

int main(int argc, char **argv)
{
    options o = {.scenario = "options", .method = "OPTIONS", .label = "", .cpu = -1, .window = 256,
                 .batch = 64, .users = 10000, .busy = 1, .duration = 5, .warmup = 1, .timeout_ms = 1000,
                 .drain_ms = 200, .password = "secret", .second_share = 0.01};
    static const struct option longopts[] = {
        {"target", required_argument, 0, 't'},   {"scenario", required_argument, 0, 's'},
        {"cpu", required_argument, 0, 'c'},      {"window", required_argument, 0, 'w'},
        {"rate", required_argument, 0, 1000},    {"duration", required_argument, 0, 'd'},
        {"warmup", required_argument, 0, 'W'},   {"batch", required_argument, 0, 'b'},
        {"timeout-ms", required_argument, 0, 'T'}, {"drain-ms", required_argument, 0, 1001},
        {"local", required_argument, 0, 'l'},    {"users", required_argument, 0, 'u'},
        {"path", no_argument, 0, 1002},          {"cseq", required_argument, 0, 1003},
        {"cseq-file", required_argument, 0, 1004}, {"domain", required_argument, 0, 1005},
        {"ruri", required_argument, 0, 'r'},     {"responder", required_argument, 0, 'R'},
        {"method", required_argument, 0, 'm'},   {"busy", no_argument, 0, 1006},
        {"no-busy", no_argument, 0, 1007},       {"cpu-pids", required_argument, 0, 1008},
        {"label", required_argument, 0, 1009},   {"hold", required_argument, 0, 1010},
        {"realm", required_argument, 0, 1011},   {"password", required_argument, 0, 1012},
        {"second-local", required_argument, 0, 1013}, {"second-share", required_argument, 0, 1014},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "t:s:c:w:d:W:b:T:l:u:r:R:m:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 't': o.target = optarg; break;
        case 's': o.scenario = optarg; break;
        case 'c': o.cpu = atoi(optarg); break;
        case 'w': o.window = atoi(optarg); break;
        case 1000: o.rate = atof(optarg); break;
        case 'd': o.duration = atof(optarg); break;
        case 'W': o.warmup = atof(optarg); break;
        case 'b': o.batch = atoi(optarg); break;
        case 'T': o.timeout_ms = atof(optarg); break;
        case 1001: o.drain_ms = atof(optarg); break;
        case 'l': o.local = optarg; break;
        case 'u': o.users = atoi(optarg); break;
        case 1002: o.path = 1; break;
        case 1003: o.cseq = atoll(optarg); break;
        case 1004: o.cseq_file = optarg; break;
        case 1005: o.domain = optarg; break;
        case 'r': o.ruri = optarg; break;
        case 'R': o.responder_port = atoi(optarg); break;
        case 'm': o.method = optarg; break;
        case 1006: o.busy = 1; break;
        case 1007: o.busy = 0; break;
        case 1008: o.cpu_pids = optarg; break;
        case 1009: o.label = optarg; break;
        case 1010: o.hold = atol(optarg); break;
        case 1011: o.realm = optarg; break;
        case 1012: o.password = optarg; break;
        case 1013: o.second_local = optarg; break;
        case 1014: o.second_share = atof(optarg); break;
        default: usage(); return opt == 'h' ? 0 : 2;
        }
    }
    if (o.target == NULL || o.window < 1 || o.window >= (int)SLOTS / 2 || o.batch < 1 || o.batch > MAX_BATCH ||
        o.users < 1 || o.duration <= 0 || o.duration > 3600 || o.warmup < 0 || o.warmup > 600 ||
        o.timeout_ms <= 0 || o.rate < 0 || o.hold < 0 || (o.hold > 0 && strcmp(o.scenario, "call") != 0) ||
        o.second_share <= 0 || o.second_share > 1) {
        usage();
        return 2;
    }
    char tcopy[128], *thost_raw;
    int tport;
    snprintf(tcopy, sizeof tcopy, "%s", o.target);
    struct sockaddr_storage tss, lss, rss;
    socklen_t tlen, llen, rlen;
    if (split_hostport(tcopy, &thost_raw, &tport) != 0 || parse_addr(thost_raw, tport, &tss, &tlen) != 0) {
        fprintf(stderr, "udpgen: bad target %s (HOST:PORT, IPv6 as [ADDR]:PORT, numeric only)\n", o.target);
        return 2;
    }
    if (o.local == NULL)
        o.local = tss.ss_family == AF_INET6 ? "::1" : "127.0.0.1";
    if (parse_addr(o.local, 0, &lss, &llen) != 0 || lss.ss_family != tss.ss_family) {
        fprintf(stderr, "udpgen: bad local address %s (numeric, same family as the target)\n", o.local);
        return 2;
    }
    if (pin_cpu(o.cpu) != 0)
        return 1;
    int fd = udp_bind(&lss, llen, 8 << 20);
    if (fd < 0) {
        fprintf(stderr, "udpgen: bind %s: %s\n", o.local, strerror(errno));
        return 1;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &blen);
    char lhost[80], thost[80], ruri[128];
    host_for_uri(&bound, lhost, sizeof lhost);
    host_for_uri(&tss, thost, sizeof thost);
    int lport = ss_port(&bound);
    int rfd = -1;
    if (o.responder_port > 0) {
        if (parse_addr(o.local, o.responder_port, &rss, &rlen) != 0 || (rfd = udp_bind(&rss, rlen, 8 << 20)) < 0) {
            fprintf(stderr, "udpgen: responder bind %s port %d: %s\n", o.local, o.responder_port, strerror(errno));
            return 1;
        }
    }
    if (o.ruri == NULL) {
        if (rfd >= 0) {
            snprintf(ruri, sizeof ruri, "%s:%d", lhost, o.responder_port);
            o.ruri = ruri;
        } else if (strcmp(o.scenario, "forward") == 0 || strcmp(o.scenario, "call") == 0) {
            fprintf(stderr, "udpgen: %s needs --ruri HOST:PORT or --responder PORT\n", o.scenario);
            return 2;
        }
    }
    tmpl t, t2;
    if (build_template(&o, &t, lhost, lport, thost, tport, 0) != 0)
        return 2;
    const int is_rauth = strcmp(o.scenario, "register-auth") == 0, is_flood = strcmp(o.scenario, "flood") == 0;
    if (is_rauth) {
        if (build_template(&o, &t2, lhost, lport, thost, tport, 1) != 0)
            return 2;
        md5_init();
        const char *dom = o.domain != NULL ? o.domain : thost;
        if (o.realm != NULL) {
            snprintf(s_realm, sizeof s_realm, "%s", o.realm);
        } else {
            snprintf(s_realm, sizeof s_realm, "%s", dom);
            char *colon = strrchr(s_realm, ':'), *bracket = strrchr(s_realm, ']');
            if (colon != NULL && (bracket == NULL || colon > bracket) && strchr(s_realm, ':') == colon)
                *colon = 0; /* host:port -> host (an IPv6 reference keeps its colons) */
        }
        s_realm_len = strlen(s_realm);
        s_duri_len = (size_t)snprintf(s_duri, sizeof s_duri, "sip:%s", dom);
        char a2[200];
        int n2 = snprintf(a2, sizeof a2, "REGISTER:%s", s_duri);
        md5_hex(a2, (size_t)n2, s_ha2);
        s_ha1 = malloc((size_t)o.users * 32);
        if (s_ha1 == NULL)
            return 1;
        for (int u = 0; u < o.users; u++) {
            char a1[400];
            int n1 = snprintf(a1, sizeof a1, "u%08d:%s:%s", u, s_realm, o.password);
            md5_hex(a1, (size_t)n1, s_ha1 + (size_t)u * 32);
        }
    }
    int fd2 = -1;
    if (is_flood) {
        struct sockaddr_storage ss2, b2;
        socklen_t l2, bl2 = sizeof b2;
        const char *second = o.second_local != NULL ? o.second_local : tss.ss_family == AF_INET6 ? NULL : "127.0.0.2";
        if (second == NULL || parse_addr(second, 0, &ss2, &l2) != 0 || ss2.ss_family != tss.ss_family ||
            (fd2 = udp_bind(&ss2, l2, 8 << 20)) < 0) {
            fprintf(stderr, "udpgen: flood needs a second source address (--second-local, same family): %s\n",
                    second != NULL ? strerror(errno) : "none for IPv6");
            return 2;
        }
        getsockname(fd2, (struct sockaddr *)&b2, &bl2);
        char lhost2[80];
        host_for_uri(&b2, lhost2, sizeof lhost2);
        if (build_template(&o, &t2, lhost2, ss_port(&b2), thost, tport, 0) != 0)
            return 2;
    }
    snprintf(s_contact, sizeof s_contact, "Contact: <sip:callee@%s:%d>\r\n", lhost, o.responder_port);
    snprintf(s_callvia, sizeof s_callvia, "Via: SIP/2.0/UDP %s:%d;branch=" BRANCH_PREFIX, lhost, lport);
    snprintf(s_callruri, sizeof s_callruri, "sip:callee@%s", o.ruri != NULL ? o.ruri : "");
    s_hold = o.hold > 0;
    long long cseq_first = cseq_initial(&o);
    int pids[64];
    int npids = parse_pids(o.cpu_pids, pids, 64);

    for (int i = 0; i < o.batch; i++) {
        s_siov[i].iov_base = s_sbuf[i];
        s_smsg[i].msg_hdr.msg_iov = &s_siov[i];
        s_smsg[i].msg_hdr.msg_iovlen = 1;
        s_smsg[i].msg_hdr.msg_name = &tss;
        s_smsg[i].msg_hdr.msg_namelen = tlen;
        s_riov[i].iov_base = s_rbuf[i];
        s_riov[i].iov_len = BUF_SIZE;
        s_rmsg[i].msg_hdr.msg_iov = &s_riov[i];
        s_rmsg[i].msg_hdr.msg_iovlen = 1;
        s_qiov[i].iov_base = s_qbuf[i];
        s_qiov[i].iov_len = BUF_SIZE;
        s_qmsg[i].msg_hdr.msg_iov = &s_qiov[i];
        s_qmsg[i].msg_hdr.msg_iovlen = 1;
        s_qmsg[i].msg_hdr.msg_name = &s_qname[i];
    }
    for (int i = 0; i < 2 * MAX_BATCH; i++) {
        s_aiov[i].iov_base = s_abuf[i];
        s_amsg[i].msg_hdr.msg_iov = &s_aiov[i];
        s_amsg[i].msg_hdr.msg_iovlen = 1;
        s_ciov[i].iov_base = s_cbuf[i];
        s_cmsg[i].msg_hdr.msg_iov = &s_ciov[i];
        s_cmsg[i].msg_hdr.msg_iovlen = 1;
        s_cmsg[i].msg_hdr.msg_name = &tss;
        s_cmsg[i].msg_hdr.msg_namelen = tlen;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    fprintf(stderr, "udpgen: %s -> %s from %s:%d%s%s, %s, batch %d, cpu %d, %.1fs warm-up + %.1fs\n", o.scenario,
            o.target, lhost, lport, o.ruri ? " r-uri " : "", o.ruri ? o.ruri : "",
            o.rate > 0 ? "open loop" : "closed loop", o.batch, o.cpu, o.warmup, o.duration);
    if (o.rate > 0)
        fprintf(stderr, "udpgen: rate %.0f/s\n", o.rate);
    else
        fprintf(stderr, "udpgen: window %d\n", o.window);

    counters c;
    memset(&c, 0, sizeof c);
    const uint64_t t0 = now_ns();
    const uint64_t t_measure = t0 + (uint64_t)(o.warmup * 1e9);
    const uint64_t t_end = t_measure + (uint64_t)(o.duration * 1e9);
    const uint64_t timeout_ns = (uint64_t)(o.timeout_ms * 1e6);
    uint64_t t_drain_end = 0, t_measured_end = 0, next_seq = 1, tail = 1, outstanding = 0;
    uint64_t measured_from = UINT64_MAX, measured_to = 0, reg_k = 0, total_recv = 0;
    uint64_t next_report = t0 + 1000000000ull, last_seq_report = 1, last_recv_report = 0;
    long long srv_t0 = 0, srv_t1 = 0, gen_t0 = 0, gen_t1 = 0;
    int phase = 0; /* 0 warm-up, 1 measuring, 2 draining */
    uint64_t idle_ns = 0, last_now = t0; /* time spent in loop turns that found nothing to do */
    int last_idle = 0;
    const int is_forward = strcmp(o.scenario, "forward") == 0, is_register = strcmp(o.scenario, "register") == 0,
              is_lookup = strcmp(o.scenario, "lookup") == 0;
    const int is_call = strcmp(o.scenario, "call") == 0;
    uint64_t flood_sent = 0, second_total = 0;
    s_rss0 = proc_kb(pids, npids, "status", "VmRSS");
    s_pss0 = proc_kb(pids, npids, "smaps_rollup", "Pss");
    struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN}, {.fd = rfd, .events = POLLIN}};

    while (!s_stop) {
        uint64_t now = now_ns();
        if (last_idle && phase == 1)
            idle_ns += now - last_now;
        last_now = now;
        if (phase == 0 && now >= t_measure) {
            phase = 1;
            measured_from = next_seq;
            memset(&c, 0, sizeof c);
            hist_reset(&s_hist);
            srv_t0 = pids_ticks(pids, npids);
            gen_t0 = proc_ticks(getpid());
            s_ncpu0 = read_cpu_stat(s_cpu_busy0, s_cpu_total0);
        }
        if (phase == 1 && (now >= t_end || (s_hold && next_seq > (uint64_t)o.hold && outstanding == 0))) {
            phase = 2;
            measured_to = next_seq;
            t_measured_end = now;
            srv_t1 = pids_ticks(pids, npids);
            gen_t1 = proc_ticks(getpid());
            s_ncpu1 = read_cpu_stat(s_cpu_busy1, s_cpu_total1);
            t_drain_end = now + (uint64_t)(o.drain_ms * 1e6);
        }
        if (phase == 2 && (outstanding == 0 || now >= t_drain_end))
            break;
        int did = 0;

        /* expire the oldest requests: timeouts, and keep the slot ring from wrapping */
        while (tail < next_seq) {
            slot *s = &s_slots[tail & (SLOTS - 1)];
            if (s->seq == tail) {
                if (now - s->sent_ns < timeout_ns && next_seq - tail < SLOTS - (uint64_t)MAX_BATCH)
                    break;
                s->seq = 0;
                outstanding--;
                if (tail >= measured_from) {
                    if (s->src2)
                        c.second_timeouts++;
                    else
                        c.timeouts++;
                }
            }
            tail++;
        }

        if (phase < 2) {
            uint64_t want;
            if (is_flood) {
                want = (uint64_t)o.batch; /* full rate: a batch every turn, answers or not */
            } else if (o.rate > 0) {
                uint64_t due = (uint64_t)((double)(now - t0) * o.rate / 1e9) + 1;
                want = due > next_seq - 1 ? due - (next_seq - 1) : 0;
            } else {
                want = (uint64_t)o.window > outstanding ? (uint64_t)o.window - outstanding : 0;
            }
            if (want > (uint64_t)o.batch)
                want = (uint64_t)o.batch;
            if (s_hold && next_seq + want > (uint64_t)o.hold + 1)
                want = (uint64_t)o.hold + 1 - next_seq;
            if (want > 0) {
                for (uint64_t i = 0; i < want; i++) {
                    uint64_t seq = next_seq + i, user = 0, cseq = 0;
                    if (is_lookup) {
                        user = seq % (uint64_t)o.users;
                    } else if (is_register || is_rauth) {
                        user = reg_k % (uint64_t)o.users;
                        /* register-auth: the challenged REGISTER takes CSeq N, the authorized one N + 1 */
                        cseq = (uint64_t)cseq_first + (is_rauth ? 2 : 1) * (reg_k / (uint64_t)o.users);
                        reg_k++;
                    }
                    s_siov[i].iov_len = tmpl_render(&t, s_sbuf[i], seq, user, cseq);
                    slot *s = &s_slots[seq & (SLOTS - 1)];
                    s->seq = seq;
                    s->sent_ns = now;
                    s->bye = 0;
                    s->user = (uint32_t)user;
                    s->cseq = (uint32_t)cseq;
                    s->src2 = 0;
                    s->seen = 0;
                }
                int off = 0;
                while (off < (int)want) {
                    int s = sendmmsg(fd, s_smsg + off, (unsigned)((int)want - off), 0);
                    if (s <= 0) {
                        if (errno == EINTR)
                            continue;
                        break;
                    }
                    off += s;
                }
                for (int i = off; i < (int)want; i++) {
                    s_slots[(next_seq + (uint64_t)i) & (SLOTS - 1)].seq = 0;
                    c.send_errors++;
                }
                next_seq += want;
                outstanding += (uint64_t)off;
                if (is_flood) {
                    /* the second source: its share of what the flooder sent so far, from its own address */
                    flood_sent += (uint64_t)off;
                    uint64_t due2 = (uint64_t)((double)flood_sent * o.second_share);
                    int k = 0;
                    uint64_t first2 = next_seq;
                    while (second_total < due2 && k < MAX_BATCH) {
                        uint64_t seq = next_seq++;
                        s_ciov[k].iov_len = tmpl_render(&t2, s_cbuf[k], seq, 0, 0);
                        slot *s = &s_slots[seq & (SLOTS - 1)];
                        s->seq = seq;
                        s->sent_ns = now;
                        s->bye = 0;
                        s->src2 = 1;
                        k++;
                        second_total++;
                    }
                    if (k > 0) {
                        int ok2 = send_all(fd2, s_cmsg, k);
                        for (int i = 0; i < k; i++) {
                            uint64_t seq = first2 + (uint64_t)i;
                            if (i >= ok2) {
                                s_slots[seq & (SLOTS - 1)].seq = 0;
                                c.send_errors++;
                            } else if (seq >= measured_from) {
                                c.second_sent++;
                            }
                        }
                        outstanding += (uint64_t)ok2;
                    }
                }
                /* keep tail honest when nothing went out at the end of the ring */
                did = 1;
            }
        }

        for (int i = 0; i < o.batch; i++)
            s_rmsg[i].msg_hdr.msg_namelen = 0;
        int n = recvmmsg(fd, s_rmsg, (unsigned)o.batch, MSG_DONTWAIT, NULL);
        if (n > 0) {
            uint64_t rnow = now_ns();
            did = 1;
            total_recv += (uint64_t)n;
            int nc = 0;
            for (int i = 0; i < n && is_call; i++) {
                const char *b = s_rbuf[i];
                size_t len = s_rmsg[i].msg_len;
                char leg = 0;
                uint64_t seq = find_seq_leg(b, len, &leg);
                int cls = len >= 12 && memcmp(b, "SIP/2.0 ", 8) == 0 ? b[8] - '0' : 0;
                if (seq == 0 || seq >= next_seq || (leg != 'g' && leg != 'b') || cls < 1 || cls > 6) {
                    c.unmatched++;
                    continue;
                }
                slot *s = &s_slots[seq & (SLOTS - 1)];
                if (s->seq != seq || (leg == 'b') != (s->bye != 0)) {
                    c.late++; /* a retransmission after its transaction ended here */
                    continue;
                }
                int measured = seq >= measured_from;
                if (cls == 1) {
                    if (measured && leg == 'g')
                        c.by_class[1]++;
                    if (s_hold && leg == 'g' && b[9] == '8' && b[10] == '0') {
                        s->seq = 0;
                        outstanding--;
                        if (measured) {
                            c.held++;
                            c.received++;
                            hist_record(&s_hist, rnow - s->sent_ns);
                        }
                    }
                    continue;
                }
                if (leg == 'g' && cls == 2) {
                    int a = call_request(b, len, s_cbuf[nc], BUF_SIZE, seq, 'a');
                    int y = a > 0 ? call_request(b, len, s_cbuf[nc + 1], BUF_SIZE, seq, 'b') : 0;
                    if (a > 0 && y > 0) {
                        s_ciov[nc++].iov_len = (size_t)a;
                        s_ciov[nc++].iov_len = (size_t)y;
                        s->bye = 1;
                        if (measured && memmem(b, len, SIPREPLY_TO_TAG, sizeof SIPREPLY_TO_TAG - 1) != NULL)
                            c.via_responder++;
                        continue;
                    }
                    c.write_errors++;
                } else if (leg == 'g') {
                    int a = call_request(b, len, s_cbuf[nc], BUF_SIZE, seq, 'g');
                    if (a > 0)
                        s_ciov[nc++].iov_len = (size_t)a;
                }
                /* the call ended: the BYE's final answer, or a negative final to the INVITE */
                s->seq = 0;
                outstanding--;
                if (measured) {
                    c.received++;
                    c.by_class[leg == 'g' && cls == 2 ? 5 : cls]++;
                    hist_record(&s_hist, rnow - s->sent_ns);
                }
            }
            for (int i = 0; i < n && is_rauth; i++) {
                const char *b = s_rbuf[i];
                size_t len = s_rmsg[i].msg_len;
                char leg = 0;
                uint64_t seq = find_seq_leg(b, len, &leg);
                int cls = len >= 12 && memcmp(b, "SIP/2.0 ", 8) == 0 ? b[8] - '0' : 0;
                if (seq == 0 || seq >= next_seq || (leg != 'g' && leg != 'b') || cls < 1 || cls > 6) {
                    c.unmatched++;
                    continue;
                }
                slot *s = &s_slots[seq & (SLOTS - 1)];
                if (s->seq != seq || (leg == 'b') != (s->bye != 0)) {
                    c.late++;
                    continue;
                }
                int measured = seq >= measured_from;
                if (cls == 1) {
                    if (measured)
                        c.by_class[1]++;
                    continue;
                }
                if (leg == 'g' && memcmp(b + 8, "401", 3) == 0) {
                    int a = auth_register(&t2, b, len, s_cbuf[nc], seq, s->user, (uint64_t)s->cseq + 1);
                    if (a > 0) {
                        s_ciov[nc++].iov_len = (size_t)a;
                        s->bye = 1;
                        if (measured)
                            c.challenges++;
                        continue;
                    }
                    c.write_errors++;
                }
                /* the pair ended: the authorized REGISTER's final answer, or any other final to the first */
                s->seq = 0;
                outstanding--;
                if (measured) {
                    c.received++;
                    c.by_class[cls]++;
                    hist_record(&s_hist, rnow - s->sent_ns);
                }
            }
            if (nc > 0) {
                int sent_c = send_all(fd, s_cmsg, nc);
                c.send_errors += (uint64_t)(nc - sent_c);
            }
            for (int i = 0; i < n && !is_call && !is_rauth; i++) {
                const char *b = s_rbuf[i];
                size_t len = s_rmsg[i].msg_len;
                uint64_t seq = find_seq(b, len);
                if (seq == 0 || seq >= next_seq) {
                    c.unmatched++;
                    continue;
                }
                int cls = 0;
                if (len >= 12 && memcmp(b, "SIP/2.0 ", 8) == 0) {
                    cls = b[8] - '0';
                    if (cls < 1 || cls > 6) {
                        c.unmatched++;
                        continue;
                    }
                }
                slot *s = &s_slots[seq & (SLOTS - 1)];
                if (s->seq != seq) {
                    c.late++;
                    continue;
                }
                int measured = seq >= measured_from;
                if (cls == 1) {
                    if (measured)
                        c.by_class[1]++;
                    continue; /* provisional: the final reply is still to come */
                }
                s->seq = 0;
                outstanding--;
                if (measured) {
                    c.received++;
                    c.by_class[cls]++;
                    hist_record(&s_hist, rnow - s->sent_ns);
                    if ((is_forward || is_lookup) && memmem(b, len, SIPREPLY_TO_TAG, sizeof SIPREPLY_TO_TAG - 1) != NULL)
                        c.via_responder++;
                }
            }
        }
        if (rfd >= 0 && (is_call ? respond_call(rfd, o.batch, &c) : respond(rfd, o.batch, &c)) > 0)
            did = 1;
        if (fd2 >= 0) { /* the second source's answers */
            for (int i = 0; i < o.batch; i++)
                s_rmsg[i].msg_hdr.msg_namelen = 0;
            int n2 = recvmmsg(fd2, s_rmsg, (unsigned)o.batch, MSG_DONTWAIT, NULL);
            for (int i = 0; i < n2; i++) {
                const char *b = s_rbuf[i];
                size_t len = s_rmsg[i].msg_len;
                uint64_t seq = find_seq(b, len);
                int cls = len >= 12 && memcmp(b, "SIP/2.0 ", 8) == 0 ? b[8] - '0' : 0;
                slot *s = &s_slots[seq & (SLOTS - 1)];
                if (seq == 0 || cls < 1 || cls > 6 || s->seq != seq || !s->src2) {
                    c.unmatched++;
                    continue;
                }
                if (cls == 1)
                    continue;
                s->seq = 0;
                outstanding--;
                if (seq >= measured_from) {
                    c.second_answered++;
                    if (cls == 2)
                        c.second_ok++;
                }
            }
            if (n2 > 0)
                did = 1;
        }

        if (now >= next_report) {
            uint64_t s = next_seq - last_seq_report, r = total_recv - last_recv_report;
            fprintf(stderr, "udpgen: %s sent %llu/s received %llu/s outstanding %llu\n",
                    phase == 0 ? "warm-up" : "measure", (unsigned long long)s, (unsigned long long)r,
                    (unsigned long long)outstanding);
            last_seq_report = next_seq;
            last_recv_report = total_recv;
            next_report += 1000000000ull;
        }
        last_idle = !did;
        if (!did && !o.busy)
            poll(pfd, rfd >= 0 ? 2 : 1, 1);
    }
    if (phase < 2) { /* stopped by a signal */
        measured_to = next_seq;
        t_measured_end = now_ns();
        srv_t1 = pids_ticks(pids, npids);
        gen_t1 = proc_ticks(getpid());
        s_ncpu1 = read_cpu_stat(s_cpu_busy1, s_cpu_total1);
        if (measured_from == UINT64_MAX)
            measured_from = next_seq;
    }
    if (s_hold) { /* let the server settle on its held transactions, then read its memory */
        uint64_t until = now_ns() + (uint64_t)(o.drain_ms * 1e6);
        while (now_ns() < until && !s_stop) {
            if (rfd >= 0)
                respond_call(rfd, o.batch, &c);
            poll(pfd, rfd >= 0 ? 2 : 1, 10);
        }
    }
    s_rss1 = proc_kb(pids, npids, "status", "VmRSS");
    s_pss1 = proc_kb(pids, npids, "smaps_rollup", "Pss");
    /* whatever measured request is still outstanding never got its answer */
    for (uint64_t q = tail; q < next_seq; q++) {
        slot *s = &s_slots[q & (SLOTS - 1)];
        if (s->seq == q && q >= measured_from)
            c.unanswered++;
    }
    double secs = phase >= 1 ? (double)(t_measured_end - t_measure) / 1e9 : 0;
    if (secs <= 0)
        secs = 0;
    double hz = (double)sysconf(_SC_CLK_TCK);
    double gen_cpu = secs > 0 ? (double)(gen_t1 - gen_t0) / hz / secs * 100.0 : 0;
    double srv_cpu = npids > 0 && secs > 0 ? (double)(srv_t1 - srv_t0) / hz / secs * 100.0 : -1;
    uint64_t sent = measured_to > measured_from ? measured_to - measured_from - c.send_errors : 0;
    double gen_busy = secs > 0 ? 100.0 * (1.0 - (double)idle_ns / 1e9 / secs) : 0;
    print_json(&o, &c, sent, secs, gen_cpu, gen_busy, srv_cpu, is_register || is_rauth ? cseq_first : 0);
    fprintf(stderr,
            "udpgen: sent %llu received %llu (%.0f/s) 2xx %llu echo %llu 4xx %llu 5xx %llu timeouts %llu "
            "p50 %.1fus p99 %.1fus max %.1fus\n",
            (unsigned long long)sent, (unsigned long long)c.received, secs > 0 ? (double)c.received / secs : 0.0,
            (unsigned long long)c.by_class[2], (unsigned long long)c.by_class[0], (unsigned long long)c.by_class[4],
            (unsigned long long)c.by_class[5], (unsigned long long)c.timeouts,
            (double)hist_quantile(&s_hist, 0.5) / 1000.0, (double)hist_quantile(&s_hist, 0.99) / 1000.0,
            (double)s_hist.max / 1000.0);
    if ((is_register || is_rauth) && o.cseq_file != NULL) {
        FILE *f = fopen(o.cseq_file, "w");
        if (f != NULL) {
            fprintf(f, "%lld\n", cseq_first + (is_rauth ? 2 : 1) * ((long long)(reg_k / (uint64_t)o.users) + 1));
            fclose(f);
        }
    }
    if (is_flood)
        fprintf(stderr, "udpgen: second source sent %llu, answered %llu (%.2f%%), 2xx %llu, timeouts %llu\n",
                (unsigned long long)c.second_sent, (unsigned long long)c.second_answered,
                c.second_sent ? 100.0 * (double)c.second_answered / (double)c.second_sent : 0.0,
                (unsigned long long)c.second_ok, (unsigned long long)c.second_timeouts);
    if (is_rauth)
        fprintf(stderr, "udpgen: %llu challenges answered with credentials\n", (unsigned long long)c.challenges);
    close(fd);
    if (fd2 >= 0)
        close(fd2);
    if (rfd >= 0)
        close(rfd);
    free(s_ha1);
    return 0;
}
