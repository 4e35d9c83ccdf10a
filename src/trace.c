/* trace.c -- run records and the run loop. */
#include "trace.h"
#include "linalg.h"
#include "status.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
lmc_stop_name(lmc_stop s)
{
    switch (s)
    {
    case LMC_STOP_NONE: return "running";
    case LMC_STOP_BUDGET: return "budget";
    case LMC_STOP_CONVERGED: return "converged";
    case LMC_STOP_DIVERGED: return "diverged";
    case LMC_STOP_CAP: return "above cap";
    case LMC_STOP_ERROR: return "error";
    }
    return "?";
}

lmc_trace *
lmc_trace_alloc(size_t iters, size_t nblocks)
{
    if (nblocks == 0 || nblocks > LMC_MAX_BLOCKS)
        LMC_ERROR_NULL(LMC_EINVAL, "trace: %zu blocks (accepted: 1..%d)",
                       nblocks, LMC_MAX_BLOCKS);
    lmc_gsl_handler_install();
    /* The byte counts below must not wrap. */
    if (iters >= SIZE_MAX / (LMC_MAX_BLOCKS * sizeof(double)))
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for a trace of %zu steps",
                       iters);
    lmc_trace *tr = calloc(1, sizeof *tr);
    if (!tr)
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for a trace");
    const size_t cap = iters + 1, nb = cap * nblocks;
    tr->cap = cap;
    tr->nblocks = nblocks;
    tr->f = malloc(cap * sizeof(double));
    tr->gap = malloc(cap * sizeof(double));
    tr->gdual = malloc(cap * sizeof(double));
    tr->gfrob = malloc(cap * sizeof(double));
    tr->merr = malloc(cap * sizeof(double));
    tr->delta = malloc(cap * sizeof(double));
    tr->gdual_block = malloc(nb * sizeof(double));
    tr->eta_block = malloc(nb * sizeof(double));
    tr->delta_block = malloc(nb * sizeof(double));
    if (!tr->f || !tr->gap || !tr->gdual || !tr->gfrob || !tr->merr ||
        !tr->delta || !tr->gdual_block || !tr->eta_block || !tr->delta_block)
    {
        lmc_trace_free(tr);
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for a trace of %zu steps",
                       iters);
    }
    return tr;
}

void
lmc_trace_free(lmc_trace *tr)
{
    if (!tr)
        return;
    free(tr->f);
    free(tr->gap);
    free(tr->gdual);
    free(tr->gfrob);
    free(tr->merr);
    free(tr->delta);
    free(tr->gdual_block);
    free(tr->eta_block);
    free(tr->delta_block);
    free(tr->xs);
    free(tr);
}

int
lmc_trace_keep_iterates(lmc_trace *tr, size_t total)
{
    free(tr->xs);
    tr->xs = malloc(tr->cap * total * sizeof(double));
    tr->total = tr->xs ? total : 0;
    if (!tr->xs)
        LMC_ERROR(LMC_ENOMEM, "no memory to keep %zu iterates of length %zu",
                  tr->cap, total);
    return LMC_SUCCESS;
}

lmc_run_params
lmc_run_params_default(void)
{
    lmc_run_params rp;
    rp.iters = 100;
    rp.f_cap = INFINITY;
    rp.tol = 0;
    rp.measure_delta = 1;
    return rp;
}

/* Records the iterate quantities at index k; returns 0, or the stop.
 * Every field of record k is written before any return: a quantity that
 * could not be computed (the run diverged or failed there) is NaN, and f
 * and gap hold what f evaluated to (+-Inf or NaN at a divergence), so a
 * summary never reads memory the run did not write. */
