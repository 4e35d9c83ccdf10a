/* report/util.c -- shared helpers of the analyses: text buffers, the
 * context's result tables, fixed number formats, checked spec keys and
 * store names, and the least-squares line with its Student-t confidence
 * interval.
 *
 * Fit: gsl_fit_linear gives c0, c1 and cov11 = s^2 / sum (x - xbar)^2 with
 * s^2 = sum r^2 / (n - 2); the 95% half-width is t_{0.975, n-2} sqrt(cov11)
 * (gsl_cdf_tdist_Pinv).
 */
#include "impl.h"
#include "fpio.h"
#include "status.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>

void
lmc_rbuf_printf(lmc_rbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;)
    {
        va_list ap;
        va_start(ap, fmt);
        const size_t room = b->cap - b->len;
        const int k = vsnprintf(b->buf ? b->buf + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
        {
            b->oom = 1;
            return;
        }
        if ((size_t)k < room)
        {
            b->len += (size_t)k;
            return;
        }
        size_t cap = b->cap ? 2 * b->cap : 1024;
        while (cap < b->len + (size_t)k + 1)
            cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb)
        {
            b->oom = 1;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
}

void
lmc_rbuf_free(lmc_rbuf *b)
{
    free(b->buf);
    memset(b, 0, sizeof *b);
}

void
lmc_rbuf_gpquote(lmc_rbuf *b, const char *s)
{
    lmc_rbuf_printf(b, "'");
    for (; *s; s++)
        lmc_rbuf_printf(b, *s == '\'' ? "''" : "%c", *s);
    lmc_rbuf_printf(b, "'");
}

lmc_rtable *
lmc_report_table(lmc_report_ctx *c, const char *caption, size_t ncol,
                 const char *const *head, const int *numeric)
{
    if (c->ntable == LMC_REPORT_MAX_TABLES)
        LMC_ERROR_NULL(LMC_EINVAL, "report: more than %d tables",
                       LMC_REPORT_MAX_TABLES);
    lmc_rtable *t = &c->table[c->ntable];
    if (lmc_rtable_init(t, caption, ncol, head, numeric))
        return NULL;
    c->ntable++;
    return t;
}

lmc_rtable *
lmc_report_data(lmc_report_ctx *c, size_t ncol, const char *const *head)
{
    if (c->has_data)
        lmc_rtable_free(&c->data);
    if (lmc_rtable_init(&c->data, NULL, ncol, head, NULL))
        return NULL;
    c->has_data = 1;
    return &c->data;
}

lmc_rfigure *
lmc_report_figure(lmc_report_ctx *c, const char *name, const char *what)
{
    if (c->nfig == LMC_REPORT_MAX_FIGURES)
        LMC_ERROR_NULL(LMC_EINVAL, "report: more than %d figures",
                       LMC_REPORT_MAX_FIGURES);
    lmc_rfigure *f = &c->fig[c->nfig++];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->what, sizeof f->what, "%s", what);
    return f;
}

static const char *
nonfinite(char *buf, double x)
{
    if (isnan(x))
        return strcpy(buf, "nan");
    return strcpy(buf, x > 0 ? "inf" : "-inf");
}

const char *
lmc_rfmt_e(char *buf, double x)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    snprintf(buf, 32, "%.4e", x);
    return buf;
}

const char *
lmc_rfmt_f(char *buf, double x)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    if (fabs(x) >= 1e5) /* ratios far from 1: keep the column narrow */
        snprintf(buf, 32, "%.4e", x);
    else
        snprintf(buf, 32, "%.4f", x);
    if (strcmp(buf, "-0.0000") == 0) /* a tiny negative prints as 0 */
        strcpy(buf, "0.0000");
    return buf;
}

const char *
lmc_rfmt_sig(char *buf, double x, int sig)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    snprintf(buf, 32, "%.*e", sig > 1 ? sig - 1 : 0, x);
    return buf;
}

const char *
lmc_rfmt_fixed(char *buf, double x, int decimals)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    snprintf(buf, 32, "%.*f", decimals, x);
    if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
        memmove(buf, buf + 1, strlen(buf)); /* -0.00 prints as 0.00 */
    return buf;
}

const char *
lmc_rfmt_g(char *buf, double x)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    snprintf(buf, 32, "%.10g", x == 0 ? 0.0 : x);
    return buf;
}

const char *
lmc_rfmt_dat(char *buf, double x)
{
    if (!isfinite(x))
        return strcpy(buf, "NaN");
    return lmc_rfmt_g(buf, x);
}

