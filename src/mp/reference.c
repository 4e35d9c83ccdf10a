/* mp/reference.c -- MPFR exact-LMO reference behind an opaque handle. */
#include "reference.h"
#include "mp.h"
#include "status.h"

#include <stdlib.h>

struct lmc_mp_reference
{
    size_t size1, size2;
    mpfr_prec_t prec;
    lmc_mp_mat *q; /* -polar(M) */
    lmc_svd *w;    /* singular values of the rounded difference */
    int set;
};

lmc_mp_reference *
lmc_mp_reference_alloc(size_t size1, size_t size2, long bits)
{
    if (bits < 53)
        LMC_ERROR_NULL(LMC_EINVAL, "MPFR reference precision must be >= 53 "
                       "bits, got %ld", bits);
    lmc_mp_reference *r = calloc(1, sizeof *r);
    if (!r)
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for an MPFR reference");
    r->size1 = size1;
    r->size2 = size2;
    r->prec = (mpfr_prec_t)bits;
    r->q = lmc_mp_mat_alloc(size1, size2, r->prec);
    r->w = lmc_svd_alloc(size1, size2, 0);
    if (!r->q || !r->w)
    {
        lmc_mp_reference_free(r);
        return NULL;
    }
    return r;
}

void
lmc_mp_reference_free(lmc_mp_reference *r)
{
    if (!r)
        return;
    lmc_mp_mat_free(r->q);
    lmc_svd_free(r->w);
    free(r);
}

int
lmc_mp_reference_set(lmc_mp_reference *r, const gsl_matrix *m,
                     int *iterations)
{
    int it = 0;
    r->set = 0;
    /* The double oracles drop singular values below the rank cut of
     * lmc_svd_polar, so the exact LMO they approximate is that of the
     * truncated matrix; the Newton iteration cannot truncate.  Refuse
     * such inputs rather than compare against a different LMO. */
    LMC_TRY(lmc_svd_values(r->w, m));
    const double cut = lmc_svd_rank_rtol(r->size1, r->size2) * r->w->s[0];
    if (!(r->w->s[r->w->k - 1] > cut))
        LMC_ERROR(LMC_EDOM, "rank-deficient input (sigma_min = %.3g <= rank "
                  "cut %.3g): the MPFR reference needs full numerical rank",
                  r->w->s[r->w->k - 1], cut);
    LMC_TRY(lmc_mp_polar(r->q, m, r->prec, &it));
    /* The LMO of the spectral ball is -U V^T. */
    LMC_TRY(lmc_mp_mat_neg(r->q));
    if (iterations)
        *iterations = it;
    r->set = 1;
    return LMC_SUCCESS;
}

int
lmc_mp_reference_delta(lmc_mp_reference *r, const gsl_matrix *s,
                       double *delta, double *frob)
{
    if (!r->set)
        LMC_ERROR(LMC_EINVAL, "MPFR reference used before it was set");
    return lmc_mp_delta(s, r->q, r->w, delta, frob);
}

void
lmc_mp_free_thread_cache(void)
{
    mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
}
