/* mp.h -- MPFR reference computations (THEORY O3): dense matrices, the
 * polar factor, the realized oracle error, polynomial orthogonalizers.
 *
 * "Exact" in the harness means: computed here at a chosen precision p >= 53
 * bits, far beyond what a double computation can resolve.
 *
 *   polar(A) = U V^T for A = U S V^T (thin SVD, A of full rank), computed
 *   by scaled Newton on a square factor:
 *       X_0 = A (square) or R (tall A = Q_1 R, Householder QR),
 *       X_{k+1} = (z_k X_k + X_k^{-T} / z_k) / 2,
 *       z_k = sqrt(||X_k^{-1}||_F / ||X_k||_F) until the step is below 1/100,
 *       then z_k = 1 (Higham, Functions of Matrices, section 8.9);
 *   polar(A) = Q_1 polar(R) for tall A, polar(A^T)^T for wide A.
 *
 *   delta = ||S~ - Q||_2 with D = S~ - Q formed in MPFR and rounded to
 *   double entry by entry, so D is known to ~1e-16 relative however small it
 *   is, and a double SVD of D gives ||D||_2 to ~1e-15 relative.
 *
 *   The polynomial orthogonalizer of schedule.h run in MPFR:
 *   X_0 = M / (divisor ||M||_F + eps), X <- a X + b (X X^T) X + c (X X^T)^2 X,
 *   whose error the scalar map p^(q) predicts exactly (up to 2^-p).
 *
 * Only src/mp/ includes <mpfr.h> itself; this header carries it to its
 * users (lmc_mp_mat holds mpfr_t entries).
 * Precision is always an argument.  These are reference computations, never
 * called inside an iterate loop: the functions allocate their own scratch
 * (MPFR numbers allocate anyway), except lmc_mp_poly_apply_mp, which the
 * reference trajectories call at every step with a workspace sized once.  Costs: an n x n x n MPFR product at 256
 * bits costs ~n^3 x 60-70 ns here (measured: 64x64 in 16 ms); at 1024 bits
 * about 3.5x that.
 *
 * GMP aborts when it cannot allocate a limb array; that is outside our
 * control.  Every other failure is a returned status.
 */
#ifndef LMC_MP_H
#define LMC_MP_H

#include <stddef.h>
#include <stdio.h> /* before mpfr.h, so that the FILE-based functions exist */

#include <gsl/gsl_matrix.h>
#include <mpfr.h>

#include "linalg.h"
#include "schedule.h"

/* Lowest accepted precision: a double converts exactly at 53 bits. */
#define LMC_MP_PREC_MIN 53

/* Guard bits lmc_mp_polar adds to the requested precision, so that its
 * stopping test 2^(8-p) sits 2^40 above the rounding noise of the
 * iteration (~n^1.5 2^-(p+32)) for any n this harness uses. */
#define LMC_MP_GUARD_BITS 32

/* Newton iteration cap of lmc_mp_polar (scaled Newton needs <= ~15 for any
 * condition number below 1e300). */
#define LMC_MP_POLAR_MAXITER 100

/* Dense row-major matrix of MPFR numbers, entry (i,j) at
 * data[i * size2 + j]; every entry has precision prec. */
typedef struct lmc_mp_mat
{
    size_t size1, size2;
    mpfr_prec_t prec;
    mpfr_t *data;
} lmc_mp_mat;

/* LMC_SUCCESS if LMC_MP_PREC_MIN <= prec <= MPFR_PREC_MAX, else LMC_EINVAL
 * with a message naming the accepted range. */
int lmc_mp_check_prec(mpfr_prec_t prec);

/* Allocates a size1 x size2 matrix of zeros at precision prec.
 * Returns NULL after reporting LMC_EBADLEN (zero size or size overflow),
 * LMC_EINVAL (prec outside [MPFR_PREC_MIN, MPFR_PREC_MAX]) or LMC_ENOMEM.
 * Cost: size1 size2 MPFR initializations. */
