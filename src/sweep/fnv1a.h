/* sweep/fnv1a.h -- the 64-bit FNV-1a hash (Fowler, Noll, Vo; the
 * parameters of the IETF draft-eastlake-fnv), for the content and code
 * hashes in sweep cell keys.  A header so that the build tool codehash.c
 * and the sweep library share one definition. */
#ifndef LMC_SWEEP_FNV1A_H
#define LMC_SWEEP_FNV1A_H

#include <stddef.h>
#include <stdint.h>

#define LMC_FNV1A_OFFSET 14695981039346656037ull

/* h folded with the n bytes at p; start from LMC_FNV1A_OFFSET. */
static inline uint64_t
lmc_fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *q = p;
    for (size_t i = 0; i < n; i++)
    {
        h ^= q[i];
        h *= 1099511628211ull;
    }
    return h;
}

#endif /* LMC_SWEEP_FNV1A_H */
