/* Fixed-bucket log-linear latency histogram (nanoseconds): exact below 64 ns, then 32 linear
 * sub-buckets per power of two (about 3% relative error). No allocation, O(1) record. */
#ifndef HP_NATIVE_HISTOGRAM_H
#define HP_NATIVE_HISTOGRAM_H

#include <stdint.h>
#include <string.h>

#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (64 + 58 * HIST_SUB)

typedef struct {
    uint64_t counts[HIST_BUCKETS];
    uint64_t total;
    uint64_t max;
    double sum;
} histogram;

static inline unsigned hist_index(uint64_t v)
{
    if (v < 64)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 6 */
    unsigned mant = (unsigned)(v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1);
    return 64 + (e - 6) * HIST_SUB + mant;
}

/* midpoint of the values a bucket holds */
static inline uint64_t hist_value(unsigned idx)
{
    if (idx < 64)
        return idx;
    unsigned e = (idx - 64) / HIST_SUB + 6;
    unsigned mant = (idx - 64) % HIST_SUB;
    uint64_t lo = ((uint64_t)(HIST_SUB + mant)) << (e - HIST_SUB_BITS);
    uint64_t width = 1ull << (e - HIST_SUB_BITS);
    return lo + width / 2;
}

static inline void hist_record(histogram *h, uint64_t v)
{
    h->counts[hist_index(v)]++;
    h->total++;
    h->sum += (double)v;
    if (v > h->max)
        h->max = v;
}

static inline void hist_reset(histogram *h)
{
    memset(h, 0, sizeof *h);
}

/* value at quantile q (0..1); 0 when empty */
static inline uint64_t hist_quantile(const histogram *h, double q)
{
    if (h->total == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->total);
    if (rank >= h->total)
        rank = h->total - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen > rank) {
            uint64_t v = hist_value(i);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

#endif
