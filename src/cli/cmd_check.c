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
#include "cli.h"
#include "status.h"
#include "theorem.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
cmd_check(int argc, char **argv)
{
    enum
    {
        O_THEOREM = 256, O_PROBLEM, O_METHOD, O_SEED, O_QUICK, O_FULL,
        O_LIST, O_JUNIT, O_SCALE, O_TAPV, O_CSCALE, O_CONTROL, O_STRICT
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
    FILE *jf = NULL;
    lmc_check_config *cs = NULL;

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
            if (strcmp(optarg, "wrong-momentum"))
            {
                cli_fail(cmd, "--control: '%s' is not a negative control "
                         "(accepted: wrong-momentum)", optarg);
                goto out;
            }
            wrong_momentum = 1;
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
    /* Count the points first: TAP's plan comes before them. */
    size_t total = 0;
    for (size_t i = 0; lmc_theorems[i]; i++)
    {
        const lmc_theorem *T = lmc_theorems[i];
        if (!in_list(&ths, T->id))
            continue;
        const size_t n = T->configs(&o, cs, MAX_CONFIGS);
        for (size_t j = 0; j < n && j < MAX_CONFIGS; j++)
            total += in_list(&probs, cs[j].problem) &&
                     in_list(&meths, cs[j].method);
    }
    printf("TAP version %d\n1..%zu\n", tapv, total);
    if (jf)
        fprintf(jf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<testsuites name=\"lmocheck check\">\n"
                    "<testsuite name=\"lmocheck\" tests=\"%zu\">\n",
                total);
    const int progress = isatty(STDERR_FILENO);
    size_t point = 0, failed = 0, todo = 0, reproduced = 0;
    for (size_t i = 0; lmc_theorems[i]; i++)
    {
        const lmc_theorem *T = lmc_theorems[i];
        if (!in_list(&ths, T->id))
            continue;
        const size_t n = T->configs(&o, cs, MAX_CONFIGS);
        for (size_t j = 0; j < n && j < MAX_CONFIGS; j++)
        {
            lmc_check_config *c = &cs[j];
            if (!in_list(&probs, c->problem) || !in_list(&meths, c->method))
                continue;
            c->constant_scale = cscale;
            c->mp.control_wrong_momentum = wrong_momentum;
            point++;
            if (progress)
                fprintf(stderr, "\r\033[K[%zu/%zu] %s %s", point, total,
                        T->id, c->label);
            lmc_check_result r;
            memset(&r, 0, sizeof r);
            r.measured = r.bound = r.ratio = NAN;
            r.slope = r.slope_lo = r.slope_hi = NAN;
            const int status = T->check(c, &o, &r);
            const int ok = status == LMC_SUCCESS &&
                           (r.verdict == LMC_HOLDS ||
                            r.verdict == LMC_REPORTED);
            const char *verdict = status == LMC_SUCCESS
                                      ? lmc_verdict_name(r.verdict)
                                      : "error";
            if (status != LMC_SUCCESS)
                snprintf(r.detail, sizeof r.detail, "%s", lmc_last_error());
            /* A known finding that fails as recorded is expected; one
             * that holds (or errors) is news. */
            const char *finding = strict ? NULL : c->finding;
            const int expected = finding && status == LMC_SUCCESS &&
                                 r.verdict == LMC_VIOLATED;
            if (finding && !expected && !ok)
                finding = NULL; /* errors and undecided fail plainly */
            todo += finding != NULL;
            reproduced += expected;
            failed += !expected && (!ok || finding);
            if (progress)
                fputs("\r\033[K", stderr);
            printf("%s %zu - %s %s on %s/%s: %s", ok ? "ok" : "not ok",
                   point, T->id, c->label, c->problem, c->method, verdict);
            if (finding)
                printf(" # TODO known finding %s (reports/findings.md)%s",
                       finding, ok ? ": it holds now, update the record"
                                   : "");
            printf("\n  ---\n");
            yaml_string(stdout, "id", T->id);
            yaml_string(stdout, "title", T->title);
            yaml_string(stdout, "kind", lmc_theorem_kind_name(T->kind));
            yaml_string(stdout, "source", T->source);
            yaml_string(stdout, "provenance", T->provenance);
            yaml_string(stdout, "problem", c->problem);
            yaml_string(stdout, "method", c->method);
            yaml_string(stdout, "verdict", verdict);
            yaml_num(stdout, "measured", r.measured);
            yaml_num(stdout, "bound", r.bound);
            yaml_num(stdout, "ratio", r.ratio);
            if (!isnan(r.slope))
            {
                yaml_num(stdout, "slope", r.slope);
                yaml_num(stdout, "slope_lo", r.slope_lo);
                yaml_num(stdout, "slope_hi", r.slope_hi);
            }
            printf("  seed: %lu\n", r.seed);
            if (o.bound_scale != 1)
                yaml_num(stdout, "bound_scale", o.bound_scale);
            if (cscale != 1)
                yaml_num(stdout, "constant_scale", cscale);
            if (wrong_momentum)
                yaml_string(stdout, "control", "wrong-momentum");
            if (c->finding)
                yaml_string(stdout, "finding", c->finding);
            yaml_string(stdout, "detail", r.detail);
            printf("  ...\n");
            if (jf)
            {
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
                    xml_text(jf, r.detail);
                    fputs("</failure>", jf);
                }
                fputs("</testcase>\n", jf);
            }
        }
    }
    if (jf)
        fputs("</testsuite>\n</testsuites>\n", jf);
    printf("# %zu points: %zu failed; %zu known findings (TODO), %zu of "
           "them reproduced\n", point, failed, todo, reproduced);
    code = failed ? LMC_EXIT_FAIL : LMC_EXIT_OK;
out:
    free(cs);
    if (jf && fclose(jf) != 0)
    {
        cli_fail(cmd, "--junit: write to '%s' failed", junit);
        code = LMC_EXIT_FAIL;
    }
    cli_list_free(&ths);
    cli_list_free(&probs);
    cli_list_free(&meths);
    return code;
}
