/* t-reliability.c -- nothing silently wrong (issue 10): diverged runs,
 * allocation failures, workspaces beyond memory, failed output.
 *
 * Contract under test:
 * - a run that diverges reports what f evaluated to at the diverged
 *   iterate (Inf or NaN), labelled by the stop reason "diverged" and the
 *   iterate, never memory the run did not write: the summary (what
 *   `lmocheck run` prints and what sweeps store) is checked with freed and
 *   fresh heap memory filled with a pattern (MALLOC_PERTURB_=165, glibc),
 *   which turns a read of unwritten memory into the finite 1.8e127;
 * - a GSL error (a failed allocation, a bad argument) comes back as a
 *   status with a recorded message, never as GSL's abort (exit 134);
 * - a shape whose workspace exceeds the memory available or --max-memory
 *   is refused before allocating: one line naming the option, exit 2;
 * - output that could not be written (stdout on /dev/full or closed, a
 *   report file on a full device) is one line on stderr and a non-zero
 *   exit status.
 * Processes that could allocate much run under an address-space limit
 * (setrlimit), so a regression fails here instead of exhausting the
 * machine; sanitizer builds skip those (ASan reserves terabytes of
 * address space).
 */
#include "proc.h"
#include "tap.h"

#include "runconfig.h"
#include "status.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_vector.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

#define GiB (1024.0 * 1024.0 * 1024.0)

/* The fill byte of MALLOC_PERTURB_ / M_PERTURB: fresh memory reads as
 * 0x5a5a... = 1.78e127, a finite number a summary must never show. */
#define PERTURB 165

static char exe[4096], tmpdir[4096];

typedef proc_how how;
static proc_result res;

/* Runs lmocheck with args (NULL-terminated) as h says; output in res. */
static void
run_how(const how *h, const char *const *args)
{
    proc_run_how(exe, tmpdir, args, h, &res);
}

static void
run(const char *const *args)
{
    const how h = {NULL, PROC_OUT_FILE, 0, 120};
    run_how(&h, args);
}

/* One stderr line starting "lmocheck" and containing every needle. */
static int
one_line(const char *a, const char *b)
{
    return proc_count_lines(res.err) == 1 && strncmp(res.err, "lmocheck", 8) == 0
           && (!a || strstr(res.err, a)) && (!b || strstr(res.err, b));
}

static void
diag_res(void)
{
    tap_diag("exit %d after %.2f s; stderr: %s", res.status, res.seconds,
             res.err);
}

/* Cell `col` (0-based) of CSV data row 1 of text into buf (no quotes
 * handling needed for the numeric columns before the first text one). */
static void
csv_cell(const char *text, int row, int col, char *buf, size_t len)
{
    const char *p = text;
    buf[0] = '\0';
    for (int r = 0; r < row && p; r++)
        if ((p = strchr(p, '\n')))
            p++;
    for (int c = 0; c < col && p; c++)
        if ((p = strchr(p, ',')))
            p++;
    if (!p)
        return;
    size_t n = strcspn(p, ",\n");
    if (n >= len)
        n = len - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

static int
nonfinite_text(const char *c)
{
    return strcmp(c, "inf") == 0 || strcmp(c, "-inf") == 0 ||
           strcmp(c, "nan") == 0 || strcmp(c, "-nan") == 0;
}

static double
mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double v = -1;
    while (f && fgets(line, sizeof line, f))
    {
        unsigned long long kb;
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            v = 1024.0 * (double)kb;
    }
    if (f)
        fclose(f);
    return v;
}

/* ------------------------------------------------------------------ */
/* 1. Diverged runs. */

/* gd on lsq with step 1e6 overflows f within ~30 steps (the step is
 * ~1e6 times 2/L): a run that must stop "diverged". */
#define DIVERGE_ARGS "run", "--problem", "lsq", "--method", "gd", "--lr", \
                     "1e6", "--iters", "200"

/* The diverging run through the library, with every fresh allocation
 * of this process filled with `perturb` (0: glibc's default, no fill). */
static int
exec_diverged(int perturb, lmc_run_summary *s)
{
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    lmc_run_config c;
    lmc_run_config_init(&c);
    memset(s, 0, sizeof *s);
    mallopt(M_PERTURB, perturb);
    const int bad = lmc_run_config_set(&c, "problem", "lsq") ||
                    lmc_run_config_set(&c, "method", "gd") ||
                    lmc_run_config_set(&c, "lr", "1e6") ||
                    lmc_run_config_set(&c, "iters", "200") ||
                    lmc_run_config_finish(&c) ||
                    lmc_run_config_exec(&c, NULL, s);
    mallopt(M_PERTURB, 0);
    lmc_set_error_handler(old);
    return bad;
}

