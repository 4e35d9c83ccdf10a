/* oracles/rowl2.c -- LMO over the max-row-l_2 unit ball (Scion row norm).
 *
 * ||M|| = max_i ||m_i||_2 over rows; LMO(M) has rows -m_i / ||m_i||_2
 * (a zero row stays zero); dual norm: sum_i ||m_i||_2.
 */
#include "../oracle.h"
#include "../status.h"

#include <gsl/gsl_blas.h>
#include <math.h>

static double
row_norm(const gsl_matrix *m, size_t i)
{
    gsl_vector_const_view r = gsl_matrix_const_row(m, i);
    return gsl_blas_dnrm2(&r.vector);
}

static int
rowl2_apply(void *state, const gsl_matrix *m, gsl_matrix *s)
{
    (void)state;
    for (size_t i = 0; i < m->size1; i++)
    {
        const double nrm = row_norm(m, i);
        const double scale = nrm > 0 ? -1.0 / nrm : 0.0;
        for (size_t j = 0; j < m->size2; j++)
            s->data[i * s->tda + j] = scale * m->data[i * m->tda + j];
    }
    return LMC_SUCCESS;
}

static int
rowl2_norm(void *state, const gsl_matrix *m, double *val)
{
    (void)state;
    double mx = 0;
    for (size_t i = 0; i < m->size1; i++)
        mx = fmax(mx, row_norm(m, i));
    *val = mx;
    return LMC_SUCCESS;
}

static int
rowl2_dual(void *state, const gsl_matrix *m, double *val)
{
    (void)state;
    double sum = 0;
    for (size_t i = 0; i < m->size1; i++)
        sum += row_norm(m, i);
    *val = sum;
    return LMC_SUCCESS;
}

const lmc_oracle_type lmc_oracle_rowl2 = {
    .name = "rowl2",
    .norm_name = "max row l_2",
    .dual_name = "sum of row l_2 norms",
    .size = 0,
    .apply = rowl2_apply,
    .norm = rowl2_norm,
    .dual_norm = rowl2_dual,
};
