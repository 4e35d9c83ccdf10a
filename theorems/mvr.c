/* theorems/mvr.c -- what the Muon-MVR entries share (mvr.h). */
#include "mvr.h"
#include "status.h"

#include <string.h>

void
lmc_thm_mvr_config(lmc_check_config *c, const char *label,
                   const char *problem, const char *variant,
                   const char *method, double eta0, double beta,
                   double gamma, int stochastic, size_t K)
{
    lmc_thm_config_init(c, problem, method, "%s", label);
    c->pp = lmc_problem_params_default();
    c->pp.variant = variant;
    c->mp.lr = eta0;
    c->mp.momentum = beta;
    c->mp.gamma = gamma;
    c->mp.stochastic = stochastic;
    c->rp.iters = K;
    c->rp.measure_delta = 0;
}

void
lmc_thm_mvr_config_lsq(lmc_check_config *c, const char *label,
                       double kappa, const char *method, double beta,
                       int poly, double q, double eta0, double p, size_t K,
                       size_t seeds)
{
    lmc_thm_config_vr(c, label, "lsq", "noise", 0, kappa, method, eta0, p, q,
                      K, seeds);
    c->mp.momentum_poly = poly;
    c->mp.momentum = beta;
}

int
lmc_thm_mvr_covers(const lmc_check_config *c, const char *mname, int ema)
{
    if (!ema)
        return strcmp(mname, "mvr2") == 0 && c->mp.gamma == 1;
    return (strcmp(mname, "muon") == 0 && !c->mp.nesterov) ||
           ((strcmp(mname, "mvr1") == 0 || strcmp(mname, "mvr2") == 0) &&
            c->mp.gamma == 0);
}

int
lmc_thm_mvr_exact_polar(const lmc_check_config *c)
{
    return !c->mp.oracle || c->mp.oracle == &lmc_inexact_exact;
}

void
lmc_thm_mvr_constants(const lmc_check_config *c, const lmc_problem *P,
                      int ema, double *sigma, double *Lc)
{
    const int stoch = c->mp.stochastic;
    *sigma = stoch ? P->c.sigma : 0.0;
    *Lc = stoch && !ema ? P->c.Lbar : P->c.L_frob;
}

/* The seeds of the first pass. */
static size_t
mvr_first_seeds(const lmc_check_config *c)
{
    return c->mp.stochastic ? (c->nseeds ? c->nseeds : 16) : 1;
}

size_t
lmc_thm_mvr_max_seeds(const lmc_check_config *c)
{
    return c->mp.stochastic ? 8 * mvr_first_seeds(c) : 1;
}

int
lmc_thm_mvr_decide(const lmc_check_config *c, const lmc_check_options *o,
                   const lmc_check_run *first, lmc_thm_vr_values_fn values,
                   lmc_thm_mvr_pass_fn pass, void *data, lmc_check_result *r,
                   lmc_thm_mvr_worst *wo, size_t *S)
{
    const size_t Smax = lmc_thm_mvr_max_seeds(c);
    lmc_verdict verdict = LMC_UNDECIDED;
    *S = 0;
    for (size_t target = mvr_first_seeds(c); target <= Smax; target *= 2)
    {
        LMC_TRY(lmc_thm_vr_seeds(c, o, first, S, target, values, data));
        verdict = pass(*S, data, wo);
        if (verdict != LMC_UNDECIDED)
            break;
    }
    lmc_thm_result(r, verdict, wo->mean, wo->bound);
    r->step = wo->step;
    return LMC_SUCCESS;
}
