/* report/report.c -- the report driver: spec and store in, tables and
 * figures out.
 *
 * For DIR/NAME: read the report group of DIR/NAME/spec.cfg (libconfig),
 * run the sweep if asked (lmc_sweep_run resumes, so an up-to-date store
 * runs nothing), open the store read-only, run the analysis named by
 * report.analysis, then write table.md, table.tex (booktabs), data.csv,
 * fig-X.gp / fig-X.dat, and render fig-X.{svg,pdf,png} with gnuplot when
 * it is on PATH.  gnuplot runs in the report directory on the fixed
 * script file (fork + chdir + execvp, no shell, no user text on its
 * command line), with SOURCE_DATE_EPOCH=0 for tools that honour it; the
 * PDF's creation date, which cairo 1.16 takes from the clock, is then
 * overwritten with a fixed one (pdf_fix_dates).
 */
#include "report.h"
#include "impl.h"
#include "fpio.h"
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const lmc_report_analysis *const analyses[] = {
    &lmc_report_oracle_delta, &lmc_report_best_step, &lmc_report_rates,
    &lmc_report_kappa_iters, &lmc_report_tightness, NULL};

static const char gnuplot_note[] =
    "figures not rendered: gnuplot not found (apt-get install gnuplot-nox)";

/* One terminal per rendered format; sizes in pixels (svg, png) or
 * inches (pdf).  noenhanced: names with '_' print as written.  The font
 * is named explicitly and is one every Debian gnuplot has (fonts-dejavu-
 * core comes with its cairo): 'Helvetica' resolved through fontconfig to
 * whatever the machine maps it to (Nimbus Sans on one, DejaVu Sans on
 * another), so the PDF/PNG bytes depended on the fonts installed.  They
 * still depend on the cairo/freetype versions: figures are not part of
 * the cross-machine comparison (their .dat numbers are). */
static const struct
{
    const char *ext, *term;
} formats[] = {
    {"svg", "set terminal svg size 800,560 dynamic noenhanced "
            "font 'DejaVu Sans,13' background rgb 'white'"},
    {"pdf", "set terminal pdfcairo size 6in,4.2in noenhanced "
            "font 'DejaVu Sans,11'"},
    {"png", "set terminal pngcairo size 960,672 noenhanced "
            "font 'DejaVu Sans,13' background rgb 'white'"},
};

lmc_report_options
lmc_report_options_default(void)
{
    lmc_report_options o = {"reports", NULL, NULL, 1, 0, 1, NULL};
    return o;
}

static char *
path_join(const char *a, const char *b, const char *c)
{
    const size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
    return p;
}

static int
is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

int
lmc_report_gnuplot_found(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    for (const char *p = path;;)
    {
        const char *e = strchr(p, ':');
        const size_t len = e ? (size_t)(e - p) : strlen(p);
        char buf[4096];
        if (len + 10 < sizeof buf)
        {
            snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)len,
                     len ? p : ".");
            if (is_file(buf) && access(buf, X_OK) == 0)
                return 1;
        }
        if (!e)
            return 0;
        p = e + 1;
    }
}

/* ---- output writers ---------------------------------------------- */

/* 1 if declaration t applies to row (ncol cells) of quantity q. */
static int
tol_applies(const lmc_rtol *t, const char *q, char *const *row, size_t ncol)
{
    if (strcmp(t->quantity, q) != 0)
        return 0;
    if (!t->where[0] || !row)
        return !t->where[0];
    /* every " & "-separated part of where is some cell of the row */
    const char *part = t->where;
    for (;;)
    {
        const char *end = strstr(part, " & ");
        const size_t len = end ? (size_t)(end - part) : strlen(part);
        size_t j = 0;
        while (j < ncol &&
               (strncmp(row[j], part, len) != 0 || row[j][len] != '\0'))
            j++;
        if (j == ncol)
            return 0;
        if (!end)
            return 1;
        part = end + 3;
    }
}

/* The tolerance of a row of quantity q: the first declaration whose where
 * the row has, else the one for every row, else exact. */
static lmc_rtol
tol_of(const lmc_report_ctx *c, const char *q, char *const *row,
       size_t ncol)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < c->ntol; i++)
            if ((pass == 0) == (c->tol[i].where[0] != '\0') &&
                tol_applies(&c->tol[i], q, pass == 0 ? row : NULL, ncol))
                return c->tol[i];
    lmc_rtol t;
    memset(&t, 0, sizeof t);
    return t;
}

