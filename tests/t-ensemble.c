/* t-ensemble.c -- fp-environment ensembles of check points (src/harness/ensemble.h)
 * and their use by `lmocheck check`.
 *
 * Unit level: each member runs in its own rounding mode and restores the
 * caller's; the nominal member keeps the caller's mode; the x0
 * perturbation is seeded, at most one ulp of max |x0| per entry; members
 * that agree give the nominal verdict with the measured range, members
 * that disagree (or error) give "fragile" naming them.  A deliberately
 * rounding-sensitive check (1 + 2^-60 > 1 is true only when rounding up)
 * is the negative control: it must come out fragile, and not fragile
 * without the ensemble.
 *
 * Command level (LMC_LMOCHECK): --jobs 1 and --jobs 2 print byte-identical
 * TAP; the YAML lists every member; bad --ensemble / --jobs values give
 * one line and exit 2; --control fp64-decisions (P-entries decide on
 * their fp64 runs) makes the ensemble report a fragile point and fail the
 * run, where the default (reference-decided) run of the same entry holds.
 */
#include "ensemble.h"
#include "proc.h"
#include "status.h"
#include "tap.h"

#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char exe[4096], dir[4096];

/* A check that reports the rounding mode it ran in (measured) and the
 * perturbation stream it was given (bound). */
static int
mode_check(const lmc_check_config *c, const lmc_check_options *o,
           lmc_check_result *r)
{
    (void)o;
    r->verdict = LMC_HOLDS;
    r->measured = fegetround();
    r->bound = (double)c->perturb;
    return LMC_SUCCESS;
}

/* The negative control: a verdict decided by the last bit of a sum. */
static int
sensitive_check(const lmc_check_config *c, const lmc_check_options *o,
                lmc_check_result *r)
{
    (void)c;
    (void)o;
    volatile double x = 1, tiny = 0x1p-60;
    x = x + tiny;
    r->measured = x - 1;
    r->bound = 0;
    r->verdict = x - 1 <= 0 ? LMC_HOLDS : LMC_VIOLATED;
    snprintf(r->detail, sizeof r->detail, "1 + 2^-60 - 1 = %g", x - 1);
    return LMC_SUCCESS;
}

static int
failing_check(const lmc_check_config *c, const lmc_check_options *o,
              lmc_check_result *r)
{
    (void)c;
    (void)o;
    (void)r;
    if (fegetround() == FE_DOWNWARD)
        LMC_ERROR(LMC_EDOM, "only rounding down fails");
    r->verdict = LMC_HOLDS;
    return LMC_SUCCESS;
}

static const lmc_theorem mode_thm = {.id = "X1", .check = mode_check};
static const lmc_theorem sensitive_thm = {.id = "X2",
                                          .check = sensitive_check};
static const lmc_theorem failing_thm = {.id = "X3", .check = failing_check};

static void
unit_members(void)
{
    size_t n;
    const lmc_ensemble_member *m = lmc_ensemble_members(LMC_ENSEMBLE_NONE,
                                                        &n);
    tap_int((long)n, 1, "ensemble none: the nominal member only");
    lmc_ensemble_members(LMC_ENSEMBLE_ROUNDING, &n);
    tap_int((long)n, 4, "ensemble rounding: nominal + 3 directed modes");
    m = lmc_ensemble_members(LMC_ENSEMBLE_FULL, &n);
    tap_int((long)n, 6, "ensemble full: + 2 x0 perturbations");
    tap_ok(lmc_ensemble_parse("rounding") == LMC_ENSEMBLE_ROUNDING &&
               lmc_ensemble_parse("none") == LMC_ENSEMBLE_NONE &&
               lmc_ensemble_parse("full") == LMC_ENSEMBLE_FULL &&
               lmc_ensemble_parse("fast") == -1,
           "ensemble names parse, others are refused");

    /* Each member runs in its mode; the caller's mode comes back. */
    const int want[6] = {FE_DOWNWARD, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO,
                         FE_DOWNWARD, FE_DOWNWARD};
    lmc_check_config c;
    memset(&c, 0, sizeof c);
    lmc_check_options o = {.bound_scale = 1, .seed_base = 1};
    int modes_ok = 1, restored = 1, perturb_ok = 1;
    for (size_t i = 0; i < n; i++)
    {
        lmc_ensemble_out out;
        fesetround(FE_DOWNWARD); /* the caller's mode */
        lmc_ensemble_run(&mode_thm, &c, &o, &m[i], &out);
        modes_ok &= out.status == LMC_SUCCESS &&
                    (int)out.r.measured == want[i];
        restored &= fegetround() == FE_DOWNWARD;
        perturb_ok &= out.r.bound == (double)m[i].perturb;
    }
    fesetround(FE_TONEAREST);
    tap_ok(modes_ok, "every member's check runs in the member's rounding "
           "mode (the nominal member in the caller's)");
    tap_ok(restored, "the caller's rounding mode is restored after each "
           "member");
    tap_ok(perturb_ok && m[4].perturb && m[5].perturb &&
               m[4].perturb != m[5].perturb,
           "x0-perturbation members pass distinct streams to the check");
}

