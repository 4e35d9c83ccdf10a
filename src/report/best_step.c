/* report/best_step.c -- analysis "best-step" (THEORY T3, T5, claim C1):
 * the empirically best step size (or momentum) as the oracle error grows,
 * the synthetic counterpart of the optimal-LR shift of [S25].
 *
 * Cells: kind "run" with params X (report.x, e.g. delta or steps) and P
 * (report.parameter: lr or momentum) and the outcome Y (report.outcome).
 * For each (x, p): mean of Y over the cells (seeds); one diverged
 * (diverged = 1 or stop diverged) or errored cell, or a missing /
 * non-finite Y, makes the mean +inf.  For each x: the best p (smallest
 * finite mean; grid and refined cells alike; ties to the smaller p), and
 *
 *   measured ratio  v*(x) / v*(x0), x0 the first x, v = lr, or for
 *                   momentum alpha = 1 - beta (THEORY's alpha);
 *   T3 (lr)         t*(delta)/t*(delta0) = (1+delta0)/(1+delta)
 *                   (deterministic, = 1/(1+delta) from delta0 = 0);
 *   T5 (lr)         ((1+delta)/(1+delta0))^(-1/4) (noise-dominated);
 *   T5 (momentum)   alpha ratio ((1+delta)/(1+delta0))^(1/2);
 *   measured/predicted for each;
 *   stable width    log10(max v / min v) over the p whose mean is finite
 *                   and below the mean gap_first (the run made progress);
 *   degradation     best mean(x) / best mean(x0);
 *   per-seed best   the range over seeds of each seed's own best p: the
 *                   spread of the decision, since the best is a
 *                   trajectory outcome that moves by a grid step between
 *                   machines.
 *
 * data.csv names the cells a refinement placed (p not on the grid every
 * x shares) refined_mean / refined_cells / refined_diverged_or_errored:
 * they sit around the best, so they exist on one machine and not on
 * another when the best moves (compared where both have them).
 *
 * delta is x itself when X is "delta", otherwise the mean of the cells'
 * delta_mean outcome at that x (steps of a poly oracle).
 *
 * Report keys: x (required), parameter [lr], outcome [gap_final].
 * Figures: "heatmap", log10 mean Y over (v, x) as coloured boxes (an
 * irregular grid is allowed: refined cells get narrower boxes), crosses
 * where the mean is +inf, circles at the best v; "best", best v vs x with
 * the T3 and T5 predictions scaled from the first x.
 */
#include "impl.h"
#include "status.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "    run cells (THEORY T3, T5, C1).  Keys: x (a numeric run parameter,\n"
    "    e.g. delta or steps; required), parameter (lr or momentum) [lr],\n"
    "    outcome [gap_final].  Mean outcome over seeds per (x, parameter)\n"
    "    (+inf if a seed diverged or errored); best parameter per x, its\n"
    "    ratio to the first x beside T3's (1+d0)/(1+d) and T5's\n"
    "    ((1+d)/(1+d0))^(-1/4) (lr) or alpha ratio ((1+d)/(1+d0))^(1/2)\n"
    "    (momentum, alpha = 1 - beta); width of the stable region (log10\n"
    "    max/min parameter with finite mean below gap_first); degradation\n"
    "    best(x)/best(x0).  delta = x for x = delta, else the mean\n"
    "    delta_mean outcome.  Figures: fig-heatmap, fig-best.\n";

static const char query[] =
    "SELECT px.num, pp.num, COUNT(*),"
    " SUM(c.status <> 'ok' OR o.value IS NULL"
    "     OR COALESCE(dv.value, 0) <> 0"
    "     OR COALESCE(sp.text, '') IN ('diverged', 'error')),"
    " AVG(o.value), AVG(gf.value), AVG(dm.value)"
    " FROM cells c"
    " JOIN params px ON px.key = c.key AND px.name = ?1"
    " JOIN params pp ON pp.key = c.key AND pp.name = ?2"
    " LEFT JOIN outcomes o ON o.key = c.key AND o.name = ?3"
    " LEFT JOIN outcomes dv ON dv.key = c.key AND dv.name = 'diverged'"
    " LEFT JOIN outcomes sp ON sp.key = c.key AND sp.name = 'stop'"
    " LEFT JOIN outcomes gf ON gf.key = c.key AND gf.name = 'gap_first'"
    " LEFT JOIN outcomes dm ON dm.key = c.key AND dm.name = 'delta_mean'"
    " WHERE c.kind = 'run'"
    " GROUP BY px.num, pp.num ORDER BY px.num, pp.num";

