/* verdict.c -- verdict names (verdict.h). */
#include "verdict.h"

const char *
lmc_verdict_name(lmc_verdict v)
{
    switch (v)
    {
    case LMC_HOLDS: return "holds";
    case LMC_VIOLATED: return "violated";
    case LMC_UNDECIDED: return "undecided";
    case LMC_HYPOTHESIS_VIOLATED: return "hypothesis violated";
    case LMC_REPORTED: return "reported";
    case LMC_FRAGILE: return "fragile";
    }
    return "?";
}
