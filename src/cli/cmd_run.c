/* cli/cmd_run.c -- lmocheck run: one method on one problem with one
 * oracle, a summary line per run and optionally the full trace as CSV. */
#include "cli.h"
#include "inexact.h"
#include "method.h"
#include "problem.h"
#include "runconfig.h"
#include "status.h"
#include "trace.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const cmd = "run";

/* The help text around the line generated from the registry. */
static const char help_head[] =
    "usage: lmocheck run --problem P --method M [OPTIONS]\n"
    "\n"
    "Runs one method on one problem and prints a summary: final f - f*,\n"
    "best dual gradient norm, stop reason, mean realized oracle delta,\n"
    "gradient evaluations and time.  'lmocheck list problems' and\n"
    "'lmocheck list methods' name what exists.\n"
    "\n"
    "problem:\n"
    "  --problem NAME      the problem (required)\n"
    "  --size MxN          matrix shape          [problem default]\n"
    "  --rank R            target rank (factorization)\n"
    "  --dim D --prompts N dimension and prompt length (in-context)\n"
    "  --kappa K           condition number >= 1\n"
    "  --sigma S           gradient noise level >= 0\n"
    "  --init NAME         initial point variant\n"
    "  --variant NAME      problem variant\n"
    "method:\n"
    "  --method NAME       the method (required)\n"
    "  --lr ETA            step size / radius eta_0 > 0      [0.01]\n"
    "  --step-rule RULE    constant, poly:P (eta_0 t^-P) or\n"
    "                      geometric:RHO (eta_0 RHO^(t-1))   [constant]\n"
    "  --momentum BETA     weight on the old buffer, [0, 1)  [0]\n"
    "  --momentum-schedule C,Q  1 - beta_t = min(1, C t^-Q)\n"
    "  --gamma G           MVR correction weight in [0, 1]   [0]\n"
    "  --beta2 B --eps E   Adam second moment and epsilon\n"
    "  --stochastic        use stochastic gradients\n"
    "oracle (methods that call the LMO):\n";

static const char help_tail[] =
    "  --schedule S --steps Q --precision P --delta D   as in 'oracle'\n"
    "run:\n"
    "  --iters K           step budget                        [100]\n"
    "  --seed N            seed of the problem data and samples [1]\n"
    "  --cap F             stop (diverged) when f > F         [none]\n"
    "  --tol T             stop (converged) when f - f* <= T  [none]\n"
    "  --no-delta          do not measure realized deltas (faster)\n"
    "  --max-memory SIZE   refuse a run whose workspace (an upper bound)\n"
    "                      exceeds SIZE, e.g. 512M, 2G  [the memory\n"
    "                      available: MemAvailable, or ulimit -v if lower]\n"
    "  --trace FILE.csv    write every iterate's record\n"
    "  --format FMT        md, csv or json summary            [md]\n"
    "  -h, --help          this text\n"
    "\n"
    "Example:\n"
    "  lmocheck run --problem lsq --method muon --lr 0.05 --momentum 0.9 \\\n"
    "      --oracle poly --schedule jordan --iters 200\n";

static void
print_help(void)
{
    char names[256];
    fputs(help_head, stdout);
    lmc_inexact_names(names, sizeof names, 0, 0, ", ");
    cli_help_option(stdout, "--oracle SRC", 22, names, 57, "exact");
    fputs(help_tail, stdout);
}

enum
{
    O_PROBLEM = 256, O_SIZE, O_RANK, O_DIM, O_PROMPTS, O_KAPPA, O_SIGMA,
    O_INIT, O_VARIANT, O_METHOD, O_LR, O_STEPRULE, O_MOMENTUM, O_MOMSCHED,
    O_GAMMA, O_BETA2, O_EPS, O_STOCH, O_ORACLE, O_SCHEDULE, O_STEPS,
    O_PRECISION, O_DELTA, O_ITERS, O_SEED, O_CAP, O_TOL, O_NODELTA,
    O_MAXMEM, O_TRACE, O_FORMAT
};

