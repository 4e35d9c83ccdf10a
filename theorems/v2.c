/* theorems/v2.c -- V2: one-step descent of Muon / Muon-MVR with the
 * momentum error.
 *
 * Statement (THEORY.md section 3, [C25], derived): for X_{t+1} = X_t -
 * eta_t polar(M_t) with the exact polar factor, f Frobenius-L-smooth and
 * eps_t = M_t - grad f(X_t) (M_t the buffer built at X_t),
 *   f(X_{t+1}) <= f(X_t) - eta_t ||grad f(X_t)||_* + 2 eta_t ||eps_t||_*
 *                 + (L/2) eta_t^2 rank(M_t).
 * Derivation: with O = polar(M_t), <M_t, O> = ||M_t||_* >= ||grad f||_*
 * - ||eps_t||_*, <eps_t, O> <= ||eps_t||_* (||O||_2 = 1) and ||O||_F^2 =
 * rank(M_t); then the Frobenius descent lemma.
 *
 * Checked at every step t as
 *   lhs = [f(X_{t+1}) - f*] - [f(X_t) - f*] + eta_t ||grad f(X_t)||_*
 *     <= 2 eta_t ||eps_t||_* + (L/2) eta_t^2 r + tau_t = rhs,
 * so --bound-scale S multiplies the slack terms only (S = 0.5 makes the
 * tight configuration, exact gradients and no momentum on lsq with kappa
 * 1.5, where lhs/rhs ~ sum s_i^2/(r s_1^2) ~ 0.7, fail).
 *   - r = min(m, n) per block (rank(M_t) <= min(m, n): a valid upper
 *     bound, tight whenever M_t has full rank, as it does here); for
 *     several blocks the terms add up blockwise.
 *   - L = P->c.L_frob (LMC_HAS_LFROB), checked along the run by the
 *     assumption checker (a violation: "hypothesis violated").
 *   - f - f* at the stored double iterates by lmc_thm_gap (MPFR); the
 *     f* cancels in the difference.
 *   - ||grad f(X_t)||_* from the MPFR gradient (lmc_thm_gdual), enclosed
 *     with lmc_thm_norm_rel.
 *   - ||eps_t||_*: the method is re-run step by step (deterministic: the
 *     same samples lmc_sample_id(seed, t) and the exact oracle; the
 *     iterates are compared bit for bit with the trace's), its buffer M_t
 *     is read after each step, and eps_t = M_t - g with g the MPFR
 *     gradient rounded to double.  The double difference is off by at
 *     most eps (|M_t| + |g|) entrywise, plus the half ulp of g's rounding:
 *     ||.||_* <= sqrt(r) ||.||_F turns that into the absolute term
 *     2 eps sqrt(r) (||M_t||_F + ||g||_F), enclosed on both sides.
 *   - tau_t = 64 n eps (eta_t ||grad f||_* + ||grad f||_F (||X_t||_F +
 *     ||X_{t+1}||_F)): the rounding of the stored update X_t + eta_t S
 *     (half an ulp per entry, paired with the gradient by Cauchy-Schwarz)
 *     and the backward-stable polar factor (entries off by ~n eps, for
 *     well-conditioned M_t).  It is ~1e-12 of the slack here.
 */
#include "common.h"
#include "mvr.h"
#include "status.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
    const lmc_problem *P;
    const double *x0, *x1; /* X_t, X_{t+1} */
    double gd, gd_rel;     /* ||grad f(X_t)||_* and its relative error */
    double en, en_rel, en_abs; /* ||eps_t||_* computed, its errors */
    double eta, L, rsum, tau;
} v2_data;

static int
v2_lhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const v2_data *d = vd;
    mpfi_t a;
    mpfi_init2(a, prec);
    const int status = lmc_thm_gap_diff(d->P, d->x1, d->x0, out, prec);
    lmc_enclose_measured(a, d->gd, d->gd_rel);
    mpfi_mul_d(a, a, d->eta);
    mpfi_add(out, out, a);
    mpfi_clear(a);
    return status;
}

