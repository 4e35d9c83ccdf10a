/* theorems/v3.c -- V3: the MVR2 momentum-error recursion, in expectation
 * (and the machinery V4 shares: the recursions, the hypotheses, the
 * per-t Monte-Carlo decision).
 *
 * Statement (THEORY.md section 3, [C25], derived: background
 * theory-mvr-precond.md C2, D2): for Muon-MVR2 with gamma = 1 (the same
 * sample xi_t at X_t and X_{t-1}), exact polar factors, unbiased samples
 * with E||g - grad f||_F^2 <= sigma^2 and mean-squared smoothness Lbar,
 * eps_t = M_t - grad f(X_t) satisfies E||eps_t||_F^2 <= u_t with
 *   u_1 = sigma^2 (method.h: M_1 = g_1),
 *   u_t = beta_t^2 u_{t-1} + 2 (1-beta_t)^2 sigma^2
 *         + 2 beta_t^2 Lbar^2 eta_{t-1}^2 r                     (t >= 2),
 * r = sum over blocks of min(m_i, n_i) (||O_{t-1}||_F^2 <= r; for one
 * block r = min(m, n)).  V4 (v4.c) is the EMA recursion D3 on the same
 * machinery:
 *   u_t = (1-a_t) u_{t-1} + (1 + 1/a_t) L^2 r eta_{t-1}^2 + a_t^2 sigma^2,
 * a_t = 1 - beta_t, L = L_frob, also from u_1 = sigma^2.
 *
 * Exact gradients (params.stochastic = 0) are the case sigma = 0 with
 * Lbar = L_frob (g(X;xi) = grad f(X)); the check then needs L_frob only.
 *
 * u_t is computed in MPFI from the schedules' doubles eta_t, beta_t (the
 * values the method itself uses, taken as exact) and the declared
 * constants; its endpoints are rounded outward to doubles.
 *
 * eps_t: each seed's method is re-run step by step (the same samples
 * lmc_sample_id(seed, t); the iterates are compared bit for bit with the
 * trace's), its buffer M_t read after step t, and grad f(X_t) taken from
 * the MPFR companion rounded to double.  Entrywise |fl(M - g) - (M -
 * grad f)| <= eps (|M| + |g|), so ||eps_t||_F is enclosed within
 * +- 2 eps (||M||_F + ||g||_F) (a factor 2 for the norm's own rounding).
 * M_t itself carries the method's rounding (~1e-16 relative per step,
 * damped by beta); that is the implementation under test, not the bound.
 *
 * Checked t: 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000 up to K, and K.
 * t = 1 is left out: E||eps_1||_F^2 = E||g_1 - grad f||_F^2 <= sigma^2 is
 * the sigma hypothesis itself (tested by the assumption checker), and on
 * lsq "noise" it is an equality, which no Monte-Carlo rule can decide.
 *
 * Monte-Carlo rule (t4.c's, per checked t, Bonferroni over the n_t
 * checked t's): per-seed values v_s(t) = ||eps_t||_F^2 (enclosed as
 * above), mean and sd over S seeds, z = Phi^{-1}(1 - 0.01 / n_t)
 * (one-sided, family-wise 99%).  Holds if at every checked t
 * mean_hi + z sd / sqrt(S) <= inf(u_t); violated if at some t
 * mean_lo - z sd / sqrt(S) > sup(u_t); otherwise S doubles (up to 8 times
 * the configured seeds) and, still undecided, the verdict is undecided.
 * Exact gradients are deterministic: one seed, no interval.
 */
#include "common.h"
#include "mvr.h"
#include "status.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VR_MAX_T 16

double
lmc_thm_vr_rsum(const lmc_layout *L)
{
    double r = 0;
    for (size_t i = 0; i < L->nblocks; i++)
        r += (double)(L->size1[i] < L->size2[i] ? L->size1[i]
                                                 : L->size2[i]);
    return r;
}

/* u_t for t = 1..K into ulo[t-1] <= u_t <= uhi[t-1]: ema = 0 is D2
 * (MVR2, Lc = Lbar), ema = 1 is D3 (EMA, Lc = L_frob).  MPFI at 128 bits
 * rounds every endpoint outward; the final conversions round down (lo)
 * and up (hi), so [lo, hi] still contains u_t. */
