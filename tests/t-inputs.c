/* t-inputs.c -- malformed inputs to the file readers: schedule files,
 * spectrum files and sweep specs.
 *
 * Contract under test (README, "Exit status"): a bad input gives one
 * error line naming the input and what would be accepted, exit 2 at the
 * command line, an error status (never an exit, never a hang) in the
 * library; an input that is fine gives the right values.  The cases are
 * those of issue 10's campaign: an empty file, binary garbage, NUL
 * bytes, 1e999 / nan / -inf, a line of 1 MB, a missing file, a directory
 * instead of a file, /dev/zero (an endless input) and a file over the
 * size bound.  Every command runs under a deadline (DEADLINE_S): a
 * reader that loops fails its point instead of hanging the suite.
 */
#include "proc.h"
#include "tap.h"

#include "schedule.h"
#include "spectrum.h"
#include "status.h"
#include "textin.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds a refusal may take.  Each case reads at most 4 MiB (the bound
 * under test); under ASan that takes well below a second, and a reader
 * without the bound never returns. */
#define DEADLINE_S 60

static char exe[4096], tmpdir[4096];
static proc_result res;

/* Runs lmocheck with a NULL-terminated argument list, killing it after
 * DEADLINE_S; res.status is 128 + 9 then. */
static void
run(const char *const *args)
{
    const proc_how h = {NULL, PROC_OUT_FILE, 0, DEADLINE_S};
    proc_run_how(exe, tmpdir, args, &h, &res);
    if (res.status == 128 + SIGKILL)
        tap_diag("killed after %d s", DEADLINE_S);
}

/* A usage error: exit 2, one stderr line naming `needle`. */
static void
usage_error(const char *what, const char *needle, const char *const *args)
{
    run(args);
    const int one = proc_count_lines(res.err) == 1 &&
                    strncmp(res.err, "lmocheck", 8) == 0;
    const int ok = res.status == 2 && one && strstr(res.err, needle);
    tap_ok(ok, "%s: exit 2, one line naming '%s'", what, needle);
    if (!ok)
        tap_diag("status %d, stderr: %.600s", res.status, res.err);
}

static void
write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n)
        tap_diag("cannot write %s: %s", path, strerror(errno));
    if (f)
        fclose(f);
}

static void
write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

/* A file of n copies of c followed by tail. */
static void
write_fill(const char *path, int c, size_t n, const char *tail)
{
    char *b = malloc(n + strlen(tail));
    if (!b)
        return;
    memset(b, c, n);
    memcpy(b + n, tail, strlen(tail));
    write_bytes(path, b, n + strlen(tail));
    free(b);
}

enum { SCHEDULE, SPECTRUM };

/* Calls the schedule reader or the spectrum reader (k = 3 values) on
 * path in a child process, so that a reader that never returns fails its
 * point instead of hanging the program.  Returns the reader's status and
 * its error message in msg, or -1 ("did not return") after DEADLINE_S. */
static int
lib_call(int which, const char *path, char *msg, size_t n)
{
    int fd[2];
    snprintf(msg, n, "did not return within %d s", DEADLINE_S);
    if (pipe(fd))
        return -1;
    fflush(stdout);
    const double t0 = proc_now();
    const pid_t pid = fork();
    if (pid == 0)
    {
        close(fd[0]);
        int st;
        if (which == SCHEDULE)
        {
            lmc_schedule s;
            st = lmc_schedule_read(path, &s);
        }
        else
        {
            char kind[4300];
            double sv[3];
            snprintf(kind, sizeof kind, "file:%s", path);
            st = lmc_spectrum_values(kind, 1.0, 3, 4, NULL, sv);
        }
        char buf[1024];
        const int len = snprintf(buf, sizeof buf, "%d %s", st,
                                 lmc_last_error());
        const size_t m = len < (int)sizeof buf ? (size_t)len : sizeof buf - 1;
        _exit(write(fd[1], buf, m) == (ssize_t)m ? 0 : 1);
    }
    close(fd[1]);
    int st = -1;
    if (pid > 0 && proc_wait(pid, t0, DEADLINE_S) != -1)
    {
        char buf[1024];
        const ssize_t m = read(fd[0], buf, sizeof buf - 1);
        buf[m > 0 ? m : 0] = '\0';
        char *rest;
        st = (int)strtol(buf, &rest, 10);
        snprintf(msg, n, "%s", *rest ? rest + 1 : "");
    }
    close(fd[0]);
    return st;
}

/* One library call: status want, a one-line message naming path and
 * holding needle. */
static void
lib_error(const char *what, int which, const char *path, int want,
          const char *needle)
{
    char msg[1024];
    const int got = lib_call(which, path, msg, sizeof msg);
    const int ok = got == want && !strchr(msg, '\n') && strstr(msg, path) &&
                   strstr(msg, needle);
    tap_ok(ok, "%s: status %s, one line naming the file and '%s'", what,
           lmc_strerror(want), needle);
    if (!ok)
        tap_diag("status %d (want %d), message: %.600s", got, want, msg);
}

