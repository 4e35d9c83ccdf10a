/* spectrum.c -- random matrices with a prescribed singular spectrum. */
#include "spectrum.h"
#include "linalg.h"
#include "fpio.h"
#include "status.h"
#include "textin.h"

#include <errno.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
lmc_matrix_gaussian(gsl_matrix *m, gsl_rng *r)
{
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            gsl_matrix_set(m, i, j, gsl_ran_gaussian_ziggurat(r, 1.0));
}

static int
read_values(const char *path, size_t k, double *sv)
{
    lmc_textin in;
    LMC_TRY(lmc_textin_open(&in, "spectrum file", path,
                            "one finite number >= 0 per line"));
    size_t count = 0;
    char *line;
    int status;
    while ((status = lmc_textin_next(&in, &line)) == LMC_SUCCESS && line)
    {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            continue;
        char *end;
        errno = 0;
        const double v = lmc_strtod(p, &end);
        while (*end == ' ' || *end == '\t')
            end++;
        if (end == p || *end != '\0' || errno == ERANGE || !isfinite(v) ||
            v < 0)
        {
            lmc_error(__FILE__, __LINE__, LMC_EPARSE,
                      "%s:%d: not a finite number >= 0 (accepted: one "
                      "finite number >= 0 per line, '#' comments)", path,
                      in.lineno);
            status = LMC_EPARSE;
            goto done;
        }
        if (count == k)
        {
            lmc_error(__FILE__, __LINE__, LMC_EBADLEN,
                      "%s:%d: more than the %zu values min(m, n) needs", path,
                      in.lineno, k);
            status = LMC_EBADLEN;
            goto done;
        }
        sv[count++] = v;
    }
    if (status == LMC_SUCCESS && count != k)
    {
        lmc_error(__FILE__, __LINE__, LMC_EBADLEN,
                  "%s: %zu values, the shape needs min(m, n) = %zu", path,
                  count, k);
        status = LMC_EBADLEN;
    }
done:
    lmc_textin_close(&in);
    return status;
}

static int
cmp_desc(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

int
lmc_spectrum_values(const char *kind, double kappa, size_t m, size_t n,
                    gsl_rng *r, double *sv)
{
    const size_t k = m < n ? m : n;
    if (strncmp(kind, "file:", 5) == 0)
    {
        LMC_TRY(read_values(kind + 5, k, sv));
        qsort(sv, k, sizeof *sv, cmp_desc);
        return LMC_SUCCESS;
    }
    if (!(kappa >= 1) || !isfinite(kappa))
        LMC_ERROR(LMC_EINVAL, "condition number must be finite and >= 1, got "
                  "%g", kappa);
    if (strcmp(kind, "log") == 0 || strcmp(kind, "linear") == 0)
    {
        const int lg = kind[1] == 'o';
        for (size_t i = 0; i < k; i++)
        {
            const double t = k > 1 ? (double)i / (double)(k - 1) : 0.0;
            sv[i] = lg ? pow(kappa, -t) : 1.0 - t * (1.0 - 1.0 / kappa);
        }
        return LMC_SUCCESS;
    }
    if (strcmp(kind, "gauss") == 0)
    {
        gsl_matrix *g = gsl_matrix_alloc(m, n);
        lmc_svd *w = lmc_svd_alloc(m, n, 0);
        int status = LMC_ENOMEM;
        if (!g || !w)
            goto gauss_done;
        lmc_matrix_gaussian(g, r);
        status = lmc_svd_values(w, g);
        if (status)
            goto gauss_done;
        const double hi = w->s[0], lo = w->s[k - 1];
        for (size_t i = 0; i < k; i++)
            sv[i] = hi > lo ? 1.0 / kappa + (w->s[i] - lo) *
                                                (1.0 - 1.0 / kappa) / (hi - lo)
                            : 1.0;
    gauss_done:
        gsl_matrix_free(g);
        lmc_svd_free(w);
        if (status == LMC_ENOMEM && (!g || !w))
            LMC_ERROR(LMC_ENOMEM, "no memory for a %zux%zu Gaussian", m, n);
        return status;
    }
    LMC_ERROR(LMC_ENOTFOUND, "unknown spectrum '%s' (accepted: log, linear, "
              "gauss, file:PATH)", kind);
}

/* q (rows x k, column-major) = orthonormal columns from QR of a Gaussian. */
static int
random_orthonormal(double *q, size_t rows, size_t k, gsl_rng *r, double *tau)
{
    for (size_t i = 0; i < rows * k; i++)
        q[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)rows,
                                     (lapack_int)k, q, (lapack_int)rows, tau);
    if (info == 0)
        info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)rows,
                              (lapack_int)k, (lapack_int)k, q,
                              (lapack_int)rows, tau);
    if (info != 0)
        LMC_ERROR(LMC_ELAPACK, "QR of a random %zux%zu matrix failed "
                  "(info=%d)", rows, k, (int)info);
    return LMC_SUCCESS;
}

int
lmc_matrix_with_spectrum(gsl_matrix *out, const double *sv, gsl_rng *r)
{
    const size_t m = out->size1, n = out->size2, k = m < n ? m : n;
    double *u = malloc(m * k * sizeof *u), *v = malloc(n * k * sizeof *v);
    double *tau = malloc(k * sizeof *tau);
    int status = LMC_ENOMEM;
    if (!u || !v || !tau)
    {
        lmc_error(__FILE__, __LINE__, status, "no memory for a %zux%zu test "
                  "matrix", m, n);
        goto done;
    }
    status = random_orthonormal(u, m, k, r, tau);
    if (status == LMC_SUCCESS)
        status = random_orthonormal(v, n, k, r, tau);
    if (status != LMC_SUCCESS)
        goto done;
    /* U <- U diag(sv), then out = U V^T (row-major out is column-major
     * out^T = V U^T). */
    for (size_t j = 0; j < k; j++)
        cblas_dscal((int)m, sv[j], u + j * m, 1);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, (int)m,
                (int)k, 1.0, v, (int)n, u, (int)m, 0.0, out->data,
                (int)out->tda);
done:
    free(u);
    free(v);
    free(tau);
    return status;
}
