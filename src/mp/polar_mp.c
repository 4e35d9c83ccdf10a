/* polar_mp.c -- MPFR polar factor by scaled Newton, and the realized error
 * of an oracle output measured against it (THEORY O3).
 *
 * Square A (n x n, nonsingular): X_0 = A,
 *     X_{k+1} = (z_k X_k + X_k^{-T} / z_k) / 2,
 * converges quadratically to U V^T.  The Frobenius scaling
 * z_k = sqrt(||X_k^{-1}||_F / ||X_k||_F) makes the first steps fast for
 * ill-conditioned A; once the relative step is below 1/100 it is dropped
 * (z = 1) so that the final quadratic phase is plain Newton (Higham,
 * Functions of Matrices, 2008, section 8.9 and Algorithm 8.20).  The
 * iteration stops one iteration after the relative step
 * ||X_{k+1} - X_k||_F / ||X_{k+1}||_F falls below 2^(8-p): that step
 * estimates the error of X_k, so X_{k+2} is accurate to ~2^(16-2p), far
 * below the working precision p + LMC_MP_GUARD_BITS.
 *
 * Tall A (m > n): A = Q_1 R (Householder), polar(A) = Q_1 polar(R), since
 * R = U_R S V^T gives A = (Q_1 U_R) S V^T.  Wide A: polar(A) =
 * polar(A^T)^T.
 *
 * Delta: D = S~ - Q entry by entry in MPFR; rounding each entry once to
 * double keeps its relative accuracy however small D is, which is what
 * lets a double SVD of D measure ||D||_2 = 1e-30 to ~1e-15 relative.
 */
#include "mp.h"
#include "newton.h"
#include "unwind.h"

#include <math.h>
#include <stdlib.h>

#include "status.h"

