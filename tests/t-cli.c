/* t-cli.c -- the lmocheck command line: help, list, tables, error lines.
 *
 * Runs the built program (LMC_BUILD_ROOT/src/lmocheck) as a user would.
 * Contract under test: usage errors print exactly one line on stderr
 * naming the bad input and exit 2; runtime failures are recorded in the
 * table and exit 1; results exit 0.  Numbers in the tables are checked
 * against each other (predicted vs measured delta), never against values
 * the program printed before.
 */
#include "tap.h"

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

typedef struct
{
    int status;
    char out[1 << 16], err[1 << 12];
} result;

static result res;

static void
slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t k;
    while ((k = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = '\0';
}

/* Runs lmocheck with a NULL-terminated argument list; output in res. */
static void
run(const char *const *args)
{
    char *argv[64];
    int n = 0;
    argv[n++] = exe;
    for (; args[n - 1] && n < 63; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    char outf[4200], errf[4200];
    snprintf(outf, sizeof outf, "%s/out", tmpdir);
    snprintf(errf, sizeof errf, "%s/err", tmpdir);
    const pid_t pid = fork();
    if (pid == 0)
    {
        if (!freopen(outf, "w", stdout) || !freopen(errf, "w", stderr))
            _exit(127);
        execv(exe, argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    res.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    FILE *f = fopen(outf, "r");
    res.out[0] = res.err[0] = '\0';
    if (f)
    {
        slurp(fileno(f), res.out, sizeof res.out);
        fclose(f);
    }
    f = fopen(errf, "r");
    if (f)
    {
        slurp(fileno(f), res.err, sizeof res.err);
        fclose(f);
    }
}

static int
count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* A usage error: exit 2, one stderr line mentioning `needle`. */
static void
usage_error(const char *needle, const char *const *args)
{
    run(args);
    const int one = count_lines(res.err) == 1 &&
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

int
main(void)
{
    tap_begin(1);
    const char *root = getenv("LMC_BUILD_ROOT");
    const char *path = getenv("LMC_LMOCHECK");
    if (!path)
    {
        printf("1..0 # SKIP LMC_LMOCHECK (the program's path) is not set\n");
        return 0;
    }
    snprintf(exe, sizeof exe, "%s", path);
    snprintf(tmpdir, sizeof tmpdir, "%s/t-cli.XXXXXX", root ? root : "/tmp");
    if (access(exe, X_OK) != 0 || !mkdtemp(tmpdir))
    {
        /* Set but unusable: the build is broken, which must not pass. */
        printf("Bail out! lmocheck not executable at %s\n", exe);
        return 1;
    }

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
    tap_ok(res.status == 0 && count_lines(res.out) == 1 + 12,
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
    return tap_end();
}
