/* report/kappa_iters.c -- analysis "kappa-iters" (THEORY P2, P4):
 * iterations to tolerance against the condition number, per (problem,
 * method).
 *
 * Cells: kind "run" with params problem, method, K (report.kappa) and the
 * outcomes iters (steps done) and stop.  Per (problem, method, kappa): if
 * every cell (seed) stopped "converged", the mean of iters; otherwise the
 * point is censored and shows as "> budget" (the budget is the largest
 * value of the parameter report.budget among its cells).  Per (problem,
 * method): the least-squares slope of log10 iters on log10 kappa over the
 * uncensored kappas (gsl_fit_linear, 95% CI with Student t when >= 3
 * points), read as "flat" when the slope's 95% interval lies within
 * +-report.flat, "grows" / "shrinks" when it lies beyond, "undecided"
 * otherwise (with two points, the slope alone, marked so); a kappa above
 * every converged one that did not converge reads "grows (no convergence
 * beyond)".  P2 expects flat for simplified Muon with a
 * geometric step and about 1 (matrix factorization) for GD.
 *
 * With several seeds the table shows the mean count and its range over
 * seeds (data.csv: iters, iters_min, iters_max): one count is a
 * trajectory outcome that moves by up to 15% between BLAS kernels.
 *
 * Report keys: kappa [kappa], budget [iters], flat [0.1].
 * Figure "iters": iters vs kappa, log-log, a line per (problem, method),
 * censored points as open triangles at the budget.
 */
#include "impl.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "    run cells (THEORY P2, P4).  Keys: kappa (parameter) [kappa], budget\n"
    "    (the iteration-budget parameter) [iters], flat (|slope| read as\n"
    "    flat) [0.1].  Iterations to tolerance (outcome iters of cells that\n"
    "    stopped 'converged', mean over seeds; '> budget' when any seed did\n"
    "    not converge) per problem x method x kappa; log-log slope in kappa\n"
    "    over the converged points.  Figure fig-iters: log-log.\n";

static const char query[] =
    "SELECT COALESCE(pp.value, ''), COALESCE(pm.value, ''), pk.num,"
    " COUNT(*),"
    " SUM(c.status = 'ok' AND COALESCE(so.text, '') = 'converged'"
    "     AND it.value IS NOT NULL),"
    " AVG(CASE WHEN c.status = 'ok' AND so.text = 'converged'"
    "     THEN it.value END),"
    " MAX(pb.num),"
    " MIN(CASE WHEN c.status = 'ok' AND so.text = 'converged'"
    "     THEN it.value END),"
    " MAX(CASE WHEN c.status = 'ok' AND so.text = 'converged'"
    "     THEN it.value END)"
    " FROM cells c"
    " JOIN params pk ON pk.key = c.key AND pk.name = ?1"
    " LEFT JOIN params pp ON pp.key = c.key AND pp.name = 'problem'"
    " LEFT JOIN params pm ON pm.key = c.key AND pm.name = 'method'"
    " LEFT JOIN params pb ON pb.key = c.key AND pb.name = ?2"
    " LEFT JOIN outcomes so ON so.key = c.key AND so.name = 'stop'"
    " LEFT JOIN outcomes it ON it.key = c.key AND it.name = 'iters'"
    " WHERE c.kind = 'run'"
    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";

typedef struct
{
    char pm[256];
    double kappa, iters, budget, imin, imax;
    long n, conv;
} point;

/* What run builds: the keys, the outputs, the points of the current
 * (problem, method) series, the series and figure blocks so far, the
 * plot command and the ranges of the plotted values. */
typedef struct
{
    const char *kname, *bname;
    double flat;
    lmc_rtable *t1, *t2, *d;
    lmc_rfigure *fg;
    point p[256];
    size_t np, is, blk;
    lmc_rbuf plot;
    double klo, khi, ilo, ihi;
} kstate;

/* A series' fit of log10 iters on log10 kappa over n converged points. */
typedef struct
{
    double c0, c1, se, hw;
    size_t n;
    int fitted;
} kfit;

