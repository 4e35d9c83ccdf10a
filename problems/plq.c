/* problems/plq.c -- "pl-sin": a non-convex problem that satisfies PL
 * (Karimi, Nutini, Schmidt, ECML-PKDD 2016, section 2.2), made entrywise
 * and shifted by a random target X*.
 *
 *   f(X) = sum_ij phi(d_ij),  d = X - X*,  phi(d) = d^2 + 3 sin^2 d,
 *   phi'(d) = 2 d + 3 sin(2 d),  phi''(d) = 2 + 6 cos(2 d) in [-4, 8].
 *
 * X in R^{m x n}, one block with the spectral-norm ball (dual: nuclear);
 * r = min(m, n).  f is non-convex (phi'' < 0 near d = pi/2 + k pi) and
 * its only stationary point is X* (phi'(d) = 0 iff d = 0: for 2|d| < pi,
 * 2 d and 3 sin 2d have the same sign; for |d| >= pi/2, |2 d| >= pi > 3).
 *
 * Constants:
 *   f*     = 0 at X = X* (phi >= 0, phi(0) = 0).
 *   L_frob = 8: |phi'(a) - phi'(b)| <= max |phi''| |a - b| = 8 |a - b|
 *            entrywise, so ||grad f(X) - grad f(Y)||_F <= 8 ||X - Y||_F.
 *   L      = 8 r: ||G||_* <= sqrt(r) ||G||_F and ||D||_F <= sqrt(r)
 *            ||D||_2; tight as D -> 0 at X = X* along an orthogonal D
 *            (grad difference ~ 8 D, ||8 D||_* = 8 r ||D||_2).
 *   L0     = 8 r, L1 = 0: f(Y) - f(X) - <grad f(X), D> <= (8/2) ||D||_F^2
 *            <= (8 r / 2) ||D||_2^2 (phi'' <= 8).
 *   mu     = 7/40: (1/2) ||grad f||_F^2 = sum_ij phi'(d_ij)^2 / 2 and
 *            f - f* = sum_ij phi(d_ij), so mu = inf_d phi'(d)^2 /
 *            (2 phi(d)), the scalar PL constant.  A grid puts the infimum
 *            at 0.175531 (|d| = 2.20171); 7/40 = 0.175 is proved below it:
 *            |d| <= 1/2: phi' >= 7|d| (sin 2d >= 2d - (2d)^3/6, 4|d|^3 <=
 *              |d|) and phi <= 4 d^2, ratio >= 49/8;
 *            |d| >= 10: |phi'| >= 2|d| - 3, phi <= d^2 + 3, ratio >=
 *              (2|d| - 3)^2 / (2 (d^2 + 3)) >= 289/206 (increasing for
 *              |d| > 3/2);
 *            1/2 <= |d| <= 10: G = phi'^2/2 - (7/40) phi has
 *              G' = phi' (phi'' - 7/40), |G'| <= (|phi'(d_k)| + 8 h) 8.175
 *              on a cell [d_k, d_k + h]; tests/t-problems.c evaluates G in
 *              MPFR on the grid h = 2^-13 and checks G(d_k) exceeds that
 *              cell bound everywhere.
 *            The paper's mu = 1/32 (for their scalar form) is valid but
 *            5.6 times smaller than needed.
 *
 * Inits: "random" (default; X* + N(0, LMC_PLQ_INIT_SD^2) entries),
 * "zero" (X = 0, so d = -X*).  Parameters: m, n (default 16 x 16), seed.
 * No variants, no stochastic gradient.
 */
#include "plq.h"
#include "init.h"
#include "linalg.h"
#include "spectrum.h"
#include "status.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

/* Sample-id tag of the init's random stream (distinct from the stream
 * that drew X*). */
#define PLQ_X0_TAG 0x706c717830UL /* "plqx0" */

