/* linalg.c -- SVD-based kernels over LAPACKE (dgesdd) and OpenBLAS.
 *
 * The SVD is always taken of the column-major view of a row-major buffer,
 * i.e. of A^T (size2 x size1); see linalg.h for why that is free.
 */
#include "linalg.h"
#include "status.h"

#include <float.h>
#include <limits.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

lmc_svd *
lmc_svd_alloc(size_t size1, size_t size2, int vectors)
{
    if (size1 == 0 || size2 == 0)
        LMC_ERROR_NULL(LMC_EBADLEN, "SVD of a %zux%zu matrix: sizes must be "
                       "positive", size1, size2);
    lmc_svd *w = calloc(1, sizeof *w);
    if (!w)
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for an SVD workspace");
    /* Column-major view: rows = size2, cols = size1. */
    const lapack_int rows = (lapack_int)size2, cols = (lapack_int)size1;
    const size_t k = size1 < size2 ? size1 : size2;
    w->size1 = size1;
    w->size2 = size2;
    w->k = k;
    w->vectors = vectors;
    w->a = malloc(size1 * size2 * sizeof(double));
    w->s = malloc(k * sizeof(double));
    /* dgesdd needs ldu >= rows and ldvt >= k even for jobz = 'N'
     * (TOOLCHAIN pitfall 4), so the factor buffers are always there. */
    w->u = malloc(size2 * k * sizeof(double));
    w->vt = malloc(k * size1 * sizeof(double));
    w->iwork = malloc(8 * k * sizeof(int));
    if (!w->a || !w->s || !w->u || !w->vt || !w->iwork)
        goto fail;
    double query = 0;
    lapack_int info = LAPACKE_dgesdd_work(
        LAPACK_COL_MAJOR, vectors ? 'S' : 'N', rows, cols, w->a, rows, w->s,
        w->u, rows, w->vt, (lapack_int)k, &query, -1, w->iwork);
    if (info != 0)
        goto fail;
    /* The jobz='S' query also covers jobz='N'. */
    if (!vectors)
    {
        info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', rows, cols, w->a,
                                   rows, w->s, w->u, rows, w->vt,
                                   (lapack_int)k, &query, -1, w->iwork);
        if (info != 0)
            goto fail;
    }
    w->lwork = (int)query + 1;
    w->work = malloc((size_t)w->lwork * sizeof(double));
    if (!w->work)
        goto fail;
    return w;
fail:
    lmc_svd_free(w);
    LMC_ERROR_NULL(LMC_ENOMEM, "no memory for a %zux%zu SVD workspace",
                   size1, size2);
}

double
lmc_svd_bytes(size_t size1, size_t size2)
{
    if (size1 == 0 || size2 == 0 || size1 > INT_MAX || size2 > INT_MAX)
        return NAN;
    const lapack_int rows = (lapack_int)size2, cols = (lapack_int)size1;
    const size_t k = size1 < size2 ? size1 : size2;
    /* A workspace query reads only the sizes and writes work[0]. */
    double a = 0, s = 0, u = 0, vt = 0, query = 0;
    lapack_int iwork = 0;
    const lapack_int info = LAPACKE_dgesdd_work(
        LAPACK_COL_MAJOR, 'S', rows, cols, &a, rows, &s, &u, rows, &vt,
        (lapack_int)k, &query, -1, &iwork);
    if (info != 0)
        return NAN;
    const double d = (double)sizeof(double);
    return d * ((double)size1 * (double)size2 + (double)k +
                (double)size2 * (double)k + (double)k * (double)size1 +
                query + 1) +
           (double)sizeof(int) * 8.0 * (double)k;
}

void
lmc_svd_free(lmc_svd *w)
{
    if (!w)
        return;
    free(w->a);
    free(w->s);
    free(w->u);
    free(w->vt);
    free(w->work);
    free(w->iwork);
    free(w);
}

static int
load(lmc_svd *w, const gsl_matrix *m)
{
    if (m->size1 != w->size1 || m->size2 != w->size2)
        LMC_ERROR(LMC_EBADLEN, "SVD workspace is %zux%zu, matrix is %zux%zu",
                  w->size1, w->size2, m->size1, m->size2);
    for (size_t i = 0; i < m->size1; i++)
    {
        const double *row = m->data + i * m->tda;
        for (size_t j = 0; j < m->size2; j++)
            if (!isfinite(row[j]))
                LMC_ERROR(LMC_ENONFINITE, "matrix entry (%zu,%zu) is %g", i,
                          j, row[j]);
        memcpy(w->a + i * m->size2, row, m->size2 * sizeof(double));
    }
    return LMC_SUCCESS;
}

