/* theorems/c1.c -- C1: the empirically best step size is non-increasing
 * in delta and in fewer Newton-Schulz steps (soft; [S25] paper claim).
 *
 * Claim (THEORY.md section 2, [S25], paper): lower oracle precision --
 * in the paper's setting fewer steps of a polynomial orthogonalizer --
 * calls for a smaller (or equal) radius.  T3 predicts the shift of the
 * worst-case bound's optimum: t*(delta) / t*(0) = 1 / (1 + delta).
 *
 * Experiment: lsq with kappa = 1 and 10 (exact gradients; the problem's data
 * drawn with seeds 1..S), method lmo with alpha = 1 (no momentum), a
 * constant radius t on a log grid t_j = 10^(j/16), j = J0..J1
 * (resolution 10^(1/16) = 1.155), K = 200 steps.  The error source is
 * the real orthogonalizer: oracle poly (fp64) with schedule polar-express
 * at q = 5, 4, 3 steps, and cubic Newton-Schulz at q = 8, 5, 3 steps;
 * fewer steps leave the small singular values of the gradient further
 * from 1, a larger realized delta.  For each q the best grid radius
 * minimizes the seed average of the final f(X^K) - f* (double gap; the
 * gaps compared are ~1e-5, far above its ~1e-16 resolution).  The
 * realized delta per q is the mean over steps and seeds of the trace's
 * delta (||S~ - LMO(M)||_2 against the exact polar factor) at that q's
 * best radius.  Decision, for consecutive q (q_i > q_{i+1}):
 *   t_best(q_{i+1}) <= s * 10^(1/16) * t_best(q_i),   s = 1,
 * i.e. the best radius may not rise by more than one grid step (one
 * step is the resolution: a true shift smaller than a step can show as a
 * one-step move either way).  The measured shift t_best(q)/t_best(q_0)
 * is printed beside T3's 1/(1+delta(q)) / (1/(1+delta(q_0))).  A best
 * radius at the grid's edge makes the point undecided (a failure).
 *
 * Negative control: --bound-scale s replaces the 1 above: s = 0.5 reads
 * as "the best radius drops by a factor >= 1/(0.5 * 1.155) = 1.73 with
 * each step removed" (stronger than T3's (1+delta_i)/(1+delta_{i+1})),
 * which flat or rising best radii violate.
 *
 * FINDING 1 (2026-11-24, the previous form of this entry, F2): with
 * injected errors the claim fails.  inject-adversarial is S~ = (1 -
 * delta) LMO(M) (src/inexact/inject.c): the method is exact LMO with
 * radius t (1 - delta), so its best t scales like 1/(1 - delta), up, not
 * down: measured (lsq kappa default, 3 problem seeds, K = 200, grid
 * 10^(j/8)) t_best = 10^(-19/8), 10^(-18/8), 10^(-16/8) = 0.0042, 0.0056,
 * 0.0100 for delta 0, 0.3, 0.6: shifts 1.33 and 2.37 against 1/(1-delta)
 * = 1.43, 2.5 and T3's 1/(1+delta) = 0.77, 0.63.  inject-random: best t
 * 10^(-19/8) for every delta (no shift at that resolution).
 *
 * FINDING 2 (2026-11-24, this form): with the real orthogonalizer the
 * claim fails too (quick set violated), and the direction depends on the
 * problem.  Measured (best t on 10^(j/16), seed-averaged gaps, realized
 * mean delta at each best t):
 *   lsq kappa=10 polar-express, 3 seeds: q 5/4/3: delta 0.654/0.870/
 *     0.987, t_best 10^(-38/16), 10^(-38/16), 10^(-36/16) = 0.0042,
 *     0.0042, 0.0056: shift 1.00, 1.33 vs T3 0.885, 0.832.  VIOLATED
 *     (q 4 -> 3 rises two grid steps).  5 seeds (--full): the same.
 *   lsq kappa=10 cubic, 3 seeds: q 8/5/3: delta 0.996/0.998/0.999 (the
 *     cubic map barely moves small singular values, so delta is ~1 for
 *     every q), t_best 0.0042, 0.0056, 0.0056: VIOLATED (8 -> 5 rises two
 *     steps).  5 seeds: 0.0042, 0.0049, 0.0056, one step each, holds
 *     only at the tolerance; the total rise is still 1.33.
 *   lsq kappa=1 polar-express (--full only), 5 seeds: delta 0.206/0.822/
 *     0.893, t_best 0.0037, 0.0027, 0.0027: shift 0.750, 0.750 vs T3
 *     0.662, 0.637: the claim's direction, close to T3.
 * Reading: the polynomial leaves small singular values below 1 (p^(q)(s)
 * < 1 for small s), so, like the adversarial injection, fewer steps
 * shorten the step in those directions and the best radius can
 * compensate upward (kappa = 10, where the gradients have more small
 * singular values); where delta comes from a few directions on a well
 * conditioned problem (kappa = 1) the best radius falls as T3 says.
 * delta (a max over singular values) is close to 1 for q <= 4 while the
 * large directions are nearly exact, so T3's worst-case 1/(1+delta) is a
 * poor predictor of the measured shift.  The kappa = 10 configurations
 * carry finding F2 (reports/findings.md): `check` reports them as TAP
 * TODO (expected to fail; the run fails if one ever holds), and the
 * kappa = 1 configuration, where the claim holds, is an ordinary point.
 * The cubic configuration stays at 3 seeds in both sets: with 5 it sits
 * exactly at the one-step tolerance (above), not a stable finding.
 * Negative control (s = 0.5, one-step tolerance 0.577): every
 * configuration fails (largest ratios 1.33, 1.33 / 1.15, 1.00).
 * Time: quick set ~3.4 s, full ~4.2 s (two and three configurations).
 */
