/* oracles/l1.c -- LMO over the entrywise l_1 unit ball.
 *
 * LMO(M) = -sign(M_ij) e_ij at the largest |M_ij|; ties go to the first
 * such entry in row-major order; M = 0 gives 0.  Dual norm: l_inf.
 */
#include "../linalg.h"
#include "../oracle.h"
#include "../status.h"

#include <math.h>

static int
l1_apply(void *state, const gsl_matrix *m, gsl_matrix *s)
{
    (void)state;
    size_t bi = 0, bj = 0;
    double best = 0;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
        {
            const double a = fabs(m->data[i * m->tda + j]);
            if (a > best)
            {
                best = a;
                bi = i;
                bj = j;
            }
        }
    gsl_matrix_set_zero(s);
    if (best > 0)
        s->data[bi * s->tda + bj] = m->data[bi * m->tda + bj] > 0 ? -1.0 : 1.0;
    return LMC_SUCCESS;
}

static int
l1_norm(void *state, const gsl_matrix *m, double *val)
{
    (void)state;
    *val = lmc_entry_sum_abs(m);
    return LMC_SUCCESS;
}

static int
l1_dual(void *state, const gsl_matrix *m, double *val)
{
    (void)state;
    *val = lmc_entry_max_abs(m);
    return LMC_SUCCESS;
}

const lmc_oracle_type lmc_oracle_l1 = {
    .name = "l1",
    .norm_name = "entrywise l_1",
    .dual_name = "entrywise l_inf (largest |entry|)",
    .size = 0,
    .apply = l1_apply,
    .norm = l1_norm,
    .dual_norm = l1_dual,
};
