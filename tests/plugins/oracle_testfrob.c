/* plugins/oracle_testfrob.c -- a test-only exact oracle: the Frobenius
 * LMO under the name "test-frob", LMO(M) = -M / ||M||_F (0 for M = 0).
 * It is what a contributor writes for a new norm ball: this file and its
 * address in src/registry.c's lmc_oracle_types (t-plugins checks that). */
#include "linalg.h"
#include "oracle.h"
#include "status.h"

static int
testfrob_apply(void *state, const gsl_matrix *m, gsl_matrix *s)
{
    (void)state;
    const double nrm = lmc_frobenius(m);
    gsl_matrix_memcpy(s, m);
    gsl_matrix_scale(s, nrm > 0 ? -1.0 / nrm : 0.0);
    return LMC_SUCCESS;
}

static int
testfrob_norm(void *state, const gsl_matrix *m, double *val)
{
    (void)state;
    *val = lmc_frobenius(m);
    return LMC_SUCCESS;
}

const lmc_oracle_type lmc_oracle_test_frob = {
    .name = "test-frob",
    .norm_name = "Frobenius",
    .dual_name = "Frobenius",
    .size = 0,
    .apply = testfrob_apply,
    .norm = testfrob_norm,
    .dual_norm = testfrob_norm,
};
