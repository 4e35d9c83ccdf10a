/* cli/cmd_report.c -- lmocheck report (placeholder). */
#include "cli.h"

int
cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_fail("report", "not built yet");
    return LMC_EXIT_FAIL;
}
