/* checkpoint.c -- running and classifying one check point
 * (checkpoint.h). */
#include "checkpoint.h"
#include "status.h"

void
lmc_point_classify(const lmc_ensemble_member *m,
                   const lmc_ensemble_out *out, size_t n,
                   const char *finding, lmc_point_outcome *po)
{
    lmc_ensemble_summarize(m, out, n, &po->sum);
    const int status = po->sum.status;
    const lmc_verdict v = po->sum.r.verdict;
    po->ok = status == LMC_SUCCESS && (v == LMC_HOLDS || v == LMC_REPORTED);
    po->verdict = status == LMC_SUCCESS ? lmc_verdict_name(v)
                  : status == LMC_ENSEMBLE_CRASHED ? "crashed"
                                                   : "error";
    /* A known finding that fails as recorded (in every member) is
     * expected; one that holds (or errors, or is fragile) is news. */
    po->reproduced = finding && status == LMC_SUCCESS && v == LMC_VIOLATED;
    if (finding && !po->reproduced && !po->ok)
        finding = NULL; /* errors, undecided and fragile fail plainly */
    po->todo = finding;
    po->failed = !po->reproduced && (!po->ok || finding);
}

void
lmc_point_check(const lmc_theorem *T, const lmc_check_config *c,
                const lmc_check_options *o, const lmc_ensemble_member *m,
                size_t n, lmc_ensemble_out *out, lmc_point_outcome *po)
{
    for (size_t k = 0; k < n; k++)
        lmc_ensemble_run(T, c, o, &m[k], &out[k]);
    lmc_point_classify(m, out, n, c->finding, po);
}
