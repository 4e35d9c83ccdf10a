/* methods/gd.c -- gradient descent, the Euclidean baseline.
 *
 *   X_{t+1} = X_t - eta_t g_t,
 *
 * g_t = grad f(X_t), or the stochastic gradient g(X_t; xi_t) with
 * xi_t = lmc_sample_id(seed, t) when params.stochastic.  No LMO and no
 * momentum (params.momentum and params.oracle are ignored); every block
 * takes the same step eta_t.  It is the comparison point of THEORY.md
 * section 4, whose iteration count grows with the condition number.
 */
#include "../method.h"
#include "../status.h"

typedef struct
{
    gsl_vector *g;
} gd_state;

static int
gd_alloc(void *vstate, lmc_method *M)
{
    gd_state *st = vstate;
    st->g = gsl_vector_alloc(M->P->layout.total);
    if (!st->g)
        LMC_ERROR(LMC_ENOMEM, "no memory for gd on %zu parameters",
                  M->P->layout.total);
    return LMC_SUCCESS;
}

static int
gd_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    (void)vstate;
    (void)M;
    (void)x;
    return LMC_SUCCESS;
}

static int
gd_iterate(void *vstate, lmc_method *M, gsl_vector *x, lmc_step_info *info)
{
    gd_state *st = vstate;
    const double eta = lmc_method_eta(&M->params, M->t);
    LMC_TRY(lmc_method_grad(M, x, M->t, st->g));
    info->ngrad = 1;
    /* A plain loop, not daxpy: an FMA kernel would round differently
     * from the rest of the methods (-ffp-contract=off). */
    for (size_t j = 0; j < x->size; j++)
        x->data[j] -= eta * st->g->data[j];
    lmc_method_record_eta(M, eta, info);
    return LMC_SUCCESS;
}

static void
gd_free(void *vstate)
{
    gd_state *st = vstate;
    gsl_vector_free(st->g);
}

const lmc_method_type lmc_method_gd = LMC_METHOD_TYPE(
    gd, "gd",
    "gradient descent X <- X - eta_t g",
    0, 0, NULL);
