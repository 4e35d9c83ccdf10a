/* plugins/method_testgd.c -- a test-only method "test-gd": gradient
 * descent X <- X - eta_t g, every block the same step, no LMO. */
#include "method.h"
#include "status.h"

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
    const double eta = lmc_method_eta(&M->params, M->t);
    LMC_TRY(lmc_method_grad(M, x, M->t, st->g));
    info->ngrad = 1;
    for (size_t j = 0; j < x->size; j++)
        x->data[j] -= eta * st->g->data[j];
    for (size_t i = 0; i < M->P->layout.nblocks; i++)
        info->eta[i] = eta;
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
    .summary = "gradient descent under another name (test plug-in)",
    .needs = 0,
    .uses_oracle = 0,
    .size = sizeof(testgd_state),
    .alloc = testgd_alloc,
    .set = testgd_set,
    .iterate = testgd_iterate,
    .momentum = NULL,
    .free = testgd_free,
};
