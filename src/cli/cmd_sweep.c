/* cli/cmd_sweep.c -- lmocheck sweep: run every cell of a spec file into a
 * SQLite store (resumable, sharded, interruptible). */
#include "cli.h"
#include "status.h"
#include "sweep.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const cmd = "sweep";

static const char help[] =
    "usage: lmocheck sweep SPEC [--db FILE] [--workers N] [--shard I/N]\n"
    "                      [--dry-run] [--list] [--code-version STR]\n"
    "\n"
    "Runs every cell (point of the axes' product) of the spec file SPEC\n"
    "that the store does not hold yet, and stores each cell's outcomes in\n"
    "SQLite.  Stopped sweeps (Ctrl-C, kill) resume where they stopped.\n"
    "Several sweeps may run on one store at once (other machines: shards,\n"
    "or one shared store): each cell is leased before it runs, so none\n"
    "runs twice, and a killed sweep's cells are free again.\n"
    "\n"
    "  --db FILE       the store       [SPEC's directory/NAME.sqlite]\n"
    "  --workers N     threads, 1..1024          [number of cores]\n"
    "  --shard I/N     run the cells with index % N == I-1 (1 <= I <= N);\n"
    "                  combine shard stores with 'lmocheck merge'\n"
    "  --dry-run       count cells: total, stored, to run (reads the store\n"
    "                  read-only; writes nothing)\n"
    "  --list          print every cell's key and canonical configuration\n"
    "  --code-version STR  the code version in cell keys, to reuse a store\n"
    "                  made by other code on purpose  [LMC_CODE_VERSION, or\n"
    "                  VERSION+hash of the sources, changing with the code]\n"
    "  -h, --help      this text\n"
    "\n"
    "Spec (libconfig syntax):\n"
    "  name = \"step-shift\";          # [a-z0-9-]+\n"
    "  kind = \"run\";                 # run | oracle | check\n"
    "  base = { problem = \"lsq\"; method = \"lmo\"; iters = 200; };\n"
    "  axes = (                      # product, first axis outermost\n"
    "    { key = \"delta\"; values = [0.0, 0.2, 0.4]; },\n"
    "    { key = \"lr\"; log = [1e-4, 1e-1]; points = 13; },\n"
    "    { key = \"steps\"; linear = [1.0, 9.0]; points = 5; },\n"
    "    { key = \"seed\"; values = [1, 2, 3]; },\n"
    "    { key = \"setup\"; variants = (   # several keys moving together\n"
    "        { name = \"muon\"; method = \"muon\"; momentum = 0.9; },\n"
    "        { name = \"gd\"; method = \"gd\"; lr = 0.5; } ); }\n"
    "  );\n"
    "  refine = { key = \"lr\"; by = [\"delta\"]; outcome = \"gap_final\";\n"
    "             points = 4; };   # optional: log points around the best\n"
    "  report = { ... };             # read by 'lmocheck report'\n"
    "Keys: kind run takes 'lmocheck run' option names (flags as 0/1);\n"
    "kind oracle: oracle, norm, schedule, steps, precision, delta, shape,\n"
    "spectrum, kappa, seed; kind check: set (quick|full) and theorems\n"
    "(a list) in base, seed in base or axes.  Integers above 2^31 need L\n"
    "(iters = 5000000000L).  A cell's key hashes its configuration, the\n"
    "bytes of its file: schedule or spectrum, and the code version.\n"
    "\n"
    "Exit status: 0 done, 1 a store or run failure, 2 bad usage or spec,\n"
    "130 interrupted (resume by running the same command again).\n";

static void
on_signal(int sig)
{
    (void)sig;
    lmc_sweep_request_stop();
}

static void
print_cell(void *arg, const char *key, const char *config)
{
    (void)arg;
    printf("%s %s\n", key, config);
}

/* --shard I/N into o (shard I-1 of N); nonzero if refused. */
static int
parse_shard(const char *a, lmc_sweep_options *o)
{
    const char *sl = strchr(a, '/');
    char is[32];
    size_t i = 0, n = 0;
    if (!sl || (size_t)(sl - a) >= sizeof is)
        return 1;
    memcpy(is, a, (size_t)(sl - a));
    is[sl - a] = '\0';
    if (cli_parse_size(is, &i) || cli_parse_size(sl + 1, &n) || n < 1 ||
        n > 1000000 || i < 1 || i > n)
        return 1;
    o->shard = i - 1;
    o->nshards = n;
    return 0;
}

/* The command line, read. */
typedef struct
{
    lmc_sweep_options o;
    const char *db, *version, *path;
    int list;
} sweep_args;

/* Reads the command line into a; 1 after printing the help, -1 after
 * printing why it is refused. */
