/* theorems/t8.c -- T8: reductions at delta = 0 and refusal of delta >= 1.
 *
 * Statement (THEORY.md section 2, [S25], derived): at delta = 0 every
 * bound equals its exact-LMO form; delta >= 1 is refused with a clear
 * error (then S~ = 0 is allowed and nothing can be proved).
 *
 * Two kinds of configurations (c->settings.t8.refusal selects):
 *
 * 0. Reduction (a problem and "lmo", exact oracle, so the realized delta
 *    is 0): the registered T2 entry's check runs the configuration and
 *    its bound value (r->bound: the midpoint of T2's enclosure of
 *    Delta_0/(t(1-delta)K) + L t (1+delta)^2/(2(1-delta)), rounded to
 *    double) must equal the exact-LMO form B0 = Delta_0/(t K) + L t/2,
 *    enclosed here from the MPFR gap with t, L, K exact.  Both are
 *    enclosures of the same number when delta = 0; the only gap is T2's
 *    midpoint rounded to double (half an ulp) plus its enclosure width
 *    (below 2^-100 relative at 128 bits), so equality is decided as
 *      B0 (1 - 4 eps) <= T2 bound <= B0 (1 + 4 eps),
 *    the upper side reported unless the lower one fails.  bound_scale
 *    multiplies the right side of both (halving it must fail).  T2's own
 *    verdict on the run must hold.
 * 1. Refusal (c->settings.t8.delta = delta): lmc_inexact_alloc (c->method
 *    "inexact-alloc", spectral 4x4 inject-random) or lmc_method_alloc
 *    (c->method "lmo" on lsq) must return NULL with a message naming
 *    delta (lmc_last_error(), read under lmc_error_handler_quiet, the
 *    previous handler restored after).  Points with delta < 1 are the
 *    positive control: they must be accepted.  Verdict holds / violated;
 *    measured and bound are NaN (nothing to scale).
 */
#include "common.h"
#include "status.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
    const lmc_problem *P;
    const double *x0;
    double t, L, K;
} t8_data;

/* B0 f with B0 = Delta_0/(t K) + L t/2. */
static int
t8_exact_form(mpfi_t out, const void *vd, mpfr_prec_t prec, double f)
{
    const t8_data *d = vd;
    mpfi_t a;
    mpfi_init2(a, prec);
    const int status = lmc_thm_gap(d->P, d->x0, out, prec);
    mpfi_div_d(out, out, d->t);
    mpfi_div_d(out, out, d->K);
    mpfi_set_d(a, d->L);
    mpfi_mul_d(a, a, d->t);
    mpfi_div_ui(a, a, 2);
    mpfi_add(out, out, a);
    mpfi_mul_d(out, out, f);
    mpfi_clear(a);
    return status;
}

static int
t8_check_reduction(const lmc_check_config *c, const lmc_check_options *o,
                   lmc_check_result *r)
{
    const lmc_theorem *T2;
    lmc_problem *P;
    gsl_vector *x0;
    LMC_TRY(lmc_thm_t2_setup("T8", c, &T2, &P, &x0));
    lmc_check_result r2;
    int ends;
    int status = lmc_thm_t2_holds(T2, c, o, "T2", 400, r, &r2, &ends);
    if (status || ends)
        goto done;
    const t8_data d = {P, x0->data, c->mp.lr, P->c.L, (double)c->rp.iters};
    lmc_verdict vl, vu;
    lmc_thm_decide_equal(r, t8_exact_form, &d, r2.bound, o->bound_scale,
                         &vl, &vu);
    lmc_snprintf(r->detail, sizeof r->detail, "T2's bound at delta = 0 (%.15g; "
             "T2 %s, ratio %.4g) vs exact-LMO form Delta_0/(tK) + L t/2 to "
             "4 eps, t = %g, L = %g, K = %zu: lower side %s, upper side %s",
             r2.bound, lmc_verdict_name(r2.verdict), r2.ratio, c->mp.lr,
             P->c.L, c->rp.iters, lmc_verdict_name(vl),
             lmc_verdict_name(vu));
done:
    gsl_vector_free(x0);
    lmc_problem_free(P);
    return status;
}

