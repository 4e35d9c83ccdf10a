/* report/rates.c -- analysis "rates" (THEORY V6, V7): log-log slopes of an
 * outcome against the horizon, per method, beside the theory exponent.
 *
 * Cells: kind "run", status ok, with params X (report.x, the horizon) and
 * G (report.group, the series) and the outcome Y (report.outcome).  Per
 * series, every cell with X > 0 and finite Y > 0 is one point
 * (log10 X, log10 Y); gsl_fit_linear gives the slope c1 and its variance,
 * the 95% interval is c1 +- t_{0.975, n-2} se (gsl_cdf_tdist_Pinv).  The
 * theory exponent of a series is report.theory.<series> (V6: -1/3 MVR2,
 * -1/4 Muon and MVR1, as upper bounds on the fitted slope).
 *
 * Report keys: outcome [gfrob2_avg], x [iters], group [method],
 * theory (a group: series name = exponent; optional).
 * Figure "rates": Y vs X, log-log, points per series and the fitted lines.
 */
#include "impl.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "    run cells (THEORY V6, V7).  Keys: outcome [gfrob2_avg], x (the\n"
    "    horizon parameter) [iters], group (one series per value) [method],\n"
    "    theory = { muon = -0.25; mvr2 = -0.3333; } (exponent per series,\n"
    "    optional).  Least-squares slope of log10 outcome vs log10 x per\n"
    "    series, standard error, 95% CI (Student t), theory, slope - theory.\n"
    "    Figure fig-rates: log-log points and fitted lines.\n";

static const char query[] =
    "SELECT COALESCE(pg.value, ''), px.num, o.value"
    " FROM cells c"
    " JOIN params px ON px.key = c.key AND px.name = ?1"
    " LEFT JOIN params pg ON pg.key = c.key AND pg.name = ?2"
    " JOIN outcomes o ON o.key = c.key AND o.name = ?3"
    " WHERE c.kind = 'run' AND c.status = 'ok'"
    "   AND px.num > 0 AND o.value > 0 AND o.value < 9e999"
    " ORDER BY 1, 2, 3, c.key";

typedef struct
{
    char *name;
    double *x, *y; /* log10 values */
    size_t n, cap;
} series;

static int
theory_of(lmc_report_ctx *c, const char *name, double *e)
{
    *e = NAN;
    const config_setting_t *g = config_setting_get_member(c->report,
                                                          "theory");
    if (!g)
        return LMC_SUCCESS;
    if (!config_setting_is_group(g))
        LMC_ERROR(LMC_EINVAL, "report.theory: not a group (accepted: "
                  "theory = { muon = -0.25; mvr2 = -0.3333; })");
    const config_setting_t *s = config_setting_get_member(g, name);
    if (!s)
        return LMC_SUCCESS;
    const int t = config_setting_type(s);
    if (t == CONFIG_TYPE_FLOAT)
        *e = config_setting_get_float(s);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        *e = (double)config_setting_get_int64(s);
    else
        LMC_ERROR(LMC_EINVAL, "report.theory.%s: not a number (accepted: an "
                  "exponent such as -0.25)", name);
    return LMC_SUCCESS;
}

static int
push(series *s, double x, double y)
{
    if (s->n == s->cap)
    {
        const size_t cap = s->cap ? 2 * s->cap : 32;
        double *nx = realloc(s->x, cap * sizeof *nx);
        if (!nx)
            return LMC_ENOMEM;
        s->x = nx;
        double *ny = realloc(s->y, cap * sizeof *ny);
        if (!ny)
            return LMC_ENOMEM;
        s->y = ny;
        s->cap = cap;
    }
    s->x[s->n] = x;
    s->y[s->n++] = y;
    return LMC_SUCCESS;
}

/* The report keys: outcome, horizon and series parameter. */
typedef struct
{
    const char *yname, *xname, *gname;
} rnames;

