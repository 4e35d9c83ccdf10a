/* t-mp-polar.c -- the MPFR reference (THEORY O3): polar factor, realized
 * delta and the exact-arithmetic polynomial orthogonalizer.
 *
 * Test matrices are A = U diag(s) V^T with U, V orthonormal factors from
 * the QR of Gaussian matrices, so the singular values are known.  Checks:
 *   - the 256-bit polar factor agrees with LAPACK's (dgesdd) to u cond;
 *   - it is orthonormal to 2^(20-p) and Q^T A is symmetric PSD (the
 *     defining properties of the polar factor), both measured in MPFR by
 *     loops written here, not by the library's products;
 *   - cubic Newton-Schulz run in MPFR has delta = max_i |p^(q)(s_i) - 1|,
 *     the scalar-map prediction, even at 1e-25, where a double reference
 *     (LAPACK's polar factor) only sees its own rounding (~1e-15);
 *   - a 1e-10 change of one coefficient is detected (negative control);
 *   - every error path.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "linalg.h"
#include "mp.h"
#include "schedule.h"
#include "status.h"
#include "tap.h"

/* LAPACK agreement: dgesdd is backward stable, error ~ p(n) u ||A||, and
 * the polar factor moves by at most ~||E|| / sigma_min under a
 * perturbation E, so ||Q_lapack - Q||_F / sqrt(k) <= c u cond.  c = 8
 * covers the modest p(n) at n <= 24: over 60 seeds the largest c seen was
 * 1.4 at cond 10 (where a cond-free ~u sqrt(k) floor dominates) and 0.09
 * at cond 1e3. */
#define TOL_LAPACK(cond) (8.0 * DBL_EPSILON * (cond))

/* Orthogonality and symmetry in MPFR: Q is rounded to p bits (error
 * 2^-p per entry), so ||Q^T Q - I||_F is a few k 2^-p; 2^20 leaves room
 * for k <= 24 and the Newton residue (2^(16-2p), far smaller). */
#define ORTH_BITS 20

/* PSD check on H = Q^T A rounded to double: eigenvalues are the singular
 * values of A (>= 0; zeros for a wide A); double rounding of H plus the
 * symmetric eigensolver's backward error ~n u ||H||_2 with ||H||_2 = 1. */
#define TOL_PSD (64 * DBL_EPSILON)

/* Measured delta vs the scalar-map prediction, relative.  Sources: the
 * double SVD of D (~k u relative on ||D||_2), the singular values of M
 * taken from a double SVD (~u relative; amplified by d ln e_q / d ln s,
 * measured below to be ~1e2, so ~1e-14), the 256-bit arithmetic (~1e-77
 * absolute, relative 1e-52 at delta 1e-25).  1e-6 is far above all of
 * them and far below the 1e-10-scale effect of the negative control. */
#define TOL_PRED 1e-6

/* Perturbation of the sensitivity check: singular values of a double
 * matrix from dgesdd carry absolute error ~k u sigma_max; 8 u with
 * sigma in [0.5, 1] covers it. */
#define SV_REL_ERR (8 * DBL_EPSILON)

/* "Far below what a double SVD can measure": deltas at q = 10 are
 * ~1e-25 here; anything below 1e-20 is out of double's reach. */
#define TINY_DELTA 1e-20

/* A double reference's own error: LAPACK's polar factor is off by
 * >= u/2-scale rounding, so its measurement of the same output cannot go
 * below ~1e-17, and is >= 1e6 times the MPFR measurement at q = 10. */
#define DOUBLE_FLOOR 1e-17
#define DOUBLE_OVER_MP 1e6

#define PREC 256
#define PREC_LOW 128

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* n x n orthogonal from the QR of a Gaussian matrix. */
static gsl_matrix *
random_orthogonal(gsl_rng *r, size_t n)
{
    gsl_matrix *g = gsl_matrix_alloc(n, n), *q = gsl_matrix_alloc(n, n);
    gsl_matrix *rr = gsl_matrix_alloc(n, n);
    gsl_vector *tau = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(g, i, j, gsl_ran_gaussian(r, 1.0));
    gsl_linalg_QR_decomp(g, tau);
    gsl_linalg_QR_unpack(g, tau, q, rr);
    gsl_matrix_free(g);
    gsl_matrix_free(rr);
    gsl_vector_free(tau);
    return q;
}