static int
v2_rhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const v2_data *d = vd;
    mpfi_t a, b;
    mpfi_init2(a, prec);
    mpfi_init2(b, prec);
    /* 2 eta ||eps||_*, with ||eps||_* in [en (1-rel) - abs, en (1+rel) +
     * abs] (clamped at 0 below: a norm). */
    lmc_enclose_measured(a, d->en, d->en_rel);
    mpfi_interv_d(b, -d->en_abs, d->en_abs);
    mpfi_add(a, a, b);
    if (mpfr_sgn(&a->left) < 0)
        mpfr_set_ui(&a->left, 0, MPFR_RNDD);
    mpfi_mul_d(a, a, d->eta);
    mpfi_mul_ui(out, a, 2);
    /* (L/2) eta^2 r */
    mpfi_set_d(b, d->eta);
    lmc_thm_sqr_mul_half(b, b, d->L, d->rsum);
    mpfi_add(out, out, b);
    mpfi_add_d(out, out, d->tau);
    mpfi_clear(a);
    mpfi_clear(b);
    return LMC_SUCCESS;
}

static int
v2_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    lmc_thm_run rw;
    LMC_TRY(lmc_thm_run_begin(c, o, r, &rw));
    lmc_check_run *run = &rw.run;
    const lmc_trace *tr = run->tr;
    const lmc_layout *Ly = &run->P->layout;
    const size_t K = tr->n - 1, n = Ly->total;
    int status = LMC_SUCCESS;
    gsl_vector *x = gsl_vector_alloc(n), *e = gsl_vector_alloc(n);
    gsl_vector *g = rw.g;
    const double rsum = lmc_thm_vr_rsum(Ly);
    if (!x || !e)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    if (K == 0 || tr->stop != LMC_STOP_BUDGET ||
        !(run->P->c.known & LMC_HAS_LFROB) || !run->M->type->momentum)
    {
        lmc_thm_refuse(r, "run stopped (%s), no L_frob "
                 "declared, or no momentum buffer: the bound does not apply",
                 lmc_stop_name(tr->stop));
        goto done;
    }
    /* the declared constant along the run, at every tenth iterate */
    if (lmc_thm_hypotheses_fail(run, LMC_HAS_LFROB, K, 10, r, &status))
        goto done;
    const double rel = lmc_thm_norm_rel(Ly);
    const double L = run->P->c.L_frob;
    gsl_vector_memcpy(x, run->x0);
    run->M->measure_delta = 0;
    status = lmc_method_set(run->M, x);
    lmc_thm_worst w;
    lmc_thm_worst_init(&w, LMC_THM_WORST_VIOLATION_FIRST);
    for (size_t k = 0; status == LMC_SUCCESS && k < K; k++)
    {
        const double *xk = tr->xs + k * n, *xk1 = tr->xs + (k + 1) * n;
        lmc_step_info info;
        status = lmc_method_iterate(run->M, x, &info);
        if (status)
            break;
        if (memcmp(x->data, xk1, n * sizeof *xk1) != 0)
        {
            lmc_error(__FILE__, __LINE__, LMC_EDOM, "V2 '%s': the re-run "
                      "left the trace's iterates at step %zu", c->label, k);
            status = LMC_EDOM;
            break;
        }
        const gsl_vector *mom = run->M->type->momentum(run->M->state);
        double gd, en;
        status = lmc_thm_gdual(run->P, rw.or, xk, g, &gd);
        if (status)
            break;
        gsl_vector_memcpy(e, mom);
        gsl_vector_sub(e, g);
        status = lmc_thm_dual_norm(Ly, rw.or, e, &en);
        if (status)
            break;
        gsl_vector_const_view xv = gsl_vector_const_view_array(xk, n);
        gsl_vector_const_view xv1 = gsl_vector_const_view_array(xk1, n);
        const double gf = gsl_blas_dnrm2(g);
        const double eta = tr->eta_block[k * Ly->nblocks];
        v2_data d = {run->P, xk, xk1, gd, rel, en, rel,
                     2 * DBL_EPSILON * sqrt(rsum) *
                         (gsl_blas_dnrm2(mom) + gf) * 1.01,
                     eta, L, rsum,
                     64 * (double)n * DBL_EPSILON *
                         (eta * gd + gf * (gsl_blas_dnrm2(&xv.vector) +
                                           gsl_blas_dnrm2(&xv1.vector)))};
        double lhs, rhs;
        const lmc_verdict v =
            lmc_thm_decide(v2_lhs, v2_rhs, &d, o->bound_scale, &lhs, &rhs);
        lmc_thm_worst_update(&w, v, lhs / rhs, k, lhs, rhs);
    }
    if (status)
        goto done;
    lmc_thm_worst_finish(&w, r);
    lmc_snprintf(r->detail, sizeof r->detail, "worst of %zu steps at t = %zu: "
             "f(X_{t+1}) - f(X_t) + eta ||grad f||_* vs 2 eta ||eps||_* + "
             "(L/2) eta^2 r with L_frob = %g, r = %g, eta_t = %g", K, w.k,
             L, rsum, tr->eta_block[w.k * Ly->nblocks]);
