/* methods/ngd.c -- normalized gradient descent (Frobenius ball, global).
 *
 *   X_{t+1} = X_t - eta_t g_t / ||g_t||_F     (g_t != 0),
 *   X_{t+1} = X_t                              (g_t = 0),
 *
 * with ||.||_F the Euclidean norm of the whole parameter vector (all
 * blocks together, not block by block: the blockwise version is "lmo"
 * with Frobenius blocks).  g_t is exact, or stochastic with sample
 * lmc_sample_id(seed, t).  Every step has length exactly eta_t unless
 * g_t = 0.  No LMO and no momentum (params.momentum, params.oracle are
 * ignored).
 */
#include "../linalg.h"
#include "../method.h"
#include "../status.h"

#include <gsl/gsl_blas.h>
#include <math.h>

typedef struct
{
    gsl_vector *g;
} ngd_state;

static int
ngd_alloc(void *vstate, lmc_method *M)
{
    ngd_state *st = vstate;
    st->g = gsl_vector_alloc(M->P->layout.total);
    if (!st->g)
        LMC_ERROR(LMC_ENOMEM, "no memory for ngd on %zu parameters",
                  M->P->layout.total);
    return LMC_SUCCESS;
}

static int
ngd_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    (void)vstate;
    (void)M;
    (void)x;
    return LMC_SUCCESS;
}

static int
ngd_iterate(void *vstate, lmc_method *M, gsl_vector *x,
            lmc_step_info *info)
{
    ngd_state *st = vstate;
    const double eta = lmc_method_eta(&M->params, M->t);
    LMC_TRY(lmc_method_grad(M, x, M->t, st->g));
    info->ngrad = 1;
    /* dnrm2 scales its sum of squares, so huge gradients do not overflow
     * to a zero step. */
    const double nrm = gsl_blas_dnrm2(st->g);
    if (!lmc_isfinite(nrm))
        LMC_ERROR(LMC_ENONFINITE, "ngd: gradient norm is %g at step %zu",
                  nrm, M->t);
    /* g_j / nrm <= 1 first: eta / nrm alone could overflow when the
     * gradient is subnormal. */
    if (nrm > 0)
        for (size_t j = 0; j < x->size; j++)
            x->data[j] -= eta * (st->g->data[j] / nrm);
    lmc_method_record_eta(M, eta, info);
    return LMC_SUCCESS;
}

static void
ngd_free(void *vstate)
{
    ngd_state *st = vstate;
    gsl_vector_free(st->g);
}

const lmc_method_type lmc_method_ngd = LMC_METHOD_TYPE(
    ngd, "ngd",
    "normalized gradient descent X <- X - eta_t g/||g||_F",
    0, 0, NULL);
