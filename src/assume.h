/* assume.h -- empirical checks of a problem's declared constants
 * (THEORY.md section 5): sample points and pairs near given points and
 * evaluate every declared inequality.
 *
 * With D = Y - X, ||.|| the product norm max_i ||D_i||_(i) (each block's
 * own oracle norm), ||.||_* its dual sum_i ||G_i||_(i)*, g_i(X) =
 * ||grad_i f(X)||_(i)* and xi a sample id of the stochastic gradient:
 *   L       ||grad f(Y) - grad f(X)||_*  <= L ||D||
 *   L_frob  ||grad f(Y) - grad f(X)||_F  <= L_frob ||D||_F
 *   L0/L1   f(Y) - f(X) - <grad f(X), D> <= sum_i (L0_i + L1_i g_i(X))
 *                                            ||D_i||_(i)^2 / 2
 *   mu      mu (f(X) - f*)               <= (1/2) ||grad f(X)||_F^2
 *   f*      f*                           <= f(X)
 *   sigma   E_xi ||g(X;xi) - grad f(X)||_F^2            <= sigma^2
 *   Lbar    E_xi ||g(X;xi) - g(Y;xi)||_F^2 / ||D||_F^2 <= Lbar^2
 *
 * Where the pairs come from (per point X, radius h = s max(1, ||X||_F) for
 * each relative scale s):
 *   - random Gaussian directions scaled to ||D|| = h (product norm) and
 *     to ||D||_F = h;
 *   - the LMO step D = h LMO(grad f(X)) of the methods under test, and
 *     its reverse;
 *   - ascent in the product norm, D <- h LMO(-(grad f(X + D) - grad f(X)))
 *     blockwise, from each of those starts: for a quadratic it reaches the
 *     D that makes the L and L0/L1 inequalities tight in one step (for
 *     f = 1/2||AX-B||^2 an orthogonal D, ||A^T A D||_* = ||A||_F^2
 *     ||D||_2); with several blocks, also on each block alone;
 *   - power iteration in Frobenius, D <- h (grad f(X+D) - grad f(X)) /
 *     ||.||_F, which finds the top Hessian direction (L_frob);
 *   - for mu, descent on the PL ratio rho = (1/2)||grad f||_F^2 /
 *     (f - f*) from X (Hessian-vector products by central differences of
 *     the gradient, backtracking): it finds the points where PL is
 *     tightest (for a quadratic, the bottom eigenvector).
 * Every point visited (perturbations, adversary steps) is also checked
 * for mu and f*.
 *
 * Stochastic constants are estimates: at each point (sigma) or pair
 * (Lbar) the mean and standard deviation of S samples give the interval
 * mean +- z sd / sqrt(S); while it contains the declared value (squared),
 * S doubles with fresh samples, at most max_doublings times.  A violation
 * is reported only when the LOWER limit exceeds the declared value: false
 * alarms at most (max_doublings + 1) Phi(-z) per estimate (1.4e-6 at the
 * defaults z = 5 and 4 doublings) if the mean is near normal.  Lbar's
 * ascent (power iteration on E_xi J_xi^2 from one set of samples) and its
 * evaluation use independent samples, so the search cannot bias the
 * estimate upward.
 *
 * Rounding: an inequality is violated when lhs > rhs + tol, tol = rtol
 * times the magnitudes that were subtracted to form it (see assume.c);
 * samples whose tol exceeds 1% of the quantity measured are
 * "rounding-limited": still checked for violations, not used for the
 * tightest constant.  Points with f - f* near the rounding of f's
 * evaluation cannot test PL; do not pass points closer to the optimum than
 * the problem's gradient can resolve.
 */
#ifndef LMC_ASSUME_H
#define LMC_ASSUME_H

#include "problem.h"

#include <gsl/gsl_vector.h>

#define LMC_ASSUME_MAX_SCALES 12

typedef enum
{
    LMC_ASSUME_L = 0,
    LMC_ASSUME_LFROB = 1,
    LMC_ASSUME_L0L1 = 2,
    LMC_ASSUME_MU = 3,
    LMC_ASSUME_SIGMA = 4,
    LMC_ASSUME_LBAR = 5,
    LMC_ASSUME_FSTAR = 6,
    LMC_ASSUME_NKINDS = 7
} lmc_assume_kind;

/* "L", "L_frob", "L0/L1", "mu", "sigma", "Lbar", "f*". */
const char *lmc_assume_kind_name(lmc_assume_kind k);
/* The LMC_HAS_* bit that declares kind k. */
unsigned lmc_assume_kind_flag(lmc_assume_kind k);

typedef struct lmc_assume_params
{
    unsigned long seed;  /* directions and sample ids */
    size_t nscales;      /* relative radii s (h = s max(1, ||X||_F)) */
    double scales[LMC_ASSUME_MAX_SCALES];
    size_t ndirs;        /* random starts per scale and sequence */
    size_t nascent;      /* ascent / power steps after each start */
    size_t nsamples;     /* S, samples per stochastic estimate (>= 2) */
    size_t max_doublings; /* while undecided, S doubles up to this often */
    double z;            /* one-sided normal quantile of the estimates */
    double rtol;         /* relative rounding tolerance */
    size_t pl_steps;     /* steps of the PL-ratio descent per point */
} lmc_assume_params;