static const struct option longopts[] = {
    {"problem", required_argument, NULL, O_PROBLEM},
    {"size", required_argument, NULL, O_SIZE},
    {"rank", required_argument, NULL, O_RANK},
    {"dim", required_argument, NULL, O_DIM},
    {"prompts", required_argument, NULL, O_PROMPTS},
    {"kappa", required_argument, NULL, O_KAPPA},
    {"sigma", required_argument, NULL, O_SIGMA},
    {"init", required_argument, NULL, O_INIT},
    {"variant", required_argument, NULL, O_VARIANT},
    {"method", required_argument, NULL, O_METHOD},
    {"lr", required_argument, NULL, O_LR},
    {"step-rule", required_argument, NULL, O_STEPRULE},
    {"momentum", required_argument, NULL, O_MOMENTUM},
    {"momentum-schedule", required_argument, NULL, O_MOMSCHED},
    {"gamma", required_argument, NULL, O_GAMMA},
    {"beta2", required_argument, NULL, O_BETA2},
    {"eps", required_argument, NULL, O_EPS},
    {"stochastic", no_argument, NULL, O_STOCH},
    {"oracle", required_argument, NULL, O_ORACLE},
    {"schedule", required_argument, NULL, O_SCHEDULE},
    {"steps", required_argument, NULL, O_STEPS},
    {"precision", required_argument, NULL, O_PRECISION},
    {"delta", required_argument, NULL, O_DELTA},
    {"iters", required_argument, NULL, O_ITERS},
    {"seed", required_argument, NULL, O_SEED},
    {"cap", required_argument, NULL, O_CAP},
    {"tol", required_argument, NULL, O_TOL},
    {"no-delta", no_argument, NULL, O_NODELTA},
    {"max-memory", required_argument, NULL, O_MAXMEM},
    {"trace", required_argument, NULL, O_TRACE},
    {"format", required_argument, NULL, O_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* Reads the command line into rc (finished: schedule, steps and memory
 * checked), the trace path and the format; 1 after printing the help,
 * -1 after printing why it is refused. */
static int
parse_options(int argc, char **argv, lmc_run_config *rc,
              const char **trace_path, cli_format *fmt)
{
    int started = 0;
    for (int ch;
         (ch = cli_next_option(argc, argv, longopts, &started)) != -1;)
    {
        const char *a = optarg;
        switch (ch)
        {
        case 'h': print_help(); return 1;
        case O_TRACE: *trace_path = a; break;
        case O_FORMAT:
            if (cli_parse_format(a, fmt))
            {
                cli_fail(cmd, "--format: '%s' is not accepted (accepted: "
                         "md, csv, json)", a);
                return -1;
            }
            break;
        default:
            if (ch < O_PROBLEM || ch > O_MAXMEM)
                return cli_option_refused(cmd, ch, argv);
            /* Every other option is a key of the run configuration; the
             * flags are keys with value 1. */
            if (lmc_run_config_set(rc, longopts[ch - O_PROBLEM].name,
                                   a ? a : "1"))
            {
                cli_fail(cmd, "--%s", lmc_last_error());
                return -1;
            }
        }
    }
    if (optind < argc)
    {
        cli_fail(cmd, "unexpected argument '%s' (see 'lmocheck run --help')",
                 argv[optind]);
        return -1;
    }
    if (!rc->problem || !rc->method)
    {
        cli_fail(cmd, "--problem and --method are required (see 'lmocheck "
                 "list problems', 'lmocheck list methods')");
        return -1;
    }
    if (lmc_run_config_finish(rc))
    {
        cli_fail(cmd, "--%s", lmc_last_error());
        return -1;
    }
    return 0;
}

/* The one-row summary table of a finished run; -1 (reported) if it could
 * not be built. */
static int
print_summary(const lmc_run_config *rc, const lmc_run_summary *s,
              cli_format fmt)
{
    static const char *const head[] = {
        "problem", "method", "oracle", "iters", "f", "gap", "best_gdual",
        "mean_delta", "ngrad", "seconds", "stop", "why"};
    static const int numeric[] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    char c[12][320];
    const char *cells[12];
    const char *ef = fmt == CLI_MD ? "%.6e" : "%.17g";
    snprintf(c[0], 320, "%s", rc->problem->name);
    snprintf(c[1], 320, "%s", rc->method->name);
    snprintf(c[2], 320, "%s",
             rc->method->uses_oracle ? rc->mp.oracle->name : "-");
    snprintf(c[3], 320, "%zu", s->iters);
    snprintf(c[4], 320, ef, s->f_final);
    if (isnan(s->gap_final))
        c[5][0] = '\0';
    else
        snprintf(c[5], 320, ef, s->gap_final);
    snprintf(c[6], 320, ef, s->gdual_min);
    if (!isnan(s->delta_mean))
        snprintf(c[7], 320, ef, s->delta_mean);
    else
        c[7][0] = '\0';
    snprintf(c[8], 320, "%zu", s->ngrad);
    snprintf(c[9], 320, "%.3e", s->seconds);
    snprintf(c[10], 320, "%s", lmc_stop_name(s->stop));
    snprintf(c[11], 320, "%s", s->why);
    for (int j = 0; j < 12; j++)
        cells[j] = c[j];
    lmc_rtable t;
    const int st = lmc_rtable_init(&t, NULL, 12, head, numeric) ||
                   lmc_rtable_add(&t, cells) ||
                   cli_table_print(&t, fmt, stdout);
    lmc_rtable_free(&t);
    if (st)
        cli_fail(cmd, "%s", lmc_last_error());
    return st ? -1 : 0;
}

int
cmd_run(int argc, char **argv)
{
    lmc_run_config rc;
    const char *trace_path = NULL;
    cli_format fmt = CLI_MD;

    lmc_run_config_init(&rc);
    const int parsed = parse_options(argc, argv, &rc, &trace_path, &fmt);
    if (parsed)
        return parsed > 0 ? LMC_EXIT_OK : LMC_EXIT_USAGE;

    lmc_run_summary s;
    if (lmc_run_config_exec(&rc, trace_path, &s))
    {
        if (s.failed_at == 1)
            cli_fail(cmd, "--problem %s: %s", rc.problem->name,
                     lmc_last_error());
        else if (s.failed_at == 2)
            cli_fail(cmd, "--method %s does not fit --problem %s: %s",
                     rc.method->name, rc.problem->name, lmc_last_error());
        else if (s.failed_at == 4)
            cli_fail(cmd, "--trace: %s", lmc_last_error());
        else
            cli_fail(cmd, "%s", lmc_last_error());
        return s.failed_at <= 2 ? LMC_EXIT_USAGE : LMC_EXIT_FAIL;
    }
    if (print_summary(&rc, &s, fmt))
        return LMC_EXIT_FAIL;
    /* Divergence is a result, reported in the table; an error is not. */
    return s.stop == LMC_STOP_ERROR ? LMC_EXIT_FAIL : LMC_EXIT_OK;
}