/* The problem and method of pm ("problem\x1fmethod"). */
static void
split_pm(const char *pm, char *prob, size_t nprob, char *meth, size_t nmeth)
{
    const char *sep = strchr(pm, '\x1f');
    snprintf(prob, nprob, "%.*s", (int)(sep - pm), pm);
    snprintf(meth, nmeth, "%s", sep + 1);
}

/* The fit over the points where every seed converged. */
static kfit
fit_converged(const point *p, size_t np)
{
    double x[256], y[256];
    kfit f = {NAN, NAN, NAN, NAN, 0, 0};
    for (size_t i = 0; i < np && f.n < 256; i++)
        if (p[i].conv == p[i].n && p[i].kappa > 0 && p[i].iters > 0)
        {
            x[f.n] = log10(p[i].kappa);
            y[f.n++] = log10(p[i].iters);
        }
    f.fitted = lmc_report_fit(x, y, f.n, &f.c0, &f.c1, &f.se, &f.hw) == 0;
    return f;
}

/* The reading of the slope: a kappa above every converged one that did
 * not converge means the count grows past the budget, whatever the fit
 * of the rest says.  Otherwise, with an interval: flat if it lies within
 * +-flat, grows / shrinks if it lies beyond it, otherwise undecided;
 * with two points (no interval) the slope alone, marked so. */
static const char *
slope_reading(const point *p, size_t np, const kfit *f, double flat)
{
    double kconv = 0;
    int beyond = 0;
    for (size_t i = 0; i < np; i++)
        if (p[i].conv == p[i].n)
            kconv = fmax(kconv, p[i].kappa);
    for (size_t i = 0; i < np; i++)
        beyond |= p[i].conv < p[i].n && p[i].kappa > kconv;
    const int ci = isfinite(f->hw);
    const double lo = ci ? f->c1 - f->hw : f->c1;
    const double hi = ci ? f->c1 + f->hw : f->c1;
    return beyond                      ? "grows (no convergence beyond)"
           : !f->fitted                ? "too few converged points"
           : lo >= -flat && hi <= flat ? (ci ? "flat" : "flat (2 points)")
           : lo > flat                 ? (ci ? "grows" : "grows (2 points)")
           : hi < -flat                ? (ci ? "shrinks"
                                             : "shrinks (2 points)")
                                       : "undecided (interval crosses "
                                         "the flat band)";
}

/* The slope table's row of the series and its data.csv rows. */
static int
add_slope_rows(kstate *s, const char *prob, const char *meth,
               const kfit *f)
{
    const point *p = s->p;
    char b[6][32], ci[80];
    snprintf(b[0], 32, "%zu", f->n);
    snprintf(b[1], 32, "%zu", s->np - f->n);
    if (isfinite(f->hw))
        snprintf(ci, sizeof ci, "[%s, %s]",
                 lmc_rfmt_fixed(b[3], f->c1 - f->hw, 2),
                 lmc_rfmt_fixed(b[4], f->c1 + f->hw, 2));
    else
        ci[0] = '\0';
    const char *row[] = {prob, meth, b[0], b[1],
                         /* two decimals: the slope moves by up to 0.009
                          * between BLAS kernels */
                         f->fitted ? lmc_rfmt_fixed(b[2], f->c1, 2) : "", ci,
                         slope_reading(p, s->np, f, s->flat)};
    LMC_TRY(lmc_rtable_add(s->t2, row));
    static const char *const qn[] = {"slope", "std_err", "ci95_halfwidth"};
    const double qv[] = {f->c1, f->se, f->hw};
    for (size_t k = 0; k < 3; k++)
    {
        const char *dr[] = {prob, meth, "", qn[k], lmc_rfmt_g(b[5], qv[k])};
        LMC_TRY(lmc_rtable_add(s->d, dr));
    }
    return LMC_SUCCESS;
}

/* Figure: a data block for the converged points and one for the
 * censored ones, each only when it has points (gnuplot warns about empty
 * blocks); s->blk counts the blocks written. */