done:
    gsl_vector_free(x);
    gsl_vector_free(e);
    lmc_thm_run_end(&rw);
    return status;
}

static void
config(lmc_check_config *c, const char *label, const char *problem,
       const char *variant, double kappa, const char *method, double beta,
       double gamma, int stochastic, lmc_step_rule rule, double eta0,
       size_t K)
{
    lmc_thm_mvr_config(c, label, problem, variant, method, eta0, beta, gamma,
                       stochastic, K);
    c->pp.kappa = kappa;
    c->mp.step_rule = rule;
    c->mp.step_p = 0.75; /* eta_0 t^(-3/4), V5's Muon schedule */
}

static size_t
v2_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[10];
    size_t n = 0;
    const lmc_step_rule C = LMC_STEP_CONSTANT, Q = LMC_STEP_POLY;
    config(&all[n++], "lsq kappa=1.5 exact muon beta=0 eta=0.01 (tight)",
           "lsq", NULL, 1.5, "muon", 0, 0, 0, C, 0.01, 40);
    config(&all[n++], "lsq noise muon beta=0.9 eta=0.01", "lsq", "noise", 0,
           "muon", 0.9, 0, 1, C, 0.01, 60);
    config(&all[n++], "lsq noise mvr1 gamma=1 eta=0.05 t^-3/4", "lsq",
           "noise", 0, "mvr1", 0.9, 1, 1, Q, 0.05, 60);
    config(&all[n++], "icl mvr2 gamma=1 eta=0.05 t^-3/4", "icl", NULL, 0,
           "mvr2", 0.9, 1, 1, Q, 0.05, 60);
    config(&all[n++], "icl muon beta=0.9 eta=0.02", "icl", NULL, 0, "muon",
           0.9, 0, 1, C, 0.02, 60);
    config(&all[n++], "pl-sin exact mvr1 gamma=1 eta=0.02", "pl-sin", NULL, 0,
           "mvr1", 0.9, 1, 0, C, 0.02, 60);
    if (o->full)
    {
        config(&all[n++], "lsq noise mvr2 gamma=1 eta=0.02 K=300", "lsq",
               "noise", 0, "mvr2", 0.9, 1, 1, C, 0.02, 300);
        config(&all[n++], "pl-sin exact muon beta=0.5 eta=0.05 t^-3/4",
               "pl-sin", NULL, 0, "muon", 0.5, 0, 0, Q, 0.05, 200);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_v2 = {
    .id = "V2",
    .title = "one-step descent with the momentum error (exact polar factor)",
    .statement = "f(X_{t+1}) <= f(X_t) - eta_t ||grad f(X_t)||_* + 2 eta_t "
                 "||eps_t||_* + (L/2) eta_t^2 rank(M_t), eps_t = M_t - "
                 "grad f(X_t), rank(M_t) <= min(m, n)",
    .source = "[C25]",
    .provenance = "derived",
    .hypotheses = "f Frobenius L-smooth (L_frob declared, checked along the "
                  "run); exact polar factor; f* closed-form; stochastic or "
                  "exact gradients, any step rule",
    .kind = LMC_HARD_STEP,
    .configs = v2_configs,
    .check = v2_check,
};