static int
gesdd(lmc_svd *w, char jobz)
{
    const lapack_int rows = (lapack_int)w->size2, cols = (lapack_int)w->size1;
    const lapack_int info = LAPACKE_dgesdd_work(
        LAPACK_COL_MAJOR, jobz, rows, cols, w->a, rows, w->s, w->u, rows,
        w->vt, (lapack_int)w->k, w->work, w->lwork, w->iwork);
    if (info < 0)
        LMC_ERROR(LMC_EINVAL, "dgesdd: argument %d is invalid", (int)-info);
    if (info > 0)
        LMC_ERROR(LMC_ELAPACK, "dgesdd did not converge (info=%d)", (int)info);
    return LMC_SUCCESS;
}

int
lmc_svd_values(lmc_svd *w, const gsl_matrix *m)
{
    LMC_TRY(load(w, m));
    return gesdd(w, 'N');
}

double
lmc_svd_rank_rtol(size_t size1, size_t size2)
{
    return (double)(size1 > size2 ? size1 : size2) * DBL_EPSILON;
}

int
lmc_svd_polar(lmc_svd *w, const gsl_matrix *m, double rtol, gsl_matrix *q,
              size_t *rank)
{
    if (!w->vectors)
        LMC_ERROR(LMC_EINVAL, "SVD workspace was allocated without vectors");
    if (q->size1 != w->size1 || q->size2 != w->size2)
        LMC_ERROR(LMC_EBADLEN, "polar output is %zux%zu, want %zux%zu",
                  q->size1, q->size2, w->size1, w->size2);
    if (q->data == m->data)
        LMC_ERROR(LMC_EINVAL, "polar output must not alias its input");
    LMC_TRY(load(w, m));
    LMC_TRY(gesdd(w, 'S'));
    size_t r = 0;
    const double cut = rtol * w->s[0];
    while (r < w->k && w->s[r] > cut)
        r++;
    if (rank)
        *rank = r;
    if (r == 0)
    {
        gsl_matrix_set_zero(q);
        return LMC_SUCCESS;
    }
    /* Column-major (size2 x size1) product U'_r V'^T_r, written with
     * leading dimension tda: that is polar(A) in row-major layout. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)w->size2,
                (int)w->size1, (int)r, 1.0, w->u, (int)w->size2, w->vt,
                (int)w->k, 0.0, q->data, (int)q->tda);
    return LMC_SUCCESS;
}

double
lmc_frobenius(const gsl_matrix *m)
{
    double scale = 0, ssq = 1;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
        {
            const double a = fabs(m->data[i * m->tda + j]);
            if (a == 0)
                continue;
            if (!(a <= DBL_MAX))
                return a; /* Inf or NaN propagates */
            if (scale < a)
            {
                ssq = 1 + ssq * (scale / a) * (scale / a);
                scale = a;
            }
            else
                ssq += (a / scale) * (a / scale);
        }
    return scale * sqrt(ssq);
}

double
lmc_entry_sum_abs(const gsl_matrix *m)
{
    double sum = 0;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            sum += fabs(m->data[i * m->tda + j]);
    return sum;
}

double
lmc_entry_max_abs(const gsl_matrix *m)
{
    double mx = 0;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            mx = fmax(mx, fabs(m->data[i * m->tda + j]));
    return mx;
}

int
lmc_matrix_isfinite(const gsl_matrix *m)
{
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            if (!lmc_isfinite(m->data[i * m->tda + j]))
                return 0;
    return 1;
}

int
lmc_qr_columns(gsl_matrix *q, gsl_rng *rng, int haar, const char *what)
{
    const size_t rows = q->size1, k = q->size2;
    gsl_matrix *a = gsl_matrix_alloc(rows, k);
    gsl_matrix *qf = gsl_matrix_alloc(rows, rows);
    gsl_matrix *rf = gsl_matrix_alloc(rows, k);
    gsl_vector *tau = gsl_vector_alloc(k);
    int status = LMC_ENOMEM;
    if (!a || !qf || !rf || !tau)
    {
        lmc_error(__FILE__, __LINE__, status, "no memory for a random "
                  "%zux%zu %s", rows, k, what);
        goto done;
    }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < k; j++)
            gsl_matrix_set(a, i, j, gsl_ran_gaussian_ziggurat(rng, 1.0));
    if (gsl_linalg_QR_decomp(a, tau) || gsl_linalg_QR_unpack(a, tau, qf, rf))
    {
        status = LMC_ELAPACK;
        lmc_error(__FILE__, __LINE__, status, "QR of a random %zux%zu "
                  "matrix failed", rows, k);
        goto done;
    }
    if (haar)
        for (size_t j = 0; j < k; j++)
        {
            const double sgn = gsl_matrix_get(rf, j, j) < 0 ? -1.0 : 1.0;
            for (size_t i = 0; i < rows; i++)
                gsl_matrix_set(q, i, j, sgn * gsl_matrix_get(qf, i, j));
        }
    else
    {
        gsl_matrix_const_view first =
            gsl_matrix_const_submatrix(qf, 0, 0, rows, k);
        gsl_matrix_memcpy(q, &first.matrix);
    }
    status = LMC_SUCCESS;
done:
    gsl_matrix_free(a);
    gsl_matrix_free(qf);
    gsl_matrix_free(rf);
    gsl_vector_free(tau);
    return status;
}