static void
add_series_plot(kstate *s, const char *prob, const char *meth,
                const kfit *f)
{
    const point *p = s->p;
    const size_t np = s->np;
    lmc_rbuf *plot = &s->plot;
    size_t nconv = 0;
    for (size_t i = 0; i < np; i++)
        nconv += p[i].conv == p[i].n;
    char label[300], b[3][32];
    snprintf(label, sizeof label, "%s, %s: slope %s", prob, meth,
             f->fitted ? lmc_rfmt_fixed(b[0], f->c1, 2) : "-");
    for (int cens = 0; cens < 2; cens++)
    {
        if (cens ? nconv == np : nconv == 0)
            continue;
        lmc_rbuf_printf(&s->fg->dat, "%s# %s %s: %s\n", s->blk ? "\n\n" : "",
                        prob, meth, cens ? "kappa budget (not converged)"
                                         : "kappa iters (converged)");
        for (size_t i = 0; i < np; i++)
            if ((p[i].conv != p[i].n) == cens)
                lmc_rbuf_printf(&s->fg->dat, "%s %s\n",
                                lmc_rfmt_dat(b[1], p[i].kappa),
                                lmc_rfmt_dat(b[2], cens ? p[i].budget
                                                        : p[i].iters));
        lmc_rbuf_printf(plot, "%s'fig-iters.dat' index %zu using 1:2 with ",
                        plot->len ? ", \\\n     " : "plot ", s->blk++);
        if (cens)
            lmc_rbuf_printf(plot, "points pt 8 ps 1.6 lw 2 lc %zu %s",
                            s->is + 1, nconv ? "notitle" : "title ");
        else
            lmc_rbuf_printf(plot, "linespoints pt 7 ps 1.2 lw 2 lc %zu "
                            "title ", s->is + 1);
        if (!cens || !nconv)
            lmc_rbuf_gpquote(plot, label);
    }
}

/* Ends the series s->p[0..np-1]: its slope rows and figure parts. */
static int
series_done(kstate *s)
{
    const kfit f = fit_converged(s->p, s->np);
    char prob[128], meth[128];
    split_pm(s->p[0].pm, prob, sizeof prob, meth, sizeof meth);
    LMC_TRY(add_slope_rows(s, prob, meth, &f));
    add_series_plot(s, prob, meth, &f);
    s->is++;
    return LMC_SUCCESS;
}

/* The report keys, checked against the store. */
static int
read_keys(lmc_report_ctx *c, kstate *s)
{
    LMC_TRY(lmc_report_key_string(c, "kappa", "kappa",
        "the run parameter holding the condition number", &s->kname));
    LMC_TRY(lmc_report_key_string(c, "budget", "iters",
        "the run parameter holding the iteration budget", &s->bname));
    LMC_TRY(lmc_report_key_number(c, "flat", 0.1, &s->flat));
    LMC_TRY(lmc_report_count(c, "run"));
    LMC_TRY(lmc_report_need_param(c, "run", s->kname, "kappa"));
    static const char *const need[] = {"iters", "stop"};
    LMC_TRY(lmc_report_need_outcomes(c, "run", need, 2));
    const char *rows[] = {"problem", "method", s->kname};
    LMC_TRY(lmc_report_check_pooling(c, "run", rows, 3,
                                     "(problem, method, kappa) row"));
    return LMC_SUCCESS;
}

/* Tolerances across machines, measured by regenerating under the
 * OpenBLAS kernels Haswell, Sandybridge, Prescott and SkylakeX and the
 * directed rounding modes (README.md, Reports). */
