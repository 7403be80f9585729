/* reflector: the physical limit of the kernel UDP path on one pinned core.
 *
 *   reflector [-l ADDR] [-p PORT] [-c CPU] [-b BATCH] [-r] [-B] [-t SECS] [-s BYTES]
 *
 * Default: every datagram goes back to its source unchanged (recvmmsg in, sendmmsg out, one
 * batch each). -r: answers each SIP request with a minimal stateless "200 OK" (Via, From,
 * To, Call-ID, CSeq copied, To tag added) so a generator counting 200s works against it and
 * the work per message resembles a stateless proxy's sl_send_reply; responses and ACKs are
 * dropped in -r mode. -B busy-polls instead of blocking. -t exits by itself after SECS.
 * Counters go to stderr on exit (SIGINT/SIGTERM or -t). */
#define _GNU_SOURCE
#include "netutil.h"
#include "sipreply.h"

#include <getopt.h>
#include <signal.h>
#include <sys/time.h>

#define MAX_BATCH 1024
#define BUF_SIZE 2048

static volatile sig_atomic_t s_stop;

static void on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: reflector [-l ADDR] [-p PORT] [-c CPU] [-b BATCH] [-r] [-B] [-t SECS] [-s BYTES]\n"
            "  -l ADDR   numeric IPv4/IPv6 address to bind (default 127.0.0.1)\n"
            "  -p PORT   UDP port (default 5070)\n"
            "  -c CPU    pin to this CPU (default: not pinned)\n"
            "  -b BATCH  recvmmsg/sendmmsg batch size (default 64, max %d)\n"
            "  -r        answer SIP requests with a stateless 200 OK instead of echoing\n"
            "  -B        busy-poll (MSG_DONTWAIT spin) instead of blocking in recvmmsg\n"
            "  -t SECS   exit after SECS seconds (default: run until SIGINT/SIGTERM)\n"
            "  -s BYTES  socket send/receive buffer size (default 4194304)\n",
            MAX_BATCH);
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1";
    int port = 5070, cpu = -1, batch = 64, reply = 0, busy = 0, bufbytes = 4 << 20;
    double secs = 0;
    int opt;
    while ((opt = getopt(argc, argv, "l:p:c:b:rBt:s:h")) != -1) {
        switch (opt) {
        case 'l': addr = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'c': cpu = atoi(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'r': reply = 1; break;
        case 'B': busy = 1; break;
        case 't': secs = atof(optarg); break;
        case 's': bufbytes = atoi(optarg); break;
        default: usage(); return opt == 'h' ? 0 : 2;
        }
    }
    if (batch < 1 || batch > MAX_BATCH || port <= 0 || port > 65535) {
        usage();
        return 2;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_addr(addr, port, &ss, &sl) != 0) {
        fprintf(stderr, "reflector: bad address %s\n", addr);
        return 2;
    }
    if (pin_cpu(cpu) != 0)
        return 1;
    int fd = udp_bind(&ss, sl, bufbytes);
    if (fd < 0) {
        fprintf(stderr, "reflector: bind %s:%d: %s\n", addr, port, strerror(errno));
        return 1;
    }
    /* wake up regularly so a signal or -t is noticed even when idle */
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: recvmmsg returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    static char rx[MAX_BATCH][BUF_SIZE];
    static char tx[MAX_BATCH][BUF_SIZE];
    static struct sockaddr_storage names[MAX_BATCH];
    static struct iovec rxiov[MAX_BATCH], txiov[MAX_BATCH];
    static struct mmsghdr rmsg[MAX_BATCH], smsg[MAX_BATCH];
    for (int i = 0; i < batch; i++) {
        rxiov[i].iov_base = rx[i];
        rxiov[i].iov_len = BUF_SIZE;
        txiov[i].iov_base = tx[i];
        rmsg[i].msg_hdr.msg_iov = &rxiov[i];
        rmsg[i].msg_hdr.msg_iovlen = 1;
        rmsg[i].msg_hdr.msg_name = &names[i];
    }

    fprintf(stderr, "reflector: %s %s:%d cpu=%d batch=%d %s\n", reply ? "sl-200" : "echo", addr, port, cpu,
            batch, busy ? "busy-poll" : "blocking");
    uint64_t start = now_ns(), deadline = secs > 0 ? start + (uint64_t)(secs * 1e9) : UINT64_MAX;
    unsigned long long in = 0, out = 0, calls = 0, dropped = 0, send_errors = 0;
    int flags = busy ? MSG_DONTWAIT : MSG_WAITFORONE;
    while (!s_stop) {
        for (int i = 0; i < batch; i++)
            rmsg[i].msg_hdr.msg_namelen = sizeof names[i];
        int n = recvmmsg(fd, rmsg, (unsigned)batch, flags, NULL);
        if (n <= 0) {
            if (now_ns() > deadline)
                break;
            continue; /* EAGAIN, EINTR, timeout */
        }
        calls++;
        in += (unsigned long long)n;
        int m = 0;
        if (reply) {
            for (int i = 0; i < n; i++) {
                int len = sipreply_build_200(rx[i], rmsg[i].msg_len, tx[m], BUF_SIZE);
                if (len <= 0) {
                    dropped++;
                    continue;
                }
                txiov[m].iov_len = (size_t)len;
                smsg[m].msg_hdr.msg_iov = &txiov[m];
                smsg[m].msg_hdr.msg_iovlen = 1;
                smsg[m].msg_hdr.msg_name = &names[i];
                smsg[m].msg_hdr.msg_namelen = rmsg[i].msg_hdr.msg_namelen;
                m++;
            }
        } else {
            /* echo: the same buffer and address go back out, only the length changes */
            for (int i = 0; i < n; i++) {
                rxiov[i].iov_len = rmsg[i].msg_len;
                smsg[i].msg_hdr = rmsg[i].msg_hdr;
            }
            m = n;
        }
        int off = 0;
        while (off < m) {
            int s = sendmmsg(fd, smsg + off, (unsigned)(m - off), 0);
            if (s <= 0) {
                if (errno == EINTR)
                    continue;
                send_errors += (unsigned long long)(m - off);
                break;
            }
            off += s;
        }
        out += (unsigned long long)off;
        if (!reply)
            for (int i = 0; i < n; i++)
                rxiov[i].iov_len = BUF_SIZE;
        if ((calls & 1023) == 0 && now_ns() > deadline)
            break;
    }
    double el = (double)(now_ns() - start) / 1e9;
    fprintf(stderr, "reflector: in=%llu out=%llu dropped=%llu send_errors=%llu batches=%llu avg_batch=%.1f in %.1fs\n",
            in, out, dropped, send_errors, calls, calls ? (double)in / (double)calls : 0.0, el);
    close(fd);
    return 0;
}