static lmc_stop
record(lmc_method *M, const gsl_vector *x, gsl_vector *g,
       const lmc_run_params *rp, lmc_trace *tr, size_t k, int *status)
{
    lmc_problem *P = M->P;
    const lmc_layout *L = &P->layout;
    tr->f[k] = tr->gap[k] = tr->gdual[k] = tr->gfrob[k] = NAN;
    tr->merr[k] = tr->delta[k] = NAN;
    for (size_t i = 0; i < L->nblocks; i++)
    {
        tr->gdual_block[k * L->nblocks + i] = NAN;
        tr->eta_block[k * L->nblocks + i] = NAN;
        tr->delta_block[k * L->nblocks + i] = NAN;
    }
    if (tr->xs && tr->total == x->size)
        memcpy(tr->xs + k * tr->total, x->data, tr->total * sizeof(double));
    double f = NAN;
    *status = lmc_problem_fdf(P, x, &f, g);
    if (*status != LMC_SUCCESS && *status != LMC_ENONFINITE)
        return LMC_STOP_ERROR;
    tr->f[k] = f;
    tr->gap[k] = (P->c.known & LMC_HAS_FSTAR) ? f - P->c.fstar : NAN;
    if (*status == LMC_ENONFINITE)
        return LMC_STOP_DIVERGED;
    for (size_t j = 0; j < g->size; j++)
        if (!lmc_isfinite(g->data[j]))
            return LMC_STOP_DIVERGED;
    if (!lmc_isfinite(f))
        return LMC_STOP_DIVERGED;
    double total = 0, ssq = 0;
    for (size_t i = 0; i < L->nblocks; i++)
    {
        gsl_matrix_const_view gi = lmc_block_const(L, g, i);
        double d;
        *status = lmc_oracle_dual_norm(M->oracle[i]->exact, &gi.matrix, &d);
        if (*status != LMC_SUCCESS)
            return LMC_STOP_ERROR;
        tr->gdual_block[k * L->nblocks + i] = d;
        total += d;
        const double fr = lmc_frobenius(&gi.matrix);
        ssq += fr * fr;
    }
    tr->gdual[k] = total;
    tr->gfrob[k] = sqrt(ssq);
    if (f > rp->f_cap)
        return LMC_STOP_CAP;
    if (rp->tol > 0 && (P->c.known & LMC_HAS_FSTAR) && tr->gap[k] <= rp->tol)
        return LMC_STOP_CONVERGED;
    return LMC_STOP_NONE;
}

/* merr[k] = ||M_{k+1} - grad f(X^k)||_*: the buffer built by step k+1
 * from the gradient at X^k, against the exact gradient there (THEORY
 * section 3: eps_t = M_t - grad f(X_t), M_t formed at X_t).  g still holds
 * grad f(X^k) from record(). */
static int
momentum_error(lmc_method *M, const gsl_vector *g, gsl_vector *diff,
               lmc_trace *tr, size_t k)
{
    const gsl_vector *mom =
        M->type->momentum ? M->type->momentum(M->state) : NULL;
    if (!mom)
        return LMC_SUCCESS;
    const lmc_layout *L = &M->P->layout;
    gsl_vector_memcpy(diff, mom);
    gsl_vector_sub(diff, g);
    double err = 0;
    for (size_t i = 0; i < L->nblocks; i++)
    {
        gsl_matrix_const_view di = lmc_block_const(L, diff, i);
        double d;
        LMC_TRY(lmc_oracle_dual_norm(M->oracle[i]->exact, &di.matrix, &d));
        err += d;
    }
    tr->merr[k] = err;
    return LMC_SUCCESS;
}

