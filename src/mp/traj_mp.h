/* mp/traj_mp.h -- MPFR reference trajectories: the method itself run in
 * high precision from the same double x0 and the same double problem
 * data, so that trajectory outcomes (iteration counts, fitted rates) are
 * properties of the exact-arithmetic dynamics and not of the last bits of
 * a double run.
 *
 * The reference is a deterministic function of (problem data, x0, method
 * parameters, precision): every operation is an MPFR operation rounded to
 * nearest at the stated precision (correctly rounded, independent of the
 * IEEE rounding mode and of the BLAS kernel), the doubles going in are
 * taken exactly, and step sizes are formed in MPFR (eta_0 rho^(t-1) by
 * mpfr_pow_ui, never by a double pow).  The outputs are MPFR values
 * rounded to nearest double by mpfr_get_d (also mode-independent).
 *
 * The interface uses doubles and GSL types only: callers (the theorem checks)
 * need not include mpfr.h.
 *
 * Problems (the gradient is formed in MPFR from the defining doubles):
 *   lmc_traj_icl:    f(G) = 1/2 <Lambda G, G S> - <G, Lambda^2> + 1/2 T,
 *                    S = ((N+1) Lambda^2 + T Lambda) / N, T = tr(Lambda),
 *                    grad = Lambda G S - Lambda^2;  the error is
 *                    ||G - G*||_F / ||G*||_F with G* = Lambda S^-1 (MPFR).
 *   lmc_traj_mf:     f(U, V) = 1/2 ||U V^T - M*||_F^2, M* = Phi diag(lambda)
 *                    Psi^T (exact product of the doubles); grad_U = R V,
 *                    grad_V = R^T U, R = U V^T - M*;  error ||R||_F /
 *                    ||M*||_F.
 *   lmc_traj_mf_sym: f(X) = 1/4 ||X X^T - M*||_F^2, M* = Phi diag(lambda)
 *                    Phi^T; grad = R X;  error ||R||_F / ||M*||_F.
 *   lmc_traj_lsq:    f(X) = 1/2 ||A X - B||_F^2 (problems/lsq.c), A p x m
 *                    (p >= m), B p x n; grad = A^T R, R = A X - B;  the
 *                    error is the gap f(X) - f* (absolute, not relative:
 *                    what C1 averages), f* = 0 for p = m (A nonsingular,
 *                    B in its range), else f at the normal-equation
 *                    solution computed at prec + 32 bits.
 * Methods: gd (X <- X - eta_t g), simplified-muon (X_i <- X_i - eta_t
 * polar(g_i) per block, exact polar factor), adam (methods/adam.c's
 * formulas with constant beta1 = params.momentum, beta2, eps), lmo
 * (methods/lmo.c: M_1 = g_1, M_t = beta M_{t-1} + (1 - beta) g_t with a
 * constant beta = params.momentum, 0 being alpha = 1; S_i = LMO(M_i) =
 * -polar(M_i) in the spectral ball of every block, X_i <- X_i + eta_t
 * S_i; oracle exact (the polar factor below) or poly: S_i = -X_q, the
 * schedule's polynomial run in MPFR at the trajectory's precision with
 * the schedule's coefficients, divisor, eps and step count taken
 * exactly, lmc_mp_poly_apply_mp -- the exact-arithmetic limit of
 * inexact/poly.c in fp64); step rules constant, polynomial and geometric
 * as in method.h.
 *
 * Polar factor in MPFR (per block): a tall block A = Q_1 R (Householder),
 * polar(A) = Q_1 polar(R); a wide one is transposed.  Scaled Newton on
 * the square factor at prec + LMC_MP_GUARD_BITS: X <- (z X + X^-T / z) / 2
 * with z = sqrt(||X^-1||_F / ||X||_F) until the relative step is below
 * 1/100, then z = 1 (Higham, Functions of Matrices, 8.9).  Unscaled Newton
 * converges quadratically: ||X_{k+1} - U|| <= (1/2) ||X_k^-1||_2
 * ||X_k - U||^2 with ||X_k^-1||_2 -> 1, and the relative step
 * ||X_{k+1} - X_k|| / ||X_{k+1}|| is ||X_k - U|| (1 + o(1)); so once that
 * step is below 2^-(prec/2 + 8) the new iterate is within ~2^-(prec+17)
 * of U, below the rounding to prec bits, and the iteration stops.
 *
 * Early stop (rigorous, geometric steps only).  With eta_t = eta_0
 * rho^(t-1), after step t every later step moves block i by at most
 * eta_s ||polar(g_i)||_F <= eta_s sqrt(k_i) (simplified Muon; k_i = min of
 * the block's sides), so every later iterate lies within
 *   D_t = sqrt(k_max) sum_{s > t} eta_s = sqrt(k_max) eta_0 rho^t / (1-rho)
 * of X_t in each block's Frobenius norm.  The error then stays below
 *   icl:    e_t + D_t / ||G*||_F,
 *   mf:     e_t + (D_t (||U_t||_F + ||V_t||_F) + D_t^2) / ||M*||_F,
 *   mf-sym: e_t + (2 D_t ||X_t||_F + D_t^2) / ||M*||_F
 * (||U'V'^T - U V^T|| <= ||dU|| ||V|| + ||U|| ||dV|| + ||dU|| ||dV||),
 * each term rounded upward, e_t enlarged by 2^(16-prec) relative for its
 * own rounding.  When that bound is <= stop_settled, no later iterate can
 * have error above stop_settled: the final stretch below stop_settled has
 * begun, and the run stops (LMC_TRAJ_SETTLED).  GD, Adam and the other
 * step rules have no such bound here and run to the budget.
 *
 * Cost per step (measured here, one core): icl d = 8 simplified Muon
 * ~1.2 ms at 128 bits and ~2.3 ms at 700 bits (the polar factor: ~9
 * scaled Newton steps of an 8 x 8 Gauss-Jordan inverse), GD ~0.1 ms at
 * 128 bits; mf 20x4 + 16x4 simplified Muon ~0.8 ms at 384 bits; lsq
 * 16 x 16 lmo + cubic Newton-Schulz (q = 8/5/3 mixed) 11 ms at 128 bits
 * and 12 ms at 256 bits (wall time on a machine loaded ~4x: the cost is
 * MPFR's per-operation overhead, ~50k multiply-adds a step, not the limb
 * count).
 * Allocation happens in lmc_traj_run only, before the loop.
 */
