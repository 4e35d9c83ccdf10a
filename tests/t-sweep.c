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
#include <sys/stat.h>
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
        /* libconfig 1.5 keeps the low 32 bits of an integer without L
         * (4294967297 -> 1): refused in the text, naming the setting. */
        {"integer above 32 bits without L",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\";\n  iters = 4294967297; };\n",
         ":4: iters: integer 4294967297 is out of range (accepted: "
         "-2147483648..2147483647, or larger with L"},
        {"hex integer above 32 bits without L",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; # iters = 4294967297\n  seed = 0x100000001; "
         "};\n",
         ":4: seed: integer 0x100000001 is out of range"},
        {"negative integer below 32 bits in an axis",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = ({ key = \"x\";\n  values = [1, "
         "-2147483649]; });\n",
         ":5: values: integer -2147483649 is out of range"},
        {"integer above 64 bits with L",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\";\n  seed = 99999999999999999999L; };\n",
         ":4: seed: integer 99999999999999999999L is out of range (accepted: "
         "-9223372036854775808..9223372036854775807 with L)"},
        /* 65 entries used to write past ref_by[64]. */
        {"refine.by listing an axis twice (65 entries)",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = ({ key = \"lr\"; values = [0.1, "
         "0.2]; },\n  { key = \"delta\"; values = [0.0]; });\nrefine = { "
         "key = \"lr\"; outcome = \"gap_final\"; points = 2;\n  by = ["
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\", "
         "\"delta\", \"delta\", \"delta\", \"delta\", \"delta\"]; };\n",
         ":7: refine.by: 'delta' is listed twice"},
        /* An axis failing after its values were allocated (the leak of a
         * partly read axis: ASan's leak check sees it). */
        {"axis value that is a group",
         "name = \"x\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
         "method = \"lmo\"; };\naxes = ({ key = \"lr\";\n  values = ( "
         "0.1, { a = 1; } ); });\n",
         ":5: lr: a value is not a number or string"},
        {"file: spectrum that is not a regular file",
         "name = \"x\";\nkind = \"oracle\";\nbase = { shape = \"8x8\";\n"
         "  spectrum = \"file:/dev/zero\"; };\n",
         ":4: spectrum: file '/dev/zero' is not a regular file"},
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
    tap_ok(res.status == 2 && proc_count_lines(res.err) == 1 &&
               strstr(res.err, "broken1.cfg:4: lrr: unknown key"),
           "lmocheck sweep on a broken spec: one line, exit 2");
    run((const char *[]){"sweep", path("missing.cfg"), NULL});
    tap_ok(res.status == 2 && proc_count_lines(res.err) == 1 &&
               strstr(res.err, "missing.cfg: cannot be read"),
           "lmocheck sweep on a missing spec: one line, exit 2");
    run((const char *[]){"sweep", path("broken1.cfg"), "--shard", "4/3",
                         NULL});
    tap_ok(res.status == 2 && proc_count_lines(res.err) == 1 &&
               strstr(res.err, "--shard: '4/3' is not accepted"),
           "--shard 4/3 refused: one line, exit 2");
    run((const char *[]){"merge", path("only.sqlite"), NULL});
    tap_ok(res.status == 2 && proc_count_lines(res.err) == 1,
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
    tap_int((long)proc_count_lines(res.out), 780, "--list prints 780 cells");
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
    tap_int((long)proc_count_lines(res.out), 260, "--shard 2/3 lists 260 cells");
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
    tap_ok(res.status == 0 && proc_count_lines(res.out) == 6 &&
               strstr(res.out, " kind=run iters=10 kappa=1 lr=0.10000000000"
                               "000001 method=simplified-muon problem=mf "
                               "step-rule=geometric:0.95\n") &&
               strstr(res.out, " kind=run iters=10 kappa=100 lr=0.5 "
                               "method=gd problem=mf\n") &&
               !strstr(res.out, "setup"),
           "a variants axis: 2 variants x 3 kappas, each variant's keys in "
           "its cells, the axis name in none");
    run((const char *[]){"sweep", q, "--list", NULL});
    tap_ok(res.status == 0 && proc_count_lines(res.out) >= 2 &&
               proc_count_lines(res.out) % 2 == 0 &&
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
    tap_ok(res.status == 0 && proc_count_lines(res.err) == 1 &&
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
    tap_ok(res.status == 1 && proc_count_lines(res.err) == 1 && key[0] &&
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
    const double nconf = (double)proc_count_lines(res.out) - 2; /* header */
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

/* ------------------------------------------------------------------ */
/* Issue 10: nothing silently wrong. */

static double
since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* The bytes of a file (malloc'ed, *n its length; NULL if unreadable). */
static char *
slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    char *b = malloc((1 << 20) + 1);
    *n = b ? fread(b, 1, 1 << 20, f) : 0;
    if (b)
        b[*n] = '\0'; /* also a string, for strstr */
    fclose(f);
    return b;
}

/* A report reads the cells of its spec, not every cell of its kind in
 * the store: cutting an axis from 4 values to 2 leaves 4 cells of 8. */
static void
test_report_selects(void)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/rep/cut'", dir);
    if (system(cmd) != 0)
        tap_diag("mkdir failed");
    static const char spec[] =
        "name = \"cut\";\nkind = \"run\";\nbase = { problem = \"lsq\"; "
        "method = \"lmo\"; oracle = \"inject-adversarial\"; iters = 20; };\n"
        "axes = ( { key = \"delta\"; values = [0.0, 0.3]; },\n"
        "  { key = \"lr\"; values = [%s]; } );\n"
        "report = { analysis = \"best-step\"; x = \"delta\"; };\n";
    char text[1024];
    snprintf(text, sizeof text, spec, "0.001, 0.01, 0.1, 1.0");
    write_spec("rep/cut/spec.cfg", text);
    run((const char *[]){"report", "cut", "--reports-dir", path("rep"),
                         "--workers", "2", NULL});
    size_t n = 0;
    char *md = slurp(path("rep/cut/table.md"), &n);
    tap_ok(res.status == 0 && md && n && strstr(md, "Store: 8 run cells"),
           "report over a 2 x 4 spec reads its 8 cells");
    free(md);
    snprintf(text, sizeof text, spec, "0.01, 0.1");
    write_spec("rep/cut/spec.cfg", text);
    run((const char *[]){"report", "cut", "--reports-dir", path("rep"),
                         "--no-run", NULL});
    md = slurp(path("rep/cut/table.md"), &n);
    if (!tap_ok(res.status == 0 && md && n &&
                    strstr(md, "Store: 4 run cells"),
                "after cutting lr to 2 values the report reads 4 cells, "
                "not the 8 in the store"))
        tap_diag("exit %d, stderr: %s", res.status, res.err);
    free(md);
    tap_close(query(path("rep/cut/cut.sqlite"), "SELECT count(*) FROM "
                                                 "cells"),
              8, 0, 0, "the store still holds all 8 cells (nothing lost)");
}

/* Keys change with a file: input's bytes and with the code version;
 * --code-version and LMC_CODE_VERSION pin it on purpose. */
static void
test_keys_follow_inputs(void)
{
    const char *v = lmc_sweep_code_version();
    tap_ok(strncmp(v, "0.1.0+", 6) == 0 && strlen(v) == 6 + 16,
           "code version '%s' is VERSION+hash of the sources", v);
    const char *sched = path("sched.txt");
    FILE *f = fopen(sched, "w");
    if (f)
    {
        fputs("3.4445 -4.7750 2.0315\n", f);
        fclose(f);
    }
    char text[1024];
    snprintf(text, sizeof text,
             "name = \"fk\";\nkind = \"oracle\";\nbase = { shape = "
             "\"16x24\"; kappa = 10.0; oracle = \"poly\"; schedule = "
             "\"file:%s\"; };\naxes = ({ key = \"steps\"; values = [1, 2]; "
             "});\n",
             sched);
    const char *p = write_spec("fk.cfg", text);
    run((const char *[]){"sweep", p, NULL});
    run((const char *[]){"sweep", p, "--list", NULL});
    char before[4096];
    snprintf(before, sizeof before, "%.4000s", res.out);
    tap_ok(res.status == 0 && strstr(before, " schedule.fnv1a="),
           "a file: schedule's content hash is in the canonical text");
    run((const char *[]){"sweep", p, "--dry-run", NULL});
    tap_ok(strstr(res.out, "2 cells, 2 stored, 0 to run") != NULL,
           "unchanged schedule file: nothing to run");
    if ((f = fopen(sched, "w")))
    {
        fputs("3.4445 -4.7750 2.0315\n3 -3.2 1.2\n", f);
        fclose(f);
    }
    run((const char *[]){"sweep", p, "--list", NULL});
    tap_ok(res.status == 0 && strncmp(before, res.out, 16) != 0,
           "editing the schedule file changes the keys");
    run((const char *[]){"sweep", p, "--dry-run", NULL});
    if (!tap_ok(strstr(res.out, "2 cells, 0 stored, 2 to run") != NULL,
                "edited schedule file: its cells run again"))
        tap_diag("got: %s%s", res.out, res.err);

    run((const char *[]){"sweep", p, "--list", "--code-version", "pinned",
                         NULL});
    char pinned[4096];
    snprintf(pinned, sizeof pinned, "%.4000s", res.out);
    tap_ok(res.status == 0 && strncmp(pinned, res.out, 16) == 0 &&
               strncmp(pinned, before, 16) != 0,
           "--code-version changes the keys");
    setenv("LMC_CODE_VERSION", "pinned", 1);
    run((const char *[]){"sweep", p, "--list", NULL});
    tap_ok(res.status == 0 && strcmp(pinned, res.out) == 0,
           "LMC_CODE_VERSION=pinned gives the keys of --code-version "
           "pinned");
    setenv("LMC_CODE_VERSION", "has blank", 1);
    run((const char *[]){"sweep", p, "--list", NULL});
    tap_ok(res.status == 2 && proc_count_lines(res.err) == 1 &&
               strstr(res.err, "LMC_CODE_VERSION"),
           "a bad LMC_CODE_VERSION: one line naming it, exit 2");
    unsetenv("LMC_CODE_VERSION");
    /* Integers above 32 bits read with L. */
    const char *q = write_spec(
        "wide.cfg", "name = \"w\";\nkind = \"run\";\nbase = { problem = "
                    "\"lsq\"; method = \"lmo\"; seed = 4294967297L; };\n");
    run((const char *[]){"sweep", q, "--list", NULL});
    tap_ok(res.status == 0 && strstr(res.out, " seed=4294967297\n"),
           "seed = 4294967297L reads as 4294967297");
}

/* Writes a database of another program. */
static void
foreign_db(const char *p)
{
    sqlite3 *h;
    unlink(p);
    if (sqlite3_open(p, &h) == SQLITE_OK)
        sqlite3_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", NULL,
                     NULL, NULL);
    sqlite3_close(h);
}

/* --dry-run and sweeps never touch a database that is not a store;
 * merge says what is wrong with a store, at once. */
static void
test_store_errors(void)
{
    const char *p = write_spec("tiny2.cfg", tiny);
    const char *fdb = path("foreign.db");
    foreign_db(fdb);
    size_t n0 = 0, n1 = 0;
    struct stat s0, s1;
    char *b0 = slurp(fdb, &n0);
    stat(fdb, &s0);
    sleep(1); /* mtime has whole seconds on some file systems */
    run((const char *[]){"sweep", p, "--dry-run", "--db", fdb, NULL});
    tap_ok(res.status == 1 && proc_count_lines(res.err) == 1 &&
               strstr(res.err, "not a sweep store"),
           "--dry-run on another program's database: refused, one line");
    run((const char *[]){"sweep", p, "--db", fdb, NULL});
    tap_ok(res.status == 1 && proc_count_lines(res.err) == 1 &&
               strstr(res.err, "not a sweep store"),
           "sweep into another program's database: refused, one line");
    char *b1 = slurp(fdb, &n1);
    stat(fdb, &s1);
    tap_ok(b0 && b1 && n0 == n1 && memcmp(b0, b1, n0) == 0 &&
               s0.st_mtime == s1.st_mtime && access(path("foreign.db-wal"),
                                                    F_OK) != 0,
           "its bytes and mtime are unchanged (no WAL, no tables added)");
    free(b0);
    free(b1);
    run((const char *[]){"sweep", p, "--dry-run", "--db",
                         path("absent.sqlite"), NULL});
    tap_ok(res.status == 0 && strstr(res.out, "12 to run") &&
               access(path("absent.sqlite"), F_OK) != 0,
           "--dry-run on an absent store creates nothing");

    const char *a = path("m-a.sqlite"), *o = path("m-out.sqlite");
    run((const char *[]){"sweep", p, "--db", a, NULL});
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run((const char *[]){"merge", a, a, NULL});
    const double dt = since(&t0);
    tap_ok(res.status != 0 && proc_count_lines(res.err) == 1 &&
               strstr(res.err, "is the output store") && dt < 5,
           "merge a a: refused at once (%.2f s), one line", dt);
    run((const char *[]){"merge", o, fdb, NULL});
    tap_ok(res.status == 1 && proc_count_lines(res.err) == 1 &&
               strstr(res.err, "foreign.db: not a sweep store"),
           "merge of another program's database: 'not a sweep store'");
    /* A lock held by another process: said so, within seconds. */
    sqlite3 *h = NULL;
    run((const char *[]){"merge", o, a, NULL});
    if (sqlite3_open(o, &h) == SQLITE_OK &&
        sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
    {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        run((const char *[]){"merge", o, a, NULL});
        const double dl = since(&t0);
        tap_ok(res.status == 1 && proc_count_lines(res.err) == 1 &&
                   strstr(res.err, "locked by another process") && dl < 10,
               "merge into a locked store: 'locked by another process' "
               "after %.1f s", dl);
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    }
    else
        tap_ok(0, "could not lock %s", o);
    sqlite3_close(h);
    /* Read-only: root ignores file modes, so make it immutable. */
    char cmd[8400];
    const int root = geteuid() == 0;
    snprintf(cmd, sizeof cmd, root ? "chattr +i '%s' 2>/dev/null"
                                   : "chmod 0444 '%s'", o);
    if (system(cmd) == 0)
    {
        run((const char *[]){"merge", o, a, NULL});
        tap_ok(res.status == 1 && proc_count_lines(res.err) == 1 &&
                   strstr(res.err, "m-out.sqlite: cannot write"),
               "merge into a read-only store: 'cannot write'");
        snprintf(cmd, sizeof cmd, root ? "chattr -i '%s'" : "chmod 0644 '%s'",
                 o);
        if (system(cmd) != 0)
            tap_diag("could not undo: %s", cmd);
    }
    else
        tap_skip(1, "cannot make a file read-only here (chattr)");
}

/* The number N of "N run" in a sweep's summary line (-1 if none). */
static long
ran_of(const char *err)
{
    const char *q = strstr(err, "stored before, ");
    return q ? strtol(q + 15, NULL, 10) : -1;
}

/* Inserts a lease row (key, owner, expires in seconds from now). */
static void
lease(const char *db, const char *key, const char *owner, double in)
{
    sqlite3 *h;
    if (sqlite3_open(db, &h) != SQLITE_OK)
        return;
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h, "INSERT OR REPLACE INTO lease VALUES(?1, ?2, "
                              "?3)", -1, &q, NULL) == SQLITE_OK)
    {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, owner, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 3, (double)t.tv_sec + 1e-9 * t.tv_nsec + in);
        if (sqlite3_step(q) != SQLITE_DONE)
            tap_diag("lease: %s", sqlite3_errmsg(h));
        sqlite3_finalize(q);
    }
    else
        tap_diag("lease: %s", sqlite3_errmsg(h));
    sqlite3_close(h);
}

/* Two sweeps on one store at once compute every cell exactly once; a
 * stale lease (killed worker, expired) does not block its cell. */
static void
test_concurrent(void)
{
    const char *p = path("slow.cfg");
    const char *db = path("both.sqlite");
    char d1[4300], d2[4300];
    snprintf(d1, sizeof d1, "%s/c1", dir);
    snprintf(d2, sizeof d2, "%s/c2", dir);
    mkdir(d1, 0755);
    mkdir(d2, 0755);
    const pid_t a = proc_start(exe, d1, (const char *[]){"sweep", p, "--db",
                                                         db, "--workers",
                                                         "1", NULL});
    const pid_t b = proc_start(exe, d2, (const char *[]){"sweep", p, "--db",
                                                         db, "--workers",
                                                         "2", NULL});
    proc_result ra, rb;
    proc_finish(a, d1, &ra);
    proc_finish(b, d2, &rb);
    const long na = ran_of(ra.err), nb = ran_of(rb.err);
    if (!tap_ok(ra.status == 0 && rb.status == 0 && na >= 0 && nb >= 0 &&
                    na + nb == SLOW_CELLS,
                "two sweeps on one store at once: %ld + %ld cells run "
                "(want 40 in all)", na, nb))
        tap_diag("a: %sb: %s", ra.err, rb.err);
    tap_close(query(db, "SELECT count(*) FROM cells"), SLOW_CELLS, 0, 0,
              "the store holds the 40 cells");
    tap_close(query(db, "SELECT count(*) FROM lease"), 0, 0, 0,
              "no lease left behind");
    tap_close(store_diff(db, path("slow-ref.sqlite")), 0, 0, 0,
              "outcomes equal those of one uninterrupted sweep");

    /* Stale and live leases on shard 2's cells. */
    const char *st = path("stale.sqlite");
    run((const char *[]){"sweep", p, "--db", st, "--shard", "1/2", NULL});
    run((const char *[]){"sweep", p, "--list", "--shard", "2/2", NULL});
    char host[128] = "localhost", owner[256], k[3][17];
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    const char *line = res.out;
    for (int i = 0; i < 3; i++)
    {
        snprintf(k[i], sizeof k[i], "%.16s", line ? line : "");
        line = line ? strchr(line, '\n') : NULL;
        line = line ? line + 1 : NULL;
    }
    /* a killed sweep of this host: its pid is gone (a reaped child) */
    const pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    snprintf(owner, sizeof owner, "%s %ld killed", host, (long)gone);
    lease(st, k[0], owner, 1e6);
    lease(st, k[1], "elsewhere 1 expired", -10);
    /* live (this test process) for 1.5 s more */
    snprintf(owner, sizeof owner, "%s %ld live", host, (long)getpid());
    lease(st, k[2], owner, 1.5);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run((const char *[]){"sweep", p, "--db", st, "--workers", "2", NULL});
    const double dt = since(&t0);
    tap_ok(res.status == 0 && ran_of(res.err) == SLOW_CELLS / 2 &&
               query(st, "SELECT count(*) FROM cells") == SLOW_CELLS,
           "leases of a killed sweep and an expired one: their cells run");
    tap_ok(dt >= 1.2 && dt < 30, "a live lease is waited for until it "
                                 "expires (%.1f s)", dt);
    tap_close(query(st, "SELECT count(*) FROM lease"), 0, 0, 0,
              "no lease left behind");

    /* kill -9 a sweep, then a new one finishes at once. */
    const char *kd = path("killed.sqlite");
    const pid_t pid = start((const char *[]){"sweep", p, "--db", kd,
                                             "--workers", "2", NULL});
    const int waited = wait_cells(kd, pid);
    kill(pid, SIGKILL);
    finish(pid);
    const double left = query(kd, "SELECT count(*) FROM lease");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run((const char *[]){"sweep", p, "--db", kd, "--workers", "2", NULL});
    const double dk = since(&t0);
    tap_ok(waited && res.status == 0 &&
               query(kd, "SELECT count(*) FROM cells") == SLOW_CELLS &&
               dk < 20,
           "after kill -9 (%g leases left) a new sweep completes the store "
           "in %.1f s", left, dk);
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
    test_report_selects();
    test_keys_follow_inputs();
    test_store_errors();
    test_concurrent();
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
