/* problems/icl_mp.c -- MPFR companion of "icl" (icl.c).
 *
 * The problem defined by the stored double Lambda (exact in MPFR), in the
 * expanded form of THEORY.md section 4 (the double code uses the centered
 * form; agreement of the two checks Gamma*, S and f* of icl.c):
 *   S = ((N+1) Lambda^2 + T Lambda) / N,  T = tr(Lambda),
 *   f(Gamma) = 1/2 <Lambda Gamma, Gamma S> - <Gamma, Lambda^2> + 1/2 T
 *            (tr(Gamma^T Lambda Gamma S) = <Lambda Gamma, Gamma S>,
 *             tr(Lambda Gamma Lambda) = <Gamma, Lambda^2>),
 *   grad f = (Lambda Gamma) S - Lambda^2,
 *   f* = 1/2 T - 1/2 <Gamma*, Lambda^2>,  Gamma* = Lambda S^-1,
 * S^-1 by Gauss-Jordan (lmc_mp_mat_inverse).  fdf rounds every operation
 * to nearest at prec; fstar works at prec + LMC_ICL_MP_GUARD bits and
 * rounds the result to nearest at prec (a reported value, not a bound).
 */
#include "icl.h"
#include "problem_mp.h"
#include "status.h"

/* Guard bits of f*: the inverse of S loses ~log2(cond(S)) bits, and
 * cond(S) = s_1 / s_d = kappa ((N+1) lambda_1 + T) / ((N+1) lambda_d + T)
 * <= kappa^2, i.e. <= 40 bits for kappa <= 1e6; 64 keeps the rounded f*
 * accurate to ~2^-prec for any kappa this harness uses. */
#define LMC_ICL_MP_GUARD 64

/* The matrices every evaluation needs, at precision prec. */
typedef struct
{
    lmc_mp_mat *lam, *lam2, *s;
    mpfr_t trace;
} icl_mp_data;

static void
data_free(icl_mp_data *D)
{
    lmc_mp_mat_free(D->lam);
    lmc_mp_mat_free(D->lam2);
    lmc_mp_mat_free(D->s);
    mpfr_clear(D->trace);
}

/* Lambda, Lambda^2, T and S at prec, every operation rounded to nearest. */
static int
data_init(icl_mp_data *D, const lmc_icl_state *st, mpfr_prec_t prec)
{
    const size_t d = st->d;
    mpfr_init2(D->trace, prec);
    D->lam = lmc_mp_mat_alloc(d, d, prec);
    D->lam2 = lmc_mp_mat_alloc(d, d, prec);
    D->s = lmc_mp_mat_alloc(d, d, prec);
    if (!D->lam || !D->lam2 || !D->s)
        return LMC_ENOMEM; /* lmc_mp_mat_alloc reported it */
    LMC_TRY(lmc_mp_mat_set_gsl(D->lam, st->lam));
    LMC_TRY(lmc_mp_mat_mul(D->lam2, D->lam, D->lam));
    mpfr_set_zero(D->trace, 1);
    for (size_t j = 0; j < d; j++)
        mpfr_add(D->trace, D->trace, D->lam->data[j * d + j], MPFR_RNDN);
    mpfr_t t;
    mpfr_init2(t, prec);
    for (size_t k = 0; k < d * d; k++)
    {
        /* S_k = ((N+1) Lambda2_k + T Lambda_k) / N: integer ratio. */
        mpfr_mul_ui(t, D->lam2->data[k], (unsigned long)st->N + 1,
                    MPFR_RNDN);
        mpfr_fma(t, D->trace, D->lam->data[k], t, MPFR_RNDN);
        mpfr_div_ui(D->s->data[k], t, (unsigned long)st->N, MPFR_RNDN);
    }
    mpfr_clear(t);
    return LMC_SUCCESS;
}

/* out = <a, b> = sum a_k b_k, fused multiply-adds rounded to nearest. */
static void
inner(mpfr_t out, const lmc_mp_mat *a, const lmc_mp_mat *b)
{
    mpfr_set_zero(out, 1);
    for (size_t k = 0; k < a->size1 * a->size2; k++)
        mpfr_fma(out, a->data[k], b->data[k], out, MPFR_RNDN);
}