typedef struct
{
    double x, p, v, mean, gfirst, dmean;
    long n, bad;
    int grid; /* p is taken at every x (not placed by a refinement) */
} cellrow;

typedef struct
{
    size_t i0, i1;  /* rows [i0, i1) */
    double x, delta, best_v, best_p, best_mean, ratio, t3, t5, width, degr;
    double seed_lo, seed_hi; /* range of the per-seed best p */
    size_t best;    /* row of the best p, or SIZE_MAX */
} xrow;

/* Per (x, seed): the p with the smallest finite Y (ties to the smaller
 * p); per x, the range of those over the seeds. */
static const char seed_query[] =
    "SELECT px.num, COALESCE(ps.num, 0), pp.num,"
    " (c.status <> 'ok' OR o.value IS NULL OR COALESCE(dv.value, 0) <> 0"
    "  OR COALESCE(sp.text, '') IN ('diverged', 'error')), o.value"
    " FROM cells c"
    " JOIN params px ON px.key = c.key AND px.name = ?1"
    " JOIN params pp ON pp.key = c.key AND pp.name = ?2"
    " LEFT JOIN params ps ON ps.key = c.key AND ps.name = 'seed'"
    " LEFT JOIN outcomes o ON o.key = c.key AND o.name = ?3"
    " LEFT JOIN outcomes dv ON dv.key = c.key AND dv.name = 'diverged'"
    " LEFT JOIN outcomes sp ON sp.key = c.key AND sp.name = 'stop'"
    " WHERE c.kind = 'run'"
    " ORDER BY px.num, 2, pp.num";

/* Box edges of the i-th of the ascending values v[0..n-1]: midpoints
 * (geometric when logs), the outer edges mirrored. */
static void
edges(const double *v, size_t n, int logs, size_t i, double *lo, double *hi)
{
    if (n == 1)
    {
        *lo = logs ? v[0] / 1.5 : v[0] - 0.5;
        *hi = logs ? v[0] * 1.5 : v[0] + 0.5;
        return;
    }
    const double a = i > 0 ? v[i - 1] : NAN, b = v[i],
                 cc = i + 1 < n ? v[i + 1] : NAN;
    if (logs)
    {
        *lo = i > 0 ? sqrt(a * b) : b / sqrt(cc / b);
        *hi = i + 1 < n ? sqrt(b * cc) : b * sqrt(b / a);
    }
    else
    {
        *lo = i > 0 ? (a + b) / 2 : b - (cc - b) / 2;
        *hi = i + 1 < n ? (b + cc) / 2 : b + (b - a) / 2;
    }
}

static int
cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Tolerances across machines (regenerated under the OpenBLAS kernels
 * Haswell, Sandybridge, Prescott, SkylakeX and the directed rounding
 * modes): the best parameter is a decision on a grid, so its tolerance
 * is stated in grid steps r (the largest ratio of neighbouring grid
 * values); the mean outcomes are trajectory outcomes (final f - f* after
 * K steps) and move by a fraction of themselves. */
