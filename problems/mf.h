/* problems/mf.h -- state shared by the matrix factorization problems
 * "mf" and "mf-sym" (mf.c), their MPFR companions (mf_mp.c) and the tests.
 *
 *   mf:     f(U, V) = 1/2 ||U V^T - M*||_F^2,  U m x r, V n x r (2 blocks)
 *   mf-sym: f(X)    = 1/4 ||X X^T - M*||_F^2,  X n x r         (1 block)
 *
 * with M* = Phi diag(lambda) Psi^T (Psi = Phi for mf-sym), Phi and Psi
 * orthonormal columns of Haar-random orthogonal matrices and
 * lambda_i = kappa^(-(i-1)/(r-1)), i = 1..r (geometric from 1 to 1/kappa).
 * The problem is defined by the stored doubles Phi, Psi, lambda: M* is
 * their exact product (rank r exactly, so f* = 0 exactly), of which
 * `mstar` holds the double rounding used by the double-precision fdf.
 */
#ifndef LMC_PROBLEMS_MF_H
#define LMC_PROBLEMS_MF_H

#include "problem.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

/* Scale alpha of the "aligned" and "small" initializations: U_0 = alpha
 * Phi (each column of norm alpha).  It is the scale of the pilot runs
 * (background theory-mvr-precond.md D B-1) and sits below every target
 * sqrt(lambda_i) >= kappa^(-1/2) for kappa < 1e6, so each mode starts
 * with a negative residual and grows by eta_t per step. */
#define LMC_MF_ALPHA 1e-3

/* "aligned-unbalanced": U_0 = Phi diag(4 alpha_u), V_0 = Psi diag(alpha_u)
 * with alpha_u = 1e-2: a factor-4 imbalance whose difference a_i - b_i
 * the two-variable sign recursion conserves (background section C3);
 * a_i b_i = 4e-4 stays below lambda_min for kappa < 2500. */
#define LMC_MF_ALPHA_UNBALANCED 1e-2
#define LMC_MF_UNBALANCE 4.0

/* Defaults of the parameters (0 in lmc_problem_params). */
#define LMC_MF_DEFAULT_M 20
#define LMC_MF_DEFAULT_N 16
#define LMC_MF_DEFAULT_R 4
#define LMC_MF_DEFAULT_KAPPA 10.0

typedef enum
{
    LMC_MF_INIT_ALIGNED = 0,
    LMC_MF_INIT_UNBALANCED = 1,
    LMC_MF_INIT_SMALL = 2
} lmc_mf_init;

typedef struct lmc_mf_state
{
    int sym;            /* 0: "mf" (blocks U, V); 1: "mf-sym" (block X) */
    size_t m, n, r;     /* U is m x r, V is n x r; mf-sym: m = n */
    double kappa;
    unsigned long seed;
    lmc_mf_init init;
    double *lambda;     /* r singular values of M*, descending */
    gsl_matrix *phi;    /* m x r, orthonormal columns */
    gsl_matrix *psi;    /* n x r, orthonormal columns (== phi for mf-sym) */
    gsl_matrix *mstar;  /* m x n, Phi diag(lambda) Psi^T rounded */
    gsl_matrix *res;    /* m x n workspace: U V^T - M* */
    gsl_matrix *rest;   /* n x m workspace: its transpose (mf only) */
    gsl_rng *rng;       /* draws the small initialization */
} lmc_mf_state;

extern const lmc_problem_type lmc_problem_mf, lmc_problem_mf_sym;

/* The initial factor coefficients of the aligned initializations: with
 * P->params.init aligned or aligned-unbalanced, x0 is U_0 = Phi diag(a0),
 * V_0 = Psi diag(b0) (mf-sym: X_0 = Phi diag(a0)).  a0, b0 have r
 * entries; b0 may be NULL.  LMC_EDOM (reported) for the small init or a
 * problem that is not mf / mf-sym. */
int lmc_mf_aligned_coefficients(const lmc_problem *P, double *a0,
                                double *b0);

#endif /* LMC_PROBLEMS_MF_H */
