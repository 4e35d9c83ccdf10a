/* cli/cmd_sweep.c -- lmocheck sweep (placeholder). */
#include "cli.h"

int
cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_fail("sweep", "not built yet");
    return LMC_EXIT_FAIL;
}
