/* t-cli.c -- the lmocheck command line: help, list, tables, error lines.
 *
 * Runs the built program (LMC_BUILD_ROOT/src/lmocheck) as a user would.
 * Contract under test: usage errors print exactly one line on stderr
 * naming the bad input and exit 2; runtime failures are recorded in the
 * table and exit 1; results exit 0.  Numbers in the tables are checked
 * against each other (predicted vs measured delta), never against values
 * the program printed before.
 */
#include "proc.h"
#include "tap.h"

#include "method.h"
#include "problem.h"
#include "status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Scalar map vs SVD measurement in fp64: q steps of rounding on a 24x24,
 * amplified by at most the polynomial's slope; 1e-10 is far above that
 * (~1e-14 seen) and far below any error a wrong coefficient gives. */
#define TOL_PREDICT 1e-10

static char exe[4096], tmpdir[4096];

static proc_result res;

/* Runs lmocheck with a NULL-terminated argument list; output in res. */
static void
run(const char *const *args)
{
    proc_run(exe, tmpdir, args, &res);
}

/* A usage error: exit 2, one stderr line mentioning `needle`. */
static void
usage_error(const char *needle, const char *const *args)
{
    run(args);
    const int one = proc_count_lines(res.err) == 1 &&
                    strncmp(res.err, "lmocheck", 8) == 0;
    tap_ok(res.status == 2 && one && strstr(res.err, needle),
           "usage error names '%s' in one line, exit 2", needle);
    if (res.status != 2 || !one || !strstr(res.err, needle))
        tap_diag("status %d, stderr: %s", res.status, res.err);
}

static void
write_file(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (f)
    {
        fputs(text, f);
        fclose(f);
    }
}

