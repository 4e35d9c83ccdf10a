/* inexact/poly.c -- polynomial orthogonalizers (Newton-Schulz family).
 *
 * X_0 = M / (divisor ||M||_F + eps); step j:
 *   X <- a_j X + b_j (X X^T) X + c_j (X X^T)^2 X,
 * S~ = -X_q.  The Gram matrix is formed on the smaller side (for a tall X,
 * (X X^T) X = X (X^T X)), with dsyrk for A = X X^T and for A^2 = A A^T,
 * and dsymm for B X where B = b A + c A^2: 3 k^2 l + k^3 flops per step
 * for a k x l (k <= l) block instead of 4 k^2 l + 2 k^3 with dgemm.
 *
 * Precision: fp64 runs in double.  fp32 runs in single (ssyrk/ssymm).
 * bf16 is emulated: the input and every product's result are rounded to
 * bf16 and accumulation is in fp32 (as on hardware with bf16 matrix
 * units).  In exact arithmetic delta_q = max_i |p^(q)(s_i) - 1|; the
 * predictor evaluates that scalar map on the singular values of M.
 */
#include "../inexact.h"
#include "../linalg.h"
#include "../status.h"

#include <fenv.h>
#include <float.h>
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
    size_t m, n, k;     /* block m x n, Gram side k = min(m, n) */
    double *x, *y;      /* fp64 iterates, m x n contiguous */
    double *a, *a2;     /* fp64 k x k Gram and its square */
    float *xf, *yf, *af, *a2f; /* fp32/bf16 counterparts */
    lmc_svd *w;         /* singular values for the predictor */
} poly_state;

static int
poly_alloc(void *vstate, const lmc_inexact *q)
{
    poly_state *st = vstate;
    const lmc_inexact_params *p = &q->params;
    LMC_TRY(lmc_schedule_check_steps(&p->schedule, p->steps));
    if (!(p->schedule.divisor > 0) || !(p->schedule.eps >= 0))
        LMC_ERROR(LMC_EINVAL, "schedule '%s': divisor must be > 0 and eps "
                  ">= 0", p->schedule.name);
    st->m = q->size1;
    st->n = q->size2;
    st->k = st->m < st->n ? st->m : st->n;
    const size_t mn = st->m * st->n, kk = st->k * st->k;
    if (p->precision == LMC_FP64)
    {
        st->x = malloc(mn * sizeof(double));
        st->y = malloc(mn * sizeof(double));
        st->a = malloc(kk * sizeof(double));
        st->a2 = malloc(kk * sizeof(double));
        if (!st->x || !st->y || !st->a || !st->a2)
            LMC_ERROR(LMC_ENOMEM, "no memory for poly on %zux%zu", st->m,
                      st->n);
    }
    else
    {
        st->xf = malloc(mn * sizeof(float));
        st->yf = malloc(mn * sizeof(float));
        st->af = malloc(kk * sizeof(float));
        st->a2f = malloc(kk * sizeof(float));
        if (!st->xf || !st->yf || !st->af || !st->a2f)
            LMC_ERROR(LMC_ENOMEM, "no memory for poly on %zux%zu", st->m,
                      st->n);
    }
    st->w = lmc_svd_alloc(st->m, st->n, 0);
    return st->w ? LMC_SUCCESS : LMC_ENOMEM;
}

static void
poly_free(void *vstate)
{
    poly_state *st = vstate;
    free(st->x);
    free(st->y);
    free(st->a);
    free(st->a2);
    free(st->xf);
    free(st->yf);
    free(st->af);
    free(st->a2f);
    lmc_svd_free(st->w);
}

/* Copies the upper triangle of a k x k row-major matrix to the lower, in
 * tiles one cache line wide.  The plain row-by-row loop reads a column,
 * with a stride of k entries: for k a power of two those reads all map to
 * one cache set and miss every time (measured here at k = 512: 367 us,
 * 13% of the dsyrk it feeds; tiled: 59 us; at 2048: 10.5 ms -> 3.9 ms).
 * Same copies in another order: the result is bit for bit unchanged. */
#define MIRROR_TILE_D 8  /* doubles per 64-byte line */
#define MIRROR_TILE_F 16 /* floats per line */

/* The mirror of element type TYPE, TILE elements to a line (one body for
 * both precisions). */
#define DEFINE_MIRROR(NAME, TYPE, TILE)                                      \
    static void NAME(TYPE *a, size_t k)                                      \
    {                                                                        \
        for (size_t ib = 0; ib < k; ib += (TILE))                            \
        {                                                                    \
            const size_t ie = ib + (TILE) < k ? ib + (TILE) : k;             \
            for (size_t jb = 0; jb <= ib; jb += (TILE))                      \
                for (size_t i = ib; i < ie; i++)                             \
                {                                                            \
                    const size_t je = jb + (TILE) < i ? jb + (TILE) : i;     \
                    for (size_t j = jb; j < je; j++)                         \
                        a[i * k + j] = a[j * k + i];                         \
                }                                                            \
        }                                                                    \
    }

