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
    static const lmc_rtol_decl outcomes[] = {
        {"best_mean", NULL, 0, 0, 2, 0,
         "final f - f* at the best: a trajectory outcome (moved by a factor "
         "up to 1.72 between kernels)"},
        {"degradation", NULL, 0, 0, 3, 0,
         "a ratio of two best means: moved by a factor up to 2.02 between "
         "kernels"},
        {"mean", NULL, 0, 0, 3, 0,
         "final f - f* after K steps, mean over seeds: a trajectory outcome "
         "(moved by a factor up to 2.5 between kernels)"},
        {"refined_mean", NULL, 0, 0, 3, 1,
         "as mean, on the cells a refinement placed around the best "
         "(present where the best is)"},
        {"refined_cells", NULL, 0, 0, 0, 1, "as cells, where present"},
        {"refined_diverged_or_errored", NULL, 0, 0, 0, 1,
         "as diverged_or_errored, where present"}};
    LMC_TRY(lmc_report_tols(c, outcomes,
                            sizeof outcomes / sizeof outcomes[0]));
    return LMC_SUCCESS;
}

/* What run works on: the spec's names, the (x, p) rows of the store and
 * one xrow per x; tmp and box are scratch for the grid and the heatmap. */
typedef struct
{
    const char *xname, *pname, *yname;
    int mom, xdelta;
    cellrow *r;
    size_t n;
    xrow *xs;
    size_t nx;
    double *tmp, *box;
    double r_grid, step_abs;
} bstep;

/* The report keys, checked against the store. */
static int
read_keys(lmc_report_ctx *c, bstep *s)
{
    LMC_TRY(lmc_report_key_string(c, "x", NULL,
        "a numeric run parameter, e.g. \"delta\" or \"steps\"", &s->xname));
    LMC_TRY(lmc_report_key_string(c, "parameter", "lr",
        "\"lr\" or \"momentum\"", &s->pname));
    LMC_TRY(lmc_report_key_string(c, "outcome", "gap_final",
        "a run outcome, e.g. \"gap_final\"", &s->yname));
    s->mom = strcmp(s->pname, "momentum") == 0;
    LMC_TRY(lmc_report_count(c, "run"));
    LMC_TRY(lmc_report_need_param(c, "run", s->xname, "x"));
    LMC_TRY(lmc_report_need_param(c, "run", s->pname, "parameter"));
    LMC_TRY(lmc_report_need_outcome(c, "run", s->yname, "outcome"));
    const char *rows[] = {s->xname, s->pname};
    LMC_TRY(lmc_report_check_pooling(c, "run", rows, 2,
                                     "(x, parameter) pair"));
    s->xdelta = strcmp(s->xname, "delta") == 0;
    if (!s->xdelta)
        LMC_TRY(lmc_report_need_outcome(c, "run", "delta_mean", "x"));
    return LMC_SUCCESS;
}