lmc_mp_mat *lmc_mp_mat_alloc(size_t size1, size_t size2, mpfr_prec_t prec);

/* Frees a and its entries; lmc_mp_mat_free(NULL) is a no-op. */
void lmc_mp_mat_free(lmc_mp_mat *a);

/* dst = src exactly.  Errors: LMC_EBADLEN (shapes differ), LMC_EINVAL
 * (dst->prec < 53: the copy would round), LMC_ENONFINITE (NaN/Inf entry,
 * dst then partly written). */
int lmc_mp_mat_set_gsl(lmc_mp_mat *dst, const gsl_matrix *src);

/* dst = src rounded to nearest double entry by entry (entries beyond the
 * double range become +-Inf or (sub)normal/0 as mpfr_get_d rounds them).
 * Errors: LMC_EBADLEN. */
int lmc_mp_mat_get_gsl(gsl_matrix *dst, const lmc_mp_mat *src);

/* dst = src rounded to nearest at dst->prec (exact if dst->prec >=
 * src->prec); dst == src is allowed.  Errors: LMC_EBADLEN. */
int lmc_mp_mat_set(lmc_mp_mat *dst, const lmc_mp_mat *src);

/* dst = src^T (rounded to nearest at dst->prec).  dst must not alias src.
 * Errors: LMC_EBADLEN, LMC_EINVAL (aliasing). */
int lmc_mp_mat_transpose(lmc_mp_mat *dst, const lmc_mp_mat *src);

/* a = -a (exact).  The exact LMO of the spectral-norm ball is -U V^T =
 * -polar(G); negate the polar factor before comparing with an LMO output. */
int lmc_mp_mat_neg(lmc_mp_mat *a);

/* 1 if every entry is a finite number. */
int lmc_mp_mat_isfinite(const lmc_mp_mat *a);

/* Products c = a b, c = a^T b, c = a b^T.  Each entry is a dot product
 * accumulated with fused multiply-adds rounded to nearest at c->prec (error
 * <= k 2^-c->prec relative to sum |a||b| for inner size k).  c must not
 * alias a or b.  Errors: LMC_EBADLEN (shapes), LMC_EINVAL (aliasing).
 * Cost: size1 size2 k multiply-adds (~60-70 ns each at 256 bits). */
int lmc_mp_mat_mul(lmc_mp_mat *c, const lmc_mp_mat *a, const lmc_mp_mat *b);
int lmc_mp_mat_mul_tn(lmc_mp_mat *c, const lmc_mp_mat *a,
                      const lmc_mp_mat *b);
int lmc_mp_mat_mul_nt(lmc_mp_mat *c, const lmc_mp_mat *a,
                      const lmc_mp_mat *b);

/* out = ||a||_F rounded to nearest at out's precision (the sum of squares
 * runs at that precision plus 32 bits; MPFR's exponent range means no
 * overflow or underflow).  Cost: size1 size2 multiply-adds. */
int lmc_mp_mat_frobenius(mpfr_t out, const lmc_mp_mat *a);

/* ainv = a^{-1} by Gauss-Jordan elimination with partial pivoting at
 * ainv->prec.  work must be n x 2n (it receives [a | I] and is
 * overwritten).  A pivot of magnitude <= n^2 2^(8-prec) max|a_ij|
 * (exactly singular, or singular to working precision) gives LMC_EDOM
 * "rank-deficient input".  ainv may not alias a or work.  Errors:
 * LMC_EBADLEN (shapes), LMC_EINVAL (aliasing), LMC_EDOM, LMC_ENONFINITE.
 * Cost: ~2 n^3 multiply-adds. */
int lmc_mp_mat_inverse(lmc_mp_mat *ainv, const lmc_mp_mat *a,
                       lmc_mp_mat *work);

