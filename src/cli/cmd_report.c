/* cli/cmd_report.c -- lmocheck report: regenerate reports/<name>/ (run the
 * spec's sweep into its store, analyse it, write tables and figures) and
 * the index reports/README.md; --out writes them elsewhere, --check
 * compares the regenerated numbers with the committed ones within the
 * tolerances the reports state, --compare compares two directories.
 *
 * Exit status: 0 every named report written (and within tolerance); 1 a
 * sweep, the store or a write failed, or a number is out of tolerance; 2
 * bad usage or a bad spec (one line naming the key).
 */
#define _XOPEN_SOURCE 700
#include "cli.h"
#include "report.h"
#include "status.h"

#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const cmd = "report";

static const char help[] =
    "usage: lmocheck report [NAME ...] [--all] [OPTIONS]\n"
    "\n"
    "For each report DIR/NAME/ (a directory holding spec.cfg): runs the\n"
    "spec's sweep into the store DIR/NAME/NAME.sqlite (resumable: an\n"
    "up-to-date store runs nothing), runs the analysis named by the spec's\n"
    "report.analysis, and writes DIR/NAME/table.md, table.tex (booktabs,\n"
    "ready to \\input), data.csv (the numbers behind the tables and\n"
    "figures, long form), fig-X.gp + fig-X.dat per figure and, when gnuplot\n"
    "is on PATH, fig-X.svg, .pdf and .png.  Then rewrites DIR/README.md,\n"
    "one line per report.  Re-running on the same store gives\n"
    "byte-identical tables, CSV, .gp and .dat.\n"
    "\n"
    "On another machine (another BLAS kernel or rounding mode) the numbers\n"
    "move in their last bits, and trajectory outcomes (iterations to a\n"
    "tolerance, the best step on a grid) can move more: each quantity of\n"
    "data.csv states the tolerance within which it regenerates (column\n"
    "tol, listed with its reason in table.md), and --check / --compare\n"
    "hold the numbers to it.  Figures are not compared (they are drawn\n"
    "from the same numbers; their bytes depend on the fonts installed).\n"
    "\n"
    "  --all              every report directory in DIR\n"
    "  --reports-dir DIR  where the reports (specs) live    [reports]\n"
    "  --out OUT          write to OUT/NAME/ (with a copy of spec.cfg; the\n"
    "                     store too, unless --db) and the index to OUT,\n"
    "                     leaving DIR as it is\n"
    "  --check            after writing, compare each report's data.csv\n"
    "                     with DIR/NAME/data.csv within its tolerances; one\n"
    "                     line per quantity out of tolerance, exit 1 if any.\n"
    "                     Without --out, writes to a scratch directory in\n"
    "                     $TMPDIR (removed afterwards)\n"
    "  --compare A B      no regeneration: compare A/NAME/data.csv with\n"
    "                     B/NAME/data.csv for the NAMEs given (or every\n"
    "                     report directory of A with --all or no NAME)\n"
    "  --db FILE          the store (one NAME only)  [OUT/NAME/NAME.sqlite]\n"
    "  --no-run           do not run the sweep; report the store as it is\n"
    "  --workers N        sweep threads (0: all cores)      [0]\n"
    "  -h, --help         this text\n"
    "\n"
    "Examples: lmocheck report --all --out build/reports --check\n"
    "          lmocheck report kappa-iters --check\n"
    "          lmocheck report --compare reports build/reports\n"
    "\n"
    "The spec's report group (libconfig syntax) names the analysis:\n"
    "  report = { analysis = \"best-step\"; title = \"...\";\n"
    "             summary = \"...\";\n"
    "             x = \"delta\"; parameter = \"lr\"; };\n"
    "title and summary go into table.md and the index.  Every analysis\n"
    "states a tolerance per data.csv quantity; the spec may replace one:\n"
    "  tolerance = { iters = \"rel 0.1\"; best = \"factor 2\"; };\n"
    "(\"exact\", \"abs A\", \"rel R\", \"factor F\", joined by \" or \").\n"
    "Analyses and their keys ([default]):\n"
    "\n";

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)flag;
    (void)f;
    return remove(path);
}

/* Removes the scratch directory of --check (made by mkdtemp here). */
static void
remove_tree(const char *dir)
{
    if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "lmocheck report: could not remove %s\n", dir);
}

/* --compare A B [NAME ...]: exit 0 all within tolerance, 1 not, 2 usage
 * (a missing directory or data.csv is usage: nothing was compared). */