/* A series' fit: y = c0 + c1 x with the standard error se of c1 and
 * the half-width hw of its 95% interval, and the theory exponent th. */
typedef struct
{
    double c0, c1, se, hw, th;
    int fitted;
} rfit;

static int
read_keys(lmc_report_ctx *c, rnames *k)
{
    LMC_TRY(lmc_report_key_string(c, "outcome", "gfrob2_avg",
        "a run outcome, e.g. \"gfrob2_avg\" or \"gap_final\"", &k->yname));
    LMC_TRY(lmc_report_key_string(c, "x", "iters",
        "a numeric run parameter, e.g. \"iters\"", &k->xname));
    LMC_TRY(lmc_report_key_string(c, "group", "method",
        "a run parameter, e.g. \"method\"", &k->gname));
    LMC_TRY(lmc_report_count(c, "run"));
    LMC_TRY(lmc_report_need_param(c, "run", k->xname, "x"));
    LMC_TRY(lmc_report_need_outcome(c, "run", k->yname, "outcome"));
    const char *rows[] = {k->gname, k->xname};
    LMC_TRY(lmc_report_check_pooling(c, "run", rows, 2, "(group, x) pair"));
    return LMC_SUCCESS;
}

/* The points of the store, one series per value of the group parameter
 * (in *sv, *ns; the caller frees them, also on error). */
static int
read_series(lmc_report_ctx *c, const rnames *k, series **sv, size_t *ns)
{
    sqlite3_stmt *st;
    const char *args[] = {k->xname, k->gname, k->yname};
    LMC_TRY(lmc_report_sql(c, &st, query, 3, args));
    int rc, status = LMC_SUCCESS;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        const char *g = (const char *)sqlite3_column_text(st, 0);
        if (*ns == 0 || strcmp((*sv)[*ns - 1].name, g) != 0)
        {
            series *nv = realloc(*sv, (*ns + 1) * sizeof *nv);
            if (nv)
                *sv = nv;
            if (!nv || !(nv[*ns].name = strdup(g)))
            {
                status = LMC_ENOMEM;
                break;
            }
            nv[*ns].x = nv[*ns].y = NULL;
            nv[*ns].n = nv[*ns].cap = 0;
            (*ns)++;
        }
        if ((status = push(&(*sv)[*ns - 1],
                           log10(sqlite3_column_double(st, 1)),
                           log10(sqlite3_column_double(st, 2)))))
            break;
    }
    sqlite3_finalize(st);
    if (status == LMC_ENOMEM)
        LMC_ERROR(status, "rates: out of memory");
    if (rc != SQLITE_DONE)
        LMC_ERROR(LMC_EIO, "store: %s", sqlite3_errmsg(c->db));
    if (*ns == 0)
        LMC_ERROR(LMC_EINVAL, "report.outcome: no ok run cell has a "
                  "positive finite '%s' and a positive '%s' (accepted: an "
                  "outcome that decays)", k->yname, k->xname);
    return LMC_SUCCESS;
}

/* Tolerances across machines, measured by regenerating under four
 * OpenBLAS kernels and the directed rounding modes. */
static int
declare_tolerances(lmc_report_ctx *c, const char *yname)
{
    static const char fitted[] = "fitted to values stable to 1e-6";
    LMC_TRY(lmc_report_tol(c, yname, NULL, 0, 1e-6, 0, 0,
        "a prefix average of a small stochastic problem: did not move "
        "between kernels; 1e-6 leaves room for another libm"));
    LMC_TRY(lmc_report_tol(c, "slope", NULL, 1e-4, 0, 0, 0, fitted));
    LMC_TRY(lmc_report_tol(c, "intercept_log10", NULL, 1e-4, 0, 0, 0,
                           fitted));
    LMC_TRY(lmc_report_tol(c, "std_err", NULL, 1e-4, 1e-3, 0, 0, fitted));
    LMC_TRY(lmc_report_tol(c, "ci95_halfwidth", NULL, 1e-4, 1e-3, 0, 0,
                           fitted));
    LMC_TRY(lmc_report_tol(c, "theory", NULL, 0, 0, 0, 0,
        "stated in the spec"));
    return LMC_SUCCESS;
}

