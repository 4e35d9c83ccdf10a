/* cli/cmd_check.c -- lmocheck check: every theorem entry on its
 * configurations, as TAP version 14 with a YAML block per test point.
 *
 * Exit status: 0 if every point holds (report-only entries count as
 * holding), 1 if any is violated, undecided or has a violated hypothesis,
 * or could not run; 2 on bad usage.  Points that carry a known finding
 * (reports/findings.md: THEORY's statement as written fails on a correct
 * implementation) are TAP TODO points: their failure is expected and does
 * not fail the run, and their passing does (the finding no longer
 * reproduces, so the record must be updated).  --strict counts them as
 * ordinary points.  Output is deterministic for a fixed
 * seed (timings go to stderr only).
 */
/* MAP_ANONYMOUS is not in POSIX 2008. */
#define _DEFAULT_SOURCE

#include "cli.h"
#include "ensemble.h"
#include "status.h"
#include "theorem.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* OpenBLAS's own prototype: its cblas.h cannot share a translation unit
 * with GSL's (TOOLCHAIN.md). */
void openblas_set_num_threads(int n);

static const char *const cmd = "check";

static const char help[] =
    "usage: lmocheck check [OPTIONS]\n"
    "\n"
    "Checks every theorem entry of THEORY.md on its configurations and\n"
    "prints TAP version 14: one test point per (theorem, configuration)\n"
    "with a YAML block (measured, bound, ratio measured/bound, verdict,\n"
    "seed, provenance).  Exit 0 if all hold, 1 on any violation,\n"
    "undecided or violated hypothesis, 2 on bad usage.  Points with a\n"
    "known finding (reports/findings.md) are marked '# TODO': expected to\n"
    "fail, they fail the run only if they pass (or with --strict).\n"
    "\n"
    "  --theorem LIST     ids to check, e.g. T2,V1        [all]\n"
    "  --problem LIST     only configurations on these problems\n"
    "  --method LIST      only configurations of these methods\n"
    "  --seed N           base seed of the runs             [1]\n"
    "  --quick            the quick configuration set (default)\n"
    "  --full             the full configuration set\n"
    "  --list             print the theorem x problem x method matrix\n"
    "  --junit FILE       also write JUnit XML\n"
    "  --strict           known findings fail like any other point\n"
    "  --ensemble E       fp-environment ensemble of every point: none,\n"
    "                     rounding (+ upward, downward, toward-zero IEEE\n"
    "                     rounding), full (+ two ulp perturbations of\n"
    "                     x0).  A verdict stands only if every member\n"
    "                     agrees; else the point is 'fragile' and fails\n"
    "                     [rounding]\n"
    "  --jobs N           processes running points in parallel; output\n"
    "                     order and content do not depend on N  [cores]\n"
    "  --tap-version V    13 or 14; Perl's prove (TAP::Harness 3.44)\n"
    "                     accepts 13 only, the content is the same  [14]\n"
    "  --bound-scale S    multiply every bound by S in (0, 1]: a negative\n"
    "                     control (S = 0.5 must make tight checks fail)\n"
    "  --constant-scale S multiply the problems' declared constants by S\n"
    "                     (mu divided): a negative control, checks must\n"
    "                     report 'hypothesis violated'\n"
    "  --control wrong-momentum\n"
    "                     run muon with a deliberately wrong momentum\n"
    "                     update: a negative control, some check must fail\n"
    "  --control fp64-decisions\n"
    "                     entries that decide on an MPFR reference\n"
    "                     trajectory decide on their fp64 run instead: a\n"
    "                     negative control, some point must be 'fragile'\n"
    "  -h, --help         this text\n"
    "\n"
    "In another project's CI:  lmocheck check --quick || exit 1\n";

#define MAX_CONFIGS 64