static int
compare_dirs(const char *a, int argc, char **argv, int all)
{
    if (optind == argc)
    {
        cli_fail(cmd, "--compare needs two directories: --compare A B "
                 "[NAME ...]");
        return LMC_EXIT_USAGE;
    }
    const char *b = argv[optind];
    const int first = optind + 1;
    if (all && first < argc)
    {
        cli_fail(cmd, "give report names or --all, not both");
        return LMC_EXIT_USAGE;
    }
    char **names = NULL;
    size_t n = 0;
    if (first == argc)
    {
        if (lmc_report_names(a, &names, &n))
        {
            cli_fail(cmd, "--compare: %s", lmc_last_error());
            return LMC_EXIT_USAGE;
        }
        if (n == 0)
        {
            cli_fail(cmd, "--compare: %s: no report directories (a report "
                     "is a directory holding spec.cfg)", a);
            lmc_report_names_free(names);
            return LMC_EXIT_USAGE;
        }
    }
    const size_t count = names ? n : (size_t)(argc - first);
    int rc = LMC_EXIT_OK;
    size_t outside = 0;
    for (size_t i = 0; i < count; i++)
    {
        const char *name = names ? names[i] : argv[first + (int)i];
        size_t bad = 0;
        if (lmc_report_compare(a, b, name, stdout, &bad))
        {
            cli_fail(cmd, "--compare: %s", lmc_last_error());
            rc = LMC_EXIT_USAGE;
            outside++;
            continue;
        }
        if (bad)
        {
            outside++;
            if (rc == LMC_EXIT_OK)
                rc = LMC_EXIT_FAIL;
        }
    }
    lmc_report_names_free(names);
    printf("report --compare: %zu of %zu reports within their stated "
           "tolerances\n", count - outside, count);
    return rc;
}

static int
exit_of(int status)
{
    return status == LMC_EINVAL || status == LMC_EPARSE ? LMC_EXIT_USAGE
                                                        : LMC_EXIT_FAIL;
}

/* The command line, read. */
typedef struct
{
    lmc_report_options o;
    int all, check;
    const char *cmp_a; /* --compare A, or NULL */
} report_args;

/* Reads the options into a (optind then indexes the first name); 1 after
 * printing the help, -1 after printing why it is refused. */
