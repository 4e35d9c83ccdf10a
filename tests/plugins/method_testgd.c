/* plugins/method_testgd.c -- a test-only method "test-gd": gradient
 * descent with half the step, X <- X - (eta_t / 2) g, every block the
 * same step, no LMO. */
#include "method.h"
#include "status.h"

#include <gsl/gsl_blas.h>

typedef struct
{
    gsl_vector *g;
} testgd_state;

static int
testgd_alloc(void *vstate, lmc_method *M)
{
    testgd_state *st = vstate;
    st->g = gsl_vector_alloc(M->P->layout.total);
    if (!st->g)
        LMC_ERROR(LMC_ENOMEM, "no memory for test-gd on %zu parameters",
                  M->P->layout.total);
    return LMC_SUCCESS;
}

static int
testgd_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    (void)vstate;
    (void)M;
    (void)x;
    return LMC_SUCCESS;
}

static int
testgd_iterate(void *vstate, lmc_method *M, gsl_vector *x,
               lmc_step_info *info)
{
    testgd_state *st = vstate;
    const double half = 0.5 * lmc_method_eta(&M->params, M->t);
    LMC_TRY(lmc_method_grad(M, x, M->t, st->g));
    info->ngrad = 1;
    gsl_blas_daxpy(-half, st->g, x);
    for (size_t i = 0; i < M->P->layout.nblocks; i++)
        info->eta[i] = half;
    return LMC_SUCCESS;
}

static void
testgd_free(void *vstate)
{
    testgd_state *st = vstate;
    gsl_vector_free(st->g);
}

const lmc_method_type lmc_method_test_gd = {
    .name = "test-gd",
    .summary = "gradient descent X <- X - (eta_t / 2) g (test plug-in)",
    .needs = 0,
    .uses_oracle = 0,
    .size = sizeof(testgd_state),
    .alloc = testgd_alloc,
    .set = testgd_set,
    .iterate = testgd_iterate,
    .momentum = NULL,
    .free = testgd_free,
};
