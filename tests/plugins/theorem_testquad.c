/* plugins/theorem_testquad.c -- a test-only theorem entry "X1": gradient
 * descent with step eta (test-gd with --lr 2 eta) on test-quad contracts
 * f - f* by (1 - eta)^2 per step, since grad f = X - 1 makes
 * X_{t+1} - 1 = (1 - eta)(X_t - 1):
 *
 *   f(X_T) - f* <= (1 - eta)^(2T) (f(X_0) - f*).
 *
 * It is an equality in exact arithmetic; the bound carries a relative
 * allowance of 1e-9 for rounding (far above the ~T eps of 10 steps), so
 * --bound-scale 0.5 must report it violated (the negative control). */
#include "theorem.h"
#include "status.h"

#include <math.h>
#include <stdio.h>

#define X1_ETA 0.25 /* test-gd's step: half its lr */
#define X1_ITERS 10
#define X1_ALLOWANCE 1e-9

static size_t
x1_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    (void)o;
    if (cap < 1)
        return 1;
    lmc_check_config *c = &out[0];
    *c = (lmc_check_config){0};
    snprintf(c->label, sizeof c->label, "test-quad/test-gd eta=%g",
             X1_ETA);
    c->problem = "test-quad";
    c->pp = lmc_problem_params_default();
    c->method = "test-gd";
    c->mp = lmc_method_params_default();
    c->mp.lr = 2.0 * X1_ETA;
    c->rp = lmc_run_params_default();
    c->rp.iters = X1_ITERS;
    c->nseeds = 1;
    return 1;
}

static int
x1_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    lmc_check_run run;
    LMC_TRY(lmc_check_run_exec(c, o->seed_base, &run));
    double f0 = NAN, fT = NAN;
    int status = lmc_problem_fdf(run.P, run.x0, &f0, NULL);
    if (status == LMC_SUCCESS)
        status = lmc_problem_fdf(run.P, run.x, &fT, NULL);
    const size_t T = run.M->t;
    lmc_check_run_free(&run);
    LMC_TRY(status);
    const double scale = o->bound_scale > 0 ? o->bound_scale : 1.0;
    r->measured = fT;
    r->bound = scale * pow(1.0 - X1_ETA, 2.0 * (double)T) * f0 *
               (1.0 + X1_ALLOWANCE);
    r->ratio = r->bound > 0 ? r->measured / r->bound : NAN;
    r->verdict = r->measured <= r->bound ? LMC_HOLDS : LMC_VIOLATED;
    snprintf(r->detail, sizeof r->detail, "f(X_%zu) = %.6g vs (1-eta)^2T "
             "f(X_0) = %.6g", T, fT, r->bound);
    return LMC_SUCCESS;
}

const lmc_theorem lmc_theorem_x1 = {
    .id = "X1",
    .title = "GD contracts the test quadratic (test plug-in)",
    .statement = "f(X_T) - f* <= (1 - eta)^(2T) (f(X_0) - f*)",
    .source = "[test]",
    .provenance = "derived",
    .hypotheses = "f = 1/2 ||X - 1||_F^2, 0 < eta < 2",
    .kind = LMC_HARD_AGGREGATE,
    .configs = x1_configs,
    .check = x1_check,
};
