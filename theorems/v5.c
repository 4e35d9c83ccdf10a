/* theorems/v5.c -- V5: the anytime ergodic bound of Muon / Muon-MVR2, in
 * expectation, at every prefix T of one run (and, for v7.c, its PL
 * transfer).
 *
 * Statement (THEORY.md section 3, [C25], derived: background
 * theory-mvr-precond.md C2, D4): for a non-increasing step eta_t, exact
 * polar factors and f Frobenius L-smooth,
 *   (1/T) sum_{t<=T} E||grad f(X_t)||_*
 *     <= [Delta_1 + 2 sqrt(r) sum_{t<=T} eta_t sqrt(u_t)
 *         + (L r / 2) sum_{t<=T} eta_t^2] / (T eta_T) =: RHS_T,
 * Delta_1 = f(X_1) - f*, r = sum over blocks of min(m_i, n_i), L =
 * L_frob, u_t the bound on E||eps_t||_F^2 of V3 (MVR2 with gamma = 1: D2,
 * Lbar) or V4 (muon, or mvr1/mvr2 with gamma = 0: D3, L_frob), u_1 =
 * sigma^2 (M_1 = g_1).  Derivation: sum D1 (V2) over t <= T, divide by
 * eta_T <= eta_t, E||eps_t||_* <= sqrt(r) E||eps_t||_F <= sqrt(r u_t)
 * (Jensen), f(X_{T+1}) >= f*.  Exact gradients: sigma = 0, Lbar = L_frob.
 *
 * One run of length K checks every prefix T = 1..K (the schedules are
 * horizon-free); the report names the worst prefix (largest ratio).
 *
 * Enclosures: Delta_1 by lmc_thm_gap (MPFR), u_t by v3.c's
 * lmc_thm_vr_u (MPFI, outward), RHS_T in MPFI from eta_t and the declared
 * constants as exact doubles; ||grad f(X_t)||_* from the MPFR gradient at
 * the stored iterates (lmc_thm_gdual) within lmc_thm_norm_rel.
 *
 * Monte-Carlo rule (t4.c's): per seed the prefix averages p_s(T); mean and
 * sd over S seeds; z = Phi^{-1}(1 - 0.01/K), Bonferroni over the K
 * prefixes (family-wise one-sided 99%).  Holds if (mean + z sd/sqrt(S))
 * (1 + rel) <= inf(RHS_T) for every T; violated if (mean - z sd/sqrt(S))
 * (1 - rel) > sup(RHS_T) for some T; otherwise S doubles up to 8 times
 * the configured seeds, then undecided.  Exact gradients: one seed.
 *
 * V7 (v7.c, D5): with PL (1/2)||grad f||_F^2 >= mu (f - f*),
 *   min_{t<=T} E sqrt(f(X_t) - f*) <= (2 mu)^(-1/2) RHS_T,
 * because sqrt(f - f*) <= ||grad f||_F / sqrt(2 mu) <= ||grad f||_* /
 * sqrt(2 mu) and a minimum is below an average.  Per-t intervals for
 * E sqrt(f(X_t) - f*) (Bonferroni over the K iterates, so they hold
 * simultaneously): holds at T if min_{t<=T} of the upper limits is
 * <= inf((2 mu)^(-1/2) RHS_T), violated if min_{t<=T} of the lower
 * limits exceeds its sup.  The last-iterate gap slope is reported only.
 */
