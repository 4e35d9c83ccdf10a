/* inexact/inject.c -- injected additive error of prescribed size delta.
 *
 * inject-random:      S~ = LMO(M) + delta G / ||G||, G a Gaussian matrix
 *                     drawn from a seeded generator (a fresh G each call,
 *                     the sequence fixed by the seed).
 * inject-adversarial: S~ = LMO(M) + delta LMO(-M) = (1 - delta) LMO(M),
 *                     the direction that makes (L1) of THEORY.md O1 tight:
 *                     <M, S~> = -(1 - delta) ||M||_*.
 * Both realize ||E|| = delta exactly up to rounding (for M != 0).
 */
#include "../inexact.h"
#include "../status.h"

#include <gsl/gsl_randist.h>

typedef struct
{
    gsl_rng *r;
    gsl_matrix *g;
} random_state;

static int
random_alloc(void *vstate, const lmc_inexact *q)
{
    random_state *st = vstate;
    st->r = gsl_rng_alloc(gsl_rng_mt19937);
    st->g = gsl_matrix_alloc(q->size1, q->size2);
    if (!st->r || !st->g)
        LMC_ERROR(LMC_ENOMEM, "no memory for inject-random on %zux%zu",
                  q->size1, q->size2);
    gsl_rng_set(st->r, q->params.seed);
    return LMC_SUCCESS;
}

static int
random_apply(void *vstate, lmc_inexact *q, const gsl_matrix *m,
             gsl_matrix *s)
{
    random_state *st = vstate;
    LMC_TRY(lmc_oracle_apply(q->exact, m, s));
    if (q->params.delta == 0)
        return LMC_SUCCESS;
    double nrm = 0;
    /* A Gaussian matrix is zero with probability 0; redraw if it is. */
    while (!(nrm > 0))
    {
        for (size_t i = 0; i < q->size1; i++)
            for (size_t j = 0; j < q->size2; j++)
                gsl_matrix_set(st->g, i, j, gsl_ran_gaussian_ziggurat(st->r,
                                                                     1.0));
        LMC_TRY(lmc_oracle_norm(q->exact, st->g, &nrm));
    }
    gsl_matrix_scale(st->g, q->params.delta / nrm);
    gsl_matrix_add(s, st->g);
    return LMC_SUCCESS;
}

static int
inject_predict(void *vstate, lmc_inexact *q, const gsl_matrix *m,
               double *delta)
{
    (void)vstate;
    (void)m;
    *delta = q->params.delta;
    return LMC_SUCCESS;
}

static void
random_free(void *vstate)
{
    random_state *st = vstate;
    gsl_rng_free(st->r);
    gsl_matrix_free(st->g);
}

const lmc_inexact_type lmc_inexact_inject_random = {
    .name = "inject-random",
    .summary = "LMO(M) + delta G/||G||, G seeded Gaussian",
    .uses = LMC_INEXACT_USES_DELTA | LMC_INEXACT_USES_SEED,
    .size = sizeof(random_state),
    .alloc = random_alloc,
    .apply = random_apply,
    .predict = inject_predict,
    .free = random_free,
};

static int
adversarial_apply(void *vstate, lmc_inexact *q, const gsl_matrix *m,
                  gsl_matrix *s)
{
    (void)vstate;
    LMC_TRY(lmc_oracle_apply(q->exact, m, s));
    gsl_matrix_scale(s, 1.0 - q->params.delta);
    return LMC_SUCCESS;
}

const lmc_inexact_type lmc_inexact_inject_adversarial = {
    .name = "inject-adversarial",
    .summary = "LMO(M) + delta LMO(-M): makes (L1) tight",
    .uses = LMC_INEXACT_USES_DELTA,
    .apply = adversarial_apply,
    .predict = inject_predict,
};
