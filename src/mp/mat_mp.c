/* mat_mp.c -- dense MPFR matrices: conversion, products, Frobenius norm,
 * Gauss-Jordan inverse, Householder QR.
 *
 * Every operation rounds to nearest: these build reference values (the
 * polar factor, exact-arithmetic polynomial outputs), not one-sided bounds,
 * and the precision (plus guard bits where stated) makes the rounding
 * negligible against what the references are compared with.
 *
 * Inverse: Gauss-Jordan on [A | I] with partial pivoting (row k takes the
 * largest |entry| of column k among rows k..n-1), eliminating above and
 * below the pivot, so the right half ends as A^{-1}.
 *
 * QR: Householder reflectors H_k = I - 2 v v^T / (v^T v) with
 * v = x - alpha e_1, alpha = -sign(x_1) ||x|| (no cancellation in v_1);
 * Q_1 = H_0 ... H_{n-1} [I_n; 0] accumulated backwards.
 */
#include "mp.h"
#include "unwind.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "status.h"

int
lmc_mp_check_prec(mpfr_prec_t prec)
{
    if (prec < LMC_MP_PREC_MIN || prec > MPFR_PREC_MAX)
        LMC_ERROR(LMC_EINVAL, "MPFR precision %ld bits is not accepted "
                  "(accepted: %d..%ld bits; below 53 a double does not "
                  "convert exactly)", (long)prec, LMC_MP_PREC_MIN,
                  (long)MPFR_PREC_MAX);
    return LMC_SUCCESS;
}

lmc_mp_mat *
lmc_mp_mat_alloc(size_t size1, size_t size2, mpfr_prec_t prec)
{
    if (size1 == 0 || size2 == 0)
        LMC_ERROR_NULL(LMC_EBADLEN, "MPFR matrix of %zux%zu: sizes must be "
                       ">= 1", size1, size2);
    if (size1 > SIZE_MAX / size2 / sizeof(mpfr_t))
        LMC_ERROR_NULL(LMC_EBADLEN, "MPFR matrix of %zux%zu is too large",
                       size1, size2);
    if (prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX)
        LMC_ERROR_NULL(LMC_EINVAL, "MPFR precision %ld outside %ld..%ld",
                       (long)prec, (long)MPFR_PREC_MIN, (long)MPFR_PREC_MAX);
    lmc_mp_mat *a = malloc(sizeof *a);
    if (!a)
        LMC_ERROR_NULL(LMC_ENOMEM, "MPFR matrix header");
    a->data = malloc(size1 * size2 * sizeof(mpfr_t));
    if (!a->data)
    {
        free(a);
        LMC_ERROR_NULL(LMC_ENOMEM, "MPFR matrix of %zux%zu", size1, size2);
    }
    a->size1 = size1;
    a->size2 = size2;
    a->prec = prec;
    for (size_t i = 0; i < size1 * size2; i++)
    {
        mpfr_init2(a->data[i], prec);
        mpfr_set_zero(a->data[i], 1);
    }
    return a;
}

void
lmc_mp_mat_free(lmc_mp_mat *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->size1 * a->size2; i++)
        mpfr_clear(a->data[i]);
    free(a->data);
    free(a);
}

int
lmc_mp_mat_set_gsl(lmc_mp_mat *dst, const gsl_matrix *src)
{
    if (dst->size1 != src->size1 || dst->size2 != src->size2)
        LMC_ERROR(LMC_EBADLEN, "copy of a %zux%zu matrix into %zux%zu",
                  src->size1, src->size2, dst->size1, dst->size2);
    if (dst->prec < LMC_MP_PREC_MIN)
        LMC_ERROR(LMC_EINVAL, "exact copy of doubles needs >= 53 bits, "
                  "destination has %ld", (long)dst->prec);
    for (size_t i = 0; i < src->size1; i++)
        for (size_t j = 0; j < src->size2; j++)
        {
            const double v = gsl_matrix_get(src, i, j);
            if (!isfinite(v))
                LMC_ERROR(LMC_ENONFINITE, "entry (%zu,%zu) of the input is "
                          "%g (accepted: finite numbers)", i, j, v);
            /* exact: 53 <= prec, and MPFR's exponent range holds every
             * double including subnormals */
            mpfr_set_d(ENTRY(dst, i, j), v, MPFR_RNDN);
        }
    return LMC_SUCCESS;
}

