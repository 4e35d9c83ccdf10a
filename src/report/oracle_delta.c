/* report/oracle_delta.c -- analysis "oracle-delta" (THEORY O2): the
 * measured oracle error delta_meas = ||S~ - LMO(M)|| against the scalar-map
 * prediction delta_pred = max_i |p^(q)(s_i) - 1|, by schedule x steps x
 * kappa (x precision).
 *
 * Cells: kind "oracle" with params schedule, steps, kappa (precision
 * optional) and outcomes delta_pred, delta_meas.  Per group: the mean of
 * each over the group's cells (seeds, shapes), and ratio = mean measured /
 * mean predicted (undefined when the prediction is 0, e.g. exact oracles).
 * In exact arithmetic the ratio is 1; rounding shows as ratios above 1 once
 * the prediction falls below the precision's unit roundoff.
 *
 * Report keys: analysis, title, summary (nothing else).
 * A summary table gives, per (schedule, precision, kappa), the smallest
 * grid q with predicted and with measured delta <= 0.5 and <= 1e-6, and
 * the measured
 * floor (the smallest measured delta over q) with its q.
 * Figure "delta": one panel per schedule (plus one for the key), delta vs
 * steps on a log axis clamped at 1e-17: the prediction as lines (one
 * colour per kappa; it does not depend on the precision), the measured
 * deltas as points (one symbol per precision).
 */
#include "impl.h"
#include "fpio.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "    oracle cells (THEORY O2); no further keys.  Table: mean\n"
    "    delta_pred, delta_meas and their ratio by schedule x precision x\n"
    "    kappa x steps.  Figure fig-delta: delta vs steps, predicted lines,\n"
    "    measured points, log y.\n";

/* Grouped by schedule, precision, kappa, spectrum, shape and steps (the
 * mean is over seeds only); spectrum and shape join the "input" label
 * when the store has more than one of them. */
static const char query[] =
    "SELECT COALESCE(ps.value, ''), COALESCE(pp.value, ''), pk.num, pq.num,"
    " COUNT(*), COALESCE(SUM(c.status <> 'ok'), 0),"
    " AVG(dp.value), AVG(dm.value), MAX(dm.value),"
    " COALESCE(psp.value, ''), COALESCE(psh.value, '')"
    " FROM cells c"
    " JOIN params pq ON pq.key = c.key AND pq.name = 'steps'"
    " JOIN params pk ON pk.key = c.key AND pk.name = 'kappa'"
    " LEFT JOIN params ps ON ps.key = c.key AND ps.name = 'schedule'"
    " LEFT JOIN params pp ON pp.key = c.key AND pp.name = 'precision'"
    " LEFT JOIN params psp ON psp.key = c.key AND psp.name = 'spectrum'"
    " LEFT JOIN params psh ON psh.key = c.key AND psh.name = 'shape'"
    " LEFT JOIN outcomes dp ON dp.key = c.key AND dp.name = 'delta_pred'"
    " LEFT JOIN outcomes dm ON dm.key = c.key AND dm.name = 'delta_meas'"
    " WHERE c.kind = 'oracle'"
    " GROUP BY 1, 2, 3, 10, 11, 4 ORDER BY 1, 2, 3, 10, 11, 4";

static const char distinct_query[] =
    "SELECT COUNT(DISTINCT COALESCE(p.value, '')) FROM cells c"
    " LEFT JOIN params p ON p.key = c.key AND p.name = ?1"
    " WHERE c.kind = 'oracle'";

/* Number of distinct values of param name over the oracle cells. */
static int
distinct(lmc_report_ctx *c, const char *name, long *n)
{
    sqlite3_stmt *st;
    LMC_TRY(lmc_report_sql(c, &st, distinct_query, 1, &name));
    *n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return LMC_SUCCESS;
}

/* Per (schedule, precision, kappa): the smallest grid q reaching
 * delta <= GOAL[j] (predicted, measured) and the measured floor. */
