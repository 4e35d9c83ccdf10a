/* inexact/lowprec.c -- the exact LMO evaluated in reduced precision.
 *
 * The input is rounded to fp32 or bf16.  For the spectral ball the polar
 * factor is then computed in single precision (sgesdd on the transposed
 * view, as in linalg.c; rank cut max(m,n) eps_fp32 sigma_max) and the
 * result rounded to the precision; for the other balls the exact formula
 * runs in double on the rounded input and its result is rounded.  At
 * fp64 this is the exact oracle.
 */
#include "../inexact.h"
#include "../linalg.h"
#include "../status.h"

#include <float.h>
#include <gsl/gsl_cblas.h>
#include <lapacke.h>
#include <stdlib.h>

typedef struct
{
    gsl_matrix *in; /* rounded input */
    float *a, *sv, *u, *vt, *work;
    int *iwork;
    int lwork;
} lowprec_state;

static int
lowprec_alloc(void *vstate, const lmc_inexact *q)
{
    lowprec_state *st = vstate;
    const size_t m = q->size1, n = q->size2, k = m < n ? m : n;
    st->in = gsl_matrix_alloc(m, n);
    if (!st->in)
        LMC_ERROR(LMC_ENOMEM, "no memory for lowprec on %zux%zu", m, n);
    if (q->exact->type != &lmc_oracle_spectral)
        return LMC_SUCCESS;
    st->a = malloc(m * n * sizeof(float));
    st->sv = malloc(k * sizeof(float));
    st->u = malloc(n * k * sizeof(float));
    st->vt = malloc(k * m * sizeof(float));
    st->iwork = malloc(8 * k * sizeof(int));
    if (!st->a || !st->sv || !st->u || !st->vt || !st->iwork)
        LMC_ERROR(LMC_ENOMEM, "no memory for lowprec on %zux%zu", m, n);
    float query = 0;
    const lapack_int info = LAPACKE_sgesdd_work(
        LAPACK_COL_MAJOR, 'S', (lapack_int)n, (lapack_int)m, st->a,
        (lapack_int)n, st->sv, st->u, (lapack_int)n, st->vt, (lapack_int)k,
        &query, -1, st->iwork);
    if (info != 0)
        LMC_ERROR(LMC_ELAPACK, "sgesdd workspace query failed (info=%d)",
                  (int)info);
    st->lwork = (int)query + 1;
    st->work = malloc((size_t)st->lwork * sizeof(float));
    if (!st->work)
        LMC_ERROR(LMC_ENOMEM, "no memory for lowprec on %zux%zu", m, n);
    return LMC_SUCCESS;
}

static void
lowprec_free(void *vstate)
{
    lowprec_state *st = vstate;
    gsl_matrix_free(st->in);
    free(st->a);
    free(st->sv);
    free(st->u);
    free(st->vt);
    free(st->work);
    free(st->iwork);
}

static int
polar_single(lowprec_state *st, lmc_inexact *q, gsl_matrix *s)
{
    const size_t m = q->size1, n = q->size2, k = m < n ? m : n;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            st->a[i * n + j] = (float)gsl_matrix_get(st->in, i, j);
    const lapack_int info = LAPACKE_sgesdd_work(
        LAPACK_COL_MAJOR, 'S', (lapack_int)n, (lapack_int)m, st->a,
        (lapack_int)n, st->sv, st->u, (lapack_int)n, st->vt, (lapack_int)k,
        st->work, st->lwork, st->iwork);
    if (info != 0)
        LMC_ERROR(info < 0 ? LMC_EINVAL : LMC_ELAPACK,
                  "sgesdd failed (info=%d)", (int)info);
    const float cut = (float)(m > n ? m : n) * FLT_EPSILON * st->sv[0];
    size_t r = 0;
    while (r < k && st->sv[r] > cut)
        r++;
    gsl_matrix_set_zero(s);
    if (r == 0)
        return LMC_SUCCESS;
    /* Reuse a as the n x m column-major product U'_r V'^T_r. */
    cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)m,
                (int)r, 1.0f, st->u, (int)n, st->vt, (int)k, 0.0f, st->a,
                (int)n);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(s, i, j,
                           -lmc_round((double)st->a[i * n + j],
                                      q->params.precision));
    return LMC_SUCCESS;
}

static int
lowprec_apply(void *vstate, lmc_inexact *q, const gsl_matrix *m,
              gsl_matrix *s)
{
    lowprec_state *st = vstate;
    const lmc_precision p = q->params.precision;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            gsl_matrix_set(st->in, i, j, lmc_round(gsl_matrix_get(m, i, j), p));
    if (p != LMC_FP64 && q->exact->type == &lmc_oracle_spectral)
        return polar_single(st, q, s);
    LMC_TRY(lmc_oracle_apply(q->exact, st->in, s));
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            gsl_matrix_set(s, i, j, lmc_round(gsl_matrix_get(s, i, j), p));
    return LMC_SUCCESS;
}

const lmc_inexact_type lmc_inexact_lowprec = {
    .name = "lowprec",
    .summary = "exact LMO on fp32/bf16-rounded input, in that precision",
    .uses = LMC_INEXACT_USES_PRECISION,
    .size = sizeof(lowprec_state),
    .alloc = lowprec_alloc,
    .apply = lowprec_apply,
    .free = lowprec_free,
};