/* Thin Householder QR of a tall or square a (m x n, m >= n): a = q r with
 * q m x n having orthonormal columns and r n x n upper triangular, at the
 * precisions of q and r (rounding to nearest).  work must be m x n (it
 * receives the Householder vectors at work->prec: allocate it at q's
 * precision).  A zero column gives r_kk = 0 and is
 * not an error here (lmc_mp_polar reports the rank deficiency).  No
 * aliasing among q, r, a, work.  Errors: LMC_EBADLEN (shapes, m < n),
 * LMC_EINVAL (aliasing).  Cost: ~4 m n^2 multiply-adds. */
int lmc_mp_mat_qr(lmc_mp_mat *q, lmc_mp_mat *r, const lmc_mp_mat *a,
                  lmc_mp_mat *work);

/* Polar factor q = U V^T of a (size1 x size2, any shape, full rank) at
 * precision prec.  The iteration runs at prec + LMC_MP_GUARD_BITS and stops
 * one iteration after the relative Frobenius step falls below 2^(8-prec);
 * the result is rounded to nearest at q->prec (allocate q with prec).
 * The number of Newton iterations goes to *iterations if non-NULL.
 * Errors: LMC_EINVAL (prec < 53 or above MPFR_PREC_MAX - guard bits),
 * LMC_EBADLEN (q's shape differs from a's), LMC_ENONFINITE (NaN/Inf in a),
 * LMC_EDOM (rank-deficient a: a pivot at rounding level), LMC_ENOCONV (no
 * convergence in LMC_MP_POLAR_MAXITER iterations), LMC_ENOMEM.
 * "Full rank" is judged at the working precision: a double matrix that is
 * rank-deficient only up to double rounding (sigma_min ~1e-16 sigma_max) is
 * nonsingular here and gets the polar factor of the exact double matrix,
 * which LAPACK's rank-cut factor (lmc_svd_polar) does not approximate;
 * compare the two only for well-conditioned inputs.
 * Cost: k = min(size1, size2); QR ~4 max(size1,size2) k^2, each Newton
 * step ~2 k^3 multiply-adds, 10-13 steps: at 256 bits a 16x16 takes
 * ~6 ms, a 64x64 ~0.3 s. */
int lmc_mp_polar(lmc_mp_mat *q, const gsl_matrix *a, mpfr_prec_t prec,
                 int *iterations);

/* lmc_mp_polar with an explicit iteration cap max_iter >= 1. */
int lmc_mp_polar_maxiter(lmc_mp_mat *q, const gsl_matrix *a,
                         mpfr_prec_t prec, int max_iter, int *iterations);

/* Realized oracle error of a double output s_tilde against the reference
 * q: D = s_tilde - q with each entry correctly rounded to double (one MPFR
 * subtraction into 53 bits: relative accuracy 2^-53 however small D is),
 * *delta_spec = ||D||_2 from lmc_svd_values on D (w sized for s_tilde's
 * shape; values only suffice) and *err_frob = ||D||_F computed in MPFR from
 * the unrounded differences and rounded to nearest.  Either output may be
 * NULL (w may be NULL when delta_spec is).  Entries of D below the double
 * range (< 1e-308) underflow; such a delta is not measurable in double.
 * SIGN: q is compared as given; the exact LMO of the spectral ball is
 * -polar(G), so negate q (lmc_mp_mat_neg) to compare with an LMO output.
 * Errors: LMC_EBADLEN (shapes of s_tilde, q, w differ), LMC_ENONFINITE
 * (NaN/Inf in s_tilde or q), LMC_ENOMEM, and lmc_svd_values' errors.
 * Cost: one double SVD of D plus size1 size2 MPFR operations. */
int lmc_mp_delta(const gsl_matrix *s_tilde, const lmc_mp_mat *q,
                 lmc_svd *w, double *delta_spec, double *err_frob);

/* The same with an MPFR s_tilde (for instance lmc_mp_poly_apply's output):
 * measures deltas far below double rounding (1e-30 and less). */