/* The column of t named "quantity", or t->ncol. */
static size_t
quantity_column(const lmc_rtable *t)
{
    size_t qcol = t->ncol;
    for (size_t j = 0; j < t->ncol; j++)
        if (strcmp(t->head[j], "quantity") == 0)
            qcol = j;
    return qcol;
}

typedef struct
{
    const lmc_report_ctx *c;
    size_t qcol;
} tol_column;

/* data.csv's tol cell of row i: the tolerance of the row's quantity. */
static const char *
tol_cell(const lmc_rtable *t, size_t i, const void *arg, char *buf,
         size_t len)
{
    const tol_column *tc = arg;
    char text[96];
    const lmc_rtol tol = tol_of(tc->c, t->cell[i * t->ncol + tc->qcol],
                                t->cell + i * t->ncol, t->ncol);
    snprintf(buf, len, "%s", lmc_rtol_text(text, &tol));
    return buf;
}

/* data.csv: the analysis's long-form table and, when it has a quantity
 * column, a last column tol (the tolerance of the row's quantity). */
static void
csv_table(const lmc_report_ctx *c, const lmc_rtable *t, FILE *out)
{
    const tol_column tc = {c, quantity_column(t)};
    if (tc.qcol < t->ncol)
        lmc_rtable_csv(t, "tol", tol_cell, &tc, out);
    else
        lmc_rtable_csv(t, NULL, NULL, NULL, out);
}

/* table.md: the tolerance of every quantity data.csv holds, in order of
 * first appearance. */
static void
md_tolerances(const lmc_report_ctx *c, const char *name, FILE *out)
{
    const lmc_rtable *t = &c->data;
    const size_t qcol = quantity_column(t);
    if (!c->has_data || qcol == t->ncol || t->nrow == 0)
        return;
    fprintf(out, "Tolerances: on another machine (BLAS kernel, rounding "
            "mode) the numbers of data.csv regenerate within these, "
            "checked by `lmocheck report %s --check` (column tol of "
            "data.csv; a and b agree if |a-b| <= abs, or <= rel "
            "max(|a|,|b|), or their ratio <= factor; exact allows one unit "
            "in the 10th digit printed).  Tables print no "
            "more digits than are stable; figures are drawn from the "
            "fig-*.dat numbers and are not compared.\n\n"
            "| quantity | tolerance | why |\n|:--|:--|:--|\n", name);
    for (size_t i = 0; i < t->nrow; i++)
    {
        const char *q = t->cell[i * t->ncol + qcol];
        size_t k = 0;
        while (k < i && strcmp(t->cell[k * t->ncol + qcol], q) != 0)
            k++;
        if (k < i)
            continue;
        /* first row of quantity q: its declarations (where-specific ones
         * first), or exact */
        size_t listed = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t j = 0; j < c->ntol; j++)
            {
                const lmc_rtol *tol = &c->tol[j];
                if ((pass == 0) != (tol->where[0] != '\0') ||
                    strcmp(tol->quantity, q) != 0)
                    continue;
                char buf[96], what[128];
                snprintf(what, sizeof what, "%s%s%s%s", q,
                         tol->where[0] ? " (" : "", tol->where,
                         tol->where[0] ? ")" : "");
                fputc('|', out);
                lmc_rtable_md_cell(what, 0, 0, out);
                lmc_rtable_md_cell(lmc_rtol_text(buf, tol), 0, 0, out);
                lmc_rtable_md_cell(tol->why, 0, 0, out);
                fputc('\n', out);
                listed++;
            }
        if (!listed)
            fprintf(out, "| %s | exact | a count, a label or a grid value "
                    "|\n", q);
    }
    fputc('\n', out);
}

static FILE *
open_out(const char *dir, const char *file, char **path)
{
    *path = path_join(dir, file, NULL);
    if (!*path)
        return NULL;
    FILE *f = fopen(*path, "w");
    if (!f)
    {
        free(*path);
        *path = NULL;
    }
    return f;
}

/* Closes f and reports a failed write of file, with the reason: errno
 * of the failed fclose (the final flush), else of the earlier write that
 * set the error indicator. */
static int
close_out(FILE *f, const char *dir, const char *file)
{
    const int bad = ferror(f), write_errno = errno;
    if (fclose(f) != 0)
        LMC_ERROR(LMC_EIO, "%s/%s: write failed: %s", dir, file,
                  strerror(errno));
    if (bad)
        LMC_ERROR(LMC_EIO, "%s/%s: write failed: %s", dir, file,
                  strerror(write_errno));
    return LMC_SUCCESS;
}

