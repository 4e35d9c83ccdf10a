/* mp/reference.h -- the MPFR exact-LMO reference, seen from double code.
 *
 * Holds -polar(M) computed in MPFR for one M and measures the realized
 * error of any double S~ against it.  This header does not include
 * <mpfr.h>, so callers outside src/mp/ stay free of MPFR types.
 */
#ifndef LMC_MP_REFERENCE_H
#define LMC_MP_REFERENCE_H

#include "linalg.h"

#include <gsl/gsl_matrix.h>

typedef struct lmc_mp_reference lmc_mp_reference;

/* A reference for size1 x size2 blocks at `bits` bits of precision
 * (>= 53).  NULL (reported) on bad precision, zero sizes, no memory. */
lmc_mp_reference *lmc_mp_reference_alloc(size_t size1, size_t size2,
                                         long bits);
void lmc_mp_reference_free(lmc_mp_reference *r);

/* Computes the spectral LMO of m, -U V^T, in MPFR (see lmc_mp_polar:
 * full rank required, LMC_EDOM otherwise).  *iterations (if non-NULL)
 * receives the Newton iteration count. */
int lmc_mp_reference_set(lmc_mp_reference *r, const gsl_matrix *m,
                         int *iterations);

/* Realized delta of s against the reference: ||s - LMO(m)||_2 and the
 * Frobenius error, the difference formed in MPFR (lmc_mp_delta).
 * LMC_EINVAL if no reference was set. */
int lmc_mp_reference_delta(lmc_mp_reference *r, const gsl_matrix *s,
                           double *delta, double *frob);

/* Frees MPFR's caches of the calling thread (constants, sine/cosine
 * tables).  A thread that ran MPFR code (a theorem check in a sweep
 * worker) calls it before it exits, or the caches leak. */
void lmc_mp_free_thread_cache(void);

#endif /* LMC_MP_REFERENCE_H */