/* m x n matrix U[:, :k] diag(s) V[:, :k]^T, k = min(m, n). */
static gsl_matrix *
with_spectrum(gsl_rng *r, size_t m, size_t n, const double *s)
{
    const size_t k = m < n ? m : n;
    gsl_matrix *u = random_orthogonal(r, m), *v = random_orthogonal(r, n);
    gsl_matrix *us = gsl_matrix_alloc(m, k), *a = gsl_matrix_alloc(m, n);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < k; j++)
            gsl_matrix_set(us, i, j, gsl_matrix_get(u, i, j) * s[j]);
    gsl_matrix_const_view vk = gsl_matrix_const_submatrix(v, 0, 0, n, k);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, us, &vk.matrix, 0.0, a);
    gsl_matrix_free(u);
    gsl_matrix_free(v);
    gsl_matrix_free(us);
    return a;
}

/* Geometric spectrum from 1 down to 1/cond. */
static void
geometric(double *s, size_t k, double cond)
{
    for (size_t i = 0; i < k; i++)
        s[i] = k == 1 ? 1.0 : pow(cond, -(double)i / (double)(k - 1));
}

/* ||Q^T Q - I||_F (tall/square) or ||Q Q^T - I||_F (wide) by plain MPFR
 * loops at 2p + 32 bits (products of p-bit numbers are exact at 2p). */
static void
orth_error(mpfr_t out, const lmc_mp_mat *q)
{
    const int wide = q->size1 < q->size2;
    const size_t k = wide ? q->size1 : q->size2;
    const size_t l = wide ? q->size2 : q->size1;
    mpfr_t acc, ssq;
    mpfr_inits2(2 * q->prec + 32, acc, ssq, (mpfr_ptr)0);
    mpfr_set_zero(ssq, 1);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
        {
            mpfr_set_si(acc, i == j ? -1 : 0, MPFR_RNDN);
            for (size_t t = 0; t < l; t++)
            {
                mpfr_srcptr x = wide ? q->data[i * q->size2 + t]
                                     : q->data[t * q->size2 + i];
                mpfr_srcptr y = wide ? q->data[j * q->size2 + t]
                                     : q->data[t * q->size2 + j];
                mpfr_fma(acc, x, y, acc, MPFR_RNDN);
            }
            mpfr_fma(ssq, acc, acc, ssq, MPFR_RNDN);
        }
    mpfr_sqrt(out, ssq, MPFR_RNDN);
    mpfr_clears(acc, ssq, (mpfr_ptr)0);
}

/* H = Q^T A (n x n) by MPFR loops; returns ||H - H^T||_F / ||H||_F in
 * asym and H rounded to double in hd. */