int
lmc_mp_mat_get_gsl(gsl_matrix *dst, const lmc_mp_mat *src)
{
    if (dst->size1 != src->size1 || dst->size2 != src->size2)
        LMC_ERROR(LMC_EBADLEN, "copy of a %zux%zu MPFR matrix into %zux%zu",
                  src->size1, src->size2, dst->size1, dst->size2);
    for (size_t i = 0; i < src->size1; i++)
        for (size_t j = 0; j < src->size2; j++)
            /* nearest: the double closest to the reference value */
            gsl_matrix_set(dst, i, j, mpfr_get_d(ENTRY(src, i, j),
                                                 MPFR_RNDN));
    return LMC_SUCCESS;
}

int
lmc_mp_mat_set(lmc_mp_mat *dst, const lmc_mp_mat *src)
{
    if (dst->size1 != src->size1 || dst->size2 != src->size2)
        LMC_ERROR(LMC_EBADLEN, "copy of a %zux%zu MPFR matrix into %zux%zu",
                  src->size1, src->size2, dst->size1, dst->size2);
    if (dst == src)
        return LMC_SUCCESS;
    for (size_t i = 0; i < src->size1 * src->size2; i++)
        mpfr_set(dst->data[i], src->data[i], MPFR_RNDN);
    return LMC_SUCCESS;
}

int
lmc_mp_mat_transpose(lmc_mp_mat *dst, const lmc_mp_mat *src)
{
    if (dst->size1 != src->size2 || dst->size2 != src->size1)
        LMC_ERROR(LMC_EBADLEN, "transpose of a %zux%zu MPFR matrix into "
                  "%zux%zu", src->size1, src->size2, dst->size1, dst->size2);
    if (dst == src)
        LMC_ERROR(LMC_EINVAL, "transpose: destination aliases the source");
    for (size_t i = 0; i < src->size1; i++)
        for (size_t j = 0; j < src->size2; j++)
            mpfr_set(ENTRY(dst, j, i), ENTRY(src, i, j), MPFR_RNDN);
    return LMC_SUCCESS;
}

int
lmc_mp_mat_neg(lmc_mp_mat *a)
{
    for (size_t i = 0; i < a->size1 * a->size2; i++)
        mpfr_neg(a->data[i], a->data[i], MPFR_RNDN); /* exact */
    return LMC_SUCCESS;
}

int
lmc_mp_mat_isfinite(const lmc_mp_mat *a)
{
    for (size_t i = 0; i < a->size1 * a->size2; i++)
        if (!mpfr_number_p(a->data[i]))
            return 0;
    return 1;
}

/* c = op(a) op(b) with op(a) (i,l) = a(i,l) or a(l,i); shapes checked by
 * the callers.  acc keeps the dot product at c->prec. */
static void
mul_generic(lmc_mp_mat *c, const lmc_mp_mat *a, int ta, const lmc_mp_mat *b,
            int tb, size_t k)
{
    mpfr_t acc;
    mpfr_init2(acc, c->prec);
    for (size_t i = 0; i < c->size1; i++)
        for (size_t j = 0; j < c->size2; j++)
        {
            mpfr_set_zero(acc, 1);
            for (size_t l = 0; l < k; l++)
            {
                mpfr_srcptr x = ta ? ENTRY(a, l, i) : ENTRY(a, i, l);
                mpfr_srcptr y = tb ? ENTRY(b, j, l) : ENTRY(b, l, j);
                mpfr_fma(acc, x, y, acc, MPFR_RNDN);
            }
            mpfr_set(ENTRY(c, i, j), acc, MPFR_RNDN);
        }
    mpfr_clear(acc);
}

