/* method.c -- the generic method object, schedules, and the gradient and
 * LMO helpers every method uses. */
#include "method.h"
#include "linalg.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

lmc_method_params
lmc_method_params_default(void)
{
    lmc_method_params p;
    memset(&p, 0, sizeof p);
    p.lr = 0.01;
    p.step_rule = LMC_STEP_CONSTANT;
    p.step_rho = 1.0;
    p.beta2 = 0.999;
    p.eps = 1e-8;
    p.seed = 1;
    p.oracle = &lmc_inexact_exact;
    p.oracle_params = lmc_inexact_params_default();
    return p;
}

double
lmc_method_eta(const lmc_method_params *p, size_t t)
{
    switch (p->step_rule)
    {
    case LMC_STEP_POLY: return p->lr * pow((double)t, -p->step_p);
    case LMC_STEP_GEOMETRIC: return p->lr * pow(p->step_rho, (double)t - 1);
    case LMC_STEP_CONSTANT: break;
    }
    return p->lr;
}

double
lmc_method_beta(const lmc_method_params *p, size_t t)
{
    if (!p->momentum_poly)
        return p->momentum;
    const double a = p->momentum_c * pow((double)t, -p->momentum_q);
    return a >= 1 ? 0.0 : 1.0 - a;
}

const lmc_method_type *
lmc_method_find(const char *name)
{
    for (size_t i = 0; lmc_method_types[i]; i++)
        if (strcmp(lmc_method_types[i]->name, name) == 0)
            return lmc_method_types[i];
    return NULL;
}

static const char *
constant_name(unsigned bit)
{
    switch (bit)
    {
    case LMC_HAS_L: return "L (smoothness in the block norms)";
    case LMC_HAS_LFROB: return "L_frob (Frobenius smoothness)";
    case LMC_HAS_L0L1: return "L0/L1 (layer-wise (L0,L1)-smoothness)";
    case LMC_HAS_MU: return "mu (PL constant)";
    case LMC_HAS_SIGMA: return "sigma (gradient noise)";
    case LMC_HAS_LBAR: return "Lbar (mean-squared smoothness)";
    case LMC_HAS_FSTAR: return "f* (optimal value)";
    case LMC_HAS_STOCH: return "a stochastic gradient";
    }
    return "a constant";
}

int
lmc_method_check(const lmc_method_type *T, const lmc_problem *P,
                 const lmc_method_params *p)
{
    if (!(p->lr > 0) || !isfinite(p->lr))
        LMC_ERROR(LMC_EINVAL, "step size must be finite and > 0, got %g",
                  p->lr);
    if (p->step_rule == LMC_STEP_POLY && !(p->step_p >= 0 && p->step_p <= 4))
        LMC_ERROR(LMC_EINVAL, "step exponent p must be in [0, 4], got %g",
                  p->step_p);
    if (p->step_rule == LMC_STEP_GEOMETRIC &&
        !(p->step_rho > 0 && p->step_rho <= 1))
        LMC_ERROR(LMC_EINVAL, "geometric step ratio must be in (0, 1], got "
                  "%g", p->step_rho);
    if (!(p->momentum >= 0 && p->momentum < 1))
        LMC_ERROR(LMC_EINVAL, "momentum must be in [0, 1), got %g",
                  p->momentum);
    if (p->momentum_poly &&
        !(p->momentum_c > 0 && isfinite(p->momentum_c) &&
          p->momentum_q >= 0 && p->momentum_q <= 4))
        LMC_ERROR(LMC_EINVAL, "momentum schedule 1-beta_t = c t^-q needs "
                  "c > 0 and q in [0, 4], got c=%g q=%g", p->momentum_c,
                  p->momentum_q);
    if (!(p->gamma >= 0 && p->gamma <= 1))
        LMC_ERROR(LMC_EINVAL, "gamma must be in [0, 1], got %g", p->gamma);
    if (!(p->beta2 >= 0 && p->beta2 < 1) || !(p->eps > 0))
        LMC_ERROR(LMC_EINVAL, "Adam needs beta2 in [0, 1) and eps > 0, got "
                  "%g and %g", p->beta2, p->eps);
    if (!(p->oracle_params.delta >= 0 && p->oracle_params.delta < 1))
        LMC_ERROR(LMC_EINVAL, "delta must be in [0, 1), got %g",
                  p->oracle_params.delta);
    unsigned need = T->needs & 0xffffu;
    if (p->stochastic)
        need |= LMC_HAS_STOCH;
    for (unsigned bit = 1; bit <= LMC_HAS_STOCH; bit <<= 1)
        if ((need & bit) && !(P->c.known & bit))
            LMC_ERROR(LMC_EDOM, "method '%s' needs %s, which problem '%s' "
                      "does not declare", T->name, constant_name(bit),
                      P->type->name);
    for (size_t i = 0; i < P->layout.nblocks; i++)
    {
        if ((T->needs & LMC_NEEDS_SPECTRAL) &&
            P->layout.norm[i] != &lmc_oracle_spectral)
            LMC_ERROR(LMC_EDOM, "method '%s' orthogonalizes (spectral ball) "
                      "but block %zu of problem '%s' uses the %s norm",
                      T->name, i, P->type->name, P->layout.norm[i]->name);
        if (T->uses_oracle && p->oracle->spectral_only &&
            P->layout.norm[i] != &lmc_oracle_spectral)
            LMC_ERROR(LMC_EDOM, "oracle '%s' approximates the spectral LMO "
                      "only; block %zu of problem '%s' uses the %s norm",
                      p->oracle->name, i, P->type->name,
                      P->layout.norm[i]->name);
    }
    return LMC_SUCCESS;
}