int
lmc_thm_vr_u(int ema, const lmc_method_params *mp, size_t K, double sigma,
             double Lc, double r, double *ulo, double *uhi)
{
    const mpfr_prec_t prec = 128;
    mpfi_t u, s2, a, b, c;
    mpfi_init2(u, prec);
    mpfi_init2(s2, prec);
    mpfi_init2(a, prec);
    mpfi_init2(b, prec);
    mpfi_init2(c, prec);
    mpfi_set_d(s2, sigma);
    mpfi_sqr(s2, s2);
    mpfi_set(u, s2);
    for (size_t t = 1; t <= K; t++)
    {
        if (t >= 2)
        {
            const double beta = lmc_method_beta(mp, t);
            const double eta = lmc_method_eta(mp, t - 1);
            /* c = Lc^2 eta_{t-1}^2 r */
            mpfi_set_d(c, Lc);
            mpfi_mul_d(c, c, eta);
            mpfi_sqr(c, c);
            mpfi_mul_d(c, c, r);
            mpfi_set_d(a, 1.0);
            mpfi_sub_d(a, a, beta); /* a_t = 1 - beta_t, exact interval */
            if (!ema)
            {
                mpfi_set_d(b, beta);
                mpfi_sqr(b, b);
                mpfi_mul(u, u, b);         /* beta^2 u */
                mpfi_mul(c, c, b);
                mpfi_mul_ui(c, c, 2);      /* 2 beta^2 Lbar^2 eta^2 r */
                mpfi_add(u, u, c);
                mpfi_sqr(b, a);
                mpfi_mul(b, b, s2);
                mpfi_mul_ui(b, b, 2);      /* 2 (1-beta)^2 sigma^2 */
                mpfi_add(u, u, b);
            }
            else
            {
                mpfi_mul_d(u, u, beta);    /* (1 - a) u */
                mpfi_ui_div(b, 1, a);
                mpfi_add_ui(b, b, 1);
                mpfi_mul(c, c, b);         /* (1 + 1/a) L^2 r eta^2 */
                mpfi_add(u, u, c);
                mpfi_sqr(b, a);
                mpfi_mul(b, b, s2);        /* a^2 sigma^2 */
                mpfi_add(u, u, b);
            }
        }
        ulo[t - 1] = mpfr_get_d(&u->left, MPFR_RNDD);
        uhi[t - 1] = mpfr_get_d(&u->right, MPFR_RNDU);
    }
    mpfi_clear(u);
    mpfi_clear(s2);
    mpfi_clear(a);
    mpfi_clear(b);
    mpfi_clear(c);
    return isfinite(uhi[K - 1]) ? LMC_SUCCESS : LMC_ENONFINITE;
}

/* Re-runs run's method from X_1 and stores, for each checked t, the
 * enclosure [vlo, vhi] of ||eps_t||_F^2 and its computed value v. */
static int
eps_values(const char *label, const lmc_check_run *run, const size_t *ts,
           size_t nt, gsl_vector *x, gsl_vector *g, gsl_vector *e,
           double *v, double *vlo, double *vhi)
{
    const lmc_layout *Ly = &run->P->layout;
    const size_t n = Ly->total, K = ts[nt - 1];
    lmc_oracle *or[LMC_MAX_BLOCKS];
    lmc_thm_exact_oracles(run, or);
    gsl_vector_memcpy(x, run->x0);
    run->M->measure_delta = 0;
    LMC_TRY(lmc_method_set(run->M, x));
    size_t j = 0;
    for (size_t t = 1; t <= K; t++)
    {
        lmc_step_info info;
        LMC_TRY(lmc_method_iterate(run->M, x, &info));
        if (memcmp(x->data, run->tr->xs + t * n, n * sizeof(double)) != 0)
            LMC_ERROR(LMC_EDOM, "'%s': the re-run left the trace's "
                      "iterates at step %zu", label, t);
        if (t != ts[j])
            continue;
        const gsl_vector *mom = run->M->type->momentum(run->M->state);
        double gd;
        LMC_TRY(lmc_thm_gdual(run->P, or, run->tr->xs + (t - 1) * n, g,
                              &gd));
        gsl_vector_memcpy(e, mom);
        gsl_vector_sub(e, g);
        const double en = gsl_blas_dnrm2(e);
        const double ab = 2 * DBL_EPSILON *
                              (gsl_blas_dnrm2(mom) + gsl_blas_dnrm2(g)) +
                          (double)n * DBL_EPSILON * en;
        v[j] = en * en;
        vhi[j] = (en + ab) * (en + ab) * (1 + 4 * DBL_EPSILON);
        vlo[j] = en > ab ? (en - ab) * (en - ab) * (1 - 4 * DBL_EPSILON) : 0;
        j++;
    }
    return LMC_SUCCESS;
}

