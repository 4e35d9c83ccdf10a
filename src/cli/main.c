/* cli/main.c -- the lmocheck command: dispatch to subcommands. */
#include "cli.h"
#include "status.h"

#include <stdio.h>
#include <string.h>

/* OpenBLAS's own prototypes (its cblas.h clashes with GSL's). */
char *openblas_get_config(void);
char *openblas_get_corename(void);

#ifndef LMC_VERSION
#define LMC_VERSION "unknown"
#endif

static void
usage(FILE *out)
{
    fputs("usage: lmocheck COMMAND [OPTIONS]\n"
          "\n"
          "Checks optimization theory for LMO-based optimizers (Muon and\n"
          "relatives) against numbers.\n"
          "\n"
          "commands:\n"
          "  oracle   measure the error delta of exact and inexact oracles\n"
          "           (Newton-Schulz schedules, injected error, reduced\n"
          "           precision) against the scalar-map prediction\n"
          "  check    check every theorem entry on real runs (TAP output;\n"
          "           exit 1 on a violated bound)\n"
          "  run      run one method on one problem and record its trace\n"
          "  sweep    run every cell of a sweep spec into a SQLite store\n"
          "           (parallel, resumable, shardable)\n"
          "  merge    combine shard stores into one\n"
          "  report   regenerate reports/<name>/: tables and figures\n"
          "  list     name every problem, method, oracle, error source,\n"
          "           schedule, precision and spectrum\n"
          "\n"
          "'lmocheck COMMAND --help' describes each command.\n"
          "Exit status: 0 success, 1 a computation or check failed,\n"
          "2 bad usage.\n",
          out);
}

int
main(int argc, char **argv)
{
    /* The command line prints its own one-line errors. */
    lmc_set_error_handler(lmc_error_handler_quiet);
    if (argc < 2)
    {
        usage(stderr);
        return LMC_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0)
    {
        usage(stdout);
        return LMC_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0)
    {
        /* The BLAS build and the kernel it picked for this CPU (or
         * OPENBLAS_CORETYPE): the last bits of fp64 runs depend on it. */
        printf("lmocheck %s\nblas: %s; core %s\n", LMC_VERSION,
               openblas_get_config(), openblas_get_corename());
        return LMC_EXIT_OK;
    }
    if (strcmp(cmd, "oracle") == 0)
        return cmd_oracle(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(argc - 1, argv + 1);
    if (strcmp(cmd, "sweep") == 0)
        return cmd_sweep(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0)
        return cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    cli_fail(NULL, "unknown command '%s' (accepted: check, oracle, run, "
             "sweep, merge, report, list; see 'lmocheck --help')", cmd);
    return LMC_EXIT_USAGE;
}