static const double GOAL[2] = {0.5, 1e-6};
#define MAX_SCHED 8
#define MAX_KAPPA 8
#define MAX_PREC 4
#define Y_FLOOR 1e-17 /* below every precision's floor: clamps the plot */

typedef struct
{
    char sched[64], prec[16], kappa[96];
    double q_pred[2], q_meas[2], floor, q_floor;
} group;

static int
group_row(lmc_rtable *t, const group *g)
{
    char b[6][32];
    const char *row[] = {
        g->sched, g->prec, g->kappa,
        isnan(g->q_pred[0]) ? "-" : lmc_rfmt_g(b[0], g->q_pred[0]),
        isnan(g->q_meas[0]) ? "-" : lmc_rfmt_g(b[1], g->q_meas[0]),
        isnan(g->q_pred[1]) ? "-" : lmc_rfmt_g(b[2], g->q_pred[1]),
        isnan(g->q_meas[1]) ? "-" : lmc_rfmt_g(b[3], g->q_meas[1]),
        lmc_rfmt_sig(b[4], g->floor, 2), lmc_rfmt_g(b[5], g->q_floor)};
    return lmc_rtable_add(t, row);
}

static int
find(char names[][96], size_t *n, size_t cap, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    if (*n == cap)
        return -1;
    snprintf(names[*n], 96, "%s", s);
    return (int)(*n)++;
}

/* Tolerances across machines.  The measured delta stops falling at a
 * floor set by rounding (fp64 ~1e-14 at kappa 1e3), and values at the
 * floor move by up to 28% of themselves between OpenBLAS kernels; above
 * it they move by < 3e-4 (fp32) and not in the printed digits (fp64).
 * So per precision: abs = 1/2 of the largest measured delta at the floor
 * (rows whose predicted delta is below a tenth of the measured one:
 * rounding, not the map, sets them; an error above 1/2 is a failed
 * orthogonalization, not a floor), derived here from the data; rel
 * 1e-6 (fp64) or 1e-3 (fp32, bf16) elsewhere.  d: (schedule, precision,
 * input, steps, quantity, value), delta_pred before delta_meas. */
static int
declare_tolerances(lmc_report_ctx *c, const lmc_rtable *d,
                   char precs[][96], size_t nprec)
{
    for (size_t ip = 0; ip < nprec; ip++)
    {
        double worst = 0, pred = NAN;
        for (size_t i = 0; i < d->nrow; i++)
        {
            char *const *r = d->cell + i * d->ncol;
            if (strcmp(r[1], precs[ip]) != 0)
                continue;
            const double v = lmc_strtod(r[5], NULL);
            if (strcmp(r[4], "delta_pred") == 0)
                pred = v;
            else if (strcmp(r[4], "delta_meas") == 0 && isfinite(v) &&
                     pred < v / 10 && v <= 0.5)
                worst = fmax(worst, v);
        }
        const int p64 = strcmp(precs[ip], "fp64") == 0;
        char why[320];
        snprintf(why, sizeof why, "%.16s: abs = 1/2 of the largest delta "
                 "measured at the rounding floor here (pred < meas/10, "
                 "meas <= 0.5; such values move by up to 28%% between kernels); rel %s "
                 "elsewhere", precs[ip],
                 p64 ? "1e-6" : "1e-3 (a kernel changes the last bits of "
                 "an fp32 product)");
        /* two digits, rounded up: the %g of the tol column states it */
        const double w = worst / 2;
        const double e = w > 0 ? pow(10, floor(log10(w)) - 1) : 0;
        const double a = w > 0 ? ceil(w / e) * e : 0;
        LMC_TRY(lmc_report_tol(c, "delta_meas", precs[ip], a,
                               p64 ? 1e-6 : 1e-3, 0, 0, why));
        LMC_TRY(lmc_report_tol(c, "delta_meas_max", precs[ip], a,
                               p64 ? 1e-6 : 1e-3, 0, 0, why));
    }
    LMC_TRY(lmc_report_tol(c, "delta_pred", NULL, 0, 1e-9, 0, 0,
        "the scalar map on LAPACK's singular values: ulp-level"));
    LMC_TRY(lmc_report_tol(c, "ratio", NULL, 0, 0.5, 0, 0,
        "meas/pred: at the floor it moves with the measured delta (28% "
        "between kernels: 474 SkylakeX, 656 Prescott at cubic fp64 kappa "
        "1e3, 24 steps)"));
    return LMC_SUCCESS;
}

