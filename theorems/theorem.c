/* theorem.c -- kind names, registry lookup, and running a
 * configuration for a check (a session with the check's own steps: seeds,
 * rescaled constants, kept iterates, a perturbed x0). */
#include "theorem.h"
#include "status.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *
lmc_theorem_kind_name(lmc_theorem_kind k)
{
    switch (k)
    {
    case LMC_HARD_STEP: return "hard per-step";
    case LMC_HARD_AGGREGATE: return "hard aggregate";
    case LMC_HARD_EXPECTATION: return "hard in expectation";
    case LMC_SOFT_SLOPE: return "soft slope";
    case LMC_SOFT_SHIFT: return "soft shift/flatness";
    case LMC_REPORT_ONLY: return "report only";
    }
    return "?";
}

const lmc_theorem *
lmc_theorem_find(const char *id)
{
    for (size_t i = 0; lmc_theorems[i]; i++)
        if (strcmp(lmc_theorems[i]->id, id) == 0)
            return lmc_theorems[i];
    return NULL;
}

void
lmc_check_run_free(lmc_check_run *run)
{
    lmc_session_close(run);
}

/* Deliberately wrong constants (negative control): declared L, L_frob,
 * L0, L1, sigma, Lbar times cs and mu divided by it (cs <= 0 or 1 leaves
 * them); the checks' assumption checks must report them. */
static void
scale_constants(lmc_constants *k, double cs)
{
    if (!(cs > 0 && cs != 1))
        return;
    k->L *= cs;
    k->L_frob *= cs;
    k->sigma *= cs;
    k->Lbar *= cs;
    k->mu /= cs;
    for (size_t i = 0; i < LMC_MAX_BLOCKS; i++)
    {
        k->L0[i] *= cs;
        k->L1[i] *= cs;
    }
}

/* An ulp-level perturbation of x0 (fp-environment ensembles): entry j
 * moves by u_j ulp(max_i |x0_i|), u_j uniform in [-1, 1] from a generator
 * seeded with k; one ulp of 1 when x0 = 0 (problems are scaled to O(1)).
 * Rounding-level noise of this size is what a different BLAS kernel
 * leaves after the first step, so a verdict that moves under it is not a
 * property of the mathematics. */
static int
perturb_x0(gsl_vector *x0, unsigned long k)
{
    double amax = 0;
    for (size_t j = 0; j < x0->size; j++)
        amax = fmax(amax, fabs(gsl_vector_get(x0, j)));
    if (amax == 0)
        amax = 1;
    const double ulp = nextafter(amax, INFINITY) - amax;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (!g)
        LMC_ERROR(LMC_ENOMEM, "x0 perturbation: no memory");
    gsl_rng_set(g, k);
    for (size_t j = 0; j < x0->size; j++)
    {
        const double u = 2 * gsl_rng_uniform(g) - 1;
        gsl_vector_set(x0, j, gsl_vector_get(x0, j) + u * ulp);
    }
    gsl_rng_free(g);
    return LMC_SUCCESS;
}

int
lmc_check_run_exec(const lmc_check_config *c, unsigned long seed,
                   lmc_check_run *run)
{
    memset(run, 0, sizeof *run);
    const lmc_problem_type *PT = lmc_problem_find(c->problem);
    const lmc_method_type *MT = lmc_method_find(c->method);
    if (!PT || !MT)
        LMC_ERROR(LMC_ENOTFOUND, "configuration '%s': unknown problem '%s' "
                  "or method '%s'", c->label, c->problem, c->method);
    lmc_method_params mp = c->mp;
    /* The problem's data stay fixed across seeds (the expectation is over
     * the samples and injected errors, not over problems). */
    mp.seed = seed;
    mp.oracle_params.seed = seed;
    int status = lmc_session_open(run, PT, &c->pp);
    if (status == LMC_SUCCESS)
    {
        scale_constants(&run->P->c, c->constant_scale);
        status = lmc_session_attach(run, MT, &mp);
    }
    if (status != LMC_SUCCESS)
    {
        /* A check does not tell a refused problem or method from a lack
         * of memory: the reported message says which. */
        lmc_check_run_free(run);
        return LMC_ENOMEM;
    }
    status = lmc_session_start(run, c->rp.iters);
    if (status == LMC_SUCCESS && !c->no_iterates)
        status = lmc_trace_keep_iterates(run->tr, run->P->layout.total);
    if (status == LMC_SUCCESS && c->perturb)
        status = perturb_x0(run->x0, c->perturb);
    if (status == LMC_SUCCESS)
        status = lmc_session_run(run, &c->rp);
    if (status != LMC_SUCCESS)
        lmc_check_run_free(run);
    return status;
}
