/* theorems/common.h -- pieces every theorem check uses: enclosures of
 * f - f* and of dual gradient norms at stored double iterates, computed
 * with the problems' MPFR companions, and the relative error bounds
 * stated for norms computed in double. */
#ifndef LMC_THEOREMS_COMMON_H
#define LMC_THEOREMS_COMMON_H

#include "decide.h"
#include "fpio.h"
#include "problem_mp.h"
#include "theorem.h"
#include "traj_mp.h"

/* Relative error bound of a (dual) norm of a block computed in double:
 * the SVD behind spectral and nuclear norms is backward stable, so each
 * computed singular value is within p eps ||G||_2 of the exact one
 * (Weyl), p <= 8 max(m, n) for LAPACK's dgesdd; a sum of k of them is
 * within k p eps of the nuclear norm; the entrywise norms' sums are within
 * m n eps.  Plus 1 eps for G itself rounded to double entrywise.  The
 * bound returned covers every block of the layout. */
double lmc_thm_norm_rel(const lmc_layout *L);

/* out encloses f(x) - f* for the double point x (length P->layout.total),
 * evaluated by the MPFR companion at prec + 64 bits with round to nearest;
 * the margin 2^(48 - wp) (|f| + |f*|) covers up to 2^48 operations each
 * off by half an ulp at the working precision wp.  LMC_EDOM if the
 * problem has no companion with a closed-form f*. */
int lmc_thm_gap(const lmc_problem *P, const double *x, mpfi_t out,
                mpfr_prec_t prec);

/* out encloses [f(xa) - f*] - [f(xb) - f*] (lmc_thm_gap of both at
 * prec; the f* cancels).  The status of the first gap that fails, else
 * LMC_SUCCESS. */
int lmc_thm_gap_diff(const lmc_problem *P, const double *xa,
                     const double *xb, mpfi_t out, mpfr_prec_t prec);

/* *val = sum_i ||v_i||_(i)* over the blocks of v (layout L), the dual
 * norms from the block oracles `oracles`, added in block order.  Errors:
 * those of lmc_oracle_dual_norm (*val then undefined). */
int lmc_thm_dual_norm(const lmc_layout *L, lmc_oracle *const *oracles,
                      const gsl_vector *v, double *val);

/* g = grad f(x) from the MPFR companion at 128 bits, rounded to double
 * entrywise (g of parameter length).  LMC_EDOM if the problem has no
 * companion. */
int lmc_thm_grad(const lmc_problem *P, const double *x, gsl_vector *g);

/* *val = sum_i ||grad_i f(x)||_(i)* with the gradient from lmc_thm_grad
 * (left in g) and the dual norms from the problem's block oracles; its
 * relative error is within lmc_thm_norm_rel.  g is a parameter-length
 * workspace. */
int lmc_thm_gdual(const lmc_problem *P, lmc_oracle *const *oracles,
                  const double *x, gsl_vector *g, double *val);

/* Hypotheses checked, not assumed: runs the assumption checker
 * (src/assume.h) for the constants in `kinds` (LMC_HAS_* bits) at the
 * stored iterates 0, stride, 2 stride, ... <= K of run.  Returns 0 if none
 * is violated, 1 with the first violated constant described in why (the
 * caller reports "hypothesis violated"), -1 on error (reported). */
int lmc_thm_hypotheses(const lmc_check_run *run, unsigned kinds, size_t K,
                       size_t stride, char *why, size_t len);

/* The same at five points of the run (X_1, the quarters q K / 4,
 * X_{K+1}) with 32 samples per stochastic estimate (V3-V5, V7), after
 * checking that every kind is declared: 1 with the reason in why if a
 * kind is not declared or is violated, 0 if all hold, -1 on error. */
int lmc_thm_vr_hypotheses(const lmc_check_run *run, unsigned kinds,
                          size_t K, char *why, size_t len);

/* Records that the bound does not apply: r gets the verdict "hypothesis
 * violated" with NaN sides and, if fmt is not NULL, the reason (printf
 * format, printed in round to nearest like lmc_snprintf) in r->detail. */