int
lmc_report_key_string(lmc_report_ctx *c, const char *key, const char *def,
                      const char *accepted, const char **out)
{
    const config_setting_t *s = config_setting_get_member(c->report, key);
    if (!s)
    {
        if (!def)
            LMC_ERROR(LMC_EINVAL, "report.%s: missing (accepted: %s)", key,
                      accepted);
        *out = def;
        return LMC_SUCCESS;
    }
    const char *v = config_setting_get_string(s);
    const int empty_ok = def && !*def;
    if (!v || (!*v && !empty_ok))
        LMC_ERROR(LMC_EINVAL, "report.%s: not a non-empty string "
                  "(accepted: %s)", key, accepted);
    *out = v;
    return LMC_SUCCESS;
}

int
lmc_report_key_number(lmc_report_ctx *c, const char *key, double def,
                      double *out)
{
    const config_setting_t *s = config_setting_get_member(c->report, key);
    if (!s)
    {
        *out = def;
        return LMC_SUCCESS;
    }
    const int t = config_setting_type(s);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        *out = (double)config_setting_get_int64(s);
    else if (t == CONFIG_TYPE_FLOAT)
        *out = config_setting_get_float(s);
    else
        LMC_ERROR(LMC_EINVAL, "report.%s: not a number (accepted: a number)",
                  key);
    return LMC_SUCCESS;
}

int
lmc_report_sql(lmc_report_ctx *c, sqlite3_stmt **st, const char *sql,
               size_t n, const char *const *args)
{
    if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
    {
        const char *msg = sqlite3_errmsg(c->db);
        *st = NULL;
        LMC_ERROR(LMC_EIO, "store: %s (is it a sweep store?)", msg);
    }
    for (size_t i = 0; i < n; i++)
        if (sqlite3_bind_text(*st, (int)i + 1, args[i], -1,
                              SQLITE_TRANSIENT) != SQLITE_OK)
        {
            sqlite3_finalize(*st);
            *st = NULL;
            LMC_ERROR(LMC_ENOMEM, "store: cannot bind a query parameter");
        }
    return LMC_SUCCESS;
}

void
lmc_report_names_of(lmc_report_ctx *c, const char *sql, const char *kind,
                    const char *none, lmc_rbuf *b)
{
    sqlite3_stmt *st;
    const char *args[] = {kind};
    if (lmc_report_sql(c, &st, sql, 1, args))
        return;
    size_t k = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
    {
        if (k++ == 40)
        {
            lmc_rbuf_printf(b, ", ...");
            break;
        }
        lmc_rbuf_printf(b, "%s%s", k > 1 ? ", " : "",
                        (const char *)sqlite3_column_text(st, 0));
    }
    if (k == 0 && none)
        lmc_rbuf_printf(b, "%s", none);
    else if (k == 0)
        lmc_rbuf_printf(b, "none: the store has no %s cells", kind);
    sqlite3_finalize(st);
}

static int
need_name(lmc_report_ctx *c, const char *kind, const char *name,
          const char *key, int outcome)
{
    static const char q_par[] =
        "SELECT 1 FROM params p JOIN cells c ON c.key = p.key "
        "WHERE c.kind = ?1 AND p.name = ?2 LIMIT 1";
    static const char q_out[] =
        "SELECT 1 FROM outcomes o JOIN cells c ON c.key = o.key "
        "WHERE c.kind = ?1 AND o.name = ?2 LIMIT 1";
    static const char l_par[] =
        "SELECT DISTINCT p.name FROM params p JOIN cells c ON c.key = p.key "
        "WHERE c.kind = ?1 ORDER BY p.name";
    static const char l_out[] =
        "SELECT DISTINCT o.name FROM outcomes o JOIN cells c "
        "ON c.key = o.key WHERE c.kind = ?1 ORDER BY o.name";
    sqlite3_stmt *st;
    const char *args[] = {kind, name};
    LMC_TRY(lmc_report_sql(c, &st, outcome ? q_out : q_par, 2, args));
    const int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (found)
        return LMC_SUCCESS;
    lmc_rbuf b = {0};
    lmc_report_names_of(c, outcome ? l_out : l_par, kind, NULL, &b);
    lmc_error(__FILE__, __LINE__, LMC_EINVAL,
              "report.%s: '%s' is not %s of any %s cell in the store "
              "(accepted: %s)", key, name,
              outcome ? "an outcome" : "a parameter", kind,
              b.buf && !b.oom ? b.buf : "?");
    lmc_rbuf_free(&b);
    return LMC_EINVAL;
}

int
lmc_report_need_param(lmc_report_ctx *c, const char *kind, const char *name,
                      const char *key)
{
    return need_name(c, kind, name, key, 0);
}

int
lmc_report_need_outcome(lmc_report_ctx *c, const char *kind,
                        const char *name, const char *key)
{
    return need_name(c, kind, name, key, 1);
}