DEFINE_MIRROR(mirror_d, double, MIRROR_TILE_D)
DEFINE_MIRROR(mirror_f, float, MIRROR_TILE_F)

/* One fp64 step: y = c0 x + B x (wide) or c0 x + x B (tall), then swap. */
static void
step_d(poly_state *st, const double c[3])
{
    const int m = (int)st->m, n = (int)st->n, k = (int)st->k;
    const int wide = st->m <= st->n;
    /* A = X X^T (wide) or X^T X (tall), upper triangle. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, wide ? CblasNoTrans : CblasTrans,
                k, wide ? n : m, 1.0, st->x, n, 0.0, st->a, k);
    double *b = st->a;
    if (c[2] != 0)
    {
        /* A^2 = A A^T needs A in full. */
        mirror_d(st->a, st->k);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, k, k, 1.0,
                    st->a, k, 0.0, st->a2, k);
        for (size_t i = 0; i < st->k; i++)
            for (size_t j = i; j < st->k; j++)
                st->a2[i * st->k + j] = c[1] * st->a[i * st->k + j] +
                                        c[2] * st->a2[i * st->k + j];
        b = st->a2;
    }
    else
        for (size_t i = 0; i < st->k; i++)
            for (size_t j = i; j < st->k; j++)
                st->a[i * st->k + j] *= c[1];
    memcpy(st->y, st->x, st->m * st->n * sizeof(double));
    cblas_dsymm(CblasRowMajor, wide ? CblasLeft : CblasRight, CblasUpper, m,
                n, 1.0, b, k, st->x, n, c[0], st->y, n);
    double *t = st->x;
    st->x = st->y;
    st->y = t;
}

/* Rounds n floats to bf16 in place when bf16 is on. */
static void
round_f(float *v, size_t n, int bf16)
{
    if (!bf16)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = lmc_round_bf16(v[i]);
}

static void
round_upper_f(float *a, size_t k, int bf16)
{
    if (!bf16)
        return;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i; j < k; j++)
            a[i * k + j] = lmc_round_bf16(a[i * k + j]);
}

/* One fp32 step; with bf16 every product's result and every sum is
 * rounded to bf16 (accumulation inside the products stays fp32). */
static void
step_f(poly_state *st, const double cd[3], int bf16)
{
    const int m = (int)st->m, n = (int)st->n, k = (int)st->k;
    const int wide = st->m <= st->n;
    const size_t kk = st->k;
    /* Coefficients in the working precision. */
    const float c0 = bf16 ? lmc_round_bf16(cd[0]) : (float)cd[0];
    const float c1 = bf16 ? lmc_round_bf16(cd[1]) : (float)cd[1];
    const float c2 = bf16 ? lmc_round_bf16(cd[2]) : (float)cd[2];
    cblas_ssyrk(CblasRowMajor, CblasUpper, wide ? CblasNoTrans : CblasTrans,
                k, wide ? n : m, 1.0f, st->xf, n, 0.0f, st->af, k);
    round_upper_f(st->af, kk, bf16);
    float *b = st->af;
    if (cd[2] != 0)
    {
        mirror_f(st->af, kk);
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, k, k, 1.0f,
                    st->af, k, 0.0f, st->a2f, k);
        round_upper_f(st->a2f, kk, bf16);
        for (size_t i = 0; i < kk; i++)
            for (size_t j = i; j < kk; j++)
                st->a2f[i * kk + j] =
                    c1 * st->af[i * kk + j] + c2 * st->a2f[i * kk + j];
        round_upper_f(st->a2f, kk, bf16);
        b = st->a2f;
    }
    else
    {
        for (size_t i = 0; i < kk; i++)
            for (size_t j = i; j < kk; j++)
                st->af[i * kk + j] *= c1;
        round_upper_f(st->af, kk, bf16);
    }
    /* P = B X (or X B), rounded; then Y = c0 X + P, rounded. */
    cblas_ssymm(CblasRowMajor, wide ? CblasLeft : CblasRight, CblasUpper, m,
                n, 1.0f, b, k, st->xf, n, 0.0f, st->yf, n);
    const size_t mn = st->m * st->n;
    round_f(st->yf, mn, bf16);
    for (size_t i = 0; i < mn; i++)
        st->yf[i] += c0 * st->xf[i];
    round_f(st->yf, mn, bf16);
    float *t = st->xf;
    st->xf = st->yf;
    st->yf = t;
}

