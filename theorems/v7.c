/* theorems/v7.c -- V7: the PL transfer of the anytime bound, in
 * expectation (hard via V5), with the last-iterate gap slope reported.
 *
 * Statement (THEORY.md section 3, [C25], derived: background
 * theory-mvr-precond.md C2, D5): if (1/2)||grad f||_F^2 >= mu (f - f*),
 *   min_{t<=T} E sqrt(f(X_t) - f*) <= (2 mu)^(-1/2) RHS_T,
 * RHS_T V5's bound (u_t from V3 for mvr2 with gamma = 1, from V4 for
 * muon / gamma = 0), checked at every prefix T of one run.  Derivation:
 * sqrt(f - f*) <= ||grad f||_F / sqrt(2 mu) <= ||grad f||_* / sqrt(2 mu),
 * and a minimum over t <= T is at most the average.
 *
 * The check is v5.c's lmc_thm_v5_check with the PL side: per-t
 * Monte-Carlo intervals for E sqrt(f(X_t) - f*) (f - f* from the MPFR
 * companion, Bonferroni over the K iterates), holds at T if the smallest
 * upper limit over t <= T is below inf((2 mu)^(-1/2) RHS_T), violated if
 * the smallest lower limit is above its sup.  Hypotheses: mu, L_frob, f*
 * (and sigma, Lbar when stochastic) declared and checked along the run.
 *
 * Report only (in the detail and r->slope): the least-squares slope of
 * log E[f(X_t) - f*] over t in [K/4, K] against the claimed -1/4 (Muon,
 * MVR1) and -1/3 (MVR2); nothing is asserted on it.
 *
 * Tightness: the chain loses sqrt(L r / mu) at T = 1 at best (the
 * minimum of Delta_1/eta + L r eta/2 over eta against sqrt(Delta_1)), so
 * only a rank-1 block with L = mu can be tight: lsq with m = 1
 * (f = (1/2)||X - X*||_F^2 on a 1 x n block, L = mu = 1, r = 1), where
 * the bound at T = 1 is (Delta_1/eta + eta/2)/sqrt(2) against
 * sqrt(Delta_1).
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

static int
v7_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    return lmc_thm_v5_check(c, o, r, 1);
}


static size_t
v7_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[8];
    size_t n = 0;
    const double p3 = 2.0 / 3.0;
    lmc_thm_config_vr(&all[n++], "lsq exact m=1 muon beta=0 eta=1 (tight)", "lsq",
           "exact", 1, 1, "muon", 1.0, 0, 0, 20, 1);
    lmc_thm_config_vr(&all[n++], "lsq noise kappa=2 mvr2 eta=0.05 t^-2/3, t^-2/3",
           "lsq", "noise", 0, 2, "mvr2", 0.05, p3, p3, 100, 16);
    lmc_thm_config_vr(&all[n++], "lsq noise kappa=2 muon eta=0.05 t^-3/4, t^-1/2",
           "lsq", "noise", 0, 2, "muon", 0.05, 0.75, 0.5, 100, 16);
    lmc_thm_config_vr(&all[n++], "pl-sin exact mvr2 eta=0.5 t^-2/3, t^-2/3",
           "pl-sin", NULL, 0, 0, "mvr2", 0.5, p3, p3, 200, 1);
    if (o->full)
    {
        lmc_thm_config_vr(&all[n++], "lsq noise kappa=2 mvr2 t^-2/3 K=1000", "lsq",
               "noise", 0, 2, "mvr2", 0.05, p3, p3, 1000, 16);
        lmc_thm_config_vr(&all[n++], "pl-sin exact muon eta=0.5 t^-3/4, t^-1/2 K=2000",
               "pl-sin", NULL, 0, 0, "muon", 0.5, 0.75, 0.5, 2000, 1);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_v7 = {
    .id = "V7",
    .title = "PL transfer of the anytime bound (best iterate)",
    .statement = "min_{t<=T} E sqrt(f(X_t) - f*) <= (2 mu)^(-1/2) RHS_T "
                 "(V5's bound), every T <= K; last-iterate gap slope "
                 "reported",
    .source = "[C25]",
    .provenance = "derived",
    .hypotheses = "PL in Frobenius with mu declared; V5's hypotheses "
                  "(non-increasing eta_t, exact polar factor, L_frob, f*, "
                  "and sigma, Lbar when stochastic; all checked along the "
                  "run)",
    .kind = LMC_HARD_EXPECTATION,
    .configs = v7_configs,
    .check = v7_check,
};
