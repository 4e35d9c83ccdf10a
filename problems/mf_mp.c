/* problems/mf_mp.c -- MPFR companions of "mf" and "mf-sym" (mf.c).
 *
 * The problem is the one defined by the stored doubles Phi, Psi, lambda:
 *   M* = (Phi diag(lambda)) Psi^T       (rank r exactly, so f* = 0),
 *   mf:     R = U V^T - M*,  f = 1/2 sum R_ij^2,
 *           grad_U = R V,  grad_V = R^T U;
 *   mf-sym: R = X X^T - M*,  f = 1/4 sum R_ij^2,  grad_X = R X.
 * Every operation rounds to nearest at prec (the reported value, not a
 * bound); the double M* of mf.c differs from this one by its rounding.
 */
#include "mf.h"
#include "problem_mp.h"
#include "status.h"

#include <stdlib.h>

/* out = block (rows x cols) of the parameter vector x starting at off. */
static int
load_block(lmc_mp_mat *out, const gsl_vector *x, size_t off)
{
    gsl_matrix_const_view b =
        gsl_matrix_const_view_array(x->data + off, out->size1, out->size2);
    return lmc_mp_mat_set_gsl(out, &b.matrix);
}

/* g[off + k] = src entry k (row-major), rounded to nearest at g's
 * precision (g is allocated at prec: exact). */
static void
store_block(lmc_mp_mat *g, size_t off, const lmc_mp_mat *src)
{
    const size_t len = src->size1 * src->size2;
    for (size_t k = 0; k < len; k++)
        mpfr_set(g->data[off + k], src->data[k], MPFR_RNDN);
}

static int
mf_mp_fdf(const lmc_problem *P, const gsl_vector *x, mpfr_prec_t prec,
          mpfr_t f, lmc_mp_mat *g)
{
    const lmc_mf_state *st = P->state;
    const size_t m = st->m, n = st->n, r = st->r;
    LMC_TRY(lmc_mp_check_prec(prec));
    if (x->size != P->layout.total || x->stride != 1 ||
        (g && (g->size1 != P->layout.total || g->size2 != 1)))
        LMC_ERROR(LMC_EBADLEN, "problem '%s': x or gradient has the wrong "
                  "length (want %zu, stride 1)", P->type->name,
                  P->layout.total);
    lmc_mp_mat *u = lmc_mp_mat_alloc(m, r, prec);
    lmc_mp_mat *v = st->sym ? u : lmc_mp_mat_alloc(n, r, prec);
    lmc_mp_mat *pl = lmc_mp_mat_alloc(m, r, prec);
    lmc_mp_mat *psi = lmc_mp_mat_alloc(n, r, prec);
    lmc_mp_mat *ms = lmc_mp_mat_alloc(m, n, prec);
    lmc_mp_mat *res = lmc_mp_mat_alloc(m, n, prec);
    lmc_mp_mat *gu = g ? lmc_mp_mat_alloc(m, r, prec) : NULL;
    lmc_mp_mat *gv = g && !st->sym ? lmc_mp_mat_alloc(n, r, prec) : NULL;
    int status = LMC_ENOMEM;
    if (!u || !v || !pl || !psi || !ms || !res || (g && !gu) ||
        (g && !st->sym && !gv))
        goto done;
    status = load_block(u, x, 0);
    if (status == LMC_SUCCESS && !st->sym)
        status = load_block(v, x, m * r);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_set_gsl(pl, st->phi);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_set_gsl(psi, st->psi);
    if (status != LMC_SUCCESS)
        goto done;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < r; j++)
            mpfr_mul_d(pl->data[i * r + j], pl->data[i * r + j],
                       st->lambda[j], MPFR_RNDN);
    status = lmc_mp_mat_mul_nt(ms, pl, psi);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul_nt(res, u, v);
    if (status != LMC_SUCCESS)
        goto done;
    mpfr_set_zero(f, 1);
    for (size_t k = 0; k < m * n; k++)
    {
        mpfr_sub(res->data[k], res->data[k], ms->data[k], MPFR_RNDN);
        mpfr_fma(f, res->data[k], res->data[k], f, MPFR_RNDN);
    }
    /* 1/2 or 1/4: exact scalings by powers of two. */
    mpfr_div_2ui(f, f, st->sym ? 2 : 1, MPFR_RNDN);
    if (g)
    {
        status = lmc_mp_mat_mul(gu, res, v);
        if (status == LMC_SUCCESS && !st->sym)
            status = lmc_mp_mat_mul_tn(gv, res, u);
        if (status != LMC_SUCCESS)
            goto done;
        store_block(g, 0, gu);
        if (!st->sym)
            store_block(g, m * r, gv);
    }
    status = LMC_SUCCESS;
done:
    /* A failed lmc_mp_mat_alloc has reported its cause (ENOMEM). */
    lmc_mp_mat_free(u);
    if (v != u)
        lmc_mp_mat_free(v);
    lmc_mp_mat_free(pl);
    lmc_mp_mat_free(psi);
    lmc_mp_mat_free(ms);
    lmc_mp_mat_free(res);
    lmc_mp_mat_free(gu);
    lmc_mp_mat_free(gv);
    return status;
}

/* f* = 0 exactly: M* is the product of rank-r factors. */
static int
mf_mp_fstar(const lmc_problem *P, mpfr_prec_t prec, mpfr_t fstar)
{
    (void)P;
    LMC_TRY(lmc_mp_check_prec(prec));
    mpfr_set_zero(fstar, 1);
    return LMC_SUCCESS;
}

const lmc_problem_mp lmc_problem_mf_mp = {
    .base = &lmc_problem_mf,
    .fdf = mf_mp_fdf,
    .fstar = mf_mp_fstar,
};

const lmc_problem_mp lmc_problem_mf_sym_mp = {
    .base = &lmc_problem_mf_sym,
    .fdf = mf_mp_fdf,
    .fstar = mf_mp_fstar,
};
