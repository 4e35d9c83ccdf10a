/* theorems/precond.c -- what the spectral-preconditioning entries P1-P5
 * share (precond.h). */
#include "precond.h"
#include "common.h"
#include "mf.h"
#include "status.h"

#include <gsl/gsl_fit.h>
#include <math.h>

void
lmc_thm_precond_config(lmc_check_config *c, const char *label,
                       const char *problem, const char *method, double eta0,
                       double rho, size_t K)
{
    lmc_thm_config_init(c, problem, method, "%s", label);
    c->pp = lmc_problem_params_default();
    c->mp.lr = eta0;
    c->mp.step_rule = rho < 1 ? LMC_STEP_GEOMETRIC : LMC_STEP_CONSTANT;
    c->mp.step_rho = rho < 1 ? rho : 1;
    c->rp.iters = K;
    c->rp.measure_delta = 0;
}

double
lmc_thm_mf_f0(const lmc_problem *P)
{
    const lmc_mf_state *st = P->state;
    double f0 = 0;
    for (size_t j = 0; j < st->r; j++)
        f0 += st->lambda[j] * st->lambda[j] / 2;
    return f0;
}

int
lmc_thm_counts_init(lmc_thm_counts *cn, const char *id,
                    const lmc_check_config *c, size_t nk)
{
    if (nk < 3 || nk > LMC_THM_MAX_KAPPA)
        LMC_ERROR(LMC_EINVAL, "%s '%s': want 3..%d kappas", id, c->label,
                  LMC_THM_MAX_KAPPA);
    cn->n = nk;
    return LMC_SUCCESS;
}

/* The least-squares slope of lt = ln T against lk (ln kappa) over the n
 * counts T[i], with the smallest and largest count in *tmin, *tmax. */
static double
count_slope(const double *lk, const double *lt, const size_t *T, size_t n,
            size_t *tmin, size_t *tmax)
{
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_fit_linear(lk, 1, lt, 1, n, &c0, &c1, &cov00, &cov01, &cov11,
                   &sumsq);
    *tmin = *tmax = T[0];
    for (size_t i = 1; i < n; i++)
    {
        *tmin = T[i] < *tmin ? T[i] : *tmin;
        *tmax = T[i] > *tmax ? T[i] : *tmax;
    }
    return c1;
}

double
lmc_thm_precond_slope(lmc_check_result *r, const lmc_check_options *o,
                      const lmc_thm_counts *cn, size_t *tmin, size_t *tmax)
{
    const double c1 =
        count_slope(cn->lk, cn->lt, cn->T, cn->n, tmin, tmax);
    r->slope = c1;
    r->slope_lo = r->slope_hi = NAN;
    r->seed = o->seed_base;
    return c1;
}

void
lmc_thm_precond_flat(lmc_check_result *r, double s, double ratio, double c1,
                     double flat_ratio, double flat_slope)
{
    const double allow = pow(flat_ratio, s), band = flat_slope * s;
    const int ok = ratio <= allow && fabs(c1) <= band;
    lmc_thm_result(r, ok ? LMC_HOLDS : LMC_VIOLATED, log(ratio), log(allow));
    lmc_thm_append(r->detail, sizeof r->detail, "max/min %.4f (allowed "
                   "%.4g), slope %.4f (allowed |.| <= %.3g)", ratio, allow,
                   c1, band);
}
