/* t-check.c -- lmocheck check: the theorem suite passes, its output is
 * valid deterministic TAP, and its negative controls fail for the right
 * reason.
 *
 * Negative controls (issue contract): with every bound multiplied by 0.5
 * (for soft entries: a constant replaced by a wrong one) at least one
 * entry of each kind present reports "violated"; with
 * the declared constants halved, every entry whose hypotheses are checked
 * along the run reports "hypothesis violated" somewhere, never "holds"
 * for all of its points.  Both runs must exit 1.
 */
#include "tap.h"
#include "theorem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char exe[4096], dir[4096];

/* Runs `lmocheck check ARGS > out`; returns the exit status.  Without
 * --ensemble in ARGS the run has none: these points test the registry,
 * the TODO rule, the formats and the negative controls, each on the
 * nominal environment; the ensemble itself is tested by t-ensemble, the
 * meson test check-quick (the default ensemble) and cross-env. */
static int
check(const char *args, const char *out)
{
    char cmdline[16384];
    snprintf(cmdline, sizeof cmdline, "'%s' check %s%s > '%s/%s' 2>'%s/err'",
             exe, args, strstr(args, "--ensemble") ? "" : " --ensemble none",
             dir, out, dir);
    const int st = system(cmdline);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *
slurp(const char *name)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n)
    {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

static size_t
count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* Is every point of entry id in the TAP text "ok" (and is there one)? */
static int
all_ok(const char *tap, const char *id)
{
    char a[64];
    snprintf(a, sizeof a, " - %s ", id);
    int n = 0;
    for (const char *p = tap; p && (p = strstr(p, a)); p++)
    {
        const char *bol = p;
        while (bol > tap && bol[-1] != '\n')
            bol--;
        if (strncmp(bol, "ok ", 3) != 0)
            return 0;
        n++;
    }
    return n > 0;
}

/* The number of TODO points of the TAP text whose (entry, finding) pair
 * is one of the n pairs of known; -1 if one is not. */
static size_t
todo_points(const char *tap, const char *const known[][2], size_t n)
{
    static const char tag[] = "# TODO known finding ";
    size_t hits = 0;
    for (const char *p = tap; p && (p = strstr(p, tag)); p++)
    {
        const char *bol = p;
        while (bol > tap && bol[-1] != '\n')
            bol--;
        const char *f = p + sizeof tag - 1;
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
        {
            char id[64];
            snprintf(id, sizeof id, " - %s ", known[i][0]);
            const size_t lf = strlen(known[i][1]);
            const char *e = strstr(bol, id);
            found = e && e < p && strncmp(f, known[i][1], lf) == 0 &&
                    f[lf] == ' ';
        }
        if (!found)
            return (size_t)-1;
        hits++;
    }
    return hits;
}

/* Does the TAP text have a point "... ID ...: VERDICT" for entry id? */
static int
has_point(const char *tap, const char *id, const char *verdict)
{
    char a[64];
    snprintf(a, sizeof a, " - %s ", id);
    for (const char *p = tap; (p = strstr(p, a)); p++)
    {
        const char *eol = strchr(p, '\n');
        const char *v = strstr(p, verdict);
        if (v && (!eol || v < eol))
            return 1;
    }
    return 0;
}

int
main(void)
{
    tap_begin(1);
    const char *path = getenv("LMC_LMOCHECK");
    const char *root = getenv("LMC_BUILD_ROOT");
    if (!path)
    {
        printf("1..0 # SKIP LMC_LMOCHECK (the program's path) is not set\n");
        return 0;
    }
    snprintf(exe, sizeof exe, "%s", path);
    snprintf(dir, sizeof dir, "%s/t-check.XXXXXX", root ? root : "/tmp");
    if (access(exe, X_OK) != 0 || !mkdtemp(dir))
    {
        printf("Bail out! lmocheck not executable at %s\n", exe);
        return 1;
    }

    /* The quick suite passes, with a plan that matches its points. */
    const int st = check("--quick", "quick.tap");
    char *tap = slurp("quick.tap");
    size_t plan = 0;
    if (tap)
        sscanf(tap, "TAP version 14\n1..%zu", &plan);
    const size_t oks = count(tap, "\nok "), bad = count(tap, "\nnot ok ");
    /* Known findings (reports/findings.md) are TODO points that fail as
     * recorded; every other point holds. */
    const size_t todo = count(tap, ": violated # TODO known finding F");
    tap_ok(st == 0 && bad == todo && plan > 0 && oks + todo == plan,
           "check --quick: exit 0, %zu of %zu points ok, %zu known "
           "findings reproduced", oks, plan, todo);
    /* F1 (T5's alpha* ratio at delta = 0.5) is resolved: THEORY now says
     * 1.213, and the point is an ordinary one.  F2 stays only on the C1
     * configuration whose failure is robust across BLAS kernels, rounding
     * modes and seed sets (cubic Newton-Schulz at kappa = 10); P5 carries
     * F3 (the fit) and F10 (the rate, on the MPFR reference). */
    static const char *const todo_ok[][2] = {
        {"C1", "F2"}, {"P5", "F3"}, {"P5", "F10"}};
    const size_t nknown = todo_points(tap, todo_ok,
                                      sizeof todo_ok / sizeof todo_ok[0]);
    tap_ok(count(tap, "# TODO") == todo && nknown == todo &&
               !strstr(tap, "finding F1 ") &&
               count(tap, "# TODO known finding F2 ") == 1 &&
               has_point(tap, "C1", "cubic q=8,5,3 K=200 on lsq/lmo: "
                                    "violated # TODO known finding F2 ") &&
               strstr(tap, "# TODO known finding F3 "),
           "the TODO points are exactly the findings F2 (C1, cubic at "
           "kappa = 10 only), F3 and F10 (P5); F1 is gone");
    tap_ok(all_ok(tap, "T5") && has_point(tap, "T5", "delta=0.5"),
           "T5 at delta = 0.5, alpha* against THEORY's corrected 1.213, is "
           "an ordinary point that holds");
    /* Every statement of THEORY.md is an entry. */
    static const char *const theory_ids[] = {
        "O1", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "C1", "C2",
        "V1", "V2", "V3", "V4", "V5", "V6", "V7", "P1", "P2", "P3", "P4",
        "P5"};
    size_t missing = 0;
    for (size_t i = 0; i < sizeof theory_ids / sizeof theory_ids[0]; i++)
        if (!lmc_theorem_find(theory_ids[i]))
        {
            missing++;
            tap_diag("THEORY entry %s is not registered", theory_ids[i]);
        }
    tap_ok(missing == 0, "all 23 entries of THEORY.md are registered");
    size_t entries = 0;
    for (size_t i = 0; lmc_theorems[i]; i++)
    {
        entries++;
        char id[64];
        snprintf(id, sizeof id, " - %s ", lmc_theorems[i]->id);
        tap_ok(tap && strstr(tap, id), "%s has test points in the quick "
               "suite", lmc_theorems[i]->id);
    }
    tap_ok(count(tap, "  ---\n") == plan && count(tap, "  ...\n") == plan &&
               count(tap, "  provenance: ") == plan,
           "every point carries a YAML block with its provenance");

    /* Deterministic for a fixed seed. */
    check("--quick", "again.tap");
    char *again = slurp("again.tap");
    tap_ok(tap && again && strcmp(tap, again) == 0,
           "two runs with the same seed print identical TAP");

    /* prove accepts the TAP 13 form (same content). */
    if (system("command -v prove >/dev/null 2>&1") == 0)
    {
        check("--quick --tap-version 13", "v13.tap");
        char cmdline[8600];
        snprintf(cmdline, sizeof cmdline,
                 "prove -e cat '%s/v13.tap' >/dev/null 2>&1", dir);
        tap_ok(system(cmdline) == 0, "prove parses and passes the TAP 13 "
               "output");
    }
    else
        tap_skip(1, "prove not installed");

    /* JUnit. */
    char junit[4400], args[4500];
    snprintf(junit, sizeof junit, "%s/junit.xml", dir);
    snprintf(args, sizeof args, "--quick --junit '%s'", junit);
    check(args, "junit.tap");
    char *xml = slurp("junit.xml");
    tap_ok(xml && count(xml, "<testcase ") == plan &&
               count(xml, "<failure") == 0 &&
               count(xml, "<skipped message=\"known finding") == todo &&
               strstr(xml, "</testsuites>"),
           "--junit writes one testcase per point, no failures, the known "
           "findings as skipped");

    /* Known findings: --strict fails on them; a finding that stops
     * reproducing fails the run. */
    const int st_strict = check("--theorem T5,C1,P5 --strict", "strict.tap");
    char *strict = slurp("strict.tap");
    tap_ok(st_strict == 1 && strict && count(strict, "# TODO") == 0 &&
               count(strict, "\nnot ok ") == todo,
           "--strict: the %zu findings fail plainly, exit 1", todo);
    free(strict);
    /* A finding that no longer reproduces is an unexpected pass and fails
     * the run.  Until 2026-12-04 the control was F1 (T5 checked against
     * 1.213 with --bound-scale 0.999176).  F2 and F3 cannot be made to
     * hold by an option: --bound-scale <= 1 only strengthens C1's and
     * P5's claims, and F2's cubic point is violated for every seed set
     * tried (--seed 1, 11, 31, ..., 171).  F10 can: P5's rate spread
     * fails on the MPFR reference and holds in fp64, so deciding on the
     * fp64 run (--control fp64-decisions; one member, since fp64
     * decisions are meant to be fragile across the ensemble) makes it
     * hold. */
    const int st_fix = check("--theorem P5 --control fp64-decisions "
                             "--ensemble none", "fix.tap");
    char *fix = slurp("fix.tap");
    tap_ok(st_fix == 1 && fix &&
               strstr(fix, ": holds # TODO known finding F10 "
                           "(reports/findings.md): it holds now"),
           "a finding that no longer reproduces (P5's rate spread, F10, "
           "decided in fp64) is an unexpected pass and fails the run");
    free(fix);

    /* Negative control 1: bounds halved. */
    const int st_half = check("--quick --bound-scale 0.5", "half.tap");
    char *half = slurp("half.tap");
    tap_ok(st_half == 1, "bounds x 0.5: exit 1");
    /* Soft entries read the scale as a wrong constant (V6: a claimed
     * exponent twice the real one). */
    const lmc_theorem_kind hard[] = {LMC_HARD_STEP, LMC_HARD_AGGREGATE,
                                     LMC_HARD_EXPECTATION, LMC_SOFT_SLOPE,
                                     LMC_SOFT_SHIFT};
    for (size_t k = 0; k < sizeof hard / sizeof hard[0]; k++)
    {
        int present = 0, caught = 0;
        for (size_t i = 0; lmc_theorems[i]; i++)
            if (lmc_theorems[i]->kind == hard[k])
            {
                present = 1;
                const int v = has_point(half, lmc_theorems[i]->id,
                                        ": violated");
                caught |= v;
                tap_diag("bounds x 0.5: %s %s", lmc_theorems[i]->id,
                         v ? "caught (violated)" : "not caught");
            }
        if (present)
            tap_ok(caught, "bounds x 0.5: a %s entry reports violated",
                   lmc_theorem_kind_name(hard[k]));
    }

    /* Negative control 2: declared constants halved. */
    const int st_c = check("--quick --constant-scale 0.5", "const.tap");
    char *cst = slurp("const.tap");
    tap_ok(st_c == 1 && strstr(cst ? cst : "", ": hypothesis violated"),
           "declared constants x 0.5: exit 1, reported as hypothesis "
           "violated (not as a bound violation)");

    /* Negative control 3: a method with a deliberately wrong momentum
     * update is caught by at least one theorem. */
    const int st_m = check("--quick --control wrong-momentum", "mom.tap");
    char *mom = slurp("mom.tap");
    tap_ok(st_m == 1 && mom && strstr(mom, ": violated"),
           "muon with a wrong momentum update: exit 1, caught as violated");
    free(mom);

    /* --list and usage errors. */
    const int st_l = check("--list", "list.md");
    char *list = slurp("list.md");
    tap_ok(st_l == 0 && list && count(list, "\n| ") == plan,
           "--list prints the theorem x problem x method matrix (%zu rows)",
           plan);
    tap_int(check("--theorem NOPE", "x"), 2, "unknown theorem id: exit 2");
    tap_int(check("--bound-scale 2", "x"), 2, "--bound-scale outside "
            "(0, 1]: exit 2");
    tap_int(check("--problem nope", "x"), 2, "unknown problem: exit 2");
    tap_int(check("--tap-version 12", "x"), 2, "unknown TAP version: exit 2");
    tap_int(check("--control nope", "x"), 2, "unknown control: exit 2");
    tap_ok(entries > 0, "%zu theorem entries registered", entries);
    free(tap);
    free(again);
    free(xml);
    free(half);
    free(cst);
    free(list);
    return tap_end();
}