static int
declare_tolerances(lmc_report_ctx *c, double r, int xdelta, int mom,
                   double step_abs)
{
    char why[320];
    const double r2 = ceil(r * r * 100) / 100;
    const double a2 = ceil(step_abs * 1000) / 1000;
    if (mom)
        snprintf(why, sizeof why, "a decision on the grid: within one grid "
                 "step of alpha = 1 - momentum (ratio r = %.4g) either "
                 "side of the bests here, %.3g in momentum; it did not move "
                 "between kernels or rounding modes", r, a2);
    else
        snprintf(why, sizeof why, "a decision on the grid: within two grid "
                 "steps (neighbouring grid values differ by a factor r = "
                 "%.4g); it moved by one (refined) step between kernels",
                 r);
    for (int k = 0; k < 3; k++)
    {
        static const char *const q[] = {"best", "best_seed_min",
                                        "best_seed_max"};
        LMC_TRY(lmc_report_tol(c, q[k], NULL, mom ? a2 : 0, 0,
                               mom ? 0 : r2, 0, k ? "as best" : why));
    }
    LMC_TRY(lmc_report_tol(c, "ratio", NULL, 0, 0, r2, 0,
        mom ? "alpha ratio of two bests, each within one grid step (r^2)"
            : "best over the best at the first x, each within two grid "
              "steps (r^2)"));
    LMC_TRY(lmc_report_tol(c, "stable_width", NULL,
                           ceil(200 * log10(r)) / 100, 0, 0, 0,
        "log10 of a ratio of grid values: two grid steps"));
    LMC_TRY(lmc_report_tol(c, "delta", NULL, 0, xdelta ? 0 : 0.02, 0, 0,
        xdelta ? "the x value itself" : "realized oracle error, mean over "
        "the cells at x: moved by up to 0.6% between kernels"));
    LMC_TRY(lmc_report_tol(c, "pred_t3", NULL, 0, xdelta ? 0 : 0.02, 0, 0,
        "a closed form in delta"));
    LMC_TRY(lmc_report_tol(c, "pred_t5", NULL, 0, xdelta ? 0 : 0.02, 0, 0,
        "a closed form in delta"));
    LMC_TRY(lmc_report_tol(c, "best_mean", NULL, 0, 0, 2, 0,
        "final f - f* at the best: a trajectory outcome (moved by a factor "
        "up to 1.72 between kernels)"));
    LMC_TRY(lmc_report_tol(c, "degradation", NULL, 0, 0, 3, 0,
        "a ratio of two best means: moved by a factor up to 2.02 between "
        "kernels"));
    LMC_TRY(lmc_report_tol(c, "mean", NULL, 0, 0, 3, 0,
        "final f - f* after K steps, mean over seeds: a trajectory outcome "
        "(moved by a factor up to 2.5 between kernels)"));
    LMC_TRY(lmc_report_tol(c, "refined_mean", NULL, 0, 0, 3, 1,
        "as mean, on the cells a refinement placed around the best "
        "(present where the best is)"));
    LMC_TRY(lmc_report_tol(c, "refined_cells", NULL, 0, 0, 0, 1,
        "as cells, where present"));
    LMC_TRY(lmc_report_tol(c, "refined_diverged_or_errored", NULL, 0, 0, 0,
        1, "as diverged_or_errored, where present"));
    return LMC_SUCCESS;
}

