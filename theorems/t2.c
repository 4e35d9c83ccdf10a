/* theorems/t2.c -- T2: constant radius, exact gradients, no momentum.
 *
 * Statement (THEORY.md section 2, [S25], derived): for the LMO method
 * X^{k+1} = X^k + t S~^k with S~^k = LMO(grad f(X^k)) + E^k, ||E^k|| <= delta
 * < 1, f L-smooth in the product norm (dual: sum of block duals),
 *   (1/K) sum_{k<K} ||grad f(X^k)||_*
 *       <= Delta_0 / (t (1-delta) K) + L t (1+delta)^2 / (2 (1-delta)),
 * Delta_0 = f(X^0) - f*.
 *
 * Hypotheses and where they come from: exact gradients and alpha = 1
 * (method "lmo" with momentum 0, not stochastic: fixed by the
 * configurations); L declared by the problem and checked along the run
 * by the assumption checker (a violation gives "hypothesis violated");
 * f* closed-form (MPFR companion); delta = the largest realized delta of
 * the run (measured against the exact LMO, enclosed with the norm's
 * stated error), which must be < 1.
 *
 * Rigor: the left side is re-evaluated at the stored double iterates with
 * the MPFR gradient and enclosed with lmc_thm_norm_rel; Delta_0 is the
 * MPFR gap; t, L and K are exact.  The decision is lmc_decide_le over
 * MPFI, so every endpoint is rounded outward.
 */
#include "assume.h"
#include "common.h"
#include "status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
    const lmc_check_run *run;
    const double *gd;  /* MPFR-based dual gradient norms, K of them */
    size_t K;
    double rel;        /* their relative error bound */
    double delta, delta_rel;
    double t, L;
} t2_data;

static int
t2_lhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const t2_data *d = vd;
    mpfi_t a;
    mpfi_init2(a, prec);
    mpfi_set_ui(out, 0);
    for (size_t k = 0; k < d->K; k++)
    {
        lmc_enclose_measured(a, d->gd[k], d->rel);
        mpfi_add(out, out, a);
    }
    mpfi_div_ui(out, out, (unsigned long)d->K);
    mpfi_clear(a);
    return LMC_SUCCESS;
}

static int
t2_rhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const t2_data *d = vd;
    mpfi_t one_m, one_p, b;
    mpfi_init2(one_m, prec);
    mpfi_init2(one_p, prec);
    mpfi_init2(b, prec);
    lmc_thm_one_pm(one_m, one_p, d->delta, d->delta_rel);
    /* out = Delta_0 / (t (1-delta) K) */
    int status = lmc_thm_gap(d->run->P, d->run->tr->xs, out, prec);
    mpfi_div_d(out, out, d->t);
    mpfi_div(out, out, one_m);
    mpfi_div_ui(out, out, (unsigned long)d->K);
    /* b = L t (1+delta)^2 / (2 (1-delta)); the halving is exact, so it
     * may come before the division by 1 - delta */
    lmc_thm_sqr_mul_half(b, one_p, d->L, d->t);
    mpfi_div(b, b, one_m);
    mpfi_add(out, out, b);
    mpfi_clear(one_m);
    mpfi_clear(one_p);
    mpfi_clear(b);
    return status;
}

static int
t2_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    lmc_thm_run rw;
    LMC_TRY(lmc_thm_run_begin(c, o, r, &rw));
    const lmc_check_run *run = &rw.run;
    const lmc_trace *tr = run->tr;
    const size_t K = tr->n - 1;
    int status = LMC_SUCCESS;
    double *gd = malloc((K ? K : 1) * sizeof *gd);
    if (!gd)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    const double delta = lmc_thm_max_delta(tr->delta, K);
    const double rel = lmc_thm_norm_rel(&run->P->layout);
    /* the declared L along the run, at every tenth iterate */
    if (lmc_thm_lmo_refused(tr, delta, rel, r) ||
        lmc_thm_hypotheses_fail(run, LMC_HAS_L, K, 10, r, &status))
        goto done;
    for (size_t k = 0; status == LMC_SUCCESS && k < K; k++)
        status = lmc_thm_gdual(run->P, rw.or, tr->xs + k * tr->total,
                               rw.g, &gd[k]);
    if (status)
        goto done;
    t2_data d = {run, gd, K, rel, delta, rel, c->mp.lr, run->P->c.L};
    double lhs, rhs;
    const lmc_verdict v =
        lmc_thm_decide(t2_lhs, t2_rhs, &d, o->bound_scale, &lhs, &rhs);
    lmc_thm_result(r, v, lhs, rhs);
    lmc_snprintf(r->detail, sizeof r->detail, "mean dual gradient norm over %zu "
             "steps vs Delta_0/(t(1-delta)K) + L t (1+delta)^2/(2(1-delta)) "
             "with t = %g, L = %g, delta = %.4g", K, c->mp.lr, run->P->c.L,
             delta);
done:
    free(gd);
    lmc_thm_run_end(&rw);
    return status;
}

static size_t
t2_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[8];
    size_t n = 0;
    lmc_thm_config_lmo(&all[n++], "lsq adversarial delta=0.3 t=0.05",
                       "lsq", &lmc_inexact_inject_adversarial, 0.3, 0.05,
                       100);
    lmc_thm_config_lmo(&all[n++], "lsq random delta=0.3 t=0.05",
                       "lsq", &lmc_inexact_inject_random, 0.3, 0.05, 100);
    lmc_thm_config_lmo(&all[n++], "lsq exact t=0.5 K=1",
                       "lsq", &lmc_inexact_exact, 0, 0.5, 1);
    lmc_thm_config_lmo(&all[n], "lsq jordan poly t=0.05",
                       "lsq", &lmc_inexact_poly, 0, 0.05, 100);
    n++;
    lmc_thm_config_lmo(&all[n++], "pl-sin adversarial delta=0.5 t=0.01",
                       "pl-sin", &lmc_inexact_inject_adversarial, 0.5, 0.01,
                       60);
    lmc_thm_config_lmo(&all[n++], "l0l1-sep exact t=0.02",
                       "l0l1-sep", &lmc_inexact_exact, 0, 0.02, 60);
    if (o->full)
    {
        lmc_thm_config_lmo(&all[n++],
                           "lsq adversarial delta=0.8 t=0.01 K=1000", "lsq",
                           &lmc_inexact_inject_adversarial, 0.8, 0.01, 1000);
        lmc_thm_config_lmo(&all[n++], "icl random delta=0.2 t=0.05",
                           "icl", &lmc_inexact_inject_random, 0.2, 0.05, 300);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_t2 = {
    .id = "T2",
    .title = "constant radius: average dual gradient norm",
    .statement = "(1/K) sum_{k<K} ||grad f(X^k)||_* <= Delta_0/(t(1-delta)K) "
                 "+ L t (1+delta)^2/(2(1-delta))",
    .source = "[S25]",
    .provenance = "derived",
    .hypotheses = "f L-smooth in the product norm (L declared, checked "
                  "along the run); exact gradients; alpha = 1; delta < 1; "
                  "f* closed-form",
    .kind = LMC_HARD_AGGREGATE,
    .configs = t2_configs,
    .check = t2_check,
};
