/* theorems/p5.c -- P5: linear convergence of simplified Muon on matrix
 * factorization, at a rate that does not depend on kappa (soft).
 *
 * Statement (THEORY.md section 4, [M26]; background theory-mvr-precond.md
 * D B-2): in the converging phase ln e_t against t fits a line with
 * R^2 > 0.99, and the fitted rate varies by less than 10% across kappa for
 * simplified Muon.  Here e_t = ||U_t V_t^T - M*||_F / ||M*||_F =
 * sqrt(f(X_t) / f(0)), f(0) = sum_i lambda_i^2 / 2 (as in p2.c), on "mf"
 * (Haar-rotated Phi, Psi; lambda geometric 1..1/kappa) with eta_t =
 * eta_0 rho^(t-1), eta_0 scaled to sqrt(||M*||_2) = 1 (p2.c's rule).
 *
 * Converging phase (stated, the same for every kappa): from the first t
 * with e_t <= E_HI = 1e-4 (every mode has reached its target: before,
 * the error is dominated by modes still growing at eta_t per step, a
 * different, kappa-dependent regime) to the first t with e_t <= E_LO =
 * 1e-10 (above the double floor of e, ~1e-15).  Fit: gsl_fit_linear of
 * ln e_t on t over the window, R^2 = 1 - SSE / SST; the rate is the
 * negated slope.  In the window the modes follow the sign recursion
 * around their targets with |s_i - sqrt(lambda_i)| <= eta_t, so e_t
 * tracks eta_t up to a bounded factor and the expected rate is -ln rho;
 * the bounded factor (which mode crossed last, and where in the 2-cycle)
 * is what makes R^2 < 1.
 *
 * Reported beside it (not decided): R^2 of the pair-RMS error
 * e_rms,t = sqrt((e_t^2 + e_{t-1}^2) / 2), P3's quantity, over the same
 * window.
 *
 * FINDING (2026-11-24): the per-iterate fit THEORY states fails.  Over
 * kappa 1..1e4 (aligned, eta_t = 0.1 * 0.95^(t-1)) R^2 = 0.955, 0.998,
 * 0.956, 0.943, 0.974, and with the small init (0.05 * 0.97^(t-1)) 0.966,
 * 0.988, 0.955, 0.956, 0.951; the rates do satisfy the 10% claim
 * (0.0498..0.0521, spread 4.6%, vs -ln rho = 0.0513; small init
 * 0.0302..0.0312, spread 3.5%, vs 0.0305).  The scatter is the 2-cycle of
 * p3.c: each mode sits at delta or delta + eta_t from its target with
 * delta anywhere in (-eta_t, 0], so single iterates jump by factors of
 * ~2-3 around the trend.  The pair-RMS error, bounded in [c1, c2] eta_t
 * with c2/c1 ~ 2, fits with R^2 >= 0.9993 in every case.  Whether [M26]
 * means a per-iterate or a smoothed error is unknown.  The two parts of
 * the statement are separate configurations: the rate spread (holds) is
 * an ordinary point; the per-iterate R^2 carries finding F3
 * (reports/findings.md) and `check` reports it as TAP TODO (expected to
 * fail; the run fails if it ever holds).  The threshold is not loosened.
 *
 * On the MPFR reference (2026-12-04).  Both points decide on the
 * reference trajectory of the configuration (src/mp/traj_mp.h, 384 bits,
 * common.h), the fp64 rates and the fp64 run's departure step beside it.
 * The fp64 run leaves the exact trajectory early (relative difference >
 * 1e-10 at step 94 for kappa = 1, 10-18 for kappa >= 10; the aligned set
 * is transversally unstable as in p4.c), and its per-iterate fit moved
 * by up to 37% between OpenBLAS kernels.  On the reference (the window
 * and fit unchanged): rates 0.04477, 0.05140, 0.05254, 0.05077 for kappa
 * 1..1e3 (spread 17.4%), R^2 0.830, 0.997, 0.948, 0.939, pair-RMS R^2 >=
 * 0.9995.  FINDING F10: the rate claim fails in exact arithmetic and
 * holds in fp64 (spread 2.9-4.6%): at kappa = 1 all four modes have the
 * same target and move in lockstep, so e_t is one mode's 2-cycle
 * sawtooth and the fit's slope is off by 13% (R^2 0.83); rounding
 * desynchronizes the modes in fp64 and smooths the error.  Both points
 * are TODO points now (F3 the fit, F10 the rate).  From the small random
 * init (--full) the modes are not in lockstep and the rate claim holds on
 * the reference too (0.03042..0.03059, spread 0.56%).  The reference's numbers
 * depend on the stored Phi, Psi, which differ in the last bits between
 * OpenBLAS kernels (they come from a QR that calls BLAS): rates 0.04461 ..
 * 0.05204 (spread 16.7%) under Haswell; the verdicts agree.
 *
 * Decisions (settings.p5.fit selects: 0 the rate, 1 the fit): every kappa
 * reaches E_LO, and either max rate / min rate - 1 < RATE_VAR = 0.10
 * across kappa (measured / bound (max/min - 1) / RATE_VAR), or each
 * window's R^2 > R2_MIN = 0.99 (measured / bound (1 - R^2_min) /
 * (1 - R2_MIN)).
 *
 * Negative control: --bound-scale s replaces the constants by wrong
 * ones: 1 - R2_MIN becomes (1 - R2_MIN) s and RATE_VAR becomes
 * RATE_VAR s^4 (s = 0.5: R^2 > 0.995 and a spread below 0.6%).  The
 * second is the one that fails: the rates differ by 1-3% across kappa
 * (measured below), well inside the claim's 10% but not 0.6%.
 */