#ifndef LMC_TRAJ_MP_H
#define LMC_TRAJ_MP_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>

#include "method.h"
#include "problem.h"

/* Problem kinds (opaque plug-ins defined in traj_mp.c). */
typedef struct lmc_traj_problem_type lmc_traj_problem_type;
extern const lmc_traj_problem_type lmc_traj_icl, lmc_traj_mf,
    lmc_traj_mf_sym, lmc_traj_lsq;

/* The defining doubles of a problem, borrowed for the duration of a run.
 * icl: a = Lambda (d x d, symmetric), N = prompt length; mf: a = Phi
 * (m x r), b = Psi (n x r), lambda (r values); mf-sym: a = Phi (n x r),
 * lambda; lsq: a = A (p x m), b = B (p x n).  layout is the problem's (blocks U, V / X / Gamma, row-major
 * in the parameter vector, as in problem.h). */
typedef struct lmc_traj_problem
{
    const lmc_traj_problem_type *type;
    const gsl_matrix *a, *b;
    const double *lambda;
    size_t N;
    const lmc_layout *layout;
} lmc_traj_problem;

typedef enum
{
    LMC_TRAJ_BUDGET = 0,  /* ran all the steps */
    LMC_TRAJ_SETTLED = 1, /* rigorous early stop: every later iterate has
                             error <= stop_settled */
    LMC_TRAJ_FIRST = 2,   /* first iterate with error <= stop_first */
    LMC_TRAJ_DIVERGED = 3, /* a non-finite value (MPFR overflow) */
    LMC_TRAJ_DRIFT = 4     /* drift above max_drift: the precision is too
                              low to follow the exact trajectory */
} lmc_traj_stop;

