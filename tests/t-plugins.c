/* t-plugins.c -- plug-ins added as README's "Adding a plug-in" says.
 *
 * lmocheck-plugins is lmocheck linked with the test-only plug-ins of
 * tests/plugins/ (an exact oracle, an error source, a method, a problem
 * and a theorem entry), each added to a copy of its registry by its
 * address and the extern that names it, nothing else (tests/meson.build).
 * The test shows each is listed, named by the generated help, and
 * accepted where its kind is, and that the theorem's check holds; and, as
 * negative controls, that the theorem fails with its bound halved and the
 * plain lmocheck refuses the same names with one error line and exit 2.
 */
#include "proc.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char exe[4096], tmpdir[4096];
static const char *plugins_exe;
static proc_result res;

/* Runs prog with a NULL-terminated argument list; output in res. */
static void
run(const char *prog, const char *const *args)
{
    proc_run(prog, tmpdir, args, &res);
    if (res.status != 0)
        tap_diag("status %d, stderr: %s", res.status, res.err);
}

/* The plain program refuses name: exit 2, one line naming it. */
static void
refused(const char *name, const char *const *args)
{
    proc_run(exe, tmpdir, args, &res);
    tap_ok(res.status == 2 && proc_count_lines(res.err) == 1 &&
           strstr(res.err, name) != NULL,
           "plain lmocheck refuses '%s' in one line, exit 2", name);
}

static void
listed(void)
{
    run(plugins_exe, (const char *[]){"list", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "  test-frob ") &&
           strstr(res.out, "  test-shrink ") &&
           strstr(res.out, "  test-gd ") && strstr(res.out, "  test-quad "),
           "list names test-frob, test-shrink, test-gd and test-quad");
    tap_ok(strstr(res.out, "  gd ") && strstr(res.out, "  frobenius ") &&
           strstr(res.out, "  inject-adversarial "),
           "list still names the built-in plug-ins");
    run(plugins_exe, (const char *[]){"oracle", "--help", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "test-frob") &&
           strstr(res.out, "test-shrink"),
           "oracle --help names test-frob and test-shrink");
    /* test-shrink declares LMC_INEXACT_USES_DELTA only: the --delta line
     * names it, the --precision line does not. */
    const char *dl = strstr(res.out, "--delta LIST");
    const char *pl = strstr(res.out, "--precision LIST");
    tap_ok(dl && pl && strncmp(dl + 18, "test-shrink", 11) == 0 &&
               strncmp(pl + 18, "poly, lowprec", 13) == 0,
           "oracle --help: --delta names test-shrink, --precision does not");
    proc_run(plugins_exe, tmpdir, (const char *[]){"oracle", "--norm",
                                                   "nope", NULL}, &res);
    tap_ok(res.status == 2 && strstr(res.err, "accepted: test-frob, "),
           "a refused --norm lists test-frob among the accepted");
    proc_run(plugins_exe, tmpdir, (const char *[]){"oracle", "--oracle",
                                                   "nope", NULL}, &res);
    tap_ok(res.status == 2 && strstr(res.err, "accepted: test-shrink, "),
           "a refused --oracle lists test-shrink among the accepted");
    run(plugins_exe, (const char *[]){"run", "--help", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "test-shrink"),
           "run --help names test-shrink");
}

static void
accepted(void)
{
    run(plugins_exe, (const char *[]){"oracle", "--oracle", "test-shrink",
                                      "--norm", "test-frob", "--delta",
                                      "0.25", "--shape", "8x6", "--format",
                                      "csv", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "test-shrink") &&
           strstr(res.out, "test-frob"),
           "oracle --oracle test-shrink --norm test-frob: exit 0");
    run(plugins_exe, (const char *[]){"run", "--problem", "lsq", "--method",
                                      "test-gd", "--iters", "20", NULL});
    tap_ok(res.status == 0, "run --method test-gd: exit 0");
    run(plugins_exe, (const char *[]){"run", "--problem", "test-quad",
                                      "--method", "test-gd", "--lr", "0.5",
                                      "--iters", "30", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "test-quad"),
           "run --problem test-quad --method test-gd: exit 0");
    run(plugins_exe, (const char *[]){"run", "--problem", "lsq", "--method",
                                      "lmo", "--oracle", "test-shrink",
                                      "--delta", "0.1", "--iters", "20",
                                      NULL});
    tap_ok(res.status == 0, "run --method lmo --oracle test-shrink: exit 0");
}

/* check --theorem X1 holds, and fails when its bound is halved. */
static void
theorem_checked(void)
{
    run(plugins_exe, (const char *[]){"check", "--list", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "X1"),
           "check --list names X1");
    run(plugins_exe, (const char *[]){"check", "--theorem", "X1", NULL});
    tap_ok(res.status == 0 && strstr(res.out, "ok 1 - X1") &&
           strstr(res.out, "verdict: \"holds\""),
           "check --theorem X1 (test-quad/test-gd) holds, exit 0");
    proc_run(plugins_exe, tmpdir, (const char *[]){"check", "--theorem", "X1",
                                                   "--bound-scale", "0.5",
                                                   NULL}, &res);
    tap_ok(res.status == 1 && strstr(res.out, "not ok 1 - X1") &&
           strstr(res.out, "verdict: \"violated\""),
           "negative control: X1 with --bound-scale 0.5 is violated, exit 1");
}

int
main(void)
{
    const int ready = proc_setup("t-plugins", exe, sizeof exe, tmpdir,
                                 sizeof tmpdir);
    if (ready <= 0)
        return ready < 0;
    plugins_exe = getenv("LMC_LMOCHECK_PLUGINS");
    if (!plugins_exe)
    {
        printf("1..0 # SKIP LMC_LMOCHECK_PLUGINS is not set\n");
        proc_cleanup(tmpdir);
        return 0;
    }
    listed();
    accepted();
    theorem_checked();
    refused("test-frob", (const char *[]){"oracle", "--norm", "test-frob",
                                          NULL});
    refused("test-shrink", (const char *[]){"oracle", "--oracle",
                                            "test-shrink", NULL});
    refused("test-gd", (const char *[]){"run", "--problem", "lsq",
                                        "--method", "test-gd", NULL});
    refused("test-quad", (const char *[]){"run", "--problem", "test-quad",
                                          NULL});
    refused("X1", (const char *[]){"check", "--theorem", "X1", NULL});
    proc_cleanup(tmpdir);
    return tap_end();
}