/* One row of query: a (schedule, precision, input, steps) group. */
typedef struct
{
    const char *sched, *prec;
    char in[96];  /* the input label: kappa [, spectrum] [, shape] */
    char steps_text[32];
    double steps, pred, meas, mx, ratio;
    long n, ne;
} orow;

/* What run builds: the outputs, the names met so far (figure blocks) and
 * the current summary group. */
typedef struct
{
    long nspec, nshape;
    lmc_rtable *ts, *t, *d;
    lmc_rfigure *fg;
    char scheds[MAX_SCHED][96], kappas[MAX_KAPPA][96], precs[MAX_PREC][96];
    size_t nsched, nkappa, nprec, nblock;
    int block[MAX_SCHED][MAX_PREC][MAX_KAPPA]; /* data block index of
                                                  (schedule, precision,
                                                  kappa), -1: none */
    double qmax[MAX_SCHED], ymin;
    group g;
    int have; /* g holds a group */
} odstate;

/* The summary table, the table of every group, data.csv and the
 * figure, with the input columns the store needs. */
static int
open_outputs(lmc_report_ctx *c, odstate *s)
{
    LMC_TRY(distinct(c, "spectrum", &s->nspec));
    LMC_TRY(distinct(c, "shape", &s->nshape));
    const long nspec = s->nspec, nshape = s->nshape;
    const char *input = nspec > 1 && nshape > 1 ? "kappa, spectrum, shape"
                        : nspec > 1             ? "kappa, spectrum"
                        : nshape > 1            ? "kappa, shape"
                                                : "kappa";
    const int knum = strcmp(input, "kappa") == 0; /* a number or a label */
    const char *shead[] = {
        "schedule", "precision", input, "q: pred <= 0.5",
        "q: meas <= 0.5", "q: pred <= 1e-6", "q: meas <= 1e-6",
        "floor (min meas)", "at q"};
    const int snum[] = {0, 0, knum, 1, 1, 1, 1, 1, 1};
    s->ts = lmc_report_table(
        c, "Steps to delta <= 0.5 and <= 1e-6 (smallest q of the grid; - "
        "if none), predicted and measured, and the measured floor:", 9,
        shead, snum);
    const char *head[] = {
        "schedule", "precision", input, "steps", "cells", "errors",
        "delta_pred", "delta_meas", "meas/pred", "max delta_meas"};
    const int num[] = {0, 0, knum, 1, 1, 1, 1, 1, 1, 1};
    char caption[128];
    snprintf(caption, sizeof caption, "Every (schedule, precision, %s, "
             "steps):", input);
    s->t = lmc_report_table(c, caption, 10, head, num);
    const char *dhead[] = {"schedule", "precision", input,
                           "steps", "quantity", "value"};
    s->d = lmc_report_data(c, 6, dhead);
    s->fg = lmc_report_figure(
        c, "delta", "oracle error delta vs Newton-Schulz steps, one panel "
        "per schedule: scalar-map prediction (lines, one colour per kappa) "
        "and measured (points, one symbol per precision)");
    if (!s->ts || !s->t || !s->d || !s->fg)
        return LMC_ENOMEM;
    return LMC_SUCCESS;
}

