/* methods/adaptive.c -- layer-wise (L0,L1) adaptive radius, exact gradients.
 *
 * THEORY.md T6 [S25, derived]: under the per-block descent form
 *   f(Y) <= f(X) + <grad f(X), Y - X>
 *           + sum_i (L0_i + L1_i g_i)/2 ||Y_i - X_i||^2,
 * g_i = ||grad_i f(X)||_* (the dual norm of block i), the step
 *
 *   X_{t+1,i} = X_{t,i} + t_i S~_i,   S~_i = LMO_i(grad_i f(X_t)) + E_i,
 *   t_i = (1 - delta_i) g_i / ((1 + delta_i)^2 (L0_i + L1_i g_i))
 *
 * decreases f by at least sum_i (1-delta_i)^2 g_i^2 /
 * (2 (1+delta_i)^2 (L0_i + L1_i g_i)).
 *
 * "adaptive":       the radius above, with delta_i = params.oracle_params
 *                   .delta for every block.  That number is the error bound
 *                   the user DECLARES for the oracle (it is also the size
 *                   the injected sources produce); for poly and lowprec
 *                   sources the user must declare a bound that holds for
 *                   them.  The method cannot know the true error before the
 *                   call; the realized delta of every call is recorded in
 *                   info->delta, so a check can compare it with the
 *                   declared one (a run whose realized delta exceeds the
 *                   declared one does not meet T6's hypothesis).
 * "adaptive-exact": THEORY.md T7: the delta = 0 radius
 *                   t_i = g_i / (L0_i + L1_i g_i), used with whatever
 *                   (possibly inexact) oracle params.oracle gives; descent
 *                   is guaranteed only while delta < sqrt(5) - 2.
 *
 * Exact gradients (a stochastic run is refused), no momentum; the
 * radius replaces the step schedule (params.lr is not used).  A block
 * with g_i = 0 does not move (t_i = 0).  info->eta[i] = t_i.  Needs the
 * problem's L0_i, L1_i (LMC_HAS_L0L1), each >= 0 and finite, with
 * L0_i + L1_i > 0.
 */
#include "../method.h"
#include "../status.h"

#include <math.h>

typedef struct
{
    gsl_vector *g, *s;
    int exact_radius; /* 1: T7 (delta = 0 radius) */
} adaptive_state;

static int
adaptive_alloc(void *vstate, lmc_method *M)
{
    adaptive_state *st = vstate;
    const lmc_problem *P = M->P;
    st->exact_radius = M->type == &lmc_method_adaptive_exact;
    if (M->params.stochastic)
        LMC_ERROR(LMC_EDOM, "method '%s' uses exact gradients (THEORY T6/T7 "
                  "are deterministic); turn off the stochastic gradient",
                  M->type->name);
    for (size_t i = 0; i < P->layout.nblocks; i++)
    {
        const double L0 = P->c.L0[i], L1 = P->c.L1[i];
        if (!(L0 >= 0 && L1 >= 0 && isfinite(L0) && isfinite(L1) &&
              L0 + L1 > 0))
            LMC_ERROR(LMC_EDOM, "method '%s' needs finite L0, L1 >= 0, not "
                      "both 0, on every block; problem '%s' declares L0=%g "
                      "L1=%g on block %zu", M->type->name, P->type->name,
                      L0, L1, i);
    }
    st->g = gsl_vector_alloc(P->layout.total);
    st->s = gsl_vector_alloc(P->layout.total);
    if (!st->g || !st->s)
        LMC_ERROR(LMC_ENOMEM, "no memory for %s on %zu parameters",
                  M->type->name, P->layout.total);
    return LMC_SUCCESS;
}

static int
adaptive_set(void *vstate, lmc_method *M, const gsl_vector *x)
{
    (void)vstate;
    (void)M;
    (void)x;
    return LMC_SUCCESS;
}

static int
adaptive_iterate(void *vstate, lmc_method *M, gsl_vector *x,
                 lmc_step_info *info)
{
    adaptive_state *st = vstate;
    const lmc_problem *P = M->P;
    const lmc_layout *L = &P->layout;
    const double delta =
        st->exact_radius ? 0.0 : M->params.oracle_params.delta;
    LMC_TRY(lmc_method_grad(M, x, M->t, st->g));
    info->ngrad = 1;
    for (size_t i = 0; i < L->nblocks; i++)
    {
        gsl_matrix_const_view gi = lmc_block_const(L, st->g, i);
        double gn;
        LMC_TRY(lmc_oracle_dual_norm(M->oracle[i]->exact, &gi.matrix, &gn));
        info->eta[i] = gn > 0 ? (1 - delta) * gn /
                                    ((1 + delta) * (1 + delta) *
                                     (P->c.L0[i] + P->c.L1[i] * gn))
                              : 0.0;
    }
    LMC_TRY(lmc_method_apply_lmo(M, st->g, st->s, info));
    for (size_t i = 0; i < L->nblocks; i++)
    {
        const double ti = info->eta[i];
        double *xi = x->data + L->offset[i];
        const double *si = st->s->data + L->offset[i];
        const size_t len = L->size1[i] * L->size2[i];
        for (size_t j = 0; j < len; j++)
            xi[j] += ti * si[j];
    }
    return LMC_SUCCESS;
}

static void
adaptive_free(void *vstate)
{
    adaptive_state *st = vstate;
    gsl_vector_free(st->g);
    gsl_vector_free(st->s);
}

const lmc_method_type lmc_method_adaptive = LMC_METHOD_TYPE(
    adaptive, "adaptive",
    "T6 layer-wise (L0,L1) radius with the declared delta", LMC_HAS_L0L1, 1,
    NULL);

const lmc_method_type lmc_method_adaptive_exact = LMC_METHOD_TYPE(
    adaptive, "adaptive-exact",
    "T7 delta = 0 (L0,L1) radius with any oracle", LMC_HAS_L0L1, 1, NULL);
