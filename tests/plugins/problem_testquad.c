/* plugins/problem_testquad.c -- a test-only problem "test-quad":
 *
 *   f(X) = 1/2 ||X - 1||_F^2,  X one 4x3 block in the spectral norm,
 *
 * 1 the all-ones matrix.  grad f = X - 1, so L_frob = 1; in the spectral
 * pairing ||D||_nuc <= 3 ||D||_2 gives L = 3; 1/2 ||grad f||_F^2 = f - f*
 * gives mu = 1; f* = 0 at X = 1.  x0 is zero ("zero", the only init). */
#include "problem.h"
#include "status.h"

#include <string.h>

#define TESTQUAD_M 4
#define TESTQUAD_N 3

static int
testquad_alloc(void *state, lmc_problem *P)
{
    (void)state;
    const lmc_problem_params *p = &P->params;
    if (p->init && *p->init && strcmp(p->init, "zero") != 0)
        LMC_ERROR(LMC_EINVAL, "problem 'test-quad': unknown init '%s' "
                  "(accepted: zero)", p->init);
    LMC_TRY(lmc_layout_add(&P->layout, TESTQUAD_M, TESTQUAD_N,
                           &lmc_oracle_spectral));
    P->c.known = LMC_HAS_L | LMC_HAS_LFROB | LMC_HAS_MU | LMC_HAS_FSTAR;
    P->c.L = 3.0;
    P->c.L_frob = 1.0;
    P->c.mu = 1.0;
    P->c.fstar = 0.0;
    return LMC_SUCCESS;
}

static int
testquad_fdf(void *state, const gsl_vector *x, double *f, gsl_vector *g)
{
    (void)state;
    double sum = 0;
    for (size_t k = 0; k < x->size; k++)
    {
        const double d = x->data[k] - 1.0;
        sum += 0.5 * d * d;
        if (g)
            g->data[k] = d;
    }
    if (f)
        *f = sum;
    return LMC_SUCCESS;
}

static int
testquad_x0(void *state, gsl_vector *x)
{
    (void)state;
    gsl_vector_set_zero(x);
    return LMC_SUCCESS;
}

const lmc_problem_type lmc_problem_test_quad = {
    .name = "test-quad",
    .summary = "1/2 ||X - 1||_F^2 on 4x3 (test plug-in)",
    .inits = "zero",
    .variants = NULL,
    .size = 0,
    .alloc = testquad_alloc,
    .fdf = testquad_fdf,
    .sgrad = NULL,
    .x0 = testquad_x0,
    .free = NULL,
};