#include "common.h"
#include "status.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NQ 3
#define MAX_GRID 40
#define GRID_PER_DECADE 16.0

/* q lists, indexed by param[2]. */
static const size_t c1_q[][NQ] = {{5, 4, 3}, {8, 5, 3}};

static double
c1_t(int j)
{
    return pow(10, j / GRID_PER_DECADE);
}

/* param[0], param[1] = J0, J1 of the grid; param[2] = q list; nseeds
 * problem seeds; the schedule is in c->mp.oracle_params. */
static int
c1_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    const int j0 = (int)c->param[0], j1 = (int)c->param[1];
    const size_t *qs = c1_q[(int)c->param[2]];
    const size_t S = c->nseeds ? c->nseeds : 3;
    if (j1 - j0 < 2 || j1 - j0 >= MAX_GRID)
        LMC_ERROR(LMC_EINVAL, "C1 '%s': want 3..%d grid points", c->label,
                  MAX_GRID);
    int jbest[NQ];
    double gbest[NQ], dmean[NQ];
    for (size_t i = 0; i < NQ; i++)
    {
        gbest[i] = INFINITY;
        jbest[i] = j0;
        for (int j = j0; j <= j1; j++)
        {
            double avg = 0;
            for (size_t s = 0; s < S; s++)
            {
                lmc_check_config ci = *c;
                ci.mp.lr = c1_t(j);
                ci.mp.oracle_params.steps = qs[i];
                ci.pp.seed = s + 1;
                lmc_check_run run;
                LMC_TRY(lmc_check_run_exec(&ci, o->seed_base, &run));
                const double g = run.tr->gap[run.tr->n - 1];
                const lmc_stop stop = run.tr->stop;
                lmc_check_run_free(&run);
                avg += stop == LMC_STOP_BUDGET ? g / (double)S : INFINITY;
            }
            if (avg < gbest[i])
            {
                gbest[i] = avg;
                jbest[i] = j;
            }
        }
        /* realized delta at the best radius: mean over steps and seeds */
        double dsum = 0;
        size_t dn = 0;
        for (size_t s = 0; s < S; s++)
        {
            lmc_check_config ci = *c;
            ci.mp.lr = c1_t(jbest[i]);
            ci.mp.oracle_params.steps = qs[i];
            ci.pp.seed = s + 1;
            ci.rp.measure_delta = 1;
            lmc_check_run run;
            LMC_TRY(lmc_check_run_exec(&ci, o->seed_base, &run));
            for (size_t k = 0; k + 1 < run.tr->n; k++)
                if (isfinite(run.tr->delta[k]))
                {
                    dsum += run.tr->delta[k];
                    dn++;
                }
            lmc_check_run_free(&run);
        }
        dmean[i] = dn ? dsum / (double)dn : NAN;
    }
    lmc_verdict v = LMC_HOLDS;
    double worst = 0;
    for (size_t i = 0; i < NQ; i++)
        if (jbest[i] == j0 || jbest[i] == j1)
            v = LMC_UNDECIDED;
    const double step = pow(10, 1 / GRID_PER_DECADE);
    for (size_t i = 0; i + 1 < NQ; i++)
    {
        const double q = c1_t(jbest[i + 1]) / c1_t(jbest[i]);
        worst = fmax(worst, q);
        if (!(q <= o->bound_scale * step * (1 + 1e-12)) &&
            v != LMC_UNDECIDED)
            v = LMC_VIOLATED;
    }
    lmc_thm_result(r, v, worst, o->bound_scale * step);
    r->seed = o->seed_base;
    snprintf(r->detail, sizeof r->detail,
             "best t on 10^(j/16), j=%d..%d, K=%zu, %zu problem seeds: "
             "q=%zu: delta %.3f, 10^(%d/16)=%.4g (gap %.3g); "
             "q=%zu: delta %.3f, 10^(%d/16)=%.4g (gap %.3g, shift %.3f vs "
             "T3 %.3f); q=%zu: delta %.3f, 10^(%d/16)=%.4g (gap %.3g, "
             "shift %.3f vs T3 %.3f); largest consecutive ratio %.4g, "
             "claimed <= %g x %.4g (one grid step)", j0, j1, c->rp.iters, S,
             qs[0], dmean[0], jbest[0], c1_t(jbest[0]), gbest[0],
             qs[1], dmean[1], jbest[1], c1_t(jbest[1]), gbest[1],
             c1_t(jbest[1]) / c1_t(jbest[0]), (1 + dmean[0]) / (1 + dmean[1]),
             qs[2], dmean[2], jbest[2], c1_t(jbest[2]), gbest[2],
             c1_t(jbest[2]) / c1_t(jbest[0]), (1 + dmean[0]) / (1 + dmean[2]),
             worst, o->bound_scale, step);
    return LMC_SUCCESS;
}