static int
declare_tolerances(lmc_report_ctx *c)
{
    static const char *const iq[] = {"iters", "iters_min", "iters_max"};
    for (size_t k = 0; k < 3; k++)
    {
        LMC_TRY(lmc_report_tol(c, iq[k], "simplified-muon", 0, 0.4, 0, 0,
            "a trajectory outcome: simplified Muon's count spreads by up to "
            "34% over 4 kernels x 4 rounding modes (icl kappa 1e4, largest "
            "of 3 seeds: 107 SkylakeX upward, 161 Sandybridge downward), "
            "its last steps racing the geometric step decay"));
        LMC_TRY(lmc_report_tol(c, iq[k], NULL, 3, 0.04, 0, 0,
            "GD and Adam: the count spreads by at most 3.1% over 4 kernels "
            "x 4 rounding modes (icl Adam kappa 10: 1447 Prescott upward, "
            "1493 SkylakeX upward; GD: not at all)"));
    }
    static const lmc_rtol_decl fits[] = {
        {"converged_fraction", NULL, 0, 0, 0, 0,
         "a fraction of seeds: exact"},
        {"slope", NULL, 0.04, 0, 0, 0,
         "follows the counts: spreads by up to 0.031 over 4 kernels x 4 "
         "rounding modes (icl Muon: 0.062-0.094); the flat band is +-0.1"},
        {"std_err", NULL, 0.02, 0.5, 0, 0,
         "follows the counts (up to 47% of a small error)"},
        {"ci95_halfwidth", NULL, 0.05, 0.5, 0, 0,
         "follows the counts (up to 47% of a small interval)"}};
    LMC_TRY(lmc_report_tols(c, fits, sizeof fits / sizeof fits[0]));
    return LMC_SUCCESS;
}

static int
open_outputs(lmc_report_ctx *c, kstate *s)
{
    static const char *const h1[] = {"problem", "method", "kappa", "seeds",
                                     "converged", "iters to tol",
                                     "seed range", "budget"};
    static const int n1[] = {0, 0, 1, 1, 1, 1, 1, 1};
    static const char *const h2[] = {"problem", "method", "kappas used",
                                     "censored", "slope in kappa", "95% CI",
                                     "reading"};
    static const int n2[] = {0, 0, 1, 1, 1, 0, 0};
    static const char *const dh[] = {"problem", "method", "kappa",
                                     "quantity", "value"};
    s->t1 = lmc_report_table(c, "Iterations to tolerance "
                             "(mean over seeds, and their range):",
                             8, h1, n1);
    s->t2 = lmc_report_table(c, "Log-log slope of iterations in "
                             "kappa (converged points only):", 7, h2, n2);
    s->d = lmc_report_data(c, 5, dh);
    s->fg = lmc_report_figure(c, "iters",
        "iterations to tolerance vs kappa, log-log; open triangles: did not "
        "converge within the budget");
    if (!s->t1 || !s->t2 || !s->d || !s->fg)
        return LMC_ENOMEM;
    return LMC_SUCCESS;
}

/* The current row of query: one (problem, method, kappa). */
static void
read_point(sqlite3_stmt *st, point *q)
{
    snprintf(q->pm, sizeof q->pm, "%s\x1f%s",
             (const char *)sqlite3_column_text(st, 0),
             (const char *)sqlite3_column_text(st, 1));
    q->kappa = sqlite3_column_double(st, 2);
    q->n = (long)sqlite3_column_int64(st, 3);
    q->conv = (long)sqlite3_column_int64(st, 4);
    q->iters = q->conv == q->n ? sqlite3_column_double(st, 5) : NAN;
    q->budget = sqlite3_column_type(st, 6) == SQLITE_NULL
                    ? NAN : sqlite3_column_double(st, 6);
    q->imin = q->conv == q->n ? lmc_report_col(st, 7) : NAN;
    q->imax = q->conv == q->n ? lmc_report_col(st, 8) : NAN;
}

/* The iterations table's row of q, its data.csv rows, and the ranges of
 * the figure's axes. */