static int
mul_check(const lmc_mp_mat *c, const lmc_mp_mat *a, int ta,
          const lmc_mp_mat *b, int tb, size_t *k)
{
    const size_t am = ta ? a->size2 : a->size1, ak = ta ? a->size1 : a->size2;
    const size_t bk = tb ? b->size2 : b->size1, bn = tb ? b->size1 : b->size2;
    if (ak != bk || c->size1 != am || c->size2 != bn)
        LMC_ERROR(LMC_EBADLEN, "MPFR product: %zux%zu times %zux%zu into "
                  "%zux%zu", am, ak, bk, bn, c->size1, c->size2);
    if (c == a || c == b)
        LMC_ERROR(LMC_EINVAL, "MPFR product: the result aliases a factor");
    *k = ak;
    return LMC_SUCCESS;
}

/* c = op(a) op(b) after the shape and aliasing checks. */
static int
mul_checked(lmc_mp_mat *c, const lmc_mp_mat *a, int ta, const lmc_mp_mat *b,
            int tb)
{
    size_t k;
    LMC_TRY(mul_check(c, a, ta, b, tb, &k));
    mul_generic(c, a, ta, b, tb, k);
    return LMC_SUCCESS;
}

int
lmc_mp_mat_mul(lmc_mp_mat *c, const lmc_mp_mat *a, const lmc_mp_mat *b)
{
    return mul_checked(c, a, 0, b, 0);
}

int
lmc_mp_mat_mul_tn(lmc_mp_mat *c, const lmc_mp_mat *a, const lmc_mp_mat *b)
{
    return mul_checked(c, a, 1, b, 0);
}

int
lmc_mp_mat_mul_nt(lmc_mp_mat *c, const lmc_mp_mat *a, const lmc_mp_mat *b)
{
    return mul_checked(c, a, 0, b, 1);
}

int
lmc_mp_mat_frobenius(mpfr_t out, const lmc_mp_mat *a)
{
    mpfr_t acc;
    /* 32 extra bits: the n-term sum loses at most log2(n) bits */
    mpfr_init2(acc, mpfr_get_prec(out) + 32);
    mpfr_set_zero(acc, 1);
    for (size_t i = 0; i < a->size1 * a->size2; i++)
        mpfr_fma(acc, a->data[i], a->data[i], acc, MPFR_RNDN);
    mpfr_sqrt(out, acc, MPFR_RNDN);
    mpfr_clear(acc);
    return LMC_SUCCESS;
}

