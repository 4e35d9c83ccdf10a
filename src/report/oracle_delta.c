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

static int
run(lmc_report_ctx *c)
{
    LMC_TRY(lmc_report_count(c, "oracle"));
    LMC_TRY(lmc_report_need_param(c, "oracle", "steps", "analysis"));
    LMC_TRY(lmc_report_need_param(c, "oracle", "kappa", "analysis"));
    LMC_TRY(lmc_report_need_outcome(c, "oracle", "delta_pred", "analysis"));
    LMC_TRY(lmc_report_need_outcome(c, "oracle", "delta_meas", "analysis"));

    long nspec = 0, nshape = 0;
    LMC_TRY(distinct(c, "spectrum", &nspec));
    LMC_TRY(distinct(c, "shape", &nshape));
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
    lmc_rtable *ts = lmc_report_table(
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
    lmc_rtable *t = lmc_report_table(c, caption, 10, head, num);
    const char *dhead[] = {"schedule", "precision", input,
                           "steps", "quantity", "value"};
    lmc_rtable *d = lmc_report_data(c, 6, dhead);
    lmc_rfigure *fg = lmc_report_figure(
        c, "delta", "oracle error delta vs Newton-Schulz steps, one panel "
        "per schedule: scalar-map prediction (lines, one colour per kappa) "
        "and measured (points, one symbol per precision)");
    if (!ts || !t || !d || !fg)
        return LMC_ENOMEM;

    sqlite3_stmt *st;
    LMC_TRY(lmc_report_sql(c, &st, query, 0, NULL));
    char scheds[MAX_SCHED][96], kappas[MAX_KAPPA][96], precs[MAX_PREC][96];
    size_t nsched = 0, nkappa = 0, nprec = 0, nblock = 0;
    /* data block index of (schedule, precision, kappa) */
    int block[MAX_SCHED][MAX_PREC][MAX_KAPPA];
    memset(block, -1, sizeof block);
    double qmax[MAX_SCHED] = {0}, ymin = 1;
    group g = {"", "", "", {NAN, NAN}, {NAN, NAN}, INFINITY, NAN};
    char b[10][32];
    int rc, status = LMC_SUCCESS, have = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        const char *sched = (const char *)sqlite3_column_text(st, 0);
        const char *prec = (const char *)sqlite3_column_text(st, 1);
        const double kappa = lmc_report_col(st, 2);
        const double steps = lmc_report_col(st, 3);
        const long n = (long)sqlite3_column_int64(st, 4);
        const long ne = (long)sqlite3_column_int64(st, 5);
        const double pred = lmc_report_col(st, 6);
        const double meas = lmc_report_col(st, 7);
        const double mx = lmc_report_col(st, 8);
        const double ratio = pred > 0 ? meas / pred : NAN;
        snprintf(b[0], 32, "%ld", n);
        snprintf(b[1], 32, "%ld", ne);
        /* the input label: kappa [, spectrum] [, shape] */
        char in[96];
        const char *spec = (const char *)sqlite3_column_text(st, 9);
        const char *shape = (const char *)sqlite3_column_text(st, 10);
        snprintf(in, sizeof in, "%s%s%s%s%s", lmc_rfmt_g(b[2], kappa),
                 nspec > 1 ? ", " : "", nspec > 1 ? spec : "",
                 nshape > 1 ? ", " : "", nshape > 1 ? shape : "");
        lmc_rfmt_g(b[3], steps);
        if (ne == n) /* refused cells (e.g. steps beyond a schedule) */
            continue;
        const char *row[] = {sched, prec, in, b[3], b[0], b[1],
                             /* measured: three digits (above the floor
                              * stable to 3e-4; at it to 28%) */
                             lmc_rfmt_e(b[4], pred),
                             lmc_rfmt_sig(b[5], meas, 3),
                             pred > 0 ? lmc_rfmt_sig(b[6], ratio, 2) : "",
                             lmc_rfmt_sig(b[7], mx, 3)};
        if ((status = lmc_rtable_add(t, row)))
            break;
        static const char *const qn[] = {"cells", "errors", "delta_pred",
                                         "delta_meas", "ratio",
                                         "delta_meas_max"};
        const double qv[] = {(double)n, (double)ne, pred, meas, ratio, mx};
        for (size_t k = 0; k < 6 && !status; k++)
        {
            const char *dr[] = {sched, prec, in, b[3], qn[k],
                                lmc_rfmt_g(b[8], qv[k])};
            status = lmc_rtable_add(d, dr);
        }
        if (status)
            break;

        /* Summary groups: (schedule, precision, kappa). */
        if (!have || strcmp(g.sched, sched) || strcmp(g.prec, prec) ||
            strcmp(g.kappa, in))
        {
            if (have && (status = group_row(ts, &g)))
                break;
            snprintf(g.sched, sizeof g.sched, "%s", sched);
            snprintf(g.prec, sizeof g.prec, "%s", prec);
            snprintf(g.kappa, sizeof g.kappa, "%s", in);
            g.q_pred[0] = g.q_pred[1] = g.q_meas[0] = g.q_meas[1] = NAN;
            g.q_floor = NAN;
            g.floor = INFINITY;
            have = 1;
        }
        for (int j = 0; j < 2; j++)
        {
            if (isnan(g.q_pred[j]) && pred <= GOAL[j])
                g.q_pred[j] = steps;
            if (isnan(g.q_meas[j]) && meas <= GOAL[j])
                g.q_meas[j] = steps;
        }
        if (meas < g.floor)
            g.floor = meas, g.q_floor = steps;

        /* Figure blocks. */
        const int is = find(scheds, &nsched, MAX_SCHED, sched);
        const int ip = find(precs, &nprec, MAX_PREC, *prec ? prec : "-");
        const int ik = find(kappas, &nkappa, MAX_KAPPA, in);
        if (is < 0 || ip < 0 || ik < 0)
        {
            sqlite3_finalize(st);
            LMC_ERROR(LMC_EINVAL, "report oracle-delta: the figure takes "
                      "at most %d schedules, %d precisions and %d inputs "
                      "(kappa, spectrum, shape)",
                      MAX_SCHED, MAX_PREC, MAX_KAPPA);
        }
        if (block[is][ip][ik] < 0)
        {
            if (nblock)
                lmc_rbuf_printf(&fg->dat, "\n\n");
            lmc_rbuf_printf(&fg->dat, "# block %zu: schedule %s precision "
                            "%s kappa %s\n# steps delta_pred delta_meas\n",
                            nblock, sched, *prec ? prec : "-", in);
            block[is][ip][ik] = (int)nblock++;
        }
        qmax[is] = fmax(qmax[is], steps);
        char v1[32], v2[32];
        /* values below the plot's floor are clamped to it (a predicted
         * 1e-70 or an exact 0 would flatten the panel) */
        ymin = fmin(ymin, fmin(fmax(pred, Y_FLOOR), fmax(meas, Y_FLOOR)));
        lmc_rbuf_printf(&fg->dat, "%s %s %s\n", b[3],
                        lmc_rfmt_dat(v1, fmax(pred, Y_FLOOR)),
                        lmc_rfmt_dat(v2, fmax(meas, Y_FLOOR)));
    }
    sqlite3_finalize(st);
    if (!status && rc != SQLITE_DONE)
        LMC_ERROR(LMC_EIO, "store: %s", sqlite3_errmsg(c->db));
    if (!status && have)
        status = group_row(ts, &g);
    if (!status)
        status = declare_tolerances(c, d, precs, nprec);
    if (status)
        return status;

    /* One panel per schedule; the last cell of a 2-column layout (or a
     * panel of its own) holds the key. */
    static const int ptype[MAX_PREC] = {7, 9, 5, 13};
    const size_t npanel = nsched + 1, ncol = npanel <= 2 ? npanel : 2;
    const size_t nrow = (npanel + ncol - 1) / ncol;
    lmc_rbuf_printf(&fg->gp,
        "set multiplot layout %zu,%zu\n"
        "set logscale y\nset format y '%s'\n"
        "set yrange [%.3g:3]\n"
        "set grid\nunset key\n"
        "set xlabel 'Newton-Schulz steps q'\n"
        "set ylabel 'delta (spectral norm)'\n", nrow, ncol,
        ymin < 0.03 ? "1e%L" : "%g", ymin / 3);
    for (size_t is = 0; is < nsched; is++)
    {
        lmc_rbuf_printf(&fg->gp, "set title ");
        lmc_rbuf_gpquote(&fg->gp, scheds[is]);
        lmc_rbuf_printf(&fg->gp, "\nset xrange [0:%g]\nplot ",
                        qmax[is] + 1);
        int first = 1;
        for (size_t ik = 0; ik < nkappa; ik++)
            for (size_t ip = 0; ip < nprec; ip++)
            {
                const int k = block[is][ip][ik];
                if (k < 0)
                    continue;
                /* the prediction does not depend on the precision: one
                 * line per kappa */
                if (ip == 0 || block[is][0][ik] < 0)
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
    lmc_rbuf_printf(&fg->gp,
        "unset title\nunset xlabel\nunset ylabel\nunset tics\nunset grid\n"
        "unset border\nunset logscale\nset xrange [0:1]\nset yrange [0:1]\n"
        "set key center center vertical Left reverse samplen 3 spacing 1.2\n"
        "plot ");
    for (size_t ik = 0; ik < nkappa; ik++)
    {
        char label[160];
        snprintf(label, sizeof label, "kappa %.95s (line: predicted)",
                 kappas[ik]);
        lmc_rbuf_printf(&fg->gp, "%sNaN with lines lw 2 lc %zu title ",
                        ik ? ", \\\n     " : "", ik + 1);
        lmc_rbuf_gpquote(&fg->gp, label);
    }
    for (size_t ip = 0; ip < nprec; ip++)
    {
        char label[160];
        snprintf(label, sizeof label, "measured, %.95s", precs[ip]);
        lmc_rbuf_printf(&fg->gp, ", \\\n     NaN with points pt %d ps 1.1 "
                        "lc rgb 'black' title ", ptype[ip]);
        lmc_rbuf_gpquote(&fg->gp, label);
    }
    lmc_rbuf_printf(&fg->gp, "\nunset multiplot\n");
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
