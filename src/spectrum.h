/* spectrum.h -- test matrices with a prescribed singular spectrum.
 *
 * M = U diag(s) V^T with U (m x k), V (n x k) having orthonormal columns
 * drawn from the QR factorization of Gaussian matrices, k = min(m, n).
 * Spectra are normalized so that sigma_max = 1 and sigma_min = 1/kappa:
 *   log     log-spaced from 1 down to 1/kappa;
 *   linear  evenly spaced from 1 down to 1/kappa;
 *   gauss   the singular values of an m x n Gaussian matrix, mapped
 *           affinely onto [1/kappa, 1] (keeps the Marchenko-Pastur shape);
 *   file:P  values read from file P, one per line, taken as they are
 *           ('#' comments; zeros allowed: rank-deficient M).
 */
#ifndef LMC_SPECTRUM_H
#define LMC_SPECTRUM_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

/* Fills sv[0..k-1] (descending) for an m x n matrix (k = min(m, n)).
 * kappa >= 1 (ignored for file:).  A file is read with the bounds of
 * textin.h (4 MiB, lines up to 1024 characters, no NUL bytes) and must
 * hold exactly k values.  Errors: LMC_EINVAL (kappa), LMC_EIO (unreadable,
 * a directory), LMC_EPARSE (file:line: a bad value, a bound exceeded),
 * LMC_EBADLEN (file has a wrong count),
 * LMC_ENOTFOUND (unknown kind). */
int lmc_spectrum_values(const char *kind, double kappa, size_t m, size_t n,
                        gsl_rng *r, double *sv);

/* out = U diag(sv) V^T for random U, V; sv has min(m, n) entries.
 * Allocates its own scratch (not for inner loops). */
int lmc_matrix_with_spectrum(gsl_matrix *out, const double *sv, gsl_rng *r);

/* Fills m with independent standard Gaussian entries. */
void lmc_matrix_gaussian(gsl_matrix *m, gsl_rng *r);

#endif /* LMC_SPECTRUM_H */
