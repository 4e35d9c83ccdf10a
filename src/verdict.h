/* verdict.h -- the three-valued verdict of a check (FLINT truth_t):
 * holds, violated, undecided (undecided fails), plus the outcomes a check
 * point can have beside them.  It sits at the bottom of the include
 * graph: the MPFR decisions (mp/decide.h) return it, and the theorem
 * entries (theorems/theorem.h) report it.
 */
#ifndef LMC_VERDICT_H
#define LMC_VERDICT_H

typedef enum
{
    LMC_HOLDS = 0,
    LMC_VIOLATED = 1,
    LMC_UNDECIDED = 2,
    LMC_HYPOTHESIS_VIOLATED = 3,
    LMC_REPORTED = 4, /* report-only entries: nothing asserted */
    LMC_FRAGILE = 5   /* the members of a point's fp-environment ensemble
                         disagree (ensemble.h): fails like undecided */
} lmc_verdict;

const char *lmc_verdict_name(lmc_verdict v);

#endif /* LMC_VERDICT_H */