/* The current row of query into r. */
static void
read_row(sqlite3_stmt *st, const odstate *s, orow *r)
{
    r->sched = (const char *)sqlite3_column_text(st, 0);
    r->prec = (const char *)sqlite3_column_text(st, 1);
    const double kappa = lmc_report_col(st, 2);
    r->steps = lmc_report_col(st, 3);
    r->n = (long)sqlite3_column_int64(st, 4);
    r->ne = (long)sqlite3_column_int64(st, 5);
    r->pred = lmc_report_col(st, 6);
    r->meas = lmc_report_col(st, 7);
    r->mx = lmc_report_col(st, 8);
    r->ratio = r->pred > 0 ? r->meas / r->pred : NAN;
    const char *spec = (const char *)sqlite3_column_text(st, 9);
    const char *shape = (const char *)sqlite3_column_text(st, 10);
    char k[32];
    snprintf(r->in, sizeof r->in, "%s%s%s%s%s", lmc_rfmt_g(k, kappa),
             s->nspec > 1 ? ", " : "", s->nspec > 1 ? spec : "",
             s->nshape > 1 ? ", " : "", s->nshape > 1 ? shape : "");
    lmc_rfmt_g(r->steps_text, r->steps);
}

/* The row of r in the table of every group and its data.csv rows. */
static int
add_group_rows(odstate *s, const orow *r)
{
    char b[7][32];
    snprintf(b[0], 32, "%ld", r->n);
    snprintf(b[1], 32, "%ld", r->ne);
    const char *row[] = {r->sched, r->prec, r->in, r->steps_text, b[0], b[1],
                         /* measured: three digits (above the floor
                          * stable to 3e-4; at it to 28%) */
                         lmc_rfmt_e(b[2], r->pred),
                         lmc_rfmt_sig(b[3], r->meas, 3),
                         r->pred > 0 ? lmc_rfmt_sig(b[4], r->ratio, 2) : "",
                         lmc_rfmt_sig(b[5], r->mx, 3)};
    LMC_TRY(lmc_rtable_add(s->t, row));
    static const char *const qn[] = {"cells", "errors", "delta_pred",
                                     "delta_meas", "ratio",
                                     "delta_meas_max"};
    const double qv[] = {(double)r->n, (double)r->ne, r->pred, r->meas,
                         r->ratio, r->mx};
    for (size_t k = 0; k < 6; k++)
    {
        const char *dr[] = {r->sched, r->prec, r->in, r->steps_text, qn[k],
                            lmc_rfmt_g(b[6], qv[k])};
        LMC_TRY(lmc_rtable_add(s->d, dr));
    }
    return LMC_SUCCESS;
}

/* Summary groups: (schedule, precision, kappa).  A new group writes the
 * previous one's row; r then updates the smallest q reaching each goal
 * and the floor. */
static int
update_summary(odstate *s, const orow *r)
{
    group *g = &s->g;
    if (!s->have || strcmp(g->sched, r->sched) || strcmp(g->prec, r->prec) ||
        strcmp(g->kappa, r->in))
    {
        if (s->have)
            LMC_TRY(group_row(s->ts, g));
        snprintf(g->sched, sizeof g->sched, "%s", r->sched);
        snprintf(g->prec, sizeof g->prec, "%s", r->prec);
        snprintf(g->kappa, sizeof g->kappa, "%s", r->in);
        g->q_pred[0] = g->q_pred[1] = g->q_meas[0] = g->q_meas[1] = NAN;
        g->q_floor = NAN;
        g->floor = INFINITY;
        s->have = 1;
    }
    for (int j = 0; j < 2; j++)
    {
        if (isnan(g->q_pred[j]) && r->pred <= GOAL[j])
            g->q_pred[j] = r->steps;
        if (isnan(g->q_meas[j]) && r->meas <= GOAL[j])
            g->q_meas[j] = r->steps;
    }
    if (r->meas < g->floor)
        g->floor = r->meas, g->q_floor = r->steps;
    return LMC_SUCCESS;
}

/* The figure's data: r in the block of its (schedule, precision,
 * kappa), opened on first use. */
