/* theorems/p3.c -- P3: with a constant step, simplified Muon on aligned
 * matrix factorization plateaus at a relative error Theta(eta).
 *
 * Statement (THEORY.md section 4, [M26], derived; the bracket is the one
 * derived in tests/t-mf-scalar.c): from the aligned start (balanced,
 * s_i <- s_i - eta sign(s_i^2 - lambda_i)) every mode ends in a 2-cycle
 * around its target: delta_i = s_i - sqrt(lambda_i) alternates between
 * delta and delta + eta with delta in (-eta, 0], and the residual is
 * delta_i (2 sqrt(lambda_i) + delta_i).  For two consecutive iterates,
 * with e_t = ||R_t||_F / ||M*||_F (R = U V^T - M*, or X X^T - M*),
 *   e_rms = sqrt((e_T^2 + e_{T-1}^2) / 2) in [c1 eta, c2 eta],
 *   c1 = (1/2) sqrt(sum_i (2 sqrt(lambda_i) - eta)^2) / ||M*||_F
 *        (delta_T^2 + delta_{T-1}^2 >= eta^2 / 2 when they differ by eta),
 *   c2 = sqrt(sum_i (2 sqrt(lambda_i) + eta)^2) / ||M*||_F  (|delta| <= eta).
 * Two inequalities are decided, e_rms <= c2 eta and c1 eta <= e_rms; the
 * result reports the binding one (the larger lhs/rhs), and the verdict is
 * the worse of the two.  --bound-scale S multiplies each right side;
 * since c1 ~ c2 / 2, one of the two ratios is >= ~0.7, so S = 0.5 fails.
 *
 * Hypotheses, checked: the run is deep in the 2-cycle (T = 3/eta + 100
 * steps: every mode crosses its target after at most max sqrt(lambda_i) /
 * eta = 1/eta steps), and the final two iterates are aligned to 1e-10
 * (off-diagonal entries of Phi^T U and the part of U outside span(Phi),
 * and likewise for V): a mode sitting within a small fraction of eta of
 * its target can leave the aligned set transversally for a while (see
 * tests/t-mf-scalar.c), and then the bracket is not claimed.  At 1e-10
 * the bracket moves by ~1e-10 / eta relative, far inside its margins.
 *
 * Rigor: f(X_t) - f* (f* = 0) by the MPFR companion (lmc_thm_gap) at the
 * stored iterates, ||M*||_F^2 = k f(0) from the same companion (k = 2 for
 * mf, 4 for mf-sym: f = ||R||_F^2 / k), so e_t^2 = f(X_t) / f(0) exactly;
 * lambda_i and eta are exact doubles; MPFI rounds outward.
 */
#include "common.h"
#include "precond.h"
#include "mf.h"
#include "status.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL_ALIGN 1e-10

typedef struct
{
    const lmc_problem *P;
    const double *x1, *x2; /* X_{T-1}, X_T */
    const double *zero;    /* the origin: f(0) = ||M*||_F^2 / k */
    double eta, k;
    int side;              /* in the decision: 0 e_rms, 1 c2 eta, 2 c1 eta */
} p3_data;

/* e_rms = sqrt((f(X_{T-1}) + f(X_T)) / (2 f(0))). */
static int
p3_erms(mpfi_t out, const p3_data *d, mpfr_prec_t prec)
{
    mpfi_t a;
    mpfi_init2(a, prec);
    int status = lmc_thm_gap(d->P, d->x1, out, prec);
    if (status == LMC_SUCCESS)
        status = lmc_thm_gap(d->P, d->x2, a, prec);
    mpfi_add(out, out, a);
    if (status == LMC_SUCCESS)
        status = lmc_thm_gap(d->P, d->zero, a, prec);
    mpfi_mul_ui(a, a, 2);
    mpfi_div(out, out, a);
    mpfi_sqrt(out, out);
    mpfi_clear(a);
    return status;
}