int
lmc_report_need_outcomes(lmc_report_ctx *c, const char *kind,
                         const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        LMC_TRY(need_name(c, kind, names[i], "analysis", 1));
    return LMC_SUCCESS;
}

int
lmc_report_count(lmc_report_ctx *c, const char *kind)
{
    sqlite3_stmt *st;
    const char *args[] = {kind};
    LMC_TRY(lmc_report_sql(c, &st,
        "SELECT COUNT(*), COALESCE(SUM(status <> 'ok'), 0) FROM cells "
        "WHERE kind = ?1", 1, args));
    long n = 0, e = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
    {
        n = (long)sqlite3_column_int64(st, 0);
        e = (long)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (n == 0)
        LMC_ERROR(LMC_EINVAL, "report.analysis: the store has none of the "
                  "spec's %s cells (accepted: a store whose sweep has kind = "
                  "\"%s\", run with this spec and code version; run "
                  "without --no-run?)", kind, kind);
    lmc_rbuf_printf(&c->notes, "Store: %ld %s cells, %ld errored.\n\n", n,
                    kind, e);
    return LMC_SUCCESS;
}

int
lmc_report_fit(const double *x, const double *y, size_t n, double *c0,
               double *c1, double *se, double *hw)
{
    double cov00, cov01, cov11, sumsq;
    if (n < 2)
        return LMC_EBADLEN;
    size_t k = 1;
    while (k < n && x[k] == x[0])
        k++;
    if (k == n) /* one abscissa: no line */
        return LMC_EBADLEN;
    gsl_fit_linear(x, 1, y, 1, n, c0, c1, &cov00, &cov01, &cov11, &sumsq);
    if (n < 3)
    {
        *se = NAN;
        *hw = NAN;
        return LMC_SUCCESS;
    }
    *se = sqrt(cov11);
    *hw = gsl_cdf_tdist_Pinv(0.975, (double)(n - 2)) * *se;
    return LMC_SUCCESS;
}

int
lmc_report_decades(double lo, double hi)
{
    return lo > 0 && hi > 0 && hi >= 10 * lo;
}

double
lmc_report_col(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? NAN : sqlite3_column_double(st, i);
}

int
lmc_report_rows(lmc_report_ctx *c, sqlite3_stmt *st,
                int (*row)(void *arg, sqlite3_stmt *st), void *arg)
{
    int rc, status = LMC_SUCCESS;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((status = row(arg, st)))
            break;
    sqlite3_finalize(st);
    if (!status && rc != SQLITE_DONE)
        LMC_ERROR(LMC_EIO, "store: %s", sqlite3_errmsg(c->db));
    return status;
}

int
lmc_report_check_pooling(lmc_report_ctx *c, const char *kind,
                         const char *const *rows, size_t nrows,
                         const char *what)
{
    /* Per (param name, row): the number of distinct values; rows are the
     * values of the row keys, joined with a separator.  Any name other
     * than the row keys and seed with more than one value in some row is
     * pooled by mistake. */
    lmc_rbuf sql = {0};
    lmc_rbuf_printf(&sql, "SELECT p.name, COUNT(DISTINCT p.value),"
                    " MIN(p.value), MAX(p.value) FROM cells c"
                    " JOIN params p ON p.key = c.key");
    for (size_t i = 0; i < nrows; i++)
        lmc_rbuf_printf(&sql, " LEFT JOIN params g%zu ON g%zu.key = c.key"
                        " AND g%zu.name = ?%zu", i, i, i, i + 2);
    lmc_rbuf_printf(&sql, " WHERE c.kind = ?1 AND p.name <> 'seed'");
    for (size_t i = 0; i < nrows; i++)
        lmc_rbuf_printf(&sql, " AND p.name <> ?%zu", i + 2);
    lmc_rbuf_printf(&sql, " GROUP BY p.name");
    for (size_t i = 0; i < nrows; i++)
        lmc_rbuf_printf(&sql, ", g%zu.value", i);
    lmc_rbuf_printf(&sql, " HAVING COUNT(DISTINCT p.value) > 1"
                    " ORDER BY p.name LIMIT 1");
    if (sql.oom)
    {
        lmc_rbuf_free(&sql);
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    }
    const char *args[9] = {kind};
    for (size_t i = 0; i < nrows && i < 8; i++)
        args[i + 1] = rows[i];
    sqlite3_stmt *st;
    const int rc = lmc_report_sql(c, &st, sql.buf, nrows + 1, args);
    lmc_rbuf_free(&sql);
    LMC_TRY(rc);
    if (sqlite3_step(st) == SQLITE_ROW)
    {
        char name[64], lo[64], hi[64];
        snprintf(name, sizeof name, "%s", sqlite3_column_text(st, 0));
        snprintf(lo, sizeof lo, "%s", sqlite3_column_text(st, 2));
        snprintf(hi, sizeof hi, "%s", sqlite3_column_text(st, 3));
        sqlite3_finalize(st);
        LMC_ERROR(LMC_EINVAL, "report.analysis: cells of one %s differ in "
                  "'%s' (%s ... %s), which this analysis would average "
                  "with the seeds (accepted: a spec whose other keys are "
                  "fixed in base, or one spec per value of '%s')", what,
                  name, lo, hi, name);
    }
    sqlite3_finalize(st);
    return LMC_SUCCESS;
}

/* ---- tolerances ------------------------------------------------------ */

int
lmc_report_tol(lmc_report_ctx *c, const char *q, const char *where,
               double abs, double rel, double factor, int optional,
               const char *why)
{
    if (!where)
        where = "";
    size_t i = 0;
    while (i < c->ntol && (strcmp(c->tol[i].quantity, q) != 0 ||
                           strcmp(c->tol[i].where, where) != 0))
        i++;
    if (strlen(q) >= sizeof c->tol[0].quantity ||
        strlen(where) >= sizeof c->tol[0].where)
        LMC_ERROR(LMC_EINVAL, "report: tolerance '%s' (%s): name longer "
                  "than %zu or where longer than %zu characters", q, where,
                  sizeof c->tol[0].quantity - 1, sizeof c->tol[0].where - 1);
    if (i == LMC_REPORT_MAX_TOLS)
        LMC_ERROR(LMC_EINVAL, "report: more than %d tolerances",
                  LMC_REPORT_MAX_TOLS);
    lmc_rtol *t = &c->tol[i];
    snprintf(t->quantity, sizeof t->quantity, "%s", q);
    snprintf(t->where, sizeof t->where, "%s", where);
    t->abs = abs;
    t->rel = rel;
    t->factor = factor;
    t->optional = optional;
    snprintf(t->why, sizeof t->why, "%s", why ? why : "");
    if (i == c->ntol)
        c->ntol++;
    return LMC_SUCCESS;
}

int
lmc_report_tols(lmc_report_ctx *c, const lmc_rtol_decl *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        LMC_TRY(lmc_report_tol(c, d[i].quantity, d[i].where, d[i].abs,
                               d[i].rel, d[i].factor, d[i].optional,
                               d[i].why));
    return LMC_SUCCESS;
}

const char *
lmc_rtol_text(char *buf, const lmc_rtol *t)
{
    const double v[] = {t->abs, t->rel, t->factor};
    static const char *const kind[] = {"abs", "rel", "factor"};
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < 3; k++)
        if (v[k] > 0)
            len += (size_t)snprintf(buf + len, 64 - len, "%s%s %g",
                                    len ? " or " : "", kind[k], v[k]);
    if (!len)
        strcpy(buf, "exact");
    if (t->optional)
        strcat(buf, " if present");
    return buf;
}

