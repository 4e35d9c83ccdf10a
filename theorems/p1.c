/* theorems/p1.c -- P1: aligned matrix factorization under simplified Muon
 * follows the scalar sign recursion.
 *
 * Statement (THEORY.md section 4, [M26], derived; background
 * theory-mvr-precond.md C3): from U_0 = Phi diag(a_0), V_0 = Psi diag(b_0)
 * (problems/mf.h, inits "aligned" and "aligned-unbalanced"), simplified
 * Muon X <- X - eta_t polar(grad f(X)) keeps U_t = Phi diag(a_t),
 * V_t = Psi diag(b_t) with
 *   a_{t,i} = a_i - eta_t sign((a_i b_i - lambda_i) b_i),
 *   b_{t,i} = b_i - eta_t sign((a_i b_i - lambda_i) a_i)
 * (balanced and mf-sym: s_i <- s_i - eta_t sign(s_i^2 - lambda_i)),
 * until a residual a_i b_i - lambda_i crosses zero.  Checked as
 *   max_{1 <= t <= t_c} max(||U_t - Phi diag(a_t)||_F,
 *                           ||V_t - Psi diag(b_t)||_F) <= 1e-12,
 * t_c the first iterate at which the scalar simulation (written out here,
 * independently of the library) has a residual of the opposite sign to
 * its start; X_{t_c} is still made with pre-crossing signs, so it is
 * compared.  The window is cut before a step that uses a residual below
 * 1e-8 (sign() ambiguous at rounding level; never met here).  After t_c
 * the aligned set is transversally unstable and rounding grows to
 * O(eta): see tests/t-mf-scalar.c, whose logic this is.
 *
 * Why 1e-12: each step adds ~(m + n) eps of rounding (SVD and update) to
 * entries of size <= 1, and t_c <= ~400 steps here; before the crossing
 * the transverse direction contracts, so the deviation stays at
 * rounding level (~1e-15 measured).
 *
 * Knob: settings.p1.eta_perturb = a relative perturbation of the scalar
 * side's step (eta_t (1 + eta_perturb)), 0 in every shipped configuration.  The entry's
 * negative controls (a wrong-sign method, a 1e-9 gradient perturbation
 * must exceed 1e-12) live in tests/t-mf-scalar.c; --bound-scale S
 * multiplies the tolerance and, the identity being met to rounding,
 * S = 0.5 still holds.
 *
 * Rigor: the deviation is computed in double from entries of size <= 1:
 * each entry x - phi c carries <= 2 eps (|x| + |phi c|), so the norm is
 * enclosed with the absolute error 2 eps (||X||_F + ||Phi diag c||_F)
 * (bounded by 4 eps ||X||_F + rounding-level terms, taken with a factor 2)
 * plus its own n eps relative rounding.
 */
#include "common.h"
#include "precond.h"
#include "mf.h"
#include "status.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* A residual this small in the window makes polar() ill-conditioned. */
#define RES_GUARD 1e-8
/* Shortest window accepted: a shorter one tests little. */
#define MIN_WINDOW 20

static int
sgn(double v)
{
    return (v > 0) - (v < 0);
}

/* ||block - factor diag(c)||_F and ||block||_F (into *xn). */
static double
aligned_dev(const double *x, const gsl_matrix *factor, const double *c,
            double *xn)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < factor->size1; i++)
        for (size_t j = 0; j < factor->size2; j++)
        {
            const double v = x[i * factor->size2 + j];
            const double e = v - gsl_matrix_get(factor, i, j) * c[j];
            s += e * e;
            q += v * v;
        }
    *xn = sqrt(q);
    return sqrt(s);
}

typedef struct
{
    double dev, rel, abs;
} p1_data;

static int
p1_lhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const p1_data *d = vd;
    mpfi_t a;
    mpfi_init2(a, prec);
    lmc_enclose_measured(out, d->dev, d->rel);
    mpfi_interv_d(a, -d->abs, d->abs);
    mpfi_add(out, out, a);
    mpfi_clear(a);
    return LMC_SUCCESS;
}

