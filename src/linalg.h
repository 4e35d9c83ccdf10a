/* linalg.h -- dense kernels over LAPACKE/OpenBLAS shared by the oracles
 * (and the random orthonormal factors of the problems).
 *
 * Matrices are gsl_matrix (row-major, with tda).  A row-major m x n buffer
 * read as column-major is the n x m transpose; the SVD routines use that
 * view, so LAPACKE runs column-major (its row-major path copies on every
 * call) and no transposition is ever materialized:
 *   A^T = U' S V'^T  =>  A = V' S U'^T  and  polar(A) = V' U'^T,
 * whose column-major n x m storage U' V'^T is exactly polar(A) row-major.
 */
#ifndef LMC_LINALG_H
#define LMC_LINALG_H

#include <float.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

/* SVD workspace for matrices of one shape (dgesdd, never dgesvd). */
typedef struct lmc_svd
{
    size_t size1, size2; /* shape of the matrices it accepts */
    size_t k;            /* min(size1, size2) */
    int vectors;         /* workspace sized for singular vectors */
    double *a;           /* copy of the input (dgesdd overwrites it) */
    double *s;           /* singular values, descending */
    double *u, *vt;      /* column-major factors of the transposed view */
    double *work;
    int *iwork;
    int lwork;
} lmc_svd;

/* Allocates a workspace for size1 x size2 inputs; vectors != 0 allows
 * lmc_svd_polar.  Returns NULL (after reporting) on zero sizes or
 * allocation failure.  Cost: one LAPACK workspace query. */
lmc_svd *lmc_svd_alloc(size_t size1, size_t size2, int vectors);
void lmc_svd_free(lmc_svd *w);

/* Bytes lmc_svd_alloc(size1, size2, vectors) allocates (the same with
 * and without vectors), from LAPACK's workspace query: nothing is
 * allocated.  NaN if the query fails.  For memory estimates before
 * allocating. */
double lmc_svd_bytes(size_t size1, size_t size2);

/* Singular values of m (descending) into w->s; m is not modified.
 * Errors: LMC_EBADLEN (shape), LMC_ENONFINITE (NaN/Inf entry),
 * LMC_ELAPACK (no convergence).  Cost: O(size1 size2 k). */
int lmc_svd_values(lmc_svd *w, const gsl_matrix *m);

/* Polar factor q = U_r V_r^T of m over the singular values above
 * rtol * sigma_max (the rank r is returned in *rank if non-NULL); the
 * singular values stay in w->s.  For m = 0 (or rank 0), q = 0.
 * q must be size1 x size2 and must not alias m.  Errors as
 * lmc_svd_values, and LMC_EINVAL if the workspace has no vectors. */
int lmc_svd_polar(lmc_svd *w, const gsl_matrix *m, double rtol,
                  gsl_matrix *q, size_t *rank);

/* Default relative rank cut for polar factors: max(size1,size2) * eps,
 * the cut numpy's and LAPACK's pseudo-inverses use. */
double lmc_svd_rank_rtol(size_t size1, size_t size2);

/* Frobenius norm (scaled sum of squares, no overflow). */
double lmc_frobenius(const gsl_matrix *m);

/* Entrywise l_1 norm (sum of |m_ij|) and l_inf norm (max |m_ij|). */
double lmc_entry_sum_abs(const gsl_matrix *m);
double lmc_entry_max_abs(const gsl_matrix *m);

/* 1 if x has not overflowed: finite and below DBL_MAX in magnitude.
 * Under round-toward-zero (and downward for positive results) an
 * overflow saturates at +-DBL_MAX instead of becoming Inf, so a value of
 * magnitude DBL_MAX counts as overflowed: divergence is detected in every
 * rounding mode. */
static inline int
lmc_isfinite(double x)
{
    return x < DBL_MAX && x > -DBL_MAX;
}

/* 1 if every entry satisfies lmc_isfinite. */
int lmc_matrix_isfinite(const gsl_matrix *m);

/* Fills q (rows x k, rows >= k) with the first k columns of Q in the QR
 * factorization of a Gaussian matrix drawn from rng row by row.  With
 * haar set, column j is multiplied by sign(R_jj), which makes the columns
 * Haar-distributed (Mezzadri, Notices AMS 54, 2007).  what names q in the
 * out-of-memory message.  GSL's QR, not LAPACK's: the problems built on
 * it keep their data bit for bit. */
int lmc_qr_columns(gsl_matrix *q, gsl_rng *rng, int haar, const char *what);

#endif /* LMC_LINALG_H */