int
lmc_run(lmc_method *M, gsl_vector *x, const lmc_run_params *rp,
        lmc_trace *tr)
{
    const lmc_layout *L = &M->P->layout;
    if (tr->cap < rp->iters + 1 || tr->nblocks != L->nblocks)
        LMC_ERROR(LMC_EBADLEN, "trace holds %zu records of %zu blocks; the "
                  "run needs %zu of %zu", tr->cap, tr->nblocks,
                  rp->iters + 1, L->nblocks);
    gsl_vector *g = gsl_vector_alloc(L->total);
    gsl_vector *diff = gsl_vector_alloc(L->total);
    if (!g || !diff)
    {
        gsl_vector_free(g);
        gsl_vector_free(diff);
        LMC_ERROR(LMC_ENOMEM, "no memory for a run workspace");
    }
    tr->n = 0;
    tr->ngrad = 0;
    tr->stop = LMC_STOP_NONE;
    tr->why[0] = '\0';
    M->measure_delta = rp->measure_delta;
    int status = lmc_method_set(M, x);
    for (size_t k = 0; status == LMC_SUCCESS; k++)
    {
        const lmc_stop s = record(M, x, g, rp, tr, k, &status);
        tr->n = k + 1;
        if (s != LMC_STOP_NONE)
        {
            tr->stop = s;
            if (s == LMC_STOP_DIVERGED && k > 0)
                snprintf(tr->why, sizeof tr->why, "non-finite f or gradient "
                         "at iterate %zu (f = %g there; last finite record: "
                         "iterate %zu, f = %.17g)", k, tr->f[k], k - 1,
                         tr->f[k - 1]);
            else if (s == LMC_STOP_DIVERGED)
                snprintf(tr->why, sizeof tr->why, "non-finite f or gradient "
                         "at iterate 0 (f = %g)", tr->f[0]);
            else if (s == LMC_STOP_CAP)
                snprintf(tr->why, sizeof tr->why, "f = %g above the cap %g "
                         "at iterate %zu", tr->f[k], rp->f_cap, k);
            else if (s == LMC_STOP_CONVERGED)
                snprintf(tr->why, sizeof tr->why, "f - f* = %g <= %g at "
                         "iterate %zu", tr->gap[k], rp->tol, k);
            else if (s == LMC_STOP_ERROR)
                snprintf(tr->why, sizeof tr->why, "%s", lmc_last_error());
            status = LMC_SUCCESS;
            break;
        }
        if (k == rp->iters)
        {
            tr->stop = LMC_STOP_BUDGET;
            snprintf(tr->why, sizeof tr->why, "%zu steps", k);
            break;
        }
        lmc_step_info info;
        status = lmc_method_iterate(M, x, &info);
        tr->ngrad += info.ngrad;
        double dmax = NAN;
        for (size_t i = 0; i < L->nblocks; i++)
        {
            tr->eta_block[k * L->nblocks + i] = info.eta[i];
            tr->delta_block[k * L->nblocks + i] = info.delta[i];
            if (!isnan(info.delta[i]) && !(info.delta[i] <= dmax))
                dmax = info.delta[i];
        }
        tr->delta[k] = dmax;
        if (status == LMC_SUCCESS)
            status = momentum_error(M, g, diff, tr, k);
        if (status == LMC_ENONFINITE)
        {
            tr->stop = LMC_STOP_DIVERGED;
            snprintf(tr->why, sizeof tr->why, "non-finite iterate after "
                     "step %zu (last finite record: iterate %zu, f = %.17g)",
                     k + 1, k, tr->f[k]);
            status = LMC_SUCCESS;
            break;
        }
    }
    if (status != LMC_SUCCESS && tr->stop == LMC_STOP_NONE)
    {
        tr->stop = LMC_STOP_ERROR;
        snprintf(tr->why, sizeof tr->why, "%s", lmc_last_error());
        status = LMC_SUCCESS;
    }
    gsl_vector_free(g);
    gsl_vector_free(diff);
    return status;
}

static void
put(FILE *f, double v)
{
    if (isnan(v))
        fputs(",", f);
    else
        fprintf(f, ",%.17g", v);
}

int
lmc_trace_write_csv(const lmc_trace *tr, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        LMC_ERROR(LMC_EIO, "trace file '%s': %s", path, strerror(errno));
    fputs("k,f,gap,gdual,gfrob,merr,delta", f);
    for (size_t i = 0; i < tr->nblocks; i++)
        fprintf(f, ",gdual_%zu,eta_%zu,delta_%zu", i, i, i);
    fputc('\n', f);
    for (size_t k = 0; k < tr->n; k++)
    {
        fprintf(f, "%zu", k);
        put(f, tr->f[k]);
        put(f, tr->gap[k]);
        put(f, tr->gdual[k]);
        put(f, tr->gfrob[k]);
        put(f, tr->merr[k]);
        put(f, tr->delta[k]);
        for (size_t i = 0; i < tr->nblocks; i++)
        {
            put(f, tr->gdual_block[k * tr->nblocks + i]);
            put(f, tr->eta_block[k * tr->nblocks + i]);
            put(f, tr->delta_block[k * tr->nblocks + i]);
        }
        fputc('\n', f);
    }
    const int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        LMC_ERROR(LMC_EIO, "trace file '%s': write failed", path);
    return LMC_SUCCESS;
}