/* Opens dir/file for writing in *f, or reports why it cannot. */
static int
open_checked(const char *dir, const char *file, FILE **f)
{
    char *p;
    *f = open_out(dir, file, &p);
    if (!*f)
        LMC_ERROR(LMC_EIO, "%s/%s: cannot write: %s", dir, file,
                  strerror(errno));
    free(p);
    return LMC_SUCCESS;
}

static int
write_text(const char *dir, const char *file, const lmc_rbuf *b)
{
    FILE *f;
    LMC_TRY(open_checked(dir, file, &f));
    if (b->len)
        fwrite(b->buf, 1, b->len, f);
    return close_out(f, dir, file);
}

/* ---- gnuplot --------------------------------------------------------- */

/* Runs gnuplot -e TERM_AND_OUTPUT SCRIPT in dir; 0 if it exited 0. */
static int
run_gnuplot(const char *dir, const char *setup, const char *script)
{
    const pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
    {
        char *const argv[] = {(char *)"gnuplot", (char *)"-e",
                              (char *)setup, (char *)script, NULL};
        if (chdir(dir) != 0)
            _exit(127);
        setenv("SOURCE_DATE_EPOCH", "0", 1);
        execvp("gnuplot", argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
remove_rendered(const char *dir, const char *fig)
{
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
    {
        char file[64];
        snprintf(file, sizeof file, "fig-%s.%s", fig, formats[k].ext);
        char *p = path_join(dir, file, NULL);
        if (p)
            unlink(p);
        free(p);
    }
}

/* cairo (1.16) stamps the PDF with the current time and ignores
 * SOURCE_DATE_EPOCH: overwrite the 14 digits of each "/CreationDate (D:"
 * and "/ModDate (D:" in place with 1970-01-01 00:00:00.  Same length, so
 * the xref offsets stay valid.  Best effort: a failure leaves the date. */
static void
pdf_fix_dates(const char *dir, const char *file)
{
    char *p = path_join(dir, file, NULL);
    FILE *f = p ? fopen(p, "r+b") : NULL;
    free(p);
    if (!f)
        return;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
        fread(buf, 1, (size_t)n, f) == (size_t)n)
    {
        static const char *const keys[] = {"/CreationDate (D:",
                                           "/ModDate (D:"};
        for (size_t k = 0; k < 2; k++)
        {
            const size_t kl = strlen(keys[k]);
            for (long i = 0; i + (long)kl + 14 <= n; i++)
            {
                if (memcmp(buf + i, keys[k], kl) != 0)
                    continue;
                const long at = i + (long)kl;
                long d = 0;
                while (d < 14 && buf[at + d] >= '0' && buf[at + d] <= '9')
                    d++;
                if (d == 14 && fseek(f, at, SEEK_SET) == 0)
                    fwrite("19700101000000", 1, 14, f);
            }
        }
    }
    free(buf);
    fclose(f);
}

static int
render(const char *dir, const lmc_rfigure *fg)
{
    char script[64];
    snprintf(script, sizeof script, "fig-%s.gp", fg->name);
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
    {
        char setup[512];
        snprintf(setup, sizeof setup, "%s; set output 'fig-%s.%s'",
                 formats[k].term, fg->name, formats[k].ext);
        if (run_gnuplot(dir, setup, script) != 0)
            LMC_ERROR(LMC_EIO, "%s/%s: gnuplot failed rendering %s", dir,
                      script, formats[k].ext);
        if (strcmp(formats[k].ext, "pdf") == 0)
        {
            char file[64];
            snprintf(file, sizeof file, "fig-%s.pdf", fg->name);
            pdf_fix_dates(dir, file);
        }
    }
    return LMC_SUCCESS;
}

static int
write_figure(const char *dir, const char *name, const lmc_rfigure *fg)
{
    if (fg->gp.oom || fg->dat.oom)
        LMC_ERROR(LMC_ENOMEM, "report %s: out of memory", name);
    char file[64];
    lmc_rbuf gp = {0};
    lmc_rbuf_printf(&gp,
        "# fig-%s.gp -- report %s: %s\n"
        "# Data: fig-%s.dat.  Written by 'lmocheck report %s'; edit freely\n"
        "# (re-running the report overwrites it).  Render, in this directory:\n"
        "#   gnuplot -e \"set terminal pngcairo noenhanced; "
        "set output 'fig-%s.png'\" fig-%s.gp\n"
        "# Without a terminal set, gnuplot opens its interactive window.\n"
        "set datafile missing 'NaN'\n"
        "set termoption noenhanced\n",
        fg->name, name, fg->what, fg->name, name, fg->name, fg->name);
    lmc_rbuf_printf(&gp, "%s", fg->gp.buf ? fg->gp.buf : "");
    snprintf(file, sizeof file, "fig-%s.gp", fg->name);
    int st = gp.oom ? LMC_ENOMEM : write_text(dir, file, &gp);
    lmc_rbuf_free(&gp);
    LMC_TRY(st);
    snprintf(file, sizeof file, "fig-%s.dat", fg->name);
    lmc_rbuf dat = {0};
    lmc_rbuf_printf(&dat, "# fig-%s.dat -- report %s: %s\n", fg->name, name,
                    fg->what);
    lmc_rbuf_printf(&dat, "%s", fg->dat.buf ? fg->dat.buf : "");
    st = dat.oom ? LMC_ENOMEM : write_text(dir, file, &dat);
    lmc_rbuf_free(&dat);
    return st;
}

/* ---- spec ------------------------------------------------------------ */

static int
make_dir(const char *d)
{
    if (mkdir(d, 0777) != 0 && errno != EEXIST)
        LMC_ERROR(LMC_EIO, "%s: cannot make the directory: %s", d,
                  strerror(errno));
    return LMC_SUCCESS;
}

/* Makes out and dir (its subdirectory) and copies spec into dir, so that
 * out is a reports directory of its own (re-runnable, comparable). */
static int
copy_spec(const char *out, const char *dir, const char *spec)
{
    LMC_TRY(make_dir(out));
    LMC_TRY(make_dir(dir));
    char *to = path_join(dir, "spec.cfg", NULL);
    if (!to)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    struct stat sa, sb;
    if (stat(spec, &sa) == 0 && stat(to, &sb) == 0 &&
        sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
    {
        free(to); /* out is the reports directory itself */
        return LMC_SUCCESS;
    }
    /* err: errno of the first failure, for the message */
    int st = LMC_SUCCESS, err = 0;
    FILE *in = fopen(spec, "rb");
    if (!in)
        st = LMC_EIO, err = errno;
    FILE *f = fopen(to, "wb");
    if (!f && !st)
        st = LMC_EIO, err = errno;
    if (!st)
    {
        char buf[8192];
        size_t n;
        while (!st && (n = fread(buf, 1, sizeof buf, in)) > 0)
            if (fwrite(buf, 1, n, f) != n)
                st = LMC_EIO, err = errno;
        if (!st && ferror(in))
            st = LMC_EIO, err = errno;
    }
    if (in)
        fclose(in);
    if (f && fclose(f) != 0 && !st)
        st = LMC_EIO, err = errno;
    if (st)
        lmc_error(__FILE__, __LINE__, st, "%s: cannot copy %s there: %s", to,
                  spec, strerror(err));
    free(to);
    return st;
}

/* Reads path with libconfig; the report group must exist. */
static int
read_report_group(config_t *cf, const char *path,
                  const config_setting_t **group)
{
    config_init(cf);
    const int mode = lmc_fe_nearest(); /* numbers mean the same in every mode */
    const int ok = config_read_file(cf, path);
    lmc_fe_restore(mode);
    if (ok != CONFIG_TRUE)
    {
        const int line = config_error_line(cf);
        const char *msg = config_error_text(cf);
        const int io = config_error_type(cf) == CONFIG_ERR_FILE_IO;
        char buf[512];
        snprintf(buf, sizeof buf, "%s", msg ? msg : "cannot read");
        config_destroy(cf);
        if (io)
            LMC_ERROR(LMC_EIO, "%s: cannot read", path);
        LMC_ERROR(LMC_EPARSE, "%s:%d: %s", path, line, buf);
    }
    *group = config_lookup(cf, "report");
    if (!*group || !config_setting_is_group(*group))
    {
        config_destroy(cf);
        LMC_ERROR(LMC_EINVAL, "%s: report: missing group (accepted: "
                  "report = { analysis = \"NAME\"; title = \"...\"; ... }; "
                  "see lmocheck report --help)", path);
    }
    return LMC_SUCCESS;
}

static const char *
group_string(const config_setting_t *g, const char *key, const char *def)
{
    const char *s = NULL;
    if (config_setting_lookup_string(g, key, &s) != CONFIG_TRUE || !s)
        return def;
    return s;
}

/* report.tolerance = { QUANTITY = "rel 0.05"; ... }: the spec's statement
 * replaces the analysis's for that quantity (keeping its optional mark). */
static int
spec_tolerances(lmc_report_ctx *c, const char *spec)
{
    const config_setting_t *g = config_setting_get_member(c->report,
                                                          "tolerance");
    if (!g)
        return LMC_SUCCESS;
    if (!config_setting_is_group(g))
        LMC_ERROR(LMC_EINVAL, "%s: report.tolerance: not a group (accepted: "
                  "tolerance = { QUANTITY = \"rel 0.05\"; ... })", spec);
    for (int i = 0; i < config_setting_length(g); i++)
    {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *v = config_setting_get_string(e);
        lmc_rtol t;
        if (!v || lmc_rtol_parse(v, &t))
            LMC_ERROR(LMC_EINVAL, "%s: report.tolerance.%s: '%s' is not a "
                      "tolerance (accepted: \"exact\", \"abs A\", \"rel "
                      "R\", \"factor F\" with F >= 1, joined by \" or \")",
                      spec, config_setting_name(e), v ? v : "(not a string)");
        const char *q = config_setting_name(e);
        int optional = 0;
        for (size_t k = 0; k < c->ntol;)
            if (strcmp(c->tol[k].quantity, q) == 0)
            {
                optional |= c->tol[k].optional;
                memmove(&c->tol[k], &c->tol[k + 1],
                        (c->ntol - k - 1) * sizeof c->tol[0]);
                c->ntol--;
            }
            else
                k++;
        LMC_TRY(lmc_report_tol(c, q, NULL, t.abs, t.rel, t.factor, optional,
                               "stated in spec.cfg (report.tolerance)"));
    }
    return LMC_SUCCESS;
}

static const lmc_report_analysis *
find_analysis(const char *name)
{
    for (size_t i = 0; analyses[i]; i++)
        if (strcmp(analyses[i]->name, name) == 0)
            return analyses[i];
    return NULL;
}

static void
ctx_free(lmc_report_ctx *c)
{
    for (size_t i = 0; i < c->ntable; i++)
        lmc_rtable_free(&c->table[i]);
    if (c->has_data)
        lmc_rtable_free(&c->data);
    for (size_t i = 0; i < c->nfig; i++)
    {
        lmc_rbuf_free(&c->fig[i].gp);
        lmc_rbuf_free(&c->fig[i].dat);
    }
    lmc_rbuf_free(&c->notes);
}

/* Restricts the connection to the cells of the spec (lmc_sweep_select):
 * "cells" in the analyses' SQL then names them only.  A store without
 * the sweep schema mark (meta 'schema') was not written by lmocheck sweep
 * (tests/t-report.c builds such stores by hand, with keys of its own):
 * there are no keys to select by and every cell is read. */
static int
select_spec_cells(const char *spec_path, const char *db, sqlite3 *h)
{
    sqlite3_stmt *q = NULL;
    const int marked =
        sqlite3_prepare_v2(h, "SELECT 1 FROM main.meta WHERE key = "
                           "'schema'", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    if (!marked)
        return LMC_SUCCESS;
    lmc_sweep_spec *s = lmc_sweep_spec_read(spec_path);
    if (!s)
        LMC_ERROR(LMC_EPARSE, "%s", lmc_last_error());
    const int st = lmc_sweep_select(s, h);
    lmc_sweep_spec_free(s);
    if (st)
    {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", lmc_last_error());
        LMC_ERROR(st, "%s: %s", db, msg);
    }
    return LMC_SUCCESS;
}

static int
run_sweep(const char *spec_path, const char *db, const lmc_report_options *o)
{
    lmc_sweep_spec *s = lmc_sweep_spec_read(spec_path);
    if (!s)
        LMC_ERROR(LMC_EPARSE, "%s", lmc_last_error());
    lmc_sweep_options so = lmc_sweep_options_default();
    so.workers = o->workers;
    /* the sweep's progress line, when notes go to a terminal */
    so.progress = o->log && isatty(fileno(o->log));
    lmc_sweep_stats st;
    memset(&st, 0, sizeof st);
    const int rc = lmc_sweep_run(s, db, &so, &st);
    if (rc)
    {
        lmc_sweep_spec_free(s);
        return rc;
    }
    if (o->log)
        fprintf(o->log, "report %s: %zu cells, %zu in the store, %zu run "
                "now (%zu errors)\n", lmc_sweep_spec_name(s), st.cells,
                st.done, st.ran, st.errors);
    lmc_sweep_spec_free(s);
    return LMC_SUCCESS;
}

/* data.csv: the long-form numbers with their tolerances. */
static int
write_data_csv(const char *dir, const lmc_report_ctx *c)
{
    FILE *f;
    LMC_TRY(open_checked(dir, "data.csv", &f));
    if (c->has_data)
        csv_table(c, &c->data, f);
    return close_out(f, dir, "data.csv");
}

/* table.tex: the tables as booktabs tabulars. */
static int
write_table_tex(const char *dir, const char *name, const lmc_report_ctx *c)
{
    FILE *f;
    LMC_TRY(open_checked(dir, "table.tex", &f));
    fprintf(f, "%% table.tex -- report %s (lmocheck report %s); needs "
            "\\usepackage{booktabs}\n", name, name);
    for (size_t i = 0; i < c->ntable; i++)
    {
        if (i)
            fputs("\n\\par\\medskip\n\n", f);
        lmc_rtable_tex(&c->table[i], f);
    }
    return close_out(f, dir, "table.tex");
}

/* Removes the figures rendered before and, when asked and gnuplot is
 * found, renders them again; *rendered = 1 if it did. */
static int
render_figures(const char *dir, const lmc_report_ctx *c, int render_figs,
               int *rendered)
{
    *rendered = 0;
    for (size_t i = 0; i < c->nfig; i++)
        remove_rendered(dir, c->fig[i].name);
    if (c->nfig && render_figs && lmc_report_gnuplot_found())
    {
        for (size_t i = 0; i < c->nfig; i++)
            LMC_TRY(render(dir, &c->fig[i]));
        *rendered = 1;
    }
    return LMC_SUCCESS;
}

/* table.md's figure part: the rendered figures with their links, or the
 * scripts and why they were not rendered. */
static void
md_figures(const lmc_report_ctx *c, int rendered, int render_figs, FILE *f)
{
    if (rendered)
        for (size_t i = 0; i < c->nfig; i++)
            fprintf(f, "![%s](fig-%s.svg)\n\n*fig-%s*: %s "
                    "([pdf](fig-%s.pdf), [png](fig-%s.png), script "
                    "[fig-%s.gp](fig-%s.gp)).\n\n",
                    c->fig[i].what, c->fig[i].name, c->fig[i].name,
                    c->fig[i].what, c->fig[i].name, c->fig[i].name,
                    c->fig[i].name, c->fig[i].name);
    else
    {
        fprintf(f, "%s.  Scripts:", render_figs ? gnuplot_note
                : "figures not rendered (not requested)");
        for (size_t i = 0; i < c->nfig; i++)
            fprintf(f, " [fig-%s.gp](fig-%s.gp)%s", c->fig[i].name,
                    c->fig[i].name, i + 1 < c->nfig ? "," : ".\n");
    }
}

/* table.md: title, summary, the tables, the notes, the tolerances and
 * the figures. */
static int
write_table_md(const char *dir, const char *name, const config_setting_t *g,
               const lmc_report_ctx *c, int rendered, int render_figs)
{
    FILE *f;
    LMC_TRY(open_checked(dir, "table.md", &f));
    fprintf(f, "# %s\n\n", group_string(g, "title", name));
    const char *summary = group_string(g, "summary", NULL);
    if (summary)
        fprintf(f, "%s\n\n", summary);
    fprintf(f, "Regenerate: `lmocheck report %s` (analysis `%s`; data in "
            "[data.csv](data.csv), LaTeX in [table.tex](table.tex)).\n\n",
            name, group_string(g, "analysis", "?"));
    for (size_t i = 0; i < c->ntable; i++)
    {
        const int st = lmc_rtable_md(&c->table[i], f);
        if (st)
        {
            fclose(f);
            return st;
        }
        fputc('\n', f);
    }
    if (c->notes.len)
        fwrite(c->notes.buf, 1, c->notes.len, f);
    md_tolerances(c, name, f);
    if (c->nfig)
        md_figures(c, rendered, render_figs, f);
    return close_out(f, dir, "table.md");
}

static int
write_outputs(const char *dir, const char *name, const config_setting_t *g,
              lmc_report_ctx *c, int render_figs, FILE *log,
              lmc_report_result *r)
{
    if (c->notes.oom)
        LMC_ERROR(LMC_ENOMEM, "report %s: out of memory", name);
    for (size_t i = 0; i < c->nfig; i++)
        LMC_TRY(write_figure(dir, name, &c->fig[i]));
    LMC_TRY(write_data_csv(dir, c));
    LMC_TRY(write_table_tex(dir, name, c));
    /* Figures, before table.md so it can say whether they exist. */
    int rendered;
    LMC_TRY(render_figures(dir, c, render_figs, &rendered));
    LMC_TRY(write_table_md(dir, name, g, c, rendered, render_figs));
    if (!rendered && c->nfig && render_figs && log)
        fprintf(log, "lmocheck report %s: %s\n", name, gnuplot_note);
    if (r)
    {
        r->tables = c->ntable;
        r->figures = c->nfig;
        r->rendered = rendered;
    }
    return LMC_SUCCESS;
}

/* Reads the report group of spec into c->report (*have_cf = 1 once cf
 * holds the parsed file), copies spec to the output directory dir when
 * it is not the report's own, and finds the analysis it names. */
static int
open_spec(const char *spec, const char *dir, const lmc_report_options *o,
          config_t *cf, int *have_cf, lmc_report_ctx *c,
          const lmc_report_analysis **an)
{
    if (!is_file(spec))
        LMC_ERROR(LMC_EIO, "%s: not found (a report is a directory holding "
                  "spec.cfg)", spec);
    LMC_TRY(read_report_group(cf, spec, &c->report));
    *have_cf = 1;
    if (o->out_dir)
        LMC_TRY(copy_spec(o->out_dir, dir, spec));
    const char *aname = group_string(c->report, "analysis", NULL);
    *an = aname ? find_analysis(aname) : NULL;
    if (!*an)
        LMC_ERROR(LMC_EINVAL, "%s: report.analysis: %s%s%s (accepted: "
                  "oracle-delta, best-step, rates, kappa-iters, tightness)",
                  spec, aname ? "unknown analysis '" : "missing",
                  aname ? aname : "", aname ? "'" : "");
    return LMC_SUCCESS;
}

/* Runs the sweep into the store db when asked, then opens it read-only
 * in c->db restricted to the cells of spec. */
static int
open_store(const char *spec, const char *db, const lmc_report_options *o,
           lmc_report_ctx *c)
{
    if (o->run)
        LMC_TRY(run_sweep(spec, db, o));
    if (!is_file(db))
        LMC_ERROR(LMC_EIO, "%s: store not found (run the report without "
                  "--no-run, or name a store with --db)", db);
    if (sqlite3_open_v2(db, &c->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        LMC_ERROR(LMC_EIO, "%s: %s", db,
                  c->db ? sqlite3_errmsg(c->db) : "cannot open");
    /* The analysis reads the spec's cells only (a store keeps the cells
     * of every spec, cut axis and code version run into it), in the
     * caller's rounding mode, which placed the refined cells. */
    return select_spec_cells(spec, db, c->db);
}

/* Runs the analysis an on c and writes the outputs to dir. */
static int
analyse(const lmc_report_analysis *an, lmc_report_ctx *c, const char *spec,
        const char *dir, const lmc_report_options *o, lmc_report_result *r)
{
    /* The cells ran in the caller's rounding mode; the analysis and the
     * written numbers do not depend on it (fpio.h). */
    const int mode = lmc_fe_nearest();
    int status = an->run(c);
    if (status)
    {
        lmc_fe_restore(mode);
        /* Name the spec in front of the analysis's one-line message. */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", lmc_last_error());
        LMC_ERROR(status, "%s: %s", spec, msg);
    }
    status = spec_tolerances(c, spec);
    if (!status)
        status = write_outputs(dir, c->name, c->report, c, o->render,
                               o->log, r);
    lmc_fe_restore(mode);
    return status;
}

int
lmc_report_make(const char *name, const lmc_report_options *o,
                lmc_report_result *r)
{
    if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        LMC_ERROR(LMC_EINVAL, "report name '%s': not a directory name "
                  "(accepted: the name of a directory in the reports "
                  "directory)", name ? name : "");
    const char *rdir = o->reports_dir ? o->reports_dir : "reports";
    int status = LMC_ENOMEM;
    char *dir = path_join(o->out_dir ? o->out_dir : rdir, name, NULL);
    char *spec = path_join(rdir, name, "spec.cfg");
    char *dbname = malloc(strlen(name) + 8);
    char *db = NULL;
    config_t cf;
    int have_cf = 0;
    lmc_report_ctx c;
    memset(&c, 0, sizeof c);
    const lmc_report_analysis *an;
    if (!dir || !spec || !dbname)
        goto fail;
    snprintf(dbname, strlen(name) + 8, "%s.sqlite", name);
    db = o->db_path ? strdup(o->db_path) : path_join(dir, dbname, NULL);
    if (!db)
        goto fail;
    if ((status = open_spec(spec, dir, o, &cf, &have_cf, &c, &an)) ||
        (status = open_store(spec, db, o, &c)))
        goto fail;
    c.name = name;
    status = analyse(an, &c, spec, dir, o, r);
fail:
    if (status == LMC_ENOMEM && !*lmc_last_error())
        lmc_error(__FILE__, __LINE__, status, "report %s: out of memory",
                  name);
    ctx_free(&c);
    if (c.db)
        sqlite3_close(c.db);
    if (have_cf)
        config_destroy(&cf);
    free(dir);
    free(spec);
    free(dbname);
    free(db);
    return status;
}

/* ---- the index ------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
lmc_report_names(const char *dir, char ***names, size_t *n)
{
    DIR *d = opendir(dir);
    *names = NULL;
    *n = 0;
    if (!d)
        LMC_ERROR(LMC_EIO, "%s: cannot open the reports directory: %s", dir,
                  strerror(errno));
    size_t cap = 8, k = 0;
    char **v = calloc(cap + 1, sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d)))
    {
        if (e->d_name[0] == '.')
            continue;
        char *spec = path_join(dir, e->d_name, "spec.cfg");
        const int ok = spec && is_file(spec);
        free(spec);
        if (!ok)
            continue;
        if (k == cap)
        {
            char **nv = realloc(v, (2 * cap + 1) * sizeof *nv);
            if (!nv)
            {
                lmc_report_names_free(v);
                v = NULL;
                break;
            }
            v = nv;
            cap *= 2;
        }
        if (!(v[k] = strdup(e->d_name)))
        {
            lmc_report_names_free(v);
            v = NULL;
            break;
        }
        v[++k] = NULL;
    }
    closedir(d);
    if (!v)
        LMC_ERROR(LMC_ENOMEM, "%s: out of memory listing reports", dir);
    qsort(v, k, sizeof *v, cmp_str);
    *names = v;
    *n = k;
    return LMC_SUCCESS;
}

void
lmc_report_names_free(char **names)
{
    if (!names)
        return;
    for (size_t i = 0; names[i]; i++)
        free(names[i]);
    free(names);
}

int
lmc_report_index(const char *dir)
{
    char **names;
    size_t n;
    LMC_TRY(lmc_report_names(dir, &names, &n));
    char *p;
    FILE *f = open_out(dir, "README.md", &p);
    if (!f)
    {
        lmc_report_names_free(names);
        LMC_ERROR(LMC_EIO, "%s/README.md: cannot write: %s", dir,
                  strerror(errno));
    }
    free(p);
    fputs("# Reports\n\n"
          "Each directory holds a sweep spec (spec.cfg) and the tables and\n"
          "figures `lmocheck report NAME` makes from it; the SQLite store\n"
          "(NAME.sqlite) is not committed and is rebuilt from the spec on\n"
          "demand.  Regenerate all in place: `lmocheck report --all`.\n\n"
          "On the same machine and store a re-run is byte-identical.  On\n"
          "another (BLAS kernel, rounding mode) the numbers move in their\n"
          "last bits and trajectory outcomes (iterations to tolerance, the\n"
          "best step on a grid) move more, so each report states in its\n"
          "table.md, and in the tol column of data.csv, the tolerance of\n"
          "every quantity; check a regeneration against these files with\n"
          "`lmocheck report --all --out build/reports --check` (one line per\n"
          "quantity out of tolerance, exit 1 if any).  Figures are drawn\n"
          "from the fig-*.dat numbers and are not compared: their PDF/PNG\n"
          "bytes depend on the cairo and font versions installed.\n\n", f);
    for (size_t i = 0; i < n; i++)
    {
        char *spec = path_join(dir, names[i], "spec.cfg");
        config_t cf;
        config_init(&cf);
        const config_setting_t *g = NULL;
        if (spec && config_read_file(&cf, spec) == CONFIG_TRUE)
            g = config_lookup(&cf, "report");
        const char *title = g ? group_string(g, "title", names[i]) : names[i];
        const char *summary = g ? group_string(g, "summary", NULL) : NULL;
        fprintf(f, "- [%s](%s/table.md)", title, names[i]);
        if (summary)
            fprintf(f, ": %s", summary);
        else if (!g)
            fputs(": (spec has no report group)", f);
        fputc('\n', f);
        config_destroy(&cf);
        free(spec);
    }
    lmc_report_names_free(names);
    char *findings = path_join(dir, "findings.md", NULL);
    if (findings && is_file(findings))
        fputs("\nWhere the checks and THEORY.md disagree: "
              "[findings.md](findings.md).\n", f);
    free(findings);
    return close_out(f, dir, "README.md");
}

void
lmc_report_help(FILE *out)
{
    for (size_t i = 0; analyses[i]; i++)
        fprintf(out, "  analysis = \"%s\"\n%s\n", analyses[i]->name,
                analyses[i]->help);
}
