/* problems/lsq.h -- state shared by the matrix least-squares problem "lsq"
 * (lsq.c) and its MPFR companion (lsq_mp.c).
 *
 * f(X) = 1/2 ||A X - B||_F^2,  X in R^{m x n} (one spectral-norm block),
 * A in R^{p x m} with singular values log-spaced from 1 down to 1/kappa,
 * B = A X* (+ R with A^T R = 0 in variant "residual"),
 * grad f(X) = A^T (A X - B).
 * The problem is the one defined by the stored doubles A and B; X* and R
 * are how they were made (see lsq.c for what that means for f*).
 */
#ifndef LMC_PROBLEMS_LSQ_H
#define LMC_PROBLEMS_LSQ_H

#include "problem.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

/* Defaults of the parameters (0 in lmc_problem_params). */
#define LMC_LSQ_DEFAULT_M 16
#define LMC_LSQ_DEFAULT_N 16
#define LMC_LSQ_DEFAULT_KAPPA 10.0
/* Noise level of variant "noise": a tenth of the gradient's scale at the
 * default init (||A||_2 = 1, ||X0 - X*||_F ~ sqrt(2), so ||grad f|| ~ 1). */
#define LMC_LSQ_DEFAULT_SIGMA 0.1
/* Largest m, n accepted: keeps p m n products far from overflow and the
 * construction's dense QR/SVD (O(p m^2)) under a few seconds. */
#define LMC_LSQ_MAX_DIM 4096
/* Largest kappa accepted: sigma_min(A) = 1/kappa must stay far above the
 * rounding of the stored A (4 p m eps: 3e-8 at p = 2m = 8192, 2.3e-13 at
 * the default size) for mu > 0 to be meaningful. */
#define LMC_LSQ_MAX_KAPPA 1e4

typedef enum
{
    LMC_LSQ_EXACT = 0,    /* p = m, B = A X*: f* = 0, exact gradients */
    LMC_LSQ_RESIDUAL = 1, /* p = 2m, B = A X* + R, ||R||_F = 1: f* = 1/2 */
    LMC_LSQ_NOISE = 2,    /* exact's f; g = grad f + additive Gaussian */
    LMC_LSQ_SAMPLED = 3   /* exact's f; g = one row of the sum, rescaled */
} lmc_lsq_variant;

typedef struct lmc_lsq_state
{
    lmc_lsq_variant variant;
    size_t m, n, p;
    double kappa, sigma;
    unsigned long seed;
    int init_zero;       /* init "zero" (else "random") */
    double *sv;          /* the prescribed singular values of A (m) */
    gsl_matrix *a;       /* p x m */
    gsl_matrix *b;       /* p x n */
    gsl_matrix *xstar;   /* m x n, ||X*||_F = 1: the designed minimizer */
    gsl_matrix *res;     /* p x n workspace: A X - B */
    gsl_rng *rng;        /* samples (reseeded with xi) and x0 */
} lmc_lsq_state;

extern const lmc_problem_type lmc_problem_lsq;

#endif /* LMC_PROBLEMS_LSQ_H */