/* The table row of series s. */
static int
add_table_row(lmc_rtable *t, const series *s, const rfit *f)
{
    char b[7][32], ci[80];
    snprintf(b[0], 32, "%zu", s->n);
    if (isfinite(f->hw))
        snprintf(ci, sizeof ci, "[%s, %s]", lmc_rfmt_f(b[1], f->c1 - f->hw),
                 lmc_rfmt_f(b[2], f->c1 + f->hw));
    else
        ci[0] = '\0';
    const int th = !isnan(f->th);
    const char *in = !isfinite(f->hw) || !th        ? ""
                     : fabs(f->c1 - f->th) <= f->hw ? "yes"
                                                    : "no";
    const char *row[] = {s->name, b[0],
                         f->fitted ? lmc_rfmt_f(b[3], f->c1) : "",
                         isfinite(f->se) ? lmc_rfmt_f(b[4], f->se) : "", ci,
                         th ? lmc_rfmt_f(b[5], f->th) : "",
                         th && f->fitted ? lmc_rfmt_f(b[6], f->c1 - f->th)
                                         : "",
                         in};
    return lmc_rtable_add(t, row);
}

/* data.csv rows of series s: its points, then the fit. */
static int
add_data_rows(lmc_rtable *d, const series *s, const rfit *f,
              const char *yname)
{
    char b[2][32];
    for (size_t k = 0; k < s->n; k++)
    {
        const char *dr[] = {s->name, lmc_rfmt_g(b[0], pow(10, s->x[k])),
                            yname, lmc_rfmt_g(b[1], pow(10, s->y[k]))};
        LMC_TRY(lmc_rtable_add(d, dr));
    }
    static const char *const qn[] = {"slope", "intercept_log10", "std_err",
                                     "ci95_halfwidth", "theory"};
    const double qv[] = {f->c1, f->c0, f->se, f->hw, f->th};
    for (size_t k = 0; k < 5; k++)
    {
        const char *dr[] = {s->name, "", qn[k], lmc_rfmt_g(b[0], qv[k])};
        LMC_TRY(lmc_rtable_add(d, dr));
    }
    return LMC_SUCCESS;
}

/* Figure: the data block of series i, its points and fitted line in the
 * plot command. */
static void
add_series_plot(lmc_rfigure *fg, lmc_rbuf *plot, size_t i, const series *s,
                const rfit *f, const rnames *k)
{
    char b[4][32];
    lmc_rbuf_printf(&fg->dat, "%s# %s = %s: %s %s\n", i ? "\n\n" : "",
                    k->gname, s->name, k->xname, k->yname);
    for (size_t j = 0; j < s->n; j++)
        lmc_rbuf_printf(&fg->dat, "%s %s\n",
                        lmc_rfmt_dat(b[0], pow(10, s->x[j])),
                        lmc_rfmt_dat(b[1], pow(10, s->y[j])));
    const int th = !isnan(f->th);
    char label[160];
    snprintf(label, sizeof label, "%s: slope %s%s%s%s", s->name,
             f->fitted ? lmc_rfmt_f(b[2], f->c1) : "-",
             th ? " (theory " : "", th ? lmc_rfmt_f(b[3], f->th) : "",
             th ? ")" : "");
    lmc_rbuf_printf(plot, "%s'fig-rates.dat' index %zu using 1:2 with "
                    "points pt 7 ps 1.1 lc %zu title ",
                    i ? ", \\\n     " : "plot ", i, i + 1);
    lmc_rbuf_gpquote(plot, label);
    if (f->fitted)
    {
        lmc_rbuf_printf(&fg->gp, "f%zu(x) = 10**(%s) * x**(%s)\n", i,
                        lmc_rfmt_g(b[0], f->c0), lmc_rfmt_g(b[1], f->c1));
        lmc_rbuf_printf(plot, ", \\\n     f%zu(x) with lines lw 2 "
                        "lc %zu notitle", i, i + 1);
    }
}

