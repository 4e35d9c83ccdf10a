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
#include "checkpoint.h"
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

/* The ensemble part of point i's YAML block: every member's verdict. */
static void
yaml_ensemble(const check_run *R, const lmc_ensemble_out *mo, size_t nm,
              const lmc_ensemble_summary *sum)
{
    if (R->nm > 1 && nm == 1)
    {
        printf("  ensemble:\n    kind: none (report only: nothing is "
               "asserted)\n");
        return;
    }
    if (R->nm <= 1)
        return;
    printf("  ensemble:\n    kind: %s\n", lmc_ensemble_name(R->ensemble));
    yaml_range(stdout, "measured", sum->measured_min, sum->measured_max);
    yaml_range(stdout, "bound", sum->bound_min, sum->bound_max);
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

/* The YAML block of point i, after its TAP line. */
static void
yaml_point(const check_run *R, size_t i, const lmc_point_outcome *po)
{
    const lmc_theorem *T = R->pts[i].T;
    const lmc_check_config *c = &R->pts[i].c;
    const lmc_check_result *r = &po->sum.r;
    printf("\n  ---\n");
    yaml_string(stdout, "id", T->id);
    yaml_string(stdout, "title", T->title);
    yaml_string(stdout, "kind", lmc_theorem_kind_name(T->kind));
    yaml_string(stdout, "source", T->source);
    yaml_string(stdout, "provenance", T->provenance);
    yaml_string(stdout, "problem", c->problem);
    yaml_string(stdout, "method", c->method);
    yaml_string(stdout, "verdict", po->verdict);
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
    yaml_ensemble(R, R->outs + i * R->nm, point_members(R, i), &po->sum);
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
}

/* The JUnit test case of point i: a TODO that fails as recorded is
 * skipped, a failure or a finding that holds now is a failure. */
static void
junit_point(FILE *jf, const check_point *p, const lmc_point_outcome *po)
{
    fputs("<testcase classname=\"", jf);
    xml_text(jf, p->T->id);
    fputs("\" name=\"", jf);
    xml_text(jf, p->c.label);
    fputs("\">", jf);
    if (po->todo && !po->ok)
    {
        fputs("<skipped message=\"known finding ", jf);
        xml_text(jf, po->todo);
        fputs(" (reports/findings.md): ", jf);
        xml_text(jf, po->verdict);
        fputs("\"/>", jf);
    }
    else if (!po->ok || po->todo)
    {
        fputs("<failure message=\"", jf);
        xml_text(jf, po->ok ? "known finding holds now" : po->verdict);
        fputs("\">", jf);
        xml_text(jf, po->sum.r.detail);
        fputs("</failure>", jf);
    }
    fputs("</testcase>\n", jf);
}

/* Classifies point i from its members, counts it, and prints it (TAP
 * line, YAML block, JUnit case). */
static void
emit_point(check_run *R, size_t i)
{
    const check_point *p = &R->pts[i];
    lmc_point_outcome po;
    lmc_point_classify(R->members, R->outs + i * R->nm, point_members(R, i),
                       R->strict ? NULL : p->c.finding, &po);
    const size_t point = ++R->point;
    R->todo += po.todo != NULL;
    R->reproduced += po.reproduced;
    R->failed += po.failed;
    R->fragile += po.sum.fragile;
    printf("%s %zu - %s %s on %s/%s: %s", po.ok ? "ok" : "not ok", point,
           p->T->id, p->c.label, p->c.problem, p->c.method, po.verdict);
    if (po.todo)
        printf(" # TODO known finding %s (reports/findings.md)%s", po.todo,
               po.ok ? ": it holds now, update the record" : "");
    yaml_point(R, i, &po);
    fflush(stdout);
    if (R->jf)
        junit_point(R->jf, p, &po);
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

/* The (point, member) tasks of a check run and where they stand. */
typedef struct
{
    size_t ntasks, bytes;
    long jobs, running;
    unsigned char *done;
    pid_t *pid;         /* the child running each task, 0 if none */
    size_t next, ndone, printed;
} task_queue;

static void
queue_free(check_run *R, task_queue *q)
{
    free(q->done);
    free(q->pid);
    if (R->outs && q->jobs > 1)
        munmap(R->outs, q->bytes);
    else
        free(R->outs);
    R->outs = NULL;
}

/* The queue and R->outs: shared memory when children write into it.
 * Returns 0, or -1 if memory could not be had. */
static int
queue_alloc(check_run *R, long jobs, task_queue *q)
{
    memset(q, 0, sizeof *q);
    q->ntasks = R->npts * R->nm;
    q->bytes = (q->ntasks ? q->ntasks : 1) * sizeof *R->outs;
    if (jobs > (long)q->ntasks)
        jobs = q->ntasks ? (long)q->ntasks : 1;
    q->jobs = jobs;
    q->done = calloc(q->ntasks ? q->ntasks : 1, 1);
    q->pid = calloc(q->ntasks ? q->ntasks : 1, sizeof *q->pid);
    R->outs = jobs > 1 ? mmap(NULL, q->bytes, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0)
                       : calloc(1, q->bytes);
    if (R->outs == MAP_FAILED)
        R->outs = NULL;
    if (q->done && q->pid && R->outs)
        return 0;
    queue_free(R, q);
    return -1;
}

/* Runs the next task in this process (one job). */
static void
run_next_here(check_run *R, task_queue *q)
{
    const size_t t = q->next++;
    if (t % R->nm < point_members(R, t / R->nm))
        run_task(R, t);
    q->done[t] = 1;
    q->ndone++;
}

/* Starts tasks in children up to the job count; tasks a point does not
 * run are done at once, and a task no child could be had for runs
 * here. */
static void
start_children(check_run *R, task_queue *q)
{
    while (q->running < q->jobs && q->next < q->ntasks)
    {
        const size_t t = q->next++;
        if (t % R->nm >= point_members(R, t / R->nm))
        {
            q->done[t] = 1;
            q->ndone++;
            continue;
        }
        fflush(stdout);
        fflush(stderr);
        if (R->jf)
            fflush(R->jf);
        const pid_t c = fork();
        if (c == 0)
        {
            run_task(R, t);
            _exit(0);
        }
        if (c < 0) /* no process: run it here */
        {
            run_task(R, t);
            q->done[t] = 1;
            q->ndone++;
        }
        else
        {
            q->pid[t] = c;
            q->running++;
        }
    }
}

/* Starts children, then waits for one to end and records its task (a
 * child that died is the member's outcome "crashed").  Returns 1 when
 * there may be points to print, 0 if the process that ended was not a
 * task's, -1 if waiting failed. */
static int
step_children(check_run *R, task_queue *q)
{
    start_children(R, q);
    if (q->running == 0)
        return 1;
    int st;
    const pid_t w = waitpid(-1, &st, 0);
    if (w < 0)
        return -1;
    size_t t;
    for (t = 0; t < q->next && q->pid[t] != w; t++)
        ;
    if (t == q->next)
        return 0;
    q->running--;
    q->pid[t] = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    {
        lmc_ensemble_out *mo = &R->outs[t];
        mo->status = LMC_ENSEMBLE_CRASHED;
        snprintf(mo->error, sizeof mo->error, "member %s crashed (%s %d)",
                 R->members[t % R->nm].name,
                 WIFSIGNALED(st) ? "signal" : "exit status",
                 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    }
    q->done[t] = 1;
    q->ndone++;
    return 1;
}

/* Prints every point whose members are all done, in order, up to the
 * first that is not. */
static void
print_ready(check_run *R, task_queue *q)
{
    for (; q->printed < R->npts; q->printed++)
    {
        size_t k = 0;
        while (k < R->nm && q->done[q->printed * R->nm + k])
            k++;
        if (k < R->nm)
            break;
        if (R->progress)
            fputs("\r\033[K", stderr);
        emit_point(R, q->printed);
    }
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
    task_queue q;
    if (queue_alloc(R, jobs, &q))
        return -1;
    while (q.ndone < q.ntasks)
    {
        if (q.jobs <= 1)
            run_next_here(R, &q);
        else
        {
            const int s = step_children(R, &q);
            if (s < 0)
                break;
            if (s == 0)
                continue;
        }
        print_ready(R, &q);
        show_progress(R, q.ndone, q.ntasks);
    }
    if (R->progress)
        fputs("\r\033[K", stderr);
    const int complete = q.printed == R->npts;
    queue_free(R, &q);
    return complete ? 0 : -1;
}

enum
{
    O_THEOREM = 256, O_PROBLEM, O_METHOD, O_SEED, O_QUICK, O_FULL,
    O_LIST, O_JUNIT, O_SCALE, O_TAPV, O_CSCALE, O_CONTROL, O_STRICT,
    O_ENSEMBLE, O_JOBS
};

/* What the command line asks for. */
typedef struct
{
    cli_list ths, probs, meths;
    lmc_check_options o;
    const char *junit;
    int strict, list, tapv, wrong_momentum;
    double cscale;
    lmc_ensemble_kind ensemble;
    long jobs;
} check_args;

/* Reads the value v of option ch into a; on a bad value says so and
 * returns -1. */
static int
parse_value(check_args *a, int ch, const char *v)
{
    unsigned long n;
    int k;
    const char *bad; /* what a bad value is told (%s: the value) */
    switch (ch)
    {
    case O_SEED:
        if (!cli_parse_ulong(v, &a->o.seed_base))
            return 0;
        bad = "--seed: '%s' is not a seed (accepted: integers >= 0)";
        break;
    case O_ENSEMBLE:
        if ((k = lmc_ensemble_parse(v)) < 0)
        {
            bad = "--ensemble: '%s' is not an ensemble (accepted: none, "
                  "rounding, full)";
            break;
        }
        a->ensemble = (lmc_ensemble_kind)k;
        return 0;
    case O_JOBS:
        if (cli_parse_ulong(v, &n) || n < 1 || n > 1024)
        {
            bad = "--jobs: '%s' is not a number of processes (accepted: "
                  "1..1024)";
            break;
        }
        a->jobs = (long)n;
        return 0;
    case O_SCALE:
        if (!cli_parse_double(v, &a->o.bound_scale) &&
            a->o.bound_scale > 0 && a->o.bound_scale <= 1)
            return 0;
        bad = "--bound-scale: '%s' is not in (0, 1]";
        break;
    case O_CSCALE:
        if (!cli_parse_double(v, &a->cscale) && a->cscale > 0)
            return 0;
        bad = "--constant-scale: '%s' is not a number > 0";
        break;
    case O_CONTROL:
        if (strcmp(v, "wrong-momentum") == 0)
            a->wrong_momentum = 1;
        else if (strcmp(v, "fp64-decisions") == 0)
            a->o.fp64_decisions = 1;
        else
        {
            bad = "--control: '%s' is not a negative control (accepted: "
                  "wrong-momentum, fp64-decisions)";
            break;
        }
        return 0;
    case O_TAPV:
        if (strcmp(v, "13") && strcmp(v, "14"))
        {
            bad = "--tap-version: '%s' is not 13 or 14";
            break;
        }
        a->tapv = atoi(v);
        return 0;
    default:
        return 0; /* not an option with a value: parse_args keeps to those */
    }
    cli_fail(cmd, bad, v);
    return -1;
}

/* Parses the command line into a.  Returns 0, 1 after printing the help,
 * or -1 after saying what is wrong. */
static int
parse_args(int argc, char **argv, check_args *a)
{
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
    int started = 0;
    for (int ch;
         (ch = cli_next_option(argc, argv, lo, &started)) != -1;)
    {
        switch (ch)
        {
        case 'h': fputs(help, stdout); return 1;
        case O_THEOREM:
            if (cli_list_add(&a->ths, optarg))
                return -1;
            break;
        case O_PROBLEM:
            if (cli_list_add(&a->probs, optarg))
                return -1;
            break;
        case O_METHOD:
            if (cli_list_add(&a->meths, optarg))
                return -1;
            break;
        case O_QUICK: a->o.full = 0; break;
        case O_FULL: a->o.full = 1; break;
        case O_LIST: a->list = 1; break;
        case O_JUNIT: a->junit = optarg; break;
        case O_STRICT: a->strict = 1; break;
        case O_SEED:
        case O_ENSEMBLE:
        case O_JOBS:
        case O_SCALE:
        case O_CSCALE:
        case O_CONTROL:
        case O_TAPV:
            if (parse_value(a, ch, optarg))
                return -1;
            break;
        default: return cli_option_refused(cmd, ch, argv);
        }
    }
    if (optind < argc)
    {
        cli_fail(cmd, "unexpected argument '%s' (see 'lmocheck check "
                 "--help')", argv[optind]);
        return -1;
    }
    return 0;
}

/* Every id in the --theorem, --problem and --method lists is known;
 * else says which is not and returns -1. */
static int
check_filters(const check_args *a)
{
    for (size_t i = 0; i < a->ths.n; i++)
        if (!lmc_theorem_find(a->ths.v[i]))
        {
            cli_fail(cmd, "--theorem: unknown id '%s' (see 'lmocheck check "
                     "--list')", a->ths.v[i]);
            return -1;
        }
    for (size_t i = 0; i < a->probs.n; i++)
        if (!lmc_problem_find(a->probs.v[i]))
        {
            cli_fail(cmd, "--problem: unknown problem '%s' (see 'lmocheck "
                     "list problems')", a->probs.v[i]);
            return -1;
        }
    for (size_t i = 0; i < a->meths.n; i++)
        if (!lmc_method_find(a->meths.v[i]))
        {
            cli_fail(cmd, "--method: unknown method '%s' (see 'lmocheck "
                     "list methods')", a->meths.v[i]);
            return -1;
        }
    return 0;
}

/* The points the filters select, in registry order, with the negative
 * controls applied: *pts (free it) and *total.  Returns 0, or -1 if
 * memory could not be had. */
static int
collect_points(const check_args *a, check_point **pts, size_t *total)
{
    lmc_check_config *cs = calloc(MAX_CONFIGS, sizeof *cs);
    size_t cap = 0;
    *pts = NULL;
    *total = 0;
    if (!cs)
        return -1;
    for (size_t i = 0; lmc_theorems[i]; i++)
    {
        const lmc_theorem *T = lmc_theorems[i];
        if (!in_list(&a->ths, T->id))
            continue;
        const size_t n = T->configs(&a->o, cs, MAX_CONFIGS);
        for (size_t j = 0; j < n && j < MAX_CONFIGS; j++)
        {
            if (!in_list(&a->probs, cs[j].problem) ||
                !in_list(&a->meths, cs[j].method))
                continue;
            if (*total == cap)
            {
                cap = cap ? 2 * cap : 128;
                check_point *np = realloc(*pts, cap * sizeof *np);
                if (!np)
                {
                    free(cs);
                    return -1;
                }
                *pts = np;
            }
            check_point *p = &(*pts)[(*total)++];
            p->T = T;
            p->c = cs[j];
            p->c.constant_scale = a->cscale;
            p->c.mp.control_wrong_momentum = a->wrong_momentum;
        }
    }
    free(cs);
    return 0;
}

/* Runs and prints the points (TAP plan first; JUnit header and footer
 * around them when jf is open).  Returns the exit code. */
static int
check_points(const check_args *a, check_point *pts, size_t total, FILE *jf)
{
    printf("TAP version %d\n1..%zu\n", a->tapv, total);
    if (jf)
        fprintf(jf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<testsuites name=\"lmocheck check\">\n"
                    "<testsuite name=\"lmocheck\" tests=\"%zu\">\n",
                total);
    check_run run = {.pts = pts, .npts = total, .o = &a->o, .jf = jf,
                     .strict = a->strict, .cscale = a->cscale,
                     .wrong_momentum = a->wrong_momentum,
                     .progress = isatty(STDERR_FILENO)};
    run.members = lmc_ensemble_members(a->ensemble, &run.nm);
    run.ensemble = a->ensemble;
    if (run_points(&run, a->jobs))
        return LMC_EXIT_FAIL;
    if (jf)
        fputs("</testsuite>\n</testsuites>\n", jf);
    printf("# %zu points: %zu failed (%zu fragile); %zu known findings "
           "(TODO), %zu of them reproduced; ensemble %s (%zu members)\n",
           run.point, run.failed, run.fragile, run.todo, run.reproduced,
           lmc_ensemble_name(a->ensemble), run.nm);
    return run.failed ? LMC_EXIT_FAIL : LMC_EXIT_OK;
}

int
cmd_check(int argc, char **argv)
{
    check_args a = {.o = {.full = 0, .bound_scale = 1.0, .seed_base = 1},
                    .tapv = 14, .cscale = 1,
                    .ensemble = LMC_ENSEMBLE_ROUNDING,
                    .jobs = sysconf(_SC_NPROCESSORS_ONLN)};
    int code = LMC_EXIT_USAGE;
    FILE *jf = NULL;
    check_point *pts = NULL;
    size_t total;

    const int parsed = parse_args(argc, argv, &a);
    if (parsed > 0)
        code = LMC_EXIT_OK;
    if (parsed != 0 || check_filters(&a))
        goto out;
    if (a.list)
    {
        code = print_list(&a.ths, &a.o);
        goto out;
    }
    if (a.jobs < 1)
        a.jobs = 1;
    /* BLAS runs on one thread: parallelism is over points and members
     * (--jobs), and one-thread kernels make the output independent of
     * the job count. */
    openblas_set_num_threads(1);
    if (a.junit && !(jf = fopen(a.junit, "w")))
    {
        cli_fail(cmd, "--junit: cannot write '%s'", a.junit);
        goto out;
    }
    if (collect_points(&a, &pts, &total))
    {
        code = LMC_EXIT_FAIL;
        goto out;
    }
    code = check_points(&a, pts, total, jf);
out:
    free(pts);
    /* ferror too: a write that failed before the final flush (disk full
     * halfway) leaves fclose nothing to fail on. */
    const int jbad = jf && ferror(jf);
    if (jf && (fclose(jf) != 0 || jbad))
    {
        cli_fail(cmd, "--junit: write to '%s' failed", a.junit);
        code = LMC_EXIT_FAIL;
    }
    cli_list_free(&a.ths);
    cli_list_free(&a.probs);
    cli_list_free(&a.meths);
    return code;
}
