/* t-sweep.c -- the sweep engine: spec errors, cell counts and keys,
 * outcomes, resume after kill -9 and SIGINT, shards + merge, refinement.
 *
 * Runs the built program (LMC_LMOCHECK) on specs written into a mkdtemp
 * directory and reads the stores with SQLite directly.  Reference values
 * never come from the engine: cell counts are products of the axes'
 * lengths, keys are recomputed here (FNV-1a 64 of the listed text +
 * "\n" + version), the realized delta of inject-adversarial must equal
 * the prescribed delta, and interrupted, sharded and merged stores are
 * compared row by row with an uninterrupted run.
 */
#include "proc.h"
#include "tap.h"

#include "fpio.h"
#include "status.h"
#include "sweep.h"

#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The realized delta of inject-adversarial is delta ||LMO(-M)|| = delta
 * up to the rounding of one spectral norm (dgesdd, n <= 64). */
#define TOL_DELTA 1e-12

static char exe[4096], dir[4096];

static proc_result res;

/* lmocheck with args, output in dir/out and dir/err (tests/proc.h). */
static pid_t
start(const char *const *args)
{
    return proc_start(exe, dir, args);
}

static void
finish(pid_t pid)
{
    proc_finish(pid, dir, &res);
}

static void
run(const char *const *args)
{
    finish(start(args));
}