/* What a check reads: the label, the checked t = ts[0..nt-1] and the
 * workspaces x, g, e of eps_values, which stores each seed's values v
 * (enclosed in vlo, vhi; seed s at v + s VR_MAX_T); then the Bonferroni
 * z, the bound scale sc and the enclosures [ulo, uhi] of u_t the passes
 * compare them with. */
typedef struct
{
    const char *label;
    const size_t *ts;
    size_t nt;
    gsl_vector *x, *g, *e;
    double *v, *vlo, *vhi;
    double z, sc;
    const double *ulo, *uhi;
} vr_data;

/* One pass of the decision over S seeds: the mean over seeds with a
 * Bonferroni half-width z against sc [ulo, uhi] at each checked t.
 * Holds if every upper confidence bound is below the scaled ulo,
 * violated if a lower one is above the scaled uhi, else undecided; wo
 * gets the worst t (kept from before if no ratio exceeds -inf). */
static lmc_verdict
vr_pass(size_t S, void *vd, lmc_thm_mvr_worst *wo)
{
    const vr_data *d = vd;
    const double *v = d->v, *vlo = d->vlo, *vhi = d->vhi;
    const double *ulo = d->ulo, *uhi = d->uhi, z = d->z, sc = d->sc;
    const size_t *ts = d->ts, nt = d->nt;
    int all_hold = 1, any_viol = 0;
    wo->ratio = -INFINITY;
    for (size_t j = 0; j < nt; j++)
    {
        double mean = 0, mlo = 0, mhi = 0, ss = 0;
        for (size_t s = 0; s < S; s++)
        {
            mean += v[s * VR_MAX_T + j];
            mlo += vlo[s * VR_MAX_T + j];
            mhi += vhi[s * VR_MAX_T + j];
        }
        mean /= (double)S;
        mlo /= (double)S;
        mhi /= (double)S;
        for (size_t s = 0; s < S; s++)
            ss += (v[s * VR_MAX_T + j] - mean) *
                  (v[s * VR_MAX_T + j] - mean);
        const double half =
            S > 1 ? z * sqrt(ss / (double)(S - 1)) / sqrt((double)S) : 0;
        const size_t t = ts[j];
        const double blo = sc * ulo[t - 1] * (1 - DBL_EPSILON);
        const double bhi = sc * uhi[t - 1] * (1 + DBL_EPSILON);
        if (!(mhi * (1 + 2 * DBL_EPSILON) + half <= blo))
            all_hold = 0;
        if (mlo * (1 - 2 * DBL_EPSILON) - half > bhi)
            any_viol = 1;
        const double ratio = mean / (sc * ulo[t - 1]);
        if (ratio > wo->ratio)
        {
            wo->ratio = ratio;
            wo->step = t;
            wo->mean = mean;
            wo->half = half;
            wo->bound = sc * ulo[t - 1];
        }
    }
    return any_viol ? LMC_VIOLATED : all_hold ? LMC_HOLDS : LMC_UNDECIDED;
}

/* The V3/V4 values of one seed's run (for lmc_thm_vr_seeds). */
static int
seed_eps(const lmc_check_run *run, size_t s, const void *vd)
{
    const vr_data *d = vd;
    return eps_values(d->label, run, d->ts, d->nt, d->x, d->g, d->e,
                      d->v + s * VR_MAX_T, d->vlo + s * VR_MAX_T,
                      d->vhi + s * VR_MAX_T);
}