static int
add_figure_point(odstate *s, const orow *r)
{
    lmc_rfigure *fg = s->fg;
    const char *prec = *r->prec ? r->prec : "-";
    const int is = find(s->scheds, &s->nsched, MAX_SCHED, r->sched);
    const int ip = find(s->precs, &s->nprec, MAX_PREC, prec);
    const int ik = find(s->kappas, &s->nkappa, MAX_KAPPA, r->in);
    if (is < 0 || ip < 0 || ik < 0)
        LMC_ERROR(LMC_EINVAL, "report oracle-delta: the figure takes "
                  "at most %d schedules, %d precisions and %d inputs "
                  "(kappa, spectrum, shape)",
                  MAX_SCHED, MAX_PREC, MAX_KAPPA);
    if (s->block[is][ip][ik] < 0)
    {
        if (s->nblock)
            lmc_rbuf_printf(&fg->dat, "\n\n");
        lmc_rbuf_printf(&fg->dat, "# block %zu: schedule %s precision "
                        "%s kappa %s\n# steps delta_pred delta_meas\n",
                        s->nblock, r->sched, prec, r->in);
        s->block[is][ip][ik] = (int)s->nblock++;
    }
    s->qmax[is] = fmax(s->qmax[is], r->steps);
    char v1[32], v2[32];
    /* values below the plot's floor are clamped to it (a predicted 1e-70
     * or an exact 0 would flatten the panel) */
    const double pred = fmax(r->pred, Y_FLOOR), meas = fmax(r->meas, Y_FLOOR);
    s->ymin = fmin(s->ymin, fmin(pred, meas));
    lmc_rbuf_printf(&fg->dat, "%s %s %s\n", r->steps_text,
                    lmc_rfmt_dat(v1, pred), lmc_rfmt_dat(v2, meas));
    return LMC_SUCCESS;
}

/* One row of query into the tables, the summary and the figure. */
static int
group_of_row(void *arg, sqlite3_stmt *st)
{
    odstate *s = arg;
    orow r;
    read_row(st, s, &r);
    if (r.ne == r.n) /* refused cells (e.g. steps beyond a schedule) */
        return LMC_SUCCESS;
    LMC_TRY(add_group_rows(s, &r));
    LMC_TRY(update_summary(s, &r));
    return add_figure_point(s, &r);
}

/* Every group of the store into the tables, data.csv and the figure's
 * data. */
static int
read_groups(lmc_report_ctx *c, odstate *s)
{
    sqlite3_stmt *st;
    LMC_TRY(lmc_report_sql(c, &st, query, 0, NULL));
    LMC_TRY(lmc_report_rows(c, st, group_of_row, s));
    return s->have ? group_row(s->ts, &s->g) : LMC_SUCCESS;
}

static const int ptype[MAX_PREC] = {7, 9, 5, 13}; /* point per precision */

/* The figure's panel of schedule is: a line per kappa (the prediction
 * does not depend on the precision), points per (precision, kappa). */
static void
schedule_panel(lmc_rfigure *fg, const odstate *s, size_t is)
{
    lmc_rbuf_printf(&fg->gp, "set title ");
    lmc_rbuf_gpquote(&fg->gp, s->scheds[is]);
    lmc_rbuf_printf(&fg->gp, "\nset xrange [0:%g]\nplot ", s->qmax[is] + 1);
    int first = 1;
    for (size_t ik = 0; ik < s->nkappa; ik++)
        for (size_t ip = 0; ip < s->nprec; ip++)
        {
            const int k = s->block[is][ip][ik];
            if (k < 0)
                continue;
            if (ip == 0 || s->block[is][0][ik] < 0)
                lmc_rbuf_printf(&fg->gp, "%s'fig-delta.dat' index %d "
                                "using 1:2 with lines lw 2 lc %zu",
                                first ? "" : ", \\\n     ", k, ik + 1);
            lmc_rbuf_printf(&fg->gp, ", \\\n     'fig-delta.dat' index "
                            "%d using 1:3 with points pt %d ps 1.1 lc "
                            "%zu", k, ptype[ip], ik + 1);
            first = 0;
        }
    lmc_rbuf_printf(&fg->gp, "\n");
}

