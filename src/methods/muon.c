/* methods/muon.c -- Muon: orthogonalized momentum on spectral-norm blocks.
 *
 * Three variants; every block uses the spectral ball, so the LMO is
 * LMO(M) = -polar(M) = -U V^T (thin SVD M = U S V^T), approximated by the
 * per-block oracle params.oracle: S~(M) = LMO(M) + E.
 *
 * "muon" (EMA momentum; THEORY.md section 3 with gamma = 0 [C25]):
 *   M_1 = g_1,   M_t = beta_t M_{t-1} + (1 - beta_t) g_t   (t >= 2),
 *   X_{t+1} = X_t - eta_t polar~(M_t) = X_t + eta_t S~(M_t).
 *   momentum() returns M_t.  With params.nesterov set it is
 *   "muon-nesterov".
 *
 * "muon-nesterov" (Nesterov form in the EMA normalization of background
 * theory-mvr-precond.md A3; Jordan's b = mu b + g, u = g + mu b rescaled
 * by 1 - beta, which the polar factor does not see, except that the start
 * M_1 = g_1 weights g_1 by beta^(t-1) instead of (1-beta) beta^(t-1)):
 * the same buffer M_t, and the direction
 *   u_1 = g_1,   u_t = (1 - beta_t) g_t + beta_t M_t   (t >= 2),
 *   X_{t+1} = X_t + eta_t S~(u_t).
 *   At t = 1 both M_1 and u_1 are g_1 (u_1 = (1-beta) g_1 + beta M_1 =
 *   g_1 in exact arithmetic; it is set to g_1 directly).  momentum()
 *   returns u_t, the vector actually orthogonalized.
 *   For a constant beta, u_t - beta u_{t-1} = (1-beta) g_t
 *   + beta (1-beta) (g_t - g_{t-1}) for t >= 2 (background
 *   theory-mvr-precond.md A3), so u_t is exactly the MVR1 buffer with
 *   gamma = 1 - beta and the same start M_1 = g_1 (methods/mvr.c): THEORY
 *   V1 holds from t = 1, iterates and momentum() alike, up to rounding.
 *   (The background's start m_0 = u_0 = g_0 = 0 also makes V1 exact, if
 *   MVR1 starts from M_0 = 0, g_0 = 0; it gives u_1 = (1-beta^2) g_1, the
 *   same first step, but other iterates from t = 2 on.  We keep method.h's
 *   M_1 = g_1 for both.)  For a beta_t schedule there is no such
 *   identity.
 *
 * "simplified-muon" (THEORY.md section 4 [M26]): no momentum,
 *   X_{t+1} = X_t + eta_t S~(g_t) = X_t - eta_t polar~(grad f(X_t));
 *   params.momentum is not used; momentum() returns NULL.  With the
 *   default exact oracle this is the exact polar factor of section 4.
 *
 * g_t = grad f(X_t), or the stochastic gradient with sample
 * lmc_sample_id(seed, t) when params.stochastic.  Every block takes the
 * radius eta_t; the realized delta of every block goes into info->delta.
 */
#include "../method.h"
#include "../status.h"

typedef enum
{
    MUON_EMA = 0,
    MUON_NESTEROV = 1,
    MUON_SIMPLIFIED = 2
} muon_variant;

typedef struct
{
    gsl_vector *g, *m, *u, *s;
    muon_variant variant;
} muon_state;

static int
muon_alloc(void *vstate, lmc_method *M)
{
    muon_state *st = vstate;
    const size_t n = M->P->layout.total;
    if (M->type == &lmc_method_simplified_muon)
        st->variant = MUON_SIMPLIFIED;
    else if (M->type == &lmc_method_muon_nesterov || M->params.nesterov)
        st->variant = MUON_NESTEROV;
    else
        st->variant = MUON_EMA;
    st->g = gsl_vector_alloc(n);
    st->m = gsl_vector_calloc(n);
    st->u = gsl_vector_calloc(n);
    st->s = gsl_vector_alloc(n);
    if (!st->g || !st->m || !st->u || !st->s)
        LMC_ERROR(LMC_ENOMEM, "no memory for %s on %zu parameters",
                  M->type->name, n);
    return LMC_SUCCESS;
}

static int
muon_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    muon_state *st = vstate;
    (void)M;
    (void)x;
    gsl_vector_set_zero(st->m);
    gsl_vector_set_zero(st->u);
    return LMC_SUCCESS;
}

/* The buffers after g_t: M_t, and u_t for the Nesterov variant. */
static void
muon_update_buffers(muon_state *st, const lmc_method *M, size_t t)
{
    if (t == 1)
    {
        gsl_vector_memcpy(st->m, st->g);
        gsl_vector_memcpy(st->u, st->g);
        return;
    }
    double beta = lmc_method_beta(&M->params, t);
    double a = 1.0 - beta;
    if (M->params.control_wrong_momentum)
    {
        /* Negative control only: the weights swapped, the bug
         * `lmocheck check --control wrong-momentum` must catch. */
        a = beta;
        beta = 1.0 - a;
    }
    /* The same expression as methods/mvr.c, so that MVR with gamma = 0
     * reproduces these iterates bit for bit. */
    lmc_method_ema(st->m, beta, a, st->g);
    if (st->variant == MUON_NESTEROV)
    {
        double *u = st->u->data;
        const double *m = st->m->data, *g = st->g->data;
        for (size_t j = 0; j < st->u->size; j++)
            u[j] = a * g[j] + beta * m[j];
    }
}

static int
muon_iterate(void *vstate, lmc_method *M, gsl_vector *x, lmc_step_info *info)
{
    muon_state *st = vstate;
    const size_t t = M->t;
    const double eta = lmc_method_eta(&M->params, t);
    const gsl_vector *dir = st->g;
    LMC_TRY(lmc_method_grad(M, x, t, st->g));
    info->ngrad = 1;
    if (st->variant != MUON_SIMPLIFIED)
    {
        muon_update_buffers(st, M, t);
        dir = st->variant == MUON_NESTEROV ? st->u : st->m;
    }
    return lmc_method_lmo_step(M, dir, st->s, eta, x, info);
}

static const gsl_vector *
muon_momentum(void *vstate)
{
    const muon_state *st = vstate;
    switch (st->variant)
    {
    case MUON_EMA: return st->m;
    case MUON_NESTEROV: return st->u;
    case MUON_SIMPLIFIED: break;
    }
    return NULL;
}

static void
muon_free(void *vstate)
{
    muon_state *st = vstate;
    gsl_vector_free(st->g);
    gsl_vector_free(st->m);
    gsl_vector_free(st->u);
    gsl_vector_free(st->s);
}

const lmc_method_type lmc_method_muon = LMC_METHOD_TYPE(
    muon, "muon", "X <- X - eta_t polar~(M_t), EMA momentum M_t",
    LMC_NEEDS_SPECTRAL, 1, muon_momentum);

const lmc_method_type lmc_method_muon_nesterov = LMC_METHOD_TYPE(
    muon, "muon-nesterov",
    "Muon on u_t = (1-beta) g_t + beta M_t (Nesterov, EMA form)",
    LMC_NEEDS_SPECTRAL, 1, muon_momentum);

const lmc_method_type lmc_method_simplified_muon = LMC_METHOD_TYPE(
    muon, "simplified-muon",
    "X <- X - eta_t polar~(grad f), no momentum (section 4)",
    LMC_NEEDS_SPECTRAL, 1, NULL);
