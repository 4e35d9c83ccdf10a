/* t-report.c -- lmocheck report: the analyses on hand-built stores.
 *
 * Each store is written here with SQLite (the schema of sweep.h) from
 * closed-form synthetic values, so every expected number is known without
 * the code under test: planted best step sizes, planted log-log slopes,
 * censored iteration counts, planted bound ratios.  The program runs as a
 * user runs it (LMC_LMOCHECK report NAME --reports-dir DIR --no-run).
 * Also: byte-identical re-runs, the committed reports regenerated from
 * their specs (default and two forced OpenBLAS kernels) within the
 * tolerances they state (report --compare / --check, with negative
 * controls: a number moved, a spec changed), the tolerance rule on
 * hand-written data.csv pairs, the missing-gnuplot path (PATH without
 * gnuplot: exit 0, tables, the note, no figure files), rendered figures
 * when gnuplot exists, booktabs structure, one-line key errors, and
 * negative controls (a best planted elsewhere is found there; a wrong
 * theory exponent falls outside the CI).
 *
 * LMC_KEEP=1 keeps the temporary directory (its path is printed).
 */
#include "tap.h"

#include <fenv.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* data.csv holds "%.10g": 10 significant digits, so 1e-9 relative. */
#define TOL_CSV 1e-9
/* Slopes fitted to planted power laws with symmetric seed noise: the
 * noise cancels in the normal equations, leaving rounding (~1e-14). */
#define TOL_SLOPE 1e-9

static char exe[4096], dir[4096];
static char errtext[1 << 14];

/* ---- the store ------------------------------------------------------- */

static sqlite3 *
store_open(const char *name)
{
    char p[8192], d[8192];
    snprintf(d, sizeof d, "%s/%s", dir, name);
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/%s/%s.sqlite", dir, name, name);
    unlink(p);
    sqlite3 *db;
    if (sqlite3_open(p, &db) != SQLITE_OK)
        return NULL;
    sqlite3_exec(db,
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
        "CREATE TABLE cells(key TEXT PRIMARY KEY, sweep TEXT, kind TEXT,"
        " config TEXT, version TEXT, status TEXT, error TEXT, seconds REAL,"
        " UNIQUE(config, version));"
        "CREATE TABLE params(key TEXT, name TEXT, value TEXT, num REAL,"
        " PRIMARY KEY(key, name));"
        "CREATE TABLE outcomes(key TEXT, name TEXT, value REAL, text TEXT,"
        " PRIMARY KEY(key, name));"
        "BEGIN;", NULL, NULL, NULL);
    return db;
}

static void
store_close(sqlite3 *db)
{
    sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL);
    sqlite3_close(db);
}

static int ncell;

/* A cell: params "k=v" (numeric when v parses), outcomes "k=v" numeric or
 * "k:text" text; NULL-terminated lists.  seconds is random-ish on
 * purpose: it must never show in an output. */
static void
cell(sqlite3 *db, const char *kind, int ok, const char *const *params,
     const char *const *outs)
{
    char key[32], config[4096] = "", sql[8192];
    snprintf(key, sizeof key, "%016x", (unsigned)(0x9e3779b9u * (unsigned)++ncell));
    for (size_t i = 0; params[i]; i++)
        snprintf(config + strlen(config), sizeof config - strlen(config),
                 "%s%s", i ? " " : "", params[i]);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO cells VALUES(?1, 'test', ?2, ?3, "
                       "'v', ?4, ?5, ?6)", -1, &st, NULL);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, config, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, ok ? "ok" : "error", -1, SQLITE_STATIC);
    if (ok)
        sqlite3_bind_null(st, 5);
    else
        sqlite3_bind_text(st, 5, "synthetic failure", -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, 0.001 * (ncell % 97));
    sqlite3_step(st);
    sqlite3_finalize(st);
    for (size_t i = 0; params[i]; i++)
    {
        const char *eq = strchr(params[i], '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - params[i]), params[i]);
        char *end;
        const double v = strtod(eq + 1, &end);
        snprintf(sql, sizeof sql, "INSERT INTO params VALUES(?1, ?2, ?3, ?4)");
        sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, eq + 1, -1, SQLITE_TRANSIENT);
        if (*end == '\0' && end != eq + 1)
            sqlite3_bind_double(st, 4, v);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    for (size_t i = 0; ok && outs && outs[i]; i++)
    {
        const char *sep = strpbrk(outs[i], "=:");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(sep - outs[i]), outs[i]);
        sqlite3_prepare_v2(db, "INSERT INTO outcomes VALUES(?1, ?2, ?3, ?4)",
                           -1, &st, NULL);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        if (*sep == '=')
        {
            sqlite3_bind_double(st, 3, strtod(sep + 1, NULL));
            sqlite3_bind_null(st, 4);
        }
        else
        {
            sqlite3_bind_null(st, 3);
            sqlite3_bind_text(st, 4, sep + 1, -1, SQLITE_TRANSIENT);
        }
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
}

static void
spec(const char *name, const char *report)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s/spec.cfg", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        return;
    fprintf(f, "name = \"%s\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
            "method = \"muon\"; };\naxes = ( { key = \"seed\"; values = "
            "[1]; } );\nreport = {\n%s\n};\n", name, report);
    fclose(f);
}

/* ---- running the program ------------------------------------------- */

/* lmocheck report ARGS... with PATH set to path (NULL: unchanged);
 * stderr in errtext; returns the exit status. */
