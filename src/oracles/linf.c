/* oracles/linf.c -- LMO over the entrywise l_inf unit ball (sign descent).
 *
 * LMO(M) = -sign(M) entrywise, with sign(0) = 0 (the least-norm choice
 * among the minimizers); dual norm: entrywise l_1.
 */
#include "../linalg.h"
#include "../oracle.h"
#include "../status.h"

#include <math.h>

static int
linf_apply(void *state, const gsl_matrix *m, gsl_matrix *s)
{
    (void)state;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
        {
            const double x = m->data[i * m->tda + j];
            s->data[i * s->tda + j] = x > 0 ? -1.0 : (x < 0 ? 1.0 : 0.0);
        }
    return LMC_SUCCESS;
}

static int
linf_norm(void *state, const gsl_matrix *m, double *val)
{
    (void)state;
    *val = lmc_entry_max_abs(m);
    return LMC_SUCCESS;
}

static int
linf_dual(void *state, const gsl_matrix *m, double *val)
{
    (void)state;
    *val = lmc_entry_sum_abs(m);
    return LMC_SUCCESS;
}

const lmc_oracle_type lmc_oracle_linf = {
    .name = "linf",
    .norm_name = "entrywise l_inf (largest |entry|)",
    .dual_name = "entrywise l_1",
    .size = 0,
    .apply = linf_apply,
    .norm = linf_norm,
    .dual_norm = linf_dual,
};