#include "common.h"
#include "precond.h"
#include "mf.h"
#include "status.h"

#include <gsl/gsl_fit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define E_HI 1e-4
#define E_LO 1e-10
#define R2_MIN 0.99
#define RATE_VAR 0.10
#define MAX_KAPPA 8
#define MAX_WIN 4096

/* R^2 of the least-squares line through (x_k, y_k), k < n; its slope
 * in *slope if not NULL. */
static double
p5_r2(const double *x, const double *y, size_t n, double *slope)
{
    double c0, c1, cov00, cov01, cov11, sse, mean = 0, sst = 0;
    gsl_fit_linear(x, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sse);
    if (slope)
        *slope = c1;
    for (size_t k = 0; k < n; k++)
        mean += y[k];
    mean /= (double)n;
    for (size_t k = 0; k < n; k++)
        sst += (y[k] - mean) * (y[k] - mean);
    return 1 - sse / sst;
}

/* The fp64 run's rate over its own window ta..tb (NaN if the window is
 * not complete or shorter than 11 iterates), for the report: minus the
 * slope of ln e_t, e_t = sqrt(gap_t / f0) (gap_t itself if the gaps were
 * already turned into errors for fp64 decisions); t, y are workspaces. */
static double
p5_fp64_rate(const lmc_trace *tr, size_t ta, size_t tb, double f0,
             int fp64_decisions, double *t, double *y)
{
    if (!(tb < tr->n && tb > ta + 10))
        return NAN;
    size_t m = 0;
    for (size_t k = ta; k <= tb; k++, m++)
    {
        t[m] = (double)k;
        y[m] = fp64_decisions ? log(tr->gap[k]) : 0.5 * log(tr->gap[k] / f0);
    }
    double a0, a1, v00, v01, v11, ss;
    gsl_fit_linear(t, 1, y, 1, m, &a0, &a1, &v00, &v01, &v11, &ss);
    return -a1;
}

/* The claim on the fits over kappa (list, list64 their text): the fit
 * point wants every R^2 > R2_MIN, the rate point a rate spread max/min -
 * 1 < RATE_VAR (each scaled by bound_scale); the other is reported. */