static int
parse_options(int argc, char **argv, sweep_args *a)
{
    static const struct option lo[] = {
        {"db", required_argument, NULL, 'd'},
        {"workers", required_argument, NULL, 'w'},
        {"shard", required_argument, NULL, 's'},
        {"dry-run", no_argument, NULL, 'n'},
        {"list", no_argument, NULL, 'l'},
        {"code-version", required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int started = 0;
    for (int ch;
         (ch = cli_next_option(argc, argv, lo, &started)) != -1;)
    {
        switch (ch)
        {
        case 'h': fputs(help, stdout); return 1;
        case 'd': a->db = optarg; break;
        case 'w':
            if (cli_parse_size(optarg, &a->o.workers) || a->o.workers < 1 ||
                a->o.workers > 1024)
            {
                cli_fail(cmd, "--workers: '%s' is not accepted (accepted: "
                         "integers 1..1024)", optarg);
                return -1;
            }
            break;
        case 's':
            if (parse_shard(optarg, &a->o))
            {
                cli_fail(cmd, "--shard: '%s' is not accepted (accepted: I/N "
                         "with 1 <= I <= N, e.g. 2/3)", optarg);
                return -1;
            }
            break;
        case 'n': a->o.dry_run = 1; break;
        case 'l': a->list = 1; break;
        case 'v': a->version = optarg; break;
        default: return cli_option_refused(cmd, ch, argv);
        }
    }
    if (optind + 1 != argc)
    {
        cli_fail(cmd, optind < argc ? "one spec file expected, got '%s' too "
                                      "(see 'lmocheck sweep --help')"
                                    : "a spec file is required%s (see "
                                      "'lmocheck sweep --help')",
                 optind < argc ? argv[optind + 1] : "");
        return -1;
    }
    a->path = argv[optind];
    return 0;
}

/* SPEC's directory/NAME.sqlite, allocated; NULL if out of memory. */
static char *
default_db_path(const char *path, const lmc_sweep_spec *s)
{
    const char *sl = strrchr(path, '/');
    const size_t dl = sl ? (size_t)(sl - path) : 1;
    const size_t len = dl + strlen(lmc_sweep_spec_name(s)) + 16;
    char *dbpath = malloc(len);
    if (dbpath)
        snprintf(dbpath, len, "%.*s/%s.sqlite", (int)dl, sl ? path : ".",
                 lmc_sweep_spec_name(s));
    return dbpath;
}

/* SIGINT and SIGTERM ask the sweep to stop after the cells in flight. */
static void
catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* A second Ctrl-C kills at once (only cells in flight are lost). */
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Runs (or counts) the cells into store db and prints the outcome;
 * returns the exit code. */
static int
run_sweep(const lmc_sweep_spec *s, const char *db, lmc_sweep_options *o)
{
    catch_stop_signals();
    o->progress = isatty(STDERR_FILENO) && !o->dry_run;
    lmc_sweep_stats st;
    if (lmc_sweep_run(s, db, o, &st))
    {
        cli_fail(cmd, "%s", lmc_last_error());
        return LMC_EXIT_FAIL;
    }
    if (o->dry_run)
    {
        printf("sweep %s: %zu cells, %zu stored, %zu to run (store %s)\n",
               lmc_sweep_spec_name(s), st.cells, st.done,
               st.cells - st.done, db);
        return LMC_EXIT_OK;
    }
    char others[64] = "";
    if (st.others)
        snprintf(others, sizeof others, ", %zu by another sweep", st.others);
    fprintf(stderr, "sweep %s: %zu cells, %zu stored before, %zu run "
            "(%zu errors)%s in %.1f s%s -> %s\n",
            lmc_sweep_spec_name(s), st.cells, st.done, st.ran, st.errors,
            others, st.seconds, st.interrupted ? ", interrupted" : "", db);
    return st.interrupted ? 130 : LMC_EXIT_OK;
}

int
cmd_sweep(int argc, char **argv)
{
    sweep_args a = {.o = lmc_sweep_options_default()};
    const int parsed = parse_options(argc, argv, &a);
    if (parsed)
        return parsed > 0 ? LMC_EXIT_OK : LMC_EXIT_USAGE;
    const char *version = a.version ? a.version : getenv("LMC_CODE_VERSION");
    if (version && lmc_sweep_set_code_version(version))
    {
        cli_fail(cmd, "%s%s", getenv("LMC_CODE_VERSION") == version
                                  ? "LMC_CODE_VERSION: " : "--code-version: ",
                 lmc_last_error());
        return LMC_EXIT_USAGE;
    }
    lmc_sweep_spec *s = lmc_sweep_spec_read(a.path);
    if (!s)
    {
        fprintf(stderr, "lmocheck sweep: %s\n", lmc_last_error());
        return LMC_EXIT_USAGE;
    }
    if (a.list)
    {
        const int st = lmc_sweep_list(s, a.o.shard, a.o.nshards, print_cell,
                                      NULL);
        lmc_sweep_spec_free(s);
        if (st)
            cli_fail(cmd, "%s", lmc_last_error());
        return st ? LMC_EXIT_FAIL : LMC_EXIT_OK;
    }
    char *dbpath = a.db ? NULL : default_db_path(a.path, s);
    if (!a.db && !dbpath)
    {
        lmc_sweep_spec_free(s);
        cli_fail(cmd, "out of memory");
        return LMC_EXIT_FAIL;
    }
    const int code = run_sweep(s, a.db ? a.db : dbpath, &a.o);
    free(dbpath);
    lmc_sweep_spec_free(s);
    return code;
}
