/* problems/plq.h -- state shared by the non-convex PL problem "pl-sin"
 * (plq.c) and its MPFR companion (plq_mp.c).
 *
 * f(X) = sum_ij phi(X_ij - X*_ij),  phi(d) = d^2 + 3 sin^2 d,
 * grad f(X)_ij = phi'(d_ij) = 2 d_ij + 3 sin(2 d_ij),  f* = 0 at X = X*.
 */
#ifndef LMC_PROBLEMS_PLQ_H
#define LMC_PROBLEMS_PLQ_H

#include "problem.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#define LMC_PLQ_DEFAULT_M 16
#define LMC_PLQ_DEFAULT_N 16
/* Largest m, n accepted: keeps m n far from overflow; the problem is
 * entrywise, so the cost is O(m n) per gradient. */
#define LMC_PLQ_MAX_DIM 100000
/* Entry scale of the "random" init around X*: d_ij ~ N(0, 2^2) puts most
 * entries in |d| <= 4, across the non-convex bumps of 3 sin^2 (period pi)
 * and the dip of the PL ratio at |d| ~ 2.2 (see plq.c). */
#define LMC_PLQ_INIT_SD 2.0

typedef struct lmc_plq_state
{
    size_t m, n;
    unsigned long seed;
    int init_zero;       /* init "zero" (else "random") */
    gsl_matrix *xstar;   /* m x n target, standard Gaussian entries */
    gsl_rng *rng;        /* x0 */
} lmc_plq_state;

extern const lmc_problem_type lmc_problem_plq;

#endif /* LMC_PROBLEMS_PLQ_H */