static int
report(const char *path, const char *const *args)
{
    char *argv[32];
    int n = 0;
    argv[n++] = exe;
    argv[n++] = (char *)"report";
    for (size_t i = 0; args[i] && n < 28; i++)
        argv[n++] = (char *)args[i];
    argv[n++] = (char *)"--reports-dir";
    argv[n++] = dir;
    argv[n++] = (char *)"--no-run";
    argv[n] = NULL;
    char errf[8192];
    fflush(stdout);
    snprintf(errf, sizeof errf, "%s/stderr", dir);
    const pid_t pid = fork();
    if (pid == 0)
    {
        if (!freopen(errf, "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(127);
        if (path)
            setenv("PATH", path, 1);
        execv(exe, argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    FILE *f = fopen(errf, "r");
    errtext[0] = '\0';
    if (f)
    {
        const size_t k = fread(errtext, 1, sizeof errtext - 1, f);
        errtext[k] = '\0';
        fclose(f);
    }
    const int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc != 0)
    {
        static char copy[sizeof errtext];
        memcpy(copy, errtext, sizeof copy);
        for (char *line = strtok(copy, "\n"); line;
             line = strtok(NULL, "\n"))
            tap_diag("stderr: %s", line);
    }
    return rc;
}

/* The whole file name/file, NUL-terminated (malloc'd), or NULL. */
static char *
slurp(const char *name, const char *file, size_t *len)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s/%s", dir, name, file);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n)
    {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = '\0';
    if (len)
        *len = (size_t)n;
    fclose(f);
    return b;
}

static long
file_size(const char *name, const char *file)
{
    char p[8192];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s/%s", dir, name, file);
    return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

/* The value of the data.csv line starting with prefix (the columns
 * before "value"); NAN if absent. */
static double
csv(const char *name, const char *prefix)
{
    char *b = slurp(name, "data.csv", NULL);
    double v = NAN;
    const size_t n = strlen(prefix);
    for (char *line = b; line && *line;)
    {
        char *nl = strchr(line, '\n');
        if (strncmp(line, prefix, n) == 0)
        {
            v = strtod(line + n, NULL);
            break;
        }
        line = nl ? nl + 1 : NULL;
    }
    free(b);
    return v;
}

static int
contains(const char *name, const char *file, const char *text)
{
    char *b = slurp(name, file, NULL);
    const int r = b && strstr(b, text);
    free(b);
    return r;
}

/* ---- the stores ------------------------------------------------------ */

/* best-step: gap_final = 0.5 log2(lr/lr*(delta))^2 + 1 + delta +- 1e-3
 * (seed 1 +, seed 2 -) with lr*(0) = 0.08, lr*(0.5) = lr05,
 * lr*(1) = 0.02; gap_first = 4, so a run made progress iff
 * 0.5 d^2 + 1 + delta < 4.  One diverged seed (delta 1, lr 0.16) and one
 * errored cell (delta 0.5, lr 0.01) make those means +inf. */
static void
make_best(const char *name, double lr05)
{
    sqlite3 *db = store_open(name);
    static const double deltas[] = {0, 0.5, 1};
    static const double lrs[] = {0.01, 0.02, 0.04, 0.08, 0.16};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++)
            for (int s = 1; s <= 2; s++)
            {
                const double d = deltas[i];
                const double best = i == 0 ? 0.08 : i == 1 ? lr05 : 0.02;
                const double l2 = log2(lrs[j] / best);
                const double gap = 0.5 * l2 * l2 + 1 + d +
                                   (s == 1 ? 1e-3 : -1e-3);
                const int diverged = i == 2 && j == 4 && s == 2;
                const int err = i == 1 && j == 0 && s == 2;
                char p[4][64], o[5][64];
                snprintf(p[0], 64, "delta=%g", d);
                snprintf(p[1], 64, "lr=%g", lrs[j]);
                snprintf(p[2], 64, "seed=%d", s);
                snprintf(p[3], 64, "method=muon");
                snprintf(o[0], 64, "gap_final=%.17g",
                         diverged ? INFINITY : gap);
                snprintf(o[1], 64, "gap_first=4");
                snprintf(o[2], 64, "diverged=%d", diverged);
                snprintf(o[3], 64, "stop:%s", diverged ? "diverged"
                                                       : "budget");
                snprintf(o[4], 64, "delta_mean=%g", d);
                const char *ps[] = {p[0], p[1], p[2], p[3], NULL};
                const char *os[] = {o[0], o[1], o[2], o[3], o[4], NULL};
                cell(db, "run", !err, ps, os);
            }
    store_close(db);
    spec(name, "  analysis = \"best-step\";\n  title = \"Best step vs "
         "delta (synthetic)\";\n  summary = \"Planted optimum.\";\n"
         "  x = \"delta\";\n  parameter = \"lr\";\n  outcome = \"gap_final\";");
}

/* best-step with momentum and x = steps: delta_mean 0.8, 0.4, 0.1 (+-0.01
 * by seed) at steps 1, 3, 5; gap_final = 0.5 log2(alpha/alpha*)^2 + 1
 * with alpha = 1 - momentum and alpha* = 0.5, 0.25, 0.125. */
static void
make_momentum(const char *name)
{
    sqlite3 *db = store_open(name);
    static const double steps[] = {1, 3, 5}, dm[] = {0.8, 0.4, 0.1};
    static const double astar[] = {0.5, 0.25, 0.125};
    static const double beta[] = {0, 0.5, 0.75, 0.875, 0.9375};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++)
            for (int s = 1; s <= 2; s++)
            {
                const double l2 = log2((1 - beta[j]) / astar[i]);
                char p[3][64], o[3][64];
                snprintf(p[0], 64, "steps=%g", steps[i]);
                snprintf(p[1], 64, "momentum=%g", beta[j]);
                snprintf(p[2], 64, "seed=%d", s);
                snprintf(o[0], 64, "gap_final=%.17g", 0.5 * l2 * l2 + 1);
                snprintf(o[1], 64, "gap_first=10");
                snprintf(o[2], 64, "delta_mean=%.17g",
                         dm[i] + (s == 1 ? 0.01 : -0.01));
                const char *ps[] = {p[0], p[1], p[2], NULL};
                const char *os[] = {o[0], o[1], o[2], NULL};
                cell(db, "run", 1, ps, os);
            }
    store_close(db);
    spec(name, "  analysis = \"best-step\";\n  title = \"Best momentum vs "
         "steps\";\n  summary = \"Planted alpha.\";\n  x = \"steps\";\n"
         "  parameter = \"momentum\";");
}

/* rates: gfrob2_avg = A iters^e e^(+-0.01) per method (seed +-). */
static void
make_rates(const char *name)
{
    sqlite3 *db = store_open(name);
    static const char *const meth[] = {"adam", "muon", "mvr2"};
    static const double A[] = {5, 3, 2}, e[] = {-0.5, -0.25, -1.0 / 3};
    for (int m = 0; m < 3; m++)
        for (int k = 10; k <= 14; k++)
            for (int s = 1; s <= 2; s++)
            {
                const double T = ldexp(1, k);
                char p[3][64], o[1][64];
                snprintf(p[0], 64, "method=%s", meth[m]);
                snprintf(p[1], 64, "iters=%g", T);
                snprintf(p[2], 64, "seed=%d", s);
                snprintf(o[0], 64, "gfrob2_avg=%.17g",
                         A[m] * pow(T, e[m]) * exp(s == 1 ? 0.01 : -0.01));
                const char *ps[] = {p[0], p[1], p[2], NULL};
                const char *os[] = {o[0], NULL};
                cell(db, "run", 1, ps, os);
            }
    store_close(db);
    /* adam's planted slope is -0.5: its theory -0.25 is a negative
     * control (outside the CI). */
    spec(name, "  analysis = \"rates\";\n  title = \"Rates\";\n"
         "  summary = \"Planted slopes.\";\n  outcome = \"gfrob2_avg\";\n"
         "  theory = { muon = -0.25; mvr2 = -0.3333; adam = -0.25; };");
}

/* kappa-iters: muon 300 +- 1 iterations at every kappa (flat); gd
 * 22 kappa +- 1, censored (stop budget) at kappa 1000 with budget 5000. */
static void
make_kappa(const char *name)
{
    sqlite3 *db = store_open(name);
    static const double kap[] = {1, 10, 100, 1000};
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < 4; i++)
            for (int s = 1; s <= 2; s++)
            {
                const double it = m == 0 ? 22 * kap[i] : 300;
                const int conv = !(m == 0 && i == 3);
                char p[5][64], o[2][64];
                snprintf(p[0], 64, "problem=mf");
                snprintf(p[1], 64, "method=%s", m == 0 ? "gd" : "muon");
                snprintf(p[2], 64, "kappa=%g", kap[i]);
                snprintf(p[3], 64, "iters=5000");
                snprintf(p[4], 64, "seed=%d", s);
                snprintf(o[0], 64, "iters=%g",
                         conv ? it + (s == 1 ? 1 : -1) : 5000);
                snprintf(o[1], 64, "stop:%s", conv ? "converged" : "budget");
                const char *ps[] = {p[0], p[1], p[2], p[3], p[4], NULL};
                const char *os[] = {o[0], o[1], NULL};
                cell(db, "run", 1, ps, os);
            }
    store_close(db);
    spec(name, "  analysis = \"kappa-iters\";\n  title = \"Iterations vs "
         "kappa\";\n  summary = \"P2 synthetic.\";");
}

/* tightness: T1 ratios 0.5, 0.99, 0.9, 0.3; T2 0.2, 0.01, 0.001; V2 1.2
 * violated; one errored T2 cell.  Inserted out of order on purpose.  T1
 * and T2 share the label "lsq jordan poly t=0.05", which the analysis
 * gives a T2-only tolerance. */
static const char tight_report[] =
    "  analysis = \"tightness\";\n  title = \"Tightness\";\n"
    "  summary = \"Planted ratios.\";";

static void
make_tight(const char *name)
{
    sqlite3 *db = store_open(name);
    static const struct
    {
        const char *th, *label;
        double ratio;
    } pts[] = {{"T2", "t=0.1 K=100", 0.2}, {"T1", "t=0.1", 0.5},
               {"V2", "beta=0.9", 1.2},   {"T1", "t=0.5", 0.99},
               {"T2", "t=0.5 K=100", 0.01}, {"T1", "t=0.3", 0.9},
               {"T2", "lsq jordan poly t=0.05", 0.001},
               {"T1", "lsq jordan poly t=0.05", 0.3}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++)
    {
        char p[3][64], o[9][80];
        snprintf(p[0], 64, "theorem=%s", pts[i].th);
        snprintf(p[1], 64, "label=%s", pts[i].label);
        snprintf(p[2], 64, "seed=1");
        snprintf(o[0], 80, "measured=%.17g", 2 * pts[i].ratio);
        snprintf(o[1], 80, "bound=2");
        snprintf(o[2], 80, "ratio=%.17g", pts[i].ratio);
        snprintf(o[3], 80, "verdict:%s", pts[i].ratio > 1 ? "violated"
                                                           : "holds");
        snprintf(o[4], 80, "theorem:%s", pts[i].th);
        snprintf(o[5], 80, "label:%s", pts[i].label);
        snprintf(o[6], 80, "problem:lsq_%s", i % 2 ? "a" : "b");
        snprintf(o[7], 80, "method:muon");
        snprintf(o[8], 80, "kind:%s", pts[i].th[0] == 'V' ? "soft"
                                                          : "hard per-step");
        const char *ps[] = {p[0], p[1], p[2], NULL};
        const char *os[] = {o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7],
                            o[8], NULL};
        cell(db, "check", 1, ps, os);
    }
    const char *ps[] = {"theorem=T2", "label=broken", "seed=1", NULL};
    cell(db, "check", 0, ps, NULL);
    store_close(db);
    spec(name, tight_report);
}