static void
p5_decide(const lmc_check_config *c, const lmc_check_options *o,
          double r2min, double rmin, double rmax, const char *list,
          const char *list64, lmc_check_result *r)
{
    const double s = o->bound_scale;
    const double tol_r2 = (1 - R2_MIN) * s, tol_var = RATE_VAR * pow(s, 4);
    const double q_r2 = (1 - r2min) / tol_r2;
    const double q_var = (rmax / rmin - 1) / tol_var;
    const int fit = c->settings.p5.fit != 0;
    const double q = fit ? q_r2 : q_var;
    lmc_thm_result(r, q < 1 ? LMC_HOLDS : LMC_VIOLATED, q, 1.0);
    r->seed = o->seed_base;
    lmc_snprintf(r->detail, sizeof r->detail, "kappa %s; min R^2 %.5f (%s > "
             "%.4g), rate max/min - 1 = %.4f (%s < %.4g); -ln rho = %.5f",
             list, r2min, fit ? "want" : "reported; the fit point wants",
             1 - tol_r2, rmax / rmin - 1,
             fit ? "reported; the rate point wants" : "want", tol_var,
             -log(c->mp.step_rho));
    lmc_thm_append(r->detail, sizeof r->detail, "; decided on the %u-bit "
                   "MPFR reference; fp64 rates %s", r->ref_bits, list64);
}

static int
p5_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    const size_t nk = c->settings.p5.nkappa;
    double rate[MAX_KAPPA], r2[MAX_KAPPA], r2p[MAX_KAPPA];
    double tt[MAX_WIN], le[MAX_WIN], lp[MAX_WIN]; /* 96 KiB of stack */
    /* the second half of tt, lp holds the fp64 fit */
    if (nk < 2 || nk > MAX_KAPPA || c->rp.iters >= MAX_WIN / 2)
        LMC_ERROR(LMC_EINVAL, "P5 '%s': want 2..%d kappas and < %d steps",
                  c->label, MAX_KAPPA, MAX_WIN / 2);
    char list[400] = "", list64[200] = "";
    r->depart_step = -1;
    r->ref_bits = 0;
    double r2min = 1, rmin = INFINITY, rmax = 0;
    for (size_t i = 0; i < nk; i++)
    {
        lmc_check_config ci = *c;
        ci.pp.kappa = pow(10, (double)i);
        ci.no_iterates = 0; /* the departure from the reference */
        lmc_check_run run;
        LMC_TRY(lmc_check_run_exec(&ci, o->seed_base, &run));
        const double f0 = lmc_thm_mf_f0(run.P);
        /* fp64 window, reported beside the reference's */
        size_t ta64 = 0, tb64;
        while (ta64 < run.tr->n && !(sqrt(run.tr->gap[ta64] / f0) <= E_HI))
            ta64++;
        for (tb64 = ta64; tb64 < run.tr->n; tb64++)
            if (sqrt(run.tr->gap[tb64] / f0) <= E_LO)
                break;
        /* The decision's window and fit on the MPFR reference (same
         * data, x0, steps), run until its first e_t <= E_LO: its e_t is
         * ||U V^T - M*||_F / ||M*||_F, the quantity above. */
        lmc_traj *tr = NULL;
        const double *err;
        size_t nrec;
        if (o->fp64_decisions)
        {
            /* --control fp64-decisions: decide on the fp64 errors (the
             * F10 point then holds: a known finding that "holds now"). */
            for (size_t k = 0; k < run.tr->n; k++)
                run.tr->gap[k] = sqrt(run.tr->gap[k] / f0);
            err = run.tr->gap;
            nrec = run.tr->n;
        }
        else
        {
            LMC_TRY(lmc_thm_ref_beside(&run, 0, E_LO, r, &tr, NULL));
            err = tr->err;
            nrec = tr->n;
        }
        size_t ta = 0, tb, npts = 0;
        while (ta < nrec && !(err[ta] <= E_HI))
            ta++;
        for (tb = ta; tb < nrec; tb++)
        {
            const double e = err[tb];
            const double ep = err[tb > 0 ? tb - 1 : 0];
            tt[npts] = (double)tb;
            lp[npts] = 0.5 * log((e * e + ep * ep) / 2);
            le[npts++] = log(e);
            if (e <= E_LO)
                break;
        }
        lmc_traj_free(tr);
        /* fp64 fit over its own window, for the report */
        const double rate64 =
            p5_fp64_rate(run.tr, ta64, tb64, f0, o->fp64_decisions,
                         tt + MAX_WIN / 2, lp + MAX_WIN / 2);
        lmc_thm_append(list64, sizeof list64, "%s%.4f", i ? ", " : "",
                       rate64);
        lmc_check_run_free(&run);
        if (tb >= nrec || npts < 10)
        {
            lmc_thm_result(r, LMC_VIOLATED, NAN, NAN);
            lmc_snprintf(r->detail, sizeof r->detail, "kappa %g: the window "
                     "e in [%g, %g] was not completed in %zu steps",
                     ci.pp.kappa, E_LO, E_HI, c->rp.iters);
            return LMC_SUCCESS;
        }
        double c1;
        r2[i] = p5_r2(tt, le, npts, &c1);
        r2p[i] = p5_r2(tt, lp, npts, NULL);
        rate[i] = -c1;
        r2min = fmin(r2min, r2[i]);
        rmin = fmin(rmin, rate[i]);
        rmax = fmax(rmax, rate[i]);
        lmc_thm_append(list, sizeof list, "%s1e%zu: t=%zu..%zu rate %.5f R^2 "
                       "%.4f (pair-RMS %.4f)", i ? "; " : "", i, ta, tb,
                       rate[i], r2[i], r2p[i]);
    }
    p5_decide(c, o, r2min, rmin, rmax, list, list64, r);
    return LMC_SUCCESS;
}