static int
t8_check_refusal(const lmc_check_config *c, const lmc_check_options *o,
                 lmc_check_result *r)
{
    (void)o;
    const double delta = c->settings.t8.delta;
    const int must_refuse = !(delta < 1);
    lmc_inexact_params ip = lmc_inexact_params_default();
    ip.delta = delta;
    int refused;
    char msg[256];
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    if (strcmp(c->method, "inexact-alloc") == 0)
    {
        lmc_inexact *q = lmc_inexact_alloc(&lmc_inexact_inject_random,
                                           &lmc_oracle_spectral, 4, 4, &ip);
        refused = q == NULL;
        lmc_snprintf(msg, sizeof msg, "%s", refused ? lmc_last_error() : "");
        lmc_inexact_free(q);
    }
    else
    {
        lmc_problem_params pp = lmc_problem_params_default();
        lmc_problem *P = lmc_problem_alloc(lmc_problem_find("lsq"), &pp);
        if (!P)
        {
            lmc_set_error_handler(old);
            return LMC_ENOMEM;
        }
        lmc_method_params mp = lmc_method_params_default();
        mp.oracle = &lmc_inexact_inject_random;
        mp.oracle_params.delta = delta;
        lmc_method *M = lmc_method_alloc(lmc_method_find(c->method), P, &mp);
        refused = M == NULL;
        lmc_snprintf(msg, sizeof msg, "%s", refused ? lmc_last_error() : "");
        lmc_method_free(M);
        lmc_problem_free(P);
    }
    lmc_set_error_handler(old);
    /* A clear error names the parameter. */
    const int clear = strstr(msg, "delta") != NULL;
    const int ok = must_refuse ? refused && clear : !refused;
    lmc_thm_result(r, ok ? LMC_HOLDS : LMC_VIOLATED, NAN, NAN);
    lmc_snprintf(r->detail, sizeof r->detail, "%s with delta = %g: %s (%s); "
             "message: \"%.160s\"", c->method, delta,
             refused ? "refused" : "accepted",
             must_refuse ? "must refuse, naming delta" : "must accept",
             msg);
    return LMC_SUCCESS;
}

static int
t8_check(const lmc_check_config *c, const lmc_check_options *o,
         lmc_check_result *r)
{
    return c->settings.t8.refusal == 1 ? t8_check_refusal(c, o, r)
                            : t8_check_reduction(c, o, r);
}

static void
config_reduction(lmc_check_config *c, const char *problem, double t,
                 size_t K)
{
    char label[96];
    lmc_snprintf(label, sizeof label, "%s exact t=%g K=%zu: T2 = exact form",
             problem, t, K);
    lmc_thm_config_lmo(c, label, problem, &lmc_inexact_exact, 0, t, K);
}

static void
config_refusal(lmc_check_config *c, const char *who, double delta)
{
    lmc_thm_config_init(c, strcmp(who, "lmo") == 0 ? "lsq" : "none", who,
                        "%s delta=%g %s", who, delta,
                        delta < 1 ? "accepted" : "refused");
    c->settings.t8.refusal = 1;
    c->settings.t8.delta = delta;
}

static size_t
t8_configs(const lmc_check_options *o, lmc_check_config *out, size_t cap)
{
    lmc_check_config all[12];
    size_t n = 0;
    config_reduction(&all[n++], "lsq", 0.05, 100);
    config_reduction(&all[n++], "l0l1-sep", 0.02, 60);
    config_reduction(&all[n++], "pl-sin", 0.01, 60);
    config_refusal(&all[n++], "inexact-alloc", 1);
    config_refusal(&all[n++], "inexact-alloc", 1.5);
    config_refusal(&all[n++], "inexact-alloc", 0.999);
    config_refusal(&all[n++], "lmo", 1);
    config_refusal(&all[n++], "lmo", 0.999);
    if (o->full)
    {
        config_reduction(&all[n++], "icl", 0.05, 300);
        config_refusal(&all[n++], "lmo", 2);
        config_refusal(&all[n++], "inexact-alloc", INFINITY);
    }
    return lmc_thm_configs_copy(all, n, out, cap);
}

const lmc_theorem lmc_theorem_t8 = {
    .id = "T8",
    .title = "reductions: delta = 0 gives the exact-LMO form; delta >= 1 "
             "refused",
    .statement = "at delta = 0 T2's bound equals Delta_0/(tK) + L t/2; "
                 "delta >= 1 is refused with a clear error",
    .source = "[S25]",
    .provenance = "derived",
    .hypotheses = "reduction: T2's hypotheses with the exact oracle "
                  "(realized delta 0); refusal: none",
    .kind = LMC_HARD_AGGREGATE,
    .configs = t8_configs,
    .check = t8_check,
};