/* oracle-delta: delta_pred = 0.9^steps / (1 + log10 kappa) (cubic),
 * half that (jordan); measured = predicted (1 + 0.01 steps). */
static void
make_oracle(const char *name)
{
    sqlite3 *db = store_open(name);
    static const char *const sch[] = {"cubic", "jordan"};
    for (int a = 0; a < 2; a++)
        for (int k = 1; k <= 3; k += 2)
            for (int q = 1; q <= 5; q++)
            {
                const double kappa = pow(10, k);
                const double pred = pow(0.9, q * 10) / (1 + k) / (a + 1);
                char p[4][64], o[2][64];
                snprintf(p[0], 64, "schedule=%s", sch[a]);
                snprintf(p[1], 64, "kappa=%g", kappa);
                snprintf(p[2], 64, "steps=%d", q);
                snprintf(p[3], 64, "oracle=poly");
                snprintf(o[0], 64, "delta_pred=%.17g", pred);
                snprintf(o[1], 64, "delta_meas=%.17g", pred * (1 + 0.01 * q));
                const char *ps[] = {p[0], p[1], p[2], p[3], NULL};
                const char *os[] = {o[0], o[1], NULL};
                cell(db, "oracle", 1, ps, os);
            }
    store_close(db);
    spec(name, "  analysis = \"oracle-delta\";\n  title = \"Oracle delta\";\n"
         "  summary = \"Predicted vs measured.\";");
}

/* ---- checks ----------------------------------------------------------- */

static const char *const outputs[] = {"table.md", "table.tex", "data.csv",
                                      NULL};