static void
diverged_tests(void)
{
    char trace[4300];
    snprintf(trace, sizeof trace, "%s/diverged.csv", tmpdir);
    const how perturbed = {"MALLOC_PERTURB_=165", PROC_OUT_FILE, 0, 60};
    run_how(&perturbed, (const char *[]){DIVERGE_ARGS, "--format", "csv",
                                         "--trace", trace, NULL});
    char f[64], gap[64], stop[64];
    csv_cell(res.out, 1, 4, f, sizeof f);
    csv_cell(res.out, 1, 5, gap, sizeof gap);
    csv_cell(res.out, 1, 10, stop, sizeof stop);
    tap_ok(res.status == 0 && strcmp(stop, "diverged") == 0,
           "run: a blown-up run exits 0 with stop reason 'diverged'");
    if (res.status != 0 || strcmp(stop, "diverged"))
        diag_res();
    tap_ok(nonfinite_text(f) && nonfinite_text(gap),
           "run (MALLOC_PERTURB_=%d): a diverged run's f and gap are what "
           "f evaluated to (inf/nan), not unwritten memory", PERTURB);
    if (!nonfinite_text(f) || !nonfinite_text(gap))
        tap_diag("f = '%s', gap = '%s'; output: %s", f, gap, res.out);
    tap_ok(strstr(res.out, "at iterate") &&
               strstr(res.out, "last finite record: iterate"),
           "run: the stop reason names the diverged iterate and the last "
           "finite f");

    /* The trace's last record: f as evaluated, every other cell empty. */
    char text[1 << 16];
    proc_slurp(trace, text, sizeof text);
    const int rows = proc_count_lines(text);
    char tf[64], tgdual[64];
    csv_cell(text, rows - 1, 1, tf, sizeof tf);
    csv_cell(text, rows - 1, 3, tgdual, sizeof tgdual);
    tap_ok(rows > 2 && nonfinite_text(tf) && tgdual[0] == '\0',
           "run --trace (MALLOC_PERTURB_=%d): the diverged record holds "
           "f = inf/nan and empty cells, not unwritten memory", PERTURB);
    if (!(rows > 2 && nonfinite_text(tf) && tgdual[0] == '\0'))
        tap_diag("rows %d, last f '%s', gdual '%s'", rows, tf, tgdual);

    run((const char *[]){DIVERGE_ARGS, "--format", "json", NULL});
    tap_ok(res.status == 0 && (strstr(res.out, "\"f\": \"inf\"") ||
                               strstr(res.out, "\"f\": \"nan\"")),
           "run --format json: a non-finite f is a JSON string, the "
           "document stays valid");
    if (!strstr(res.out, "\"f\": \""))
        tap_diag("output: %s", res.out);

    /* The library summary a sweep stores (lmc_run_config_exec). */
    lmc_run_summary s, u;
    const int bad = exec_diverged(PERTURB, &s) || exec_diverged(0, &u);
    tap_ok(!bad && s.stop == LMC_STOP_DIVERGED && s.diverged == 1,
           "lmc_run_config_exec: the summary of a blown-up run says "
           "diverged");
    tap_ok(!bad && !isfinite(s.f_final) && !isfinite(s.gap_final) &&
               isnan(s.gdual_final) && isnan(s.gfrob_final),
           "lmc_run_config_exec (M_PERTURB %d): f_final and gap_final are "
           "non-finite, gdual_final and gfrob_final NaN, as a sweep stores "
           "them", PERTURB);
    /* Every finite record of this run has f > f* (it never gets near the
     * optimum before blowing up), so a minimum of 0 is a record read
     * before it was written (fresh memory is often zero). */
    const int min_ok = !bad && isfinite(s.gap_min) && s.gap_min > 0 &&
                       s.gap_min <= s.gap_first && s.gdual_min > 0 &&
                       u.gap_min == s.gap_min && u.gdual_min == s.gdual_min;
    tap_ok(min_ok, "lmc_run_config_exec: gap_min and gdual_min are over the "
           "finite records, > 0 and the same with and without M_PERTURB");
    if (bad || isfinite(s.gap_final) || !min_ok)
        tap_diag("status %d, f_final %g gap_final %g gap_min %g (%g without "
                 "perturbation) gap_first %g gdual_final %g gdual_min %g "
                 "(%g); why: %s", bad, s.f_final, s.gap_final, s.gap_min,
                 u.gap_min, s.gap_first, s.gdual_final, s.gdual_min,
                 u.gdual_min, s.why);
}