static int
p1_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    lmc_check_run run;
    LMC_TRY(lmc_check_run_exec(c, o->seed_base, &run));
    const lmc_trace *tr = run.tr;
    const lmc_mf_state *st = run.P->state;
    const size_t rk = st->r, off = st->m * rk, n = tr->total;
    const int two = st->init == LMC_MF_INIT_UNBALANCED;
    double *a = malloc(rk * sizeof *a), *b = malloc(rk * sizeof *b);
    int *sign0 = malloc(rk * sizeof *sign0);
    int status = LMC_SUCCESS;
    r->seed = o->seed_base;
    if (!a || !b || !sign0)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    status = lmc_mf_aligned_coefficients(run.P, a, b);
    if (status)
        goto done;
    for (size_t i = 0; i < rk; i++)
    {
        if (!two)
            b[i] = a[i];
        sign0[i] = sgn(a[i] * b[i] - st->lambda[i]);
    }
    double worst = 0, worst_abs = 0, rmin = INFINITY;
    size_t tc = 0, wt = 0;
    int crossed = 0;
    for (size_t t = 1; t < tr->n && !crossed; t++)
    {
        /* The scalar step with the schedule written out here. */
        double eta = c->mp.lr;
        if (c->mp.step_rule == LMC_STEP_GEOMETRIC)
            eta = c->mp.lr * pow(c->mp.step_rho, (double)t - 1);
        eta *= 1 + c->settings.p1.eta_perturb;
        double rm = INFINITY;
        for (size_t i = 0; i < rk; i++)
        {
            const double ai = a[i], bi = b[i], res = ai * bi - st->lambda[i];
            rm = fmin(rm, fabs(res));
            a[i] = ai - eta * sgn(res * bi);
            b[i] = two ? bi - eta * sgn(res * ai) : a[i];
        }
        if (rm < RES_GUARD)
        {
            crossed = 1; /* X_t used a near-zero residual: cut before it */
            break;
        }
        rmin = fmin(rmin, rm);
        const double *x = tr->xs + t * n;
        double xn, xn2 = 0;
        double dev = aligned_dev(x, st->phi, a, &xn);
        if (!st->sym)
        {
            dev = fmax(dev, aligned_dev(x + off, st->psi, b, &xn2));
            xn = fmax(xn, xn2);
        }
        if (!(dev <= worst))
        {
            worst = isnan(dev) ? INFINITY : dev;
            worst_abs = 8 * DBL_EPSILON * xn; /* see the file header */
            wt = t;
        }
        tc = t;
        for (size_t i = 0; i < rk; i++)
            crossed |= sgn(a[i] * b[i] - st->lambda[i]) != sign0[i];
    }
    if (tr->stop != LMC_STOP_BUDGET || !crossed || tc < MIN_WINDOW)
    {
        lmc_thm_refuse(r, "run stopped (%s), or no "
                 "crossing within the budget, or window %zu < %d iterates: "
                 "raise the budget", lmc_stop_name(tr->stop), tc,
                 MIN_WINDOW);
        goto done;
    }
    p1_data d = {worst, (double)n * DBL_EPSILON, worst_abs};
    double lhs, rhs;
    const lmc_verdict v = lmc_thm_decide(p1_lhs, lmc_thm_enclose_1e12, &d,
                                         o->bound_scale, &lhs, &rhs);
    lmc_thm_result(r, v, worst, rhs);
    r->step = wt;
    lmc_snprintf(r->detail, sizeof r->detail, "max aligned deviation over "
             "t <= t_c = %zu (first residual crossing of the scalar "
             "recursion; worst at t = %zu; smallest |residual| %.2g) vs "
             "1e-12", tc, wt, rmin);
done:
    free(a);
    free(b);
    free(sign0);
    lmc_check_run_free(&run);
    return status;
}

/* eta_t = eta0 rho^(t-1), or the constant eta0 if rho = 1. */
static void
config(lmc_check_config *c, const char *label, const char *problem,
       const char *init, double kappa, double eta0, double rho, size_t K)
{
    lmc_thm_precond_config(c, label, problem, "simplified-muon", eta0, rho,
                           K);
    c->pp.init = init;
    c->pp.kappa = kappa;
    /* never perturbed here: see the file header */
    c->settings.p1.eta_perturb = 0;
}

/* Constant steps are incommensurate with the distances sqrt(lambda_i) -
 * a0_i, so that no mode lands on its target exactly; budgets pass the
 * first crossing (min_i sqrt(lambda_i) / eta steps, or the geometric
 * equivalent). */
static size_t
p1_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[10];
    size_t n = 0;
    config(&all[n++], "mf aligned kappa=10 constant eta=0.97e-3", "mf",
           "aligned", 10, 0.97e-3, 1, 400);
    config(&all[n++], "mf aligned kappa=10 geometric 2e-3*0.998^t", "mf",
           "aligned", 10, 2e-3, 0.998, 400);
    config(&all[n++], "mf aligned-unbalanced kappa=10 constant eta=0.97e-3",
           "mf", "aligned-unbalanced", 10, 0.97e-3, 1, 400);
    config(&all[n++], "mf-sym aligned kappa=100 constant eta=2.7e-4",
           "mf-sym", "aligned", 100, 2.7e-4, 1, 450);
    if (o->full)
    {
        config(&all[n++], "mf aligned kappa=1000 constant eta=0.97e-4", "mf",
               "aligned", 1000, 0.97e-4, 1, 400);
        config(&all[n++], "mf aligned kappa=1000 geometric 2e-4*0.998^t",
               "mf", "aligned", 1000, 2e-4, 0.998, 600);
        config(&all[n++], "mf aligned-unbalanced kappa=10 geometric "
               "2e-3*0.998^t", "mf", "aligned-unbalanced", 10, 2e-3,
               0.998, 600);
        config(&all[n++], "mf-sym aligned kappa=100 geometric 5e-4*0.997^t",
               "mf-sym", "aligned", 100, 5e-4, 0.997, 600);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_p1 = {
    .id = "P1",
    .title = "aligned matrix factorization follows the scalar sign "
             "recursion until the first residual crossing",
    .statement = "max_{t <= t_c} ||U_t - Phi diag(a_t)||_F, ||V_t - Psi "
                 "diag(b_t)||_F <= 1e-12, a_i <- a_i - eta_t sign((a_i b_i "
                 "- lambda_i) b_i) (and b likewise)",
    .source = "[M26]",
    .provenance = "derived",
    .hypotheses = "simplified Muon, exact gradients and polar factor; "
                  "aligned init; window before the first residual crossing; "
                  "negative controls in tests/t-mf-scalar.c",
    .kind = LMC_HARD_STEP,
    .configs = p1_configs,
    .check = p1_check,
};