/* Every deterministic output of name: table.*, data.csv, fig-*.gp/.dat. */
static int
same_outputs(const char *name, char **saved, size_t nsaved, int save)
{
    static const char *const figs[] = {"delta", "heatmap", "best", "rates",
                                       "iters", "ratio"};
    size_t k = 0;
    int same = 1;
    for (size_t i = 0; i < 3 + 12; i++)
    {
        char file[64];
        if (i < 3)
            snprintf(file, sizeof file, "%s", outputs[i]);
        else
            snprintf(file, sizeof file, "fig-%s.%s", figs[(i - 3) / 2],
                     (i - 3) % 2 ? "dat" : "gp");
        char *b = slurp(name, file, NULL);
        if (!b)
            continue;
        if (k < nsaved)
        {
            if (save)
                saved[k] = b;
            else
            {
                same = same && saved[k] && strcmp(saved[k], b) == 0;
                free(b);
            }
        }
        else
            free(b);
        k++;
    }
    return same && k >= 5;
}

static void
check_determinism(const char *name, const char *path)
{
    char *saved[16] = {0};
    same_outputs(name, saved, 16, 1);
    const char *args[] = {name, NULL};
    const int rc = report(path, args);
    tap_ok(rc == 0 && same_outputs(name, saved, 16, 0),
           "%s: re-run gives byte-identical tables, CSV, .gp and .dat", name);
    for (size_t i = 0; i < 16; i++)
        free(saved[i]);
}

/* ---- committed reports: regeneration within the stated tolerances ---- */

static char cmpout[1 << 14];

/* Regenerates the committed report reports/NAME from its spec alone
 * (sweep included) into dir/OUT/NAME, with sed program edit applied to
 * the spec if not NULL (a negative control) and the environment
 * assignments env (e.g. "OPENBLAS_CORETYPE=Prescott") in front.  The
 * exit status of lmocheck report. */
static int
regen(const char *name, const char *out, const char *edit, const char *env)
{
    const char *root = getenv("LMC_SOURCE_ROOT");
    static char cmd[65536];
    if (!root)
        return -1;
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s/%s/%s' && mkdir -p '%s/%s/%s' && "
             "sed -e '%s' '%s/reports/%s/spec.cfg' > '%s/%s/%s/spec.cfg' && "
             "env OPENBLAS_NUM_THREADS=1 %s '%s' report %s --reports-dir "
             "'%s/%s' >/dev/null 2>&1",
             dir, out, name, dir, out, name, edit ? edit : "", root, name,
             dir, out, name, env ? env : "", exe, name, dir, out);
    const int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* lmocheck report --compare A B NAME (a path, or OUT under dir when it
 * has no '/'); stdout in cmpout; the exit status. */
static int
compare(const char *a, const char *b, const char *name)
{
    static char cmd[65536], pa[8300], pb[8300];
    snprintf(pa, sizeof pa, "%s%s%s", strchr(a, '/') ? "" : dir,
             strchr(a, '/') ? "" : "/", a);
    snprintf(pb, sizeof pb, "%s%s%s", strchr(b, '/') ? "" : dir,
             strchr(b, '/') ? "" : "/", b);
    snprintf(cmd, sizeof cmd, "'%s' report --compare '%s' '%s' %s "
             ">'%s/cmpout' 2>&1", exe, pa, pb, name, dir);
    const int st = system(cmd);
    char p[8300];
    snprintf(p, sizeof p, "%s/cmpout", dir);
    FILE *f = fopen(p, "r");
    cmpout[0] = '\0';
    if (f)
    {
        const size_t k = fread(cmpout, 1, sizeof cmpout - 1, f);
        cmpout[k] = '\0';
        fclose(f);
    }
    const int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    if (rc != 0)
        for (char *line = strtok(strcpy(p, cmpout), "\n"); line;
             line = strtok(NULL, "\n"))
            tap_diag("compare: %s", line);
    return rc;
}

/* 1 if /proc/cpuinfo lists flag (an x86 feature). */
static int
cpu_has(const char *flag)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[8192];
    int has = 0;
    while (f && !has && fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0)
        {
            char pat[64];
            snprintf(pat, sizeof pat, " %s", flag);
            const char *at = strstr(line, pat);
            has = at && (at[strlen(pat)] == ' ' || at[strlen(pat)] == '\n');
            break;
        }
    if (f)
        fclose(f);
    return has;
}

/* Writes dir/NAME/data.csv (and a spec, so it is a report directory). */
static void
put_csv(const char *name, const char *text)
{
    char p[8300];
    /* dir comes from mkdtemp and name from this file: no quotes */
    snprintf(p, sizeof p, "mkdir -p '%s/%s'", dir, name);
    if (system(p) != 0)
        return;
    snprintf(p, sizeof p, "%s/%s/spec.cfg", dir, name);
    FILE *f = fopen(p, "w");
    if (f)
        fclose(f);
    snprintf(p, sizeof p, "%s/%s/data.csv", dir, name);
    if ((f = fopen(p, "w")))
    {
        fputs(text, f);
        fclose(f);
    }
}