/* 1 if a step overflowed.  In round-to-nearest an overflow is an Inf
 * that propagates to the iterate; in the directed modes it saturates at
 * the largest finite magnitude, and a later product or sum can turn it
 * back into finite garbage (DBL_MAX - 0.5 DBL_MAX), so the iterate's
 * values alone cannot tell.  The IEEE overflow flag does, in every mode
 * (the step's products run in the calling thread's environment, as the
 * directed modes do); the values are checked as well. */
static int
overflowed_d(const double *x, size_t n)
{
    if (fetestexcept(FE_OVERFLOW))
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!lmc_isfinite(x[i]))
            return 1;
    return 0;
}

static int
overflowed_f(const float *x, size_t n)
{
    if (fetestexcept(FE_OVERFLOW))
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!(x[i] < FLT_MAX && x[i] > -FLT_MAX))
            return 1;
    return 0;
}

static int
poly_apply(void *vstate, lmc_inexact *q, const gsl_matrix *m, gsl_matrix *s)
{
    poly_state *st = vstate;
    const lmc_inexact_params *p = &q->params;
    const lmc_schedule *sch = &p->schedule;
    const size_t rows = st->m, cols = st->n;
    if (p->precision == LMC_FP64)
    {
        const double d = sch->divisor * lmc_frobenius(m) + sch->eps;
        const double scale = d > 0 ? 1.0 / d : 0.0;
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++)
                st->x[i * cols + j] = scale * m->data[i * m->tda + j];
        feclearexcept(FE_OVERFLOW);
        for (size_t j = 0; j < p->steps; j++)
        {
            step_d(st, lmc_schedule_coef(sch, j));
            if (overflowed_d(st->x, rows * cols))
                LMC_ERROR(LMC_ENONFINITE, "poly: the iterate overflowed at "
                          "step %zu of %zu", j + 1, p->steps);
        }
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++)
                s->data[i * s->tda + j] = -st->x[i * cols + j];
        return LMC_SUCCESS;
    }
    const int bf16 = p->precision == LMC_BF16;
    /* Inputs rounded to the working precision; the norm of the rounded
     * input is accumulated in double and rounded once (its error is far
     * below the precision of the iteration itself). */
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            st->xf[i * cols + j] =
                (float)lmc_round(m->data[i * m->tda + j], p->precision);
    double ssq = 0, mx = 0;
    for (size_t i = 0; i < rows * cols; i++)
        mx = fmax(mx, fabs((double)st->xf[i]));
    if (mx > 0)
        for (size_t i = 0; i < rows * cols; i++)
            ssq += ((double)st->xf[i] / mx) * ((double)st->xf[i] / mx);
    const float d =
        (float)lmc_round(sch->divisor * mx * sqrt(ssq) + sch->eps,
                         p->precision);
    const float scale = d > 0 ? 1.0f / d : 0.0f;
    for (size_t i = 0; i < rows * cols; i++)
        st->xf[i] *= scale;
    round_f(st->xf, rows * cols, bf16);
    feclearexcept(FE_OVERFLOW);
    for (size_t j = 0; j < p->steps; j++)
    {
        step_f(st, lmc_schedule_coef(sch, j), bf16);
        if (overflowed_f(st->xf, rows * cols))
            LMC_ERROR(LMC_ENONFINITE, "poly: the %s iterate overflowed at "
                      "step %zu of %zu", lmc_precision_name(p->precision),
                      j + 1, p->steps);
    }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            s->data[i * s->tda + j] = -(double)st->xf[i * cols + j];
    return LMC_SUCCESS;
}

static int
poly_predict(void *vstate, lmc_inexact *q, const gsl_matrix *m,
             double *delta)
{
    poly_state *st = vstate;
    LMC_TRY(lmc_svd_values(st->w, m));
    /* Singular values the exact oracle treats as zero (its rank cut) are
     * not part of LMO(M); drop them from the prediction too. */
    const double cut = lmc_svd_rank_rtol(st->m, st->n) * st->w->s[0];
    size_t r = 0;
    while (r < st->k && st->w->s[r] > cut)
        r++;
    return lmc_schedule_predict(&q->params.schedule, q->params.steps,
                                st->w->s, r, lmc_frobenius(m), delta);
}

const lmc_inexact_type lmc_inexact_poly = {
    .name = "poly",
    .summary = "polynomial orthogonalizer (schedule, steps, precision)",
    .spectral_only = 1,
    .uses = LMC_INEXACT_USES_SCHEDULE | LMC_INEXACT_USES_PRECISION,
    .size = sizeof(poly_state),
    .alloc = poly_alloc,
    .apply = poly_apply,
    .predict = poly_predict,
    .free = poly_free,
};