#include "assume.h"
#include "common.h"
#include "mvr.h"
#include "status.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* blo[T-1] <= scale * RHS_T (times (2 mu)^(-1/2) if pl) <= bhi[T-1]. */
static int
rhs_all(const lmc_check_run *run, const lmc_method_params *mp, size_t K,
        const double *ulo, const double *uhi, double L, double rsum,
        int pl, double mu, double scale, double *blo, double *bhi)
{
    const mpfr_prec_t prec = 128;
    mpfi_t d1, s1, s2, a, b, k;
    mpfi_init2(d1, prec);
    mpfi_init2(s1, prec);
    mpfi_init2(s2, prec);
    mpfi_init2(a, prec);
    mpfi_init2(b, prec);
    mpfi_init2(k, prec);
    int status = lmc_thm_gap(run->P, run->x0->data, d1, prec);
    mpfi_set_ui(s1, 0);
    mpfi_set_ui(s2, 0);
    /* k = scale (2 mu)^(-1/2) or scale */
    mpfi_set_d(k, scale);
    if (pl)
    {
        mpfi_set_d(a, mu);
        mpfi_mul_ui(a, a, 2);
        mpfi_sqrt(a, a);
        mpfi_div(k, k, a);
    }
    for (size_t T = 1; status == LMC_SUCCESS && T <= K; T++)
    {
        const double eta = lmc_method_eta(mp, T);
        mpfi_interv_d(a, ulo[T - 1], uhi[T - 1]);
        mpfi_sqrt(a, a);
        mpfi_mul_d(a, a, eta);
        mpfi_add(s1, s1, a);           /* sum eta_t sqrt(u_t) */
        mpfi_set_d(a, eta);
        mpfi_sqr(a, a);
        mpfi_add(s2, s2, a);           /* sum eta_t^2 */
        mpfi_set_d(a, rsum);
        mpfi_sqrt(a, a);
        mpfi_mul(a, a, s1);
        mpfi_mul_ui(a, a, 2);
        mpfi_add(a, a, d1);
        mpfi_mul_d(b, s2, L);
        mpfi_mul_d(b, b, rsum);
        mpfi_div_ui(b, b, 2);
        mpfi_add(a, a, b);
        mpfi_div_d(a, a, eta);
        mpfi_div_ui(a, a, (unsigned long)T);
        mpfi_mul(a, a, k);
        blo[T - 1] = mpfr_get_d(&a->left, MPFR_RNDD);
        bhi[T - 1] = mpfr_get_d(&a->right, MPFR_RNDU);
    }
    mpfi_clear(d1);
    mpfi_clear(s1);
    mpfi_clear(s2);
    mpfi_clear(a);
    mpfi_clear(b);
    mpfi_clear(k);
    return status;
}

/* Per-iterate values of one run, t = 1..K: the dual gradient norm (V5)
 * or sqrt(f(X_t) - f*) (V7), nominal w and enclosure [wlo, whi]. */
static int
values(const lmc_check_run *run, size_t K, int pl, double rel,
       gsl_vector *g, double *w, double *wlo, double *whi)
{
    const size_t n = run->P->layout.total;
    lmc_oracle *or[LMC_MAX_BLOCKS];
    lmc_thm_exact_oracles(run, or);
    mpfi_t gp;
    mpfi_init2(gp, 128);
    int status = LMC_SUCCESS;
    for (size_t t = 1; status == LMC_SUCCESS && t <= K; t++)
    {
        const double *xt = run->tr->xs + (t - 1) * n;
        if (!pl)
        {
            double gd;
            status = lmc_thm_gdual(run->P, or, xt, g, &gd);
            w[t - 1] = gd;
            wlo[t - 1] = gd * (1 - rel);
            whi[t - 1] = gd * (1 + rel);
            continue;
        }
        status = lmc_thm_gap(run->P, xt, gp, 128);
        const double lo = mpfr_get_d(&gp->left, MPFR_RNDD);
        const double hi = mpfr_get_d(&gp->right, MPFR_RNDU);
        /* sqrt in double is correctly rounded: one ulp either way. */
        wlo[t - 1] = lo > 0 ? sqrt(lo) * (1 - DBL_EPSILON) : 0;
        whi[t - 1] = hi > 0 ? sqrt(hi) * (1 + DBL_EPSILON) : 0;
        w[t - 1] = 0.5 * (wlo[t - 1] + whi[t - 1]);
    }
    mpfi_clear(gp);
    return status;
}

/* What a check reads: each seed's values w (enclosed in wlo, whi; seed
 * s at w + s K) stored by `values` (pl: V7's, rel, with the workspace
 * g), then the Bonferroni z and the bound's enclosures [blo, bhi] the
 * passes compare them with; cum (one per seed) and mg (K, the means) are
 * the passes' workspaces. */
typedef struct
{
    double *w, *wlo, *whi;
    size_t K;
    int pl;
    double rel;
    gsl_vector *g;
    double z;
    const double *blo, *bhi;
    double *cum, *mg;
} v5_data;

/* One pass of the decision over S seeds: for each T = 1..K the mean over
 * seeds (V5: of the per-seed prefix average, V7 (pl): of the per-t
 * value, then its running minimum) with a Bonferroni half-width z,
 * against [blo, bhi].  Holds if every upper confidence bound is below
 * blo, violated if a lower one is above bhi, else undecided; *wo gets
 * the worst T, the largest ratio of the (running-min) mean to the bound
 * (kept from before if no ratio exceeds -inf). */