/* c eta with sign s = +1 (c2) or -1 (c1, with the factor 1/2). */
static int
p3_ceta(mpfi_t out, const p3_data *d, int s, mpfr_prec_t prec)
{
    const lmc_mf_state *st = d->P->state;
    mpfi_t a, f0;
    mpfi_init2(a, prec);
    mpfi_init2(f0, prec);
    mpfi_set_ui(out, 0);
    for (size_t i = 0; i < st->r; i++)
    {
        mpfi_set_d(a, st->lambda[i]);
        mpfi_sqrt(a, a);
        mpfi_mul_ui(a, a, 2);
        if (s > 0)
            mpfi_add_d(a, a, d->eta);
        else
            mpfi_sub_d(a, a, d->eta);
        mpfi_sqr(a, a);
        mpfi_add(out, out, a);
    }
    /* ||M*||_F^2 = k f(0) */
    int status = lmc_thm_gap(d->P, d->zero, f0, prec);
    mpfi_mul_d(f0, f0, d->k);
    mpfi_div(out, out, f0);
    mpfi_sqrt(out, out);
    mpfi_mul_d(out, out, d->eta);
    if (s < 0)
        mpfi_div_ui(out, out, 2);
    mpfi_clear(a);
    mpfi_clear(f0);
    return status;
}

static int
p3_lhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const p3_data *d = vd;
    return d->side == 1 ? p3_erms(out, d, prec) : p3_ceta(out, d, -1, prec);
}

static int
p3_rhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const p3_data *d = vd;
    return d->side == 1 ? p3_ceta(out, d, +1, prec) : p3_erms(out, d, prec);
}

/* Distance of the block x (rows x r) from {factor diag(c)}: the largest
 * off-diagonal entry of factor^T x and entry of x - factor factor^T x. */
static double
align_dist(const double *x, const gsl_matrix *factor, gsl_matrix *c,
           gsl_matrix *p)
{
    const size_t r = factor->size2;
    gsl_matrix_const_view u =
        gsl_matrix_const_view_array(x, factor->size1, r);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, factor, &u.matrix, 0.0, c);
    gsl_matrix_memcpy(p, &u.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -1.0, factor, c, 1.0, p);
    double d = 0;
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < r; j++)
            if (i != j)
                d = fmax(d, fabs(gsl_matrix_get(c, i, j)));
    for (size_t i = 0; i < p->size1; i++)
        for (size_t j = 0; j < r; j++)
            d = fmax(d, fabs(gsl_matrix_get(p, i, j)));
    return d;
}