int
lmc_rtol_parse(const char *s, lmc_rtol *t)
{
    t->abs = t->rel = t->factor = 0;
    t->optional = 0;
    if (strcmp(s, "exact") == 0)
        return 0;
    for (;;)
    {
        double *v = strncmp(s, "abs ", 4) == 0      ? &t->abs
                    : strncmp(s, "rel ", 4) == 0    ? &t->rel
                    : strncmp(s, "factor ", 7) == 0 ? &t->factor
                                                    : NULL;
        if (!v)
            return -1;
        s += v == &t->factor ? 7 : 4;
        char *end;
        *v = lmc_strtod(s, &end);
        if (end == s || !isfinite(*v) || *v <= 0 ||
            (v == &t->factor && *v < 1))
            return -1;
        if (*end == '\0')
            return 0;
        if (strncmp(end, " or ", 4) != 0)
            return -1;
        s = end + 4;
    }
}

/* s as a finite number (the whole cell), else 0. */
static int
cell_number(const char *s, double *x)
{
    char *end;
    if (!*s)
        return 0;
    *x = lmc_strtod(s, &end);
    return *end == '\0' && isfinite(*x);
}

int
lmc_rtol_agree(const lmc_rtol *t, const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 1;
    double x, y;
    if (!cell_number(a, &x) || !cell_number(b, &y))
        return 0; /* inf, nan, empty or text: only the same text agrees */
    const double d = fabs(x - y), m = fmax(fabs(x), fabs(y));
    /* data.csv prints 10 significant digits ("%.10g"): every tolerance,
     * exact included, allows one unit in the last digit printed (a grid
     * value or a fraction computed elsewhere, e.g. 1/3 as 0.3333333334) */
    if (d <= 2e-9 * m || d <= t->abs || d <= t->rel * m)
        return 1;
    return t->factor >= 1 && x * y > 0 &&
           m / fmin(fabs(x), fabs(y)) <= t->factor;
}
