/* cli/cmd_run.c -- lmocheck run: one method on one problem with one
 * oracle, a summary line per run and optionally the full trace as CSV. */
#include "cli.h"
#include "inexact.h"
#include "method.h"
#include "problem.h"
#include "status.h"
#include "trace.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const cmd = "run";

static const char help[] =
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
    "oracle (methods that call the LMO):\n"
    "  --oracle SRC        exact, poly, inject-random, inject-adversarial,\n"
    "                      lowprec                            [exact]\n"
    "  --schedule S --steps Q --precision P --delta D   as in 'oracle'\n"
    "run:\n"
    "  --iters K           step budget                        [100]\n"
    "  --seed N            seed of the problem data and samples [1]\n"
    "  --cap F             stop (diverged) when f > F         [none]\n"
    "  --tol T             stop (converged) when f - f* <= T  [none]\n"
    "  --no-delta          do not measure realized deltas (faster)\n"
    "  --trace FILE.csv    write every iterate's record\n"
    "  --format FMT        md, csv or json summary            [md]\n"
    "  -h, --help          this text\n"
    "\n"
    "Example:\n"
    "  lmocheck run --problem lsq --method muon --lr 0.05 --momentum 0.9 \\\n"
    "      --oracle poly --schedule jordan --iters 200\n";

enum
{
    O_PROBLEM = 256, O_SIZE, O_RANK, O_DIM, O_PROMPTS, O_KAPPA, O_SIGMA,
    O_INIT, O_VARIANT, O_METHOD, O_LR, O_STEPRULE, O_MOMENTUM, O_MOMSCHED,
    O_GAMMA, O_BETA2, O_EPS, O_STOCH, O_ORACLE, O_SCHEDULE, O_STEPS,
    O_PRECISION, O_DELTA, O_ITERS, O_SEED, O_CAP, O_TOL, O_NODELTA,
    O_TRACE, O_FORMAT
};

static int
bad(const char *opt, const char *val, const char *accepted)
{
    cli_fail(cmd, "--%s: '%s' is not accepted (accepted: %s)", opt, val,
             accepted);
    return -1;
}

static int
num(const char *opt, const char *val, double lo, double hi, double *x,
    const char *accepted)
{
    if (cli_parse_double(val, x) || !(*x >= lo && *x <= hi))
        return bad(opt, val, accepted);
    return 0;
}