static int
plq_alloc(void *vstate, lmc_problem *P)
{
    lmc_plq_state *st = vstate;
    const lmc_problem_params *p = &P->params;
    const char *name = P->type->name;
    st->m = p->m ? p->m : LMC_PLQ_DEFAULT_M;
    st->n = p->n ? p->n : LMC_PLQ_DEFAULT_N;
    st->seed = p->seed;
    if (st->m > LMC_PLQ_MAX_DIM || st->n > LMC_PLQ_MAX_DIM)
        LMC_ERROR(LMC_EINVAL, "problem '%s': m and n must be in 1..%d (0 = "
                  "default %d), got m = %zu, n = %zu", name, LMC_PLQ_MAX_DIM,
                  LMC_PLQ_DEFAULT_M, p->m, p->n);
    if (p->variant && *p->variant)
        LMC_ERROR(LMC_EINVAL, "problem '%s' has no variants, got '%s'", name,
                  p->variant);
    size_t init;
    LMC_TRY(lmc_init_index(P, &init));
    st->init_zero = init == 1; /* .inits = "random,zero" */
    st->xstar = gsl_matrix_alloc(st->m, st->n);
    st->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!st->xstar || !st->rng)
        LMC_ERROR(LMC_ENOMEM, "no memory for problem '%s' (%zux%zu)", name,
                  st->m, st->n);
    gsl_rng_set(st->rng, st->seed);
    lmc_matrix_gaussian(st->xstar, st->rng);
    LMC_TRY(lmc_layout_add(&P->layout, st->m, st->n, &lmc_oracle_spectral));

    const double r = (double)(st->m < st->n ? st->m : st->n);
    /* Derivations in the file header. */
    P->c.known = LMC_HAS_L | LMC_HAS_LFROB | LMC_HAS_L0L1 | LMC_HAS_MU |
                 LMC_HAS_FSTAR;
    P->c.L_frob = 8.0;     /* max |phi''| = 2 + 6 */
    P->c.L = 8.0 * r;      /* sqrt(r) (nuclear/Frobenius) x sqrt(r) */
    P->c.L0[0] = 8.0 * r;  /* phi'' <= 8, ||D||_F^2 <= r ||D||_2^2 */
    P->c.L1[0] = 0.0;
    P->c.mu = 7.0 / 40.0;  /* proved below inf phi'^2/(2 phi) = 0.17553 */
    P->c.fstar = 0.0;      /* at X = X* */
    return LMC_SUCCESS;
}

static int
plq_fdf(void *vstate, const gsl_vector *x, double *f, gsl_vector *g)
{
    lmc_plq_state *st = vstate;
    const size_t mn = st->m * st->n;
    double sum = 0;
    for (size_t k = 0; k < mn; k++)
    {
        const double d = x->data[k] - st->xstar->data[k];
        const double s = sin(d);
        sum += d * d + 3.0 * s * s;
        if (g)
            g->data[k] = 2.0 * d + 3.0 * sin(2.0 * d);
    }
    if (f)
        *f = sum;
    if (!lmc_isfinite(sum))
        LMC_ERROR(LMC_ENONFINITE, "problem 'pl-sin': f is not finite at x");
    return LMC_SUCCESS;
}

static int
plq_x0(void *vstate, gsl_vector *x)
{
    lmc_plq_state *st = vstate;
    const size_t mn = st->m * st->n;
    if (st->init_zero)
    {
        gsl_vector_set_zero(x);
        return LMC_SUCCESS;
    }
    gsl_rng_set(st->rng, lmc_sample_id(st->seed, PLQ_X0_TAG));
    for (size_t k = 0; k < mn; k++)
        x->data[k] = st->xstar->data[k] +
                     gsl_ran_gaussian_ziggurat(st->rng, LMC_PLQ_INIT_SD);
    return LMC_SUCCESS;
}

static void
plq_free(void *vstate)
{
    lmc_plq_state *st = vstate;
    gsl_matrix_free(st->xstar);
    if (st->rng)
        gsl_rng_free(st->rng);
}

const lmc_problem_type lmc_problem_plq = {
    .name = "pl-sin",
    .summary = "non-convex PL: sum (d^2 + 3 sin^2 d), d = X - X*; mu = 7/40, "
               "L_frob = 8",
    .inits = "random,zero",
    .variants = NULL,
    .size = sizeof(lmc_plq_state),
    .alloc = plq_alloc,
    .fdf = plq_fdf,
    .sgrad = NULL,
    .x0 = plq_x0,
    .free = plq_free,
};