static int
run(lmc_report_ctx *c)
{
    const char *xname, *pname, *yname;
    LMC_TRY(lmc_report_key_string(c, "x", NULL,
        "a numeric run parameter, e.g. \"delta\" or \"steps\"", &xname));
    LMC_TRY(lmc_report_key_string(c, "parameter", "lr",
        "\"lr\" or \"momentum\"", &pname));
    LMC_TRY(lmc_report_key_string(c, "outcome", "gap_final",
        "a run outcome, e.g. \"gap_final\"", &yname));
    const int mom = strcmp(pname, "momentum") == 0;
    LMC_TRY(lmc_report_count(c, "run"));
    LMC_TRY(lmc_report_need_param(c, "run", xname, "x"));
    LMC_TRY(lmc_report_need_param(c, "run", pname, "parameter"));
    LMC_TRY(lmc_report_need_outcome(c, "run", yname, "outcome"));
    const char *rows[] = {xname, pname};
    LMC_TRY(lmc_report_check_pooling(c, "run", rows, 2,
                                     "(x, parameter) pair"));
    const int xdelta = strcmp(xname, "delta") == 0;
    if (!xdelta)
        LMC_TRY(lmc_report_need_outcome(c, "run", "delta_mean", "x"));

    sqlite3_stmt *st;
    const char *args[] = {xname, pname, yname};
    LMC_TRY(lmc_report_sql(c, &st, query, 3, args));
    cellrow *r = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        if (sqlite3_column_type(st, 0) == SQLITE_NULL ||
            sqlite3_column_type(st, 1) == SQLITE_NULL)
        {
            sqlite3_finalize(st);
            free(r);
            LMC_ERROR(LMC_EINVAL, "report.%s: '%s' has non-numeric values "
                      "(accepted: a numeric run parameter)",
                      sqlite3_column_type(st, 0) == SQLITE_NULL
                          ? "x" : "parameter",
                      sqlite3_column_type(st, 0) == SQLITE_NULL ? xname
                                                                : pname);
        }
        if (n == cap)
        {
            cap = cap ? 2 * cap : 64;
            cellrow *nr = realloc(r, cap * sizeof *nr);
            if (!nr)
            {
                sqlite3_finalize(st);
                free(r);
                LMC_ERROR(LMC_ENOMEM, "best-step: out of memory");
            }
            r = nr;
        }
        cellrow *q = &r[n++];
        q->x = lmc_report_col(st, 0);
        q->p = lmc_report_col(st, 1);
        q->v = mom ? 1 - q->p : q->p;
        q->n = (long)sqlite3_column_int64(st, 2);
        q->bad = (long)sqlite3_column_int64(st, 3);
        q->mean = q->bad ? INFINITY : lmc_report_col(st, 4);
        if (isnan(q->mean))
            q->mean = INFINITY;
        q->gfirst = lmc_report_col(st, 5);
        q->dmean = lmc_report_col(st, 6);
    }
    if (rc != SQLITE_DONE)
    {
        sqlite3_finalize(st);
        free(r);
        LMC_ERROR(LMC_EIO, "store: %s", sqlite3_errmsg(c->db));
    }
    sqlite3_finalize(st);
    if (n == 0)
        LMC_ERROR(LMC_EINVAL, "report.x: no run cell has both '%s' and '%s' "
                  "(accepted: parameters the sweep varies)", xname, pname);

    /* Rows are ordered by x then p: one xrow per x. */
    xrow *xs = calloc(n, sizeof *xs);
    double *tmp = malloc(2 * n * sizeof *tmp);
    double *box = malloc(4 * n * sizeof *box);
    if (!xs || !tmp || !box)
    {
        free(box);
        free(xs);
        free(tmp);
        free(r);
        LMC_ERROR(LMC_ENOMEM, "best-step: out of memory");
    }
    size_t nx = 0;
    for (size_t i = 0; i < n;)
    {
        xrow *g = &xs[nx++];
        g->i0 = i;
        g->x = r[i].x;
        while (i < n && r[i].x == g->x)
            i++;
        g->i1 = i;
        g->best = SIZE_MAX;
        double ds = 0;
        size_t dn = 0;
        double vmin = INFINITY, vmax = -INFINITY;
        for (size_t k = g->i0; k < g->i1; k++)
        {
            if (isfinite(r[k].mean) &&
                (g->best == SIZE_MAX || r[k].mean < r[g->best].mean))
                g->best = k;
            if (isfinite(r[k].dmean))
                ds += r[k].dmean, dn++;
            const int progress = isfinite(r[k].mean) &&
                                 (!isfinite(r[k].gfirst) ||
                                  r[k].mean < r[k].gfirst);
            if (progress && r[k].v > 0)
                vmin = fmin(vmin, r[k].v), vmax = fmax(vmax, r[k].v);
        }
        g->delta = xdelta ? g->x : (dn ? ds / (double)dn : NAN);
        g->best_v = g->best == SIZE_MAX ? NAN : r[g->best].v;
        g->best_p = g->best == SIZE_MAX ? NAN : r[g->best].p;
        g->best_mean = g->best == SIZE_MAX ? NAN : r[g->best].mean;
        g->width = vmax >= vmin ? log10(vmax / vmin) : NAN;
    }
    for (size_t i = 0; i < nx; i++)
    {
        xrow *g = &xs[i];
        const double d0 = xs[0].delta, q = (1 + g->delta) / (1 + d0);
        g->ratio = g->best_v / xs[0].best_v;
        g->t3 = mom ? NAN : 1 / q;
        g->t5 = mom ? sqrt(q) : pow(q, -0.25);
        g->degr = g->best_mean / xs[0].best_mean;
    }

    /* The spread of the decision: the best p of each seed alone. */
    for (size_t i = 0; i < nx; i++)
        xs[i].seed_lo = xs[i].seed_hi = NAN;
    {
        sqlite3_stmt *ss;
        int src;
        if (lmc_report_sql(c, &ss, seed_query, 3, args))
        {
            free(box);
            free(xs);
            free(tmp);
            free(r);
            return LMC_EIO;
        }
        size_t ix = 0;
        double cx = NAN, cs = NAN, bp = NAN, by = INFINITY;
        for (;;)
        {
            src = sqlite3_step(ss);
            const int row = src == SQLITE_ROW;
            const double x = row ? lmc_report_col(ss, 0) : NAN;
            const double sd = row ? lmc_report_col(ss, 1) : NAN;
            if (!row || x != cx || sd != cs)
            {
                /* close the (cx, cs) group */
                while (ix < nx && xs[ix].x < cx)
                    ix++;
                if (!isnan(bp) && ix < nx && xs[ix].x == cx)
                {
                    xs[ix].seed_lo = isnan(xs[ix].seed_lo)
                                         ? bp : fmin(xs[ix].seed_lo, bp);
                    xs[ix].seed_hi = isnan(xs[ix].seed_hi)
                                         ? bp : fmax(xs[ix].seed_hi, bp);
                }
                if (!row)
                    break;
                cx = x, cs = sd, bp = NAN, by = INFINITY;
            }
            const double y = sqlite3_column_int(ss, 3) ? INFINITY
                                                        : lmc_report_col(ss, 4);
            if (isfinite(y) && y < by)
                by = y, bp = lmc_report_col(ss, 2);
        }
        sqlite3_finalize(ss);
        if (src != SQLITE_DONE)
        {
            free(box);
            free(xs);
            free(tmp);
            free(r);
            LMC_ERROR(LMC_EIO, "store: %s", sqlite3_errmsg(c->db));
        }
    }

    /* Grid values: the p taken at every x; the rest were placed by a
     * refinement around a best (a best that moves between machines moves
     * them).  r: the largest ratio of neighbouring grid values of v. */
    size_t ngrid = 0;
    double r_grid = 1;
    for (size_t k = 0; k < n; k++)
    {
        size_t at = 0;
        for (size_t i = 0; i < nx; i++)
            for (size_t j = xs[i].i0; j < xs[i].i1; j++)
                if (r[j].p == r[k].p)
                {
                    at++;
                    break;
                }
        r[k].grid = at == nx;
        if (r[k].grid && k < xs[0].i1)
            tmp[ngrid++] = r[k].v;
    }
    qsort(tmp, ngrid, sizeof *tmp, cmp_double);
    for (size_t j = 1; j < ngrid; j++)
        if (tmp[j - 1] > 0)
            r_grid = fmax(r_grid, tmp[j] / tmp[j - 1]);
    /* In momentum units, one grid step either side of each best (a
     * factor on the momentum itself would say nothing near 1; the alpha
     * grid 2^-k is coarse, and the best momentum did not move between
     * kernels or rounding modes). */
    double step_abs = 0;
    for (size_t i = 0; mom && i < nx; i++)
        for (size_t j = 0; j < ngrid; j++)
        {
            /* tmp holds alpha = 1 - momentum ascending */
            const double a = 1 - xs[i].best_p;
            if (!(tmp[j] >= a * (1 - 1e-12)))
                continue;
            const size_t lo = j >= 1 ? j - 1 : 0;
            const size_t hi = j + 1 < ngrid ? j + 1 : ngrid - 1;
            step_abs = fmax(step_abs, fmax(tmp[hi] - a, a - tmp[lo]));
            break;
        }
    int status = declare_tolerances(c, r_grid, xdelta, mom, step_abs);
    if (status)
        goto done;

    /* Tables. */
    status = LMC_ENOMEM;
    char h[13][64];
    snprintf(h[0], 64, "%s", xname);
    snprintf(h[1], 64, "delta");
    snprintf(h[2], 64, "best %s", pname);
    snprintf(h[3], 64, "best mean %s", yname);
    snprintf(h[4], 64, mom ? "alpha ratio" : "%s ratio", pname);
    snprintf(h[5], 64, "T3 (1+d0)/(1+d)");
    snprintf(h[6], 64, "meas/T3");
    snprintf(h[7], 64, mom ? "T5 ((1+d)/(1+d0))^(1/2)"
                           : "T5 ((1+d)/(1+d0))^(-1/4)");
    snprintf(h[8], 64, "meas/T5");
    snprintf(h[9], 64, mom ? "stable width (log10 alpha)"
                           : "stable width (log10)");
    snprintf(h[10], 64, "degradation");
    snprintf(h[11], 64, "alpha = 1-%s", pname);
    snprintf(h[12], 64, "per-seed best %s", pname);
    const char *head_lr[] = {h[0], h[1], h[2], h[12], h[3], h[4], h[5],
                             h[6], h[7], h[8], h[9], h[10]};
    const char *head_mom[] = {h[0], h[1], h[2], h[12], h[11], h[3], h[4],
                              h[7], h[8], h[9], h[10]};
    static const int num[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    /* With x = delta the delta column repeats x: dropped. */
    const char *hsel[12];
    size_t nsel = 0;
    const char *const *hall = mom ? head_mom : head_lr;
    const size_t nall = mom ? 11 : 12;
    for (size_t j = 0; j < nall; j++)
        if (!(xdelta && j == 1))
            hsel[nsel++] = hall[j];
    lmc_rtable *t = lmc_report_table(c, NULL, nsel, hsel, num);
    static const char *const dhead[] = {"x", "parameter", "quantity",
                                        "value"};
    lmc_rtable *d = lmc_report_data(c, 4, dhead);
    lmc_rfigure *fh = lmc_report_figure(c, "heatmap",
        "log10 of the mean final outcome over (parameter, x)");
    lmc_rfigure *fb = lmc_report_figure(c, "best",
        "best parameter vs x with the T3 and T5 predictions");
    if (!t || !d || !fh || !fb)
        goto done;
    char b[16][32];
    for (size_t i = 0; i < nx; i++)
    {
        const xrow *g = &xs[i];
        lmc_rfmt_g(b[0], g->x);
        lmc_rfmt_fixed(b[1], g->delta, 2); /* realized: moves by 0.6% */
        /* Digits: the best is a grid value, stable within two grid
         * steps, so three digits name it; the mean gap and the ratios
         * are trajectory outcomes that move by tens of percent between
         * machines (two digits, ratios two decimals); the predictions
         * are closed forms (three decimals).  The full values are in
         * data.csv. */
        snprintf(b[2], 32, "%.3g", g->best_p);
        snprintf(b[3], 32, "%.3g", g->best_v);
        snprintf(b[4], 32, "%.1e", g->best_mean);
        snprintf(b[5], 32, "%.2f", g->ratio);
        snprintf(b[6], 32, "%.3f", g->t3);
        snprintf(b[7], 32, "%.2f", g->ratio / g->t3);
        snprintf(b[8], 32, "%.3f", g->t5);
        snprintf(b[9], 32, "%.2f", g->ratio / g->t5);
        snprintf(b[10], 32, "%.3f", g->width);
        snprintf(b[11], 32, "%.2f", g->degr);
        snprintf(b[15], 32, "%.3g-%.3g", g->seed_lo, g->seed_hi);
        const int none = g->best == SIZE_MAX;
        const int nos = isnan(g->seed_lo);
        const char *row_lr[] = {b[0], b[1], none ? "" : b[2],
                                nos ? "" : b[15], none ? "" : b[4], b[5],
                                b[6], b[7], b[8], b[9],
                                isnan(g->width) ? "" : b[10], b[11]};
        const char *row_mom[] = {b[0], b[1], none ? "" : b[2],
                                 nos ? "" : b[15], none ? "" : b[3],
                                 none ? "" : b[4], b[5], b[8], b[9],
                                 isnan(g->width) ? "" : b[10], b[11]};
        const char *const *rall = mom ? row_mom : row_lr;
        const char *rsel[12];
        for (size_t j = 0, k = 0; j < nall; j++)
            if (!(xdelta && j == 1))
                rsel[k++] = rall[j];
        if (lmc_rtable_add(t, rsel))
            goto done;
        static const char *const qn[] = {
            "delta", "best", "best_seed_min", "best_seed_max", "best_mean",
            "ratio", "pred_t3", "pred_t5", "stable_width", "degradation"};
        const double qv[] = {g->delta, g->best_p, g->seed_lo, g->seed_hi,
                             g->best_mean, g->ratio, g->t3, g->t5, g->width,
                             g->degr};
        for (size_t k = 0; k < 10; k++)
        {
            const char *dr[] = {b[0], "", qn[k], lmc_rfmt_g(b[12], qv[k])};
            if (lmc_rtable_add(d, dr))
                goto done;
        }
        for (size_t k = g->i0; k < g->i1; k++)
        {
            const int gr = r[k].grid;
            lmc_rfmt_g(b[13], r[k].p);
            const char *d1[] = {b[0], b[13], gr ? "mean" : "refined_mean",
                                lmc_rfmt_g(b[12], r[k].mean)};
            if (lmc_rtable_add(d, d1))
                goto done;
            snprintf(b[14], 32, "%ld", r[k].n);
            const char *d2[] = {b[0], b[13], gr ? "cells" : "refined_cells",
                                b[14]};
            if (lmc_rtable_add(d, d2))
                goto done;
            snprintf(b[14], 32, "%ld", r[k].bad);
            const char *d3[] = {b[0], b[13],
                                gr ? "diverged_or_errored"
                                   : "refined_diverged_or_errored", b[14]};
            if (lmc_rtable_add(d, d3))
                goto done;
        }
    }

    /* Heatmap: boxes around each (v, x). */
    double vlo = INFINITY, vhi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
    for (size_t k = 0; k < n; k++)
        vlo = fmin(vlo, r[k].v), vhi = fmax(vhi, r[k].v);
    for (size_t i = 0; i < nx; i++)
        xlo = fmin(xlo, xs[i].x), xhi = fmax(xhi, xs[i].x);
    const int vlog = vlo > 0 && vhi > vlo;
    const int xlog = xlo > 0 && lmc_report_decades(xlo, xhi);
    lmc_rbuf_printf(&fh->dat, "# %s%s %s log10_mean_%s box_%s_lo box_%s_hi "
                    "box_%s_lo box_%s_hi\n", mom ? "alpha_" : "", pname,
                    xname, yname, pname, pname, xname, xname);
    size_t ninf = 0;
    for (size_t i = 0; i < nx; i++)
        tmp[i] = xs[i].x;
    for (size_t i = 0; i < nx; i++)
    {
        double y0, y1;
        edges(tmp, nx, xlog, i, &y0, &y1);
        const xrow *g = &xs[i];
        const size_t m = g->i1 - g->i0;
        /* v ascending: p order, reversed for alpha = 1 - beta. */
        for (size_t j = 0; j < m; j++)
            tmp[n + j] = r[mom ? g->i1 - 1 - j : g->i0 + j].v;
        for (size_t j = 0; j < m; j++)
        {
            const size_t k = mom ? g->i1 - 1 - j : g->i0 + j;
            double x0, x1;
            edges(tmp + n, m, vlog, j, &x0, &x1);
            char s[7][32];
            lmc_rbuf_printf(&fh->dat, "%s %s %s %s %s %s %s\n",
                lmc_rfmt_dat(s[0], r[k].v), lmc_rfmt_dat(s[1], g->x),
                lmc_rfmt_dat(s[2], r[k].mean > 0 ? log10(r[k].mean) : NAN),
                lmc_rfmt_dat(s[3], x0), lmc_rfmt_dat(s[4], x1),
                lmc_rfmt_dat(s[5], y0), lmc_rfmt_dat(s[6], y1));
            ninf += !isfinite(r[k].mean);
            box[4 * k] = x0, box[4 * k + 1] = x1;
            box[4 * k + 2] = y0, box[4 * k + 3] = y1;
        }
    }
    if (ninf)
    {
        lmc_rbuf_printf(&fh->dat, "\n\n# mean +inf (a seed diverged or "
                        "errored): %s %s\n", pname, xname);
        for (size_t k = 0; k < n; k++)
            if (!isfinite(r[k].mean))
            {
                char s[6][32];
                /* The box of the cell again (heatmap block 0, same
                 * order), so the plot can grey it out. */
                lmc_rbuf_printf(&fh->dat, "%s %s %s %s %s %s\n",
                                lmc_rfmt_dat(s[0], r[k].v),
                                lmc_rfmt_dat(s[1], r[k].x),
                                lmc_rfmt_dat(s[2], box[4 * k]),
                                lmc_rfmt_dat(s[3], box[4 * k + 1]),
                                lmc_rfmt_dat(s[4], box[4 * k + 2]),
                                lmc_rfmt_dat(s[5], box[4 * k + 3]));
            }
    }
    lmc_rbuf_printf(&fh->dat, "\n\n# best %s per %s\n", pname, xname);
    for (size_t i = 0; i < nx; i++)
    {
        char s[2][32];
        lmc_rbuf_printf(&fh->dat, "%s %s\n", lmc_rfmt_dat(s[0], xs[i].best_v),
                        lmc_rfmt_dat(s[1], xs[i].x));
    }
    char vlabel[96];
    snprintf(vlabel, sizeof vlabel, "best %s per %s", pname, xname);
    lmc_rbuf best_title = {0};
    lmc_rbuf_gpquote(&best_title, vlabel);
    if (nx <= 16) /* tics at the x values themselves */
    {
        lmc_rbuf_printf(&fh->gp, "set ytics (");
        for (size_t i = 0; i < nx; i++)
        {
            char s[32];
            lmc_rfmt_g(s, xs[i].x);
            lmc_rbuf_printf(&fh->gp, "%s'%s' %s", i ? ", " : "", s, s);
        }
        lmc_rbuf_printf(&fh->gp, ")\n");
    }
    snprintf(vlabel, sizeof vlabel, mom ? "alpha = 1 - %s" : "%s", pname);
    lmc_rbuf_printf(&fh->gp, "set xlabel ");
    lmc_rbuf_gpquote(&fh->gp, vlabel);
    lmc_rbuf_printf(&fh->gp, "\nset ylabel ");
    lmc_rbuf_gpquote(&fh->gp, xname);
    lmc_rbuf_printf(&fh->gp, "\nset cblabel ");
    char cbl[96];
    snprintf(cbl, sizeof cbl, "log10 mean %s", yname);
    lmc_rbuf_gpquote(&fh->gp, cbl);
    lmc_rbuf_printf(&fh->gp,
        "\n%s%s"
        "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', "
        "3 '#5ec962', 4 '#fde725')\n"
        "set key above horizontal\n"
        "set tics out\n"
        "set autoscale fix\n"
        "set offsets 0, 0, 0, 0\n"
        "plot 'fig-heatmap.dat' index 0 using 1:2:4:5:6:7:3 with boxxyerror "
        "fs solid 1.0 noborder lc palette notitle, \\\n%s"
        "     '' index %d using 1:2 with points pt 6 ps 2.2 lw 2.5 "
        "lc rgb 'red' title %s\n",
        vlog ? "set logscale x\n" : "", xlog ? "set logscale y\n" : "",
        ninf ? "     '' index 1 using 1:2:3:4:5:6 with boxxyerror "
               "fs solid 1.0 noborder lc rgb '#d0d0d0' notitle, \\\n"
               "     '' index 1 using 1:2 with points pt 2 ps 1.5 lw 2 "
               "lc rgb 'black' title 'mean +inf (diverged or errored "
               "seed)', \\\n" : "",
        ninf ? 2 : 1, best_title.buf ? best_title.buf : "''");

    lmc_rbuf_free(&best_title);

    /* Best parameter vs x with the predictions. */
    double blo = INFINITY, bhi = -INFINITY;
    lmc_rbuf_printf(&fb->dat, "# %s delta best_%s T3_scaled T5_scaled\n",
                    xname, mom ? "alpha" : pname);
    for (size_t i = 0; i < nx; i++)
    {
        const double v0 = xs[0].best_v;
        char s[5][32];
        lmc_rbuf_printf(&fb->dat, "%s %s %s %s %s\n",
                        lmc_rfmt_dat(s[0], xs[i].x),
                        lmc_rfmt_dat(s[1], xs[i].delta),
                        lmc_rfmt_dat(s[2], xs[i].best_v),
                        lmc_rfmt_dat(s[3], v0 * xs[i].t3),
                        lmc_rfmt_dat(s[4], v0 * xs[i].t5));
        if (xs[i].best_v > 0)
            blo = fmin(blo, xs[i].best_v), bhi = fmax(bhi, xs[i].best_v);
    }
    lmc_rbuf_printf(&fb->gp, "set xlabel ");
    lmc_rbuf_gpquote(&fb->gp, xname);
    lmc_rbuf_printf(&fb->gp, "\nset ylabel ");
    snprintf(vlabel, sizeof vlabel, mom ? "best alpha = 1 - %s"
                                        : "best %s", pname);
    lmc_rbuf_gpquote(&fb->gp, vlabel);
    lmc_rbuf_printf(&fb->gp,
        "\n%s%s"
        "set key above horizontal Left reverse\n"
        "set grid\n"
        "set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1\n"
        "plot 'fig-best.dat' using 1:3 with linespoints pt 7 ps 1.3 lw 2 "
        "lc rgb '#1f77b4' title 'measured best', \\\n",
        xlog ? "set logscale x\n" : "",
        lmc_report_decades(blo, bhi) ? "set logscale y\n" : "");
    if (!mom)
        lmc_rbuf_printf(&fb->gp, "     '' using 1:4 with lines lw 2 dt 2 "
                        "lc rgb '#d62728' title 'T3: (1+d0)/(1+d)', \\\n");
    lmc_rbuf_printf(&fb->gp, "     '' using 1:5 with lines lw 2 dt 4 "
                    "lc rgb '#2ca02c' title %s\n",
                    mom ? "'T5: alpha ratio ((1+d)/(1+d0))^(1/2)'"
                        : "'T5: ((1+d)/(1+d0))^(-1/4)'");
    lmc_rbuf_printf(&c->notes,
        "Best: the %s with the smallest mean %s over seeds at each %s "
        "(a diverged or errored seed makes the mean +inf). Ratios are to "
        "the first %s; predictions are scaled from the measured best there. "
        "Stable width: log10 of max/min %s among those with a finite mean "
        "below gap_first.%s\n\n", pname, yname, xname, xname,
        mom ? "alpha = 1 - momentum" : pname,
        xdelta ? "" : " delta is the mean measured delta_mean of the cells.");
    status = LMC_SUCCESS;
done:
    free(box);
    free(tmp);
    free(xs);
    free(r);
    return status;
}

const lmc_report_analysis lmc_report_best_step = {"best-step", help, run};
