/* problems/lsq_mp.c -- MPFR companion of "lsq": f, grad f and f* of the
 * stored doubles A, B at any precision.
 *
 *   f(X) = 1/2 ||A X - B||_F^2,  grad f(X) = A^T (A X - B);
 *   f* = 0 when p = m (A invertible, so B is in range(A));
 *   f* = 1/2 ||A Z - B||_F^2, Z = (A^T A)^{-1} A^T B (variant residual):
 *        the normal equations solved at prec + LMC_LSQ_MP_GUARD bits.
 *
 * Every operation rounds to nearest: these are reference values compared
 * with double results at 1e-12-ish tolerances, not one-sided bounds.  The
 * residual f* is f at a computed minimizer Z; its error is second order,
 * f(Z) - f* = 1/2 ||A (Z - Z*)||_F^2 with ||Z - Z*|| ~ kappa^2 2^-prec, so
 * it is below 2^-(2 prec - 30) for kappa <= LMC_LSQ_MAX_KAPPA.
 */
#include "lsq.h"
#include "problem_mp.h"
#include "status.h"

/* Guard bits of the normal-equation solve: cond(A^T A) = kappa^2 <= 1e8
 * costs ~27 bits, 32 keep Z accurate to the target precision. */
#define LMC_LSQ_MP_GUARD 32

/* res = A X - B at prec, X given by the double vector x (exact). */
static int
residual(const lmc_lsq_state *st, const gsl_vector *x, mpfr_prec_t prec,
         lmc_mp_mat *a, lmc_mp_mat *res, lmc_mp_mat *bmp)
{
    gsl_matrix_const_view X = gsl_matrix_const_view_array(x->data, st->m,
                                                          st->n);
    lmc_mp_mat *xm = lmc_mp_mat_alloc(st->m, st->n, prec);
    if (!xm)
        return LMC_ENOMEM;
    int status = lmc_mp_mat_set_gsl(xm, &X.matrix);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul(res, a, xm);
    if (status == LMC_SUCCESS)
        for (size_t k = 0; k < st->p * st->n; k++)
            mpfr_sub(res->data[k], res->data[k], bmp->data[k], MPFR_RNDN);
    lmc_mp_mat_free(xm);
    return status;
}

/* out = 1/2 sum of squares of the entries of r, at out's precision. */
static void
half_sumsq(mpfr_t out, const lmc_mp_mat *r)
{
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(out));
    mpfr_set_zero(out, 1);
    for (size_t k = 0; k < r->size1 * r->size2; k++)
    {
        mpfr_sqr(t, r->data[k], MPFR_RNDN);
        mpfr_add(out, out, t, MPFR_RNDN);
    }
    mpfr_div_2ui(out, out, 1, MPFR_RNDN); /* exact: a power of two */
    mpfr_clear(t);
}

static int
lsq_mp_fdf(const lmc_problem *P, const gsl_vector *x, mpfr_prec_t prec,
           mpfr_t f, lmc_mp_mat *g)
{
    const lmc_lsq_state *st = P->state;
    LMC_TRY(lmc_mp_check_prec(prec));
    if (x->size != st->m * st->n || x->stride != 1)
        LMC_ERROR(LMC_EBADLEN, "lsq_mp: x has length %zu, want %zu",
                  x->size, st->m * st->n);
    if (g && (g->size1 != st->m * st->n || g->size2 != 1))
        LMC_ERROR(LMC_EBADLEN, "lsq_mp: gradient is %zux%zu, want %zux1",
                  g->size1, g->size2, st->m * st->n);
    lmc_mp_mat *a = lmc_mp_mat_alloc(st->p, st->m, prec);
    lmc_mp_mat *bmp = lmc_mp_mat_alloc(st->p, st->n, prec);
    lmc_mp_mat *res = lmc_mp_mat_alloc(st->p, st->n, prec);
    lmc_mp_mat *gm = g ? lmc_mp_mat_alloc(st->m, st->n, prec) : NULL;
    int status = LMC_ENOMEM;
    if (!a || !bmp || !res || (g && !gm))
        goto done;
    status = lmc_mp_mat_set_gsl(a, st->a);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_set_gsl(bmp, st->b);
    if (status == LMC_SUCCESS)
        status = residual(st, x, prec, a, res, bmp);
    if (status != LMC_SUCCESS)
        goto done;
    half_sumsq(f, res);
    if (g)
    {
        status = lmc_mp_mat_mul_tn(gm, a, res);
        for (size_t k = 0; status == LMC_SUCCESS && k < st->m * st->n; k++)
            mpfr_set(g->data[k], gm->data[k], MPFR_RNDN);
    }
done:
    lmc_mp_mat_free(a);
    lmc_mp_mat_free(bmp);
    lmc_mp_mat_free(res);
    lmc_mp_mat_free(gm);
    return status;
}

