/* theorems/t7.c -- T7: the delta = 0 adaptive radius with an inexact
 * oracle still descends while delta < sqrt(5) - 2.
 *
 * Statement (THEORY.md section 2, [S25], derived; sufficient only): under
 * the per-block (L0,L1) descent form
 *   f(Y) <= f(X) + <grad f(X), Y-X> + sum_i (L0_i + L1_i g_i)/2 ||Y_i-X_i||^2,
 * g_i = ||grad_i f(X)||_*, the step X_i <- X_i + t_i S~_i with the EXACT
 * oracle's radius t_i = g_i/(L0_i + L1_i g_i) and S~_i = LMO_i + E_i,
 * ||E_i|| <= delta_i, changes f by at most
 *   sum_i g_i^2/(L0_i + L1_i g_i) (-(1-delta_i) + (1+delta_i)^2/2),
 * which is < 0 while (1+delta)^2 < 2(1-delta), i.e. delta < sqrt(5) - 2
 * ~ 0.236: every step decreases f.
 *
 * Orientation: measured = f(X^{k+1}) - f*, bound = f(X^k) - f*, both
 * nonnegative, decided at every step from the MPFR gap enclosures
 * (lmc_thm_gap) at the stored iterates; the ratio is the per-step
 * contraction of the gap, the worst step the one of largest ratio.  The
 * negative control (bound_scale 0.5) asks for the gap to halve at every
 * step, which these runs do not do.
 *
 * Configurations: method "adaptive-exact", source inject-adversarial
 * (S~ = (1-delta) LMO: the direction of least decrease) with delta in
 * {0.1, 0.2}, on l0l1-sep and lsq, plus inject-random at delta = 0.2
 * (||S~|| up to 1 + delta: the curvature term (1+delta)^2 of the
 * derivation is met by growth, not by shrinkage); the budget K stops before the iterates
 * stagnate in double (equal iterates give equal gaps, which no interval
 * decision can order).  Hypotheses: the (L0,L1) descent form is checked
 * along the run by the assumption checker, the realized delta of every
 * step (enclosed with lmc_thm_norm_rel) must be < sqrt(5) - 2, and the
 * run must reach its budget.  c->settings.t7.report_only = 1 marks a
 * report-only point (delta = 0.3, beyond the sufficient condition): it counts the steps that
 * increased f and asserts nothing.
 */
#include "assume.h"
#include "common.h"
#include "status.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
    const lmc_problem *P;
    const double *x0, *x1;
} t7_data;

static int
t7_lhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const t7_data *d = vd;
    return lmc_thm_gap(d->P, d->x1, out, prec);
}

static int
t7_rhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const t7_data *d = vd;
    return lmc_thm_gap(d->P, d->x0, out, prec);
}

static int
t7_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    lmc_check_run run;
    LMC_TRY(lmc_check_run_exec(c, o->seed_base, &run));
    const lmc_trace *tr = run.tr;
    const size_t K = tr->n - 1;
    const int report_only = c->settings.t7.report_only == 1;
    int status = LMC_SUCCESS;
    r->seed = o->seed_base;
    const double rel = lmc_thm_norm_rel(&run.P->layout);
    const double dmax_ok = sqrt(5.0) - 2;
    const double maxdelta = lmc_thm_max_delta(tr->delta, K);
    if (K == 0 || tr->stop != LMC_STOP_BUDGET ||
        (!report_only && !(maxdelta * (1 + rel) < dmax_ok)))
    {
        lmc_thm_refuse(r, "run stopped (%s) or realized "
                 "delta %.4g not < sqrt(5)-2: T7 does not apply",
                 lmc_stop_name(tr->stop), maxdelta);
        goto done;
    }
    /* the declared L0, L1 along the run, at every tenth iterate */
    if (lmc_thm_hypotheses_fail(&run, LMC_HAS_L0L1, K, 10, r, &status))
        goto done;
    lmc_thm_worst w;
    lmc_thm_worst_init(&w, LMC_THM_WORST_FIRST_FAILING);
    size_t nbad = 0;
    for (size_t k = 0; k < K; k++)
    {
        t7_data d = {run.P, tr->xs + k * tr->total,
                     tr->xs + (k + 1) * tr->total};
        double lhs, rhs;
        const double scale = report_only ? 1 : o->bound_scale;
        const lmc_verdict v =
            lmc_thm_decide(t7_lhs, t7_rhs, &d, scale, &lhs, &rhs);
        nbad += v != LMC_HOLDS;
        /* The first step that does not hold outranks every step that
         * does; among those, the largest ratio is the worst. */
        lmc_thm_worst_update(&w, v, lhs / rhs, k, lhs, rhs);
    }
    lmc_thm_worst_finish(&w, r);
    if (report_only)
    {
        r->verdict = LMC_REPORTED;
        lmc_snprintf(r->detail, sizeof r->detail, "report only (delta %.4g "
                 "beyond sqrt(5)-2, no guarantee): %zu of %zu steps did not "
                 "decrease f - f* (first or worst at step %zu); final gap "
                 "%.4g", maxdelta, nbad, K, r->step, tr->gap[K]);
        goto done;
    }
    lmc_snprintf(r->detail, sizeof r->detail, "f(X^{k+1}) - f* <= f(X^k) - f* "
             "(MPFR gaps) at each of %zu steps with the delta = 0 radius, "
             "realized delta <= %.4g < sqrt(5)-2: worst step %zu (gap "
             "ratio shown); %zu steps not holding; final gap %.4g", K,
             maxdelta, r->step, nbad, tr->gap[K]);
done:
    lmc_check_run_free(&run);
    return status;
}

static void
config(lmc_check_config *c, const char *problem,
       const lmc_inexact_type *src, double delta, size_t K, int report_only)
{
    char label[96];
    lmc_snprintf(label, sizeof label, "%s %s delta=%g K=%zu%s", problem,
             src == &lmc_inexact_inject_random ? "random" : "adversarial",
             delta, K, report_only ? " (report only)" : "");
    lmc_thm_config_oracle(c, label, problem, "adaptive-exact", src, delta,
                          K);
    c->settings.t7.report_only = report_only;
}

static size_t
t7_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[10];
    size_t n = 0;
    const lmc_inexact_type *adv = &lmc_inexact_inject_adversarial,
                           *rnd = &lmc_inexact_inject_random;
    config(&all[n++], "l0l1-sep", adv, 0.1, 40, 0);
    config(&all[n++], "l0l1-sep", adv, 0.2, 40, 0);
    config(&all[n++], "lsq", adv, 0.1, 40, 0);
    config(&all[n++], "lsq", adv, 0.2, 40, 0);
    config(&all[n++], "l0l1-sep", rnd, 0.2, 40, 0);
    config(&all[n++], "lsq", rnd, 0.2, 40, 0);
    config(&all[n++], "l0l1-sep", adv, 0.3, 40, 1);
    if (o->full)
        config(&all[n++], "lsq", rnd, 0.3, 40, 1);
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_t7 = {
    .id = "T7",
    .title = "delta = 0 adaptive radius with an inexact oracle: descent",
    .statement = "with t_i = g_i/(L0_i + L1_i g_i) and realized delta < "
                 "sqrt(5)-2: f(X^{k+1}) <= f(X^k) at every step "
                 "(sufficient only)",
    .source = "[S25]",
    .provenance = "derived",
    .hypotheses = "per-block (L0,L1) descent form (declared, checked along "
                  "the run); exact gradients; realized delta < sqrt(5)-2; "
                  "f* closed-form (MPFR gaps)",
    .kind = LMC_HARD_STEP,
    .configs = t7_configs,
    .check = t7_check,
};