int
lmc_mp_mat_inverse(lmc_mp_mat *ainv, const lmc_mp_mat *a, lmc_mp_mat *work)
{
    const size_t n = a->size1;
    if (a->size2 != n || ainv->size1 != n || ainv->size2 != n
        || work->size1 != n || work->size2 != 2 * n)
        LMC_ERROR(LMC_EBADLEN, "MPFR inverse of a %zux%zu matrix into "
                  "%zux%zu with a %zux%zu workspace (wanted square, same "
                  "shape, workspace n x 2n)", a->size1, a->size2,
                  ainv->size1, ainv->size2, work->size1, work->size2);
    if (ainv == a || ainv == work || a == work)
        LMC_ERROR(LMC_EINVAL, "MPFR inverse: arguments alias each other");
    if (!lmc_mp_mat_isfinite(a))
        LMC_ERROR(LMC_ENONFINITE, "MPFR inverse: NaN or Inf entry");

    const mpfr_prec_t wp = ainv->prec;
    int status = LMC_SUCCESS;
    mpfr_t amax, piv, f, thr;
    mpfr_inits2(wp, amax, piv, f, thr, (mpfr_ptr)0);

    /* [a | I], and the largest |a_ij| for the singularity threshold */
    mpfr_set_zero(amax, 1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
        {
            mpfr_set(ENTRY(work, i, j), ENTRY(a, i, j), MPFR_RNDN);
            mpfr_set_ui(ENTRY(work, i, n + j), i == j, MPFR_RNDN);
            if (mpfr_cmpabs(ENTRY(a, i, j), amax) > 0)
                mpfr_abs(amax, ENTRY(a, i, j), MPFR_RNDN);
        }
    /* Threshold n^2 2^(8-wp) max|a|: a pivot this small is rounding noise
     * (the elimination's error is ~n 2^-wp max|a| per entry; partial
     * pivoting keeps growth modest for the near-orthogonal iterates and
     * triangular factors inverted here).  Rounding is immaterial: the
     * threshold is a factor 2^8 away from the noise either way. */
    mpfr_mul_ui(thr, amax, (unsigned long)n, MPFR_RNDN);
    mpfr_mul_ui(thr, thr, (unsigned long)n, MPFR_RNDN);
    mpfr_mul_2si(thr, thr, 8 - (long)wp, MPFR_RNDN);

    for (size_t k = 0; k < n; k++)
    {
        size_t p = k;
        for (size_t i = k + 1; i < n; i++)
            if (mpfr_cmpabs(ENTRY(work, i, k), ENTRY(work, p, k)) > 0)
                p = i;
        if (mpfr_cmpabs(ENTRY(work, p, k), thr) <= 0)
        {
            char what[48];
            mpfr_abs(piv, ENTRY(work, p, k), MPFR_RNDN);
            if (mpfr_zero_p(piv) || mpfr_zero_p(amax))
                snprintf(what, sizeof what, "exactly 0");
            else
            {
                mpfr_div(piv, piv, amax, MPFR_RNDN);
                snprintf(what, sizeof what, "~2^%ld times max|a_ij|",
                         (long)mpfr_get_exp(piv));
            }
            lmc_error(__FILE__, __LINE__, LMC_EDOM,
                      "rank-deficient input: the MPFR reference needs full "
                      "rank (pivot %zu of %zu is %s, at or below rounding "
                      "level for %ld bits)", k + 1, n, what, (long)wp);
            status = LMC_EDOM;
            goto fail;
        }
        if (p != k)
            for (size_t j = 0; j < 2 * n; j++)
                mpfr_swap(ENTRY(work, p, j), ENTRY(work, k, j));
        mpfr_set(piv, ENTRY(work, k, k), MPFR_RNDN);
        for (size_t j = 0; j < 2 * n; j++)
            mpfr_div(ENTRY(work, k, j), ENTRY(work, k, j), piv, MPFR_RNDN);
        for (size_t i = 0; i < n; i++)
        {
            if (i == k || mpfr_zero_p(ENTRY(work, i, k)))
                continue;
            mpfr_neg(f, ENTRY(work, i, k), MPFR_RNDN);
            for (size_t j = k; j < 2 * n; j++)
                mpfr_fma(ENTRY(work, i, j), f, ENTRY(work, k, j),
                         ENTRY(work, i, j), MPFR_RNDN);
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            mpfr_set(ENTRY(ainv, i, j), ENTRY(work, i, n + j), MPFR_RNDN);

fail:
    mpfr_clears(amax, piv, f, thr, (mpfr_ptr)0);
    return status;
}

/* Applies the Householder reflector H = I - 2 v v^T / (v^T v), v = column
 * k of w from row k down, to columns j0.. of a (rows k..m-1 change); a may
 * be w when j0 > k.  vtv, s, f are scratch. */
static void
reflect_columns(lmc_mp_mat *a, const lmc_mp_mat *w, size_t k, size_t j0,
                mpfr_t vtv, mpfr_t s, mpfr_t f)
{
    const size_t m = w->size1, n = a->size2;
    mpfr_set_zero(vtv, 1);
    for (size_t i = k; i < m; i++)
        mpfr_fma(vtv, ENTRY(w, i, k), ENTRY(w, i, k), vtv, MPFR_RNDN);
    for (size_t j = j0; j < n; j++)
    {
        mpfr_set_zero(s, 1);
        for (size_t i = k; i < m; i++)
            mpfr_fma(s, ENTRY(w, i, k), ENTRY(a, i, j), s, MPFR_RNDN);
        mpfr_mul_2ui(f, s, 1, MPFR_RNDN);
        mpfr_div(f, f, vtv, MPFR_RNDN);
        mpfr_neg(f, f, MPFR_RNDN);
        for (size_t i = k; i < m; i++)
            mpfr_fma(ENTRY(a, i, j), f, ENTRY(w, i, k), ENTRY(a, i, j),
                     MPFR_RNDN);
    }
}

int
lmc_mp_mat_qr(lmc_mp_mat *q, lmc_mp_mat *r, const lmc_mp_mat *a,
              lmc_mp_mat *work)
{
    const size_t m = a->size1, n = a->size2;
    if (m < n || q->size1 != m || q->size2 != n || r->size1 != n
        || r->size2 != n || work->size1 != m || work->size2 != n)
        LMC_ERROR(LMC_EBADLEN, "MPFR QR of a %zux%zu matrix into q %zux%zu, "
                  "r %zux%zu, workspace %zux%zu (wanted m >= n, q and "
                  "workspace m x n, r n x n)", m, n, q->size1, q->size2,
                  r->size1, r->size2, work->size1, work->size2);
    if (q == r || q == a || q == work || r == a || r == work || a == work)
        LMC_ERROR(LMC_EINVAL, "MPFR QR: arguments alias each other");

    /* scalars at the highest precision involved; the vectors live at
     * work->prec (allocate work at q's precision) */
    mpfr_prec_t wp = q->prec > r->prec ? q->prec : r->prec;
    if (work->prec > wp)
        wp = work->prec;
    mpfr_t nrm, vtv, s, f;
    mpfr_inits2(wp, nrm, vtv, s, f, (mpfr_ptr)0);
    /* v^T v of each reflector is recomputed while accumulating q, so only
     * the vectors are kept (column k of work, rows k..m-1). */
    for (size_t i = 0; i < m * n; i++)
        mpfr_set(work->data[i], a->data[i], MPFR_RNDN);

    for (size_t i = 0; i < n * n; i++)
        mpfr_set_zero(r->data[i], 1);
    for (size_t k = 0; k < n; k++)
    {
        mpfr_set_zero(nrm, 1);
        for (size_t i = k; i < m; i++)
            mpfr_fma(nrm, ENTRY(work, i, k), ENTRY(work, i, k), nrm,
                     MPFR_RNDN);
        mpfr_sqrt(nrm, nrm, MPFR_RNDN);
        if (mpfr_zero_p(nrm))
            continue; /* H_k = I, r_kk = 0; v = 0 marks it below */
        /* alpha = -sign(x_1) ||x||; v_1 = x_1 - alpha adds magnitudes */
        if (mpfr_sgn(ENTRY(work, k, k)) >= 0)
            mpfr_neg(nrm, nrm, MPFR_RNDN);
        mpfr_set(ENTRY(r, k, k), nrm, MPFR_RNDN);
        mpfr_sub(ENTRY(work, k, k), ENTRY(work, k, k), nrm, MPFR_RNDN);
        reflect_columns(work, work, k, k + 1, vtv, s, f);
    }
    /* row k of work is final once H_k is applied (later reflectors touch
     * rows > k only): its part right of the diagonal is r's */
    for (size_t k = 0; k < n; k++)
        for (size_t j = k + 1; j < n; j++)
            mpfr_set(ENTRY(r, k, j), ENTRY(work, k, j), MPFR_RNDN);

    for (size_t i = 0; i < m * n; i++)
        mpfr_set_zero(q->data[i], 1);
    for (size_t k = 0; k < n; k++)
        mpfr_set_ui(ENTRY(q, k, k), 1, MPFR_RNDN);
    for (size_t kk = n; kk-- > 0;)
    {
        if (mpfr_zero_p(ENTRY(r, kk, kk)))
            continue; /* skipped reflector: identity */
        reflect_columns(q, work, kk, kk, vtv, s, f);
    }
    mpfr_clears(nrm, vtv, s, f, (mpfr_ptr)0);
    return LMC_SUCCESS;
}