/* One (x, p) row of query. */
static void
cell_of_row(sqlite3_stmt *st, int mom, cellrow *q)
{
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

/* The (x, p) rows of the store into s->r, ordered by x then p. */
static int
read_cells(lmc_report_ctx *c, bstep *s)
{
    sqlite3_stmt *st;
    const char *args[] = {s->xname, s->pname, s->yname};
    LMC_TRY(lmc_report_sql(c, &st, query, 3, args));
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        const int xnull = sqlite3_column_type(st, 0) == SQLITE_NULL;
        if (xnull || sqlite3_column_type(st, 1) == SQLITE_NULL)
        {
            sqlite3_finalize(st);
            LMC_ERROR(LMC_EINVAL, "report.%s: '%s' has non-numeric values "
                      "(accepted: a numeric run parameter)",
                      xnull ? "x" : "parameter",
                      xnull ? s->xname : s->pname);
        }
        if (s->n == cap)
        {
            cap = cap ? 2 * cap : 64;
            cellrow *nr = realloc(s->r, cap * sizeof *nr);
            if (!nr)
            {
                sqlite3_finalize(st);
                LMC_ERROR(LMC_ENOMEM, "best-step: out of memory");
            }
            s->r = nr;
        }
        cell_of_row(st, s->mom, &s->r[s->n++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        LMC_ERROR(LMC_EIO, "store: %s", sqlite3_errmsg(c->db));
    if (s->n == 0)
        LMC_ERROR(LMC_EINVAL, "report.x: no run cell has both '%s' and '%s' "
                  "(accepted: parameters the sweep varies)", s->xname,
                  s->pname);
    return LMC_SUCCESS;
}

/* The rows of one x from row i on: g's range, its best p, its mean delta
 * and the width of its stable region; returns the first row after. */
static size_t
summarize_x(const bstep *s, size_t i, xrow *g)
{
    const cellrow *r = s->r;
    g->i0 = i;
    g->x = r[i].x;
    while (i < s->n && r[i].x == g->x)
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
    g->delta = s->xdelta ? g->x : (dn ? ds / (double)dn : NAN);
    g->best_v = g->best == SIZE_MAX ? NAN : r[g->best].v;
    g->best_p = g->best == SIZE_MAX ? NAN : r[g->best].p;
    g->best_mean = g->best == SIZE_MAX ? NAN : r[g->best].mean;
    g->width = vmax >= vmin ? log10(vmax / vmin) : NAN;
    return i;
}

/* One xrow per x, and each best against the first x's and the
 * predictions. */
static void
best_per_x(bstep *s)
{
    xrow *xs = s->xs;
    s->nx = 0;
    for (size_t i = 0; i < s->n;)
        i = summarize_x(s, i, &xs[s->nx++]);
    for (size_t i = 0; i < s->nx; i++)
    {
        xrow *g = &xs[i];
        const double d0 = xs[0].delta, q = (1 + g->delta) / (1 + d0);
        g->ratio = g->best_v / xs[0].best_v;
        g->t3 = s->mom ? NAN : 1 / q;
        g->t5 = s->mom ? sqrt(q) : pow(q, -0.25);
        g->degr = g->best_mean / xs[0].best_mean;
    }
}

/* Widens the per-seed range of the xrow of x (if any) by bp. */
static void
widen_seed_range(bstep *s, size_t *ix, double x, double bp)
{
    xrow *xs = s->xs;
    while (*ix < s->nx && xs[*ix].x < x)
        (*ix)++;
    if (!isnan(bp) && *ix < s->nx && xs[*ix].x == x)
    {
        xrow *g = &xs[*ix];
        g->seed_lo = isnan(g->seed_lo) ? bp : fmin(g->seed_lo, bp);
        g->seed_hi = isnan(g->seed_hi) ? bp : fmax(g->seed_hi, bp);
    }
}

/* The spread of the decision: the best p of each seed alone, its range
 * over the seeds per x in seed_lo, seed_hi. */
static int
read_seed_bests(lmc_report_ctx *c, bstep *s)
{
    for (size_t i = 0; i < s->nx; i++)
        s->xs[i].seed_lo = s->xs[i].seed_hi = NAN;
    sqlite3_stmt *ss;
    const char *args[] = {s->xname, s->pname, s->yname};
    if (lmc_report_sql(c, &ss, seed_query, 3, args))
        return LMC_EIO;
    size_t ix = 0;
    double cx = NAN, cs = NAN, bp = NAN, by = INFINITY;
    int src;
    for (;;)
    {
        src = sqlite3_step(ss);
        const int row = src == SQLITE_ROW;
        const double x = row ? lmc_report_col(ss, 0) : NAN;
        const double sd = row ? lmc_report_col(ss, 1) : NAN;
        if (!row || x != cx || sd != cs)
        {
            widen_seed_range(s, &ix, cx, bp); /* close the (cx, cs) group */
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
        LMC_ERROR(LMC_EIO, "store: %s", sqlite3_errmsg(c->db));
    return LMC_SUCCESS;
}

/* 1 if the p of row k is taken at every x. */
static int
on_every_x(const bstep *s, size_t k)
{
    size_t at = 0;
    for (size_t i = 0; i < s->nx; i++)
        for (size_t j = s->xs[i].i0; j < s->xs[i].i1; j++)
            if (s->r[j].p == s->r[k].p)
            {
                at++;
                break;
            }
    return at == s->nx;
}

/* Grid values: the p taken at every x; the rest were placed by a
 * refinement around a best (a best that moves between machines moves
 * them).  Marks the rows, leaves the grid's v ascending in tmp and
 * returns their number; r_grid: the largest ratio of neighbouring grid
 * values of v. */
static size_t
mark_grid(bstep *s)
{
    size_t ngrid = 0;
    double *tmp = s->tmp;
    s->r_grid = 1;
    for (size_t k = 0; k < s->n; k++)
    {
        s->r[k].grid = on_every_x(s, k);
        if (s->r[k].grid && k < s->xs[0].i1)
            tmp[ngrid++] = s->r[k].v;
    }
    qsort(tmp, ngrid, sizeof *tmp, cmp_double);
    for (size_t j = 1; j < ngrid; j++)
        if (tmp[j - 1] > 0)
            s->r_grid = fmax(s->r_grid, tmp[j] / tmp[j - 1]);
    return ngrid;
}

/* In momentum units, one grid step either side of each best (a factor on
 * the momentum itself would say nothing near 1; the alpha grid 2^-k is
 * coarse, and the best momentum did not move between kernels or rounding
 * modes).  tmp holds the ngrid alpha = 1 - momentum ascending. */
static double
momentum_grid_step(const bstep *s, size_t ngrid)
{
    const double *tmp = s->tmp;
    double step_abs = 0;
    for (size_t i = 0; i < s->nx; i++)
        for (size_t j = 0; j < ngrid; j++)
        {
            const double a = 1 - s->xs[i].best_p;
            if (!(tmp[j] >= a * (1 - 1e-12)))
                continue;
            const size_t lo = j >= 1 ? j - 1 : 0;
            const size_t hi = j + 1 < ngrid ? j + 1 : ngrid - 1;
            step_abs = fmax(step_abs, fmax(tmp[hi] - a, a - tmp[lo]));
            break;
        }
    return step_abs;
}

/* The columns of the table in order: with x = delta the delta column
 * (1) repeats x and is dropped. */
static size_t
select_columns(const bstep *s, const char *const *all, const char **sel)
{
    const size_t nall = s->mom ? 11 : 12;
    size_t nsel = 0;
    for (size_t j = 0; j < nall; j++)
        if (!(s->xdelta && j == 1))
            sel[nsel++] = all[j];
    return nsel;
}

/* The table: one row per x, columns as its head says. */
static lmc_rtable *
best_table(lmc_report_ctx *c, const bstep *s)
{
    const char *pname = s->pname;
    const int mom = s->mom;
    char h[13][64];
    snprintf(h[0], 64, "%s", s->xname);
    snprintf(h[1], 64, "delta");
    snprintf(h[2], 64, "best %s", pname);
    snprintf(h[3], 64, "best mean %s", s->yname);
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
    const char *hsel[12];
    const size_t nsel = select_columns(s, mom ? head_mom : head_lr, hsel);
    return lmc_report_table(c, NULL, nsel, hsel, num);
}

/* The table row of g. */
static int
add_table_row(lmc_rtable *t, const bstep *s, const xrow *g)
{
    char b[16][32];
    lmc_rfmt_g(b[0], g->x);
    lmc_rfmt_fixed(b[1], g->delta, 2); /* realized: moves by 0.6% */
    /* Digits: the best is a grid value, stable within two grid steps, so
     * three digits name it; the mean gap and the ratios are trajectory
     * outcomes that move by tens of percent between machines (two
     * digits, ratios two decimals); the predictions are closed forms
     * (three decimals).  The full values are in data.csv. */
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
    const char *row_lr[] = {b[0], b[1], none ? "" : b[2], nos ? "" : b[15],
                            none ? "" : b[4], b[5], b[6], b[7], b[8], b[9],
                            isnan(g->width) ? "" : b[10], b[11]};
    const char *row_mom[] = {b[0], b[1], none ? "" : b[2],
                             nos ? "" : b[15], none ? "" : b[3],
                             none ? "" : b[4], b[5], b[8], b[9],
                             isnan(g->width) ? "" : b[10], b[11]};
    const char *rsel[12];
    select_columns(s, s->mom ? row_mom : row_lr, rsel);
    return lmc_rtable_add(t, rsel);
}

/* data.csv rows of g: its per-x quantities, then per p the mean, the
 * cells and the diverged or errored ones (refined_ for cells a
 * refinement placed). */
static int
add_data_rows(lmc_rtable *d, const bstep *s, const xrow *g)
{
    char b[4][32];
    lmc_rfmt_g(b[0], g->x);
    static const char *const qn[] = {
        "delta", "best", "best_seed_min", "best_seed_max", "best_mean",
        "ratio", "pred_t3", "pred_t5", "stable_width", "degradation"};
    const double qv[] = {g->delta, g->best_p, g->seed_lo, g->seed_hi,
                         g->best_mean, g->ratio, g->t3, g->t5, g->width,
                         g->degr};
    for (size_t k = 0; k < 10; k++)
    {
        const char *dr[] = {b[0], "", qn[k], lmc_rfmt_g(b[1], qv[k])};
        LMC_TRY(lmc_rtable_add(d, dr));
    }
    for (size_t k = g->i0; k < g->i1; k++)
    {
        const cellrow *q = &s->r[k];
        const int gr = q->grid;
        lmc_rfmt_g(b[2], q->p);
        const char *d1[] = {b[0], b[2], gr ? "mean" : "refined_mean",
                            lmc_rfmt_g(b[1], q->mean)};
        LMC_TRY(lmc_rtable_add(d, d1));
        snprintf(b[3], 32, "%ld", q->n);
        const char *d2[] = {b[0], b[2], gr ? "cells" : "refined_cells",
                            b[3]};
        LMC_TRY(lmc_rtable_add(d, d2));
        snprintf(b[3], 32, "%ld", q->bad);
        const char *d3[] = {b[0], b[2],
                            gr ? "diverged_or_errored"
                               : "refined_diverged_or_errored", b[3]};
        LMC_TRY(lmc_rtable_add(d, d3));
    }
    return LMC_SUCCESS;
}

/* Heatmap data, block 0: boxes around each (v, x), their corners kept in
 * s->box; returns the number of +inf means. */
static size_t
heatmap_boxes(lmc_rfigure *fh, bstep *s, int vlog, int xlog)
{
    const cellrow *r = s->r;
    double *tmp = s->tmp;
    const int mom = s->mom;
    size_t ninf = 0;
    for (size_t i = 0; i < s->nx; i++)
        tmp[i] = s->xs[i].x;
    for (size_t i = 0; i < s->nx; i++)
    {
        double y0, y1;
        edges(tmp, s->nx, xlog, i, &y0, &y1);
        const xrow *g = &s->xs[i];
        const size_t m = g->i1 - g->i0;
        /* v ascending: p order, reversed for alpha = 1 - beta. */
        for (size_t j = 0; j < m; j++)
            tmp[s->n + j] = r[mom ? g->i1 - 1 - j : g->i0 + j].v;
        for (size_t j = 0; j < m; j++)
        {
            const size_t k = mom ? g->i1 - 1 - j : g->i0 + j;
            double x0, x1;
            edges(tmp + s->n, m, vlog, j, &x0, &x1);
            char b[7][32];
            lmc_rbuf_printf(&fh->dat, "%s %s %s %s %s %s %s\n",
                lmc_rfmt_dat(b[0], r[k].v), lmc_rfmt_dat(b[1], g->x),
                lmc_rfmt_dat(b[2], r[k].mean > 0 ? log10(r[k].mean) : NAN),
                lmc_rfmt_dat(b[3], x0), lmc_rfmt_dat(b[4], x1),
                lmc_rfmt_dat(b[5], y0), lmc_rfmt_dat(b[6], y1));
            ninf += !isfinite(r[k].mean);
            s->box[4 * k] = x0, s->box[4 * k + 1] = x1;
            s->box[4 * k + 2] = y0, s->box[4 * k + 3] = y1;
        }
    }
    return ninf;
}

/* Heatmap data after the boxes: the +inf cells (when any) and the best
 * v per x. */
static void
heatmap_marks(lmc_rfigure *fh, const bstep *s, size_t ninf)
{
    const cellrow *r = s->r;
    const double *box = s->box;
    if (ninf)
    {
        lmc_rbuf_printf(&fh->dat, "\n\n# mean +inf (a seed diverged or "
                        "errored): %s %s\n", s->pname, s->xname);
        for (size_t k = 0; k < s->n; k++)
            if (!isfinite(r[k].mean))
            {
                char b[6][32];
                /* The box of the cell again (heatmap block 0, same
                 * order), so the plot can grey it out. */
                lmc_rbuf_printf(&fh->dat, "%s %s %s %s %s %s\n",
                                lmc_rfmt_dat(b[0], r[k].v),
                                lmc_rfmt_dat(b[1], r[k].x),
                                lmc_rfmt_dat(b[2], box[4 * k]),
                                lmc_rfmt_dat(b[3], box[4 * k + 1]),
                                lmc_rfmt_dat(b[4], box[4 * k + 2]),
                                lmc_rfmt_dat(b[5], box[4 * k + 3]));
            }
    }
    lmc_rbuf_printf(&fh->dat, "\n\n# best %s per %s\n", s->pname, s->xname);
    for (size_t i = 0; i < s->nx; i++)
    {
        char b[2][32];
        lmc_rbuf_printf(&fh->dat, "%s %s\n",
                        lmc_rfmt_dat(b[0], s->xs[i].best_v),
                        lmc_rfmt_dat(b[1], s->xs[i].x));
    }
}

/* The heatmap's gnuplot script: tics, labels, boxes, the +inf cells and
 * the best v per x. */
static void
heatmap_script(lmc_rfigure *fh, const bstep *s, int vlog, int xlog,
               size_t ninf)
{
    char vlabel[96];
    snprintf(vlabel, sizeof vlabel, "best %s per %s", s->pname, s->xname);
    lmc_rbuf best_title = {0};
    lmc_rbuf_gpquote(&best_title, vlabel);
    if (s->nx <= 16) /* tics at the x values themselves */
    {
        lmc_rbuf_printf(&fh->gp, "set ytics (");
        for (size_t i = 0; i < s->nx; i++)
        {
            char b[32];
            lmc_rfmt_g(b, s->xs[i].x);
            lmc_rbuf_printf(&fh->gp, "%s'%s' %s", i ? ", " : "", b, b);
        }
        lmc_rbuf_printf(&fh->gp, ")\n");
    }
    snprintf(vlabel, sizeof vlabel, s->mom ? "alpha = 1 - %s" : "%s",
             s->pname);
    lmc_rbuf_printf(&fh->gp, "set xlabel ");
    lmc_rbuf_gpquote(&fh->gp, vlabel);
    lmc_rbuf_printf(&fh->gp, "\nset ylabel ");
    lmc_rbuf_gpquote(&fh->gp, s->xname);
    lmc_rbuf_printf(&fh->gp, "\nset cblabel ");
    char cbl[96];
    snprintf(cbl, sizeof cbl, "log10 mean %s", s->yname);
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
}

/* Figure "best": best v vs x with the predictions scaled from the first
 * x. */
static void
best_figure(lmc_rfigure *fb, const bstep *s, int xlog)
{
    const xrow *xs = s->xs;
    double blo = INFINITY, bhi = -INFINITY;
    lmc_rbuf_printf(&fb->dat, "# %s delta best_%s T3_scaled T5_scaled\n",
                    s->xname, s->mom ? "alpha" : s->pname);
    for (size_t i = 0; i < s->nx; i++)
    {
        const double v0 = xs[0].best_v;
        char b[5][32];
        lmc_rbuf_printf(&fb->dat, "%s %s %s %s %s\n",
                        lmc_rfmt_dat(b[0], xs[i].x),
                        lmc_rfmt_dat(b[1], xs[i].delta),
                        lmc_rfmt_dat(b[2], xs[i].best_v),
                        lmc_rfmt_dat(b[3], v0 * xs[i].t3),
                        lmc_rfmt_dat(b[4], v0 * xs[i].t5));
        if (xs[i].best_v > 0)
            blo = fmin(blo, xs[i].best_v), bhi = fmax(bhi, xs[i].best_v);
    }
    char vlabel[96];
    lmc_rbuf_printf(&fb->gp, "set xlabel ");
    lmc_rbuf_gpquote(&fb->gp, s->xname);
    lmc_rbuf_printf(&fb->gp, "\nset ylabel ");
    snprintf(vlabel, sizeof vlabel, s->mom ? "best alpha = 1 - %s"
                                           : "best %s", s->pname);
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
    if (!s->mom)
        lmc_rbuf_printf(&fb->gp, "     '' using 1:4 with lines lw 2 dt 2 "
                        "lc rgb '#d62728' title 'T3: (1+d0)/(1+d)', \\\n");
    lmc_rbuf_printf(&fb->gp, "     '' using 1:5 with lines lw 2 dt 4 "
                    "lc rgb '#2ca02c' title %s\n",
                    s->mom ? "'T5: alpha ratio ((1+d)/(1+d0))^(1/2)'"
                           : "'T5: ((1+d)/(1+d0))^(-1/4)'");
}

/* Both figures; the axes are logarithmic where the values are positive
 * (v) or span decades (x). */
static void
write_figures(lmc_rfigure *fh, lmc_rfigure *fb, bstep *s)
{
    double vlo = INFINITY, vhi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
    for (size_t k = 0; k < s->n; k++)
        vlo = fmin(vlo, s->r[k].v), vhi = fmax(vhi, s->r[k].v);
    for (size_t i = 0; i < s->nx; i++)
        xlo = fmin(xlo, s->xs[i].x), xhi = fmax(xhi, s->xs[i].x);
    const int vlog = vlo > 0 && vhi > vlo;
    const int xlog = xlo > 0 && lmc_report_decades(xlo, xhi);
    lmc_rbuf_printf(&fh->dat, "# %s%s %s log10_mean_%s box_%s_lo box_%s_hi "
                    "box_%s_lo box_%s_hi\n", s->mom ? "alpha_" : "",
                    s->pname, s->xname, s->yname, s->pname, s->pname,
                    s->xname, s->xname);
    const size_t ninf = heatmap_boxes(fh, s, vlog, xlog);
    heatmap_marks(fh, s, ninf);
    heatmap_script(fh, s, vlog, xlog, ninf);
    best_figure(fb, s, xlog);
}

/* The table, data.csv, the figures and the notes. */
static int
write_outputs(lmc_report_ctx *c, bstep *s)
{
    lmc_rtable *t = best_table(c, s);
    static const char *const dhead[] = {"x", "parameter", "quantity",
                                        "value"};
    lmc_rtable *d = lmc_report_data(c, 4, dhead);
    lmc_rfigure *fh = lmc_report_figure(c, "heatmap",
        "log10 of the mean final outcome over (parameter, x)");
    lmc_rfigure *fb = lmc_report_figure(c, "best",
        "best parameter vs x with the T3 and T5 predictions");
    if (!t || !d || !fh || !fb)
        return LMC_ENOMEM;
    for (size_t i = 0; i < s->nx; i++)
        if (add_table_row(t, s, &s->xs[i]) ||
            add_data_rows(d, s, &s->xs[i]))
            return LMC_ENOMEM;
    write_figures(fh, fb, s);
    lmc_rbuf_printf(&c->notes,
        "Best: the %s with the smallest mean %s over seeds at each %s "
        "(a diverged or errored seed makes the mean +inf). Ratios are to "
        "the first %s; predictions are scaled from the measured best there. "
        "Stable width: log10 of max/min %s among those with a finite mean "
        "below gap_first.%s\n\n", s->pname, s->yname, s->xname, s->xname,
        s->mom ? "alpha = 1 - momentum" : s->pname,
        s->xdelta ? "" : " delta is the mean measured delta_mean of the "
                         "cells.");
    return LMC_SUCCESS;
}

static int
run(lmc_report_ctx *c)
{
    bstep s = {0};
    LMC_TRY(read_keys(c, &s));
    int status = read_cells(c, &s);
    if (status)
        goto done;
    /* Rows are ordered by x then p: one xrow per x. */
    s.xs = calloc(s.n, sizeof *s.xs);
    s.tmp = malloc(2 * s.n * sizeof *s.tmp);
    s.box = malloc(4 * s.n * sizeof *s.box);
    if (!s.xs || !s.tmp || !s.box)
    {
        free(s.box);
        free(s.xs);
        free(s.tmp);
        free(s.r);
        LMC_ERROR(LMC_ENOMEM, "best-step: out of memory");
    }
    best_per_x(&s);
    status = read_seed_bests(c, &s);
    if (status)
        goto done;
    const size_t ngrid = mark_grid(&s);
    s.step_abs = s.mom ? momentum_grid_step(&s, ngrid) : 0;
    status = declare_tolerances(c, s.r_grid, s.xdelta, s.mom, s.step_abs);
    if (status)
        goto done;
    status = write_outputs(c, &s);
done:
    free(s.box);
    free(s.tmp);
    free(s.xs);
    free(s.r);
    return status;
}

const lmc_report_analysis lmc_report_best_step = {"best-step", help, run};