/* Column `col` (0-based) of CSV data row `row` (1-based after header). */
static double
csv_num(const char *csv, int row, int col)
{
    const char *p = csv;
    for (int r = 0; r < row && p; r++)
    {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return NAN;
    for (int c = 0; c < col && p; c++)
    {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    if (!p || *p == ',' || *p == '\n')
        return NAN;
    return strtod(p, NULL);
}

/* lmocheck run: summaries, traces, refusals with reasons, and every
 * registered (problem, method) pair. */
static void
run_tests(void)
{
    char trace[4300];
    snprintf(trace, sizeof trace, "%s/trace.csv", tmpdir);
    run((const char *[]){"run", "--help", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "--problem"),
           "lmocheck run --help documents its options");
    run((const char *[]){"run", "--problem", "lsq", "--method", "muon",
                         "--lr", "0.05", "--momentum", "0.9", "--oracle",
                         "poly", "--iters", "40", "--trace", trace,
                         "--format", "csv", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "budget"),
           "run lsq/muon/poly: exit 0, stop reason budget");
    FILE *f = fopen(trace, "r");
    int rows = 0;
    double gap0 = NAN, gap_last = NAN, delta1 = NAN;
    char line[4096];
    while (f && fgets(line, sizeof line, f))
    {
        if (rows == 1 || rows > 1)
        {
            double k, fv, gap, gd, gf, me, de;
            /* Empty cells (NaN) stop sscanf early; gap and delta are
             * present for lsq with a poly oracle. */
            if (sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf,%lf", &k, &fv, &gap,
                       &gd, &gf, &me, &de) >= 3)
            {
                if (rows == 1)
                {
                    gap0 = gap;
                    delta1 = de;
                }
                gap_last = gap;
            }
        }
        rows++;
    }
    if (f)
        fclose(f);
    tap_ok(rows == 42, "--trace writes a header and 41 records (got %d)",
           rows);
    tap_ok(gap_last < gap0, "the trace's f - f* decreases over the run "
           "(%.3g -> %.3g)", gap0, gap_last);
    tap_ok(delta1 > 0.1 && delta1 < 1, "the trace records the realized "
           "delta of Jordan's schedule (%.3g)", delta1);

    run((const char *[]){"run", "--problem", "lsq", "--method", "gd",
                         "--lr", "1e6", "--iters", "200", NULL});
    tap_ok(res.status == 0 && (strstr(res.out, "diverged") ||
                               strstr(res.out, "above cap")),
           "a divergent run is a recorded stop reason, exit 0");
    run((const char *[]){"run", "--problem", "lsq", "--method", "gd",
                         "--lr", "10", "--cap", "1e3", "--iters", "200",
                         NULL});
    tap_ok(res.status == 0 && strstr(res.out, "above cap"),
           "--cap stops a run whose f exceeds it");

    usage_error("required", (const char *[]){"run", "--method", "gd", NULL});
    usage_error("'nope'", (const char *[]){"run", "--problem", "nope",
                                           "--method", "gd", NULL});
    usage_error("'sgd'", (const char *[]){"run", "--problem", "lsq",
                                          "--method", "sgd", NULL});
    usage_error("'-1'", (const char *[]){"run", "--problem", "lsq",
                                         "--method", "gd", "--lr", "-1",
                                         NULL});
    usage_error("'1'", (const char *[]){"run", "--problem", "lsq",
                                        "--method", "muon", "--momentum",
                                        "1", NULL});
    usage_error("'1.5'", (const char *[]){"run", "--problem", "lsq",
                                          "--method", "muon", "--delta",
                                          "1.5", NULL});
    usage_error("--round", (const char *[]){"oracle", "--round", "up",
                                            NULL});
    usage_error("stochastic gradient",
                (const char *[]){"run", "--problem", "lsq", "--method",
                                 "muon", "--stochastic", NULL});

    /* Every registered pair: runs (exit 0) where lmc_method_check says it
     * fits, is refused with the reason (exit 2) where it does not. */
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    int ran = 0, refused = 0, wrong = 0;
    for (size_t i = 0; lmc_problem_types[i]; i++)
    {
        lmc_problem_params pp = lmc_problem_params_default();
        lmc_problem *P = lmc_problem_alloc(lmc_problem_types[i], &pp);
        if (!P)
        {
            wrong++;
            tap_diag("problem %s: %s", lmc_problem_types[i]->name,
                     lmc_last_error());
            continue;
        }
        for (size_t j = 0; lmc_method_types[j]; j++)
        {
            lmc_method_params mp = lmc_method_params_default();
            lmc_method *M = lmc_method_alloc(lmc_method_types[j], P, &mp);
            const int fits = M != NULL;
            char why[512];
            snprintf(why, sizeof why, "%s", lmc_last_error());
            lmc_method_free(M);
            run((const char *[]){"run", "--problem",
                                 lmc_problem_types[i]->name, "--method",
                                 lmc_method_types[j]->name, "--iters", "3",
                                 "--lr", "0.001", NULL});
            const int ok = fits ? res.status == 0
                                : res.status == 2 &&
                                      proc_count_lines(res.err) == 1 &&
                                      strstr(res.err, "does not fit");
            if (!ok)
            {
                wrong++;
                tap_diag("%s/%s: fits=%d status=%d stderr=%s (%s)",
                         lmc_problem_types[i]->name,
                         lmc_method_types[j]->name, fits, res.status,
                         res.err, why);
            }
            fits ? ran++ : refused++;
        }
        lmc_problem_free(P);
    }
    lmc_set_error_handler(old);
    tap_ok(wrong == 0 && ran > 0,
           "run: every fitting (problem, method) pair runs (%d) and every "
           "other is refused with its reason (%d)", ran, refused);
}

int
main(void)
{
    tap_begin(1);
    const int ready = proc_setup("t-cli", exe, sizeof exe, tmpdir,
                                 sizeof tmpdir);
    if (ready <= 0)
        return ready < 0;

    /* Help on every command. */
    run((const char *[]){"--help", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "usage: lmocheck"),
           "lmocheck --help prints usage, exit 0");
    run((const char *[]){"oracle", "--help", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "--schedule"),
           "lmocheck oracle --help documents its options");
    run((const char *[]){"list", "--help", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "usage: lmocheck list"),
           "lmocheck list --help prints usage");
    run((const char *[]){NULL});
    tap_ok(res.status == 2 && strstr(res.err, "usage"),
           "no command: usage on stderr, exit 2");

    /* list names everything. */
    run((const char *[]){"list", NULL});
    const char *names[] = {"spectral", "linf", "frobenius", "l1", "rowl2",
                           "exact", "inject-random", "inject-adversarial",
                           "poly", "lowprec", "cubic", "jordan",
                           "polar-express", "fp64", "fp32", "bf16", "gauss"};
    int all = res.status == 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strstr(res.out, names[i]))
        {
            all = 0;
            tap_diag("list lacks '%s'", names[i]);
        }
    tap_ok(all, "lmocheck list names every oracle, source, schedule, "
           "precision and spectrum");

    /* Tables: CSV rows, predicted == measured for poly in fp64. */
    run((const char *[]){"oracle", "--schedule", "cubic,jordan,polar-express",
                         "--steps", "3,5", "--shape", "24x24,16x40",
                         "--kappa", "10", "--repeat", "1", "--format", "csv",
                         NULL});
    tap_ok(res.status == 0 && proc_count_lines(res.out) == 1 + 12,
           "oracle --format csv: header and 3x2x2 rows");
    double worst = 0;
    for (int r = 1; r <= 12; r++)
    {
        const double d = fabs(csv_num(res.out, r, 10) -
                              csv_num(res.out, r, 11));
        worst = isnan(d) ? INFINITY : fmax(worst, d);
    }
    tap_le(worst, TOL_PREDICT, "oracle table: scalar-map prediction equals "
           "the SVD-measured delta on every row");

    run((const char *[]){"oracle", "--shape", "8x12", "--repeat", "1",
                         "--format", "json", NULL});
    tap_ok(res.status == 0 && res.out[0] == '[' &&
               strstr(res.out, "\"measured\": ") &&
               strstr(res.out, "\"delta_in\": null"),
           "oracle --format json: an array of objects, empty cells null");

    run((const char *[]){"oracle", "--shape", "8x12", "--repeat", "1", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "| poly ") &&
               strstr(res.out, "|---"),
           "oracle --format md (default): a Markdown table");

    /* A schedule file with the cubic triple gives the built-in's numbers. */
    char sched[4200], spec[4200], zero[4200], bad[4200];
    write_file("cubic.txt", "# cubic Newton-Schulz\n1.5 -0.5 0\n", sched,
               sizeof sched);
    char arg[4300];
    snprintf(arg, sizeof arg, "file:%s", sched);
    run((const char *[]){"oracle", "--schedule", arg, "--steps", "1",
                         "--shape", "10x10", "--repeat", "1", "--format",
                         "csv", NULL});
    const double file_delta = csv_num(res.out, 1, 11);
    run((const char *[]){"oracle", "--schedule", "cubic", "--steps", "1",
                         "--shape", "10x10", "--repeat", "1", "--format",
                         "csv", NULL});
    tap_ok(file_delta == csv_num(res.out, 1, 11) && !isnan(file_delta),
           "a schedule file holding (1.5, -0.5, 0) reproduces cubic");

    /* A spectrum file and an MPFR reference. */
    write_file("spec.txt", "1\n0.5\n0.25\n0.125\n", spec, sizeof spec);
    snprintf(arg, sizeof arg, "file:%s", spec);
    run((const char *[]){"oracle", "--oracle", "exact", "--spectrum", arg,
                         "--shape", "4x6", "--reference", "mpfr:128",
                         "--repeat", "1", "--format", "csv", NULL});
    tap_ok(res.status == 0 && csv_num(res.out, 1, 11) < 1e-13,
           "exact oracle against an MPFR reference: delta at rounding level");

    /* Rank-deficient M with the MPFR reference: recorded, exit 1. */
    write_file("zero.txt", "1\n0.5\n0\n", zero, sizeof zero);
    snprintf(arg, sizeof arg, "file:%s", zero);
    run((const char *[]){"oracle", "--oracle", "exact", "--spectrum", arg,
                         "--shape", "3x5", "--reference", "mpfr:128",
                         "--repeat", "1", NULL});
    tap_ok(res.status == 1 && strstr(res.out, "error: rank-deficient"),
           "rank-deficient input with the MPFR reference: recorded in the "
           "row, exit 1");

    /* Usage errors, one line each. */
    write_file("bad.txt", "1.5 -0.5 0\n1.5 x 0\n", bad, sizeof bad);
    snprintf(arg, sizeof arg, "file:%s", bad);
    usage_error("bad.txt:2", (const char *[]){"oracle", "--schedule", arg,
                                              NULL});
    usage_error("/no/such/file", (const char *[]){"oracle", "--schedule",
                                                  "file:/no/such/file",
                                                  NULL});
    usage_error("'nope'", (const char *[]){"oracle", "--schedule", "nope",
                                           NULL});
    usage_error("'1'", (const char *[]){"oracle", "--oracle",
                                        "inject-random", "--delta", "1",
                                        NULL});
    usage_error("'-0.1'", (const char *[]){"oracle", "--delta", "-0.1",
                                           NULL});
    usage_error("'0x4'", (const char *[]){"oracle", "--shape", "0x4", NULL});
    usage_error("'4x5x'", (const char *[]){"oracle", "--shape", "4x5x",
                                           NULL});
    usage_error("'mpfr:32'", (const char *[]){"oracle", "--reference",
                                              "mpfr:32", NULL});
    usage_error("'fp16'", (const char *[]){"oracle", "--precision", "fp16",
                                           NULL});
    usage_error("'frob'", (const char *[]){"oracle", "--norm", "frob",
                                           NULL});
    usage_error("spectral LMO only", (const char *[]){"oracle", "--norm",
                                                      "linf", NULL});
    usage_error("has 5 steps", (const char *[]){"oracle", "--schedule",
                                                "polar-express", "--steps",
                                                "6", NULL});
    usage_error("'0.5'", (const char *[]){"oracle", "--kappa", "0.5", NULL});
    usage_error("'xml'", (const char *[]){"oracle", "--format", "xml",
                                          NULL});
    usage_error("--bogus", (const char *[]){"oracle", "--bogus", NULL});
    usage_error("'frobnicate'", (const char *[]){"frobnicate", NULL});
    usage_error("'what'", (const char *[]){"list", "what", NULL});
    snprintf(arg, sizeof arg, "file:%s", spec);
    usage_error("min(m, n) = 5", (const char *[]){"oracle", "--spectrum",
                                                  arg, "--shape", "5x7",
                                                  NULL});

    run_tests();
    proc_cleanup(tmpdir);
    return tap_end();
}