/* Per series: the fit, its table row, data.csv rows and figure parts;
 * then the figure's script ends with the plot command. */
static int
write_series(lmc_report_ctx *c, const rnames *k, lmc_rtable *t,
             lmc_rtable *d, lmc_rfigure *fg, const series *sv, size_t ns)
{
    lmc_rbuf plot = {0};
    int status = LMC_SUCCESS;
    for (size_t i = 0; i < ns && !status; i++)
    {
        const series *s = &sv[i];
        rfit f = {NAN, NAN, NAN, NAN, NAN, 0};
        if ((status = theory_of(c, s->name, &f.th)))
            break;
        f.fitted = lmc_report_fit(s->x, s->y, s->n, &f.c0, &f.c1, &f.se,
                                  &f.hw) == LMC_SUCCESS;
        if (add_table_row(t, s, &f) || add_data_rows(d, s, &f, k->yname))
            status = LMC_ENOMEM;
        else
            add_series_plot(fg, &plot, i, s, &f, k);
    }
    if (!status)
    {
        lmc_rbuf_printf(&fg->gp, "set logscale xy\nset format y '%%.0e'\n"
                        "set xlabel ");
        lmc_rbuf_gpquote(&fg->gp, k->xname);
        lmc_rbuf_printf(&fg->gp, " offset 0,0.8\nset ylabel ");
        lmc_rbuf_gpquote(&fg->gp, k->yname);
        lmc_rbuf_printf(&fg->gp, "\nset key below horizontal Left reverse "
                        "box maxcols 2\nset grid\nset samples 200\n%s\n",
                        plot.buf ? plot.buf : "");
        if (plot.oom)
            status = LMC_ENOMEM;
    }
    lmc_rbuf_free(&plot);
    return status;
}

static int
run(lmc_report_ctx *c)
{
    rnames k;
    LMC_TRY(read_keys(c, &k));
    series *sv = NULL;
    size_t ns = 0;
    int status = read_series(c, &k, &sv, &ns);
    if (status)
        goto done;
    char h2[64], h5[64];
    snprintf(h2, sizeof h2, "slope d log %s / d log %s", k.yname, k.xname);
    snprintf(h5, sizeof h5, "theory");
    const char *head[] = {k.gname, "points", h2, "std err", "95% CI", h5,
                          "slope - theory", "theory in CI"};
    static const int num[] = {0, 1, 1, 1, 0, 1, 1, 0};
    lmc_rtable *t = lmc_report_table(c, NULL, 8, head, num);
    if ((status = declare_tolerances(c, k.yname)))
        goto done;
    static const char *const dhead[] = {"series", "x", "quantity", "value"};
    lmc_rtable *d = lmc_report_data(c, 4, dhead);
    lmc_rfigure *fg = lmc_report_figure(c, "rates",
        "outcome vs horizon, log-log, with least-squares lines per series");
    status = LMC_ENOMEM;
    if (!t || !d || !fg)
        goto done;
    status = write_series(c, &k, t, d, fg, sv, ns);
    if (!status)
        lmc_rbuf_printf(&c->notes,
            "Slopes are least-squares fits of log10 %s on log10 %s over "
            "every ok cell (seeds are separate points); the CI is "
            "slope +- t(0.975, n-2) * std err.\n\n", k.yname, k.xname);
done:
    for (size_t i = 0; i < ns; i++)
    {
        free(sv[i].name);
        free(sv[i].x);
        free(sv[i].y);
    }
    free(sv);
    return status;
}

const lmc_report_analysis lmc_report_rates = {"rates", help, run};
