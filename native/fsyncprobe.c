/* fsyncprobe: what one WAL commit costs on this disk, the way the location store's WAL does it (a small
 * pwrite then fdatasync), in the cases docs/durability.md discusses:
 *   append    every write extends the file (a segment that was not preallocated: each fdatasync also
 *             commits the file system's journal)
 *   prealloc  writes inside a zero-filled, synced file (what a preallocated segment gives: data + cache flush)
 * with --writers N concurrent writers (one file each, as one WAL writer per worker) and --noise, a thread
 * writing 4 MiB and fsyncing it every 100 ms (as the hybrid-log checkpoints do once a second, more in a storm).
 * Usage: fsyncprobe DIR [append|prealloc] [--seconds S] [--writers N] [--bytes B] [--noise]
 * Prints commits/s and the first writer's latency percentiles. Files are removed at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "histogram.h"

static const char *dir;
static int prealloc = 1;
static double seconds = 3;
static int bytes = 4096;
static volatile int stop;
static int ready; /* writers done preparing their file: the clock starts when all are */

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

typedef struct {
    int id;
    uint64_t commits;
    histogram h;
} writer;

#define SEGMENT (64L << 20)

static void fill_zeros(int fd, long size)
{
    static char zeros[1 << 20];
    for (long off = 0; off < size; off += sizeof zeros)
        if (pwrite(fd, zeros, sizeof zeros, off) < 0) {
            perror("pwrite zeros");
            exit(1);
        }
    if (fdatasync(fd) != 0) {
        perror("fdatasync");
        exit(1);
    }
}

static void *run_writer(void *arg)
{
    writer *w = arg;
    char path[4096];
    snprintf(path, sizeof path, "%s/fsyncprobe-%d-%d.tmp", dir, (int)getpid(), w->id);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    if (prealloc)
        fill_zeros(fd, SEGMENT);
    char *buf = malloc((size_t)bytes);
    memset(buf, 'w', (size_t)bytes);
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    long off = 0;
    while (!stop) {
        uint64_t t0 = now_ns();
        if (pwrite(fd, buf, (size_t)bytes, off) != bytes || fdatasync(fd) != 0) {
            perror("commit");
            exit(1);
        }
        hist_record(&w->h, now_ns() - t0);
        w->commits++;
        off += bytes;
        if (off + bytes > SEGMENT) {
            off = 0;
            if (!prealloc && ftruncate(fd, 0) != 0)
                perror("ftruncate");
        }
    }
    close(fd);
    unlink(path);
    free(buf);
    return NULL;
}

static void *run_noise(void *arg)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fsyncprobe-%d-noise.tmp", dir, (int)getpid());
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    char *buf = malloc(4 << 20);
    memset(buf, 'n', 4 << 20);
    long off = 0;
    while (!stop) {
        if (pwrite(fd, buf, 4 << 20, off) < 0 || fsync(fd) != 0)
            perror("noise");
        off = (off + (4 << 20)) % (64L << 20);
        usleep(100000);
    }
    close(fd);
    unlink(path);
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    int writers = 1, noise = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: fsyncprobe DIR [append|prealloc] [--seconds S] [--writers N] [--bytes B] [--noise]\n");
        return 2;
    }
    dir = argv[1];
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "append")) prealloc = 0;
        else if (!strcmp(argv[i], "prealloc")) prealloc = 1;
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--writers") && i + 1 < argc) writers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--bytes") && i + 1 < argc) bytes = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--noise")) noise = 1;
        else {
            fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (writers < 1 || writers > 64 || bytes < 1 || bytes > (1 << 20)) {
        fprintf(stderr, "writers 1-64, bytes 1-1048576\n");
        return 2;
    }
    writer *w = calloc((size_t)writers, sizeof *w);
    pthread_t threads[65];
    for (int i = 0; i < writers; i++) {
        w[i].id = i;
        pthread_create(&threads[i], NULL, run_writer, &w[i]);
    }
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < writers)
        usleep(1000);
    if (noise)
        pthread_create(&threads[writers], NULL, run_noise, NULL);
    struct timespec pause = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    nanosleep(&pause, NULL);
    stop = 1;
    uint64_t total = 0;
    for (int i = 0; i < writers; i++) {
        pthread_join(threads[i], NULL);
        total += w[i].commits;
    }
    if (noise)
        pthread_join(threads[writers], NULL);
    printf("%s, %d writer(s), %d B%s: %.0f commits/s; writer 0 p50 %.3f ms p99 %.3f ms max %.3f ms\n",
        prealloc ? "prealloc" : "append", writers, bytes, noise ? ", checkpoint-like noise" : "", total / seconds,
        hist_quantile(&w[0].h, 0.50) / 1e6, hist_quantile(&w[0].h, 0.99) / 1e6, w[0].h.max / 1e6);
    free(w);
    return 0;
}