typedef struct
{
    const char *name;   /* case name and file name */
    const char *needle; /* in the schedule / spectrum message */
    int sched_status, spec_status;
} badcase;

/* The cases with a file to write (missing and directory are below). */
static void
make_case(const char *name, const char *path)
{
    static const unsigned char garbage[] = {
        0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0xfe, 0x89, 0x50, 0x4e,
        0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xd8, 0xff, 0xe0, 0x10, 0x4a};
    if (strcmp(name, "empty") == 0)
        write_text(path, "");
    else if (strcmp(name, "garbage") == 0)
        write_bytes(path, garbage, sizeof garbage);
    else if (strcmp(name, "nul") == 0)
        write_bytes(path, "# comment\n\0\n0.5\n", 16);
    else if (strcmp(name, "1e999") == 0)
        write_text(path, "1e999 -0.5 0\n1e999\n");
    else if (strcmp(name, "nan") == 0)
        write_text(path, "nan -0.5 0\nnan\n");
    else if (strcmp(name, "-inf") == 0)
        write_text(path, "-inf -0.5 0\n-inf\n");
    else if (strcmp(name, "long-line") == 0) /* 1 MB of digits */
        write_fill(path, '1', 1u << 20, "\n");
    else if (strcmp(name, "long-blank") == 0) /* 1 MB of blanks */
        write_fill(path, ' ', 1u << 20, "1\n");
    else if (strcmp(name, "huge") == 0) /* over the size bound */
        write_fill(path, '\n', LMC_TEXTIN_MAX_BYTES + 1, "");
}

static const badcase cases[] = {
    {"empty", "no coefficient", LMC_EPARSE, LMC_EBADLEN},
    {"garbage", "accepted:", LMC_EPARSE, LMC_EPARSE},
    {"nul", "NUL byte", LMC_EPARSE, LMC_EPARSE},
    {"1e999", "finite", LMC_EPARSE, LMC_EPARSE},
    {"nan", "finite", LMC_EPARSE, LMC_EPARSE},
    {"-inf", "finite", LMC_EPARSE, LMC_EPARSE},
    {"long-line", "longer than 1024", LMC_EPARSE, LMC_EPARSE},
    {"long-blank", "longer than 1024", LMC_EPARSE, LMC_EPARSE},
    {"huge", "larger than", LMC_EPARSE, LMC_EPARSE},
    {"missing", "No such file", LMC_EIO, LMC_EIO},
    {"directory", "is a directory", LMC_EIO, LMC_EIO},
};

static void
test_library(void)
{
    lmc_set_error_handler(lmc_error_handler_quiet);
    char path[4200];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
        const badcase *c = &cases[i];
        snprintf(path, sizeof path, "%s/%s", tmpdir, c->name);
        if (strcmp(c->name, "directory") == 0)
            mkdir(path, 0700);
        else
            make_case(c->name, path);
        char what[128];
        snprintf(what, sizeof what, "schedule file, %s", c->name);
        lib_error(what, SCHEDULE, path, c->sched_status, c->needle);
        snprintf(what, sizeof what, "spectrum file, %s", c->name);
        lib_error(what, SPECTRUM, path, c->spec_status,
                  strcmp(c->name, "empty") == 0 ? "0 values" : c->needle);
    }

    /* /dev/zero: endless NUL bytes.  Before the bounds the spectrum
     * reader took every 511 NULs for a blank line and never returned. */
    const double t0 = proc_now();
    lib_error("schedule file, /dev/zero", SCHEDULE, "/dev/zero", LMC_EPARSE,
              "NUL byte");
    lib_error("spectrum file, /dev/zero", SPECTRUM, "/dev/zero", LMC_EPARSE,
              "NUL byte");
    tap_le(proc_now() - t0, 5.0, "/dev/zero is refused within 5 s (%.2f s)",
           proc_now() - t0);

    /* What is fine reads right: CRLF line ends, comments, a line of
     * exactly LMC_TEXTIN_MAX_LINE characters, no newline at the end. */
    snprintf(path, sizeof path, "%s/crlf", tmpdir);
    write_text(path, "# cubic\r\n1.5 -0.5 0\r\ndivisor 2\r\n\r\neps 0.25");
    lmc_schedule s;
    double sv[3];
    int st = lmc_schedule_read(path, &s);
    tap_ok(st == LMC_SUCCESS && s.len == 1 && s.coef[0][0] == 1.5 &&
               s.coef[0][1] == -0.5 && s.coef[0][2] == 0 && s.divisor == 2 &&
               s.eps == 0.25,
           "schedule file with CRLF ends and no final newline reads right");
    char line[LMC_TEXTIN_MAX_LINE + 2];
    memset(line, ' ', LMC_TEXTIN_MAX_LINE);
    memcpy(line, "0.25", 4);
    line[LMC_TEXTIN_MAX_LINE] = '\n';
    line[LMC_TEXTIN_MAX_LINE + 1] = '\0';
    char text[3 * sizeof line];
    snprintf(text, sizeof text, "1\n%s0\n", line);
    write_text(path, text);
    char spec[4300];
    snprintf(spec, sizeof spec, "file:%s", path);
    st = lmc_spectrum_values(spec, 1.0, 3, 3, NULL, sv);
    tap_ok(st == LMC_SUCCESS && sv[0] == 1 && sv[1] == 0.25 && sv[2] == 0,
           "spectrum file with a line of exactly %d characters reads right",
           LMC_TEXTIN_MAX_LINE);
    if (st)
        tap_diag("%s", lmc_last_error());
    lmc_set_error_handler(NULL);
}

