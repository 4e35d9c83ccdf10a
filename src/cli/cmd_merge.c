/* cli/cmd_merge.c -- lmocheck merge (placeholder). */
#include "cli.h"

int
cmd_merge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_fail("merge", "not built yet");
    return LMC_EXIT_FAIL;
}
