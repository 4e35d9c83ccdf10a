/* t-checkpoint.c -- the classification of a check point (harness,
 * checkpoint.h) on made-up member outputs: no check runs.  The rule of
 * `lmocheck check` and of the sweep's check cells: a point holds or
 * fails; one with a known finding is a TODO that passes when violated as
 * recorded and fails when it holds; errors, crashes, undecided and
 * fragile points fail plainly, finding or not; without the finding
 * (--strict) a violated point fails.
 */
#include "checkpoint.h"
#include "status.h"
#include "tap.h"

#include <math.h>
#include <string.h>

/* n members with verdicts v[] (status LMC_SUCCESS unless st[k] != 0). */
static void
classify(const lmc_verdict *v, const int *st, size_t n, const char *finding,
         lmc_point_outcome *po)
{
    size_t nm;
    const lmc_ensemble_member *m = lmc_ensemble_members(LMC_ENSEMBLE_FULL,
                                                        &nm);
    lmc_ensemble_out out[6];
    memset(out, 0, sizeof out);
    for (size_t k = 0; k < n && k < nm; k++)
    {
        out[k].status = st ? st[k] : LMC_SUCCESS;
        out[k].r.verdict = v[k];
        out[k].r.measured = out[k].r.bound = NAN;
    }
    lmc_point_classify(m, out, n, finding, po);
}

/* One case: the outcome's verdict word and its ok/todo/reproduced/failed
 * flags. */
static void
expect(const char *what, const lmc_point_outcome *po, const char *verdict,
       int ok, int todo, int reproduced, int failed)
{
    tap_ok(strcmp(po->verdict, verdict) == 0 && po->ok == ok &&
               (po->todo != NULL) == todo && po->reproduced == reproduced &&
               po->failed == failed,
           "%s: %s ok=%d todo=%d reproduced=%d failed=%d", what, po->verdict,
           po->ok, po->todo != NULL, po->reproduced, po->failed);
}

int
main(void)
{
    tap_begin(0); /* deterministic: no random input */
    lmc_point_outcome po;
    const lmc_verdict holds[2] = {LMC_HOLDS, LMC_HOLDS};
    const lmc_verdict viol[2] = {LMC_VIOLATED, LMC_VIOLATED};
    const lmc_verdict mixed[2] = {LMC_VIOLATED, LMC_HOLDS};
    const lmc_verdict rep[1] = {LMC_REPORTED};
    const lmc_verdict und[1] = {LMC_UNDECIDED};
    const int err[1] = {LMC_EINVAL};
    const int crash[1] = {LMC_ENSEMBLE_CRASHED};

    classify(holds, NULL, 2, NULL, &po);
    expect("holds", &po, "holds", 1, 0, 0, 0);
    classify(rep, NULL, 1, NULL, &po);
    expect("reported", &po, "reported", 1, 0, 0, 0);
    classify(viol, NULL, 2, NULL, &po);
    expect("violated", &po, "violated", 0, 0, 0, 1);
    classify(und, NULL, 1, NULL, &po);
    expect("undecided", &po, "undecided", 0, 0, 0, 1);
    classify(viol, NULL, 2, "F1", &po);
    expect("finding violated as recorded", &po, "violated", 0, 1, 1, 0);
    tap_ok(po.todo && strcmp(po.todo, "F1") == 0, "the TODO names F1");
    classify(holds, NULL, 2, "F1", &po);
    expect("finding holds now", &po, "holds", 1, 1, 0, 1);
    classify(mixed, NULL, 2, "F1", &po);
    expect("finding, members disagree", &po, "fragile", 0, 0, 0, 1);
    tap_ok(po.sum.fragile, "the disagreeing point is fragile");
    classify(und, NULL, 1, "F1", &po);
    expect("finding undecided", &po, "undecided", 0, 0, 0, 1);
    classify(viol, err, 1, "F1", &po);
    expect("finding, error", &po, "error", 0, 0, 0, 1);
    classify(viol, crash, 1, NULL, &po);
    expect("crashed", &po, "crashed", 0, 0, 0, 1);
    return tap_end();
}
