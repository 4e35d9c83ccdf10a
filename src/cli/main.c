/* cli/main.c -- the lmocheck command: dispatch to subcommands. */
#include "cli.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* A standard descriptor the caller closed (lmocheck run >&-) is opened
 * on /dev/null in the mode that makes every access fail: the next file
 * opened cannot take its number (a table would land in the trace or the
 * store), and a write to stdout fails and is reported at exit. */
static void
guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
        {
            const int g = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
            if (g >= 0 && g != fd)
                close(g); /* a lower number was free: leave it */
        }
}

/* Flushes and closes stdout; a write that failed anywhere (full disk,
 * closed descriptor) becomes one line on stderr and exit status 1 (2
 * stays 2).  Output the caller did not get is never a success. */
static int
close_stdout(int code)
{
    errno = 0;
    const int flush = fflush(stdout);
    const int err = errno;
    const int bad = ferror(stdout);
    const int closed = fclose(stdout);
    if (flush == 0 && !bad && closed == 0)
        return code;
    const int e = flush ? err : closed ? errno : 0;
    if (e)
        fprintf(stderr, "lmocheck: writing standard output: %s\n",
                strerror(e));
    else
        fputs("lmocheck: writing standard output failed\n", stderr);
    return code == LMC_EXIT_OK ? LMC_EXIT_FAIL : code;
}

/* The subcommands, in the order an unknown one's message names them. */
static const struct
{
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"check", cmd_check}, {"oracle", cmd_oracle}, {"run", cmd_run},
    {"sweep", cmd_sweep}, {"merge", cmd_merge},   {"report", cmd_report},
    {"list", cmd_list},
};
#define NCOMMAND (sizeof commands / sizeof commands[0])

static int
dispatch(int argc, char **argv)
{
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
    for (size_t i = 0; i < NCOMMAND; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    char names[128] = "";
    for (size_t i = 0; i < NCOMMAND; i++)
        cli_names_add(names, sizeof names, commands[i].name);
    cli_fail(NULL, "unknown command '%s' (accepted: %s; see 'lmocheck "
             "--help')", cmd, names);
    return LMC_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
    guard_std_fds();
    /* The command line prints its own one-line errors; GSL's (an
     * allocation that failed) come back as statuses, never as abort. */
    lmc_set_error_handler(lmc_error_handler_quiet);
    lmc_gsl_handler_install();
    return close_stdout(dispatch(argc, argv));
}