static void
config(lmc_check_config *c, const char *label, const char *schedule,
       int qlist, double kappa, size_t K, int j0, int j1, size_t S,
       const char *finding)
{
    memset(c, 0, sizeof *c);
    snprintf(c->label, sizeof c->label, "%s", label);
    c->problem = "lsq";
    c->pp = lmc_problem_params_default();
    c->pp.kappa = kappa;
    c->method = "lmo";
    c->mp = lmc_method_params_default();
    c->mp.momentum = 0; /* alpha = 1 */
    c->mp.step_rule = LMC_STEP_CONSTANT;
    c->mp.oracle = &lmc_inexact_poly;
    if (lmc_schedule_get(schedule, &c->mp.oracle_params.schedule) !=
        LMC_SUCCESS)
        c->mp.oracle_params.schedule.len = 0; /* refused at allocation */
    c->mp.oracle_params.steps = c1_q[qlist][0];
    c->rp = lmc_run_params_default();
    c->rp.iters = K;
    c->rp.measure_delta = 0;
    c->nseeds = S;
    c->no_iterates = 1;
    c->param[0] = j0;
    c->param[1] = j1;
    c->param[2] = qlist;
    c->finding = finding;
}

static size_t
c1_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[4];
    size_t n = 0;
    config(&all[n++], "lsq kappa=1 lmo alpha=1 poly polar-express q=5,4,3 "
           "K=200", "polar-express", 0, 1, 200, -44, -30, 5, NULL);
    config(&all[n++], "lsq kappa=10 lmo alpha=1 poly polar-express q=5,4,3 "
           "K=200", "polar-express", 0, 10, 200, -44, -30, o->full ? 5 : 3,
           "F2");
    config(&all[n++], "lsq kappa=10 lmo alpha=1 poly cubic q=8,5,3 K=200",
           "cubic", 1, 10, 200, -44, -30, 3, "F2");
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = all[i];
    return n;
}

const lmc_theorem lmc_theorem_c1 = {
    .id = "C1",
    .title = "best radius non-increasing in fewer Newton-Schulz steps "
             "(paper claim)",
    .statement = "argmin over a log grid of t of the final f - f* (seed "
                 "average) does not rise by more than one grid step as the "
                 "orthogonalizer's steps q decrease; shift compared with "
                 "T3's 1/(1+delta)",
    .source = "[S25]",
    .provenance = "paper",
    .hypotheses = "lsq kappa=1 and 10, exact gradients, lmo with alpha = 1 and a "
                  "constant radius, poly oracle (polar-express, cubic) in "
                  "fp64 with q steps",
    .kind = LMC_SOFT_SHIFT,
    .configs = c1_configs,
    .check = c1_check,
};