/* The key panel: invisible data, only the legend. */
static void
key_panel(lmc_rfigure *fg, const odstate *s)
{
    lmc_rbuf_printf(&fg->gp,
        "unset title\nunset xlabel\nunset ylabel\nunset tics\nunset grid\n"
        "unset border\nunset logscale\nset xrange [0:1]\nset yrange [0:1]\n"
        "set key center center vertical Left reverse samplen 3 spacing 1.2\n"
        "plot ");
    for (size_t ik = 0; ik < s->nkappa; ik++)
    {
        char label[160];
        snprintf(label, sizeof label, "kappa %.95s (line: predicted)",
                 s->kappas[ik]);
        lmc_rbuf_printf(&fg->gp, "%sNaN with lines lw 2 lc %zu title ",
                        ik ? ", \\\n     " : "", ik + 1);
        lmc_rbuf_gpquote(&fg->gp, label);
    }
    for (size_t ip = 0; ip < s->nprec; ip++)
    {
        char label[160];
        snprintf(label, sizeof label, "measured, %.95s", s->precs[ip]);
        lmc_rbuf_printf(&fg->gp, ", \\\n     NaN with points pt %d ps 1.1 "
                        "lc rgb 'black' title ", ptype[ip]);
        lmc_rbuf_gpquote(&fg->gp, label);
    }
    lmc_rbuf_printf(&fg->gp, "\nunset multiplot\n");
}

/* The figure's script: one panel per schedule; the last cell of a
 * 2-column layout (or a panel of its own) holds the key. */
static void
figure_script(lmc_rfigure *fg, const odstate *s)
{
    const size_t npanel = s->nsched + 1, ncol = npanel <= 2 ? npanel : 2;
    const size_t nrow = (npanel + ncol - 1) / ncol;
    lmc_rbuf_printf(&fg->gp,
        "set multiplot layout %zu,%zu\n"
        "set logscale y\nset format y '%s'\n"
        "set yrange [%.3g:3]\n"
        "set grid\nunset key\n"
        "set xlabel 'Newton-Schulz steps q'\n"
        "set ylabel 'delta (spectral norm)'\n", nrow, ncol,
        s->ymin < 0.03 ? "1e%L" : "%g", s->ymin / 3);
    for (size_t is = 0; is < s->nsched; is++)
        schedule_panel(fg, s, is);
    key_panel(fg, s);
}

static int
run(lmc_report_ctx *c)
{
    LMC_TRY(lmc_report_count(c, "oracle"));
    LMC_TRY(lmc_report_need_param(c, "oracle", "steps", "analysis"));
    LMC_TRY(lmc_report_need_param(c, "oracle", "kappa", "analysis"));
    static const char *const need[] = {"delta_pred", "delta_meas"};
    LMC_TRY(lmc_report_need_outcomes(c, "oracle", need, 2));
    odstate st = {0}, *s = &st;
    memset(s->block, -1, sizeof s->block);
    s->ymin = 1;
    s->g = (group){"", "", "", {NAN, NAN}, {NAN, NAN}, INFINITY, NAN};
    int status = open_outputs(c, s);
    if (!status)
        status = read_groups(c, s);
    if (!status)
        status = declare_tolerances(c, s->d, s->precs, s->nprec);
    if (!status)
        figure_script(s->fg, s);
    if (status)
        return status;
    lmc_rbuf_printf(&c->notes,
        "meas/pred is mean measured over mean predicted delta; 1 in exact "
        "arithmetic, above 1 where rounding dominates the predicted error. "
        "Cells the oracle refused (e.g. more steps than a fixed schedule "
        "has) are counted in the store line and left out of the tables. "
        "In the figure, values below %g are drawn at %g.\n\n",
        Y_FLOOR, Y_FLOOR);
    return LMC_SUCCESS;
}

const lmc_report_analysis lmc_report_oracle_delta = {"oracle-delta", help,
                                                     run};