/* The same files at the command line: --schedule file:, --spectrum file:
 * and as a sweep spec. */
static void
test_cli(void)
{
    char path[4200], file[4300], what[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
        const badcase *c = &cases[i];
        snprintf(path, sizeof path, "%s/%s", tmpdir, c->name);
        snprintf(file, sizeof file, "file:%s", path);
        snprintf(what, sizeof what, "oracle --schedule file:, %s", c->name);
        usage_error(what, path,
                    (const char *[]){"oracle", "--schedule", file, "--shape",
                                     "3x4", NULL});
        snprintf(what, sizeof what, "oracle --spectrum file:, %s", c->name);
        usage_error(what, path,
                    (const char *[]){"oracle", "--spectrum", file, "--shape",
                                     "3x4", NULL});
    }
    usage_error("oracle --spectrum file:/dev/zero", "/dev/zero",
                (const char *[]){"oracle", "--spectrum", "file:/dev/zero",
                                 "--shape", "3x4", NULL});
    usage_error("oracle --schedule file:/dev/zero", "/dev/zero",
                (const char *[]){"oracle", "--schedule", "file:/dev/zero",
                                 "--shape", "3x4", NULL});

    /* Sweep specs: the same byte-level cases, and values out of range. */
    static const struct
    {
        const char *name, *text;
    } specs[] = {
        {"spec-1e999", "name = \"x\"; kind = \"run\"; base = { problem = "
                       "\"lsq\"; method = \"gd\"; kappa = 1e999; };\n"},
        {"spec-nan", "name = \"x\"; kind = \"run\"; base = { problem = "
                     "\"lsq\"; method = \"gd\"; lr = \"nan\"; };\n"},
        {"spec-inf", "name = \"x\"; kind = \"run\"; base = { problem = "
                     "\"lsq\"; method = \"gd\"; cap = \"-inf\"; };\n"},
        {"spec-sched", "name = \"x\"; kind = \"oracle\"; base = { "
                       "schedule = \"file:/dev/zero\"; };\n"},
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
    {
        snprintf(path, sizeof path, "%s/%s.cfg", tmpdir, specs[i].name);
        write_text(path, specs[i].text);
        snprintf(what, sizeof what, "sweep --dry-run, %s", specs[i].name);
        usage_error(what, path,
                    (const char *[]){"sweep", path, "--dry-run", NULL});
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
        snprintf(path, sizeof path, "%s/%s", tmpdir, cases[i].name);
        snprintf(what, sizeof what, "sweep --dry-run, %s", cases[i].name);
        usage_error(what, path,
                    (const char *[]){"sweep", path, "--dry-run", NULL});
    }
    usage_error("sweep --dry-run /dev/zero", "/dev/zero",
                (const char *[]){"sweep", "/dev/zero", "--dry-run", NULL});
}

int
main(void)
{
    tap_begin(0);
    const char *path = getenv("LMC_LMOCHECK");
    const char *tmp = getenv("TMPDIR");
    snprintf(exe, sizeof exe, "%s", path ? path : "lmocheck");
    snprintf(tmpdir, sizeof tmpdir, "%s/lmc-inputs-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (access(exe, X_OK) != 0 || !mkdtemp(tmpdir))
    {
        printf("Bail out! no lmocheck at '%s' (LMC_LMOCHECK) or no temporary "
               "directory\n", exe);
        return 1;
    }
    test_library();
    test_cli();
    /* The cases' files, then the directory case and the directory. */
    char p[4300];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
        snprintf(p, sizeof p, "%s/%s", tmpdir, cases[i].name);
        if (remove(p) != 0 && errno != ENOENT)
            tap_diag("cannot remove %s", p);
    }
    static const char *const rest[] = {"crlf", "out", "err",
        "spec-1e999.cfg", "spec-nan.cfg", "spec-inf.cfg", "spec-sched.cfg"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
    {
        snprintf(p, sizeof p, "%s/%s", tmpdir, rest[i]);
        remove(p);
    }
    rmdir(tmpdir);
    return tap_end();
}