int
cmd_run(int argc, char **argv)
{
    static const struct option lo[] = {
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
        {"trace", required_argument, NULL, O_TRACE},
        {"format", required_argument, NULL, O_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    lmc_problem_params pp = lmc_problem_params_default();
    lmc_method_params mp = lmc_method_params_default();
    lmc_run_params rp = lmc_run_params_default();
    const lmc_problem_type *PT = NULL;
    const lmc_method_type *MT = NULL;
    const char *trace_path = NULL, *sched_name = NULL;
    size_t steps = 0;
    int steps_set = 0;
    cli_format fmt = CLI_MD;
    double v;
    unsigned long ul;

    opterr = 0;
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1;)
    {
        const char *a = optarg;
        switch (ch)
        {
        case 'h': fputs(help, stdout); return LMC_EXIT_OK;
        case O_PROBLEM:
            if (!(PT = lmc_problem_find(a)))
                return bad("problem", a, "see 'lmocheck list problems'"),
                       LMC_EXIT_USAGE;
            break;
        case O_METHOD:
            if (!(MT = lmc_method_find(a)))
                return bad("method", a, "see 'lmocheck list methods'"),
                       LMC_EXIT_USAGE;
            break;
        case O_SIZE:
        {
            const char *x = strchr(a, 'x');
            char rows[32];
            if (!x || (size_t)(x - a) >= sizeof rows)
                return bad("size", a, "MxN with positive integers"),
                       LMC_EXIT_USAGE;
            memcpy(rows, a, (size_t)(x - a));
            rows[x - a] = '\0';
            if (cli_parse_size(rows, &pp.m) || cli_parse_size(x + 1, &pp.n) ||
                pp.m == 0 || pp.n == 0 || pp.m > 16384 || pp.n > 16384)
                return bad("size", a, "MxN with sides 1..16384"),
                       LMC_EXIT_USAGE;
            break;
        }
        case O_RANK:
        case O_DIM:
        case O_PROMPTS:
        case O_ITERS:
            if (cli_parse_ulong(a, &ul) || ul == 0 || ul > 100000000ul)
                return bad(lo[ch - O_PROBLEM].name, a,
                           "integers 1..100000000"),
                       LMC_EXIT_USAGE;
            if (ch == O_RANK)
                pp.r = ul;
            else if (ch == O_DIM)
                pp.d = ul;
            else if (ch == O_PROMPTS)
                pp.N = ul;
            else
                rp.iters = ul;
            break;
        case O_KAPPA:
            if (num("kappa", a, 1, INFINITY, &pp.kappa, "numbers >= 1"))
                return LMC_EXIT_USAGE;
            break;
        case O_SIGMA:
            if (num("sigma", a, 0, INFINITY, &pp.sigma, "numbers >= 0"))
                return LMC_EXIT_USAGE;
            break;
        case O_INIT: pp.init = a; break;
        case O_VARIANT: pp.variant = a; break;
        case O_LR:
            if (num("lr", a, 0, INFINITY, &mp.lr, "finite numbers > 0") ||
                (mp.lr == 0 && bad("lr", a, "finite numbers > 0")))
                return LMC_EXIT_USAGE;
            break;
        case O_STEPRULE:
            if (strcmp(a, "constant") == 0)
                mp.step_rule = LMC_STEP_CONSTANT;
            else if (strncmp(a, "poly:", 5) == 0 &&
                     !cli_parse_double(a + 5, &mp.step_p) &&
                     mp.step_p >= 0 && mp.step_p <= 4)
                mp.step_rule = LMC_STEP_POLY;
            else if (strncmp(a, "geometric:", 10) == 0 &&
                     !cli_parse_double(a + 10, &mp.step_rho) &&
                     mp.step_rho > 0 && mp.step_rho <= 1)
                mp.step_rule = LMC_STEP_GEOMETRIC;
            else
                return bad("step-rule", a, "constant, poly:P with P in "
                           "[0, 4], geometric:RHO with RHO in (0, 1]"),
                       LMC_EXIT_USAGE;
            break;
        case O_MOMENTUM:
            if (cli_parse_double(a, &mp.momentum) ||
                !(mp.momentum >= 0 && mp.momentum < 1))
                return bad("momentum", a, "numbers in [0, 1)"),
                       LMC_EXIT_USAGE;
            break;
        case O_MOMSCHED:
        {
            const char *c = strchr(a, ',');
            char cs[64];
            if (!c || (size_t)(c - a) >= sizeof cs)
                return bad("momentum-schedule", a, "C,Q with C > 0 and Q in "
                           "[0, 4]"),
                       LMC_EXIT_USAGE;
            memcpy(cs, a, (size_t)(c - a));
            cs[c - a] = '\0';
            if (cli_parse_double(cs, &mp.momentum_c) ||
                cli_parse_double(c + 1, &mp.momentum_q) ||
                !(mp.momentum_c > 0) ||
                !(mp.momentum_q >= 0 && mp.momentum_q <= 4))
                return bad("momentum-schedule", a, "C,Q with C > 0 and Q in "
                           "[0, 4]"),
                       LMC_EXIT_USAGE;
            mp.momentum_poly = 1;
            break;
        }
        case O_GAMMA:
            if (num("gamma", a, 0, 1, &mp.gamma, "numbers in [0, 1]"))
                return LMC_EXIT_USAGE;
            break;
        case O_BETA2:
            if (num("beta2", a, 0, 1, &mp.beta2, "numbers in [0, 1)") ||
                (mp.beta2 == 1 && bad("beta2", a, "numbers in [0, 1)")))
                return LMC_EXIT_USAGE;
            break;
        case O_EPS:
            if (num("eps", a, 0, INFINITY, &mp.eps, "numbers > 0") ||
                (mp.eps == 0 && bad("eps", a, "numbers > 0")))
                return LMC_EXIT_USAGE;
            break;
        case O_STOCH: mp.stochastic = 1; break;
        case O_ORACLE:
            if (!(mp.oracle = lmc_inexact_find(a)))
                return bad("oracle", a, "exact, poly, inject-random, "
                           "inject-adversarial, lowprec"),
                       LMC_EXIT_USAGE;
            break;
        case O_SCHEDULE: sched_name = a; break;
        case O_STEPS:
            if (cli_parse_size(a, &steps) || steps > 100000)
                return bad("steps", a, "integers 0..100000"), LMC_EXIT_USAGE;
            steps_set = 1;
            break;
        case O_PRECISION:
            if (lmc_precision_parse(a, &mp.oracle_params.precision))
                return bad("precision", a, "fp64, fp32, bf16"),
                       LMC_EXIT_USAGE;
            break;
        case O_DELTA:
            if (cli_parse_double(a, &v) || !(v >= 0 && v < 1))
                return bad("delta", a, "numbers in [0, 1); at delta >= 1 "
                           "no bound holds"),
                       LMC_EXIT_USAGE;
            mp.oracle_params.delta = v;
            break;
        case O_SEED:
            if (cli_parse_ulong(a, &ul))
                return bad("seed", a, "integers >= 0"), LMC_EXIT_USAGE;
            pp.seed = mp.seed = mp.oracle_params.seed = ul;
            break;
        case O_CAP:
            if (cli_parse_double(a, &rp.f_cap))
                return bad("cap", a, "finite numbers"), LMC_EXIT_USAGE;
            break;
        case O_TOL:
            if (num("tol", a, 0, INFINITY, &rp.tol, "numbers >= 0"))
                return LMC_EXIT_USAGE;
            break;
        case O_NODELTA: rp.measure_delta = 0; break;
        case O_TRACE: trace_path = a; break;
        case O_FORMAT:
            if (cli_parse_format(a, &fmt))
                return bad("format", a, "md, csv, json"), LMC_EXIT_USAGE;
            break;
        case ':':
            cli_fail(cmd, "%s needs a value (see 'lmocheck run --help')",
                     argv[optind - 1]);
            return LMC_EXIT_USAGE;
        default:
            cli_fail(cmd, "unknown option '%s' (see 'lmocheck run --help')",
                     argv[optind - 1]);
            return LMC_EXIT_USAGE;
        }
    }
    if (optind < argc)
    {
        cli_fail(cmd, "unexpected argument '%s' (see 'lmocheck run --help')",
                 argv[optind]);
        return LMC_EXIT_USAGE;
    }
    if (!PT || !MT)
    {
        cli_fail(cmd, "--problem and --method are required (see 'lmocheck "
                 "list problems', 'lmocheck list methods')");
        return LMC_EXIT_USAGE;
    }
    if (sched_name &&
        lmc_schedule_get(sched_name, &mp.oracle_params.schedule))
    {
        cli_fail(cmd, "--schedule: %s", lmc_last_error());
        return LMC_EXIT_USAGE;
    }
    mp.oracle_params.steps =
        steps_set ? steps : mp.oracle_params.schedule.steps;
    if (lmc_schedule_check_steps(&mp.oracle_params.schedule,
                                 mp.oracle_params.steps))
    {
        cli_fail(cmd, "--steps: %s", lmc_last_error());
        return LMC_EXIT_USAGE;
    }

    int code = LMC_EXIT_USAGE;
    lmc_problem *P = lmc_problem_alloc(PT, &pp);
    lmc_method *M = NULL;
    lmc_trace *tr = NULL;
    gsl_vector *x = NULL;
    if (!P)
    {
        cli_fail(cmd, "--problem %s: %s", PT->name, lmc_last_error());
        goto out;
    }
    M = lmc_method_alloc(MT, P, &mp);
    if (!M)
    {
        cli_fail(cmd, "--method %s does not fit --problem %s: %s", MT->name,
                 PT->name, lmc_last_error());
        goto out;
    }
    tr = lmc_trace_alloc(rp.iters, P->layout.nblocks);
    x = gsl_vector_alloc(P->layout.total);
    code = LMC_EXIT_FAIL;
    if (!tr || !x || lmc_problem_x0(P, x))
    {
        cli_fail(cmd, "%s", lmc_last_error());
        goto out;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (lmc_run(M, x, &rp, tr))
    {
        cli_fail(cmd, "%s", lmc_last_error());
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double secs = (double)(t1.tv_sec - t0.tv_sec) +
                        1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (trace_path && lmc_trace_write_csv(tr, trace_path))
    {
        cli_fail(cmd, "--trace: %s", lmc_last_error());
        goto out;
    }
    const size_t last = tr->n - 1;
    double best = INFINITY, dsum = 0;
    size_t dn = 0;
    for (size_t k = 0; k < tr->n; k++)
    {
        if (tr->gdual[k] < best)
            best = tr->gdual[k];
        if (k < last && !isnan(tr->delta[k]))
        {
            dsum += tr->delta[k];
            dn++;
        }
    }
    static const char *const head[] = {
        "problem", "method", "oracle", "iters", "f", "gap", "best_gdual",
        "mean_delta", "ngrad", "seconds", "stop", "why"};
    static const int numeric[] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    char c[12][320];
    char *cells[12];
    const char *ef = fmt == CLI_MD ? "%.6e" : "%.17g";
    snprintf(c[0], 320, "%s", PT->name);
    snprintf(c[1], 320, "%s", MT->name);
    snprintf(c[2], 320, "%s", MT->uses_oracle ? mp.oracle->name : "-");
    snprintf(c[3], 320, "%zu", last);
    snprintf(c[4], 320, ef, tr->f[last]);
    if (isnan(tr->gap[last]))
        c[5][0] = '\0';
    else
        snprintf(c[5], 320, ef, tr->gap[last]);
    snprintf(c[6], 320, ef, best);
    if (dn)
        snprintf(c[7], 320, ef, dsum / (double)dn);
    else
        c[7][0] = '\0';
    snprintf(c[8], 320, "%zu", tr->ngrad);
    snprintf(c[9], 320, "%.3e", secs);
    snprintf(c[10], 320, "%s", lmc_stop_name(tr->stop));
    snprintf(c[11], 320, "%s", tr->why);
    for (int j = 0; j < 12; j++)
        cells[j] = c[j];
    cli_table t;
    cli_table_init(&t, 12, head, numeric);
    if (cli_table_add(&t, cells) == 0)
        cli_table_print(&t, fmt, stdout);
    cli_table_free(&t);
    /* Divergence is a result, reported in the table; an error is not. */
    code = tr->stop == LMC_STOP_ERROR ? LMC_EXIT_FAIL : LMC_EXIT_OK;
out:
    gsl_vector_free(x);
    lmc_trace_free(tr);
    lmc_method_free(M);
    lmc_problem_free(P);
    return code;
}