static int
p3_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    lmc_check_run run;
    LMC_TRY(lmc_check_run_exec(c, o->seed_base, &run));
    const lmc_trace *tr = run.tr;
    const lmc_mf_state *st = run.P->state;
    const size_t n = tr->total, T = tr->n - 1, rk = st->r;
    int status = LMC_SUCCESS;
    double *zero = calloc(n, sizeof *zero);
    gsl_matrix *cm = gsl_matrix_alloc(rk, rk);
    gsl_matrix *pu = gsl_matrix_alloc(st->m, rk);
    gsl_matrix *pv = gsl_matrix_alloc(st->n, rk);
    r->seed = o->seed_base;
    if (!zero || !cm || !pu || !pv)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    const double eta = c->mp.lr;
    if (tr->stop != LMC_STOP_BUDGET || c->mp.step_rule != LMC_STEP_CONSTANT ||
        st->init != LMC_MF_INIT_ALIGNED || (double)T < 3.0 / eta)
    {
        lmc_thm_refuse(r, "run stopped (%s), not a "
                 "constant step, not the balanced aligned init, or fewer "
                 "than 3/eta steps: the bracket does not apply",
                 lmc_stop_name(tr->stop));
        goto done;
    }
    double align = 0;
    for (size_t t = T - 1; t <= T; t++)
    {
        const double *x = tr->xs + t * n;
        align = fmax(align, align_dist(x, st->phi, cm, pu));
        if (!st->sym)
            align = fmax(align, align_dist(x + st->m * rk, st->psi, cm, pv));
    }
    if (!(align <= TOL_ALIGN))
    {
        lmc_thm_refuse(r, "the final iterates are %.2g "
                 "from the aligned set (> %g): the 2-cycle bracket is not "
                 "claimed", align, TOL_ALIGN);
        goto done;
    }
    p3_data d = {run.P, tr->xs + (T - 1) * n, tr->xs + T * n, zero, eta,
                 st->sym ? 4.0 : 2.0, 1};
    double l_up, r_up, l_lo, r_lo;
    const lmc_verdict v_up =
        lmc_thm_decide(p3_lhs, p3_rhs, &d, o->bound_scale, &l_up, &r_up);
    d.side = 2;
    const lmc_verdict v_lo =
        lmc_thm_decide(p3_lhs, p3_rhs, &d, o->bound_scale, &l_lo, &r_lo);
    /* Verdict: violated before undecided before holds. */
    lmc_verdict v = v_up;
    if (v_lo == LMC_VIOLATED || (v_lo == LMC_UNDECIDED && v == LMC_HOLDS))
        v = v_lo;
    const int upper = l_up / r_up >= l_lo / r_lo;
    if (upper)
        lmc_thm_result(r, v, l_up, r_up);
    else
        lmc_thm_result(r, v, l_lo, r_lo);
    r->step = T;
    const double erms = upper ? l_up : r_lo / o->bound_scale;
    lmc_snprintf(r->detail, sizeof r->detail, "binding: %s; e_rms/eta = %.4f "
             "over t = %zu, %zu, bracket [c1, c2] = [%.4f, %.4f] (upper "
             "%s, lower %s); alignment %.1e", upper ? "e_rms <= c2 eta"
             : "c1 eta <= e_rms", erms / eta, T - 1, T,
             l_lo / eta, r_up / o->bound_scale / eta,
             lmc_verdict_name(v_up), lmc_verdict_name(v_lo), align);
done:
    free(zero);
    gsl_matrix_free(cm);
    gsl_matrix_free(pu);
    gsl_matrix_free(pv);
    lmc_check_run_free(&run);
    return status;
}

static void
config(lmc_check_config *c, const char *label, const char *problem,
       double kappa, double eta)
{
    /* Deep in the 2-cycle: 3 times the longest approach, plus 100. */
    lmc_thm_precond_config(c, label, problem, "simplified-muon", eta, 1,
                           (size_t)(3.0 / eta) + 100);
    c->pp.init = "aligned";
    c->pp.kappa = kappa;
}

static size_t
p3_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[8];
    size_t n = 0;
    config(&all[n++], "mf aligned kappa=10 eta=1e-2", "mf", 10, 1e-2);
    config(&all[n++], "mf aligned kappa=10 eta=4e-3", "mf", 10, 4e-3);
    config(&all[n++], "mf-sym aligned kappa=10 eta=1e-2", "mf-sym", 10,
           1e-2);
    if (o->full)
    {
        config(&all[n++], "mf aligned kappa=100 eta=2e-3", "mf", 100, 2e-3);
        /* Not eta = 3e-3 or 5e-3: there mf-sym leaves the aligned set
         * (distance 4e-3, 2e-4 at T), the transverse instability of
         * tests/t-mf-scalar.c, and the bracket is not claimed. */
        config(&all[n++], "mf-sym aligned kappa=100 eta=2e-3", "mf-sym", 100,
               2e-3);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_p3 = {
    .id = "P3",
    .title = "constant step: the error plateaus at Theta(eta)",
    .statement = "c1 eta <= sqrt((e_T^2 + e_{T-1}^2)/2) <= c2 eta, c1 = "
                 "(1/2) sqrt(sum (2 sqrt(lambda_i) - eta)^2)/||M*||_F, c2 = "
                 "sqrt(sum (2 sqrt(lambda_i) + eta)^2)/||M*||_F",
    .source = "[M26]",
    .provenance = "derived",
    .hypotheses = "simplified Muon, exact gradients and polar factor, "
                  "constant eta; balanced aligned init; T >= 3/eta; final "
                  "iterates aligned to 1e-10 (checked)",
    .kind = LMC_HARD_AGGREGATE,
    .configs = p3_configs,
    .check = p3_check,
};
