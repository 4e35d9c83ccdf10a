/* mp/unwind.h -- private to src/mp/: entry access and exchange for
 * lmc_mp_mat and the one-cleanup-path macros of functions that own MPFR
 * workspaces (each expects `int status` and a `fail:` label). */
#ifndef LMC_MP_UNWIND_H
#define LMC_MP_UNWIND_H

#include "mp.h"
#include "status.h"

#define ENTRY(a, i, j) ((a)->data[(i) * (a)->size2 + (j)])

/* Exchanges the entries of two matrices of one shape and precision. */
static inline void
lmc_mp_swap_data(lmc_mp_mat *a, lmc_mp_mat *b)
{
    mpfr_t *t = a->data;
    a->data = b->data;
    b->data = t;
}

/* Report, set status and unwind. */
#define FAIL(code, ...)                                                      \
    do                                                                       \
    {                                                                        \
        lmc_error(__FILE__, __LINE__, (code), __VA_ARGS__);                  \
        status = (code);                                                     \
        goto fail;                                                           \
    } while (0)

/* Propagate a failure the callee already reported. */
#define CHECK(expr)                                                          \
    do                                                                       \
    {                                                                        \
        status = (expr);                                                     \
        if (status != LMC_SUCCESS)                                           \
            goto fail;                                                       \
    } while (0)

/* lmc_mp_mat_alloc reports its own failure. */
#define ALLOC(p, m, n, prec)                                                 \
    do                                                                       \
    {                                                                        \
        (p) = lmc_mp_mat_alloc((m), (n), (prec));                            \
        if (!(p))                                                            \
        {                                                                    \
            status = LMC_ENOMEM;                                             \
            goto fail;                                                       \
        }                                                                    \
    } while (0)

#endif /* LMC_MP_UNWIND_H */
