/* theorems/common.c -- pieces the theorem checks share: MPFR
 * re-evaluation at stored iterates, hypothesis and worst-step helpers,
 * configuration builders and the start of a check on one run. */
#include "common.h"
#include "assume.h"
#include "icl.h"
#include "lsq.h"
#include "mf.h"
#include "status.h"

#include <float.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

double
lmc_thm_norm_rel(const lmc_layout *L)
{
    double worst = 0;
    for (size_t i = 0; i < L->nblocks; i++)
    {
        const double m = (double)L->size1[i], n = (double)L->size2[i];
        const double k = fmin(m, n), mx = fmax(m, n);
        const double rel = (k * 8 * mx + m * n + 1) * DBL_EPSILON;
        worst = fmax(worst, rel);
    }
    return worst;
}

int
lmc_thm_gap(const lmc_problem *P, const double *x, mpfi_t out,
            mpfr_prec_t prec)
{
    const lmc_problem_mp *C = lmc_problem_mp_find(P->type);
    if (!C || !C->fstar)
        LMC_ERROR(LMC_EDOM, "problem '%s' has no MPFR companion with a "
                  "closed-form f*", P->type->name);
    const mpfr_prec_t wp = prec + 64;
    gsl_vector_const_view xv =
        gsl_vector_const_view_array(x, P->layout.total);
    mpfr_t f, fs, margin;
    mpfr_inits2(wp, f, fs, margin, (mpfr_ptr)0);
    int status = C->fdf(P, &xv.vector, wp, f, NULL);
    if (status == LMC_SUCCESS)
        status = C->fstar(P, wp, fs);
    if (status == LMC_SUCCESS)
    {
        /* margin = 2^(48 - wp) (|f| + |f*|), rounded up. */
        mpfr_abs(margin, f, MPFR_RNDU);
        mpfr_t a;
        mpfr_init2(a, wp);
        mpfr_abs(a, fs, MPFR_RNDU);
        mpfr_add(margin, margin, a, MPFR_RNDU);
        mpfr_clear(a);
        mpfr_mul_2si(margin, margin, 48 - (long)wp, MPFR_RNDU);
        /* out = (f - f*) +- margin, MPFI rounding outward. */
        mpfi_set_fr(out, f);
        mpfi_sub_fr(out, out, fs);
        mpfi_t e;
        mpfi_init2(e, wp);
        mpfi_interv_fr(e, margin, margin);
        mpfi_neg(e, e);
        mpfi_put_fr(e, margin);
        mpfi_add(out, out, e);
        mpfi_clear(e);
    }
    mpfr_clears(f, fs, margin, (mpfr_ptr)0);
    return status;
}

int
lmc_thm_grad(const lmc_problem *P, const double *x, gsl_vector *g)
{
    const lmc_problem_mp *C = lmc_problem_mp_find(P->type);
    if (!C)
        LMC_ERROR(LMC_EDOM, "problem '%s' has no MPFR companion",
                  P->type->name);
    const mpfr_prec_t wp = 128;
    const size_t n = P->layout.total;
    gsl_vector_const_view xv = gsl_vector_const_view_array(x, n);
    lmc_mp_mat *gm = lmc_mp_mat_alloc(n, 1, wp);
    if (!gm)
        return LMC_ENOMEM;
    mpfr_t f;
    mpfr_init2(f, wp);
    int status = C->fdf(P, &xv.vector, wp, f, gm);
    mpfr_clear(f);
    if (status == LMC_SUCCESS)
    {
        gsl_matrix_view gv = gsl_matrix_view_vector(g, n, 1);
        status = lmc_mp_mat_get_gsl(&gv.matrix, gm);
    }
    lmc_mp_mat_free(gm);
    return status;
}

int
lmc_thm_gdual(const lmc_problem *P, lmc_oracle *const *oracles,
              const double *x, gsl_vector *g, double *val)
{
    int status = lmc_thm_grad(P, x, g);
    *val = 0;
    if (status == LMC_SUCCESS)
        status = lmc_thm_dual_norm(&P->layout, oracles, g, val);
    return status;
}

int
lmc_thm_gap_diff(const lmc_problem *P, const double *xa, const double *xb,
                 mpfi_t out, mpfr_prec_t prec)
{
    mpfi_t b;
    mpfi_init2(b, prec);
    int status = lmc_thm_gap(P, xa, out, prec);
    if (status == LMC_SUCCESS)
        status = lmc_thm_gap(P, xb, b, prec);
    mpfi_sub(out, out, b);
    mpfi_clear(b);
    return status;
}

