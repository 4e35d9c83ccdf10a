/* theorems/mvr.h -- pieces the Muon-MVR entries (V1-V5, V7; THEORY.md
 * section 3, [C25]) share beyond common.h: the constant-momentum
 * configuration of V1 and V2, which methods the momentum-error
 * recursions cover, and the Monte-Carlo loop of the in-expectation
 * checks V3, V4, V5, V7 (seeds doubled while undecided). */
#ifndef LMC_THEOREMS_MVR_H
#define LMC_THEOREMS_MVR_H

#include "common.h"

/* method on problem (variant; default parameters otherwise) with the
 * constant step eta0 and the constant momentum beta, gamma, exact or
 * stochastic gradients (stochastic), K steps without delta measurement,
 * one seed, entry settings zero. */
void lmc_thm_mvr_config(lmc_check_config *c, const char *label,
                        const char *problem, const char *variant,
                        const char *method, double eta0, double beta,
                        double gamma, int stochastic, size_t K);

/* lsq "noise" (sigma = 0.1) with kappa (0: the problem's default) and
 * method, eta_t = eta0 t^-p, 1 - beta_t = t^-q if poly, else the
 * constant beta (gamma = 1 for mvr2, else 0; lmc_thm_config_vr), K
 * steps, seeds: the configurations of V3 and V4. */
void lmc_thm_mvr_config_lsq(lmc_check_config *c, const char *label,
                            double kappa, const char *method, double beta,
                            int poly, double q, double eta0, double p,
                            size_t K, size_t seeds);

/* Whether the momentum-error recursion applies to method mname with c's
 * settings: ema = 0, D2 (V3): mvr2 with gamma = 1; ema = 1, D3 (V4):
 * muon without Nesterov, or mvr1 / mvr2 with gamma = 0. */
int lmc_thm_mvr_covers(const lmc_check_config *c, const char *mname,
                       int ema);

/* Whether c runs with the exact polar factor (no error source). */
int lmc_thm_mvr_exact_polar(const lmc_check_config *c);

/* The constants of u_t for problem P under c (recursion ema as in
 * lmc_thm_mvr_covers): sigma (0 for exact gradients) and the smoothness
 * constant Lc of the recursion, Lbar for D2 with stochastic gradients,
 * else L_frob. */
void lmc_thm_mvr_constants(const lmc_check_config *c, const lmc_problem *P,
                           int ema, double *sigma, double *Lc);

/* The worst point of a pass of an expectation check (a checked t, or a
 * prefix T): the largest ratio of the mean over seeds to the bound, the
 * half-width of its confidence interval and the bound there. */
typedef struct
{
    size_t step;
    double ratio, mean, half, bound;
} lmc_thm_mvr_worst;

/* One pass of an expectation check's decision over the first S seeds'
 * values (stored in data by the lmc_thm_vr_values_fn of
 * lmc_thm_mvr_decide): the verdict, and the worst point in *wo (left as
 * it was if no ratio exceeds -inf). */
typedef lmc_verdict (*lmc_thm_mvr_pass_fn)(size_t S, void *data,
                                           lmc_thm_mvr_worst *wo);

/* The Monte-Carlo loop: S0 seeds (c->nseeds, 16 if 0; one for exact
 * gradients), doubled while pass says undecided, up to 8 S0.  Seed 0 is
 * `first` (already run); values stores each seed's values in data, which
 * pass reads.  r gets the last pass's verdict with the worst point's
 * mean, bound and step; *wo (initialized by the caller) the worst point,
 * *S the seeds used.  Errors as lmc_thm_vr_seeds. */
int lmc_thm_mvr_decide(const lmc_check_config *c, const lmc_check_options *o,
                       const lmc_check_run *first,
                       lmc_thm_vr_values_fn values, lmc_thm_mvr_pass_fn pass,
                       void *data, lmc_check_result *r,
                       lmc_thm_mvr_worst *wo, size_t *S);

/* The largest number of seeds lmc_thm_mvr_decide may use for c (the size
 * of the callers' per-seed storage). */
size_t lmc_thm_mvr_max_seeds(const lmc_check_config *c);

#endif /* LMC_THEOREMS_MVR_H */
