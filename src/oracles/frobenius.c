/* oracles/frobenius.c -- LMO over the Frobenius unit ball (normalized GD).
 *
 * LMO(M) = -M / ||M||_F, and 0 for M = 0; the norm is self-dual.
 */
#include "../linalg.h"
#include "../oracle.h"
#include "../status.h"

static int
frob_apply(void *state, const gsl_matrix *m, gsl_matrix *s)
{
    (void)state;
    const double nrm = lmc_frobenius(m);
    const double scale = nrm > 0 ? -1.0 / nrm : 0.0;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            s->data[i * s->tda + j] = scale * m->data[i * m->tda + j];
    return LMC_SUCCESS;
}

static int
frob_norm(void *state, const gsl_matrix *m, double *val)
{
    (void)state;
    *val = lmc_frobenius(m);
    return LMC_SUCCESS;
}

const lmc_oracle_type lmc_oracle_frobenius = {
    .name = "frobenius",
    .norm_name = "Frobenius",
    .dual_name = "Frobenius",
    .size = 0,
    .apply = frob_apply,
    .norm = frob_norm,
    .dual_norm = frob_norm,
};