/* Defaults: seed 1; scales 1e-4, 1e-3, 1e-2, 0.1, 0.3, 1, 3; 1 random
 * start and 3 ascent steps; S = 128 doubled up to 4 times; z = 5;
 * rtol = LMC_ASSUME_RTOL; 8 PL steps. */
lmc_assume_params lmc_assume_params_default(void);

/* Relative rounding tolerance of the checks: a gradient or f evaluated in
 * double carries relative error ~k eps with k the length of its longest
 * sum (<= 2^16 here), the SVD-based norms ~size eps; 2^16 eps = 1.5e-11,
 * and a factor ~70 on top for the subtraction and norm steps gives 1e-9.
 * Far below any constant's meaningful slack, far above rounding. */
#define LMC_ASSUME_RTOL 1e-9

typedef struct lmc_assume_result
{
    int tested;          /* declared, requested, and checked */
    double declared;     /* the declared value (L0/L1: 1, a multiplier) */
    double tightest;     /* smallest constant satisfying every decided
                            sample (mu: largest; f*: the smallest f seen;
                            L0/L1: the smallest common multiplier of all
                            L0_i and L1_i; sigma, Lbar: sqrt of the largest
                            lower confidence limit, the smallest value the
                            statistical rule accepts) */
    double estimate;     /* sigma, Lbar: sqrt of the largest sample mean,
                            a point estimate (the max over many noisy
                            means is biased upward); others: = tightest */
    double ucl;          /* sigma, Lbar: sqrt of the largest upper
                            confidence limit; others: = tightest */
    double worst;        /* largest lhs/rhs (f*: largest f* - f) */
    size_t worst_point;  /* index of the point where it occurred */
    double worst_scale;  /* its radius h (0: at the point or a step of
                            the PL descent) */
    size_t nchecked;     /* inequalities evaluated */
    size_t nrounding;    /* of which rounding-limited */
    size_t nviolations;  /* lhs > rhs + tol (NaN counts) */
} lmc_assume_result;

typedef struct lmc_assume_report
{
    size_t npoints;
    lmc_assume_result r[LMC_ASSUME_NKINDS];
    /* L0/L1 only: the smallest multiplier of all L0_i with the L1_i as
     * declared, and of all L1_i with the L0_i as declared (-Inf if the
     * other part alone always sufficed, NaN if never measurable). */
    double l0_mult, l1_mult;
} lmc_assume_report;

typedef struct lmc_assume lmc_assume;

/* Workspace for problem P (borrowed until _free).  NULL (reported) on
 * invalid parameters (no scales, a scale not finite and > 0, S < 2,
 * more than 20 doublings, z < 0, rtol < 0) or no memory.  Cost: one
 * oracle per block and 17 parameter-length vectors. */
lmc_assume *lmc_assume_alloc(lmc_problem *P, const lmc_assume_params *p);
void lmc_assume_free(lmc_assume *w);

/* Starts a report against constants c (normally &P->c; a modified copy
 * for negative controls), testing the kinds whose LMC_HAS_* bits are in
 * both `kinds` and c->known (pass c->known for all declared ones).
 * Resets the random streams, so equal inputs give equal reports.
 * Errors: LMC_EDOM if sigma or Lbar is to be tested but P has no
 * stochastic gradient, or mu without a declared f*. */
int lmc_assume_begin(lmc_assume *w, const lmc_constants *c, unsigned kinds);

/* Checks every requested inequality at x and near it, accumulating into
 * the report; x is not modified.  Errors from the problem's fdf / sgrad
 * and the oracles propagate (LMC_EBADLEN for a wrong length).  No
 * allocation.  Cost per point and scale: (3 (nblocks + 1) + 1)
 * (1 + nascent) gradient evaluations with ~3 block SVDs each (one block:
 * 4 (1 + nascent)); for Lbar (radii >= 1e-2 only) 2 S to 2^(d+1) S
 * stochastic gradients per estimate, 1 + nascent estimates and 3 S per
 * power step; for sigma S to 2^d S; for mu ~4 pl_steps evaluations. */
int lmc_assume_point(lmc_assume *w, const gsl_vector *x);

/* Copies the report accumulated since lmc_assume_begin. */
int lmc_assume_end(lmc_assume *w, lmc_assume_report *rep);

/* begin + point for each x[k] + end. */
int lmc_assume_check(lmc_assume *w, const lmc_constants *c, unsigned kinds,
                     const gsl_vector *const *x, size_t n,
                     lmc_assume_report *rep);

/* A source of points: writes the next point into x and returns
 * LMC_SUCCESS, or sets *done = 1 (x untouched) when there are no more;
 * any other return stops the check with that status.  For a method run:
 * call lmc_method_iterate inside and copy the iterate. */
typedef int lmc_assume_next(void *ctx, gsl_vector *x, int *done);

/* begin + point for every point next produces + end.  x is a
 * parameter-length buffer the caller owns. */
int lmc_assume_check_fn(lmc_assume *w, const lmc_constants *c,
                        unsigned kinds, lmc_assume_next *next, void *ctx,
                        gsl_vector *x, lmc_assume_report *rep);

#endif /* LMC_ASSUME_H */