static void
qta(mpfr_t asym, gsl_matrix *hd, const lmc_mp_mat *q, const gsl_matrix *a)
{
    const size_t m = a->size1, n = a->size2;
    const mpfr_prec_t wp = 2 * q->prec + 32;
    mpfr_t *h = malloc(n * n * sizeof *h);
    mpfr_t d, num, den;
    mpfr_inits2(wp, d, num, den, (mpfr_ptr)0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
        {
            mpfr_init2(h[i * n + j], wp);
            mpfr_set_zero(h[i * n + j], 1);
            for (size_t t = 0; t < m; t++)
            {
                mpfr_set_d(d, gsl_matrix_get(a, t, j), MPFR_RNDN); /* exact */
                mpfr_fma(h[i * n + j], q->data[t * n + i], d, h[i * n + j],
                         MPFR_RNDN);
            }
        }
    mpfr_set_zero(num, 1);
    mpfr_set_zero(den, 1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
        {
            mpfr_sub(d, h[i * n + j], h[j * n + i], MPFR_RNDN);
            mpfr_fma(num, d, d, num, MPFR_RNDN);
            mpfr_fma(den, h[i * n + j], h[i * n + j], den, MPFR_RNDN);
            gsl_matrix_set(hd, i, j, mpfr_get_d(h[i * n + j], MPFR_RNDN));
        }
    mpfr_div(asym, num, den, MPFR_RNDN);
    mpfr_sqrt(asym, asym, MPFR_RNDN);
    for (size_t i = 0; i < n * n; i++)
        mpfr_clear(h[i]);
    free(h);
    mpfr_clears(d, num, den, (mpfr_ptr)0);
}

/* Smallest eigenvalue of the symmetric part of h. */
static double
min_eig(const gsl_matrix *h)
{
    const size_t n = h->size1;
    gsl_matrix *c = gsl_matrix_alloc(n, n);
    gsl_vector *ev = gsl_vector_alloc(n);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(c, i, j, 0.5 * (gsl_matrix_get(h, i, j)
                                           + gsl_matrix_get(h, j, i)));
    gsl_eigen_symm(c, ev, w);
    const double lo = gsl_vector_min(ev);
    gsl_eigen_symm_free(w);
    gsl_vector_free(ev);
    gsl_matrix_free(c);
    return lo;
}

static void
shape_name(char *buf, size_t len, size_t m, size_t n)
{
    snprintf(buf, len, "%s %zux%zu", m == n ? "square" : m > n ? "tall"
                                                                : "wide",
             m, n);
}

static const size_t shapes[3][2] = {{16, 16}, {24, 12}, {12, 24}};

/* Agreement with LAPACK, orthogonality at two precisions, Q^T A SPD. */
static void
test_polar(gsl_rng *r)
{
    const double conds[2] = {1e1, 1e3};
    for (size_t sh = 0; sh < 3; sh++)
    {
        const size_t m = shapes[sh][0], n = shapes[sh][1];
        const size_t k = m < n ? m : n;
        char name[32];
        double s[24];
        shape_name(name, sizeof name, m, n);
        lmc_svd *w = lmc_svd_alloc(m, n, 1);
        gsl_matrix *ql = gsl_matrix_alloc(m, n), *qd = gsl_matrix_alloc(m, n);
        lmc_mp_mat *q = lmc_mp_mat_alloc(m, n, PREC);
        lmc_mp_mat *q128 = lmc_mp_mat_alloc(m, n, PREC_LOW);
        for (size_t c = 0; c < 2; c++)
        {
            geometric(s, k, conds[c]);
            gsl_matrix *a = with_spectrum(r, m, n, s);
            size_t rank = 0;
            int it = 0;
            const double t0 = now();
            const int st = lmc_mp_polar(q, a, PREC, &it);
            const double t1 = now();
            lmc_svd_polar(w, a, lmc_svd_rank_rtol(m, n), ql, &rank);
            lmc_mp_mat_get_gsl(qd, q);
            gsl_matrix_sub(qd, ql);
            const double diff = lmc_frobenius(qd) / sqrt((double)k);
            tap_diag("%s cond %.0e: %d Newton iterations, %.3f s, LAPACK "
                     "rank %zu, ||Q_mp - Q_lapack||_F/sqrt(k) = %.3e",
                     name, conds[c], it, t1 - t0, rank, diff);
            tap_ok(st == LMC_SUCCESS && rank == k
                       && diff <= TOL_LAPACK(conds[c]),
                   "MPFR polar (%d bits) agrees with LAPACK's, %s cond %.0e:"
                   " %.2e <= %.2e", PREC, name, conds[c], diff,
                   TOL_LAPACK(conds[c]));

            if (c == 1)
            {
                /* defining properties at the larger condition number */
                mpfr_t err, asym;
                char b1[32], b2[32];
                mpfr_inits2(64, err, asym, (mpfr_ptr)0);
                for (int pi = 0; pi < 2; pi++)
                {
                    const mpfr_prec_t p = pi ? PREC : PREC_LOW;
                    lmc_mp_mat *qq = pi ? q : q128;
                    const int st2 = pi ? st : lmc_mp_polar(q128, a, p, NULL);
                    orth_error(err, qq);
                    mpfr_snprintf(b1, sizeof b1, "%.3Re", err);
                    tap_ok(st2 == LMC_SUCCESS
                               && mpfr_cmp_ui_2exp(err, 1,
                                                   ORTH_BITS - (long)p) < 0,
                           "MPFR polar at %ld bits is orthonormal, %s: "
                           "||Q^TQ - I||_F = %s < 2^%ld", (long)p, name, b1,
                           ORTH_BITS - (long)p);
                }
                gsl_matrix *h = gsl_matrix_alloc(n, n);
                qta(asym, h, q, a);
                const double lo = min_eig(h);
                mpfr_snprintf(b2, sizeof b2, "%.3Re", asym);
                tap_ok(mpfr_cmp_ui_2exp(asym, 1, ORTH_BITS - PREC) < 0
                           && lo >= -TOL_PSD,
                       "Q^T A is symmetric PSD, %s: ||H - H^T||_F/||H||_F = "
                       "%s, lambda_min = %.3e (sigma_min %.1e)", name, b2,
                       lo, s[k - 1]);
                gsl_matrix_free(h);
                mpfr_clears(err, asym, (mpfr_ptr)0);
            }
            gsl_matrix_free(a);
        }
        lmc_mp_mat_free(q);
        lmc_mp_mat_free(q128);
        gsl_matrix_free(ql);
        gsl_matrix_free(qd);
        lmc_svd_free(w);
    }
}

/* max_i |p^(q)(scale_i sv_i / f) - 1| in MPFR, as a double. */
static double
predict(const lmc_schedule *sch, size_t steps, const double *sv, size_t k,
        const mpfr_t f, double scale)
{
    mpfr_t x, e, emax;
    mpfr_inits2(PREC, x, e, emax, (mpfr_ptr)0);
    mpfr_set_zero(emax, 1);
    for (size_t i = 0; i < k; i++)
    {
        mpfr_set_d(x, sv[i], MPFR_RNDN); /* exact */
        mpfr_mul_d(x, x, scale, MPFR_RNDN);
        mpfr_div(x, x, f, MPFR_RNDN);
        lmc_mp_poly_map(e, sch, steps, x, PREC);
        mpfr_sub_ui(e, e, 1, MPFR_RNDN);
        mpfr_abs(e, e, MPFR_RNDN);
        if (mpfr_cmp(e, emax) > 0)
            mpfr_set(emax, e, MPFR_RNDN);
    }
    const double out = mpfr_get_d(emax, MPFR_RNDN);
    mpfr_clears(x, e, emax, (mpfr_ptr)0);
    return out;
}

static void
cubic_schedule(lmc_schedule *sch, double a)
{
    memset(sch, 0, sizeof *sch);
    snprintf(sch->name, sizeof sch->name, "%s", "cubic-ns-test");
    sch->coef[0][0] = a;
    sch->coef[0][1] = -0.5;
    sch->coef[0][2] = 0.0;
    sch->len = 1;
    sch->cyclic = 1;
    sch->steps = 10;
    sch->divisor = 1.0;
    sch->eps = 0.0;
}

/* Delta of cubic Newton-Schulz in MPFR vs the scalar map; vs LAPACK. */
static void
test_delta(gsl_rng *r)
{
    const size_t qs[2] = {8, 10};
    const size_t dshapes[2][2] = {{16, 16}, {24, 12}};
    lmc_schedule cubic, broken;
    cubic_schedule(&cubic, 1.5);
    /* negative control: one coefficient off by 1e-10 (fixed point moves to
     * sqrt(1 + 2e-10), so delta ~1e-10 instead of ~1e-25) */
    cubic_schedule(&broken, 1.5 + 1e-10);

    for (size_t sh = 0; sh < 2; sh++)
    {
        const size_t m = dshapes[sh][0], n = dshapes[sh][1];
        const size_t k = m < n ? m : n;
        char name[32];
        double s[24], sv[24];
        shape_name(name, sizeof name, m, n);
        for (size_t i = 0; i < k; i++)
            s[i] = 1.0 - 0.5 * (double)i / (double)(k - 1); /* [0.5, 1] */
        gsl_matrix *a = with_spectrum(r, m, n, s);
        lmc_svd *w = lmc_svd_alloc(m, n, 1);
        gsl_matrix *ql = gsl_matrix_alloc(m, n);
        lmc_mp_mat *q = lmc_mp_mat_alloc(m, n, PREC);
        lmc_mp_mat *p = lmc_mp_mat_alloc(m, n, PREC);
        mpfr_t f, d;
        mpfr_inits2(PREC, f, d, (mpfr_ptr)0);

        /* ||M||_F in MPFR, written here (the map's normalization) */
        mpfr_set_zero(f, 1);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
            {
                mpfr_set_d(d, gsl_matrix_get(a, i, j), MPFR_RNDN); /* exact */
                mpfr_fma(f, d, d, f, MPFR_RNDN);
            }
        mpfr_sqrt(f, f, MPFR_RNDN);
        lmc_svd_values(w, a);
        memcpy(sv, w->s, k * sizeof *sv);
        size_t rank;
        lmc_svd_polar(w, a, lmc_svd_rank_rtol(m, n), ql, &rank);
        const int stq = lmc_mp_polar(q, a, PREC, NULL);

        for (size_t iq = 0; iq < 2; iq++)
        {
            const size_t steps = qs[iq];
            double dspec = NAN, dfro = NAN, dlap = NAN;
            const double t0 = now();
            int st = lmc_mp_poly_apply(p, a, &cubic, steps, PREC);
            const double t1 = now();
            if (st == LMC_SUCCESS && stq == LMC_SUCCESS)
                st = lmc_mp_delta_mp(p, q, w, &dspec, &dfro);
            const double pred = predict(&cubic, steps, sv, k, f, 1.0);
            const double hi = predict(&cubic, steps, sv, k, f,
                                      1 + SV_REL_ERR);
            const double lo = predict(&cubic, steps, sv, k, f,
                                      1 - SV_REL_ERR);
            const double sens = fmax(fabs(hi - pred), fabs(lo - pred)) / pred;
            tap_diag("%s q=%zu: MPFR poly %.3f s; delta_2 %.6e, ||D||_F "
                     "%.6e, predicted %.6e, prediction change under %.0e "
                     "relative sv error: %.2e relative", name, steps,
                     t1 - t0, dspec, dfro, pred, SV_REL_ERR, sens);
            tap_le(sens, TOL_PRED / 100, "scalar-map prediction is "
                   "insensitive to double rounding of the singular values, "
                   "%s q=%zu", name, steps);
            tap_close(dspec, pred, TOL_PRED, 0, "MPFR-measured delta of "
                      "cubic NS (%zu steps, %s) matches the scalar map "
                      "max|p^(q)(s_i) - 1| = %.3e", steps, name, pred);
            if (steps == qs[1])
            {
                tap_le(dspec, TINY_DELTA, "MPFR measures a delta far below "
                       "double reach, %s q=%zu: %.3e", name, steps, dspec);
                /* the same output measured against LAPACK's polar factor */
                const int stl = lmc_mp_delta(ql, p, w, &dlap, NULL);
                tap_diag("%s q=%zu: against LAPACK's polar factor the "
                         "measurement reads %.3e (%.1e times the MPFR one)",
                         name, steps, dlap, dlap / dspec);
                tap_ok(stl == LMC_SUCCESS && dlap >= DOUBLE_FLOOR
                           && dlap >= DOUBLE_OVER_MP * dspec,
                       "a double reference cannot see it, %s: LAPACK-based "
                       "delta %.3e >= %.0e and >= %.0e x the MPFR one", name,
                       dlap, DOUBLE_FLOOR, DOUBLE_OVER_MP);

                double dbad = NAN;
                int stb = lmc_mp_poly_apply(p, a, &broken, steps, PREC);
                if (stb == LMC_SUCCESS)
                    stb = lmc_mp_delta_mp(p, q, w, &dbad, NULL);
                tap_diag("%s negative control: a = 1.5 + 1e-10 gives delta "
                         "%.3e vs predicted %.3e", name, dbad, pred);
                tap_ok(stb == LMC_SUCCESS
                           && fabs(dbad - pred) > TOL_PRED * pred,
                       "negative control: a 1e-10 change of one coefficient"
                       " breaks agreement with the prediction, %s", name);
            }
        }
        mpfr_clears(f, d, (mpfr_ptr)0);
        lmc_mp_mat_free(p);
        lmc_mp_mat_free(q);
        gsl_matrix_free(ql);
        gsl_matrix_free(a);
        lmc_svd_free(w);
    }
}

/* Conversions and the scalar map against exact values. */
static void
test_exact(gsl_rng *r)
{
    gsl_matrix *a = gsl_matrix_alloc(3, 4), *b = gsl_matrix_alloc(3, 4);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 4; j++)
            gsl_matrix_set(a, i, j, gsl_ran_gaussian(r, 1.0));
    gsl_matrix_set(a, 0, 0, 4.9406564584124654e-324); /* smallest subnormal */
    gsl_matrix_set(a, 1, 1, DBL_MAX);
    gsl_matrix_set(a, 2, 2, -0.0);
    lmc_mp_mat *x = lmc_mp_mat_alloc(3, 4, 53);
    int st = lmc_mp_mat_set_gsl(x, a);
    if (st == LMC_SUCCESS)
        st = lmc_mp_mat_get_gsl(b, x);
    tap_ok(st == LMC_SUCCESS && memcmp(a->data, b->data,
                                       12 * sizeof(double)) == 0,
           "double -> MPFR (53 bits) -> double round trip is exact, "
           "subnormal, DBL_MAX and -0 included");
    lmc_mp_mat_free(x);
    gsl_matrix_free(a);
    gsl_matrix_free(b);

    /* p(p(1/2)) for p(t) = 3t/2 - t^3/2: 11/16, then 7117/8192 exactly */
    lmc_schedule cubic;
    cubic_schedule(&cubic, 1.5);
    mpfr_t v;
    mpfr_init2(v, PREC);
    mpfr_set_ui_2exp(v, 1, -1, MPFR_RNDN);
    st = lmc_mp_poly_map(v, &cubic, 2, v, PREC);
    mpfr_mul_2ui(v, v, 13, MPFR_RNDN);
    tap_ok(st == LMC_SUCCESS && mpfr_cmp_ui(v, 7117) == 0,
           "scalar map: cubic NS twice from 1/2 is 7117/8192 exactly "
           "(aliased out = x)");
    mpfr_clear(v);
}

/* Every error path once, with the quiet handler installed. */
static void
test_errors(gsl_rng *r)
{
    double s[16];
    geometric(s, 16, 1e3);
    gsl_matrix *a = with_spectrum(r, 16, 16, s);
    gsl_matrix *bad = gsl_matrix_alloc(16, 16);
    gsl_matrix *wide = gsl_matrix_alloc(12, 24);
    lmc_mp_mat *q = lmc_mp_mat_alloc(16, 16, PREC);
    lmc_svd *w = lmc_svd_alloc(12, 24, 0);
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);

    tap_int(lmc_mp_polar(q, a, 52, NULL), LMC_EINVAL,
            "MPFR polar refuses 52 bits (LMC_EINVAL): %s", lmc_last_error());

    gsl_matrix_memcpy(bad, a);
    gsl_vector_const_view row = gsl_matrix_const_row(a, 3);
    gsl_matrix_set_row(bad, 11, &row.vector); /* rows 3 and 11 equal */
    tap_int(lmc_mp_polar(q, bad, PREC, NULL), LMC_EDOM,
            "singular square input is refused (LMC_EDOM): %s",
            lmc_last_error());

    gsl_matrix_memcpy(bad, a);
    gsl_matrix_set(bad, 5, 7, NAN);
    tap_int(lmc_mp_polar(q, bad, PREC, NULL), LMC_ENONFINITE,
            "NaN input is refused (LMC_ENONFINITE): %s", lmc_last_error());

    gsl_matrix_set_zero(wide);
    double dspec;
    tap_int(lmc_mp_delta(wide, q, w, &dspec, NULL), LMC_EBADLEN,
            "delta with mismatched shapes (LMC_EBADLEN): %s",
            lmc_last_error());

    int it = 0;
    tap_int(lmc_mp_polar_maxiter(q, a, PREC, 3, &it), LMC_ENOCONV,
            "3 Newton iterations cannot reach 256 bits at cond 1e3 "
            "(LMC_ENOCONV): %s", lmc_last_error());

    lmc_set_error_handler(old);
    lmc_svd_free(w);
    lmc_mp_mat_free(q);
    gsl_matrix_free(wide);
    gsl_matrix_free(bad);
    gsl_matrix_free(a);
}

int
main(void)
{
    const unsigned long seed = tap_begin(20261124);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    const double t0 = now();

    test_exact(r);
    test_polar(r);
    test_delta(r);
    test_errors(r);

    tap_diag("total %.2f s", now() - t0);
    gsl_rng_free(r);
    return tap_end();
}
