/* methods/sign.c -- sign descent, optionally on a momentum buffer (Signum).
 *
 *   M_1 = g_1,   M_t = beta_t M_{t-1} + (1 - beta_t) g_t   (t >= 2),
 *   X_{t+1} = X_t - eta_t sign(M_t)   entrywise, sign(0) = 0,
 *
 * with beta_t from params.momentum (or its schedule); beta = 0 is plain
 * sign descent X <- X - eta_t sign(g_t).  g_t is exact, or stochastic with
 * sample lmc_sample_id(seed, t).  The direction equals the l_inf-ball LMO
 * -sign(M) of THEORY.md section 1, but this method computes it directly
 * and never calls an oracle (params.oracle is ignored): it is the
 * basis-dependent baseline (Bernstein et al., signSGD / Signum, 2018).
 * momentum() returns M_t.
 */
#include "../method.h"
#include "../status.h"

typedef struct
{
    gsl_vector *g, *m;
} sign_state;

static int
sign_alloc(void *vstate, lmc_method *M)
{
    sign_state *st = vstate;
    st->g = gsl_vector_alloc(M->P->layout.total);
    st->m = gsl_vector_calloc(M->P->layout.total);
    if (!st->g || !st->m)
        LMC_ERROR(LMC_ENOMEM, "no memory for sign on %zu parameters",
                  M->P->layout.total);
    return LMC_SUCCESS;
}

static int
sign_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    sign_state *st = vstate;
    (void)M;
    (void)x;
    gsl_vector_set_zero(st->m);
    return LMC_SUCCESS;
}

static int
sign_iterate(void *vstate, lmc_method *M, gsl_vector *x,
             lmc_step_info *info)
{
    sign_state *st = vstate;
    const size_t t = M->t, n = x->size;
    const double eta = lmc_method_eta(&M->params, t);
    const double beta = t == 1 ? 0.0 : lmc_method_beta(&M->params, t);
    const double a = 1.0 - beta;
    LMC_TRY(lmc_method_grad(M, x, t, st->g));
    info->ngrad = 1;
    double *m = st->m->data;
    const double *g = st->g->data;
    for (size_t j = 0; j < n; j++)
    {
        m[j] = beta * m[j] + a * g[j];
        x->data[j] -= eta * (m[j] > 0 ? 1.0 : (m[j] < 0 ? -1.0 : 0.0));
    }
    lmc_method_record_eta(M, eta, info);
    return LMC_SUCCESS;
}

static const gsl_vector *
sign_momentum(void *vstate)
{
    const sign_state *st = vstate;
    return st->m;
}

static void
sign_free(void *vstate)
{
    sign_state *st = vstate;
    gsl_vector_free(st->g);
    gsl_vector_free(st->m);
}

const lmc_method_type lmc_method_sign = LMC_METHOD_TYPE(
    sign, "sign",
    "sign descent X <- X - eta_t sign(M_t), EMA momentum beta",
    0, 0, sign_momentum);