int
lmc_thm_vr_seeds(const lmc_check_config *c, const lmc_check_options *o,
                 const lmc_check_run *first, size_t *S, size_t target,
                 lmc_thm_vr_values_fn values, const void *data)
{
    int status = LMC_SUCCESS;
    for (; *S < target && status == LMC_SUCCESS; (*S)++)
    {
        const size_t s = *S;
        lmc_check_run run;
        status = s == 0 ? LMC_SUCCESS
                        : lmc_check_run_exec(c, o->seed_base + s, &run);
        if (status)
            break;
        const lmc_check_run *use = s == 0 ? first : &run;
        if (use->tr->stop != LMC_STOP_BUDGET)
        {
            lmc_error(__FILE__, __LINE__, LMC_EDOM, "seed %lu stopped: "
                      "%s", o->seed_base + s, use->tr->why);
            status = LMC_EDOM;
        }
        if (status == LMC_SUCCESS)
            status = values(use, s, data);
        if (s > 0)
            lmc_check_run_free(&run);
    }
    return status;
}

/* The checked t: 2, 3, 5, 10, ..., 1000 below K, and K; returns how
 * many (at most VR_MAX_T). */
static size_t
vr_checked_t(size_t K, size_t *ts)
{
    static const size_t grid[] = {2, 3, 5, 10, 20, 50, 100, 200, 500, 1000};
    size_t nt = 0;
    for (size_t i = 0; i < sizeof grid / sizeof grid[0]; i++)
        if (grid[i] < K)
            ts[nt++] = grid[i];
    ts[nt++] = K;
    return nt;
}

/* Refuses (1) unless the first run is a full run of >= 2 steps of a
 * method the recursion covers, with the exact polar factor. */
static int
vr_refused(const lmc_check_config *c, const lmc_check_run *first, int ema,
           lmc_check_result *r)
{
    const char *mname = first->M->type->name;
    if (lmc_thm_mvr_covers(c, mname, ema) && lmc_thm_mvr_exact_polar(c) &&
        first->tr->stop == LMC_STOP_BUDGET && first->tr->n - 1 >= 2)
        return 0;
    lmc_thm_refuse(r, "the bound needs %s with the "
             "exact polar factor and a full run of >= 2 steps (method "
             "%s, gamma %g, stop: %s)",
             ema ? "muon or mvr1/mvr2 with gamma = 0"
                 : "mvr2 with gamma = 1",
             mname, c->mp.gamma, lmc_stop_name(first->tr->stop));
    return 1;
}

int
lmc_thm_vr_check(const lmc_check_config *c, const lmc_check_options *o,
                 lmc_check_result *r, int ema)
{
    const int stoch = c->mp.stochastic;
    const size_t Smax = lmc_thm_mvr_max_seeds(c);
    lmc_check_run first;
    memset(&first, 0, sizeof first);
    double *v = malloc(3 * Smax * VR_MAX_T * sizeof *v);
    double *ulo = NULL, *uhi = NULL;
    gsl_vector *x = NULL, *g = NULL, *e = NULL;
    int status = v ? lmc_check_run_exec(c, o->seed_base, &first)
                   : LMC_ENOMEM;
    if (status)
        goto done;
    double *vlo = v + Smax * VR_MAX_T, *vhi = vlo + Smax * VR_MAX_T;
    const lmc_problem *P = first.P;
    const size_t K = first.tr->n - 1, n = P->layout.total;
    r->seed = o->seed_base;
    if (vr_refused(c, &first, ema, r))
        goto done;
    const unsigned kinds =
        stoch ? LMC_HAS_SIGMA | (ema ? LMC_HAS_LFROB : LMC_HAS_LBAR)
              : LMC_HAS_LFROB;
    const int h = lmc_thm_vr_hypotheses(&first, kinds, K, r->detail,
                                        sizeof r->detail);
    if (lmc_thm_hypotheses_end(h, r, &status))
        goto done;
    double sigma, Lc;
    lmc_thm_mvr_constants(c, P, ema, &sigma, &Lc);
    const double rsum = lmc_thm_vr_rsum(&P->layout);
    size_t ts[VR_MAX_T];
    const size_t nt = vr_checked_t(K, ts);
    ulo = malloc(K * sizeof *ulo);
    uhi = malloc(K * sizeof *uhi);
    x = gsl_vector_alloc(n);
    g = gsl_vector_alloc(n);
    e = gsl_vector_alloc(n);
    if (!ulo || !uhi || !x || !g || !e)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    status = lmc_thm_vr_u(ema, &c->mp, K, sigma, Lc, rsum, ulo, uhi);
    if (status)
        goto done;
    /* The scaled bound, rounded outward once more (in vr_pass); before
     * any pass the worst point is the first checked t. */
    vr_data d = {c->label, ts, nt, x, g, e, v, vlo, vhi,
                 gsl_cdf_ugaussian_Qinv(0.01 / (double)nt), o->bound_scale,
                 ulo, uhi};
    lmc_thm_mvr_worst wo = {ts[0], -INFINITY, NAN, NAN,
                            d.sc * ulo[ts[0] - 1]};
    size_t S;
    status = lmc_thm_mvr_decide(c, o, &first, seed_eps, vr_pass, &d, r, &wo,
                                &S);
    if (status)
        goto done;
    lmc_snprintf(r->detail, sizeof r->detail, "worst of t in {2..%zu} (%zu "
             "checked, Bonferroni z = %.3f) at t = %zu over %zu seeds: "
             "mean ||eps_t||_F^2 = %.6g +- %.3g vs u_t (%s, u_1 = sigma^2 = "
             "%g, %s = %g, r = %g)", K, nt, d.z, wo.step, S, wo.mean,
             wo.half, ema ? "EMA D3" : "MVR2 D2", sigma * sigma,
             stoch && !ema ? "Lbar" : "L_frob", Lc, rsum);
done:
    free(v);
    free(ulo);
    free(uhi);
    gsl_vector_free(x);
    gsl_vector_free(g);
    gsl_vector_free(e);
    lmc_check_run_free(&first);
    return status;
}

