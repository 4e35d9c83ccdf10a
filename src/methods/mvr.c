/* methods/mvr.c -- variance-reduced Muon: Muon-MVR1 and Muon-MVR2.
 *
 * THEORY.md section 3 [C25; update equations from the authors' code,
 * background theory-mvr-precond.md A3-A4, README form without the clip,
 * the 0.2 sqrt(max(A,B)) scale and weight decay]:
 *
 *   M_1 = g_1(X_1),
 *   M_t = beta_t M_{t-1} + (1 - beta_t) g_t(X_t)
 *         + gamma beta_t (g_t(X_t) - D_t)                       (t >= 2),
 *   X_{t+1} = X_t - eta_t polar~(M_t) = X_t + eta_t S~(M_t),
 *
 * g_t(.) the stochastic gradient with sample xi_t = lmc_sample_id(seed, t)
 * (or the exact gradient), gamma = params.gamma in [0, 1], and
 *
 *   "mvr1": D_t = g_{t-1}(X_{t-1}), the previous step's stored gradient
 *           (one gradient per step; the code's is_approx=True);
 *   "mvr2": D_t = g_t(X_{t-1}), the SAME sample xi_t at the previous
 *           iterate (STORM; two gradients per step from t = 2 on,
 *           info->ngrad = 2; one at t = 1).
 *
 * Start: M_1 = g_1, the shared convention of method.h (the code starts
 * from M_0 = 0 and a zero "last gradient", whose first direction
 * (1 + gamma beta/(1-beta)) (1-beta) g_1 has the same polar factor).
 * With it, for a constant beta, THEORY V1 holds from t = 1:
 *   gamma = 0          is "muon" bit for bit (the same floating-point
 *                      expression beta M + (1-beta) g, then + 0);
 *   gamma = 1 - beta   (mvr1) is "muon-nesterov" up to rounding, the
 *                      buffer M_t being its direction u_t (methods/muon.c);
 *   exact gradients    make mvr1 and mvr2 identical bit for bit (D_t is the
 *                      same gradient of the same point).
 * The theory of [C25] uses exact polar factors and gamma = 1 for MVR2.
 * momentum() returns M_t, the vector orthogonalized (eps_t = M_t -
 * grad f(X_t) in V2-V4).
 */
#include "../method.h"
#include "../status.h"

typedef struct
{
    gsl_vector *g;     /* g_t(X_t) */
    gsl_vector *d;     /* D_t */
    gsl_vector *m;     /* M_t */
    gsl_vector *s;     /* S~(M_t) */
    gsl_vector *xprev; /* X_{t-1} (mvr2) */
    int two;           /* 1: mvr2 */
} mvr_state;

static int
mvr_alloc(void *vstate, lmc_method *M)
{
    mvr_state *st = vstate;
    const size_t n = M->P->layout.total;
    st->two = M->type == &lmc_method_mvr2;
    st->g = gsl_vector_alloc(n);
    st->d = gsl_vector_calloc(n);
    st->m = gsl_vector_calloc(n);
    st->s = gsl_vector_alloc(n);
    st->xprev = gsl_vector_calloc(n);
    if (!st->g || !st->d || !st->m || !st->s || !st->xprev)
        LMC_ERROR(LMC_ENOMEM, "no memory for %s on %zu parameters",
                  M->type->name, n);
    return LMC_SUCCESS;
}

static int
mvr_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    mvr_state *st = vstate;
    (void)M;
    gsl_vector_set_zero(st->d);
    gsl_vector_set_zero(st->m);
    gsl_vector_memcpy(st->xprev, x);
    return LMC_SUCCESS;
}

static int
mvr_iterate(void *vstate, lmc_method *M, gsl_vector *x, lmc_step_info *info)
{
    mvr_state *st = vstate;
    const size_t t = M->t, n = x->size;
    const double eta = lmc_method_eta(&M->params, t);
    LMC_TRY(lmc_method_grad(M, x, t, st->g));
    info->ngrad = 1;
    if (t == 1)
        gsl_vector_memcpy(st->m, st->g);
    else
    {
        if (st->two)
        {
            LMC_TRY(lmc_method_grad_sample(M, st->xprev, t, st->d));
            info->ngrad = 2;
        }
        const double beta = lmc_method_beta(&M->params, t);
        const double a = 1.0 - beta, gb = M->params.gamma * beta;
        double *m = st->m->data;
        const double *g = st->g->data, *d = st->d->data;
        /* (beta M + (1-beta) g) first, exactly as methods/muon.c, then the
         * correction: gamma = 0 adds a zero and changes nothing. */
        for (size_t j = 0; j < n; j++)
            m[j] = beta * m[j] + a * g[j] + gb * (g[j] - d[j]);
    }
    /* Keep what step t+1 needs: mvr1 the gradient g_t(X_t), mvr2 the
     * point X_t. */
    if (st->two)
        gsl_vector_memcpy(st->xprev, x);
    else
        gsl_vector_memcpy(st->d, st->g);
    return lmc_method_lmo_step(M, st->m, st->s, eta, x, info);
}

static const gsl_vector *
mvr_momentum(void *vstate)
{
    const mvr_state *st = vstate;
    return st->m;
}

static void
mvr_free(void *vstate)
{
    mvr_state *st = vstate;
    gsl_vector_free(st->g);
    gsl_vector_free(st->d);
    gsl_vector_free(st->m);
    gsl_vector_free(st->s);
    gsl_vector_free(st->xprev);
}

const lmc_method_type lmc_method_mvr1 = LMC_METHOD_TYPE(
    mvr, "mvr1", "Muon-MVR1: correction gamma beta (g_t - g_{t-1}(X_{t-1}))",
    LMC_NEEDS_SPECTRAL, 1, mvr_momentum);

const lmc_method_type lmc_method_mvr2 = LMC_METHOD_TYPE(
    mvr, "mvr2", "Muon-MVR2: correction gamma beta (g_t(X_t) - g_t(X_{t-1}))",
    LMC_NEEDS_SPECTRAL, 1, mvr_momentum);
