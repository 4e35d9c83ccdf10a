/* cli/cmd_report.c -- lmocheck report: regenerate reports/<name>/ (run the
 * spec's sweep into its store, analyse it, write tables and figures) and
 * the index reports/README.md.
 *
 * Exit status: 0 every named report written; 1 a sweep, the store or a
 * write failed; 2 bad usage or a bad spec (one line naming the key).
 */
#include "cli.h"
#include "report.h"
#include "status.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

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
    "  --all              every report directory in DIR\n"
    "  --reports-dir DIR  where the reports live            [reports]\n"
    "  --db FILE          the store (one NAME only)  [DIR/NAME/NAME.sqlite]\n"
    "  --no-run           do not run the sweep; report the store as it is\n"
    "  --workers N        sweep threads (0: all cores)      [0]\n"
    "  -h, --help         this text\n"
    "\n"
    "The spec's report group (libconfig syntax) names the analysis:\n"
    "  report = { analysis = \"best-step\"; title = \"...\";\n"
    "             summary = \"...\";\n"
    "             x = \"delta\"; parameter = \"lr\"; };\n"
    "title and summary go into table.md and the index.  Analyses and their\n"
    "keys ([default]):\n"
    "\n";

static int
exit_of(int status)
{
    return status == LMC_EINVAL || status == LMC_EPARSE ? LMC_EXIT_USAGE
                                                        : LMC_EXIT_FAIL;
}

int
cmd_report(int argc, char **argv)
{
    enum
    {
        O_ALL = 256, O_DIR, O_DB, O_NORUN, O_WORKERS
    };
    static const struct option lo[] = {
        {"all", no_argument, NULL, O_ALL},
        {"reports-dir", required_argument, NULL, O_DIR},
        {"db", required_argument, NULL, O_DB},
        {"no-run", no_argument, NULL, O_NORUN},
        {"workers", required_argument, NULL, O_WORKERS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    lmc_report_options o = lmc_report_options_default();
    o.log = stderr;
    int all = 0, opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", lo, NULL)) != -1)
    {
        switch (opt)
        {
        case O_ALL: all = 1; break;
        case O_DIR: o.reports_dir = optarg; break;
        case O_DB: o.db_path = optarg; break;
        case O_NORUN: o.run = 0; break;
        case O_WORKERS:
            if (cli_parse_size(optarg, &o.workers))
            {
                cli_fail(cmd, "--workers '%s': not a count (accepted: an "
                         "integer >= 0, 0 = all cores)", optarg);
                return LMC_EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(help, stdout);
            lmc_report_help(stdout);
            return LMC_EXIT_OK;
        case ':':
            cli_fail(cmd, "option '%s' needs a value", argv[optind - 1]);
            return LMC_EXIT_USAGE;
        default:
            cli_fail(cmd, "unknown option '%s' (see lmocheck report --help)",
                     argv[optind - 1]);
            return LMC_EXIT_USAGE;
        }
    }
    char **names = NULL;
    size_t n = 0;
    if (all)
    {
        if (optind < argc)
        {
            cli_fail(cmd, "give report names or --all, not both");
            return LMC_EXIT_USAGE;
        }
        if (lmc_report_names(o.reports_dir, &names, &n))
        {
            cli_fail(cmd, "%s", lmc_last_error());
            return LMC_EXIT_USAGE;
        }
        if (n == 0)
        {
            cli_fail(cmd, "%s: no report directories (a report is a "
                     "directory holding spec.cfg)", o.reports_dir);
            lmc_report_names_free(names);
            return LMC_EXIT_USAGE;
        }
    }
    else if (optind == argc)
    {
        cli_fail(cmd, "name a report or give --all (accepted: directories "
                 "of %s holding spec.cfg)", o.reports_dir);
        return LMC_EXIT_USAGE;
    }
    const size_t count = all ? n : (size_t)(argc - optind);
    if (o.db_path && count != 1)
    {
        cli_fail(cmd, "--db names one store: give exactly one report name");
        lmc_report_names_free(names);
        return LMC_EXIT_USAGE;
    }
    int rc = LMC_EXIT_OK;
    for (size_t i = 0; i < count; i++)
    {
        const char *name = all ? names[i] : argv[optind + (int)i];
        lmc_report_result r;
        const int st = lmc_report_make(name, &o, &r);
        if (st)
        {
            cli_fail(cmd, "%s", lmc_last_error());
            const int e = exit_of(st);
            if (e > rc)
                rc = e;
            continue;
        }
        fprintf(stderr, "report %s: %zu table%s, %zu figure%s%s\n", name,
                r.tables, r.tables == 1 ? "" : "s", r.figures,
                r.figures == 1 ? "" : "s",
                r.figures && r.rendered ? " (rendered)" : "");
    }
    lmc_report_names_free(names);
    if (lmc_report_index(o.reports_dir))
    {
        cli_fail(cmd, "%s", lmc_last_error());
        return LMC_EXIT_FAIL;
    }
    return rc;
}
