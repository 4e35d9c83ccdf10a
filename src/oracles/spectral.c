/* oracles/spectral.c -- LMO over the spectral-norm unit ball (Muon).
 *
 * LMO(M) = -U_r V_r^T from the thin SVD M = U S V^T (dgesdd), keeping the
 * r singular values above max(m,n) eps sigma_max; dual norm: nuclear
 * (sum of singular values).  M = 0 gives 0.
 */
#include "../linalg.h"
#include "../oracle.h"
#include "../status.h"

#include <gsl/gsl_matrix.h>

typedef struct
{
    lmc_svd *w;
} spectral_state;

static int
spectral_alloc(void *vstate, size_t size1, size_t size2)
{
    spectral_state *st = vstate;
    st->w = lmc_svd_alloc(size1, size2, 1);
    return st->w ? LMC_SUCCESS : LMC_ENOMEM;
}

static int
spectral_apply(void *vstate, const gsl_matrix *m, gsl_matrix *s)
{
    spectral_state *st = vstate;
    LMC_TRY(lmc_svd_polar(st->w, m, lmc_svd_rank_rtol(m->size1, m->size2),
                          s, NULL));
    gsl_matrix_scale(s, -1.0);
    return LMC_SUCCESS;
}

static int
spectral_norm(void *vstate, const gsl_matrix *m, double *val)
{
    spectral_state *st = vstate;
    LMC_TRY(lmc_svd_values(st->w, m));
    *val = st->w->s[0];
    return LMC_SUCCESS;
}

static int
spectral_dual(void *vstate, const gsl_matrix *m, double *val)
{
    spectral_state *st = vstate;
    LMC_TRY(lmc_svd_values(st->w, m));
    double sum = 0;
    /* Ascending order: small values first lose less to rounding. */
    for (size_t i = st->w->k; i-- > 0;)
        sum += st->w->s[i];
    *val = sum;
    return LMC_SUCCESS;
}

static void
spectral_free(void *vstate)
{
    spectral_state *st = vstate;
    lmc_svd_free(st->w);
}

const lmc_oracle_type lmc_oracle_spectral = {
    .name = "spectral",
    .norm_name = "spectral (largest singular value)",
    .dual_name = "nuclear (sum of singular values)",
    .size = sizeof(spectral_state),
    .alloc = spectral_alloc,
    .apply = spectral_apply,
    .norm = spectral_norm,
    .dual_norm = spectral_dual,
    .free = spectral_free,
};