static lmc_verdict
v5_pass(size_t S, void *vd, lmc_thm_mvr_worst *wo)
{
    const v5_data *d = vd;
    const double *w = d->w, *wlo = d->wlo, *whi = d->whi;
    const double *blo = d->blo, *bhi = d->bhi, rel = d->rel, z = d->z;
    const size_t K = d->K;
    const int pl = d->pl;
    double *cum = d->cum, *mg = d->mg;
    int all_hold = 1, any_viol = 0;
    double minu = INFINITY, minl = INFINITY, minm = INFINITY;
    wo->ratio = -INFINITY;
    for (size_t s = 0; s < S; s++)
        cum[s] = 0;
    for (size_t T = 1; T <= K; T++)
    {
        /* V5: per-seed prefix averages at T; V7: per-t values. */
        double mean = 0, mlo = 0, mhi = 0, ss = 0;
        for (size_t s = 0; s < S; s++)
        {
            const size_t i = s * K + T - 1;
            cum[s] += w[i];
            const double val = pl ? w[i] : cum[s] / (double)T;
            mean += val;
        }
        mean /= (double)S;
        for (size_t s = 0; s < S; s++)
        {
            const size_t i = s * K + T - 1;
            const double val = pl ? w[i] : cum[s] / (double)T;
            ss += (val - mean) * (val - mean);
            if (pl)
            {
                mlo += wlo[i];
                mhi += whi[i];
            }
        }
        if (pl)
        {
            mlo /= (double)S;
            mhi /= (double)S;
        }
        else
        {
            /* rel bounds every term of the prefix average alike. */
            mlo = mean * (1 - rel);
            mhi = mean * (1 + rel);
        }
        mg[T - 1] = mean;
        const double half =
            S > 1 ? z * sqrt(ss / (double)(S - 1)) / sqrt((double)S) : 0;
        double ucb = (mhi + half) * (1 + 2 * DBL_EPSILON);
        double lcb = (mlo - half) * (1 - 2 * DBL_EPSILON);
        double m = mean;
        if (pl)
        {
            minu = fmin(minu, ucb);
            minl = fmin(minl, lcb);
            minm = fmin(minm, mean);
            ucb = minu;
            lcb = minl;
            m = minm;
        }
        if (!(ucb <= blo[T - 1]))
            all_hold = 0;
        if (lcb > bhi[T - 1])
            any_viol = 1;
        const double ratio = m / blo[T - 1];
        if (ratio > wo->ratio)
        {
            wo->ratio = ratio;
            wo->step = T;
            wo->mean = m;
            wo->half = half;
            wo->bound = blo[T - 1];
        }
    }
    return any_viol ? LMC_VIOLATED : all_hold ? LMC_HOLDS : LMC_UNDECIDED;
}

/* The least-squares slope of log E[f(X_t) - f*] (the mean over the S
 * seeds of w^2) against log t over t in [K/4, K], skipping t where the
 * mean is not positive. */
static double
v5_gap_slope(const double *w, size_t S, size_t K)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, cnt = 0;
    for (size_t t = K / 4; t <= K; t++)
    {
        double gm = 0;
        for (size_t s = 0; s < S; s++)
            gm += w[s * K + t - 1] * w[s * K + t - 1];
        gm /= (double)S;
        if (!(gm > 0))
            continue;
        const double lx = log((double)t), ly = log(gm);
        sx += lx;
        sy += ly;
        sxx += lx * lx;
        sxy += lx * ly;
        cnt += 1;
    }
    return (cnt * sxy - sx * sy) / (cnt * sxx - sx * sx);
}

/* The V5/V7 values of one seed's run (for lmc_thm_vr_seeds). */
static int
seed_values(const lmc_check_run *run, size_t s, const void *vd)
{
    const v5_data *d = vd;
    return values(run, d->K, d->pl, d->rel, d->g, d->w + s * d->K,
                  d->wlo + s * d->K, d->whi + s * d->K);
}

/* Refuses (1) unless the first run is a full run (K >= 1) of a method
 * one of the recursions covers (*d2: V3's), with the exact polar factor
 * and a non-increasing step. */
