/* problems/plq_mp.c -- MPFR companion of "pl-sin": f, grad f at any
 * precision, f* = 0.
 *
 *   f = sum_ij d_ij^2 + 3 sin^2 d_ij,  grad_ij = 2 d_ij + 3 sin(2 d_ij),
 *   d = X - X* rounded to nearest at prec (exact unless the exponents of
 *   X_ij and X*_ij differ by more than prec - 53 bits).
 *
 * Every operation rounds to nearest: reference values, not bounds.
 */
#include "plq.h"
#include "problem_mp.h"
#include "status.h"

#include <math.h>

static int
plq_mp_fdf(const lmc_problem *P, const gsl_vector *x, mpfr_prec_t prec,
           mpfr_t f, lmc_mp_mat *g)
{
    const lmc_plq_state *st = P->state;
    const size_t mn = st->m * st->n;
    LMC_TRY(lmc_mp_check_prec(prec));
    if (x->size != mn || x->stride != 1)
        LMC_ERROR(LMC_EBADLEN, "plq_mp: x has length %zu, want %zu", x->size,
                  mn);
    if (g && (g->size1 != mn || g->size2 != 1))
        LMC_ERROR(LMC_EBADLEN, "plq_mp: gradient is %zux%zu, want %zux1",
                  g->size1, g->size2, mn);
    mpfr_t d, s, t, sum;
    mpfr_inits2(prec, d, s, t, sum, (mpfr_ptr)0);
    mpfr_set_zero(sum, 1);
    for (size_t k = 0; k < mn; k++)
    {
        if (!isfinite(x->data[k]))
        {
            mpfr_clears(d, s, t, sum, (mpfr_ptr)0);
            LMC_ERROR(LMC_ENONFINITE, "plq_mp: x[%zu] is %g", k, x->data[k]);
        }
        mpfr_set_d(d, x->data[k], MPFR_RNDN); /* exact: a double */
        mpfr_sub_d(d, d, st->xstar->data[k], MPFR_RNDN);
        mpfr_sin(s, d, MPFR_RNDN);
        mpfr_sqr(s, s, MPFR_RNDN);
        mpfr_mul_ui(s, s, 3, MPFR_RNDN);
        mpfr_sqr(t, d, MPFR_RNDN);
        mpfr_add(t, t, s, MPFR_RNDN);
        mpfr_add(sum, sum, t, MPFR_RNDN);
        if (g)
        {
            mpfr_mul_2ui(t, d, 1, MPFR_RNDN); /* exact: 2 d */
            mpfr_sin(s, t, MPFR_RNDN);
            mpfr_mul_ui(s, s, 3, MPFR_RNDN);
            mpfr_add(g->data[k], t, s, MPFR_RNDN);
        }
    }
    mpfr_set(f, sum, MPFR_RNDN);
    mpfr_clears(d, s, t, sum, (mpfr_ptr)0);
    return LMC_SUCCESS;
}

static int
plq_mp_fstar(const lmc_problem *P, mpfr_prec_t prec, mpfr_t fstar)
{
    (void)P;
    LMC_TRY(lmc_mp_check_prec(prec));
    mpfr_set_zero(fstar, 1); /* f(X*) = 0 and f >= 0 */
    return LMC_SUCCESS;
}

const lmc_problem_mp lmc_problem_plq_mp = {
    .base = &lmc_problem_plq,
    .fdf = plq_mp_fdf,
    .fstar = plq_mp_fstar,
};