static int
icl_mp_fdf(const lmc_problem *P, const gsl_vector *x, mpfr_prec_t prec,
           mpfr_t f, lmc_mp_mat *g)
{
    const lmc_icl_state *st = P->state;
    const size_t d = st->d;
    LMC_TRY(lmc_mp_check_prec(prec));
    if (x->size != P->layout.total || x->stride != 1 ||
        (g && (g->size1 != P->layout.total || g->size2 != 1)))
        LMC_ERROR(LMC_EBADLEN, "problem 'icl': x or gradient has the wrong "
                  "length (want %zu, stride 1)", P->layout.total);
    icl_mp_data D;
    lmc_mp_mat *gam = lmc_mp_mat_alloc(d, d, prec);
    lmc_mp_mat *a = lmc_mp_mat_alloc(d, d, prec);
    lmc_mp_mat *b = lmc_mp_mat_alloc(d, d, prec);
    mpfr_t t;
    mpfr_init2(t, prec);
    int status = data_init(&D, st, prec);
    if (status == LMC_SUCCESS && (!gam || !a || !b))
        status = LMC_ENOMEM; /* lmc_mp_mat_alloc reported it */
    if (status != LMC_SUCCESS)
        goto done;
    gsl_matrix_const_view gv = gsl_matrix_const_view_array(x->data, d, d);
    status = lmc_mp_mat_set_gsl(gam, &gv.matrix);
    /* a = Lambda Gamma, b = Gamma S. */
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul(a, D.lam, gam);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul(b, gam, D.s);
    if (status != LMC_SUCCESS)
        goto done;
    /* f = 1/2 <a, b> - <Gamma, Lambda^2> + 1/2 T. */
    inner(f, a, b);
    mpfr_div_2ui(f, f, 1, MPFR_RNDN);
    inner(t, gam, D.lam2);
    mpfr_sub(f, f, t, MPFR_RNDN);
    mpfr_div_2ui(t, D.trace, 1, MPFR_RNDN);
    mpfr_add(f, f, t, MPFR_RNDN);
    if (g)
    {
        /* grad = a S - Lambda^2, into b. */
        status = lmc_mp_mat_mul(b, a, D.s);
        if (status != LMC_SUCCESS)
            goto done;
        for (size_t k = 0; k < d * d; k++)
            mpfr_sub(g->data[k], b->data[k], D.lam2->data[k], MPFR_RNDN);
    }
done:
    data_free(&D);
    lmc_mp_mat_free(gam);
    lmc_mp_mat_free(a);
    lmc_mp_mat_free(b);
    mpfr_clear(t);
    return status;
}

static int
icl_mp_fstar(const lmc_problem *P, mpfr_prec_t prec, mpfr_t fstar)
{
    const lmc_icl_state *st = P->state;
    const size_t d = st->d;
    LMC_TRY(lmc_mp_check_prec(prec));
    const mpfr_prec_t wp = prec + LMC_ICL_MP_GUARD;
    icl_mp_data D;
    lmc_mp_mat *sinv = lmc_mp_mat_alloc(d, d, wp);
    lmc_mp_mat *work = lmc_mp_mat_alloc(d, 2 * d, wp);
    lmc_mp_mat *gs = lmc_mp_mat_alloc(d, d, wp);
    mpfr_t t;
    mpfr_init2(t, wp);
    int status = data_init(&D, st, wp);
    if (status == LMC_SUCCESS && (!sinv || !work || !gs))
        status = LMC_ENOMEM; /* lmc_mp_mat_alloc reported it */
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_inverse(sinv, D.s, work);
    /* Gamma* = Lambda S^-1. */
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul(gs, D.lam, sinv);
    if (status == LMC_SUCCESS)
    {
        /* f* = 1/2 (T - <Gamma*, Lambda^2>), rounded once to prec. */
        inner(t, gs, D.lam2);
        mpfr_sub(t, D.trace, t, MPFR_RNDN);
        mpfr_div_2ui(t, t, 1, MPFR_RNDN);
        mpfr_set(fstar, t, MPFR_RNDN);
    }
    data_free(&D);
    lmc_mp_mat_free(sinv);
    lmc_mp_mat_free(work);
    lmc_mp_mat_free(gs);
    mpfr_clear(t);
    return status;
}

const lmc_problem_mp lmc_problem_icl_mp = {
    .base = &lmc_problem_icl,
    .fdf = icl_mp_fdf,
    .fstar = icl_mp_fstar,
};
