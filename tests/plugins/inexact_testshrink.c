/* plugins/inexact_testshrink.c -- a test-only error source "test-shrink":
 * S~ = (1 - delta) LMO(M), so E = -delta LMO(M) and ||E|| = delta for
 * M != 0.  It reads delta only (uses = LMC_INEXACT_USES_DELTA), which is
 * how the CLI's lists of delta-reading sources come to name it. */
#include "inexact.h"
#include "status.h"

#include <math.h>

static int
shrink_apply(void *state, lmc_inexact *q, const gsl_matrix *m,
             gsl_matrix *s)
{
    (void)state;
    LMC_TRY(lmc_oracle_apply(q->exact, m, s));
    gsl_matrix_scale(s, 1.0 - q->params.delta);
    return LMC_SUCCESS;
}

static int
shrink_predict(void *state, lmc_inexact *q, const gsl_matrix *m,
               double *delta)
{
    (void)state;
    *delta = gsl_matrix_isnull(m) ? 0.0 : q->params.delta;
    return LMC_SUCCESS;
}

const lmc_inexact_type lmc_inexact_test_shrink = {
    .name = "test-shrink",
    .summary = "S~ = (1 - delta) LMO(M) (test plug-in)",
    .spectral_only = 0,
    .uses = LMC_INEXACT_USES_DELTA,
    .size = 0,
    .apply = shrink_apply,
    .predict = shrink_predict,
};
