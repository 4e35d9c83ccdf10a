/* problems/icl.h -- state shared by the linear in-context learning problem
 * "icl" (icl.c), its MPFR companion (icl_mp.c) and the tests.
 *
 * Lambda = Q diag(lambda) Q^T (d x d), lambda_j = kappa^(-(j-1)/(d-1))
 * descending, Q Haar-random (variant "rotated", the default) or I
 * (variant "diag");
 * S = E[C^2] = ((N+1)/N) Lambda^2 + (tr(Lambda)/N) Lambda,  eigenvalues
 *     s_j = ((N+1) lambda_j^2 + T lambda_j) / N,  T = tr(Lambda);
 * Gamma* = Lambda S^-1 = Q diag(gamma) Q^T,  gamma_j = N / ((N+1)
 *     lambda_j + T);
 * f* = 1/2 T - 1/2 tr(Lambda Gamma* Lambda)
 *    = 1/2 sum_j lambda_j (lambda_j + T) / ((N+1) lambda_j + T).
 * The problem is the one defined by the stored double matrix `lam`
 * (exactly symmetric); the double S and Gamma* are its rounded closed
 * forms (see icl.c for the accuracy argument).
 */
#ifndef LMC_PROBLEMS_ICL_H
#define LMC_PROBLEMS_ICL_H

#include "problem.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

/* Defaults of the parameters (0 in lmc_problem_params). */
#define LMC_ICL_DEFAULT_D 8
#define LMC_ICL_DEFAULT_N 20
#define LMC_ICL_DEFAULT_KAPPA 10.0

/* Scale of the "small" init: Gamma_0 entries N(0, alpha^2 / d), so
 * ||Gamma_0||_F ~ alpha sqrt(d); far below ||Gamma*||_2 >= N / (N+1+T). */
#define LMC_ICL_ALPHA 1e-3

typedef struct lmc_icl_state
{
    size_t d, N;
    double kappa;
    unsigned long seed;
    int diag;            /* variant "diag": Q = I */
    int small;           /* init "small" (else "zero") */
    double *lambda;      /* d eigenvalues of Lambda, descending */
    double *s;           /* eigenvalues of S (same order) */
    double *gamma;       /* eigenvalues of Gamma* (same order) */
    double trace;        /* T = tr(Lambda) = sum lambda_j */
    double fstar;        /* closed form above, in double */
    gsl_matrix *q;       /* d x d eigenvectors */
    gsl_matrix *lam;     /* Lambda, the problem's definition */
    gsl_matrix *smat;    /* S = Q diag(s) Q^T rounded */
    gsl_matrix *gstar;   /* Gamma* = Q diag(gamma) Q^T rounded */
    gsl_matrix *root;    /* Q diag(sqrt(lambda)): x = root z ~ N(0, Lambda) */
    gsl_matrix *delta;   /* d x d workspace */
    gsl_matrix *work;    /* d x d workspace */
    gsl_matrix *prod;    /* d x d workspace: the gradient */
    gsl_matrix *z;       /* N x d standard normal draws of one prompt */
    gsl_matrix *xs;      /* N x d prompt inputs x_i (rows) */
    gsl_vector *xq, *zq, *w, *y, *h, *gh; /* prompt vectors (d or N) */
    gsl_rng *rng;        /* sample generator, seeded by the 64-bit xi */
} lmc_icl_state;

extern const lmc_problem_type lmc_problem_icl;

/* One prompt of the finite-prompt model, drawn deterministically from
 * sample id xi: x_1..x_N, x_q ~ N(0, Lambda), w ~ N(0, I_d), y = <w, x>,
 * y_hat = x_q^T Gamma h with h = (1/N) sum_i y_i x_i.  *loss (if non-NULL)
 * = 1/2 (y_hat - y_q)^2 and g (if non-NULL, a parameter-length vector)
 * = its gradient (y_hat - y_q) x_q h^T.  This is the problem's sgrad;
 * E_xi[g] = grad f(Gamma) and E_xi[loss] = f(Gamma).  No allocation.
 * Errors: LMC_EDOM if P is not "icl", LMC_EBADLEN (lengths). */
int lmc_icl_prompt(lmc_problem *P, const gsl_vector *x, unsigned long xi,
                   double *loss, gsl_vector *g);

#endif /* LMC_PROBLEMS_ICL_H */