int lmc_mp_delta_mp(const lmc_mp_mat *s_tilde, const lmc_mp_mat *q,
                    lmc_svd *w, double *delta_spec, double *err_frob);

/* The polynomial orthogonalizer of schedule s run for `steps` steps in
 * MPFR at precision prec: X_0 = M / (divisor ||M||_F + eps) with ||M||_F
 * in MPFR, then step j: X <- a_j X + b_j (X X^T) X + c_j (X X^T)^2 X, the
 * Gram matrix taken on the smaller side ((X^T X) on the right when tall;
 * the same polynomial).  The coefficients, divisor and eps are the
 * schedule's doubles taken exactly; every operation rounds to nearest at
 * prec, so the output is the exact-arithmetic output up to ~2^-prec, and
 * its error is what the scalar map p^(steps) predicts.  x (same shape as m)
 * receives the result rounded to nearest at x->prec.
 * Errors: LMC_EINVAL (prec, steps beyond a non-cyclic schedule, non-finite
 * coefficient), LMC_EBADLEN (shapes), LMC_ENONFINITE (NaN/Inf in m),
 * LMC_EDOM (divisor ||M||_F + eps is not > 0), LMC_ENOMEM.
 * Cost per step, k = min(size1,size2), l = max: ~2 k^2 l + k^3
 * multiply-adds (~0.5 ms for 16x16 at 256 bits). */
int lmc_mp_poly_apply(lmc_mp_mat *x, const gsl_matrix *m,
                      const lmc_schedule *s, size_t steps, mpfr_prec_t prec);

/* Workspace of lmc_mp_poly_apply_mp for size1 x size2 inputs at
 * precision prec: the iterate, its successor, the Gram matrix, its square
 * and the step's matrix polynomial, and two scalars.  Sized once, so that
 * a trajectory applying the polynomial at every step allocates nothing in
 * its loop. */
typedef struct lmc_mp_poly_ws
{
    size_t size1, size2;
    mpfr_prec_t prec;
    lmc_mp_mat *xw, *xn, *g, *g2, *b;
    mpfr_t d, t;
} lmc_mp_poly_ws;

/* NULL (reported: LMC_EBADLEN, LMC_EINVAL for prec, LMC_ENOMEM) on
 * failure.  _free(NULL) is a no-op. */
lmc_mp_poly_ws *lmc_mp_poly_ws_alloc(size_t size1, size_t size2,
                                     mpfr_prec_t prec);
void lmc_mp_poly_ws_free(lmc_mp_poly_ws *w);

/* lmc_mp_poly_apply with an MPFR input m (entries taken exactly: no
 * rounding to w->prec before the normalization) and a workspace w of m's
 * shape; x (m's shape, any precision, may alias m) receives X_steps
 * rounded to nearest at x->prec.  Bit-identical to lmc_mp_poly_apply on
 * the same (double) input at w->prec.  Errors: as lmc_mp_poly_apply,
 * LMC_EBADLEN also for w's shape.  Allocates nothing. */
int lmc_mp_poly_apply_mp(lmc_mp_mat *x, const lmc_mp_mat *m,
                         const lmc_schedule *s, size_t steps,
                         lmc_mp_poly_ws *w);

/* out = p^(steps)(x), the composed scalar map p_j(t) = a_j t + b_j t^3 +
 * c_j t^5 of schedule s (no divisor applied), evaluated at precision prec
 * rounding to nearest, the result rounded to out's precision.  out may be
 * x.  Errors: LMC_EINVAL (prec, steps, coefficients), LMC_ENONFINITE (x
 * not a number).  Cost: ~3 steps MPFR multiply-adds. */
int lmc_mp_poly_map(mpfr_t out, const lmc_schedule *s, size_t steps,
                    const mpfr_t x, mpfr_prec_t prec);

#endif /* LMC_MP_H */
