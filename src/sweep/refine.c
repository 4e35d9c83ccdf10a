/* sweep/refine.c -- refinement: once the grid is stored, points of the
 * refined axis between the best grid value (least mean outcome per
 * group of the refine.by axes) and its neighbours, log-spaced when both
 * are positive.
 */
#include "impl.h"

#include "fpio.h"

#include <math.h>

static int
cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The group of grid index i: its position in the product of the
 * refine.by axes (0 when there are none). */
static size_t
group_of(const lmc_sweep_spec *s, const size_t *stride, size_t i)
{
    size_t g = 0;
    for (size_t b = 0; b < s->ref_nby; b++)
    {
        const size_t ax = s->ref_by[b];
        g = g * s->axes[ax].n + i / stride[ax] % s->axes[ax].n;
    }
    return g;
}

/* Sums and counts of refine.outcome per (group, value of the refined
 * axis) over the stored grid cells that ran ok, did not diverge and have
 * a finite outcome; sum and cnt hold ngroup * nk entries, zeroed. */
static int
outcome_sums(const lmc_sweep_spec *s, store *db, const sw_cell *grid,
             size_t ngrid, const size_t *stride, double *sum, size_t *cnt)
{
    const size_t ka = s->ref_axis, nk = s->axes[ka].n;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT c.status, "
                           "(SELECT value FROM outcomes WHERE key = c.key "
                           " AND name = ?2), "
                           "(SELECT value FROM outcomes WHERE key = c.key "
                           " AND name = 'diverged') "
                           "FROM main.cells c WHERE c.key = ?1",
                           -1, &q, NULL))
    {
        sqlite3_finalize(q);
        return lmc_sweep_db_err(db->db, db->path, "cannot prepare");
    }
    for (size_t i = 0; i < ngrid; i++)
    {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, grid[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, s->ref_outcome, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        const char *stt = (const char *)sqlite3_column_text(q, 0);
        if (!stt || strcmp(stt, "ok") ||
            sqlite3_column_type(q, 1) == SQLITE_NULL ||
            (sqlite3_column_type(q, 2) != SQLITE_NULL &&
             sqlite3_column_double(q, 2) != 0))
            continue;
        const double v = sqlite3_column_double(q, 1);
        if (!isfinite(v))
            continue;
        const size_t g = group_of(s, stride, grid[i].index);
        const size_t j = grid[i].index / stride[ka] % nk;
        sum[g * nk + j] += v;
        cnt[g * nk + j]++;
    }
    sqlite3_finalize(q);
    return LMC_SUCCESS;
}

/* The interval to refine in group g: from the grid value below the best
 * (least mean outcome) to the one above it (sorted: the refined axis's
 * values in increasing order).  0 if the group has no finite outcome or
 * the interval is empty. */
static int
refine_interval(const lmc_sweep_spec *s, const double *sum,
                const size_t *cnt, const double *sorted, size_t g,
                double *lo, double *hi)
{
    const size_t nk = s->axes[s->ref_axis].n;
    size_t best = nk;
    for (size_t j = 0; j < nk; j++)
        if (cnt[g * nk + j] &&
            (best == nk || sum[g * nk + j] / (double)cnt[g * nk + j] <
                               sum[g * nk + best] /
                                   (double)cnt[g * nk + best]))
            best = j;
    if (best == nk)
        return 0;
    const double vb = lmc_strtod(s->axes[s->ref_axis].vals[best], NULL);
    size_t pos = 0;
    while (pos < nk && sorted[pos] != vb)
        pos++;
    *lo = pos > 0 ? sorted[pos - 1] : vb;
    *hi = pos + 1 < nk ? sorted[pos + 1] : vb;
    return *lo < *hi;
}

/* Appends to *out (*nout cells, room for *cap) ref_points cells inside
 * (lo, hi), log-spaced if lo > 0, for every grid index of group g with
 * the refined axis at its first value. */
static int
append_group_cells(const lmc_sweep_spec *s, const size_t *stride, size_t g,
                   double lo, double hi, sw_cell **out, size_t *nout,
                   size_t *cap)
{
    const size_t ka = s->ref_axis, nk = s->axes[ka].n;
    for (size_t i = 0; i < s->ncells; i++)
    {
        if (i / stride[ka] % nk || group_of(s, stride, i) != g)
            continue;
        for (size_t k = 1; k <= s->ref_points; k++)
        {
            const double u = (double)k / (double)(s->ref_points + 1);
            const double x =
                lo > 0 ? pow(10, log10(lo) + u * (log10(hi) - log10(lo)))
                       : lo + u * (hi - lo);
            if (*nout == *cap)
            {
                *cap = *cap ? 2 * *cap : 64;
                sw_cell *c = realloc(*out, *cap * sizeof *c);
                if (!c)
                    return LMC_ENOMEM;
                *out = c;
            }
            sw_cell *c = &(*out)[*nout];
            memset(c, 0, sizeof *c);
            c->index = i;
            c->over_axis = (long)ka;
            lmc_snprintf(c->over_val, sizeof c->over_val, "%.17g", x);
            LMC_TRY(lmc_sweep_cell_finish(s, c));
            ++*nout;
        }
    }
    return LMC_SUCCESS;
}

/* The refinement cells from the stored grid (NULL, 0 if there are none). */
int
lmc_sweep_refine_cells(const lmc_sweep_spec *s, store *db,
                       const sw_cell *grid, size_t ngrid, sw_cell **out,
                       size_t *nout)
{
    *out = NULL;
    *nout = 0;
    const size_t ka = s->ref_axis, nk = s->axes[ka].n;
    /* Strides of every axis in the grid index. */
    size_t stride[MAX_PAIRS], ngroup = 1;
    size_t sacc = 1;
    for (size_t i = s->naxes; i-- > 0;)
    {
        stride[i] = sacc;
        sacc *= s->axes[i].n;
    }
    for (size_t b = 0; b < s->ref_nby; b++)
        ngroup *= s->axes[s->ref_by[b]].n;
    double *sum = calloc(ngroup * nk, sizeof *sum);
    size_t *cnt = calloc(ngroup * nk, sizeof *cnt);
    double *sorted = malloc(nk * sizeof *sorted);
    int status = LMC_ENOMEM;
    if (sum && cnt && sorted)
        status = outcome_sums(s, db, grid, ngrid, stride, sum, cnt);
    if (status == LMC_SUCCESS)
    {
        for (size_t j = 0; j < nk; j++)
            sorted[j] = lmc_strtod(s->axes[ka].vals[j], NULL);
        qsort(sorted, nk, sizeof *sorted, cmp_double);
    }
    /* Every group: the best grid value and its neighbours. */
    size_t cap = 0;
    for (size_t g = 0; status == LMC_SUCCESS && g < ngroup; g++)
    {
        double lo, hi;
        if (refine_interval(s, sum, cnt, sorted, g, &lo, &hi))
            status = append_group_cells(s, stride, g, lo, hi, out, nout,
                                        &cap);
    }
    free(sum);
    free(cnt);
    free(sorted);
    if (status)
    {
        lmc_sweep_cells_free(*out, *nout);
        *out = NULL;
        *nout = 0;
        if (status == LMC_ENOMEM)
            LMC_ERROR(status, "out of memory");
    }
    return status;
}
