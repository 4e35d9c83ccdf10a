/* theorems/precond.h -- pieces the spectral-preconditioning entries P1-P5
 * (THEORY.md section 4, [M26]) share: their configuration, f(0) of matrix
 * factorization, and the slope and flatness claim on iteration counts
 * over kappa (P2, P4). */
#ifndef LMC_THEOREMS_PRECOND_H
#define LMC_THEOREMS_PRECOND_H

#include "theorem.h"

/* A deterministic run of method on problem (default parameters: the
 * caller sets init, variant or kappa): eta_t = eta0 rho^(t-1) if rho < 1,
 * else the constant eta0; K steps without delta measurement, one seed,
 * entry settings zero. */
void lmc_thm_precond_config(lmc_check_config *c, const char *label,
                            const char *problem, const char *method,
                            double eta0, double rho, size_t K);

/* f(0) = ||M*||_F^2 / 2 = sum_i lambda_i^2 / 2 of an mf or mf-sym problem
 * (orthonormal Phi, Psi; lambda_i the stored doubles): the scale of the
 * relative error e_t^2 = f(X_t) / f(0). */
double lmc_thm_mf_f0(const lmc_problem *P);

/* Iteration counts over kappa (P2, P4): T[i] at the i-th of n kappas,
 * with lk[i] = ln kappa_i and lt[i] = ln T[i] (as the entry takes it)
 * for the fitted slope. */
#define LMC_THM_MAX_KAPPA 8
typedef struct
{
    size_t n;
    double lk[LMC_THM_MAX_KAPPA], lt[LMC_THM_MAX_KAPPA];
    size_t T[LMC_THM_MAX_KAPPA];
} lmc_thm_counts;

/* Starts counts for nk kappas of configuration c of entry id: LMC_EINVAL
 * (reported) unless 3 <= nk <= LMC_THM_MAX_KAPPA. */
int lmc_thm_counts_init(lmc_thm_counts *cn, const char *id,
                        const lmc_check_config *c, size_t nk);

/* The slope of ln T against ln kappa over the counts
 * (least squares; *tmin, *tmax the extreme counts), recorded in r
 * as a slope without an interval, with the seed of o. */
double lmc_thm_precond_slope(lmc_check_result *r,
                             const lmc_check_options *o,
                             const lmc_thm_counts *cn, size_t *tmin,
                             size_t *tmax);

/* The flatness claim on counts over kappa (P2, P4): max/min T = ratio <=
 * flat_ratio^s and |slope of ln T vs ln kappa| = |c1| <= flat_slope s
 * (s the bound scale).  r gets holds or violated with measured / bound
 * ln(ratio) / ln(flat_ratio^s); the comparison is appended to r->detail
 * (which the caller starts with the counts). */
void lmc_thm_precond_flat(lmc_check_result *r, double s, double ratio,
                          double c1, double flat_ratio, double flat_slope);

#endif /* LMC_THEOREMS_PRECOND_H */