/* The tolerance rule itself on hand-written data.csv pairs. */
static void
check_tolerance_rule(void)
{
    static const char head[] = "x,quantity,value,tol\n";
    char a[2048], b[2048];
    snprintf(a, sizeof a, "%s1,slope,0.10,abs 0.03\n2,n,213,rel 0.25\n"
             "3,best,0.004,factor 1.78\n4,m,inf,rel 0.5\n"
             "5,tiny,1e-15,abs 1e-12 or rel 0.1\n6,r,1,rel 1 if present\n",
             head);
    put_csv("cmp-a/t", a);
    snprintf(b, sizeof b, "%s1,slope,0.125,abs 0.03\n2,n,178,rel 0.25\n"
             "3,best,0.0056,factor 1.78\n4,m,inf,rel 0.5\n"
             "5,tiny,9e-13,abs 1e-12 or rel 0.1\n7,r,1,rel 1 if present\n",
             head);
    put_csv("cmp-b/t", b);
    tap_int(compare("cmp-a", "cmp-b", "t"), 0,
            "compare: abs, rel, factor, 'or', inf = inf and rows marked "
            "'if present' agree within their stated tolerances");
    snprintf(b, sizeof b, "%s1,slope,0.135,abs 0.03\n2,n,150,rel 0.25\n"
             "3,best,0.0075,factor 1.78\n4,m,1e3,rel 0.5\n"
             "5,tiny,2e-12,abs 1e-12 or rel 0.1\n", head);
    put_csv("cmp-c/t", b);
    const int rc = compare("cmp-a", "cmp-c", "t");
    tap_ok(rc == 1 && strstr(cmpout, "t: slope: 1 of 1 values out of "
                             "tolerance (abs 0.03)") &&
               strstr(cmpout, "t: n: ") && strstr(cmpout, "t: best: ") &&
               strstr(cmpout, "t: m: ") && strstr(cmpout, "t: tiny: ") &&
               !strstr(cmpout, "t: r: "),
           "negative control: each value just outside its tolerance (and "
           "inf vs a number) is named, one line per quantity, exit 1");
    snprintf(b, sizeof b, "%s1,slope,0.10,abs 0.03\n2,n,213,rel 0.25\n"
             "3,best,0.004,factor 1.78\n4,m,inf,rel 0.5\n", head);
    put_csv("cmp-d/t", b);
    tap_ok(compare("cmp-a", "cmp-d", "t") == 1 &&
               strstr(cmpout, "t: tiny: 1 rows on one side only"),
           "negative control: a row missing on one side is reported");
    tap_int(compare("cmp-a", "no-such-dir", "t"), 2,
            "compare: a missing data.csv is a usage error (exit 2)");
}

/* The committed reports are what their specs give on any BLAS kernel:
 * two cheap ones regenerated from the spec alone (sweep included) in the
 * default environment and under two forced OpenBLAS kernels, compared
 * with the committed data.csv and with each other within the
 * tolerances the reports state; negative controls. */
static void
check_committed(void)
{
    const char *root = getenv("LMC_SOURCE_ROOT");
    if (!root)
    {
        tap_skip(11, "LMC_SOURCE_ROOT not set");
        return;
    }
    char committed[8300];
    snprintf(committed, sizeof committed, "%s/reports", root);
    static const char *const names[] = {"oracle-delta", "kappa-iters"};
    /* Prescott runs on every x86-64; the other the newest the CPU has. */
    const char *k1 = "OPENBLAS_CORETYPE=Prescott";
    const char *k2 = cpu_has("avx2") ? "OPENBLAS_CORETYPE=Haswell"
                     : cpu_has("avx") ? "OPENBLAS_CORETYPE=Sandybridge"
                                      : "OPENBLAS_CORETYPE=Nehalem";
    tap_diag("kernels: default, %s, %s", k1 + 18, k2 + 18);
    for (size_t i = 0; i < 2; i++)
    {
        const char *n = names[i];
        tap_ok(regen(n, "fresh", NULL, NULL) == 0 &&
                   compare(committed, "fresh", n) == 0,
               "reports/%s regenerates within its stated tolerances "
               "(default kernel)", n);
        tap_ok(regen(n, "k1", NULL, k1) == 0 && regen(n, "k2", NULL, k2) == 0 &&
                   compare("k1", "k2", n) == 0 &&
                   compare(committed, "k1", n) == 0 &&
                   compare(committed, "k2", n) == 0,
               "reports/%s: %s and %s regenerations agree with each other "
               "and with the committed one within tolerance", n, k1 + 18,
               k2 + 18);
    }
    /* Same machine, same store: byte identity stays a property. */
    {
        static char cmd[65536];
        snprintf(cmd, sizeof cmd,
                 "cd '%s/fresh/kappa-iters' && mkdir -p ../../again && "
                 "cp data.csv table.md table.tex fig-iters.dat fig-iters.gp "
                 "../../again/ && OPENBLAS_NUM_THREADS=1 '%s' report "
                 "kappa-iters --reports-dir '%s/fresh' --no-run "
                 ">/dev/null 2>&1 && for f in data.csv table.md table.tex "
                 "fig-iters.dat fig-iters.gp; do cmp -s $f ../../again/$f "
                 "|| exit 1; done", dir, exe, dir);
        tap_ok(system(cmd) == 0, "kappa-iters: re-run on the same store "
               "gives byte-identical data.csv, tables, .dat and .gp");
    }
    /* A committed number moved beyond its tolerance is reported: the
     * GD count on mf at kappa 10 doubled (tolerance abs 3 or rel 0.04). */
    {
        static char cmd[65536];
        snprintf(cmd, sizeof cmd,
                 "mkdir -p '%s/edited/kappa-iters' && awk -F, -v OFS=, "
                 "'$1==\"mf\" && $2==\"gd\" && $3==\"10\" && $4==\"iters\" "
                 "{ $5 = 2 * $5 } { print }' "
                 "'%s/reports/kappa-iters/data.csv' > "
                 "'%s/edited/kappa-iters/data.csv'", dir, root, dir);
        const int made = system(cmd) == 0;
        tap_ok(made && compare(committed, "edited", "kappa-iters") == 1 &&
                   strstr(cmpout, "kappa-iters: iters: 1 of ") &&
                   strstr(cmpout, "problem=mf method=gd kappa=10"),
               "negative control: a committed count doubled is named "
               "(kappa-iters: iters, mf gd kappa 10), exit 1");
    }
    tap_ok(regen("oracle-delta", "changed", "s/1000.0, 100000.0]/1000.0]/",
                 NULL) == 0 &&
               compare(committed, "changed", "oracle-delta") == 1 &&
               strstr(cmpout, "rows on one side only"),
           "negative control: a changed spec (kappa list without 1e5) does "
           "not match the committed oracle-delta");
    /* report --check: the one-command form (scratch directory). */
    {
        static char cmd[65536];
        snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=1 TMPDIR='%s' '%s' "
                 "report oracle-delta --reports-dir '%s' --check "
                 ">'%s/check.out' 2>/dev/null", dir, exe, committed, dir);
        const int st = system(cmd);
        char *out = slurp(".", "check.out", NULL);
        tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && out &&
                   strstr(out, "1 of 1 reports within their stated "
                          "tolerances"),
               "report oracle-delta --check: regenerated in a scratch "
               "directory, within tolerance, exit 0");
        free(out);
    }
}