lmc_method *
lmc_method_alloc(const lmc_method_type *T, lmc_problem *P,
                 const lmc_method_params *p)
{
    lmc_gsl_handler_install();
    if (lmc_method_check(T, P, p) != LMC_SUCCESS)
        return NULL;
    lmc_method *M = calloc(1, sizeof *M);
    if (!M)
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for method '%s'", T->name);
    M->type = T;
    M->params = *p;
    M->P = P;
    for (size_t i = 0; i < P->layout.nblocks; i++)
    {
        const lmc_inexact_type *src =
            T->uses_oracle ? p->oracle : &lmc_inexact_exact;
        lmc_inexact_params ip = p->oracle_params;
        /* Distinct error streams per block. */
        ip.seed = p->oracle_params.seed + 1000003ul * i;
        M->oracle[i] = lmc_inexact_alloc(src, P->layout.norm[i],
                                         P->layout.size1[i],
                                         P->layout.size2[i], &ip);
        if (!M->oracle[i])
            goto fail;
    }
    if (T->size && !(M->state = calloc(1, T->size)))
    {
        lmc_error(__FILE__, __LINE__, LMC_ENOMEM, "no memory for method "
                  "'%s'", T->name);
        goto fail;
    }
    if (T->alloc && T->alloc(M->state, M) != LMC_SUCCESS)
    {
        if (T->free)
            T->free(M->state);
        free(M->state);
        M->state = NULL;
        goto fail;
    }
    return M;
fail:
    M->type = NULL;
    lmc_method_free(M);
    return NULL;
}

void
lmc_method_free(lmc_method *M)
{
    if (!M)
        return;
    if (M->type && M->type->free)
        M->type->free(M->state);
    free(M->state);
    for (size_t i = 0; i < LMC_MAX_BLOCKS; i++)
        lmc_inexact_free(M->oracle[i]);
    free(M);
}

int
lmc_method_set(lmc_method *M, const gsl_vector *x)
{
    if (x->size != M->P->layout.total || x->stride != 1)
        LMC_ERROR(LMC_EBADLEN, "method '%s': x has length %zu, want %zu",
                  M->type->name, x->size, M->P->layout.total);
    M->t = 0;
    return M->type->set(M->state, M, x);
}

int
lmc_method_iterate(lmc_method *M, gsl_vector *x, lmc_step_info *info)
{
    for (size_t i = 0; i < LMC_MAX_BLOCKS; i++)
    {
        info->eta[i] = NAN;
        info->delta[i] = NAN;
    }
    info->ngrad = 0;
    M->t++;
    LMC_TRY(M->type->iterate(M->state, M, x, info));
    for (size_t i = 0; i < x->size; i++)
        if (!lmc_isfinite(x->data[i]))
            LMC_ERROR(LMC_ENONFINITE, "method '%s' produced a non-finite "
                      "iterate at step %zu", M->type->name, M->t);
    return LMC_SUCCESS;
}

int
lmc_method_grad(lmc_method *M, const gsl_vector *x, size_t t, gsl_vector *g)
{
    if (M->params.stochastic)
        return lmc_problem_sgrad(M->P, x, lmc_sample_id(M->params.seed, t),
                                 g);
    double f;
    return lmc_problem_fdf(M->P, x, &f, g);
}

int
lmc_method_grad_sample(lmc_method *M, const gsl_vector *x, size_t t,
                       gsl_vector *g)
{
    return lmc_method_grad(M, x, t, g);
}

int
lmc_method_apply_lmo(lmc_method *M, const gsl_vector *m, gsl_vector *s,
                     lmc_step_info *info)
{
    const lmc_layout *L = &M->P->layout;
    for (size_t i = 0; i < L->nblocks; i++)
    {
        gsl_matrix_const_view mi = lmc_block_const(L, m, i);
        gsl_matrix_view si = lmc_block(L, s, i);
        double d = NAN;
        LMC_TRY(lmc_inexact_apply(M->oracle[i], &mi.matrix, &si.matrix,
                                  M->measure_delta ? &d : NULL));
        info->delta[i] = d;
    }
    return LMC_SUCCESS;
}

void
lmc_method_ema(gsl_vector *m, double beta, double a, const gsl_vector *g)
{
    double *mj = m->data;
    const double *gj = g->data;
    for (size_t j = 0; j < m->size; j++)
        mj[j] = beta * mj[j] + a * gj[j];
}

void
lmc_method_momentum_update(const lmc_method *M, size_t t, gsl_vector *m,
                           const gsl_vector *g)
{
    if (t == 1)
    {
        gsl_vector_memcpy(m, g);
        return;
    }
    const double beta = lmc_method_beta(&M->params, t);
    lmc_method_ema(m, beta, 1.0 - beta, g);
}

void
lmc_method_record_eta(const lmc_method *M, double eta, lmc_step_info *info)
{
    for (size_t i = 0; i < M->P->layout.nblocks; i++)
        info->eta[i] = eta;
}

int
lmc_method_lmo_step(lmc_method *M, const gsl_vector *dir, gsl_vector *s,
                    double eta, gsl_vector *x, lmc_step_info *info)
{
    LMC_TRY(lmc_method_apply_lmo(M, dir, s, info));
    for (size_t j = 0; j < x->size; j++)
        x->data[j] += eta * s->data[j];
    lmc_method_record_eta(M, eta, info);
    return LMC_SUCCESS;
}
