/* methods/adam.c -- Adam with bias correction, elementwise.
 *
 *   m_t = beta1_t m_{t-1} + (1 - beta1_t) g_t,      m_0 = 0,
 *   v_t = beta2 v_{t-1} + (1 - beta2) g_t^2,         v_0 = 0,
 *   mhat_t = m_t / (1 - prod_{s<=t} beta1_s),  vhat_t = v_t / (1 - beta2^t),
 *   X_{t+1} = X_t - eta_t mhat_t / (sqrt(vhat_t) + eps),
 *
 * entrywise, with beta1_t = params.momentum (or its schedule; for a
 * constant beta1 the correction is the usual 1 - beta1^t), beta2 =
 * params.beta2, eps = params.eps (Kingma & Ba, Adam, ICLR 2015,
 * Algorithm 1).  The bias correction makes mhat_1 = g_1 and vhat_1 = g_1^2,
 * so the first step is eta_1 sign(g_1) up to eps, as the shared momentum
 * convention M_1 = g_1 asks.  g_t is exact, or stochastic with sample
 * lmc_sample_id(seed, t).  No LMO (params.oracle is ignored).
 *
 * Adam works coordinate by coordinate, so it depends on the basis the
 * parameters are written in (THEORY.md section 4: on a diagonal problem
 * it behaves like sign descent; rotate the problem before comparing).
 * momentum() returns the bias-corrected mhat_t, the gradient estimate.
 */
#include "../method.h"
#include "../status.h"

#include <math.h>

typedef struct
{
    gsl_vector *g, *m, *v, *mhat;
    double p1, p2; /* prod_{s<=t} beta1_s and beta2^t */
} adam_state;

static int
adam_alloc(void *vstate, lmc_method *M)
{
    adam_state *st = vstate;
    const size_t n = M->P->layout.total;
    st->g = gsl_vector_alloc(n);
    st->m = gsl_vector_calloc(n);
    st->v = gsl_vector_calloc(n);
    st->mhat = gsl_vector_calloc(n);
    if (!st->g || !st->m || !st->v || !st->mhat)
        LMC_ERROR(LMC_ENOMEM, "no memory for adam on %zu parameters", n);
    st->p1 = 1.0;
    st->p2 = 1.0;
    return LMC_SUCCESS;
}

static int
adam_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    adam_state *st = vstate;
    (void)M;
    (void)x;
    gsl_vector_set_zero(st->m);
    gsl_vector_set_zero(st->v);
    gsl_vector_set_zero(st->mhat);
    st->p1 = 1.0;
    st->p2 = 1.0;
    return LMC_SUCCESS;
}

static int
adam_iterate(void *vstate, lmc_method *M, gsl_vector *x,
             lmc_step_info *info)
{
    adam_state *st = vstate;
    const size_t t = M->t, n = x->size;
    const double eta = lmc_method_eta(&M->params, t);
    const double b1 = lmc_method_beta(&M->params, t);
    const double b2 = M->params.beta2, eps = M->params.eps;
    LMC_TRY(lmc_method_grad(M, x, t, st->g));
    info->ngrad = 1;
    st->p1 *= b1;
    st->p2 *= b2;
    /* 1 - p > 0: every factor is < 1 (lmc_method_check). */
    const double c1 = 1.0 - st->p1, c2 = 1.0 - st->p2;
    double *m = st->m->data, *v = st->v->data, *mh = st->mhat->data;
    const double *g = st->g->data;
    for (size_t j = 0; j < n; j++)
    {
        m[j] = b1 * m[j] + (1.0 - b1) * g[j];
        v[j] = b2 * v[j] + (1.0 - b2) * (g[j] * g[j]);
        mh[j] = m[j] / c1;
        x->data[j] -= eta * mh[j] / (sqrt(v[j] / c2) + eps);
    }
    lmc_method_record_eta(M, eta, info);
    return LMC_SUCCESS;
}

static const gsl_vector *
adam_momentum(void *vstate)
{
    const adam_state *st = vstate;
    return st->mhat;
}

static void
adam_free(void *vstate)
{
    adam_state *st = vstate;
    gsl_vector_free(st->g);
    gsl_vector_free(st->m);
    gsl_vector_free(st->v);
    gsl_vector_free(st->mhat);
}

const lmc_method_type lmc_method_adam = LMC_METHOD_TYPE(
    adam, "adam",
    "Adam with bias correction (beta1 = momentum, beta2, eps)",
    0, 0, adam_momentum);