static int
parse_options(int argc, char **argv, report_args *a)
{
    enum
    {
        O_ALL = 256, O_DIR, O_DB, O_NORUN, O_WORKERS, O_OUT, O_CHECK,
        O_COMPARE
    };
    static const struct option lo[] = {
        {"all", no_argument, NULL, O_ALL},
        {"reports-dir", required_argument, NULL, O_DIR},
        {"db", required_argument, NULL, O_DB},
        {"no-run", no_argument, NULL, O_NORUN},
        {"workers", required_argument, NULL, O_WORKERS},
        {"out", required_argument, NULL, O_OUT},
        {"check", no_argument, NULL, O_CHECK},
        {"compare", required_argument, NULL, O_COMPARE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int started = 0;
    for (int opt;
         (opt = cli_next_option(argc, argv, lo, &started)) != -1;)
    {
        switch (opt)
        {
        case O_ALL: a->all = 1; break;
        case O_DIR: a->o.reports_dir = optarg; break;
        case O_DB: a->o.db_path = optarg; break;
        case O_NORUN: a->o.run = 0; break;
        case O_OUT: a->o.out_dir = optarg; break;
        case O_CHECK: a->check = 1; break;
        case O_COMPARE: a->cmp_a = optarg; break;
        case O_WORKERS:
            if (cli_parse_size(optarg, &a->o.workers))
            {
                cli_fail(cmd, "--workers '%s': not a count (accepted: an "
                         "integer >= 0, 0 = all cores)", optarg);
                return -1;
            }
            break;
        case 'h':
            fputs(help, stdout);
            lmc_report_help(stdout);
            return 1;
        case ':':
            cli_fail(cmd, "option '%s' needs a value", argv[optind - 1]);
            return -1;
        default:
            cli_fail(cmd, "unknown option '%s' (see lmocheck report --help)",
                     argv[optind - 1]);
            return -1;
        }
    }
    if (a->cmp_a && (a->check || a->o.out_dir || a->o.db_path))
    {
        cli_fail(cmd, "--compare compares two directories as they are; "
                 "give it without --check, --out or --db");
        return -1;
    }
    return 0;
}

/* The reports to make: with --all every report directory (*names, owned),
 * else the names after the options; *count of them.  -1 after printing
 * why none can be made. */
static int
select_reports(int argc, const report_args *a, char ***names,
               size_t *count)
{
    *names = NULL;
    size_t n = 0;
    if (a->all)
    {
        if (optind < argc)
        {
            cli_fail(cmd, "give report names or --all, not both");
            return -1;
        }
        if (lmc_report_names(a->o.reports_dir, names, &n))
        {
            cli_fail(cmd, "%s", lmc_last_error());
            return -1;
        }
        if (n == 0)
        {
            cli_fail(cmd, "%s: no report directories (a report is a "
                     "directory holding spec.cfg)", a->o.reports_dir);
            lmc_report_names_free(*names);
            return -1;
        }
    }
    else if (optind == argc)
    {
        cli_fail(cmd, "name a report or give --all (accepted: directories "
                 "of %s holding spec.cfg)", a->o.reports_dir);
        return -1;
    }
    *count = a->all ? n : (size_t)(argc - optind);
    if (a->o.db_path && *count != 1)
    {
        cli_fail(cmd, "--db names one store: give exactly one report name");
        lmc_report_names_free(*names);
        return -1;
    }
    return 0;
}

/* Makes one report and, with --check, compares it; updates the exit code
 * *rc and the counts of reports checked and outside their tolerances. */
static void
make_report(const char *name, const report_args *a, int *rc,
            size_t *checked, size_t *outside)
{
    lmc_report_result r;
    const int st = lmc_report_make(name, &a->o, &r);
    if (st)
    {
        cli_fail(cmd, "%s", lmc_last_error());
        const int e = exit_of(st);
        if (e > *rc)
            *rc = e;
        return;
    }
    fprintf(stderr, "report %s: %zu table%s, %zu figure%s%s\n", name,
            r.tables, r.tables == 1 ? "" : "s", r.figures,
            r.figures == 1 ? "" : "s",
            r.figures && r.rendered ? " (rendered)" : "");
    if (!a->check)
        return;
    size_t bad = 0;
    (*checked)++;
    const int failed = lmc_report_compare(a->o.reports_dir, a->o.out_dir,
                                          name, stdout, &bad);
    if (failed)
        cli_fail(cmd, "%s", lmc_last_error());
    if (failed || bad)
    {
        (*outside)++;
        *rc = *rc > LMC_EXIT_FAIL ? *rc : LMC_EXIT_FAIL;
    }
}

int
cmd_report(int argc, char **argv)
{
    report_args a = {.o = lmc_report_options_default()};
    a.o.log = stderr;
    const int parsed = parse_options(argc, argv, &a);
    if (parsed)
        return parsed > 0 ? LMC_EXIT_OK : LMC_EXIT_USAGE;
    if (a.cmp_a)
        return compare_dirs(a.cmp_a, argc, argv, a.all);
    char **names;
    size_t count;
    if (select_reports(argc, &a, &names, &count))
        return LMC_EXIT_USAGE;
    char scratch[4096] = "";
    if (a.check && !a.o.out_dir)
    {
        const char *tmp = getenv("TMPDIR");
        snprintf(scratch, sizeof scratch, "%s/lmocheck-report-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(scratch))
        {
            cli_fail(cmd, "--check: cannot make a scratch directory in %s "
                     "(set TMPDIR, or give --out)", tmp ? tmp : "/tmp");
            lmc_report_names_free(names);
            return LMC_EXIT_FAIL;
        }
        a.o.out_dir = scratch;
    }
    int rc = LMC_EXIT_OK;
    size_t checked = 0, outside = 0;
    for (size_t i = 0; i < count; i++)
        make_report(a.all ? names[i] : argv[optind + (int)i], &a, &rc,
                    &checked, &outside);
    lmc_report_names_free(names);
    if (lmc_report_index(a.o.out_dir ? a.o.out_dir : a.o.reports_dir))
    {
        cli_fail(cmd, "%s", lmc_last_error());
        rc = LMC_EXIT_FAIL;
    }
    if (a.check)
        printf("report --check: %zu of %zu reports within their stated "
               "tolerances of %s\n", checked - outside, count,
               a.o.reports_dir);
    if (scratch[0])
        remove_tree(scratch);
    return rc;
}
