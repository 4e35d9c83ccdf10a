/* checkpoint.h -- running and classifying one check point: a theorem
 * entry on one of its configurations, in the members of an
 * fp-environment ensemble (ensemble.h), and what the outcome means.
 *
 * The classification is made here once, for `lmocheck check` and for the
 * check cells of a sweep.  A point holds (or, report-only, is reported)
 * or fails.  A point that carries a known finding (lmc_check_config
 * .finding, reports/findings.md) is expected to be violated: violated as
 * recorded, it is a TAP TODO that does not fail; holding, it is a TODO
 * that fails (the finding no longer reproduces and its record must be
 * updated); an error, undecided or fragile outcome fails plainly.
 */
#ifndef LMC_CHECKPOINT_H
#define LMC_CHECKPOINT_H

#include "ensemble.h"
#include "theorem.h"

typedef struct lmc_point_outcome
{
    lmc_ensemble_summary sum; /* the members' outcome (ensemble.h) */
    const char *verdict;      /* "holds", ..., "fragile", or "error" or
                                 "crashed" when the nominal member did
                                 not run to a verdict */
    int ok;                   /* ran, and holds or is reported */
    const char *todo;         /* the finding the point is a TODO for
                                 (violated as recorded, or holding now),
                                 else NULL */
    int reproduced;           /* violated as the finding records */
    int failed;               /* counts as a failure of the run */
} lmc_point_outcome;

/* Classifies a point from its n members' outputs (out[0] nominal).
 * finding is the point's known finding, or NULL to count the point as
 * an ordinary one (`check --strict`). */
void lmc_point_classify(const lmc_ensemble_member *m,
                        const lmc_ensemble_out *out, size_t n,
                        const char *finding, lmc_point_outcome *po);

/* Runs check T on configuration c as each of the n members m (in this
 * process, one after the other; out has room for n) and classifies the
 * point with c's own finding.  Never fails itself: errors are outcomes
 * (status in po->sum, message in out[k].error). */
void lmc_point_check(const lmc_theorem *T, const lmc_check_config *c,
                     const lmc_check_options *o,
                     const lmc_ensemble_member *m, size_t n,
                     lmc_ensemble_out *out, lmc_point_outcome *po);

#endif /* LMC_CHECKPOINT_H */