/* ------------------------------------------------------------------ */
/* 2. GSL errors. */

static int gsl_custom_called;

static void
gsl_custom(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason;
    (void)file;
    (void)line;
    (void)gsl_errno;
    gsl_custom_called = 1;
}

/* Runs fn in a child process: its exit code (128 + signal if killed). */
static int
in_child(int (*fn)(void))
{
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A vector of SIZE_MAX / 16 doubles (8 EiB) cannot be allocated: GSL
 * reports GSL_ENOMEM, and its default handler aborts.  malloc refuses
 * the size at once, nothing is touched. */
#define HUGE_LEN (SIZE_MAX / 16)

static int
child_gsl_enomem(void)
{
    lmc_set_error_handler(lmc_error_handler_quiet);
    lmc_gsl_handler_install();
    gsl_vector *v = gsl_vector_alloc(HUGE_LEN);
    return v == NULL && strstr(lmc_last_error(), "GSL: ") ? 0 : 1;
}

static int
child_gsl_keeps_program_handler(void)
{
    lmc_set_error_handler(lmc_error_handler_quiet);
    gsl_set_error_handler(gsl_custom);
    lmc_gsl_handler_install();
    gsl_vector *v = gsl_vector_alloc(HUGE_LEN);
    return v == NULL && gsl_custom_called ? 0 : 1;
}

static void
gsl_tests(void)
{
    /* Each child is a fresh process for the once-only install: these run
     * before anything in this program installs the handler. */
    int st = in_child(child_gsl_enomem);
    tap_ok(st == 0, "lmc_gsl_handler_install: a failed GSL allocation "
           "returns NULL with the message recorded, no abort");
    if (st != 0)
        tap_diag("child exit %d (134: GSL's abort)", st);
    st = in_child(child_gsl_keeps_program_handler);
    tap_ok(st == 0, "lmc_gsl_handler_install keeps a GSL handler the "
           "program installed");

    if (ASAN)
    {
        tap_skip(2, "address-space limits do not work under ASan");
        return;
    }
    /* 1 GiB of address space: the 2 GiB test matrix cannot be had, and
     * --max-memory 1T lets the configuration through to the allocation. */
    const how small = {NULL, PROC_OUT_FILE, 1.0 * GiB, 60};
    run_how(&small, (const char *[]){"oracle", "--shape", "16384x16384",
                                     "--max-memory", "1T", NULL});
    tap_ok(res.status == 1 && one_line("--shape", "no memory"),
           "oracle: a failed allocation (ulimit -v 1G) is one line naming "
           "--shape, exit 1, not GSL's abort (134)");
    if (!(res.status == 1 && one_line("--shape", "no memory")))
        diag_res();
    run_how(&small, (const char *[]){"run", "--problem", "mf", "--method",
                                     "gd", "--size", "16384x16384",
                                     "--iters", "1", "--max-memory", "1T",
                                     NULL});
    tap_ok(res.status == 2 && one_line("--problem mf", "no memory"),
           "run: a problem that cannot allocate (ulimit -v 1G) is one line "
           "naming --problem, exit 2, not GSL's abort (134)");
    if (res.status != 2 || !one_line("--problem mf", "no memory"))
        diag_res();
}

/* ------------------------------------------------------------------ */
/* 3. Workspaces beyond memory. */

static void
memory_tests(void)
{
    run((const char *[]){"run", "--help", NULL});
    const int run_doc = res.status == 0 && strstr(res.out, "--max-memory");
    run((const char *[]){"oracle", "--help", NULL});
    tap_ok(run_doc && res.status == 0 && strstr(res.out, "--max-memory"),
           "run --help and oracle --help document --max-memory");

    if (ASAN)
        tap_skip(1, "address-space limits do not work under ASan");
    else
    {
        /* 8 GiB of address space: deterministic on any machine, and a
         * regression fails here instead of filling the machine. */
        const how lim = {NULL, PROC_OUT_FILE, 8.0 * GiB, 20};
        run_how(&lim, (const char *[]){"oracle", "--shape", "16384x16384",
                                       NULL});
        tap_ok(res.status == 2 && one_line("--shape", "16384x16384") &&
                   res.seconds < 5,
               "oracle --shape 16384x16384 under ulimit -v 8G: refused "
               "before allocating, one line naming --shape, exit 2, in "
               "%.2f s", res.seconds);
        if (res.status != 2 || !one_line("--shape", NULL))
            diag_res();
    }
    const double avail = mem_available();
    if (ASAN || !(avail > 0) || avail > 40 * GiB)
        tap_skip(1, "needs MemAvailable below 40 GiB (the bound of a "
                 "16384x16384 oracle is ~46 GiB) and no ASan");
    else
    {
        /* The address-space limit far above MemAvailable: the refusal
         * must come from MemAvailable itself. */
        const how roomy = {NULL, PROC_OUT_FILE, 4 * avail, 20};
        run_how(&roomy, (const char *[]){"oracle", "--shape", "16384x16384",
                                         NULL});
        tap_ok(res.status == 2 && one_line("--shape", "MemAvailable") &&
                   res.seconds < 5,
               "oracle --shape 16384x16384: refused against MemAvailable "
               "(%.1f GiB), one line naming --shape, exit 2", avail / GiB);
        if (res.status != 2 || !one_line("--shape", "MemAvailable"))
            diag_res();
    }

    run((const char *[]){"oracle", "--shape", "16x16", "--max-memory", "1K",
                         NULL});
    tap_ok(res.status == 2 && one_line("--shape", "max-memory limit of 1 "
                                                  "KiB"),
           "oracle --shape 16x16 --max-memory 1K: refused, one line naming "
           "--shape and the limit, exit 2");
    if (res.status != 2 || !one_line("--shape", "max-memory limit"))
        diag_res();
    run((const char *[]){"run", "--problem", "lsq", "--method", "gd",
                         "--size", "16x16", "--max-memory", "1K", NULL});
    tap_ok(res.status == 2 && one_line("--size", "'16x16'"),
           "run --size 16x16 --max-memory 1K: refused, one line naming "
           "--size, exit 2");
    if (res.status != 2 || !one_line("--size", NULL))
        diag_res();
    run((const char *[]){"run", "--problem", "lsq", "--method", "gd",
                         "--iters", "100000000", "--max-memory", "1G",
                         NULL});
    tap_ok(res.status == 2 && one_line("--iters", "100000000"),
           "run --iters 1e8 --max-memory 1G: the trace alone is too big; "
           "refused naming --iters, exit 2");
    if (res.status != 2 || !one_line("--iters", NULL))
        diag_res();
    run((const char *[]){"run", "--problem", "lsq", "--method", "gd",
                         "--max-memory", "2X", NULL});
    tap_ok(res.status == 2 && one_line("--max-memory", "'2X'"),
           "run --max-memory 2X: refused naming the value, exit 2");
    run((const char *[]){"run", "--problem", "lsq", "--method", "muon",
                         "--iters", "5", "--max-memory", "2G", "--format",
                         "csv", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "budget"),
           "run with --max-memory 2G: a normal run still runs");
    if (res.status != 0)
        diag_res();
    run((const char *[]){"oracle", "--shape", "64x64", "--max-memory",
                         "512M", "--format", "csv", NULL});
    tap_ok(res.status == 0 && strstr(res.out, ",ok"),
           "oracle --shape 64x64 --max-memory 512M: runs");

    /* The parser and the bound. */
    double b = 0;
    int ok = !lmc_parse_bytes("2G", &b) && b == 2 * GiB;
    ok = ok && !lmc_parse_bytes("1.5K", &b) && b == 1536;
    ok = ok && !lmc_parse_bytes("512MiB", &b) && b == 512.0 * 1024 * 1024;
    ok = ok && !lmc_parse_bytes("65536", &b) && b == 65536;
    ok = ok && lmc_parse_bytes("0", &b) && lmc_parse_bytes("-1G", &b) &&
         lmc_parse_bytes("2X", &b) && lmc_parse_bytes("G", &b) &&
         lmc_parse_bytes("", &b);
    tap_ok(ok, "lmc_parse_bytes: 2G, 1.5K, 512MiB, 65536 read as bytes; "
           "0, -1G, 2X, G and '' refused");
    /* The measure: 16384x16384 is about 32 GB of data alone
     * (a few 2 GiB matrices); the bound must be at least that. */
    const double big = lmc_oracle_workspace(16384, 16384, 0);
    const double tiny = lmc_oracle_workspace(64, 64, 0);
    tap_ok(big >= 32 * GiB && tiny < 4.0 * 1024 * 1024,
           "lmc_oracle_workspace: 16384x16384 >= 32 GiB (%.1f GiB), 64x64 "
           "< 4 MiB (%.0f KiB)", big / GiB, tiny / 1024);
}

/* ------------------------------------------------------------------ */
/* 4. Output that could not be written. */

static void
write_spec(const char *dir)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/reports", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/reports/mini", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/reports/mini/spec.cfg", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs("name = \"mini\";\nkind = \"oracle\";\n"
          "base = { oracle = \"poly\"; norm = \"spectral\"; shape = "
          "\"16x16\"; spectrum = \"log\"; seed = 1; round = \"nearest\"; };\n"
          "axes = (\n"
          "  { key = \"schedule\"; values = [\"jordan\"]; },\n"
          "  { key = \"precision\"; values = [\"fp64\"]; },\n"
          "  { key = \"kappa\"; values = [10.0]; },\n"
          "  { key = \"steps\"; values = [5]; }\n);\n"
          "report = { analysis = \"oracle-delta\"; title = \"t\"; "
          "summary = \"s\"; };\n",
          f);
    fclose(f);
}

