/* trace.h -- per-iteration records of a run, and the run loop.
 *
 * Index k holds the quantities at the iterate X^k (k = 0..n-1) and, for
 * k < n-1, those of the step X^k -> X^{k+1} (step sizes, realized deltas).
 * Everything is sized at allocation; lmc_run allocates its workspace once
 * before the first iteration and nothing inside the loop.
 *
 * Records 0..n-1 are always fully written.  A run that diverges at
 * iterate k (non-finite f or gradient) ends with record k holding f and
 * gap as evaluated there (+-Inf or NaN) and NaN for everything else; a
 * run whose step k produced a non-finite iterate ends with record k, the
 * last finite one.  Either way stop is LMC_STOP_DIVERGED and why names
 * the iterate and the last finite f.
 */
#ifndef LMC_TRACE_H
#define LMC_TRACE_H

#include "method.h"

typedef enum
{
    LMC_STOP_NONE = 0,      /* still running */
    LMC_STOP_BUDGET = 1,    /* iteration budget reached (the normal end) */
    LMC_STOP_CONVERGED = 2, /* f - f* <= tol */
    LMC_STOP_DIVERGED = -1, /* non-finite value */
    LMC_STOP_CAP = -2,      /* f above the stated cap */
    LMC_STOP_ERROR = -3     /* a library error stopped the run */
} lmc_stop;

const char *lmc_stop_name(lmc_stop s);

typedef struct lmc_trace
{
    size_t cap;     /* records allocated (budget + 1) */
    size_t n;       /* records written */
    size_t nblocks;
    double *f;      /* f(X^k) */
    double *gap;    /* f(X^k) - f*, NaN if f* unknown */
    double *gdual;  /* sum_i ||grad_i f(X^k)||_(i)* (product dual norm) */
    double *gdual_block; /* [k * nblocks + i] */
    double *gfrob;  /* ||grad f(X^k)||_F */
    double *merr;   /* ||M - grad f(X^k)||_* (product dual) for the buffer
                       M built from the gradient at X^k by step k, NaN if
                       the method has none or k is the last record */
    double *eta_block;   /* [k * nblocks + i], step k */
    double *delta_block; /* [k * nblocks + i], step k */
    double *delta;  /* max_i delta_block, step k */
    size_t ngrad;   /* gradient evaluations by the method */
    size_t total;   /* parameter length when iterates are kept, else 0 */
    double *xs;     /* X^k at [k * total], if kept (checks re-evaluate f and
                       gradients at them in MPFR) */
    lmc_stop stop;
    char why[256];  /* the stop reason in words */
} lmc_trace;

/* A trace for up to `iters` steps (iters + 1 records). */
lmc_trace *lmc_trace_alloc(size_t iters, size_t nblocks);
void lmc_trace_free(lmc_trace *tr);

/* Makes the trace keep every iterate (cap x total doubles).  Errors:
 * LMC_ENOMEM. */
int lmc_trace_keep_iterates(lmc_trace *tr, size_t total);

typedef struct lmc_run_params
{
    size_t iters;   /* step budget K */
    double f_cap;   /* stop when f > f_cap (divergence); Inf = no cap */
    double tol;     /* stop when f - f* <= tol (needs f*); 0 = never */
    int measure_delta; /* record realized oracle deltas (costs an SVD) */
} lmc_run_params;

lmc_run_params lmc_run_params_default(void);

/* Runs M from x (in place) for up to rp->iters steps, recording into tr.
 * Divergence and caps are recorded stop reasons, not errors: the return
 * is LMC_SUCCESS unless the arguments are wrong or no memory.  A library
 * error during the run is recorded as LMC_STOP_ERROR with its message. */
int lmc_run(lmc_method *M, gsl_vector *x, const lmc_run_params *rp,
            lmc_trace *tr);

/* Writes the trace as CSV (one row per record, header first).
 * Errors: LMC_EIO. */
int lmc_trace_write_csv(const lmc_trace *tr, const char *path);

#endif /* LMC_TRACE_H */