/* Variant residual: f at the high-precision least-squares solution. */
static int
lsq_mp_fstar_residual(const lmc_lsq_state *st, mpfr_prec_t prec,
                      mpfr_t fstar)
{
    const size_t m = st->m, n = st->n, p = st->p;
    const mpfr_prec_t wp = prec + LMC_LSQ_MP_GUARD;
    lmc_mp_mat *a = lmc_mp_mat_alloc(p, m, wp);
    lmc_mp_mat *bmp = lmc_mp_mat_alloc(p, n, wp);
    lmc_mp_mat *nrm = lmc_mp_mat_alloc(m, m, wp);
    lmc_mp_mat *ninv = lmc_mp_mat_alloc(m, m, wp);
    lmc_mp_mat *work = lmc_mp_mat_alloc(m, 2 * m, wp);
    lmc_mp_mat *atb = lmc_mp_mat_alloc(m, n, wp);
    lmc_mp_mat *z = lmc_mp_mat_alloc(m, n, wp);
    lmc_mp_mat *res = lmc_mp_mat_alloc(p, n, wp);
    int status = LMC_ENOMEM;
    if (!a || !bmp || !nrm || !ninv || !work || !atb || !z || !res)
        goto done;
    status = lmc_mp_mat_set_gsl(a, st->a);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_set_gsl(bmp, st->b);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul_tn(nrm, a, a);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul_tn(atb, a, bmp);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_inverse(ninv, nrm, work);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul(z, ninv, atb);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul(res, a, z);
    if (status != LMC_SUCCESS)
        goto done;
    for (size_t k = 0; k < p * n; k++)
        mpfr_sub(res->data[k], res->data[k], bmp->data[k], MPFR_RNDN);
    {
        mpfr_t t;
        mpfr_init2(t, wp);
        half_sumsq(t, res);
        mpfr_set(fstar, t, MPFR_RNDN);
        mpfr_clear(t);
    }
done:
    lmc_mp_mat_free(a);
    lmc_mp_mat_free(bmp);
    lmc_mp_mat_free(nrm);
    lmc_mp_mat_free(ninv);
    lmc_mp_mat_free(work);
    lmc_mp_mat_free(atb);
    lmc_mp_mat_free(z);
    lmc_mp_mat_free(res);
    return status;
}

static int
lsq_mp_fstar(const lmc_problem *P, mpfr_prec_t prec, mpfr_t fstar)
{
    const lmc_lsq_state *st = P->state;
    LMC_TRY(lmc_mp_check_prec(prec));
    if (st->variant != LMC_LSQ_RESIDUAL)
    {
        /* p = m and A is invertible: A X = B is solvable exactly. */
        mpfr_set_zero(fstar, 1);
        return LMC_SUCCESS;
    }
    return lsq_mp_fstar_residual(st, prec, fstar);
}

const lmc_problem_mp lmc_problem_lsq_mp = {
    .base = &lmc_problem_lsq,
    .fdf = lsq_mp_fdf,
    .fstar = lsq_mp_fstar,
};
