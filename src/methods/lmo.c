/* methods/lmo.c -- inexact-LMO method with momentum, Gluon/Scion form.
 *
 * THEORY.md section 2 [S25], with alpha = 1 - beta_t:
 *
 *   g^k = grad f(X^k) (+ noise: the stochastic gradient with sample
 *         lmc_sample_id(seed, t) when params.stochastic),
 *   M^k = (1 - alpha) M^{k-1} + alpha g^k,   M^0 = g^0,
 *   S~^k = LMO(M^k) + E^k                   (per block, params.oracle),
 *   X^{k+1}_i = X^k_i + eta_t S~^k_i         (every block, radius eta_t).
 *
 * In the counter of method.h (t = k + 1) this is M_1 = g_1 and
 * M_t = beta_t M_{t-1} + (1 - beta_t) g_t.  The LMO carries the minus sign
 * (spectral: LMO(M) = -polar(M)), so the step adds eta_t S~.  Works with
 * any block norms; momentum = 0 is alpha = 1 (T1-T3), momentum > 0 is T4.
 * The realized delta of every block goes into info->delta.  momentum()
 * returns M_t.
 */
#include "../method.h"
#include "../status.h"

typedef struct
{
    gsl_vector *g, *m, *s;
} lmo_state;

static int
lmo_alloc(void *vstate, lmc_method *M)
{
    lmo_state *st = vstate;
    const size_t n = M->P->layout.total;
    st->g = gsl_vector_alloc(n);
    st->m = gsl_vector_calloc(n);
    st->s = gsl_vector_alloc(n);
    if (!st->g || !st->m || !st->s)
        LMC_ERROR(LMC_ENOMEM, "no memory for lmo on %zu parameters", n);
    return LMC_SUCCESS;
}

static int
lmo_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    lmo_state *st = vstate;
    (void)M;
    (void)x;
    gsl_vector_set_zero(st->m);
    return LMC_SUCCESS;
}

static int
lmo_iterate(void *vstate, lmc_method *M, gsl_vector *x, lmc_step_info *info)
{
    lmo_state *st = vstate;
    const size_t t = M->t;
    const double eta = lmc_method_eta(&M->params, t);
    LMC_TRY(lmc_method_grad(M, x, t, st->g));
    info->ngrad = 1;
    lmc_method_momentum_update(M, t, st->m, st->g);
    return lmc_method_lmo_step(M, st->m, st->s, eta, x, info);
}

static const gsl_vector *
lmo_momentum(void *vstate)
{
    const lmo_state *st = vstate;
    return st->m;
}

static void
lmo_free(void *vstate)
{
    lmo_state *st = vstate;
    gsl_vector_free(st->g);
    gsl_vector_free(st->m);
    gsl_vector_free(st->s);
}

const lmc_method_type lmc_method_lmo = LMC_METHOD_TYPE(
    lmo, "lmo", "X <- X + eta_t S~(M_t), EMA momentum, any block norms", 0,
    1, lmo_momentum);