static int
in_list(const cli_list *l, const char *s)
{
    if (l->n == 0)
        return 1;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

static void
yaml_string(FILE *out, const char *key, const char *s)
{
    fprintf(out, "  %s: \"", key);
    for (; *s; s++)
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else
            fputc(*s, out);
    fputs("\"\n", out);
}

static void
yaml_num(FILE *out, const char *key, double x)
{
    if (isnan(x))
        fprintf(out, "  %s: null\n", key);
    else
        fprintf(out, "  %s: %.10g\n", key, x);
}

static void
xml_text(FILE *out, const char *s)
{
    for (; *s; s++)
        switch (*s)
        {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
}

static int
print_list(const cli_list *ths, const lmc_check_options *o)
{
    lmc_check_config *cs = calloc(MAX_CONFIGS, sizeof *cs);
    if (!cs)
        return LMC_EXIT_FAIL;
    printf("| theorem | kind | provenance | problem | method | "
           "configuration |\n|:--|:--|:--|:--|:--|:--|\n");
    for (size_t i = 0; lmc_theorems[i]; i++)
    {
        const lmc_theorem *T = lmc_theorems[i];
        if (!in_list(ths, T->id))
            continue;
        const size_t n = T->configs(o, cs, MAX_CONFIGS);
        for (size_t j = 0; j < n && j < MAX_CONFIGS; j++)
            printf("| %s | %s | %s | %s | %s | %s |\n", T->id,
                   lmc_theorem_kind_name(T->kind), T->provenance,
                   cs[j].problem, cs[j].method, cs[j].label);
    }
    free(cs);
    return LMC_EXIT_OK;
}

typedef struct
{
    const lmc_theorem *T;
    lmc_check_config c;
} check_point;

/* One check run: its points, the ensemble members, and the counters. */
typedef struct
{
    check_point *pts;
    size_t npts;
    const lmc_ensemble_member *members;
    size_t nm;
    lmc_ensemble_kind ensemble;
    const lmc_check_options *o;
    FILE *jf;
    int strict, wrong_momentum, progress;
    double cscale;
    lmc_ensemble_out *outs; /* npts x nm, point-major */
    size_t point, failed, fragile, todo, reproduced;
} check_run;

/* Members a point runs: report-only entries assert nothing, so no
 * environment can change their verdict, and they run nominal only. */
static size_t
point_members(const check_run *R, size_t i)
{
    return R->pts[i].T->kind == LMC_REPORT_ONLY ? 1 : R->nm;
}

static void
yaml_range(FILE *out, const char *key, double lo, double hi)
{
    if (isnan(lo))
        fprintf(out, "    %s: null\n", key);
    else
        fprintf(out, "    %s: [%.10g, %.10g]\n", key, lo, hi);
}

/* Prints point i (TAP line, YAML block, JUnit case) from its members. */
static void
emit_point(check_run *R, size_t i)
{
    const check_point *p = &R->pts[i];
    const lmc_theorem *T = p->T;
    const lmc_check_config *c = &p->c;
    const lmc_ensemble_out *mo = R->outs + i * R->nm;
    const size_t nm = point_members(R, i);
    lmc_ensemble_summary sum;
    lmc_ensemble_summarize(R->members, mo, nm, &sum);
    lmc_check_result *r = &sum.r;
    const int status = sum.status;
    const size_t point = ++R->point;
    const int ok = status == LMC_SUCCESS &&
                   (r->verdict == LMC_HOLDS || r->verdict == LMC_REPORTED);
    const char *verdict = status == LMC_SUCCESS ? lmc_verdict_name(r->verdict)
                          : status == LMC_ENSEMBLE_CRASHED ? "crashed"
                                                           : "error";
    /* A known finding that fails as recorded (in every member) is
     * expected; one that holds (or errors, or is fragile) is news. */
    const char *finding = R->strict ? NULL : c->finding;
    const int expected = finding && status == LMC_SUCCESS &&
                         r->verdict == LMC_VIOLATED;
    if (finding && !expected && !ok)
        finding = NULL; /* errors, undecided and fragile fail plainly */
    R->todo += finding != NULL;
    R->reproduced += expected;
    R->failed += !expected && (!ok || finding);
    R->fragile += sum.fragile;
    printf("%s %zu - %s %s on %s/%s: %s", ok ? "ok" : "not ok", point,
           T->id, c->label, c->problem, c->method, verdict);
    if (finding)
        printf(" # TODO known finding %s (reports/findings.md)%s", finding,
               ok ? ": it holds now, update the record" : "");
    printf("\n  ---\n");
    yaml_string(stdout, "id", T->id);
    yaml_string(stdout, "title", T->title);
    yaml_string(stdout, "kind", lmc_theorem_kind_name(T->kind));
    yaml_string(stdout, "source", T->source);
    yaml_string(stdout, "provenance", T->provenance);
    yaml_string(stdout, "problem", c->problem);
    yaml_string(stdout, "method", c->method);
    yaml_string(stdout, "verdict", verdict);
    yaml_num(stdout, "measured", r->measured);
    yaml_num(stdout, "bound", r->bound);
    yaml_num(stdout, "ratio", r->ratio);
    if (!isnan(r->slope))
    {
        yaml_num(stdout, "slope", r->slope);
        yaml_num(stdout, "slope_lo", r->slope_lo);
        yaml_num(stdout, "slope_hi", r->slope_hi);
    }
    printf("  seed: %lu\n", r->seed);
    if (r->ref_bits)
    {
        printf("  reference_bits: %u\n", r->ref_bits);
        printf("  fp64_departs_at: %ld\n", r->depart_step);
        yaml_num(stdout, "fp64_depart_tol", r->depart_tol);
    }
    if (R->nm > 1 && nm == 1)
        printf("  ensemble:\n    kind: none (report only: nothing is "
               "asserted)\n");
    else if (R->nm > 1)
    {
        printf("  ensemble:\n    kind: %s\n",
               lmc_ensemble_name(R->ensemble));
        yaml_range(stdout, "measured", sum.measured_min, sum.measured_max);
        yaml_range(stdout, "bound", sum.bound_min, sum.bound_max);
        printf("    members:\n");
        for (size_t k = 0; k < nm; k++)
        {
            printf("      - {env: %s, verdict: %s, measured: ",
                   R->members[k].name, lmc_ensemble_word(&mo[k]));
            if (mo[k].status == LMC_SUCCESS && !isnan(mo[k].r.measured))
                printf("%.10g}\n", mo[k].r.measured);
            else
                printf("null}\n");
        }
    }
    if (R->o->bound_scale != 1)
        yaml_num(stdout, "bound_scale", R->o->bound_scale);
    if (R->cscale != 1)
        yaml_num(stdout, "constant_scale", R->cscale);
    if (R->wrong_momentum)
        yaml_string(stdout, "control", "wrong-momentum");
    if (R->o->fp64_decisions)
        yaml_string(stdout, "control", "fp64-decisions");
    if (c->finding)
        yaml_string(stdout, "finding", c->finding);
    yaml_string(stdout, "detail", r->detail);
    printf("  ...\n");
    fflush(stdout);
    FILE *jf = R->jf;
    if (!jf)
        return;
    fputs("<testcase classname=\"", jf);
    xml_text(jf, T->id);
    fputs("\" name=\"", jf);
    xml_text(jf, c->label);
    fputs("\">", jf);
    if (finding && !ok)
    {
        fputs("<skipped message=\"known finding ", jf);
        xml_text(jf, finding);
        fputs(" (reports/findings.md): ", jf);
        xml_text(jf, verdict);
        fputs("\"/>", jf);
    }
    else if (!ok || finding)
    {
        fputs("<failure message=\"", jf);
        xml_text(jf, ok ? "known finding holds now" : verdict);
        fputs("\">", jf);
        xml_text(jf, r->detail);
        fputs("</failure>", jf);
    }
    fputs("</testcase>\n", jf);
}

static void
run_task(check_run *R, size_t t)
{
    const check_point *p = &R->pts[t / R->nm];
    lmc_ensemble_run(p->T, &p->c, R->o, &R->members[t % R->nm],
                     &R->outs[t]);
}

static void
show_progress(const check_run *R, size_t done, size_t ntasks)
{
    if (R->progress)
        fprintf(stderr, "\r\033[K[%zu/%zu] points printed, %zu/%zu runs "
                "done", R->point, R->npts, done, ntasks);
}

/* Runs every (point, member) task, on `jobs` processes when jobs > 1
 * (each task in a forked child writing its outcome into shared memory:
 * the checks need no thread safety, a crash is one member's outcome, and
 * the rounding mode is the child's own), and prints each point as soon
 * as it and all points before it are complete, so the output is the same
 * for every job count and a long run shows its points as they come.
 * Returns 0, or -1 if memory could not be had. */
static int
run_points(check_run *R, long jobs)
{
    const size_t ntasks = R->npts * R->nm;
    const size_t bytes = (ntasks ? ntasks : 1) * sizeof *R->outs;
    if (jobs > (long)ntasks)
        jobs = ntasks ? (long)ntasks : 1;
    unsigned char *done = calloc(ntasks ? ntasks : 1, 1);
    pid_t *pid = calloc(ntasks ? ntasks : 1, sizeof *pid);
    R->outs = jobs > 1 ? mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0)
                       : calloc(1, bytes);
    if (R->outs == MAP_FAILED)
        R->outs = NULL;
    if (!done || !pid || !R->outs)
    {
        free(done);
        free(pid);
        if (R->outs && jobs <= 1)
            free(R->outs);
        else if (R->outs)
            munmap(R->outs, bytes);
        return -1;
    }
    size_t next = 0, ndone = 0, printed = 0;
    long running = 0;
    while (ndone < ntasks)
    {
        size_t t;
        if (jobs <= 1)
        {
            t = next++;
            if (t % R->nm < point_members(R, t / R->nm))
                run_task(R, t);
        }
        else
        {
            while (running < jobs && next < ntasks)
            {
                if (next % R->nm >= point_members(R, next / R->nm))
                {
                    done[next++] = 1;
                    ndone++;
                    continue;
                }
                fflush(stdout);
                fflush(stderr);
                if (R->jf)
                    fflush(R->jf);
                const pid_t c = fork();
                if (c == 0)
                {
                    run_task(R, next);
                    _exit(0);
                }
                if (c < 0) /* no process: run it here */
                {
                    run_task(R, next);
                    done[next] = 1;
                    ndone++;
                }
                else
                {
                    pid[next] = c;
                    running++;
                }
                next++;
            }
            if (running == 0)
                goto print;
            int st;
            const pid_t w = waitpid(-1, &st, 0);
            if (w < 0)
                break;
            for (t = 0; t < next && pid[t] != w; t++)
                ;
            if (t == next)
                continue;
            running--;
            pid[t] = 0;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            {
                lmc_ensemble_out *mo = &R->outs[t];
                mo->status = LMC_ENSEMBLE_CRASHED;
                snprintf(mo->error, sizeof mo->error, "member %s crashed "
                         "(%s %d)", R->members[t % R->nm].name,
                         WIFSIGNALED(st) ? "signal" : "exit status",
                         WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            }
        }
        done[t] = 1;
        ndone++;
    print:
        for (; printed < R->npts; printed++)
        {
            size_t k = 0;
            while (k < R->nm && done[printed * R->nm + k])
                k++;
            if (k < R->nm)
                break;
            if (R->progress)
                fputs("\r\033[K", stderr);
            emit_point(R, printed);
        }
        show_progress(R, ndone, ntasks);
    }
    if (R->progress)
        fputs("\r\033[K", stderr);
    free(done);
    free(pid);
    if (jobs > 1)
        munmap(R->outs, bytes);
    else
        free(R->outs);
    R->outs = NULL;
    return printed == R->npts ? 0 : -1;
}

int
cmd_check(int argc, char **argv)
{
    enum
    {
        O_THEOREM = 256, O_PROBLEM, O_METHOD, O_SEED, O_QUICK, O_FULL,
        O_LIST, O_JUNIT, O_SCALE, O_TAPV, O_CSCALE, O_CONTROL, O_STRICT,
        O_ENSEMBLE, O_JOBS
    };
    static const struct option lo[] = {
        {"theorem", required_argument, NULL, O_THEOREM},
        {"problem", required_argument, NULL, O_PROBLEM},
        {"method", required_argument, NULL, O_METHOD},
        {"seed", required_argument, NULL, O_SEED},
        {"quick", no_argument, NULL, O_QUICK},
        {"full", no_argument, NULL, O_FULL},
        {"list", no_argument, NULL, O_LIST},
        {"junit", required_argument, NULL, O_JUNIT},
        {"strict", no_argument, NULL, O_STRICT},
        {"ensemble", required_argument, NULL, O_ENSEMBLE},
        {"jobs", required_argument, NULL, O_JOBS},
        {"bound-scale", required_argument, NULL, O_SCALE},
        {"tap-version", required_argument, NULL, O_TAPV},
        {"constant-scale", required_argument, NULL, O_CSCALE},
        {"control", required_argument, NULL, O_CONTROL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    cli_list ths = {0}, probs = {0}, meths = {0};
    lmc_check_options o = {.full = 0, .bound_scale = 1.0, .seed_base = 1};
    const char *junit = NULL;
    int strict = 0;
    int list = 0, code = LMC_EXIT_USAGE, tapv = 14;
    double cscale = 1;
    int wrong_momentum = 0;
    lmc_ensemble_kind ensemble = LMC_ENSEMBLE_ROUNDING;
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    FILE *jf = NULL;
    lmc_check_config *cs = NULL;
    check_point *pts = NULL;

    opterr = 0;
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1;)
    {
        switch (ch)
        {
        case 'h': fputs(help, stdout); code = LMC_EXIT_OK; goto out;
        case O_THEOREM:
        case O_PROBLEM:
        case O_METHOD:
        {
            cli_list *l = ch == O_THEOREM ? &ths
                          : ch == O_PROBLEM ? &probs
                                            : &meths;
            if (cli_list_add(l, optarg))
                goto out;
            break;
        }
        case O_SEED:
            if (cli_parse_ulong(optarg, &o.seed_base))
            {
                cli_fail(cmd, "--seed: '%s' is not a seed (accepted: "
                         "integers >= 0)", optarg);
                goto out;
            }
            break;
        case O_QUICK: o.full = 0; break;
        case O_FULL: o.full = 1; break;
        case O_LIST: list = 1; break;
        case O_JUNIT: junit = optarg; break;
        case O_STRICT: strict = 1; break;
        case O_ENSEMBLE:
        {
            const int k = lmc_ensemble_parse(optarg);
            if (k < 0)
            {
                cli_fail(cmd, "--ensemble: '%s' is not an ensemble "
                         "(accepted: none, rounding, full)", optarg);
                goto out;
            }
            ensemble = (lmc_ensemble_kind)k;
            break;
        }
        case O_JOBS:
        {
            unsigned long v;
            if (cli_parse_ulong(optarg, &v) || v < 1 || v > 1024)
            {
                cli_fail(cmd, "--jobs: '%s' is not a number of processes "
                         "(accepted: 1..1024)", optarg);
                goto out;
            }
            jobs = (long)v;
            break;
        }
        case O_SCALE:
            if (cli_parse_double(optarg, &o.bound_scale) ||
                !(o.bound_scale > 0 && o.bound_scale <= 1))
            {
                cli_fail(cmd, "--bound-scale: '%s' is not in (0, 1]",
                         optarg);
                goto out;
            }
            break;
        case O_CSCALE:
            if (cli_parse_double(optarg, &cscale) || !(cscale > 0))
            {
                cli_fail(cmd, "--constant-scale: '%s' is not a number > 0",
                         optarg);
                goto out;
            }
            break;
        case O_CONTROL:
            if (strcmp(optarg, "wrong-momentum") == 0)
                wrong_momentum = 1;
            else if (strcmp(optarg, "fp64-decisions") == 0)
                o.fp64_decisions = 1;
            else
            {
                cli_fail(cmd, "--control: '%s' is not a negative control "
                         "(accepted: wrong-momentum, fp64-decisions)",
                         optarg);
                goto out;
            }
            break;
        case O_TAPV:
            if (strcmp(optarg, "13") && strcmp(optarg, "14"))
            {
                cli_fail(cmd, "--tap-version: '%s' is not 13 or 14", optarg);
                goto out;
            }
            tapv = atoi(optarg);
            break;
        case ':':
            cli_fail(cmd, "%s needs a value (see 'lmocheck check --help')",
                     argv[optind - 1]);
            goto out;
        default:
            cli_fail(cmd, "unknown option '%s' (see 'lmocheck check "
                     "--help')", argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc)
    {
        cli_fail(cmd, "unexpected argument '%s' (see 'lmocheck check "
                 "--help')", argv[optind]);
        goto out;
    }
    for (size_t i = 0; i < ths.n; i++)
        if (!lmc_theorem_find(ths.v[i]))
        {
            cli_fail(cmd, "--theorem: unknown id '%s' (see 'lmocheck check "
                     "--list')", ths.v[i]);
            goto out;
        }
    for (size_t i = 0; i < probs.n; i++)
        if (!lmc_problem_find(probs.v[i]))
        {
            cli_fail(cmd, "--problem: unknown problem '%s' (see 'lmocheck "
                     "list problems')", probs.v[i]);
            goto out;
        }
    for (size_t i = 0; i < meths.n; i++)
        if (!lmc_method_find(meths.v[i]))
        {
            cli_fail(cmd, "--method: unknown method '%s' (see 'lmocheck "
                     "list methods')", meths.v[i]);
            goto out;
        }
    if (list)
    {
        code = print_list(&ths, &o);
        goto out;
    }
    if (jobs < 1)
        jobs = 1;
    /* BLAS runs on one thread: parallelism is over points and members
     * (--jobs), and one-thread kernels make the output independent of
     * the job count. */
    openblas_set_num_threads(1);
    if (junit && !(jf = fopen(junit, "w")))
    {
        cli_fail(cmd, "--junit: cannot write '%s'", junit);
        goto out;
    }
    cs = calloc(MAX_CONFIGS, sizeof *cs);
    if (!cs)
    {
        code = LMC_EXIT_FAIL;
        goto out;
    }
    /* The points, in registry order: TAP's plan comes before them. */
    size_t total = 0, cap = 0;
    for (size_t i = 0; lmc_theorems[i]; i++)
    {
        const lmc_theorem *T = lmc_theorems[i];
        if (!in_list(&ths, T->id))
            continue;
        const size_t n = T->configs(&o, cs, MAX_CONFIGS);
        for (size_t j = 0; j < n && j < MAX_CONFIGS; j++)
        {
            if (!in_list(&probs, cs[j].problem) ||
                !in_list(&meths, cs[j].method))
                continue;
            if (total == cap)
            {
                cap = cap ? 2 * cap : 128;
                check_point *np = realloc(pts, cap * sizeof *np);
                if (!np)
                {
                    code = LMC_EXIT_FAIL;
                    goto out;
                }
                pts = np;
            }
            pts[total].T = T;
            pts[total].c = cs[j];
            pts[total].c.constant_scale = cscale;
            pts[total].c.mp.control_wrong_momentum = wrong_momentum;
            total++;
        }
    }
    printf("TAP version %d\n1..%zu\n", tapv, total);
    if (jf)
        fprintf(jf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<testsuites name=\"lmocheck check\">\n"
                    "<testsuite name=\"lmocheck\" tests=\"%zu\">\n",
                total);
    check_run run = {.pts = pts, .npts = total, .o = &o, .jf = jf,
                     .strict = strict, .cscale = cscale,
                     .wrong_momentum = wrong_momentum,
                     .progress = isatty(STDERR_FILENO)};
    run.members = lmc_ensemble_members(ensemble, &run.nm);
    run.ensemble = ensemble;
    if (run_points(&run, jobs))
    {
        code = LMC_EXIT_FAIL;
        goto out;
    }
    if (jf)
        fputs("</testsuite>\n</testsuites>\n", jf);
    printf("# %zu points: %zu failed (%zu fragile); %zu known findings "
           "(TODO), %zu of them reproduced; ensemble %s (%zu members)\n",
           run.point, run.failed, run.fragile, run.todo, run.reproduced,
           lmc_ensemble_name(ensemble), run.nm);
    code = run.failed ? LMC_EXIT_FAIL : LMC_EXIT_OK;
out:
    free(cs);
    free(pts);
    /* ferror too: a write that failed before the final flush (disk full
     * halfway) leaves fclose nothing to fail on. */
    const int jbad = jf && ferror(jf);
    if (jf && (fclose(jf) != 0 || jbad))
    {
        cli_fail(cmd, "--junit: write to '%s' failed", junit);
        code = LMC_EXIT_FAIL;
    }
    cli_list_free(&ths);
    cli_list_free(&probs);
    cli_list_free(&meths);
    return code;
}
