/* cli/cmd_merge.c -- lmocheck merge: combine sweep stores (shards) into
 * one; conflicting cells are refused. */
#include "cli.h"
#include "status.h"
#include "sweep.h"

#include <string.h>

static const char help[] =
    "usage: lmocheck merge OUT IN...\n"
    "\n"
    "Copies every cell of the sweep stores IN... into OUT (created if\n"
    "absent).  A cell present in two stores with different outcomes\n"
    "(same configuration and code version) is refused, naming its key;\n"
    "identical copies are kept once.  Typical use, three shards:\n"
    "\n"
    "  lmocheck sweep spec.cfg --shard 1/3 --db s1.sqlite   # machine 1\n"
    "  lmocheck sweep spec.cfg --shard 2/3 --db s2.sqlite   # machine 2\n"
    "  lmocheck sweep spec.cfg --shard 3/3 --db s3.sqlite   # machine 3\n"
    "  lmocheck merge all.sqlite s1.sqlite s2.sqlite s3.sqlite\n"
    "  lmocheck sweep spec.cfg --db all.sqlite   # the refinement, if any\n"
    "\n"
    "Exit status: 0 merged, 1 a conflict or a store failure, 2 bad usage.\n";

int
cmd_merge(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
    {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
        {
            fputs(help, stdout);
            return LMC_EXIT_OK;
        }
        if (argv[i][0] == '-')
        {
            cli_fail("merge", "unknown option '%s' (see 'lmocheck merge "
                     "--help')", argv[i]);
            return LMC_EXIT_USAGE;
        }
    }
    if (argc < 3)
    {
        cli_fail("merge", "OUT and at least one IN are required (see "
                 "'lmocheck merge --help')");
        return LMC_EXIT_USAGE;
    }
    if (lmc_sweep_merge(argv[1], (const char *const *)(argv + 2),
                        (size_t)(argc - 2)))
    {
        cli_fail("merge", "%s", lmc_last_error());
        return LMC_EXIT_FAIL;
    }
    return LMC_EXIT_OK;
}