int
lmc_thm_dual_norm(const lmc_layout *L, lmc_oracle *const *oracles,
                  const gsl_vector *v, double *val)
{
    double sum = 0;
    for (size_t i = 0; i < L->nblocks; i++)
    {
        gsl_matrix_const_view vi = lmc_block_const(L, v, i);
        double d;
        LMC_TRY(lmc_oracle_dual_norm(oracles[i], &vi.matrix, &d));
        sum += d;
    }
    *val = sum;
    return LMC_SUCCESS;
}

void
lmc_thm_result(lmc_check_result *r, lmc_verdict v, double measured,
               double bound)
{
    r->verdict = v;
    r->measured = measured;
    r->bound = bound;
    r->ratio = bound > 0 ? measured / bound : NAN;
}

/* The assumption checker (parameters ap) on `kinds` at the stored
 * iterates k_q = q num / den, q = 0..nq-1 (the caller keeps every k_q
 * within the trace): 1 with the first violated constant described in
 * why, 0 if none is violated, -1 on error. */
static int
hypotheses_at(const lmc_check_run *run, unsigned kinds,
              const lmc_assume_params *ap, size_t nq, size_t num,
              size_t den, char *why, size_t len)
{
    lmc_assume *w = lmc_assume_alloc(run->P, ap);
    if (!w)
        return -1;
    lmc_assume_report rep;
    int status = lmc_assume_begin(w, &run->P->c, kinds);
    for (size_t q = 0; status == LMC_SUCCESS && q < nq; q++)
    {
        const size_t k = q * num / den;
        gsl_vector_const_view x = gsl_vector_const_view_array(
            run->tr->xs + k * run->tr->total, run->tr->total);
        status = lmc_assume_point(w, &x.vector);
    }
    if (status == LMC_SUCCESS)
        status = lmc_assume_end(w, &rep);
    lmc_assume_free(w);
    if (status)
        return -1;
    for (int j = 0; j < LMC_ASSUME_NKINDS; j++)
    {
        const lmc_assume_result *res = &rep.r[j];
        if ((kinds & lmc_assume_kind_flag((lmc_assume_kind)j)) &&
            res->nviolations)
        {
            lmc_snprintf(why, len, "%s = %g violated %zu times (tightest %g)",
                     lmc_assume_kind_name((lmc_assume_kind)j), res->declared,
                     res->nviolations, res->tightest);
            return 1;
        }
    }
    return 0;
}

int
lmc_thm_hypotheses(const lmc_check_run *run, unsigned kinds, size_t K,
                   size_t stride, char *why, size_t len)
{
    const lmc_assume_params ap = lmc_assume_params_default();
    /* k = q stride <= K for q = 0..K / stride */
    return hypotheses_at(run, kinds, &ap, K / stride + 1, stride, 1, why,
                         len);
}

int
lmc_thm_vr_hypotheses(const lmc_check_run *run, unsigned kinds, size_t K,
                      char *why, size_t len)
{
    if ((run->P->c.known & kinds) != kinds)
    {
        lmc_snprintf(why, len, "problem '%s' does not declare every constant "
                 "the bound needs (flags 0x%x, declared 0x%x)",
                 run->P->type->name, kinds, run->P->c.known);
        return 1;
    }
    lmc_assume_params ap = lmc_assume_params_default();
    /* 32 samples per stochastic estimate (doubled up to 4 times while
     * undecided) instead of 128: the quick set's time budget; a false
     * alarm still needs the lower z = 5 limit above the declared value. */
    ap.nsamples = 32;
    /* X_1, the quarters q K / 4, X_{K+1} */
    return hypotheses_at(run, kinds, &ap, 5, K, 4, why, len);
}

/* vsnprintf in round to nearest, like lmc_snprintf. */
static void
format_nearest(char *buf, size_t n, const char *fmt, va_list ap)
{
    const int mode = lmc_fe_nearest();
    vsnprintf(buf, n, fmt, ap);
    lmc_fe_restore(mode);
}