int
lmc_mp_newton_step(lmc_mp_mat *x, lmc_mp_mat *y, lmc_mp_mat *xn,
                   lmc_mp_mat *work, int scaling, mpfr_t step)
{
    const size_t n = x->size1;
    int status = LMC_SUCCESS;
    mpfr_t fx, fy, z, zinv, t, d, nrm;
    mpfr_inits2(x->prec, fx, fy, z, zinv, t, d, nrm, (mpfr_ptr)0);
    CHECK(lmc_mp_mat_inverse(y, x, work));
    if (scaling)
    {
        /* nearest: z only accelerates; Newton converges for any z > 0 */
        lmc_mp_mat_frobenius(fx, x);
        lmc_mp_mat_frobenius(fy, y);
        mpfr_div(z, fy, fx, MPFR_RNDN);
        mpfr_sqrt(z, z, MPFR_RNDN);
    }
    else
        mpfr_set_ui(z, 1, MPFR_RNDN);
    mpfr_ui_div(zinv, 1, z, MPFR_RNDN);

    mpfr_set_zero(step, 1);
    mpfr_set_zero(nrm, 1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
        {
            mpfr_ptr v = ENTRY(xn, i, j);
            mpfr_mul(t, z, ENTRY(x, i, j), MPFR_RNDN);
            mpfr_fma(t, ENTRY(y, j, i), zinv, t, MPFR_RNDN);
            mpfr_div_2ui(v, t, 1, MPFR_RNDN); /* exact halving */
            mpfr_sub(d, v, ENTRY(x, i, j), MPFR_RNDN);
            mpfr_fma(step, d, d, step, MPFR_RNDN);
            mpfr_fma(nrm, v, v, nrm, MPFR_RNDN);
        }
    /* relative step ||X_{k+1} - X_k||_F / ||X_{k+1}||_F, nearest */
    mpfr_div(step, step, nrm, MPFR_RNDN);
    mpfr_sqrt(step, step, MPFR_RNDN);
    lmc_mp_swap_data(x, xn);
fail:
    mpfr_clears(fx, fy, z, zinv, t, d, nrm, (mpfr_ptr)0);
    return status;
}

/* Scaled Newton on the square x (n x n) in place; y, xn n x n and work
 * n x 2n at x's precision.  p is the requested precision (stopping test). */
static int
newton_square(lmc_mp_mat *x, lmc_mp_mat *y, lmc_mp_mat *xn,
              lmc_mp_mat *work, mpfr_prec_t p, int max_iter, int *iterations)
{
    int status = LMC_SUCCESS, scaling = 1, final = 0, it;
    mpfr_t t, step, tol;
    mpfr_inits2(x->prec, t, step, tol, (mpfr_ptr)0);
    /* 2^(8-p) exactly; the stopping test is a heuristic threshold, its
     * rounding is immaterial */
    mpfr_set_ui_2exp(tol, 1, (mpfr_exp_t)(8 - (long)p), MPFR_RNDN);

    for (it = 1; it <= max_iter; it++)
    {
        CHECK(lmc_mp_newton_step(x, y, xn, work, scaling, step));
        if (!mpfr_number_p(step))
            FAIL(LMC_EMPFR, "MPFR polar: Newton step is not a number at "
                 "iteration %d", it);
        if (final)
            break;
        if (mpfr_less_p(step, tol))
            final = 1;
        mpfr_mul_ui(t, step, 100, MPFR_RNDN);
        if (mpfr_cmp_ui(t, 1) < 0)
            scaling = 0;
    }
    if (it > max_iter)
    {
        char buf[64];
        mpfr_snprintf(buf, sizeof buf, "%.3Re", step);
        FAIL(LMC_ENOCONV, "MPFR polar: no convergence in %d Newton "
             "iterations (last relative step %s, wanted < 2^%ld)", max_iter,
             buf, 8 - (long)p);
    }
    if (iterations)
        *iterations = it;

fail:
    mpfr_clears(t, step, tol, (mpfr_ptr)0);
    return status;
}

int
lmc_mp_polar_maxiter(lmc_mp_mat *q, const gsl_matrix *a, mpfr_prec_t prec,
                     int max_iter, int *iterations)
{
    if (!q || !a)
        LMC_ERROR(LMC_EINVAL, "MPFR polar: NULL argument");
    LMC_TRY(lmc_mp_check_prec(prec));
    if (prec > MPFR_PREC_MAX - LMC_MP_GUARD_BITS)
        LMC_ERROR(LMC_EINVAL, "MPFR polar: precision %ld leaves no room for "
                  "%d guard bits", (long)prec, LMC_MP_GUARD_BITS);
    if (max_iter < 1)
        LMC_ERROR(LMC_EINVAL, "MPFR polar: iteration cap %d (accepted: >= 1)",
                  max_iter);
    if (q->size1 != a->size1 || q->size2 != a->size2)
        LMC_ERROR(LMC_EBADLEN, "MPFR polar of a %zux%zu matrix into %zux%zu",
                  a->size1, a->size2, q->size1, q->size2);
    for (size_t i = 0; i < a->size1; i++)
        for (size_t j = 0; j < a->size2; j++)
            if (!isfinite(gsl_matrix_get(a, i, j)))
                LMC_ERROR(LMC_ENONFINITE, "MPFR polar: entry (%zu,%zu) of "
                          "the input is %g (accepted: finite numbers)", i, j,
                          gsl_matrix_get(a, i, j));

    /* Work on a tall or square m x n: the transpose of a wide input. */
    const int wide = a->size1 < a->size2;
    const size_t m = wide ? a->size2 : a->size1;
    const size_t n = wide ? a->size1 : a->size2;
    const mpfr_prec_t wp = prec + LMC_MP_GUARD_BITS;
    int status = LMC_SUCCESS;
    lmc_mp_mat *am = NULL, *q1 = NULL, *r = NULL, *qrw = NULL;
    lmc_mp_mat *y = NULL, *xn = NULL, *gjw = NULL, *p = NULL;

    ALLOC(am, m, n, wp);
    for (size_t i = 0; i < a->size1; i++)
        for (size_t j = 0; j < a->size2; j++)
            /* exact: wp > 53 */
            mpfr_set_d(wide ? ENTRY(am, j, i) : ENTRY(am, i, j),
                       gsl_matrix_get(a, i, j), MPFR_RNDN);

    lmc_mp_mat *x = am; /* the square Newton iterate */
    if (m > n)
    {
        ALLOC(q1, m, n, wp);
        ALLOC(r, n, n, wp);
        ALLOC(qrw, m, n, wp);
        CHECK(lmc_mp_mat_qr(q1, r, am, qrw));
        x = r;
    }
    ALLOC(y, n, n, wp);
    ALLOC(xn, n, n, wp);
    ALLOC(gjw, n, 2 * n, wp);
    CHECK(newton_square(x, y, xn, gjw, prec, max_iter, iterations));

    if (m > n)
    {
        ALLOC(p, m, n, wp);
        CHECK(lmc_mp_mat_mul(p, q1, x));
    }
    {
        const lmc_mp_mat *res = p ? p : x;
        for (size_t i = 0; i < q->size1; i++)
            for (size_t j = 0; j < q->size2; j++)
                /* nearest at q's precision */
                mpfr_set(ENTRY(q, i, j),
                         wide ? ENTRY(res, j, i) : ENTRY(res, i, j),
                         MPFR_RNDN);
    }

fail:
    lmc_mp_mat_free(am);
    lmc_mp_mat_free(q1);
    lmc_mp_mat_free(r);
    lmc_mp_mat_free(qrw);
    lmc_mp_mat_free(y);
    lmc_mp_mat_free(xn);
    lmc_mp_mat_free(gjw);
    lmc_mp_mat_free(p);
    return status;
}

int
lmc_mp_polar(lmc_mp_mat *q, const gsl_matrix *a, mpfr_prec_t prec,
             int *iterations)
{
    return lmc_mp_polar_maxiter(q, a, prec, LMC_MP_POLAR_MAXITER,
                                iterations);
}

/* D = s - q with s given either in double (sd) or in MPFR (sm). */
static int
delta_core(const gsl_matrix *sd, const lmc_mp_mat *sm, const lmc_mp_mat *q,
           lmc_svd *w, double *delta_spec, double *err_frob)
{
    if (!sd && !sm)
        LMC_ERROR(LMC_EINVAL, "delta: NULL s_tilde");
    if (!q)
        LMC_ERROR(LMC_EINVAL, "delta: NULL argument");
    const size_t m = q->size1, n = q->size2;
    const size_t s1 = sd ? sd->size1 : sm->size1;
    const size_t s2 = sd ? sd->size2 : sm->size2;
    if (s1 != m || s2 != n)
        LMC_ERROR(LMC_EBADLEN, "delta: s_tilde is %zux%zu but the reference "
                  "is %zux%zu (wanted equal shapes)", s1, s2, m, n);
    if (delta_spec && !w)
        LMC_ERROR(LMC_EINVAL, "delta: the spectral norm needs an SVD "
                  "workspace");
    if (delta_spec && (w->size1 != m || w->size2 != n))
        LMC_ERROR(LMC_EBADLEN, "delta: SVD workspace is for %zux%zu, "
                  "matrices are %zux%zu", w->size1, w->size2, m, n);
    if (!lmc_mp_mat_isfinite(q) || (sm && !lmc_mp_mat_isfinite(sm)))
        LMC_ERROR(LMC_ENONFINITE, "delta: NaN or Inf in an MPFR matrix");
    if (sd)
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                if (!isfinite(gsl_matrix_get(sd, i, j)))
                    LMC_ERROR(LMC_ENONFINITE, "delta: entry (%zu,%zu) of "
                              "s_tilde is %g (accepted: finite numbers)", i,
                              j, gsl_matrix_get(sd, i, j));

    /* malloc, not gsl_matrix_alloc: GSL's default handler would abort */
    double *dbuf = NULL;
    if (delta_spec)
    {
        dbuf = malloc(m * n * sizeof *dbuf);
        if (!dbuf)
            LMC_ERROR(LMC_ENOMEM, "delta: %zux%zu difference matrix", m, n);
    }
    mpfr_prec_t wp = q->prec;
    if (sm && sm->prec > wp)
        wp = sm->prec;
    if (wp < 53)
        wp = 53;
    wp += 32; /* the sum of m n squares loses <= log2(m n) bits */

    mpfr_t d53, dw, acc;
    mpfr_init2(d53, 53);
    mpfr_inits2(wp, dw, acc, (mpfr_ptr)0);
    mpfr_set_zero(acc, 1);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
        {
            mpfr_srcptr qij = ENTRY(q, i, j);
            if (sd)
            {
                const double s = gsl_matrix_get(sd, i, j);
                /* nearest, in one rounding of the exact difference: the
                 * double closest to D_ij */
                mpfr_d_sub(d53, s, qij, MPFR_RNDN);
                mpfr_d_sub(dw, s, qij, MPFR_RNDN);
            }
            else
            {
                mpfr_sub(d53, ENTRY(sm, i, j), qij, MPFR_RNDN);
                mpfr_sub(dw, ENTRY(sm, i, j), qij, MPFR_RNDN);
            }
            if (dbuf)
                dbuf[i * n + j] = mpfr_get_d(d53, MPFR_RNDN); /* exact
                                                  above the subnormal range */
            mpfr_fma(acc, dw, dw, acc, MPFR_RNDN);
        }
    if (err_frob)
    {
        mpfr_sqrt(acc, acc, MPFR_RNDN);
        *err_frob = mpfr_get_d(acc, MPFR_RNDN); /* nearest double */
    }
    mpfr_clears(d53, dw, acc, (mpfr_ptr)0);

    int status = LMC_SUCCESS;
    if (delta_spec)
    {
        gsl_matrix_view dv = gsl_matrix_view_array(dbuf, m, n);
        status = lmc_svd_values(w, &dv.matrix);
        if (status == LMC_SUCCESS)
            *delta_spec = w->s[0];
    }
    free(dbuf);
    return status;
}

int
lmc_mp_delta(const gsl_matrix *s_tilde, const lmc_mp_mat *q, lmc_svd *w,
             double *delta_spec, double *err_frob)
{
    return delta_core(s_tilde, NULL, q, w, delta_spec, err_frob);
}

int
lmc_mp_delta_mp(const lmc_mp_mat *s_tilde, const lmc_mp_mat *q, lmc_svd *w,
                double *delta_spec, double *err_frob)
{
    return delta_core(NULL, s_tilde, q, w, delta_spec, err_frob);
}
