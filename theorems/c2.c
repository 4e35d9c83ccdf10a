/* theorems/c2.c -- C2: "lower precision needs a larger momentum
 * parameter" (report only; [S25] paper claim).
 *
 * Claim (THEORY.md section 2, [S25], paper): the convention is unknown:
 * "momentum parameter" may be alpha (the fresh-gradient weight of
 * M^k = (1-alpha) M^{k-1} + alpha g^k, THEORY's convention) or beta =
 * 1 - alpha (the usual deep-learning one).  T5's optimum of T4's bound
 * has alpha* ~ (1+delta)^(1/2): larger alpha (less momentum) for lower
 * precision, which is the claim in the alpha convention.  Nothing is
 * asserted here: the measured best alpha per delta is reported with the
 * convention it supports.
 *
 * Experiment: lsq variant "noise" (additive Gaussian gradient noise,
 * sigma = 1, the noise-dominated regime of T4/T5; at sigma = 0.1, t =
 * 0.01, K = 300 the best alpha was 1, the grid's edge: a transient, not a
 * noise floor), method lmo with momentum beta = 1 - alpha, alpha on the
 * grid {1, 1/4, 1/16, 1/64} (resolution a factor 4), constant radius
 * t = 0.003, K = 1000 steps, seeds 1..S (gradient samples), oracle
 * error per configuration (inject-adversarial, inject-random), delta in
 * {0, 0.3, 0.6}.  Best alpha per delta minimizes the seed average of the
 * final f(X^K) - f*.  Reported: best alpha per delta, and "alpha
 * convention" if it rises with delta, "beta convention" if it falls,
 * "neither" if flat or mixed (a change smaller than the grid's factor 2
 * shows as flat).  Verdict LMC_REPORTED always; --bound-scale has no
 * effect (no claim is asserted, so there is no negative control).
 *
 * Measured (2026-11-24; quick 2 seeds and full 8 seeds agree): best
 * alpha with inject-adversarial 1/4, 1/4, 1/16 for delta 0, 0.3, 0.6
 * (falls: the beta reading,
 * "more momentum"), opposite to T5's (1+delta)^(1/2); this source is
 * (1 - delta) LMO, a smaller effective radius, and T4's balance
 * alpha* ~ (L t / (rho sigma))^(2/3) falls with the radius.
 * inject-random: 1/4 for every delta (no shift at a factor-4 grid).
 * The final gap of one run is noisy; the full set uses 8 seeds.
 */
#include "common.h"
#include "status.h"

#include <math.h>
#include <stdio.h>

#define NDELTA 3
#define NALPHA 4

static const double c2_delta[NDELTA] = {0, 0.3, 0.6};

static int
c2_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    const size_t S = c->nseeds ? c->nseeds : 4;
    double abest[NDELTA], gbest[NDELTA];
    for (size_t i = 0; i < NDELTA; i++)
    {
        gbest[i] = INFINITY;
        abest[i] = NAN;
        for (int k = 0; k < NALPHA; k++)
        {
            const double alpha = ldexp(1.0, -2 * k); /* 1, 1/4, 1/16, 1/64 */
            double avg = 0;
            for (size_t s = 0; s < S; s++)
            {
                lmc_check_config ci = *c;
                ci.mp.momentum = 1 - alpha;
                ci.mp.oracle_params.delta = c2_delta[i];
                lmc_check_run run;
                LMC_TRY(lmc_check_run_exec(&ci, o->seed_base + s, &run));
                const double g = run.tr->gap[run.tr->n - 1];
                const lmc_stop stop = run.tr->stop;
                lmc_check_run_free(&run);
                avg += stop == LMC_STOP_BUDGET ? g / (double)S : INFINITY;
            }
            if (avg < gbest[i])
            {
                gbest[i] = avg;
                abest[i] = alpha;
            }
        }
    }
    int up = 0, down = 0;
    for (size_t i = 0; i + 1 < NDELTA; i++)
    {
        up += abest[i + 1] > abest[i];
        down += abest[i + 1] < abest[i];
    }
    const char *conv = up && !down   ? "alpha convention (fresh-gradient "
                                       "weight rises: less momentum)"
                       : down && !up ? "beta convention (alpha falls: more "
                                       "momentum)"
                                     : "neither (flat or mixed at this grid)";
    lmc_thm_result(r, LMC_REPORTED, abest[NDELTA - 1], NAN);
    r->seed = o->seed_base;
    lmc_snprintf(r->detail, sizeof r->detail, "report only: t=%g K=%zu sigma "
             "1, %zu seeds, alpha in {1, 1/4, 1/16, 1/64}: best alpha %g / %g / %g "
             "for delta 0 / 0.3 / 0.6 (final gap %.3g / %.3g / %.3g); T5 "
             "predicts alpha ratio (1+delta)^(1/2) = 1.14 / 1.26; supports: "
             "%s", c->mp.lr, c->rp.iters, S, abest[0], abest[1], abest[2],
             gbest[0], gbest[1], gbest[2], conv);
    return LMC_SUCCESS;
}

static void
config(lmc_check_config *c, const char *label,
       const lmc_inexact_type *oracle, double t, size_t K, size_t S)
{
    /* delta and momentum at their defaults (0): the check sets both per
     * run */
    lmc_thm_config_lmo_noise(c, label, oracle, 0, t, 0, K, S);
    c->pp.sigma = 1.0;
    c->rp.measure_delta = 0;
    c->no_iterates = 1;
}

static size_t
c2_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[4];
    size_t n = 0;
    const size_t S = o->full ? 8 : 2;
    config(&all[n++], "lsq noise lmo t=0.003 K=1000 inject-adversarial",
           &lmc_inexact_inject_adversarial, 0.003, 1000, S);
    config(&all[n++], "lsq noise lmo t=0.003 K=1000 inject-random",
           &lmc_inexact_inject_random, 0.003, 1000, S);
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_c2 = {
    .id = "C2",
    .title = "best momentum parameter vs delta (report only)",
    .statement = "report the best alpha (fresh-gradient weight, beta = 1 - "
                 "alpha) on a grid per delta = 0, 0.3, 0.6 and the "
                 "convention of 'lower precision needs a larger momentum "
                 "parameter' it supports",
    .source = "[S25]",
    .provenance = "paper",
    .hypotheses = "lsq with additive gradient noise; lmo with momentum and a "
                  "constant radius; injected oracle error of size delta",
    .kind = LMC_REPORT_ONLY,
    .configs = c2_configs,
    .check = c2_check,
};
