/* core-alone.c -- the core library (src/, linked whole) needs nothing
 * from the libraries above it: this program links lmc_core with every
 * member pulled in and no other lmocheck library, so a core file that
 * calls into problems/, theorems/ or the harness fails the build. */
#include "status.h"
#include "verdict.h"

#include <stdio.h>

int
main(void)
{
    printf("1..1\nok 1 - lmc_core links alone (%s, %s)\n",
           lmc_strerror(LMC_SUCCESS), lmc_verdict_name(LMC_HOLDS));
    return 0;
}