void lmc_thm_refuse(lmc_check_result *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Appends printf-formatted text (in round to nearest, like lmc_snprintf)
 * at the end of the string in buf (size bytes), truncating: once buf is
 * full, later appends add nothing. */
void lmc_thm_append(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Folds the outcome h of lmc_thm_hypotheses or lmc_thm_vr_hypotheses
 * (called with r->detail as its why) into a check: h > 0 refuses
 * (lmc_thm_refuse, the reason already in r->detail), h < 0 sets *status
 * to LMC_EDOM (the error is reported).  Returns 1 if the check ends here
 * (h != 0), 0 if every hypothesis holds. */
int lmc_thm_hypotheses_end(int h, lmc_check_result *r, int *status);

/* lmc_thm_hypotheses on `kinds` and lmc_thm_hypotheses_end in one: the
 * declared constants checked along the run at iterates 0, stride, ...
 * <= K, a violation refusing r with the reason in r->detail, an error
 * setting *status.  Returns 1 if the check ends here, 0 if every
 * hypothesis holds. */
int lmc_thm_hypotheses_fail(const lmc_check_run *run, unsigned kinds,
                            size_t K, size_t stride, lmc_check_result *r,
                            int *status);

/* lmc_decide_le at the default precisions (LMC_DECIDE_PREC0 up to
 * LMC_DECIDE_PREC_MAX): lhs <= scale * rhs, the sides' midpoints in
 * *lhs_mid, *rhs_mid. */
lmc_verdict lmc_thm_decide(lmc_enclose_fn lhs, lmc_enclose_fn rhs,
                           const void *data, double scale, double *lhs_mid,
                           double *rhs_mid);

/* An lmc_enclose_fn for the constant 1e-12 (the rounding-level
 * tolerance of P1 and V1; data and prec unused): not a double, so it is
 * enclosed from its decimal string. */
int lmc_thm_enclose_1e12(mpfi_t out, const void *data, mpfr_prec_t prec);

/* or[i] = the exact oracle of block i of run's method (the block
 * oracles the dual gradient norms are taken with). */
void lmc_thm_exact_oracles(const lmc_check_run *run, lmc_oracle **or);

/* A check on one run (T1, T2, T6, V2): the run, the exact block oracles
 * the dual gradient norms are taken with, and a parameter-length
 * gradient workspace.  lmc_thm_run_begin runs c with seed o->seed_base into w
 * (r->seed set); on failure nothing is left allocated and the error is
 * returned.  lmc_thm_run_end frees what begin allocated. */
typedef struct
{
    lmc_check_run run;
    lmc_oracle *or[LMC_MAX_BLOCKS];
    gsl_vector *g;
} lmc_thm_run;

int lmc_thm_run_begin(const lmc_check_config *c, const lmc_check_options *o,
                      lmc_check_result *r, lmc_thm_run *w);
void lmc_thm_run_end(lmc_thm_run *w);

/* The largest of the n realized deltas d[0..n-1], a NaN (not measured)
 * counted as 0. */
double lmc_thm_max_delta(const double *d, size_t n);

/* The precondition of the constant-radius LMO bounds (T1, T2): refuses r
 * (lmc_thm_refuse, returning 1) if the run took no step, stopped before
 * its budget, or its realized delta, widened by the relative error rel,
 * is not below 1; else returns 0. */
int lmc_thm_lmo_refused(const lmc_trace *tr, double delta, double rel,
                        lmc_check_result *r);

/* one_m encloses 1 - delta and one_p 1 + delta, for delta measured with
 * relative error rel (lmc_enclose_measured). */
void lmc_thm_one_pm(mpfi_t one_m, mpfi_t one_p, double delta, double rel);

/* out = x^2 a b / 2, the curvature term (L/2) t (1+delta)^2 of the LMO
 * bounds and their kin, multiplied in that order (MPFI, outward); out may
 * be x. */
void lmc_thm_sqr_mul_half(mpfi_t out, mpfi_srcptr x, double a, double b);

/* Zeroes c and sets what every configuration has: the label (printf
 * format, printed in round to nearest like lmc_snprintf), problem and
 * method by registry name, default method and run parameters, one seed.
 * The problem parameters stay zero (closed-form checks and allocation
 * tests read none); a configuration that runs its problem sets c->pp. */
void lmc_thm_config_init(lmc_check_config *c, const char *problem,
                         const char *method, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* A deterministic method with error source src at delta: problem with
 * default parameters, default method parameters, K steps with realized
 * deltas measured, one seed.  (T6, T7, C1, and the LMO below.) */
void lmc_thm_config_oracle(lmc_check_config *c, const char *label,
                           const char *problem, const char *method,
                           const lmc_inexact_type *src, double delta,
                           size_t K);

/* A configuration of the section-2 LMO method without momentum
 * (alpha = 1): problem with default parameters, error source src with
 * delta, constant radius t, K steps with realized deltas measured, one
 * seed. */
void lmc_thm_config_lmo(lmc_check_config *c, const char *label,
                        const char *problem, const lmc_inexact_type *src,
                        double delta, double t, size_t K);

/* The stochastic LMO method on lsq's "noise" variant (T4, C2): as
 * lmc_thm_config_lmo with momentum beta (alpha = 1 - beta), stochastic
 * gradients and `seeds` seeds. */
void lmc_thm_config_lmo_noise(lmc_check_config *c, const char *label,
                              const lmc_inexact_type *src, double delta,
                              double t, double beta, size_t K,
                              size_t seeds);

/* The end of an entry's configs function: copies the first min(n, cap)
 * of its n configurations all[] to out and returns n. */
size_t lmc_thm_configs_copy(const lmc_check_config *all, size_t n,
                            lmc_check_config *out, size_t cap);

/* The value of T2's bound, tested by T3 and T8.  lmc_thm_t2_setup finds
 * the registered T2 entry (*T2) and allocates c's problem (*P) at its x0
 * (*x0); on failure nothing is left allocated (*P, *x0 NULL) and the
 * error, naming entry `who`, is returned.  lmc_thm_t2_holds runs T2's
 * check on c2 at bound_scale 1 (the caller's bound_scale belongs to its
 * own comparison) into r2, with r->seed T2's seed; if T2's verdict is
 * not "holds", r gets it with T2's sides and the detail "<what> did not
 * hold (<verdict>): <T2's detail, at most keep characters>" and *ends is
 * 1 (else 0).  Returns T2's status. */
int lmc_thm_t2_setup(const char *who, const lmc_check_config *c,
                     const lmc_theorem **T2, lmc_problem **P,
                     gsl_vector **x0);
int lmc_thm_t2_holds(const lmc_theorem *T2, const lmc_check_config *c2,
                     const lmc_check_options *o, const char *what, int keep,
                     lmc_check_result *r, lmc_check_result *r2, int *ends);

/* The configuration of V5 and V7: problem (variant "noise" adds sigma =
 * 0.1 and stochastic gradients) with m rows (0: the default) and kappa,
 * method with eta_t = eta0 t^-p (constant if p = 0), 1 - beta_t = t^-q
 * (no momentum if q = 0), gamma = 1 for mvr2 (else 0), K steps, seeds. */
void lmc_thm_config_vr(lmc_check_config *c, const char *label,
                       const char *problem, const char *variant, size_t m,
                       double kappa, const char *method, double eta0,
                       double p, double q, size_t K, size_t seeds);

/* Per-step (per-sample) checks report one step, the worst by the
 * entry's rule:
 * - LMC_THM_WORST_FIRST_FAILING (T1, T7): the first step that does not
 *   hold outranks every step that holds; among those the largest ratio
 *   (a NaN ratio is never the largest).
 * - LMC_THM_WORST_VIOLATION_FIRST (T6, V2): the same from the first step
 *   on, and a violated step also replaces an undecided one.
 * - LMC_THM_WORST_RANKED_TIES (O1): violated > undecided > holds; within
 *   a verdict the larger ratio, where ratios within LMC_THM_WORST_TIE
 *   (relative) of a finite worst are ties and keep the earlier step (the
 *   tie margin is 0 while no finite ratio has been seen).
 * Start with lmc_thm_worst_init, add every step in order with
 * lmc_thm_worst_update, then lmc_thm_worst_finish. */
typedef enum
{
    LMC_THM_WORST_FIRST_FAILING,
    LMC_THM_WORST_VIOLATION_FIRST,
    LMC_THM_WORST_RANKED_TIES
} lmc_thm_worst_rule;

#define LMC_THM_WORST_TIE 1e-9

typedef struct
{
    lmc_thm_worst_rule rule;
    int taken;                  /* some step has been the worst */
    lmc_verdict verdict;
    double ratio, lhs, rhs;
    size_t k;
} lmc_thm_worst;

void lmc_thm_worst_init(lmc_thm_worst *w, lmc_thm_worst_rule rule);
/* Adds step k with verdict v, ratio (the entry's lhs / rhs) and sides;
 * returns 1 if it is now the worst step, else 0. */
int lmc_thm_worst_update(lmc_thm_worst *w, lmc_verdict v, double ratio,
                         size_t k, double lhs, double rhs);
/* lmc_thm_result with the worst step's verdict and sides, and r->step;
 * r is left alone if no step has been the worst. */
void lmc_thm_worst_finish(const lmc_thm_worst *w, lmc_check_result *r);

/* An enclosure of F * f for a factor f near 1 (F from data). */
typedef int (*lmc_thm_scaled_fn)(mpfi_t out, const void *data,
                                 mpfr_prec_t prec, double f);

/* Decides that the double B equals F to 4 eps, as two rigorous
 * comparisons: lower side F (1 - 4 eps) <= B and upper side B <= F (1 +
 * 4 eps), each with bound_scale on its right side.  The result carries
 * the upper side unless the lower one fails (then the lower side);
 * *vl, *vu get both verdicts. */
void lmc_thm_decide_equal(lmc_check_result *r, lmc_thm_scaled_fn F,
                          const void *data, double B, double bound_scale,
                          lmc_verdict *vl, lmc_verdict *vu);

/* Fills a check result's common fields from a decision. */
void lmc_thm_result(lmc_check_result *r, lmc_verdict v, double measured,
                    double bound);

/* Variance-reduced Muon (V3, V4, V5, V7; defined in v3.c and v5.c). */

/* r = sum over blocks of min(rows, cols): the rank bound of V2-V5. */
double lmc_thm_vr_rsum(const lmc_layout *L);

/* The error recursion u_t, t = 1..K, enclosed as ulo[t-1] <= u_t <=
 * uhi[t-1]: ema = 0 is V3's MVR2 recursion (Lc = Lbar), ema = 1 is V4's
 * EMA recursion (Lc = L_frob); r from lmc_thm_vr_rsum.  MPFI, outward.
 * Errors: LMC_ENONFINITE if the enclosure overflows. */
int lmc_thm_vr_u(int ema, const lmc_method_params *mp, size_t K,
                 double sigma, double Lc, double r, double *ulo,
                 double *uhi);

/* Stores the values a variance-reduced check takes from seed s's run
 * (slot s of the caller's arrays in data). */
typedef int (*lmc_thm_vr_values_fn)(const lmc_check_run *run, size_t s,
                                    const void *data);

/* Adds seeds *S .. target - 1 of configuration c through values (seed 0
 * is `first`, already run; the others are run and freed here); *S
 * counts the seeds stored.  A run that stops early is an error
 * (LMC_EDOM, reported). */
int lmc_thm_vr_seeds(const lmc_check_config *c, const lmc_check_options *o,
                     const lmc_check_run *first, size_t *S, size_t target,
                     lmc_thm_vr_values_fn values, const void *data);

/* The V3 (ema = 0) and V4 (ema = 1) checks: E||eps_t||_F^2 <= u_t. */
int lmc_thm_vr_check(const lmc_check_config *c, const lmc_check_options *o,
                     lmc_check_result *r, int ema);

/* The V5 check, and with pl = 1 V7's PL form. */
int lmc_thm_v5_check(const lmc_check_config *c, const lmc_check_options *o,
                     lmc_check_result *r, int pl);

/* MPFR reference trajectories (src/mp/traj_mp.h) for the soft checks of
 * THEORY section 4.  LMC_THM_REF_BITS is the starting precision: its
 * rounding floor 2^-128 ~ 3e-39 sits 30 orders below every count
 * tolerance (1e-6 .. 1e-10).  Where the exact dynamics keep an invariant
 * set that the computed run can leave (icl from Gamma_0 = 0: Gamma_t
 * commutes with Lambda), the drift from it is watched: the set is
 * transversally unstable under simplified Muon (the polar factor
 * amplifies off-commutant noise by ~1/sigma_min of the gradient; measured
 * ~2 bits a step on icl d = 8, kappa >= 10), so a fixed precision tracks
 * the exact trajectory only for ~(prec - 40) / 2 steps.  The reference is
 * accepted when its drift stays <= LMC_THM_DRIFT_TOL = 1e-12 (relative
 * commutator) over the whole run; else the run is repeated at a precision
 * extrapolated from the observed growth (Ziv loop), up to
 * LMC_THM_REF_BITS_MAX.
 * LMC_THM_DEPART_TOL is the departure threshold of the fp64 run: a
 * relative parameter difference 1e6 above double rounding, 2-4 orders
 * below the count tolerances, so a departure before a count step means
 * the fp64 count is not the exact-arithmetic count. */
#define LMC_THM_REF_BITS 128
/* mf / mf-sym (P2, P5): no invariant set to watch (the stored Phi, Psi
 * are orthonormal only to ~1e-16, so even the exact dynamics of the
 * double data leave the aligned set at that level, and the run amplifies
 * it like icl's), so the precision is fixed from measurement: on P2/P5's
 * configuration (kappa 1..1e3, 400 steps) runs at 128 and 192 bits part
 * at steps 126-340, 256 and 320 at step 178 for kappa = 1 (identical for
 * kappa >= 10), 320 and 384 agree to 1.8e-12 and 448 and 512 are
 * identical; tests/t-mp-traj.c compares 384 with 448 bits. */
#define LMC_THM_REF_BITS_MF 384
#define LMC_THM_REF_BITS_MAX 4096
#define LMC_THM_DRIFT_TOL 1e-12
#define LMC_THM_DEPART_TOL 1e-10

/* The defining doubles of problem P (icl, mf, mf-sym, lsq) as a
 * reference-trajectory problem (borrowed from P's state: valid while P
 * lives).  LMC_EDOM for another problem. */
int lmc_thm_traj_problem(const lmc_problem *P, lmc_traj_problem *tp);
/* The reference trajectory of the check run `run` (problem icl, mf,
 * mf-sym or lsq; method gd, simplified-muon, adam or lmo) from run->x0 with the
 * run's method parameters and budget, from LMC_THM_REF_BITS up as above;
 * stop_settled and stop_first as in lmc_traj_options (0: off); keep_x
 * keeps the iterates (for lmc_traj_depart).  *out is owned by the caller
 * (lmc_traj_free); (*out)->prec is the precision accepted.  LMC_EDOM for
 * another problem, LMC_ENOCONV if the drift stays above its tolerance at
 * LMC_THM_REF_BITS_MAX. */
int lmc_thm_ref_run(const lmc_check_run *run, double stop_settled,
                    double stop_first, int keep_x, lmc_traj **out);

/* lmc_thm_ref_run (keeping iterates) and the departure of the fp64 run's
 * stored iterates from it, folded into r: the earliest departing step
 * over the calls in r->depart_step (-1 if none departed), the largest
 * reference precision in r->ref_bits, and r->depart_tol (start with
 * r->depart_step = -1, r->ref_bits = 0).  *out gets the reference (free
 * with lmc_traj_free), *depart (if not NULL) this call's departure step.
 * On failure the run is freed (with lmc_check_run_free) and the status
 * returned, so a caller can return it at once. */
int lmc_thm_ref_beside(lmc_check_run *run, double stop_settled,
                       double stop_first, lmc_check_result *r,
                       lmc_traj **out, long *depart);

/* C1's run outcome: the mean of gap[k0..K], k0 = ceil(3K/4). */
double lmc_thm_c1_quarter_mean(const double *gap, size_t K);
/* C1's grid for configuration c (theorems/c1.c): the starting grid index
 * of its search, t_j = 10^(j / per_decade), and its three q.  LMC_EINVAL
 * if c is not one of C1's configurations. */
int lmc_thm_c1_setup(const lmc_check_config *c, int *jstart,
                     int *per_decade, size_t q[3]);
#endif /* LMC_THEOREMS_COMMON_H */