static const char *
path(const char *name)
{
    static char buf[8][4300];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static const char *
write_spec(const char *name, const char *text)
{
    const char *p = path(name);
    FILE *f = fopen(p, "w");
    if (f)
    {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

/* One number from a query on a store (NaN if none).  SQLite parses the
 * query's literals (p.num = 0.3) with the process's rounding mode: the
 * query runs in round-to-nearest, as lmocheck does its I/O (src/fpio.h),
 * so that the literals match the stored numbers in every mode. */
static double
query(const char *db, const char *sql)
{
    sqlite3 *h;
    double v = NAN;
    const int mode = lmc_fe_nearest();
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK)
        {
            if (sqlite3_step(q) == SQLITE_ROW &&
                sqlite3_column_type(q, 0) != SQLITE_NULL)
                v = sqlite3_column_double(q, 0);
            sqlite3_finalize(q);
        }
    }
    sqlite3_close(h);
    lmc_fe_restore(mode);
    return v;
}

static double
queryf(const char *db, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return query(db, sql);
}

/* Rows of (key, outcome name, value, text) and of (key, config, status)
 * in a but not in b, plus the other way round (0: same stores). */
static double
store_diff(const char *a, const char *b)
{
    sqlite3 *h;
    double v = NAN;
    if (sqlite3_open(a, &h) != SQLITE_OK)
        return NAN;
    char sql[8192];
    snprintf(sql, sizeof sql, "ATTACH DATABASE '%s' AS b", b);
    sqlite3_stmt *q;
    if (sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(
            h,
            "SELECT (SELECT count(*) FROM (SELECT key, name, value, text "
            "FROM main.outcomes EXCEPT SELECT key, name, value, text FROM "
            "b.outcomes)) + (SELECT count(*) FROM (SELECT key, name, value, "
            "text FROM b.outcomes EXCEPT SELECT key, name, value, text FROM "
            "main.outcomes)) + (SELECT count(*) FROM (SELECT key, config, "
            "status FROM main.cells EXCEPT SELECT key, config, status FROM "
            "b.cells)) + (SELECT count(*) FROM (SELECT key, config, status "
            "FROM b.cells EXCEPT SELECT key, config, status FROM "
            "main.cells))",
            -1, &q, NULL) == SQLITE_OK)
    {
        if (sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_double(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(h);
    return v;
}

static uint64_t
fnv1a(const char *s, uint64_t h)
{
    for (; *s; s++)
    {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static size_t
count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ------------------------------------------------------------------ */

typedef struct
{
    const char *what, *text, *want; /* want: "LINE: KEY" after the path */
} broken;

static void
test_spec_errors(void)
{
    static const broken cases[] = {
        {"unknown top-level setting",
         "name = \"x\";\nkind = \"run\";\ncolour = 3;\n", ":3: colour: "},
        {"unknown key in base",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\";\n"
         "  lrr = 0.1; };\naxes = ({ key = \"lr\"; values = [0.1]; });\n",
         ":4: lrr: unknown key"},
        {"bad value in base",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"gd\";\n  lr = -1.0; };\n",
         ":4: lr: '-1' is not accepted (accepted: finite numbers > 0)"},
        {"bad axis value",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = (\n  { key = \"seed\"; values = [1]; "
         "},\n  { key = \"delta\"; values = [0.1, 1.5]; }\n);\n",
         ":6: delta: '1.5' is not accepted"},
        {"empty axis",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = (\n  { key = \"lr\"; values = []; }"
         "\n);\n",
         ":5: lr: values is empty"},
        {"points < 2",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = (\n  { key = \"lr\"; log = [1e-3, "
         "1e-1];\n    points = 1; }\n);\n",
         ":6: lr: points = 1"},
        {"key in base and axes",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; lr = 0.1; };\naxes = (\n  { key = \"seed\"; "
         "values = [1]; },\n  { key = \"lr\"; values = [0.1]; }\n);\n",
         ":6: lr: set both in base and in axes"},
        {"no axes", "name = \"x\";\nkind = \"run\";\naxes = ();\n",
         ":3: axes: empty"},
        {"syntax error", "name = \"x\";\nkind = \"run\";\nbase = { problem = ; };\n",
         ":3: syntax: "},
        {"unknown kind", "name = \"x\";\n\nkind = \"walk\";\n",
         ":3: kind: 'walk' is not accepted (accepted: run, oracle, check)"},
        {"bad name", "name = \"Big Name\";\nkind = \"run\";\n",
         ":1: name: 'Big Name' is not accepted"},
        {"unknown axis setting",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = (\n  { key = \"lr\"; values = "
         "[0.1];\n    step = 2; }\n);\n",
         ":6: step: unknown axis setting"},
        {"refine key not an axis",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = ({ key = \"lr\"; values = [0.1, "
         "0.2]; });\n\nrefine = { key = \"momentum\"; outcome = "
         "\"gap_final\"; points = 2; };\n",
         ":6: refine.key: 'momentum' is not an axis key"},
        {"refine key with integer values",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = ({ key = \"seed\"; values = [1, "
         "2]; });\nrefine = { key = \"seed\"; outcome = \"gap_final\"; "
         "points = 1; };\n",
         ":5: refine.key: 'seed' does not take values between its grid "
         "points"},
        {"refine outcome unknown",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = ({ key = \"lr\"; values = [0.1, "
         "0.2]; });\nrefine = { key = \"lr\"; outcome = \"gap\"; points = "
         "2; };\n",
         ":5: refine.outcome: 'gap' is not accepted (accepted: f_final"},
        {"oracle kind, bad key",
         "name = \"x\";\nkind = \"oracle\";\nbase = { shape = \"64x64\"; "
         "method = \"lmo\"; };\naxes = ({ key = \"seed\"; values = [1]; "
         "});\n",
         ":3: method: unknown key (accepted: oracle, norm"},
        {"variant without a name",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; };\n"
         "axes = ({ key = \"setup\"; variants = (\n  { method = \"gd\"; }"
         "\n); });\n",
         ":5: setup: a variant has no name"},
        {"variant key also in base",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "lr = 0.1; };\naxes = (\n{ key = \"setup\"; variants = (\n  { "
         "name = \"a\"; method = \"gd\"; lr = 0.2; }); });\n",
         ":5: lr: set both in base and in axes"},
        {"variant with a bad value",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; };\n"
         "axes = (\n{ key = \"setup\"; variants = (\n  { name = \"a\"; "
         "method = \"gd\"; },\n  { name = \"b\"; method = \"nope\"; }); "
         "});\n",
         ":5: setup: variant 'b': method: 'nope' is not accepted"},
        {"check kind, bad theorem",
         "name = \"x\";\nkind = \"check\";\nbase = { set = \"quick\";\n"
         "  theorems = [\"T2\", \"T99\"]; };\n",
         ":4: theorems: 'T99' is not a registered theorem"},
    };
    lmc_set_error_handler(lmc_error_handler_quiet);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
        char name[64], want[512];
        snprintf(name, sizeof name, "broken%zu.cfg", i);
        const char *p = write_spec(name, cases[i].text);
        snprintf(want, sizeof want, "%s%s", p, cases[i].want);
        lmc_sweep_spec *s = lmc_sweep_spec_read(p);
        const char *got = lmc_last_error();
        if (!tap_ok(!s && strncmp(got, want, strlen(want)) == 0 &&
                        !strchr(got, '\n'),
                    "spec error: %s names file, line and key", cases[i].what))
            tap_diag("got '%s', want prefix '%s'", got, want);
        lmc_sweep_spec_free(s);
    }
    /* Through the program: one line, exit 2. */
    run((const char *[]){"sweep", path("broken1.cfg"), "--dry-run", NULL});
    tap_ok(res.status == 2 && count_lines(res.err) == 1 &&
               strstr(res.err, "broken1.cfg:4: lrr: unknown key"),
           "lmocheck sweep on a broken spec: one line, exit 2");
    run((const char *[]){"sweep", path("missing.cfg"), NULL});
    tap_ok(res.status == 2 && count_lines(res.err) == 1 &&
               strstr(res.err, "missing.cfg: cannot be read"),
           "lmocheck sweep on a missing spec: one line, exit 2");
    run((const char *[]){"sweep", path("broken1.cfg"), "--shard", "4/3",
                         NULL});
    tap_ok(res.status == 2 && count_lines(res.err) == 1 &&
               strstr(res.err, "--shard: '4/3' is not accepted"),
           "--shard 4/3 refused: one line, exit 2");
    run((const char *[]){"merge", path("only.sqlite"), NULL});
    tap_ok(res.status == 2 && count_lines(res.err) == 1,
           "merge without inputs: one line, exit 2");
    run((const char *[]){"sweep", "--help", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "axes = ("),
           "sweep --help shows a spec example");
    run((const char *[]){"merge", "--help", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "lmocheck merge OUT IN"),
           "merge --help");
}

static void
test_counts(void)
{
    const char *p = write_spec(
        "count.cfg",
        "name = \"step-shift\";\nkind = \"run\";\n"
        "base = { problem = \"lsq\"; kappa = 10.0; method = \"lmo\"; "
        "oracle = \"inject-adversarial\"; iters = 200; };\n"
        "axes = (\n  { key = \"delta\"; values = [0.0, 0.2, 0.4, 0.6]; },\n"
        "  { key = \"lr\"; log = [1e-4, 1e-1]; points = 13; },\n"
        "  { key = \"momentum\"; linear = [0.0, 0.8]; points = 5; },\n"
        "  { key = \"seed\"; values = [1, 2, 3]; }\n);\n"
        "report = { title = \"anything\"; figures = ({ x = \"lr\"; }); };\n");
    lmc_sweep_spec *s = lmc_sweep_spec_read(p);
    tap_ok(s != NULL, "the example spec reads");
    if (!s)
    {
        tap_diag("%s", lmc_last_error());
        return;
    }
    tap_int((long)lmc_sweep_spec_cells(s), 4 * 13 * 5 * 3,
            "cells = 4 x 13 x 5 x 3");
    const char *title = NULL;
    tap_ok(lmc_sweep_spec_string(s, "report.title", &title) == 0 && title &&
               strcmp(title, "anything") == 0,
           "report group readable through lmc_sweep_spec_string");
    lmc_sweep_spec_free(s);
    run((const char *[]){"sweep", p, "--dry-run", "--db",
                         path("count.sqlite"), NULL});
    tap_ok(res.status == 0 && strstr(res.out, "780 cells, 0 stored, 780 "
                                              "to run"),
           "--dry-run counts 780 cells");
    run((const char *[]){"sweep", p, "--list", NULL});
    tap_int((long)count_lines(res.out), 780, "--list prints 780 cells");
    /* First cell: every key sorted, grid endpoints as written. */
    const char *want = "kind=run delta=0 iters=200 kappa=10 lr=0.0001 "
                       "method=lmo momentum=0 oracle=inject-adversarial "
                       "problem=lsq seed=1\n";
    const char *first = strchr(res.out, ' ');
    tap_ok(first && strncmp(first + 1, want, strlen(want)) == 0,
           "canonical text of the first cell");
    /* The key, recomputed here. */
    int keys_ok = 1, distinct = 1;
    char *save = NULL;
    char prev[17] = "";
    for (char *line = strtok_r(res.out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
    {
        uint64_t h = fnv1a(line + 17, 14695981039346656037ull);
        h = fnv1a("\n", h);
        h = fnv1a(lmc_sweep_code_version(), h);
        char k[17];
        snprintf(k, sizeof k, "%016llx", (unsigned long long)h);
        keys_ok &= strncmp(line, k, 16) == 0;
        distinct &= strncmp(prev, line, 16) != 0;
        memcpy(prev, line, 16);
        prev[16] = '\0';
    }
    tap_ok(keys_ok, "keys are FNV-1a 64 of text + newline + version");
    tap_ok(distinct, "neighbouring cells have different keys");
    run((const char *[]){"sweep", p, "--list", "--shard", "2/3", NULL});
    tap_int((long)count_lines(res.out), 260, "--shard 2/3 lists 260 cells");
    const char *q = write_spec(
        "count-check.cfg",
        "name = \"c\";\nkind = \"check\";\nbase = { set = \"quick\"; "
        "theorems = [\"T2\"]; };\naxes = ({ key = \"seed\"; values = [1, "
        "2]; });\n");
    /* A variants axis moves several keys together and sets no key of
     * its own. */
    const char *v = write_spec(
        "variants.cfg",
        "name = \"v\";\nkind = \"run\";\nbase = { problem = \"mf\"; "
        "iters = 10; };\naxes = (\n  { key = \"setup\"; variants = (\n"
        "    { name = \"muon\"; method = \"simplified-muon\"; lr = 0.1; "
        "step-rule = \"geometric:0.95\"; },\n    { name = \"gd\"; method "
        "= \"gd\"; lr = 0.5; } ); },\n  { key = \"kappa\"; values = [1.0, "
        "10.0, 100.0]; }\n);\n");
    run((const char *[]){"sweep", v, "--list", NULL});
    tap_ok(res.status == 0 && count_lines(res.out) == 6 &&
               strstr(res.out, " kind=run iters=10 kappa=1 lr=0.10000000000"
                               "000001 method=simplified-muon problem=mf "
                               "step-rule=geometric:0.95\n") &&
               strstr(res.out, " kind=run iters=10 kappa=100 lr=0.5 "
                               "method=gd problem=mf\n") &&
               !strstr(res.out, "setup"),
           "a variants axis: 2 variants x 3 kappas, each variant's keys in "
           "its cells, the axis name in none");
    run((const char *[]){"sweep", q, "--list", NULL});
    tap_ok(res.status == 0 && count_lines(res.out) >= 2 &&
               count_lines(res.out) % 2 == 0 &&
               strstr(res.out, " label=\"") && strstr(res.out, "theorem=T2"),
           "kind check: (theorem, configuration) x seeds, labels quoted");
}

static const char tiny[] =
    "name = \"tiny\";\nkind = \"run\";\n"
    "base = { problem = \"lsq\"; method = \"lmo\"; iters = 40; oracle = "
    "\"inject-adversarial\"; };\n"
    "axes = (\n  { key = \"delta\"; values = [0.0, 0.3]; },\n"
    "  { key = \"lr\"; values = [0.001, 0.01, 5.0]; },\n"
    "  { key = \"seed\"; values = [1, 2]; }\n);\n";

static void
test_outcomes(void)
{
    const char *p = write_spec("tiny.cfg", tiny);
    run((const char *[]){"sweep", p, "--workers", "2", NULL});
    const char *db = path("tiny.sqlite");
    tap_ok(res.status == 0 && count_lines(res.err) == 1 &&
               strstr(res.err, "sweep tiny: 12 cells"),
           "tiny sweep runs into SPECDIR/NAME.sqlite, one summary line");
    tap_close(query(db, "SELECT count(*) FROM cells WHERE status = 'ok'"),
              12, 0, 0, "12 cells stored, all ok");
    tap_close(query(db, "SELECT count(*) FROM params"), 12 * 7, 0, 0,
              "7 params per cell");
    tap_close(query(db, "SELECT count(DISTINCT name) FROM outcomes"), 17, 0,
              0, "17 outcomes per run cell");
    /* Realized delta = prescribed delta (and 0 for the control). */
    const double d3 = query(db, "SELECT max(abs(o.value - 0.3)) FROM "
                                "outcomes o JOIN params p ON p.key = o.key "
                                "WHERE p.name = 'delta' AND p.num = 0.3 "
                                "AND o.name IN ('delta_mean', 'delta_max')");
    tap_le(d3, TOL_DELTA, "delta_mean = delta_max = 0.3 at delta 0.3");
    const double d0 = query(db, "SELECT max(abs(o.value)) FROM outcomes o "
                                "JOIN params p ON p.key = o.key WHERE "
                                "p.name = 'delta' AND p.num = 0 AND o.name "
                                "= 'delta_mean'");
    tap_le(d0, TOL_DELTA, "negative control: delta_mean = 0 at delta 0");
    tap_close(query(db, "SELECT min(value) FROM outcomes WHERE name = "
                        "'iters'"),
              40, 0, 0, "iters = 40 in every cell");
    tap_close(query(db, "SELECT count(*) FROM outcomes o JOIN params p ON "
                        "p.key = o.key WHERE p.name = 'lr' AND p.num = 0.01 "
                        "AND o.name = 'gap_final' AND o.value < 0.5 * (SELECT "
                        "value FROM outcomes WHERE key = o.key AND name = "
                        "'gap_first') AND o.value >= 0"),
              4, 0, 0, "lr 0.01: 0 <= gap_final < gap_first / 2 in all 4 "
                       "cells");
    tap_close(query(db, "SELECT count(*) FROM outcomes o JOIN params p ON "
                        "p.key = o.key WHERE p.name = 'lr' AND p.num = 5 "
                        "AND o.name = 'gap_final' AND o.value > 0.5 * (SELECT "
                        "value FROM outcomes WHERE key = o.key AND name = "
                        "'gap_first')"),
              4, 0, 0, "negative control: lr 5 (radius far too large) "
                       "does not halve the gap");
    tap_close(query(db, "SELECT count(*) FROM outcomes WHERE name = 'stop' "
                        "AND text = 'budget'"),
              12, 0, 0, "stop = budget everywhere");
    tap_close(query(db, "SELECT min(value) FROM outcomes WHERE name = "
                        "'gdual_min'") >= 0 &&
                      query(db, "SELECT count(*) FROM outcomes a JOIN "
                                "outcomes b ON a.key = b.key WHERE a.name "
                                "= 'gdual_min' AND b.name = 'gdual_avg' AND "
                                "a.value > b.value") == 0,
              1, 0, 0, "0 <= gdual_min <= gdual_avg");
    /* Again: nothing left to run. */
    run((const char *[]){"sweep", p, "--dry-run", NULL});
    tap_ok(strstr(res.out, "12 cells, 12 stored, 0 to run") != NULL,
           "a finished sweep has nothing to run");

    /* Divergence and refusal are outcomes, not crashes. */
    const char *q = write_spec(
        "odd.cfg",
        "name = \"odd\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
        "iters = 50; cap = 1e6; };\naxes = (\n  { key = \"method\"; values "
        "= [\"gd\", \"sign\"]; },\n  { key = \"lr\"; values = [10.0]; },\n"
        "  { key = \"stochastic\"; values = [0, 1]; }\n);\n");
    run((const char *[]){"sweep", q, NULL});
    const char *odb = path("odd.sqlite");
    tap_ok(res.status == 0, "a sweep with diverging and refused cells "
                            "exits 0");
    tap_close(queryf(odb, "SELECT value FROM outcomes o JOIN cells c ON "
                          "c.key = o.key WHERE c.config = 'kind=run cap=1000000 "
                          "iters=50 lr=10 method=gd problem=lsq "
                          "stochastic=0' AND o.name = 'diverged'"),
              1, 0, 0, "gd with lr 10 is stored as diverged = 1");
    tap_close(query(odb, "SELECT count(*) FROM cells WHERE status = 'error' "
                         "AND error LIKE '%does not fit%stochastic%'"),
              2, 0, 0, "gd and sign with stochastic gradients on lsq: "
                       "status error with the reason");
    tap_close(query(odb, "SELECT count(*) FROM outcomes o JOIN cells c ON "
                         "c.key = o.key WHERE c.status = 'error'"),
              0, 0, 0, "a refused cell has no outcomes");
}

static const char slow[] =
    "name = \"slow\";\nkind = \"run\";\n"
    "base = { problem = \"lsq\"; method = \"muon\"; oracle = \"poly\"; "
    "momentum = 0.9; iters = 150; };\n"
    "axes = (\n  { key = \"lr\"; log = [1e-3, 1e-1]; points = 8; },\n"
    "  { key = \"seed\"; values = [1, 2, 3, 4, 5]; }\n);\n";
#define SLOW_CELLS 40

static int
wait_cells(const char *db, pid_t pid)
{
    for (int i = 0; i < 4000; i++)
    {
        const double n = query(db, "SELECT count(*) FROM cells");
        if (n >= 1)
            return 1;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return 0;
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    return 0;
}

static void
test_resume(void)
{
    const char *p = write_spec("slow.cfg", slow);
    const char *ref = path("slow-ref.sqlite");
    run((const char *[]){"sweep", p, "--db", ref, "--workers", "1", NULL});
    tap_close(query(ref, "SELECT count(*) FROM cells"), SLOW_CELLS, 0, 0,
              "reference run: 40 cells");

    /* kill -9 while cells are being written. */
    const char *db = path("slow-kill.sqlite");
    pid_t pid = start((const char *[]){"sweep", p, "--db", db, "--workers",
                                       "2", NULL});
    const int waited = wait_cells(db, pid);
    kill(pid, SIGKILL);
    finish(pid);
    const double before = query(db, "SELECT count(*) FROM cells");
    tap_ok(waited && res.status == 128 + SIGKILL && before >= 1,
           "kill -9 after %g cells", before);
    tap_close(query(db, "SELECT count(*) FROM cells c WHERE (SELECT "
                        "count(*) FROM outcomes WHERE key = c.key) != 17"),
              0, 0, 0, "no partial cell after kill -9");
    run((const char *[]){"sweep", p, "--db", db, "--workers", "2", NULL});
    tap_ok(res.status == 0, "resumed run exits 0");
    tap_close(query(db, "SELECT count(*) FROM cells"), SLOW_CELLS, 0, 0,
              "after resume: exactly 40 cells");
    tap_close(query(db, "SELECT count(DISTINCT config) FROM cells"),
              SLOW_CELLS, 0, 0, "no duplicate configuration");
    tap_close(store_diff(db, ref), 0, 0, 0,
              "outcomes equal those of an uninterrupted 1-worker run");

    /* SIGINT: exit 130, then resume. */
    db = path("slow-int.sqlite");
    pid = start((const char *[]){"sweep", p, "--db", db, "--workers", "2",
                                 NULL});
    const int w2 = wait_cells(db, pid);
    kill(pid, SIGINT);
    finish(pid);
    const double n_int = query(db, "SELECT count(*) FROM cells");
    tap_ok(w2 && res.status == 130 && strstr(res.err, "interrupted"),
           "SIGINT: exit 130 with %g cells stored", n_int);
    tap_ok(n_int < SLOW_CELLS, "SIGINT stopped dispatching (%g < 40)",
           n_int);
    run((const char *[]){"sweep", p, "--db", db, NULL});
    tap_ok(res.status == 0 && strstr(res.err, "stored before"),
           "resume after SIGINT exits 0");
    tap_close(store_diff(db, ref), 0, 0, 0,
              "after SIGINT + resume: same store as the reference");
}

static void
test_shards(void)
{
    const char *p = path("slow.cfg");
    const char *ref = path("slow-ref.sqlite");
    const char *s[3] = {path("sh1.sqlite"), path("sh2.sqlite"),
                        path("sh3.sqlite")};
    const char *const shard[3] = {"1/3", "2/3", "3/3"};
    double total = 0;
    for (int i = 0; i < 3; i++)
    {
        run((const char *[]){"sweep", p, "--db", s[i], "--shard", shard[i],
                             "--workers", "2", NULL});
        total += query(s[i], "SELECT count(*) FROM cells");
    }
    tap_close(total, SLOW_CELLS, 0, 0, "three shards hold 40 cells");
    const char *m = path("merged.sqlite");
    run((const char *[]){"merge", m, s[0], s[1], s[2], NULL});
    tap_ok(res.status == 0, "merge of three shards exits 0");
    tap_close(store_diff(m, ref), 0, 0, 0,
              "merged shards = unsharded store (every key and outcome)");
    run((const char *[]){"merge", m, s[1], NULL});
    tap_ok(res.status == 0 &&
               query(m, "SELECT count(*) FROM cells") == SLOW_CELLS,
           "merging identical cells again changes nothing");

    /* A store whose outcome differs: refused, naming the key. */
    const char *bad = path("bad.sqlite");
    run((const char *[]){"merge", bad, s[0], NULL});
    sqlite3 *h;
    char key[17] = "";
    if (sqlite3_open(bad, &h) == SQLITE_OK)
    {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(h, "SELECT key FROM cells ORDER BY key LIMIT "
                                  "1", -1, &q, NULL) == SQLITE_OK)
        {
            if (sqlite3_step(q) == SQLITE_ROW)
                snprintf(key, sizeof key, "%s", sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
        }
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE outcomes SET value = value * 2 "
                                  "WHERE key = '%s' AND name = 'f_final'",
                 key);
        sqlite3_exec(h, sql, NULL, NULL, NULL);
        sqlite3_close(h);
    }
    const double n_before = query(m, "SELECT count(*) FROM cells");
    run((const char *[]){"merge", m, bad, NULL});
    tap_ok(res.status == 1 && count_lines(res.err) == 1 && key[0] &&
               strstr(res.err, key),
           "merge of a conflicting store is refused, naming the key");
    tap_close(query(m, "SELECT count(*) FROM cells"), n_before, 0, 0,
              "a refused merge leaves the output unchanged");
}

static void
test_refine(void)
{
    const char *p = write_spec(
        "ref.cfg",
        "name = \"ref\";\nkind = \"run\";\n"
        "base = { problem = \"lsq\"; method = \"lmo\"; iters = 40; oracle = "
        "\"inject-adversarial\"; };\n"
        "axes = (\n  { key = \"delta\"; values = [0.0, 0.5]; },\n"
        "  { key = \"lr\"; log = [1e-3, 1.0]; points = 4; },\n"
        "  { key = \"seed\"; values = [1, 2]; }\n);\n"
        "refine = { key = \"lr\"; by = [\"delta\"]; outcome = \"gap_final\"; "
        "points = 2; };\n");
    const char *db = path("ref.sqlite");
    /* Shard 1/1 of a spec with refinement is the whole grid: refined. */
    run((const char *[]){"sweep", p, "--shard", "1/2", NULL});
    tap_close(query(db, "SELECT count(*) FROM cells"), 8, 0, 0,
              "--shard 1/2: half the grid, no refinement");
    run((const char *[]){"sweep", p, NULL});
    /* 16 grid cells + per delta 2 new lr values x 2 seeds. */
    tap_close(query(db, "SELECT count(*) FROM cells"), 16 + 2 * 2 * 2, 0, 0,
              "refinement adds 2 groups x 2 points x 2 seeds = 8 cells");
    /* Recompute the expected points from the stored grid outcomes. */
    static const double grid[4] = {1e-3, 1e-2, 1e-1, 1.0};
    int ok = 1;
    for (int d = 0; d < 2; d++)
    {
        double best = INFINITY;
        int jb = -1;
        for (int j = 0; j < 4; j++)
        {
            const double m = queryf(
                db, "SELECT avg(o.value) FROM outcomes o JOIN params a ON "
                    "a.key = o.key AND a.name = 'delta' AND a.num = %g JOIN "
                    "params b ON b.key = o.key AND b.name = 'lr' AND "
                    "abs(b.num - %.17g) < 1e-15 WHERE o.name = 'gap_final'",
                d * 0.5, grid[j]);
            if (m < best)
            {
                best = m;
                jb = j;
            }
        }
        const double lo = grid[jb > 0 ? jb - 1 : jb];
        const double hi = grid[jb < 3 ? jb + 1 : jb];
        for (int k = 1; k <= 2; k++)
        {
            const double x = lo * pow(hi / lo, k / 3.0);
            const double n = queryf(
                db, "SELECT count(*) FROM params a JOIN params b ON a.key = "
                    "b.key WHERE a.name = 'delta' AND a.num = %g AND b.name "
                    "= 'lr' AND abs(b.num - %.17g) <= 1e-12 * %.17g",
                d * 0.5, x, x);
            if (n != 2)
            {
                ok = 0;
                tap_diag("delta %g: lr %.17g in %g cells, want 2", d * 0.5,
                         x, n);
            }
        }
    }
    tap_ok(ok, "refined lr values: 2 log points strictly between the best "
               "grid value's neighbours, per delta, for both seeds");
    run((const char *[]){"sweep", p, NULL});
    tap_ok(res.status == 0 && strstr(res.err, "24 cells, 24 stored before, "
                                              "0 run"),
           "the refined sweep resumes with nothing to do");
}

/* Scalar map vs SVD measurement in fp64 on a 32x48 (as t-cli's
 * TOL_PREDICT): ~1e-14 seen, far below any wrong-coefficient error. */
#define TOL_PREDICT 1e-10

static void
test_kinds(void)
{
    const char *p = write_spec(
        "orc.cfg",
        "name = \"orc\";\nkind = \"oracle\";\n"
        "base = { shape = \"32x48\"; kappa = 100.0; delta = 0.25; };\n"
        "axes = (\n  { key = \"oracle\"; values = [\"poly\", "
        "\"inject-adversarial\", \"exact\"]; },\n"
        "  { key = \"seed\"; values = [1, 2]; }\n);\n");
    run((const char *[]){"sweep", p, NULL});
    const char *db = path("orc.sqlite");
    tap_ok(res.status == 0 && query(db, "SELECT count(*) FROM cells WHERE "
                                        "status = 'ok'") == 6,
           "kind oracle: 6 cells ok");
    tap_le(query(db, "SELECT max(abs(o.value - 0.25)) FROM outcomes o JOIN "
                     "params p ON p.key = o.key WHERE p.name = 'oracle' AND "
                     "p.value = 'inject-adversarial' AND o.name = "
                     "'delta_meas'"),
           TOL_DELTA, "inject-adversarial: delta_meas = 0.25 as prescribed");
    tap_le(query(db, "SELECT max(abs(a.value - b.value)) FROM outcomes a "
                     "JOIN outcomes b ON a.key = b.key JOIN params p ON "
                     "p.key = a.key WHERE p.name = 'oracle' AND p.value = "
                     "'poly' AND a.name = 'delta_meas' AND b.name = "
                     "'delta_pred'"),
           TOL_PREDICT, "poly: delta_meas = delta_pred (scalar map)");
    tap_ok(query(db, "SELECT min(o.value) FROM outcomes o JOIN params p ON "
                     "p.key = o.key WHERE p.name = 'oracle' AND p.value = "
                     "'poly' AND o.name = 'delta_meas'") > 0.01,
           "negative control: poly's delta is far from 0");
    tap_le(query(db, "SELECT max(o.value) FROM outcomes o JOIN params p ON "
                     "p.key = o.key WHERE p.name = 'oracle' AND p.value = "
                     "'exact' AND o.name IN ('delta_meas', 'frob_err')"),
           0, "exact: delta_meas = frob_err = 0");

    const char *q = write_spec(
        "chk.cfg",
        "name = \"chk\";\nkind = \"check\";\n"
        "base = { set = \"quick\"; theorems = [\"T2\"]; };\n"
        "axes = ({ key = \"seed\"; values = [1, 2]; });\n");
    run((const char *[]){"check", "--list", "--theorem", "T2", NULL});
    const double nconf = (double)count_lines(res.out) - 2; /* header */
    run((const char *[]){"sweep", q, NULL});
    db = path("chk.sqlite");
    tap_ok(res.status == 0 && nconf >= 1 &&
               query(db, "SELECT count(*) FROM cells") == 2 * nconf,
           "kind check: T2's %g quick configurations x 2 seeds", nconf);
    tap_close(query(db, "SELECT count(*) FROM outcomes WHERE name = "
                        "'verdict' AND text = 'holds'"),
              2 * nconf, 0, 0, "kind check: every T2 point holds");
    tap_close(query(db, "SELECT count(*) FROM outcomes a JOIN outcomes b ON "
                        "a.key = b.key WHERE a.name = 'measured' AND b.name "
                        "= 'bound' AND a.value <= b.value"),
              2 * nconf, 0, 0, "kind check: measured <= bound stored");
    tap_close(query(db, "SELECT count(DISTINCT name) FROM outcomes"), 10, 0,
              0, "kind check: 10 outcomes (verdict, measured, bound, ratio, "
                 "theorem, label, problem, method, kind, provenance)");
}

int
main(void)
{
    tap_begin(20261124);
    const char *e = getenv("LMC_LMOCHECK");
    snprintf(exe, sizeof exe, "%s", e ? e : "build/lmocheck");
    snprintf(dir, sizeof dir, "%s/lmc-sweep-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
    {
        tap_ok(0, "mkdtemp");
        return tap_end();
    }
    tap_diag("work directory %s", dir);
    test_spec_errors();
    test_counts();
    test_outcomes();
    test_kinds();
    test_resume();
    test_shards();
    test_refine();
    const int rc = tap_end();
    if (rc == 0)
    {
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            tap_diag("could not remove %s", dir);
    }
    return rc;
}