static int
add_point_rows(kstate *s, const point *q)
{
    char b[6][32], prob[128], meth[256];
    split_pm(q->pm, prob, sizeof prob, meth, sizeof meth);
    snprintf(b[0], 32, "%ld", q->n);
    snprintf(b[1], 32, "%ld", q->conv);
    lmc_rfmt_g(b[2], q->kappa);
    /* Whole iterations: the mean's decimals are not stable across
     * machines (simplified Muon's counts move by up to 15%). */
    snprintf(b[3], 32, "%.0f", q->iters);
    const int conv = q->conv == q->n;
    if (q->n > 1 && conv)
        snprintf(b[4], 32, "%.0f-%.0f", q->imin, q->imax);
    else
        b[4][0] = '\0';
    const char *row[] = {prob, meth, b[2], b[0], b[1],
                         conv ? b[3] : "> budget", b[4],
                         isnan(q->budget) ? "" : lmc_rfmt_g(b[5], q->budget)};
    LMC_TRY(lmc_rtable_add(s->t1, row));
    static const char *const qn[] = {"iters", "iters_min", "iters_max",
                                     "converged_fraction"};
    const double qv[] = {q->iters, q->imin, q->imax,
                         (double)q->conv / (double)q->n};
    for (size_t k = 0; k < 4; k++)
    {
        const char *dr[] = {prob, meth, b[2], qn[k],
                            lmc_rfmt_g(b[5], qv[k])};
        LMC_TRY(lmc_rtable_add(s->d, dr));
    }
    if (q->kappa > 0)
        s->klo = fmin(s->klo, q->kappa), s->khi = fmax(s->khi, q->kappa);
    const double iy = conv ? q->iters : q->budget;
    if (iy > 0)
        s->ilo = fmin(s->ilo, iy), s->ihi = fmax(s->ihi, iy);
    return LMC_SUCCESS;
}

/* One row of query: a new (problem, method), or the 256th kappa, closes
 * the series so far. */
static int
point_row(void *arg, sqlite3_stmt *st)
{
    kstate *s = arg;
    point q;
    read_point(st, &q);
    if (s->np && (strcmp(q.pm, s->p[0].pm) != 0 || s->np == 256))
    {
        LMC_TRY(series_done(s));
        s->np = 0;
    }
    s->p[s->np++] = q;
    return add_point_rows(s, &q);
}

/* Every (problem, method, kappa) of the store, a series per (problem,
 * method) of at most 256 kappas. */
static int
read_points(lmc_report_ctx *c, kstate *s)
{
    sqlite3_stmt *st;
    const char *args[] = {s->kname, s->bname};
    LMC_TRY(lmc_report_sql(c, &st, query, 2, args));
    LMC_TRY(lmc_report_rows(c, st, point_row, s));
    return s->np ? series_done(s) : LMC_SUCCESS;
}

/* The figure's script: log axes where the values span decades, the
 * series and a key entry for the censored points. */
static void
figure_script(lmc_rfigure *fg, const kstate *s)
{
    lmc_rbuf_printf(&fg->gp, "%s%s"
        "set xlabel 'kappa (condition number)' offset 0,0.8\n"
        "set ylabel 'iterations to tolerance'\n"
        "set key below horizontal Left reverse box maxcols 2\n"
        "set grid\n"
        "set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1\n"
        "%s,\\\n     NaN with points pt 8 ps 1.6 lw 2 lc rgb 'black' "
        "title '> budget (not converged)'\n",
        lmc_report_decades(s->klo, s->khi) ? "set logscale x\n" : "",
        lmc_report_decades(s->ilo, s->ihi) ? "set logscale y\n" : "",
        s->plot.buf ? s->plot.buf : "");
}

static int
run(lmc_report_ctx *c)
{
    kstate st = {0}, *s = &st;
    s->klo = s->ilo = INFINITY;
    int status = read_keys(c, s);
    if (!status)
        status = declare_tolerances(c);
    if (!status)
        status = open_outputs(c, s);
    if (!status)
        status = read_points(c, s);
    if (!status)
    {
        figure_script(s->fg, s);
        lmc_rbuf_printf(&c->notes,
            "\"> budget\": at least one seed did not stop 'converged' within "
            "the budget; such kappas are left out of the slope, so a "
            "slope with censored points understates the growth. Reading: "
            "flat when the slope's 95%% interval lies within +-%g, grows "
            "or shrinks when it lies beyond, undecided otherwise; a kappa "
            "above every converged one that did not converge reads as "
            "growth.\n\n", s->flat);
        if (s->plot.oom)
            status = LMC_ENOMEM;
    }
    lmc_rbuf_free(&s->plot);
    return status;
}

const lmc_report_analysis lmc_report_kappa_iters = {"kappa-iters", help,
                                                     run};