static int
v3_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    return lmc_thm_vr_check(c, o, r, 0);
}

/* lsq "noise" with mvr2, gamma = 1: eta_t = eta0 t^-p, and 1 - beta_t =
 * t^-2/3 if poly, else the constant beta. */
static void
config(lmc_check_config *c, const char *label, double kappa, double beta,
       int poly, double eta0, double p, size_t K, size_t seeds)
{
    lmc_thm_mvr_config_lsq(c, label, kappa, "mvr2", beta, poly, 2.0 / 3.0,
                           eta0, p, K, seeds);
}

static size_t
v3_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[6];
    size_t n = 0;
    /* The tight point: additive noise makes eps_t = beta eps_{t-1} +
     * (1-beta) n_t exactly (the same noise at both points), so at t = 2
     * E||eps_2||^2 = (beta^2 + (1-beta)^2) sigma^2 against u_2 =
     * (beta^2 + 2 (1-beta)^2) sigma^2 + 2 beta^2 Lbar^2 eta^2 r: 0.66 at
     * beta = 1/2, eta = 0.01; halving the bound must fail. */
    config(&all[n++], "lsq noise mvr2 beta=0.5 eta=0.01 (tight)", 10, 0.5,
           0, 0.01, 0, 30, 16);
    config(&all[n++], "lsq noise mvr2 eta=0.05 t^-2/3, 1-beta=t^-2/3", 10,
           0, 1, 0.05, 2.0 / 3.0, 100, 16);
    config(&all[n++], "lsq noise mvr2 beta=0.9 eta=0.02", 10, 0.9, 0, 0.02,
           0, 60, 16);
    if (o->full)
    {
        config(&all[n++], "lsq noise kappa=100 mvr2 t^-2/3 K=1000", 100, 0,
               1, 0.05, 2.0 / 3.0, 1000, 32);
        config(&all[n++], "lsq noise mvr2 beta=0.99 eta=0.005 K=500", 10,
               0.99, 0, 0.005, 0, 500, 32);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_v3 = {
    .id = "V3",
    .title = "MVR2 momentum-error recursion (in expectation)",
    .statement = "E||eps_t||_F^2 <= u_t, u_1 = sigma^2, u_t = beta_t^2 "
                 "u_{t-1} + 2 (1-beta_t)^2 sigma^2 + 2 beta_t^2 Lbar^2 "
                 "eta_{t-1}^2 r, eps_t = M_t - grad f(X_t), r = min(m, n)",
    .source = "[C25]",
    .provenance = "derived",
    .hypotheses = "mvr2 with gamma = 1, exact polar factor; sigma and Lbar "
                  "declared (checked along the run); samples independent "
                  "of the past; M_1 = g_1",
    .kind = LMC_HARD_EXPECTATION,
    .configs = v3_configs,
    .check = v3_check,
};