void
lmc_thm_refuse(lmc_check_result *r, const char *fmt, ...)
{
    lmc_thm_result(r, LMC_HYPOTHESIS_VIOLATED, NAN, NAN);
    if (!fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    format_nearest(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
}

void
lmc_thm_append(char *buf, size_t size, const char *fmt, ...)
{
    const size_t len = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    format_nearest(buf + len, size - len, fmt, ap);
    va_end(ap);
}

int
lmc_thm_hypotheses_end(int h, lmc_check_result *r, int *status)
{
    if (h < 0)
        *status = LMC_EDOM;
    else if (h > 0)
        lmc_thm_refuse(r, NULL);
    return h != 0;
}

int
lmc_thm_hypotheses_fail(const lmc_check_run *run, unsigned kinds, size_t K,
                        size_t stride, lmc_check_result *r, int *status)
{
    const int h = lmc_thm_hypotheses(run, kinds, K, stride, r->detail,
                                     sizeof r->detail);
    return lmc_thm_hypotheses_end(h, r, status);
}

lmc_verdict
lmc_thm_decide(lmc_enclose_fn lhs, lmc_enclose_fn rhs, const void *data,
               double scale, double *lhs_mid, double *rhs_mid)
{
    return lmc_decide_le(lhs, rhs, data, scale, LMC_DECIDE_PREC0,
                         LMC_DECIDE_PREC_MAX, lhs_mid, rhs_mid);
}

int
lmc_thm_enclose_1e12(mpfi_t out, const void *data, mpfr_prec_t prec)
{
    (void)data;
    (void)prec;
    mpfi_set_str(out, "1e-12", 10);
    return LMC_SUCCESS;
}

void
lmc_thm_exact_oracles(const lmc_check_run *run, lmc_oracle **or)
{
    for (size_t i = 0; i < run->P->layout.nblocks; i++)
        or[i] = run->M->oracle[i]->exact;
}

double
lmc_thm_max_delta(const double *d, size_t n)
{
    double m = 0;
    for (size_t k = 0; k < n; k++)
        m = fmax(m, isnan(d[k]) ? 0 : d[k]);
    return m;
}

int
lmc_thm_run_begin(const lmc_check_config *c, const lmc_check_options *o,
                  lmc_check_result *r, lmc_thm_run *w)
{
    LMC_TRY(lmc_check_run_exec(c, o->seed_base, &w->run));
    r->seed = o->seed_base;
    lmc_thm_exact_oracles(&w->run, w->or);
    if (!(w->g = gsl_vector_alloc(w->run.P->layout.total)))
    {
        lmc_check_run_free(&w->run);
        return LMC_ENOMEM;
    }
    return LMC_SUCCESS;
}

void
lmc_thm_run_end(lmc_thm_run *w)
{
    gsl_vector_free(w->g);
    lmc_check_run_free(&w->run);
}

int
lmc_thm_lmo_refused(const lmc_trace *tr, double delta, double rel,
                    lmc_check_result *r)
{
    const size_t K = tr->n - 1;
    if (K > 0 && tr->stop == LMC_STOP_BUDGET && delta * (1 + rel) < 1)
        return 0;
    lmc_thm_refuse(r, "run stopped (%s) or realized delta %.3g not < 1: "
                   "the bound does not apply", lmc_stop_name(tr->stop),
                   delta);
    return 1;
}

void
lmc_thm_one_pm(mpfi_t one_m, mpfi_t one_p, double delta, double rel)
{
    lmc_enclose_measured(one_p, delta, rel);
    mpfi_ui_sub(one_m, 1, one_p);
    mpfi_add_ui(one_p, one_p, 1);
}

void
lmc_thm_sqr_mul_half(mpfi_t out, mpfi_srcptr x, double a, double b)
{
    mpfi_sqr(out, x);
    mpfi_mul_d(out, out, a);
    mpfi_mul_d(out, out, b);
    mpfi_div_ui(out, out, 2);
}

void
lmc_thm_config_init(lmc_check_config *c, const char *problem,
                    const char *method, const char *fmt, ...)
{
    memset(c, 0, sizeof *c);
    va_list ap;
    va_start(ap, fmt);
    format_nearest(c->label, sizeof c->label, fmt, ap);
    va_end(ap);
    c->problem = problem;
    c->method = method;
    c->mp = lmc_method_params_default();
    c->rp = lmc_run_params_default();
    c->nseeds = 1;
}

void
lmc_thm_config_oracle(lmc_check_config *c, const char *label,
                      const char *problem, const char *method,
                      const lmc_inexact_type *src, double delta, size_t K)
{
    lmc_thm_config_init(c, problem, method, "%s", label);
    c->pp = lmc_problem_params_default();
    c->mp.oracle = src;
    c->mp.oracle_params.delta = delta;
    c->rp.iters = K;
    c->rp.measure_delta = 1;
}

void
lmc_thm_config_lmo(lmc_check_config *c, const char *label,
                   const char *problem, const lmc_inexact_type *src,
                   double delta, double t, size_t K)
{
    lmc_thm_config_oracle(c, label, problem, "lmo", src, delta, K);
    c->mp.lr = t;
    c->mp.momentum = 0; /* alpha = 1 */
}

void
lmc_thm_config_lmo_noise(lmc_check_config *c, const char *label,
                         const lmc_inexact_type *src, double delta, double t,
                         double beta, size_t K, size_t seeds)
{
    lmc_thm_config_lmo(c, label, "lsq", src, delta, t, K);
    c->pp.variant = "noise";
    c->mp.momentum = beta;
    c->mp.stochastic = 1;
    c->nseeds = seeds;
}

size_t
lmc_thm_configs_copy(const lmc_check_config *all, size_t n,
                     lmc_check_config *out, size_t cap)
{
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = all[i];
    return n;
}

int
lmc_thm_t2_setup(const char *who, const lmc_check_config *c,
                 const lmc_theorem **T2, lmc_problem **P, gsl_vector **x0)
{
    *P = NULL;
    *x0 = NULL;
    *T2 = lmc_theorem_find("T2");
    const lmc_problem_type *PT = lmc_problem_find(c->problem);
    if (!*T2 || !PT)
        LMC_ERROR(LMC_ENOTFOUND, "%s '%s': needs the T2 entry and problem "
                  "'%s'", who, c->label, c->problem);
    if (!(*P = lmc_problem_alloc(PT, &c->pp)))
        return LMC_ENOMEM;
    *x0 = gsl_vector_alloc((*P)->layout.total);
    const int status = *x0 ? lmc_problem_x0(*P, *x0) : LMC_ENOMEM;
    if (status)
    {
        gsl_vector_free(*x0);
        lmc_problem_free(*P);
        *P = NULL;
        *x0 = NULL;
    }
    return status;
}

int
lmc_thm_t2_holds(const lmc_theorem *T2, const lmc_check_config *c2,
                 const lmc_check_options *o, const char *what, int keep,
                 lmc_check_result *r, lmc_check_result *r2, int *ends)
{
    lmc_check_options o2 = *o;
    o2.bound_scale = 1;
    memset(r2, 0, sizeof *r2);
    *ends = 0;
    LMC_TRY(T2->check(c2, &o2, r2));
    r->seed = r2->seed;
    if (r2->verdict == LMC_HOLDS)
        return LMC_SUCCESS;
    lmc_thm_result(r, r2->verdict, r2->measured, r2->bound);
    lmc_snprintf(r->detail, sizeof r->detail, "%s did not hold (%s): %.*s",
                 what, lmc_verdict_name(r2->verdict), keep, r2->detail);
    *ends = 1;
    return LMC_SUCCESS;
}

void
lmc_thm_config_vr(lmc_check_config *c, const char *label,
                  const char *problem, const char *variant, size_t m,
                  double kappa, const char *method, double eta0, double p,
                  double q, size_t K, size_t seeds)
{
    lmc_thm_config_init(c, problem, method, "%s", label);
    c->pp = lmc_problem_params_default();
    c->pp.variant = variant;
    c->pp.kappa = kappa;
    if (m)
        c->pp.m = m;
    const int noise = variant && strcmp(variant, "noise") == 0;
    if (noise)
        c->pp.sigma = 0.1;
    c->mp.lr = eta0;
    c->mp.step_rule = p > 0 ? LMC_STEP_POLY : LMC_STEP_CONSTANT;
    c->mp.step_p = p;
    c->mp.momentum_poly = q > 0;
    c->mp.momentum_c = 1.0;
    c->mp.momentum_q = q;
    c->mp.gamma = strcmp(method, "mvr2") == 0 ? 1.0 : 0.0;
    c->mp.stochastic = noise;
    c->rp.iters = K;
    c->rp.measure_delta = 0;
    c->nseeds = seeds;
}

typedef struct
{
    lmc_thm_scaled_fn F;
    const void *data;
    double B;
    int lower;
} equal_side;

static int
equal_lhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const equal_side *d = vd;
    if (d->lower)
        return d->F(out, d->data, prec, 1 - 4 * DBL_EPSILON);
    mpfi_set_d(out, d->B);
    return LMC_SUCCESS;
}

static int
equal_rhs(mpfi_t out, const void *vd, mpfr_prec_t prec)
{
    const equal_side *d = vd;
    if (!d->lower)
        return d->F(out, d->data, prec, 1 + 4 * DBL_EPSILON);
    mpfi_set_d(out, d->B);
    return LMC_SUCCESS;
}

void
lmc_thm_decide_equal(lmc_check_result *r, lmc_thm_scaled_fn F,
                     const void *data, double B, double bound_scale,
                     lmc_verdict *vl, lmc_verdict *vu)
{
    equal_side d = {F, data, B, 1};
    double ll, rl, lu, ru;
    *vl = lmc_thm_decide(equal_lhs, equal_rhs, &d, bound_scale, &ll, &rl);
    d.lower = 0;
    *vu = lmc_thm_decide(equal_lhs, equal_rhs, &d, bound_scale, &lu, &ru);
    if (*vu == LMC_HOLDS && *vl != LMC_HOLDS)
        lmc_thm_result(r, *vl, ll, rl);
    else
        lmc_thm_result(r, *vu, lu, ru);
}

void
lmc_thm_worst_init(lmc_thm_worst *w, lmc_thm_worst_rule rule)
{
    w->rule = rule;
    w->taken = 0;
    w->verdict = LMC_HOLDS;
    w->ratio = -INFINITY;
    w->lhs = w->rhs = NAN;
    w->k = 0;
}

/* 2 violated, 1 undecided, 0 holds: the order of LMC_THM_WORST_RANKED_TIES. */
static int
worst_rank(lmc_verdict v)
{
    return v == LMC_VIOLATED ? 2 : v == LMC_UNDECIDED ? 1 : 0;
}

int
lmc_thm_worst_update(lmc_thm_worst *w, lmc_verdict v, double ratio,
                     size_t k, double lhs, double rhs)
{
    const int failing = v != LMC_HOLDS && w->verdict == LMC_HOLDS;
    const int larger = v == LMC_HOLDS && w->verdict == LMC_HOLDS &&
                       ratio > w->ratio;
    int take = 0;
    switch (w->rule)
    {
    case LMC_THM_WORST_FIRST_FAILING:
        take = failing || larger;
        break;
    case LMC_THM_WORST_VIOLATION_FIRST:
        take = !w->taken || failing || larger ||
               (v == LMC_VIOLATED && w->verdict == LMC_UNDECIDED);
        break;
    case LMC_THM_WORST_RANKED_TIES:
    {
        const int rank = worst_rank(v), wrank = worst_rank(w->verdict);
        const double tie =
            isfinite(w->ratio) ? LMC_THM_WORST_TIE * fabs(w->ratio) : 0;
        take = rank > wrank || (rank == wrank && ratio > w->ratio + tie);
        break;
    }
    }
    if (take)
    {
        w->taken = 1;
        w->verdict = v;
        w->ratio = ratio;
        w->lhs = lhs;
        w->rhs = rhs;
        w->k = k;
    }
    return take;
}

void
lmc_thm_worst_finish(const lmc_thm_worst *w, lmc_check_result *r)
{
    if (!w->taken)
        return;
    lmc_thm_result(r, w->verdict, w->lhs, w->rhs);
    r->step = w->k;
}

int
lmc_thm_traj_problem(const lmc_problem *P, lmc_traj_problem *tp)
{
    memset(tp, 0, sizeof *tp);
    tp->layout = &P->layout;
    if (P->type == &lmc_problem_icl)
    {
        const lmc_icl_state *st = P->state;
        tp->type = &lmc_traj_icl;
        tp->a = st->lam;
        tp->N = st->N;
    }
    else if (P->type == &lmc_problem_mf || P->type == &lmc_problem_mf_sym)
    {
        const lmc_mf_state *st = P->state;
        tp->type = st->sym ? &lmc_traj_mf_sym : &lmc_traj_mf;
        tp->a = st->phi;
        tp->b = st->psi;
        tp->lambda = st->lambda;
    }
    else if (P->type == &lmc_problem_lsq)
    {
        const lmc_lsq_state *st = P->state;
        tp->type = &lmc_traj_lsq;
        tp->a = st->a;
        tp->b = st->b;
    }
    else
        LMC_ERROR(LMC_EDOM, "no reference trajectory for problem '%s' "
                  "(accepted: icl, mf, mf-sym, lsq)", P->type->name);
    return LMC_SUCCESS;
}

int
lmc_thm_ref_run(const lmc_check_run *run, double stop_settled,
                double stop_first, int keep_x, lmc_traj **out)
{
    const lmc_problem *P = run->P;
    lmc_traj_problem tp;
    LMC_TRY(lmc_thm_traj_problem(P, &tp));
    const size_t iters = run->tr->cap - 1; /* cap = budget + 1 */
    /* Drift check where the exact dynamics have an invariant set the run
     * starts on and can leave: icl from Gamma_0 = 0 under simplified
     * Muon.  GD keeps it stably (its map is linear with |1 - eta
     * lambda_i s_j| <= 1: the off-commutant part never grows), Adam does
     * not keep it at all (entrywise maps). */
    const int watch = P->type == &lmc_problem_icl &&
                      run->M->type == &lmc_method_simplified_muon &&
                      gsl_vector_isnull(run->x0);
    unsigned prec = P->type == &lmc_problem_icl ? LMC_THM_REF_BITS
                                                : LMC_THM_REF_BITS_MF;
    for (;;)
    {
        lmc_traj *tr = lmc_traj_alloc(P->layout.total, iters, keep_x);
        if (!tr)
            return LMC_ENOMEM; /* reported */
        const lmc_traj_options o = {.prec = prec, .iters = iters,
                                    .stop_settled = stop_settled,
                                    .stop_first = stop_first,
                                    .drift = watch,
                                    .max_drift = LMC_THM_DRIFT_TOL};
        const int status = lmc_traj_run(tr, &tp, run->M->type,
                                        &run->M->params, run->x0->data, &o);
        if (status != LMC_SUCCESS)
        {
            lmc_traj_free(tr);
            return status;
        }
        if (tr->stop != LMC_TRAJ_DRIFT)
        {
            *out = tr;
            return LMC_SUCCESS;
        }
        /* Ziv-style retry: rounding noise 2^-prec grew to the drift
         * tolerance ~2^-40 in tx steps, g = (prec - 40) / tx bits a step
         * (measured 1.6-2.2 on icl d = 8, kappa 10..1e3); a run of n steps
         * needs prec' >= g n + 40, plus 32 bits of margin, g taken 25%
         * larger because the growth rate rises along the run.  n is the
         * early stop's estimate, else the budget. */
        const size_t tx = tr->n > 1 ? tr->n - 1 : 1;
        const size_t n = tr->settle_min > tx ? tr->settle_min + 8 : iters;
        lmc_traj_free(tr);
        /* in integers, so that the choice cannot depend on the rounding
         * mode: want = ceil(1.25 (prec - 40) n / tx) + 72, rounded up to a
         * multiple of 64 bits */
        const size_t want = (5 * (size_t)(prec - 40) * n + 4 * tx - 1) /
                                (4 * tx) + 72;
        const unsigned next = (unsigned)(64 * ((want + 63) / 64));
        if (prec >= LMC_THM_REF_BITS_MAX)
            LMC_ERROR(LMC_ENOCONV, "reference trajectory: drift above %g at "
                      "step %zu even at %u bits", LMC_THM_DRIFT_TOL, tx,
                      prec);
        prec = next > prec + 64 ? next : prec + 64;
        prec = prec < LMC_THM_REF_BITS_MAX ? prec : LMC_THM_REF_BITS_MAX;
    }
}

/* Folds one fp64-vs-reference departure into r (lmc_thm_ref_beside). */
static void
ref_depart(lmc_check_result *r, const lmc_traj *tr, long step)
{
    r->ref_bits = tr->prec > r->ref_bits ? tr->prec : r->ref_bits;
    r->depart_tol = LMC_THM_DEPART_TOL;
    if (step >= 0 && (r->depart_step < 0 || step < r->depart_step))
        r->depart_step = step;
}

int
lmc_thm_ref_beside(lmc_check_run *run, double stop_settled,
                   double stop_first, lmc_check_result *r, lmc_traj **out,
                   long *depart)
{
    const int status = lmc_thm_ref_run(run, stop_settled, stop_first, 1,
                                       out);
    if (status != LMC_SUCCESS)
    {
        lmc_check_run_free(run);
        return status;
    }
    const long dep = lmc_traj_depart(*out, run->tr->xs, run->tr->n,
                                     LMC_THM_DEPART_TOL, NULL);
    ref_depart(r, *out, dep);
    if (depart)
        *depart = dep;
    return LMC_SUCCESS;
}