static void
config(lmc_check_config *c, const char *label, const char *init,
       double eta0, double rho, size_t nk, size_t budget, int fit)
{
    char both[sizeof c->label];
    lmc_snprintf(both, sizeof both, "%s: %s", label,
                 fit ? "R^2 > 0.99 per iterate" : "rate spread < 10%");
    lmc_thm_precond_config(c, both, "mf", "simplified-muon", eta0, rho,
                           budget);
    c->pp.init = init;
    c->no_iterates = 1;
    c->settings.p5.nkappa = nk;
    c->settings.p5.fit = fit;
    /* F10: from the aligned init the rate spread holds in fp64 and fails
     * on the reference (the kappa = 1 modes move in lockstep); from the
     * small random init it holds on both */
    c->finding = fit ? "F3" : strcmp(init, "aligned") == 0 ? "F10" : NULL;
}

static size_t
p5_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[4];
    size_t n = 0;
    for (int fit = 0; fit < 2; fit++)
    {
        config(&all[n++], o->full ? "aligned eta=0.1*0.95^t kappa=1..1e4"
                                  : "aligned eta=0.1*0.95^t kappa=1..1e3",
               "aligned", 0.1, 0.95, o->full ? 5 : 4, 1000, fit);
        if (o->full)
            config(&all[n++], "small eta=0.05*0.97^t kappa=1..1e4", "small",
                   0.05, 0.97, 5, 1500, fit);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_p5 = {
    .id = "P5",
    .title = "linear convergence at a kappa-independent rate (Muon, mf)",
    .statement = "over e_t in [1e-10, 1e-4], ln e_t vs t has R^2 > 0.99 and "
                 "the fitted rate varies < 10% (max/min - 1) across kappa",
    .source = "[M26]",
    .provenance = "paper",
    .hypotheses = "mf with Haar-rotated factors; simplified Muon, exact "
                  "polar factor, geometric step with eta_0 scaled to "
                  "sqrt(||M*||_2) = 1",
    .kind = LMC_SOFT_SHIFT,
    .configs = p5_configs,
    .check = p5_check,
};