static void
unit_summary(void)
{
    size_t n;
    const lmc_ensemble_member *m = lmc_ensemble_members(LMC_ENSEMBLE_FULL,
                                                        &n);
    lmc_check_config c;
    memset(&c, 0, sizeof c);
    lmc_check_options o = {.bound_scale = 1, .seed_base = 1};
    lmc_ensemble_out out[6];
    lmc_ensemble_summary s;

    /* Negative control: the rounding-sensitive check is fragile. */
    for (size_t i = 0; i < 4; i++)
        lmc_ensemble_run(&sensitive_thm, &c, &o, &m[i], &out[i]);
    lmc_ensemble_summarize(m, out, 4, &s);
    tap_ok(s.fragile && s.status == LMC_SUCCESS &&
               s.r.verdict == LMC_FRAGILE &&
               strstr(s.r.detail, "upward violated") &&
               strstr(s.r.detail, "nominal holds"),
           "a rounding-sensitive verdict is fragile, naming the members "
           "(%s)", s.r.detail);
    tap_ok(s.measured_min == 0 && s.measured_max > 0,
           "its measured range spans the members (%g .. %g)",
           s.measured_min, s.measured_max);
    lmc_ensemble_summarize(m, out, 1, &s);
    tap_ok(!s.fragile && s.r.verdict == LMC_HOLDS,
           "without the ensemble the same check holds: only the ensemble "
           "can see it");

    /* Agreement: the nominal result, with the members' range. */
    for (size_t i = 0; i < n; i++)
    {
        memset(&out[i], 0, sizeof out[i]);
        out[i].r.verdict = LMC_HOLDS;
        out[i].r.measured = 1 + (double)i;
        out[i].r.bound = 10;
    }
    out[2].r.measured = NAN; /* a member without a number adds none */
    snprintf(out[0].r.detail, sizeof out[0].r.detail, "nominal detail");
    lmc_ensemble_summarize(m, out, n, &s);
    tap_ok(!s.fragile && s.r.verdict == LMC_HOLDS && s.r.measured == 1 &&
               strcmp(s.r.detail, "nominal detail") == 0,
           "members that agree give the nominal result");
    tap_ok(s.measured_min == 1 && s.measured_max == 6 &&
               s.bound_min == 10 && s.bound_max == 10,
           "measured range over the members, NaN skipped (%g .. %g)",
           s.measured_min, s.measured_max);

    /* One member that could not run: fragile, not a pass. */
    fesetround(FE_TONEAREST);
    for (size_t i = 0; i < 4; i++)
        lmc_ensemble_run(&failing_thm, &c, &o, &m[i], &out[i]);
    lmc_ensemble_summarize(m, out, 4, &s);
    tap_ok(s.fragile && strstr(s.r.detail, "downward error"),
           "a member that errors makes the point fragile (%s)", s.r.detail);
    out[1].status = LMC_ENSEMBLE_CRASHED;
    tap_ok(strcmp(lmc_ensemble_word(&out[1]), "crashed") == 0,
           "a crashed member reads 'crashed'");
}

static void
unit_perturb(void)
{
    lmc_check_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.label, sizeof c.label, "perturb");
    c.problem = "lsq";
    c.pp = lmc_problem_params_default();
    c.method = "gd";
    c.mp = lmc_method_params_default();
    c.rp = lmc_run_params_default();
    c.rp.iters = 1;
    lmc_check_run a, b, b2, d;
    int st = lmc_check_run_exec(&c, 1, &a);
    c.perturb = 1;
    st |= lmc_check_run_exec(&c, 1, &b);
    st |= lmc_check_run_exec(&c, 1, &b2);
    c.perturb = 2;
    st |= lmc_check_run_exec(&c, 1, &d);
    if (st)
    {
        tap_ok(0, "lsq runs for the perturbation test: %s",
               lmc_last_error());
        return;
    }
    const size_t n = a.x0->size;
    double amax = 0, dmax = 0;
    int same_seed = 1, moved = 0, streams_differ = 0;
    for (size_t j = 0; j < n; j++)
        amax = fmax(amax, fabs(a.x0->data[j]));
    const double ulp = nextafter(amax, INFINITY) - amax;
    for (size_t j = 0; j < n; j++)
    {
        dmax = fmax(dmax, fabs(b.x0->data[j] - a.x0->data[j]));
        same_seed &= b.x0->data[j] == b2.x0->data[j];
        moved += b.x0->data[j] != a.x0->data[j];
        streams_differ |= b.x0->data[j] != d.x0->data[j];
    }
    /* One ulp of max |x0| plus the rounding of the sum (half an ulp of
     * the entry, which is at most the same ulp). */
    tap_le(dmax, 1.5 * ulp, "x0 perturbation is within one ulp of "
           "max |x0| = %g per entry", amax);
    tap_ok(moved > (int)n / 2, "x0 perturbation moves most entries (%d of "
           "%zu)", moved, n);
    tap_ok(same_seed, "the same stream gives the same x0");
    tap_ok(streams_differ, "another stream gives another x0");
    lmc_check_run_free(&a);
    lmc_check_run_free(&b);
    lmc_check_run_free(&b2);
    lmc_check_run_free(&d);
}