static int
v5_refused(const lmc_check_config *c, const lmc_check_run *first, size_t K,
           int *d2, lmc_check_result *r)
{
    const char *mname = first->M->type->name;
    *d2 = lmc_thm_mvr_covers(c, mname, 0);
    const int ema = lmc_thm_mvr_covers(c, mname, 1);
    int monotone = 1;
    for (size_t t = 1; t < K; t++)
        if (lmc_method_eta(&c->mp, t + 1) > lmc_method_eta(&c->mp, t))
            monotone = 0;
    if ((*d2 || ema) && lmc_thm_mvr_exact_polar(c) && monotone &&
        first->tr->stop == LMC_STOP_BUDGET && K >= 1)
        return 0;
    lmc_thm_refuse(r, "the bound needs mvr2 with "
             "gamma = 1 or muon / gamma = 0, the exact polar factor, a "
             "non-increasing step and a full run (method %s, gamma %g, "
             "monotone %d, stop: %s)", mname, c->mp.gamma, monotone,
             lmc_stop_name(first->tr->stop));
    return 1;
}

/* The constants the bound is computed from (for the report). */
typedef struct
{
    double sigma, Lc, L, rsum;
} v5_constants;

/* The check's one-line report: the worst prefix wo over S seeds and the
 * constants; for V7 (pl) with K >= 8 the last-iterate gap slope (report
 * only, also into r->slope). */
static void
v5_detail(const v5_data *d, const lmc_thm_mvr_worst *wo, size_t S, int d2,
          int stoch, const v5_constants *k, lmc_check_result *r)
{
    const int pl = d->pl;
    const size_t K = d->K;
    const int n0 = lmc_snprintf(
        r->detail, sizeof r->detail, "worst prefix T = %zu of %zu over %zu "
        "seeds (Bonferroni z = %.3f): %s = %.6g +- %.3g vs %s with u_t from "
        "%s (sigma = %g, %s = %g), L_frob = %g, r = %g", wo->step, K, S,
        d->z, pl ? "min_t E sqrt(f - f*)" : "(1/T) sum E||grad f||_*",
        wo->mean, wo->half, pl ? "(2 mu)^(-1/2) RHS_T" : "RHS_T",
        d2 ? "V3 (D2)" : "V4 (D3)", k->sigma,
        stoch && d2 ? "Lbar" : "L_frob", k->Lc, k->L, k->rsum);
    if (pl && K >= 8 && n0 > 0 && (size_t)n0 < sizeof r->detail)
    {
        /* Report only: least-squares slope of log E[f(X_t) - f*] over
         * t in [K/4, K] (the mean of the squared values), against the
         * claimed -1/4 (MVR1 / Muon) and -1/3 (MVR2). */
        const double slope = v5_gap_slope(d->w, S, K);
        r->slope = slope;
        lmc_snprintf(r->detail + n0, sizeof r->detail - (size_t)n0,
                 "; last-iterate gap slope over t in [%zu, %zu]: %.3f "
                 "(claimed %s, report only)", K / 4, K, slope,
                 d2 ? "-1/3" : "-1/4");
    }
}

int
lmc_thm_v5_check(const lmc_check_config *c, const lmc_check_options *o,
                 lmc_check_result *r, int pl)
{
    const int stoch = c->mp.stochastic;
    const size_t Smax = lmc_thm_mvr_max_seeds(c);
    lmc_check_run first;
    memset(&first, 0, sizeof first);
    double *buf = NULL;
    gsl_vector *g = NULL;
    int status = lmc_check_run_exec(c, o->seed_base, &first);
    if (status)
        return status;
    const lmc_problem *P = first.P;
    const size_t K = first.tr->n - 1;
    r->seed = o->seed_base;
    int d2;
    if (v5_refused(c, &first, K, &d2, r))
        goto done;
    unsigned kinds = LMC_HAS_LFROB | LMC_HAS_FSTAR;
    if (stoch)
        kinds |= LMC_HAS_SIGMA | (d2 ? LMC_HAS_LBAR : 0u);
    if (pl)
        kinds |= LMC_HAS_MU;
    const int h = lmc_thm_vr_hypotheses(&first, kinds, K, r->detail,
                                        sizeof r->detail);
    if (lmc_thm_hypotheses_end(h, r, &status))
        goto done;
    v5_constants k = {0, 0, P->c.L_frob, lmc_thm_vr_rsum(&P->layout)};
    lmc_thm_mvr_constants(c, P, !d2, &k.sigma, &k.Lc);
    const double rel = lmc_thm_norm_rel(&P->layout);
    /* u, b (2 K each), then w, wlo, whi (Smax K each), then per-seed
     * running sums and per-t means (Smax + 4 K). */
    buf = malloc((8 * K + 4 * Smax * K + Smax) * sizeof *buf);
    g = gsl_vector_alloc(P->layout.total);
    if (!buf || !g)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    double *ulo = buf, *uhi = ulo + K, *blo = uhi + K, *bhi = blo + K;
    double *w = bhi + K, *wlo = w + Smax * K, *whi = wlo + Smax * K;
    double *cum = whi + Smax * K, *mg = cum + Smax;
    status = lmc_thm_vr_u(!d2, &c->mp, K, k.sigma, k.Lc, k.rsum, ulo, uhi);
    if (status == LMC_SUCCESS)
        status = rhs_all(&first, &c->mp, K, ulo, uhi, k.L, k.rsum, pl,
                         P->c.mu, o->bound_scale, blo, bhi);
    if (status)
        goto done;
    v5_data d = {w, wlo, whi, K, pl, rel, g,
                 gsl_cdf_ugaussian_Qinv(0.01 / (double)K), blo, bhi, cum, mg};
    lmc_thm_mvr_worst wo = {0, -INFINITY, NAN, NAN, NAN};
    size_t S;
    status = lmc_thm_mvr_decide(c, o, &first, seed_values, v5_pass, &d, r,
                                &wo, &S);
    if (status == LMC_SUCCESS)
        v5_detail(&d, &wo, S, d2, stoch, &k, r);
done:
    free(buf);
    gsl_vector_free(g);
    lmc_check_run_free(&first);
    return status;
}