static int
has_gnuplot(void)
{
    const char *path = getenv("PATH");
    char buf[4096];
    for (const char *p = path; p && *p;)
    {
        const char *e = strchr(p, ':');
        const size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)n, p);
        if (access(buf, X_OK) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

int
main(void)
{
    tap_begin(1);
    /* The planted stores, specs and expected values are data, written
     * and read in round-to-nearest whatever mode a whole-process run put
     * this program in; the lmocheck processes it starts inherit that
     * mode (src/fpio.h: decimal text means the same in every mode). */
    fesetround(FE_TONEAREST);
    const char *e = getenv("LMC_LMOCHECK");
    if (!e)
    {
        tap_skip(1, "LMC_LMOCHECK not set (run through meson test)");
        return tap_end();
    }
    snprintf(exe, sizeof exe, "%s", e);
    snprintf(dir, sizeof dir, "%s/lmc-report-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
    {
        tap_ok(0, "mkdtemp");
        return tap_end();
    }
    tap_diag("reports in %s", dir);
    const char *nogp = "/nonexistent-no-gnuplot";

    /* best-step: planted optimum 0.08, 0.04, 0.02 at delta 0, 0.5, 1. */
    make_best("best", 0.04);
    const char *a_best[] = {"best", NULL};
    int rc = report(nogp, a_best);
    tap_int(rc, 0, "best-step without gnuplot: exit 0");
    tap_close(csv("best", "0,,best,"), 0.08, TOL_CSV, 0, "best lr at delta 0");
    tap_close(csv("best", "0.5,,best,"), 0.04, TOL_CSV, 0,
              "best lr at delta 0.5");
    tap_close(csv("best", "1,,best,"), 0.02, TOL_CSV, 0, "best lr at delta 1");
    tap_close(csv("best", "1,,ratio,"), 0.25, TOL_CSV, 0,
              "lr ratio at delta 1 = 0.02/0.08");
    tap_close(csv("best", "1,,pred_t3,"), 0.5, TOL_CSV, 0,
              "T3 prediction 1/(1+delta) at delta 1");
    tap_close(csv("best", "0.5,,pred_t5,"), pow(1.5, -0.25), TOL_CSV, 0,
              "T5 prediction (1+delta)^(-1/4) at delta 0.5");
    tap_close(csv("best", "1,,degradation,"), 2.0, TOL_CSV, 0,
              "degradation best gap(1)/best gap(0) = 2/1");
    /* progress iff 0.5 log2(lr/lr*)^2 + 1 + delta < 4: delta 0 keeps
     * 0.02..0.16; delta 0.5 keeps 0.02..0.16 (0.01 errored); delta 1
     * keeps 0.01..0.04 (0.16 diverged, 0.08 no progress). */
    tap_close(csv("best", "0,,stable_width,"), log10(8), TOL_CSV, 0,
              "stable width at delta 0 = log10(0.16/0.02)");
    tap_close(csv("best", "0.5,,stable_width,"), log10(8), TOL_CSV, 0,
              "stable width at delta 0.5 excludes the errored cell");
    tap_close(csv("best", "1,,stable_width,"), log10(4), TOL_CSV, 0,
              "stable width at delta 1 excludes diverged and no-progress");
    tap_ok(isinf(csv("best", "1,0.16,mean,")),
           "a diverged seed makes the mean +inf");
    tap_ok(contains("best", "table.md", "figures not rendered: gnuplot not "
                    "found (apt-get install gnuplot-nox)") &&
               strstr(errtext, "figures not rendered: gnuplot not found"),
           "no gnuplot: table.md and stderr carry the note");
    tap_ok(file_size("best", "fig-best.svg") < 0 &&
               file_size("best", "fig-heatmap.png") < 0 &&
               file_size("best", "fig-best.pdf") < 0,
           "no gnuplot: no figure files");
    tap_ok(file_size("best", "fig-heatmap.gp") > 0 &&
               file_size("best", "fig-heatmap.dat") > 0,
           "no gnuplot: scripts and data still written");
    tap_ok(contains("best", "table.tex", "\\toprule\n") &&
               contains("best", "table.tex", "\\midrule\n") &&
               contains("best", "table.tex", "\\bottomrule\n\\end{tabular}") &&
               contains("best", "table.tex", "gap\\_final"),
           "table.tex: booktabs rules, '_' escaped");
    tap_ok(!contains("best", "table.md", dir) &&
               !contains("best", "data.csv", dir) &&
               !contains("best", "fig-best.gp", dir),
           "no machine paths in the outputs");
    check_determinism("best", nogp);

    /* Negative control: plant the delta-0.5 optimum at 0.16. */
    make_best("best-moved", 0.16);
    const char *a_moved[] = {"best-moved", NULL};
    rc = report(nogp, a_moved);
    tap_close(csv("best-moved", "0.5,,best,"), 0.16, TOL_CSV, 0,
              "negative control: a best planted at 0.16 is found there");
    tap_close(csv("best-moved", "0.5,,ratio,"), 2.0, TOL_CSV, 0,
              "negative control: its ratio is 2");

    /* best-step, momentum over Newton-Schulz steps */
    make_momentum("mom");
    const char *a_mom[] = {"mom", NULL};
    rc = report(nogp, a_mom);
    tap_int(rc, 0, "best-step (momentum, x = steps): exit 0");
    tap_close(csv("mom", "3,,best,"), 0.75, TOL_CSV, 0,
              "best momentum at 3 steps = 1 - 0.25");
    tap_close(csv("mom", "3,,delta,"), 0.4, TOL_CSV, 0,
              "delta at 3 steps = mean delta_mean of the cells");
    tap_close(csv("mom", "5,,ratio,"), 0.25, TOL_CSV, 0,
              "alpha ratio at 5 steps = 0.125/0.5");
    tap_close(csv("mom", "5,,pred_t5,"), sqrt(1.1 / 1.8), TOL_CSV, 0,
              "T5 alpha ratio ((1+d)/(1+d0))^(1/2) at 5 steps");
    tap_close(csv("mom", "1,,stable_width,"), log10(1 / 0.0625), TOL_CSV, 0,
              "stable width in log10 alpha over the whole grid");
    check_determinism("mom", nogp);

    /* rates */
    make_rates("rates");
    const char *a_rates[] = {"rates", NULL};
    rc = report(nogp, a_rates);
    tap_int(rc, 0, "rates: exit 0");
    tap_close(csv("rates", "muon,,slope,"), -0.25, 0, TOL_SLOPE,
              "muon: fitted slope = planted -1/4");
    tap_close(csv("rates", "mvr2,,slope,"), -1.0 / 3, 0, TOL_SLOPE,
              "mvr2: fitted slope = planted -1/3");
    tap_close(csv("rates", "adam,,slope,"), -0.5, 0, TOL_SLOPE,
              "adam: fitted slope = planted -1/2");
    tap_ok(csv("rates", "muon,,ci95_halfwidth,") > 0,
           "muon: positive CI half-width from the seed noise");
    tap_ok(contains("rates", "table.md", "| muon ") &&
               contains("rates", "table.md", "-0.2500") &&
               contains("rates", "table.md", "-0.3333"),
           "rates table shows the slopes beside the theory");
    {
        char *md = slurp("rates", "table.md", NULL);
        const char *adam = md ? strstr(md, "| adam ") : NULL;
        const char *nl = adam ? strchr(adam, '\n') : NULL;
        const char *muon = md ? strstr(md, "| muon ") : NULL;
        const char *nl2 = muon ? strchr(muon, '\n') : NULL;
        const char *no = adam ? strstr(adam, "| no ") : NULL;
        const char *yes = muon ? strstr(muon, "| yes ") : NULL;
        tap_ok(no && no < nl,
               "negative control: adam's slope -1/2 rejects theory -1/4");
        tap_ok(yes && yes < nl2, "muon's CI contains theory -1/4");
        free(md);
    }
    check_determinism("rates", nogp);

    /* kappa-iters */
    make_kappa("kappa");
    const char *a_kappa[] = {"kappa", NULL};
    rc = report(nogp, a_kappa);
    tap_int(rc, 0, "kappa-iters: exit 0");
    tap_ok(contains("kappa", "table.md", "> budget"),
           "kappa-iters: a censored point shows as '> budget'");
    tap_ok(contains("kappa", "table.tex", "\\textgreater{} budget"),
           "kappa-iters: '>' escaped in table.tex");
    tap_close(csv("kappa", "mf,gd,,slope,"), 1.0, 0, TOL_SLOPE,
              "gd: slope 1 in kappa over the converged points");
    tap_close(csv("kappa", "mf,muon,,slope,"), 0.0, 0, TOL_SLOPE,
              "muon: slope 0 in kappa (flat)");
    tap_ok(contains("kappa", "table.md", "| mf      | gd     |           3 "
                    "|        1 |") || contains("kappa", "table.md",
                    "|           3 |        1 |"),
           "gd: 3 kappas used, 1 censored");
    tap_ok(isnan(csv("kappa", "mf,gd,1000,iters,")) ||
               contains("kappa", "data.csv", "mf,gd,1000,iters,nan"),
           "the censored point has no iteration count");
    check_determinism("kappa", nogp);

    /* tightness */
    make_tight("tight");
    const char *a_tight[] = {"tight", NULL};
    rc = report(nogp, a_tight);
    tap_int(rc, 0, "tightness: exit 0");
    tap_close(csv("tight", "T1,,,,max_ratio,"), 0.99, TOL_CSV, 0,
              "T1 max ratio 0.99");
    tap_close(csv("tight", "T2,,,,max_ratio,"), 0.2, TOL_CSV, 0,
              "T2 max ratio 0.2 (not the last inserted 0.01)");
    tap_close(csv("tight", "V2,,,,max_ratio,"), 1.2, TOL_CSV, 0,
              "V2 max ratio 1.2");
    tap_ok(contains("tight", "data.csv", "T2,lsq_b,muon,lsq jordan poly "
                    "t=0.05,bound,2,abs 1e-12 or factor 100\n") &&
               contains("tight", "data.csv", "T1,lsq_a,muon,lsq jordan poly "
                        "t=0.05,bound,2,abs 1e-12 or rel 0.25\n") &&
               contains("tight", "data.csv", "T2,lsq_b,muon,t=0.1 K=100,"
                        "bound,2,abs 1e-12 or factor 10\n"),
           "a tolerance declared for \"T2 & lsq jordan poly t=0.05\" "
           "applies to the row having both cells only (negative control: "
           "T1's row of that label and T2's other rows keep theirs)");
    tap_ok(contains("tight", "table.md", "| error "),
           "an errored check cell shows verdict 'error'");
    {
        char *md = slurp("tight", "table.md", NULL);
        const char *t1 = md ? strstr(md, "| T1 ") : NULL;
        const char *t2 = md ? strstr(md, "| T2 ") : NULL;
        const char *v2 = md ? strstr(md, "| V2 ") : NULL;
        tap_ok(t1 && t2 && v2 && t1 < t2 && t2 < v2,
               "rows sorted by theorem");
        free(md);
    }
    check_determinism("tight", nogp);
    {
        /* kinds = "": the documented default, written out */
        char *saved[16] = {0}, text[512];
        same_outputs("tight", saved, 16, 1);
        snprintf(text, sizeof text, "%s\n  kinds = \"\";", tight_report);
        spec("tight", text);
        rc = report(nogp, a_tight);
        tap_ok(rc == 0 && same_outputs("tight", saved, 16, 0),
               "tightness: kinds = \"\" (the default written out): exit 0, "
               "the same tables as without the key");
        for (size_t i = 0; i < 16; i++)
            free(saved[i]);
        /* a prefix no kind has: one line naming the key and the kinds,
         * instead of a figure script without a plot */
        snprintf(text, sizeof text, "%s\n  kinds = \"zzz\";", tight_report);
        spec("tight", text);
        rc = report(nogp, a_tight);
        tap_ok(rc == 2 && strstr(errtext, "report.kinds: ") &&
                   strstr(errtext, "'zzz'") &&
                   strstr(errtext, "hard per-step, soft") &&
                   strchr(errtext, '\n') == errtext + strlen(errtext) - 1,
               "tightness: kinds = \"zzz\" (no such kind): exit 2, one line "
               "naming report.kinds and the kinds in the store");
        spec("tight", tight_report);
        rc = report(nogp, a_tight);
    }

    /* oracle-delta */
    make_oracle("oracle");
    const char *a_oracle[] = {"oracle", NULL};
    rc = report(nogp, a_oracle);
    tap_int(rc, 0, "oracle-delta: exit 0");
    tap_close(csv("oracle", "cubic,,1000,3,ratio,"), 1.03, TOL_CSV, 0,
              "oracle-delta: ratio measured/predicted = 1.03 at 3 steps");
    tap_close(csv("oracle", "jordan,,10,5,delta_pred,"),
              pow(0.9, 50) / 2 / 2, TOL_CSV, 0,
              "oracle-delta: mean predicted delta");
    check_determinism("oracle", nogp);

    /* Errors: one line naming the key. */
    make_best("bad", 0.04);
    spec("bad", "  analysis = \"best-step\";\n  parameter = \"lr\";");
    const char *a_bad[] = {"bad", NULL};
    rc = report(nogp, a_bad);
    tap_ok(rc == 2 && strstr(errtext, "report.x: missing") &&
               strchr(errtext, '\n') == errtext + strlen(errtext) - 1,
           "missing report.x: exit 2, one line naming the key");
    spec("bad", "  analysis = \"best-step\";\n  x = \"delta\";\n"
         "  outcome = \"gap_fnal\";");
    rc = report(nogp, a_bad);
    tap_ok(rc == 2 && strstr(errtext, "report.outcome: 'gap_fnal'") &&
               strstr(errtext, "gap_final"),
           "unknown outcome: names report.outcome and the accepted names");
    spec("bad", "  analysis = \"best-stp\";");
    rc = report(nogp, a_bad);
    tap_ok(rc == 2 && strstr(errtext, "report.analysis") &&
               strstr(errtext, "best-step"),
           "unknown analysis: names report.analysis and the accepted ones");
    spec("bad", "  analysis = \"best-step\";\n  x = \"delta\";\n"
         "  tolerance = { best = \"fuzzy\"; };");
    rc = report(nogp, a_bad);
    tap_ok(rc == 2 && strstr(errtext, "report.tolerance.best: 'fuzzy'") &&
               strstr(errtext, "factor F"),
           "a bad stated tolerance: names report.tolerance.best and the "
           "accepted forms");
    spec("bad", "  analysis = \"best-step\";\n  x = \"delta\";\n"
         "  tolerance = { best = \"factor 1.5\"; best_mean = \"exact\"; };");
    rc = report(nogp, a_bad);
    tap_ok(rc == 0 && contains("bad", "data.csv", "0,,best,0.08,factor 1.5\n") &&
               contains("bad", "data.csv", "0,,best_mean,1,exact\n") &&
               contains("bad", "table.md", "| best | factor 1.5 | stated in "
                        "spec.cfg (report.tolerance) |"),
           "the spec's report.tolerance replaces the analysis's, in "
           "data.csv and table.md");
    spec("bad", "  analysis = \"kappa-iters\";");
    rc = report(nogp, a_bad);
    tap_ok(rc == 2 && strstr(errtext, "report.kappa: 'kappa' is not a "
                             "parameter"),
           "kappa-iters on a store without kappa: names report.kappa");
    char p[8192];
    snprintf(p, sizeof p, "%s/bad/spec.cfg", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/bad/bad.sqlite", dir);
    unlink(p);
    rmdir(strrchr(p, '/') ? (*strrchr(p, '/') = '\0', p) : p);

    /* The index. */
    tap_ok(contains(".", "README.md", "- [Best step vs delta (synthetic)]"
                    "(best/table.md): Planted optimum.") &&
               contains(".", "README.md", "(tight/table.md)"),
           "README.md indexes every report with title and summary");

    /* With gnuplot: every figure rendered, non-empty. */
    if (has_gnuplot())
    {
        const char *a_all[] = {"--all", NULL};
        rc = report(NULL, a_all);
        tap_int(rc, 0, "--all with gnuplot: exit 0");
        static const char *const figs[][2] = {
            {"best", "heatmap"}, {"best", "best"}, {"rates", "rates"},
            {"kappa", "iters"}, {"tight", "ratio"}, {"oracle", "delta"}};
        for (size_t i = 0; i < 6; i++)
        {
            char f1[64], f2[64], f3[64];
            snprintf(f1, 64, "fig-%s.svg", figs[i][1]);
            snprintf(f2, 64, "fig-%s.pdf", figs[i][1]);
            snprintf(f3, 64, "fig-%s.png", figs[i][1]);
            tap_ok(file_size(figs[i][0], f1) > 0 &&
                       file_size(figs[i][0], f2) > 0 &&
                       file_size(figs[i][0], f3) > 0,
                   "%s/fig-%s: svg, pdf, png rendered", figs[i][0],
                   figs[i][1]);
        }
        tap_ok(!contains("best", "table.md", "not rendered") &&
                   contains("best", "table.md", "![") ,
               "with gnuplot: table.md links the figures");
        check_determinism("best", NULL);
    }
    else
        tap_skip(9, "gnuplot not on PATH");

    /* An axis the analysis does not name is refused, not averaged in:
     * best-step over (delta, lr) with a kappa axis too. */
    {
        static char cmd[65536];
        snprintf(cmd, sizeof cmd,
                 "mkdir -p '%s/pool/pooled' && cat > '%s/pool/pooled/spec.cfg'"
                 " <<'EOF'\nname = \"pooled\";\nkind = \"run\";\n"
                 "base = { problem = \"lsq\"; method = \"lmo\"; "
                 "oracle = \"inject-adversarial\"; iters = 5; };\n"
                 "axes = ( { key = \"delta\"; values = [0.0, 0.3]; },\n"
                 "  { key = \"lr\"; values = [0.01, 0.02]; },\n"
                 "  { key = \"kappa\"; values = [1.0, 10.0]; } );\n"
                 "report = { analysis = \"best-step\"; x = \"delta\"; };\n"
                 "EOF\n'%s' report pooled --reports-dir '%s/pool' "
                 ">/dev/null 2>'%s/pool/err'", dir, dir, exe, dir, dir);
        const int st = system(cmd);
        char *err = slurp("pool", "err", NULL);
        tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 2 && err &&
                   strstr(err, "differ in 'kappa' (1 ... 10)"),
               "best-step refuses to average over an axis it does not name "
               "(kappa), exit 2 naming it");
        free(err);
    }

    check_tolerance_rule();
    check_committed();

    if (!getenv("LMC_KEEP"))
    {
        char cmd[8300];
        /* dir comes from mkdtemp: no quotes or blanks. */
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            tap_diag("could not remove %s", dir);
    }
    return tap_end();
}