static void
output_tests(void)
{
    const how full = {NULL, PROC_OUT_FULL, 0, 120};
    const how closed = {NULL, PROC_OUT_CLOSED, 0, 120};
    static const char *const enospc = "writing standard output: No space "
                                      "left on device";
    struct
    {
        const char *name;
        const char *args[20];
    } cmds[] = {
        {"run", {"run", "--problem", "lsq", "--method", "gd", "--iters",
                 "5", NULL}},
        {"oracle", {"oracle", "--shape", "8x8", NULL}},
        {"list", {"list", NULL}},
        {"check", {"check", "--theorem", "T2", "--problem", "lsq",
                   "--ensemble", "none", "--jobs", "1", NULL}},
        {"sweep --help", {"sweep", "--help", NULL}},
        {"merge --help", {"merge", "--help", NULL}},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    {
        run_how(&full, cmds[i].args);
        tap_ok(res.status != 0 && one_line(enospc, NULL),
               "%s > /dev/full: one line '%s', exit non-zero", cmds[i].name,
               enospc);
        if (res.status == 0 || !one_line(enospc, NULL))
            diag_res();
    }
    run_how(&closed, cmds[0].args);
    tap_ok(res.status != 0 && one_line("writing standard output", NULL),
           "run >&- (stdout closed): one line on stderr, exit non-zero");
    if (res.status == 0 || !one_line("writing standard output", NULL))
        diag_res();

    /* A file opened while stdout is closed must not take descriptor 1:
     * the table would be written into it. */
    char trace[4300];
    snprintf(trace, sizeof trace, "%s/closed.csv", tmpdir);
    run_how(&closed, (const char *[]){"run", "--problem", "lsq", "--method",
                                      "gd", "--iters", "5", "--trace", trace,
                                      NULL});
    char text[1 << 16];
    proc_slurp(trace, text, sizeof text);
    tap_ok(res.status != 0 && strncmp(text, "k,f,gap", 7) == 0 &&
               !strstr(text, "problem"),
           "run --trace FILE >&-: the trace holds the trace only, the "
           "failed table is reported");

    run((const char *[]){"run", "--problem", "lsq", "--method", "gd",
                         "--iters", "5", "--trace", "/dev/full", NULL});
    tap_ok(res.status == 1 && one_line("--trace", "/dev/full"),
           "run --trace /dev/full: one line naming --trace, exit 1");

    /* Reports: a file on a full device, and --compare's stdout. */
    write_spec(tmpdir);
    char reports[4300], out[4300], table[4400];
    snprintf(reports, sizeof reports, "%s/reports", tmpdir);
    snprintf(out, sizeof out, "%s/rout", tmpdir);
    run((const char *[]){"report", "mini", "--reports-dir", reports, "--out",
                         out, "--workers", "1", NULL});
    const int made = res.status == 0;
    if (!made)
        diag_res();
    snprintf(table, sizeof table, "%s/mini/table.md", out);
    unlink(table);
    const int linked = symlink("/dev/full", table) == 0;
    run((const char *[]){"report", "mini", "--reports-dir", reports, "--out",
                         out, "--workers", "1", NULL});
    /* stderr also has the report's progress lines. */
    tap_ok(made && linked && res.status == 1 &&
               strstr(res.err, "table.md: write failed"),
           "report: table.md on a full device is a line naming it, exit 1");
    if (!(made && linked && res.status == 1))
        diag_res();
    unlink(table);
    run_how(&full, (const char *[]){"report", "--compare", out, out, "mini",
                                    NULL});
    tap_ok(made && res.status != 0 && one_line(enospc, NULL),
           "report --compare > /dev/full: one line '%s', exit non-zero",
           enospc);
    if (res.status == 0)
        diag_res();
}

int
main(void)
{
    tap_begin(1);
    const int ready = proc_setup("t-reliability", exe, sizeof exe, tmpdir,
                                 sizeof tmpdir);
    if (ready <= 0)
        return ready < 0;
    gsl_tests();
    diverged_tests();
    memory_tests();
    output_tests();
    proc_cleanup(tmpdir);
    return tap_end();
}
