/* sweep/sweep.c -- placeholder until the sweep engine lands. */
#include "sweep.h"
#include "status.h"

lmc_sweep_options
lmc_sweep_options_default(void)
{
    lmc_sweep_options o = {0, 0, 1, 0, 0};
    return o;
}
