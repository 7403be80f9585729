/* Reading what the server processes and the CPUs did, from /proc: CPU ticks and memory of a list
 * of pids, per-CPU busy jiffies. Shared by udpgen and streamgen. */
#ifndef HP_NATIVE_PROCSTAT_H
#define HP_NATIVE_PROCSTAT_H

#include "netutil.h"

static int parse_pids(const char *s, int *pids, int cap)
{
    int n = 0;
    while (s != NULL && *s && n < cap) {
        char *e;
        long v = strtol(s, &e, 10);
        if (e == s) { /* skip separators and empty fields */
            s++;
            continue;
        }
        if (v > 0)
            pids[n++] = (int)v;
        s = e;
    }
    return n;
}

static long long pids_ticks(const int *pids, int n)
{
    long long t = 0;
    for (int i = 0; i < n; i++) {
        long long v = proc_ticks(pids[i]);
        if (v > 0)
            t += v;
    }
    return t;
}

/* the kB figure of "NAME:  123 kB" in a /proc file, summed over pids; 0 when unreadable */
static long long proc_kb(const int *pids, int n, const char *file, const char *name)
{
    long long total = 0;
    size_t nl = strlen(name);
    for (int i = 0; i < n; i++) {
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/%s", pids[i], file);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, name, nl) == 0 && line[nl] == ':') {
                total += atoll(line + nl + 1);
                break;
            }
        }
        fclose(f);
    }
    return total;
}

#define MAX_CPUS 16

/* per-CPU busy and total jiffies from /proc/stat; returns the number of CPUs read */
static int read_cpu_stat(unsigned long long *busy, unsigned long long *total)
{
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return 0;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL && n < MAX_CPUS) {
        if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9')
            continue;
        unsigned long long v[10] = {0};
        if (sscanf(line + 3, "%*d %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6], &v[7]) < 4)
            continue;
        unsigned long long t = 0;
        for (int i = 0; i < 8; i++)
            t += v[i];
        total[n] = t;
        busy[n] = t - v[3] - v[4]; /* minus idle and iowait */
        n++;
    }
    fclose(f);
    return n;
}

#endif