static int
v5_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    return lmc_thm_v5_check(c, o, r, 0);
}

/* V5's configurations (lmc_thm_config_vr with the problem's default
 * size). */
static void
config(lmc_check_config *c, const char *label, const char *problem,
       const char *variant, double kappa, const char *method, double eta0,
       double p, double q, size_t K, size_t seeds)
{
    lmc_thm_config_vr(c, label, problem, variant, 0, kappa, method, eta0, p,
                      q, K, seeds);
}

static size_t
v5_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[8];
    size_t n = 0;
    const double p3 = 2.0 / 3.0;
    /* The tight point: exact gradients, kappa = 1, no momentum (u_1 = 0).
     * At T = 1 the bound is Delta_1/eta + L r eta / 2 against ||grad
     * f(X_1)||_* = ||E||_* (E = X_1 - X*, Delta_1 = ||E||_F^2 / 2), whose
     * minimum over eta, sqrt(r) ||E||_F, exceeds ||E||_* only by the
     * spread of E's singular values; eta = 0.35 is near the minimizer. */
    config(&all[n++], "lsq exact kappa=1 muon beta=0 eta=0.35 (tight)",
           "lsq", "exact", 1, "muon", 0.35, 0, 0, 20, 1);
    config(&all[n++], "lsq noise mvr2 eta=0.05 t^-2/3, 1-beta=t^-2/3",
           "lsq", "noise", 10, "mvr2", 0.05, p3, p3, 100, 16);
    config(&all[n++], "lsq noise muon eta=0.05 t^-3/4, 1-beta=t^-1/2",
           "lsq", "noise", 10, "muon", 0.05, 0.75, 0.5, 100, 16);
    config(&all[n++], "pl-sin exact mvr2 eta=0.5 t^-2/3, 1-beta=t^-2/3",
           "pl-sin", NULL, 0, "mvr2", 0.5, p3, p3, 200, 1);
    if (o->full)
    {
        config(&all[n++], "lsq noise mvr2 t^-2/3 K=1000", "lsq", "noise",
               10, "mvr2", 0.05, p3, p3, 1000, 16);
        config(&all[n++], "lsq noise muon t^-3/4, t^-1/2 K=1000", "lsq",
               "noise", 10, "muon", 0.05, 0.75, 0.5, 1000, 16);
        config(&all[n++], "pl-sin exact muon eta=0.5 t^-3/4, t^-1/2 K=2000",
               "pl-sin", NULL, 0, "muon", 0.5, 0.75, 0.5, 2000, 1);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_v5 = {
    .id = "V5",
    .title = "anytime ergodic bound, every prefix of one run",
    .statement = "(1/T) sum_{t<=T} E||grad f(X_t)||_* <= [Delta_1 + 2 "
                 "sqrt(r) sum eta_t sqrt(u_t) + (L r/2) sum eta_t^2] / "
                 "(T eta_T), u_t from V3 (mvr2) or V4 (muon), every T <= K",
    .source = "[C25]",
    .provenance = "derived",
    .hypotheses = "non-increasing eta_t; exact polar factor; L_frob, f* "
                  "and (stochastic) sigma, Lbar (mvr2) declared and checked "
                  "along the run; mvr2 with gamma = 1 or muon / gamma = 0",
    .kind = LMC_HARD_EXPECTATION,
    .configs = v5_configs,
    .check = v5_check,
};
