/* theorems/v4.c -- V4: the EMA (Muon, MVR1 with gamma = 0)
 * momentum-error recursion, in expectation.
 *
 * Statement (THEORY.md section 3, [C25], derived: background
 * theory-mvr-precond.md C2, D3): for M_t = beta_t M_{t-1} + (1-beta_t) g_t
 * with exact polar factors, f Frobenius L-smooth and E||g - grad f||_F^2
 * <= sigma^2, with a_t = 1 - beta_t,
 *   E||eps_t||_F^2 <= u_t,   u_1 = sigma^2,
 *   u_t = (1-a_t) u_{t-1} + (1 + 1/a_t) L^2 r eta_{t-1}^2 + a_t^2 sigma^2.
 * Derivation: eps_t = (1-a_t)(eps_{t-1} + grad f(X_{t-1}) - grad f(X_t))
 * + a_t n_t, n_t the fresh noise (conditional mean zero, so the cross term
 * vanishes); ||grad f(X_{t-1}) - grad f(X_t)||_F <= L eta_{t-1} sqrt(r)
 * since ||O_{t-1}||_F^2 <= r; Young with weight a_t and (1-a)^2 (1+a)
 * <= 1-a.
 *
 * Start: method.h sets M_1 = g_1, so eps_1 = g_1 - grad f(X_1) and
 * E||eps_1||_F^2 <= sigma^2 = u_1 (not 0: the buffer starts from a noisy
 * gradient, and no (1-a_1) weighting applies to it).  For exact gradients
 * u_1 = 0 and eps_1 = 0.
 *
 * The check (recursion in MPFI, eps_t from re-runs and MPFR gradients,
 * Monte-Carlo rule per checked t with Bonferroni) is v3.c's
 * lmc_thm_vr_check with the EMA recursion; hypotheses sigma and L_frob
 * (LMC_HAS_SIGMA | LMC_HAS_LFROB), checked along the first seed's run.
 */
#include "common.h"
#include "mvr.h"

static int
v4_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    return lmc_thm_vr_check(c, o, r, 1);
}

/* lsq "noise" (the problem's kappa) with method (muon or mvr1: gamma =
 * 0): eta_t = eta0 t^-p, and 1 - beta_t = t^-1/2 if poly, else the
 * constant beta. */
static void
config(lmc_check_config *c, const char *label, const char *method,
       double beta, int poly, double eta0, double p, size_t K, size_t seeds)
{
    lmc_thm_mvr_config_lsq(c, label, 0, method, beta, poly, 0.5, eta0, p, K,
                           seeds);
}

static size_t
v4_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[6];
    size_t n = 0;
    /* The tight point: at t = 2 with a small step, E||eps_2||^2 ~
     * ((1-a)^2 + a^2) sigma^2 against u_2 ~ (1 - a + a^2) sigma^2 +
     * (1 + 1/a) L^2 r eta^2: ~0.7 at a = 0.3, eta = 0.002. */
    config(&all[n++], "lsq noise muon beta=0.7 eta=0.002 (tight)", "muon",
           0.7, 0, 0.002, 0, 30, 16);
    config(&all[n++], "lsq noise muon eta=0.05 t^-3/4, 1-beta=t^-1/2",
           "muon", 0, 1, 0.05, 0.75, 100, 16);
    config(&all[n++], "lsq noise mvr1 gamma=0 beta=0.9 eta=0.01", "mvr1",
           0.9, 0, 0.01, 0, 60, 16);
    if (o->full)
    {
        config(&all[n++], "lsq noise muon t^-3/4, t^-1/2 K=1000", "muon", 0,
               1, 0.05, 0.75, 1000, 32);
        config(&all[n++], "lsq noise muon beta=0.95 eta=0.001 K=300",
               "muon", 0.95, 0, 0.001, 0, 300, 32);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_v4 = {
    .id = "V4",
    .title = "EMA (Muon) momentum-error recursion (in expectation)",
    .statement = "E||eps_t||_F^2 <= u_t, u_1 = sigma^2 (M_1 = g_1), u_t = "
                 "(1-a_t) u_{t-1} + (1 + 1/a_t) L^2 r eta_{t-1}^2 + a_t^2 "
                 "sigma^2, a_t = 1 - beta_t, L = L_frob, r = min(m, n)",
    .source = "[C25]",
    .provenance = "derived",
    .hypotheses = "muon (EMA) or mvr1/mvr2 with gamma = 0, exact polar "
                  "factor; L_frob and sigma declared (checked along the "
                  "run); samples independent of the past",
    .kind = LMC_HARD_EXPECTATION,
    .configs = v4_configs,
    .check = v4_check,
};