static void
run(const char *const *args, proc_result *r)
{
    proc_run(exe, dir, args, r);
}

static size_t
count(const char *s, const char *needle)
{
    size_t k = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        k++;
    return k;
}

static proc_result res, res2;

static void
cli(void)
{
    const char *j1[] = {"check", "--quick", "--theorem", "T2,V1,P1",
                        "--jobs", "1", NULL};
    const char *j2[] = {"check", "--quick", "--theorem", "T2,V1,P1",
                        "--jobs", "2", NULL};
    run(j1, &res);
    run(j2, &res2);
    const size_t pts = count(res.out, "\nok ") + count(res.out, "\nnot ok ");
    tap_ok(res.status == 0 && res2.status == 0 && pts > 10 &&
               strcmp(res.out, res2.out) == 0,
           "--jobs 1 and --jobs 2 print byte-identical TAP (%zu points)",
           pts);
    tap_ok(count(res.out, "      - {env: ") == 4 * pts &&
               count(res.out, "{env: upward, ") == pts &&
               count(res.out, "    kind: rounding\n") == pts,
           "the default ensemble (rounding) lists 4 members per point");
    const char *full[] = {"check", "--quick", "--theorem", "P1",
                          "--ensemble", "full", NULL};
    run(full, &res);
    const size_t fp = count(res.out, "\nok ") + count(res.out, "\nnot ok ");
    tap_ok(res.status == 0 && fp > 0 &&
               count(res.out, "      - {env: ") == 6 * fp &&
               count(res.out, "{env: x0+ulp#2, ") == fp,
           "--ensemble full: 6 members per point, all agree on P1");
    const char *none[] = {"check", "--quick", "--theorem", "P1",
                          "--ensemble", "none", NULL};
    run(none, &res);
    tap_ok(res.status == 0 && !strstr(res.out, "members:"),
           "--ensemble none: no member list");

    const char *bad_e[] = {"check", "--ensemble", "fast", NULL};
    run(bad_e, &res);
    tap_ok(res.status == 2 && count(res.err, "\n") == 1 &&
               strstr(res.err, "--ensemble: 'fast'") &&
               strstr(res.err, "none, rounding, full"),
           "--ensemble fast: one line naming the accepted values, exit 2");
    const char *bad_j[] = {"check", "--jobs", "0", NULL};
    run(bad_j, &res);
    tap_ok(res.status == 2 && count(res.err, "\n") == 1 &&
               strstr(res.err, "--jobs: '0'") && strstr(res.err, "1..1024"),
           "--jobs 0: one line naming the accepted range, exit 2");

    /* The negative control on a real entry: fp64-decided P4 is fragile,
     * the reference-decided P4 is not. */
    const char *ctl[] = {"check", "--quick", "--theorem", "P4", "--method",
                         "simplified-muon", "--control", "fp64-decisions",
                         NULL};
    if (fegetround() != FE_TONEAREST)
    {
        /* The whole process runs in a directed mode (tests/cross-env.py's
         * preload): the nominal member is then directed too, every
         * member of P4's fp64 decision agrees, and the control has
         * nothing to show. */
        tap_skip(2, "the process is not in round-to-nearest");
        return;
    }
    run(ctl, &res);
    tap_ok(res.status == 1 && strstr(res.out, ": fragile") &&
               strstr(res.out, "members disagree:"),
           "--control fp64-decisions: P4's fp64 decision is reported "
           "fragile and fails the run (exit %d)", res.status);
    const char *ref[] = {"check", "--quick", "--theorem", "P4", "--method",
                         "simplified-muon", NULL};
    run(ref, &res);
    tap_ok(res.status == 0 && !strstr(res.out, ": fragile") &&
               strstr(res.out, "reference_bits: "),
           "the same P4 point decided on its MPFR reference holds in "
           "every member (exit %d)", res.status);
}

int
main(void)
{
    tap_begin(1);
    lmc_set_error_handler(lmc_error_handler_quiet);
    unit_members();
    unit_summary();
    unit_perturb();
    const char *path = getenv("LMC_LMOCHECK");
    const char *root = getenv("LMC_BUILD_ROOT");
    snprintf(dir, sizeof dir, "%s/t-ensemble.XXXXXX", root ? root : "/tmp");
    if (!path || !mkdtemp(dir))
    {
        tap_skip(10, "LMC_LMOCHECK is not set or no temporary directory");
        return tap_end();
    }
    snprintf(exe, sizeof exe, "%s", path);
    cli();
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_end();
}
