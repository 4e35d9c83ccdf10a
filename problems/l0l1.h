/* problems/l0l1.h -- state shared by the block-separable (L0,L1)-smooth
 * problem "l0l1-sep" (l0l1.c) and its MPFR companion (l0l1_mp.c).
 *
 * f(X_1, X_2) = sum_i sum_{k<=r_i} h(t_ik),  t_ik = c_i u_ik^T X_i v_ik,
 * U_i = [u_i1..], V_i = [v_i1..] with orthonormal columns, and the scalar
 * "shell" function (s = |t|, EPS = 1, JUMP = 1, A = 1, B = 2, W = B - A):
 *   h''(t) = EPS + JUMP 1{A <= |t| <= B},
 *   h(t)   = EPS s^2/2                                  for s <= A,
 *            EPS s^2/2 + JUMP (s - A)^2/2                for A <= s <= B,
 *            EPS s^2/2 + JUMP W (s - (A + B)/2)          for s >= B,
 *   h'(t)  = sign(t) (EPS s + JUMP min(max(s - A, 0), W)).
 * grad_i f = c_i U_i diag(h'(t_i)) V_i^T.
 */
#ifndef LMC_PROBLEMS_L0L1_H
#define LMC_PROBLEMS_L0L1_H

#include "problem.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#define LMC_L0L1_DEFAULT_M 16
#define LMC_L0L1_DEFAULT_N 16
/* Largest m, n accepted: size products far from overflow, the O(m^2 n)
 * random-basis construction under a few seconds. */
#define LMC_L0L1_MAX_DIM 4096

/* The shell function's parameters: small integers, exact in binary. */
#define LMC_L0L1_EPS 1  /* curvature outside the shell */
#define LMC_L0L1_JUMP 1 /* extra curvature inside the shell */
#define LMC_L0L1_A 1    /* the shell is A <= |t| <= B */
#define LMC_L0L1_B 2

/* Mode value of the inits: |t| = 2 B, beyond the shell, so that a
 * descent path crosses it (and the window where L1 matters). */
#define LMC_L0L1_INIT_T 4.0

#define LMC_L0L1_NBLOCKS 2

typedef struct lmc_l0l1_state
{
    size_t size1[LMC_L0L1_NBLOCKS], size2[LMC_L0L1_NBLOCKS];
    size_t r[LMC_L0L1_NBLOCKS];   /* modes per block: min(size1, size2) */
    double c[LMC_L0L1_NBLOCKS];   /* mode scales: 1 and 1/2 */
    gsl_matrix *u[LMC_L0L1_NBLOCKS], *v[LMC_L0L1_NBLOCKS];
    gsl_matrix *xv[LMC_L0L1_NBLOCKS]; /* size1 x r workspace: X V */
    gsl_matrix *us[LMC_L0L1_NBLOCKS]; /* size1 x r workspace: U diag */
    unsigned long seed;
    int init_aligned;    /* init "aligned" (else "random") */
    gsl_rng *rng;        /* x0 */
} lmc_l0l1_state;

extern const lmc_problem_type lmc_problem_l0l1;

#endif /* LMC_PROBLEMS_L0L1_H */