typedef struct lmc_traj_options
{
    unsigned prec;        /* precision in bits, >= 53 */
    size_t iters;         /* step budget */
    double stop_settled;  /* > 0: rigorous early stop (see header) */
    double stop_first;    /* > 0: stop at the first err <= stop_first */
    int drift;            /* 1: record the drift (icl only; else NaN) */
    double max_drift;     /* > 0 (with drift): stop once drift exceeds it */
} lmc_traj_options;

/* The recorded trajectory: iterates X_0 .. X_{n-1} (n - 1 steps). */
typedef struct lmc_traj
{
    size_t cap;       /* iterates it can hold: budget + 1 */
    size_t total;     /* parameter length */
    size_t n;         /* iterates recorded */
    double *err;      /* err[t]: the error of X_t (header: relative, or
                         f - f* for lsq), nearest */
    double *drift;    /* drift[t]: distance of X_t from the invariant set
                         of the exact dynamics (icl: ||Lambda G - G
                         Lambda||_F / (||Lambda||_F ||G||_F), zero in exact
                         arithmetic from G_0 = 0), NaN if not recorded */
    double *xs;       /* X_t rounded to nearest at [t * total], or NULL */
    lmc_traj_stop stop;
    size_t settle_min;  /* with the early stop on, an estimate of the stop
                           step: the first t with D_t <= stop_settled
                           ||G*||_F (or ||M*||_F); else 0 */
    unsigned prec;
    size_t polar_iters; /* Newton iterations spent, all blocks and steps */
} lmc_traj;

/* A trajectory record for `total` parameters and up to `iters` steps;
 * keep_x: also keep the iterates (iters + 1) total doubles.  NULL
 * (reported) on bad sizes or no memory. */
lmc_traj *lmc_traj_alloc(size_t total, size_t iters, int keep_x);
void lmc_traj_free(lmc_traj *tr);

/* Runs method T (lmc_method_gd, lmc_method_simplified_muon,
 * lmc_method_adam or lmc_method_lmo) with params mp on problem p from x0
 * (layout->total doubles, taken exactly) in MPFR at o->prec bits and
 * records into tr.  Only exact gradients (mp->stochastic = 0) and the
 * exact oracle, or for lmo also lmc_inexact_poly in fp64 (its exact-
 * arithmetic limit); Adam needs a constant beta1, lmo a constant momentum
 * and the spectral ball on every block.  Errors: LMC_EINVAL (method,
 * parameters, oracle, schedule steps, precision, tr too small for
 * o->iters), LMC_EBADLEN (shapes), LMC_EDOM (a gradient block that is
 * singular at working precision for the polar factor; a zero input to
 * the polynomial with eps = 0), LMC_ENOCONV, LMC_ENOMEM.  Cost: see the
 * header. */
int lmc_traj_run(lmc_traj *tr, const lmc_traj_problem *p,
                 const lmc_method_type *T, const lmc_method_params *mp,
                 const double *x0, const lmc_traj_options *o);

/* The start of the final stretch of err[0..n-1] with err <= tol: the
 * smallest t such that err[s] <= tol for every t <= s < n; n if
 * err[n-1] > tol (or is NaN). */
size_t lmc_traj_settled(const double *err, size_t n, double tol);

/* The first step t < min(n, n64) at which ||x64_t - X_t||_F > tol
 * ||X_t||_F for the reference iterates X_t (tr->xs) and a double run's
 * iterates x64 (same layout, [t * total]); -1 if none.  *maxrel (if
 * non-NULL) gets the largest ||x64_t - X_t||_F / ||X_t||_F over t with
 * X_t != 0.  Plain double arithmetic: a report, not a decision. */
long lmc_traj_depart(const lmc_traj *tr, const double *x64, size_t n64,
                     double tol, double *maxrel);

#endif /* LMC_TRAJ_MP_H */
