/* mp/traj_mp.c -- MPFR reference trajectories of gd, simplified Muon,
 * Adam and the LMO method (exact or polynomial oracle) on icl, mf, mf-sym
 * and lsq (the math, the polar factor's stopping rule and the rigorous
 * early stop are in traj_mp.h).
 *
 * Every MPFR operation rounds to nearest at the working precision except
 * the early-stop bound, whose roundings are directed (commented there).
 * No double arithmetic touches a value that feeds the trajectory: doubles
 * enter by mpfr_set_d (exact at >= 53 bits) and leave by mpfr_get_d
 * (nearest), so the result does not depend on the IEEE rounding mode.
 */
#include "traj_mp.h"

#include "inexact.h"
#include "mp.h"
#include "newton.h"
#include "oracle.h"
#include "unwind.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Polar-factor workspace of one block (K = min side, M = max side). */
typedef struct
{
    size_t M, K;
    int wide;
    lmc_mp_mat *am, *q1, *r, *qrw, *y, *xn, *gjw, *p;
} polar_ws;

/* Everything one run needs, allocated before the loop. */
typedef struct
{
    const lmc_traj_problem *p;
    mpfr_prec_t prec;
    lmc_mp_mat *x, *g, *s, *m, *v; /* total x 1: iterate, gradient,
                                      direction, Adam's moments (lmo: m is
                                      the momentum buffer) */
    lmc_mp_mat *c[4];              /* problem constants (per type) */
    lmc_mp_mat *t1, *t2;           /* problem temporaries */
    mpfr_t nref_lo;                /* ||G*||_F or ||M*||_F, rounded down */
    mpfr_t nref;                   /* the same, nearest */
    mpfr_t fstar;                  /* lsq: f* (nearest) */
    polar_ws pw[LMC_MAX_BLOCKS];
    lmc_mp_poly_ws *pp[LMC_MAX_BLOCKS]; /* lmo with the poly oracle */
} traj_ws;

struct lmc_traj_problem_type
{
    const char *name;
    size_t nblocks;
    /* Builds c[], t1, t2, nref at w->prec. */
    int (*init)(traj_ws *w);
    /* e = relative error of w->x (nearest); the gradient into w->g if
     * grad. */
    int (*eval)(traj_ws *w, mpfr_t e, int grad);
    /* out >= the error of any point within Frobenius distance D of w->x
     * in every block, given eup >= the error at w->x (upward); NULL: the
     * problem has no such bound (no early stop). */
    int (*bound)(traj_ws *w, mpfr_t out, const mpfr_t eup, const mpfr_t D);
    /* out = distance of w->x from the invariant set of the exact dynamics
     * (nearest), or NULL if the problem declares none. */
    int (*drift)(traj_ws *w, mpfr_t out);
};

/* View of block i of a total x 1 MPFR vector as a size1 x size2 matrix. */
static lmc_mp_mat
block(const lmc_mp_mat *x, const lmc_layout *L, size_t i)
{
    lmc_mp_mat b = {L->size1[i], L->size2[i], x->prec,
                    x->data + L->offset[i]};
    return b;
}

/* out = ||a||_F rounded in direction rnd (RNDD or RNDU: every term of
 * the sum is >= 0, so rounding each fma and the sqrt the same way gives a
 * one-sided bound). */
static void
frob_dir(mpfr_t out, const lmc_mp_mat *a, mpfr_rnd_t rnd)
{
    mpfr_set_zero(out, 1);
    for (size_t k = 0; k < a->size1 * a->size2; k++)
        mpfr_fma(out, a->data[k], a->data[k], out, rnd);
    mpfr_sqrt(out, out, rnd);
}

/* ---- icl: c[0] = Lambda, c[1] = S, c[2] = Lambda^2, c[3] = G*. */

static int
icl_init(traj_ws *w)
{
    const lmc_traj_problem *p = w->p;
    const size_t d = p->a->size1;
    int status = LMC_SUCCESS;
    lmc_mp_mat *sinv = NULL, *gjw = NULL;
    mpfr_t T, t;
    mpfr_inits2(w->prec, T, t, (mpfr_ptr)0);
    if (p->a->size2 != d || p->layout->nblocks != 1 ||
        p->layout->size1[0] != d || p->layout->size2[0] != d || p->N == 0)
        FAIL(LMC_EBADLEN, "reference trajectory 'icl': want a d x d Lambda, "
             "one d x d block and N >= 1");
    for (int k = 0; k < 4; k++)
        ALLOC(w->c[k], d, d, w->prec);
    ALLOC(w->t1, d, d, w->prec);
    ALLOC(w->t2, d, d, w->prec);
    ALLOC(sinv, d, d, w->prec);
    ALLOC(gjw, d, 2 * d, w->prec);
    CHECK(lmc_mp_mat_set_gsl(w->c[0], p->a));
    CHECK(lmc_mp_mat_mul(w->c[2], w->c[0], w->c[0]));
    mpfr_set_zero(T, 1);
    for (size_t j = 0; j < d; j++)
        mpfr_add(T, T, ENTRY(w->c[0], j, j), MPFR_RNDN);
    for (size_t k = 0; k < d * d; k++)
    {
        /* S = ((N+1) Lambda^2 + T Lambda) / N: integers, no decimal */
        mpfr_mul_ui(t, w->c[2]->data[k], (unsigned long)p->N + 1, MPFR_RNDN);
        mpfr_fma(t, T, w->c[0]->data[k], t, MPFR_RNDN);
        mpfr_div_ui(w->c[1]->data[k], t, (unsigned long)p->N, MPFR_RNDN);
    }
    CHECK(lmc_mp_mat_inverse(sinv, w->c[1], gjw));
    CHECK(lmc_mp_mat_mul(w->c[3], w->c[0], sinv));
    frob_dir(w->nref_lo, w->c[3], MPFR_RNDD);
    lmc_mp_mat_frobenius(w->nref, w->c[3]);
fail:
    lmc_mp_mat_free(sinv);
    lmc_mp_mat_free(gjw);
    mpfr_clears(T, t, (mpfr_ptr)0);
    return status;
}

static int
icl_eval(traj_ws *w, mpfr_t e, int grad)
{
    const size_t d = w->c[0]->size1;
    lmc_mp_mat G = block(w->x, w->p->layout, 0);
    /* e = ||G - G*||_F / ||G*||_F, the difference formed in t1 */
    for (size_t k = 0; k < d * d; k++)
        mpfr_sub(w->t1->data[k], G.data[k], w->c[3]->data[k], MPFR_RNDN);
    lmc_mp_mat_frobenius(e, w->t1);
    mpfr_div(e, e, w->nref, MPFR_RNDN);
    if (!grad)
        return LMC_SUCCESS;
    /* grad = (Lambda G) S - Lambda^2 */
    LMC_TRY(lmc_mp_mat_mul(w->t1, w->c[0], &G));
    LMC_TRY(lmc_mp_mat_mul(w->t2, w->t1, w->c[1]));
    for (size_t k = 0; k < d * d; k++)
        mpfr_sub(w->g->data[k], w->t2->data[k], w->c[2]->data[k],
                 MPFR_RNDN);
    return LMC_SUCCESS;
}

static int
icl_bound(traj_ws *w, mpfr_t out, const mpfr_t eup, const mpfr_t D)
{
    /* e + D / ||G*||: upward over a lower bound of the norm */
    mpfr_div(out, D, w->nref_lo, MPFR_RNDU);
    mpfr_add(out, out, eup, MPFR_RNDU);
    return LMC_SUCCESS;
}

/* ||Lambda G - G Lambda||_F / (||Lambda||_F ||G||_F): zero on the set of
 * matrices commuting with Lambda, which the exact dynamics of every
 * method here never leave from a G_0 commuting with Lambda (induction:
 * the gradient Lambda G S - Lambda^2 then commutes with Lambda, and so do
 * its polar factor and Adam's entrywise maps only in Lambda's own basis:
 * for Adam the measure is reported, not a property). */
static int
icl_drift(traj_ws *w, mpfr_t out)
{
    const size_t d = w->c[0]->size1;
    lmc_mp_mat G = block(w->x, w->p->layout, 0);
    mpfr_t a;
    mpfr_init2(a, w->prec);
    LMC_TRY(lmc_mp_mat_mul(w->t1, w->c[0], &G));
    LMC_TRY(lmc_mp_mat_mul(w->t2, &G, w->c[0]));
    for (size_t k = 0; k < d * d; k++)
        mpfr_sub(w->t1->data[k], w->t1->data[k], w->t2->data[k], MPFR_RNDN);
    lmc_mp_mat_frobenius(out, w->t1);
    lmc_mp_mat_frobenius(a, &G);
    if (!mpfr_zero_p(a))
    {
        mpfr_div(out, out, a, MPFR_RNDN);
        lmc_mp_mat_frobenius(a, w->c[0]);
        mpfr_div(out, out, a, MPFR_RNDN);
    }
    mpfr_clear(a);
    return LMC_SUCCESS;
}

const lmc_traj_problem_type lmc_traj_icl = {
    .name = "icl", .nblocks = 1,
    .init = icl_init, .eval = icl_eval, .bound = icl_bound,
    .drift = icl_drift,
};

/* ---- mf, mf-sym: c[0] = M* (m x n), t1 = R (m x n). */

static int
mf_init(traj_ws *w)
{
    const lmc_traj_problem *p = w->p;
    const int sym = p->type == &lmc_traj_mf_sym;
    const gsl_matrix *phi = p->a, *psi = sym ? p->a : p->b;
    int status = LMC_SUCCESS;
    lmc_mp_mat *pl = NULL, *ps = NULL;
    if (!phi || !psi || !p->lambda || phi->size2 != psi->size2 ||
        p->layout->nblocks != (sym ? 1u : 2u) ||
        p->layout->size1[0] != phi->size1 ||
        p->layout->size2[0] != phi->size2 ||
        (!sym && (p->layout->size1[1] != psi->size1 ||
                  p->layout->size2[1] != psi->size2)))
        LMC_ERROR(LMC_EBADLEN, "reference trajectory '%s': Phi, Psi, lambda "
                  "and the layout disagree", p->type->name);
    const size_t m = phi->size1, n = psi->size1, r = phi->size2;
    ALLOC(w->c[0], m, n, w->prec);
    ALLOC(w->t1, m, n, w->prec);
    ALLOC(pl, m, r, w->prec);
    ALLOC(ps, n, r, w->prec);
    CHECK(lmc_mp_mat_set_gsl(pl, phi));
    CHECK(lmc_mp_mat_set_gsl(ps, psi));
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < r; k++)
            /* Phi diag(lambda): the double product, rounded once */
            mpfr_mul_d(ENTRY(pl, i, k), ENTRY(pl, i, k), p->lambda[k],
                       MPFR_RNDN);
    CHECK(lmc_mp_mat_mul_nt(w->c[0], pl, ps));
    frob_dir(w->nref_lo, w->c[0], MPFR_RNDD);
    lmc_mp_mat_frobenius(w->nref, w->c[0]);
    if (mpfr_zero_p(w->nref_lo))
        FAIL(LMC_EDOM, "reference trajectory '%s': M* = 0", p->type->name);
fail:
    lmc_mp_mat_free(pl);
    lmc_mp_mat_free(ps);
    return status;
}

static int
mf_eval(traj_ws *w, mpfr_t e, int grad)
{
    const lmc_layout *L = w->p->layout;
    const int sym = w->p->type == &lmc_traj_mf_sym;
    lmc_mp_mat U = block(w->x, L, 0), V = block(w->x, L, sym ? 0 : 1);
    /* R = U V^T - M* */
    LMC_TRY(lmc_mp_mat_mul_nt(w->t1, &U, &V));
    for (size_t k = 0; k < w->t1->size1 * w->t1->size2; k++)
        mpfr_sub(w->t1->data[k], w->t1->data[k], w->c[0]->data[k],
                 MPFR_RNDN);
    lmc_mp_mat_frobenius(e, w->t1);
    mpfr_div(e, e, w->nref, MPFR_RNDN);
    if (!grad)
        return LMC_SUCCESS;
    lmc_mp_mat gU = block(w->g, L, 0);
    LMC_TRY(lmc_mp_mat_mul(&gU, w->t1, &V)); /* R V (sym: R X) */
    if (!sym)
    {
        lmc_mp_mat gV = block(w->g, L, 1);
        LMC_TRY(lmc_mp_mat_mul_tn(&gV, w->t1, &U)); /* R^T U */
    }
    return LMC_SUCCESS;
}

static int
mf_bound(traj_ws *w, mpfr_t out, const mpfr_t eup, const mpfr_t D)
{
    const lmc_layout *L = w->p->layout;
    const int sym = w->p->type == &lmc_traj_mf_sym;
    lmc_mp_mat U = block(w->x, L, 0), V = block(w->x, L, sym ? 0 : 1);
    mpfr_t a, b;
    mpfr_inits2(w->prec, a, b, (mpfr_ptr)0);
    /* (D (||U|| + ||V||) + D^2) / ||M*|| + e, all upward (norms from
     * above, ||M*|| from below) */
    frob_dir(a, &U, MPFR_RNDU);
    frob_dir(b, &V, MPFR_RNDU);
    mpfr_add(a, a, b, MPFR_RNDU);
    mpfr_add(a, a, D, MPFR_RNDU);
    mpfr_mul(a, a, D, MPFR_RNDU);
    mpfr_div(out, a, w->nref_lo, MPFR_RNDU);
    mpfr_add(out, out, eup, MPFR_RNDU);
    mpfr_clears(a, b, (mpfr_ptr)0);
    return LMC_SUCCESS;
}

const lmc_traj_problem_type lmc_traj_mf = {
    .name = "mf", .nblocks = 2,
    .init = mf_init, .eval = mf_eval, .bound = mf_bound,
};

const lmc_traj_problem_type lmc_traj_mf_sym = {
    .name = "mf-sym", .nblocks = 1,
    .init = mf_init, .eval = mf_eval, .bound = mf_bound,
};

/* ---- lsq: c[0] = A (p x m), c[1] = B (p x n), t1 = R = A X - B. */

/* f* of the stored doubles.  p = m: A is nonsingular (its singular values
 * are designed >= 1/kappa >= 1e-4, far above its rounding), so A X = B is
 * solvable and f* = 0 exactly.  p > m (variant residual): f at the
 * normal-equation solution Z = (A^T A)^-1 A^T B, solved at prec + 32 bits
 * (cond(A^T A) = kappa^2 <= 1e8 costs ~27 bits); the error of f(Z) is
 * second order in Z - Z*, far below 2^-prec (problems/lsq_mp.c). */
static int
lsq_fstar(traj_ws *w)
{
    const size_t p = w->c[0]->size1, m = w->c[0]->size2,
                 n = w->c[1]->size2;
    const mpfr_prec_t wp = w->prec + 32;
    int status = LMC_SUCCESS;
    lmc_mp_mat *a = NULL, *b = NULL, *nrm = NULL, *ninv = NULL, *gjw = NULL,
               *atb = NULL, *z = NULL, *res = NULL;
    if (p == m)
    {
        mpfr_set_zero(w->fstar, 1);
        return LMC_SUCCESS;
    }
    ALLOC(a, p, m, wp);
    ALLOC(b, p, n, wp);
    ALLOC(nrm, m, m, wp);
    ALLOC(ninv, m, m, wp);
    ALLOC(gjw, m, 2 * m, wp);
    ALLOC(atb, m, n, wp);
    ALLOC(z, m, n, wp);
    ALLOC(res, p, n, wp);
    CHECK(lmc_mp_mat_set_gsl(a, w->p->a));
    CHECK(lmc_mp_mat_set_gsl(b, w->p->b));
    CHECK(lmc_mp_mat_mul_tn(nrm, a, a));
    CHECK(lmc_mp_mat_mul_tn(atb, a, b));
    CHECK(lmc_mp_mat_inverse(ninv, nrm, gjw));
    CHECK(lmc_mp_mat_mul(z, ninv, atb));
    CHECK(lmc_mp_mat_mul(res, a, z));
    mpfr_set_zero(w->fstar, 1);
    for (size_t k = 0; k < p * n; k++)
    {
        mpfr_sub(res->data[k], res->data[k], b->data[k], MPFR_RNDN);
        mpfr_fma(w->fstar, res->data[k], res->data[k], w->fstar, MPFR_RNDN);
    }
    mpfr_div_2ui(w->fstar, w->fstar, 1, MPFR_RNDN); /* exact halving */
fail:
    lmc_mp_mat_free(a);
    lmc_mp_mat_free(b);
    lmc_mp_mat_free(nrm);
    lmc_mp_mat_free(ninv);
    lmc_mp_mat_free(gjw);
    lmc_mp_mat_free(atb);
    lmc_mp_mat_free(z);
    lmc_mp_mat_free(res);
    return status;
}

static int
lsq_init(traj_ws *w)
{
    const lmc_traj_problem *p = w->p;
    int status = LMC_SUCCESS;
    if (!p->a || !p->b || p->a->size1 != p->b->size1 ||
        p->a->size1 < p->a->size2 || p->layout->nblocks != 1 ||
        p->layout->size1[0] != p->a->size2 ||
        p->layout->size2[0] != p->b->size2)
        LMC_ERROR(LMC_EBADLEN, "reference trajectory 'lsq': want A p x m "
                  "(p >= m), B p x n and one m x n block");
    const size_t rows = p->a->size1, m = p->a->size2, n = p->b->size2;
    ALLOC(w->c[0], rows, m, w->prec);
    ALLOC(w->c[1], rows, n, w->prec);
    ALLOC(w->t1, rows, n, w->prec);
    CHECK(lmc_mp_mat_set_gsl(w->c[0], p->a));
    CHECK(lmc_mp_mat_set_gsl(w->c[1], p->b));
    CHECK(lsq_fstar(w));
    /* the error is absolute (f - f*): no reference norm */
    mpfr_set_ui(w->nref, 1, MPFR_RNDN);
    mpfr_set_ui(w->nref_lo, 1, MPFR_RNDN);
fail:
    return status;
}

/* e = f(X) - f* = 1/2 ||A X - B||_F^2 - f* (nearest); grad = A^T R. */
static int
lsq_eval(traj_ws *w, mpfr_t e, int grad)
{
    lmc_mp_mat X = block(w->x, w->p->layout, 0);
    LMC_TRY(lmc_mp_mat_mul(w->t1, w->c[0], &X));
    mpfr_set_zero(e, 1);
    for (size_t k = 0; k < w->t1->size1 * w->t1->size2; k++)
    {
        mpfr_sub(w->t1->data[k], w->t1->data[k], w->c[1]->data[k],
                 MPFR_RNDN);
        mpfr_fma(e, w->t1->data[k], w->t1->data[k], e, MPFR_RNDN);
    }
    mpfr_div_2ui(e, e, 1, MPFR_RNDN); /* exact halving */
    mpfr_sub(e, e, w->fstar, MPFR_RNDN);
    if (!grad)
        return LMC_SUCCESS;
    lmc_mp_mat G = block(w->g, w->p->layout, 0);
    return lmc_mp_mat_mul_tn(&G, w->c[0], w->t1);
}

const lmc_traj_problem_type lmc_traj_lsq = {
    .name = "lsq", .nblocks = 1,
    .init = lsq_init, .eval = lsq_eval,
};

/* ---- the polar factor of an MPFR block */

static void
polar_ws_free(polar_ws *pw)
{
    lmc_mp_mat_free(pw->am);
    lmc_mp_mat_free(pw->q1);
    lmc_mp_mat_free(pw->r);
    lmc_mp_mat_free(pw->qrw);
    lmc_mp_mat_free(pw->y);
    lmc_mp_mat_free(pw->xn);
    lmc_mp_mat_free(pw->gjw);
    lmc_mp_mat_free(pw->p);
}

static int
polar_ws_alloc(polar_ws *pw, size_t size1, size_t size2, mpfr_prec_t wp)
{
    int status = LMC_SUCCESS;
    memset(pw, 0, sizeof *pw);
    pw->wide = size1 < size2;
    pw->M = pw->wide ? size2 : size1;
    pw->K = pw->wide ? size1 : size2;
    ALLOC(pw->am, pw->M, pw->K, wp);
    if (pw->M > pw->K)
    {
        ALLOC(pw->q1, pw->M, pw->K, wp);
        ALLOC(pw->r, pw->K, pw->K, wp);
        ALLOC(pw->qrw, pw->M, pw->K, wp);
        ALLOC(pw->p, pw->M, pw->K, wp);
    }
    ALLOC(pw->y, pw->K, pw->K, wp);
    ALLOC(pw->xn, pw->K, pw->K, wp);
    ALLOC(pw->gjw, pw->K, 2 * pw->K, wp);
    return LMC_SUCCESS;
fail:
    polar_ws_free(pw);
    return status;
}

/* Scaled Newton on the square x in place (stopping rule: traj_mp.h). */
static int
newton(polar_ws *pw, lmc_mp_mat *x, mpfr_prec_t prec, size_t *iters)
{
    int status = LMC_SUCCESS, scaling = 1, it;
    mpfr_t t, step, tol;
    mpfr_inits2(x->prec, t, step, tol, (mpfr_ptr)0);
    /* 2^-(prec/2 + 8), a power of two: exact */
    mpfr_set_ui_2exp(tol, 1, -(mpfr_exp_t)(prec / 2 + 8), MPFR_RNDN);
    for (it = 1; it <= LMC_MP_POLAR_MAXITER; it++)
    {
        CHECK(lmc_mp_newton_step(x, pw->y, pw->xn, pw->gjw, scaling, step));
        if (!mpfr_number_p(step))
            FAIL(LMC_EMPFR, "reference polar factor: Newton step is not a "
                 "number at iteration %d", it);
        /* the quadratic-convergence argument needs the unscaled
         * iteration: stop only after scaling is off */
        if (!scaling && mpfr_less_p(step, tol))
            break;
        mpfr_mul_ui(t, step, 100, MPFR_RNDN);
        if (mpfr_cmp_ui(t, 1) < 0)
            scaling = 0;
    }
    if (it > LMC_MP_POLAR_MAXITER)
        FAIL(LMC_ENOCONV, "reference polar factor: no convergence in %d "
             "Newton iterations", LMC_MP_POLAR_MAXITER);
    *iters += (size_t)it;
fail:
    mpfr_clears(t, step, tol, (mpfr_ptr)0);
    return status;
}

/* q = polar(a) (block views at the trajectory precision, same shape),
 * computed at pw's precision and rounded to nearest into q. */
static int
polar_block(polar_ws *pw, lmc_mp_mat *q, const lmc_mp_mat *a,
            mpfr_prec_t prec, size_t *iters)
{
    for (size_t i = 0; i < a->size1; i++)
        for (size_t j = 0; j < a->size2; j++)
            /* exact: the workspace is wider than a */
            mpfr_set(pw->wide ? ENTRY(pw->am, j, i) : ENTRY(pw->am, i, j),
                     ENTRY(a, i, j), MPFR_RNDN);
    lmc_mp_mat *x = pw->am;
    if (pw->M > pw->K)
    {
        LMC_TRY(lmc_mp_mat_qr(pw->q1, pw->r, pw->am, pw->qrw));
        x = pw->r;
    }
    /* newton swaps data pointers between x and xn: both belong to pw */
    LMC_TRY(newton(pw, x, prec, iters));
    const lmc_mp_mat *res = x;
    if (pw->M > pw->K)
    {
        LMC_TRY(lmc_mp_mat_mul(pw->p, pw->q1, x));
        res = pw->p;
    }
    for (size_t i = 0; i < q->size1; i++)
        for (size_t j = 0; j < q->size2; j++)
            mpfr_set(ENTRY(q, i, j),
                     pw->wide ? ENTRY(res, j, i) : ENTRY(res, i, j),
                     MPFR_RNDN);
    return LMC_SUCCESS;
}

/* ---- the record */

lmc_traj *
lmc_traj_alloc(size_t total, size_t iters, int keep_x)
{
    if (total == 0 || iters == 0 || iters > ((size_t)1 << 40) / total)
        LMC_ERROR_NULL(LMC_EBADLEN, "reference trajectory of %zu parameters "
                       "and %zu steps (want both >= 1, product < 2^40)",
                       total, iters);
    lmc_traj *tr = calloc(1, sizeof *tr);
    if (!tr)
        LMC_ERROR_NULL(LMC_ENOMEM, "reference trajectory record");
    tr->cap = iters + 1;
    tr->total = total;
    tr->err = malloc(tr->cap * sizeof *tr->err);
    tr->drift = malloc(tr->cap * sizeof *tr->drift);
    if (keep_x)
        tr->xs = malloc(tr->cap * total * sizeof *tr->xs);
    if (!tr->err || !tr->drift || (keep_x && !tr->xs))
    {
        lmc_traj_free(tr);
        LMC_ERROR_NULL(LMC_ENOMEM, "reference trajectory of %zu steps",
                       iters);
    }
    return tr;
}

void
lmc_traj_free(lmc_traj *tr)
{
    if (!tr)
        return;
    free(tr->err);
    free(tr->drift);
    free(tr->xs);
    free(tr);
}

static void
ws_free(traj_ws *w)
{
    lmc_mp_mat_free(w->x);
    lmc_mp_mat_free(w->g);
    lmc_mp_mat_free(w->s);
    lmc_mp_mat_free(w->m);
    lmc_mp_mat_free(w->v);
    for (int k = 0; k < 4; k++)
        lmc_mp_mat_free(w->c[k]);
    lmc_mp_mat_free(w->t1);
    lmc_mp_mat_free(w->t2);
    for (size_t i = 0; i < LMC_MAX_BLOCKS; i++)
    {
        polar_ws_free(&w->pw[i]);
        lmc_mp_poly_ws_free(w->pp[i]);
    }
    mpfr_clears(w->nref_lo, w->nref, w->fstar, (mpfr_ptr)0);
}

/* eta = eta_t of method.h in MPFR (nearest): the double lr, rho, p taken
 * exactly. */
static void
step_size(mpfr_t eta, const lmc_method_params *mp, size_t t, mpfr_t tmp)
{
    mpfr_set_d(eta, mp->lr, MPFR_RNDN);
    if (mp->step_rule == LMC_STEP_GEOMETRIC)
    {
        mpfr_set_d(tmp, mp->step_rho, MPFR_RNDN);
        mpfr_pow_ui(tmp, tmp, (unsigned long)(t - 1), MPFR_RNDN);
        mpfr_mul(eta, eta, tmp, MPFR_RNDN);
    }
    else if (mp->step_rule == LMC_STEP_POLY)
    {
        mpfr_t e;
        mpfr_init2(e, mpfr_get_prec(tmp));
        mpfr_set_d(e, -mp->step_p, MPFR_RNDN); /* exact negation */
        mpfr_set_ui(tmp, (unsigned long)t, MPFR_RNDN);
        mpfr_pow(tmp, tmp, e, MPFR_RNDN);
        mpfr_mul(eta, eta, tmp, MPFR_RNDN);
        mpfr_clear(e);
    }
}

/* D = sqrt(kmax) sum_{s > t} eta_s = sqrt(kmax) lr rho^t / (1 - rho),
 * rounded upward (1 - rho downward): an upper bound of the travel left. */
static void
travel_left(mpfr_t D, const lmc_method_params *mp, size_t t, size_t kmax,
            mpfr_t tmp)
{
    mpfr_set_d(tmp, mp->step_rho, MPFR_RNDN); /* exact */
    mpfr_pow_ui(D, tmp, (unsigned long)t, MPFR_RNDU);
    mpfr_mul_d(D, D, mp->lr, MPFR_RNDU);
    mpfr_ui_sub(tmp, 1, tmp, MPFR_RNDD);
    mpfr_div(D, D, tmp, MPFR_RNDU);
    mpfr_sqrt_ui(tmp, (unsigned long)kmax, MPFR_RNDU);
    mpfr_mul(D, D, tmp, MPFR_RNDU);
}

enum
{
    M_GD,
    M_MUON,
    M_ADAM,
    M_LMO
};

/* The MPFR scalars of one run: the error e, the step eta and -eta, the
 * method's constants (b1 = beta1, c1 = 1 - beta1, b2, c2, eps; Adam's
 * powers p1 = beta1^t, p2 = beta2^t) and scratch. */
typedef struct
{
    mpfr_t e, eta, neta, tmp, D, bnd, b1, b2, c1, c2, p1, p2, eps, a, b;
} traj_scalars;

/* The method the reference implements for T, or -1. */
static int
traj_kind(const lmc_method_type *T)
{
    return T == &lmc_method_gd                ? M_GD
           : T == &lmc_method_simplified_muon ? M_MUON
           : T == &lmc_method_adam            ? M_ADAM
           : T == &lmc_method_lmo             ? M_LMO
                                              : -1;
}

/* The settings of method kind that the reference follows. */
static int
traj_check_method(int kind, int poly, const lmc_traj_problem *p,
                  const lmc_method_params *mp)
{
    if (mp->stochastic ||
        (mp->oracle && mp->oracle != &lmc_inexact_exact && !poly))
        LMC_ERROR(LMC_EINVAL, "reference trajectory: only exact gradients "
                  "and the exact oracle (lmo: also poly)");
    if (poly && mp->oracle_params.precision != LMC_FP64)
        LMC_ERROR(LMC_EINVAL, "reference trajectory: the poly oracle is run "
                  "in exact arithmetic, the limit of its fp64 form; %s is "
                  "another oracle (accepted: fp64)",
                  lmc_precision_name(mp->oracle_params.precision));
    if (poly)
        LMC_TRY(lmc_schedule_check_steps(&mp->oracle_params.schedule,
                                         mp->oracle_params.steps));
    if (kind == M_LMO && (mp->momentum_poly || !(mp->momentum >= 0) ||
                          !(mp->momentum < 1)))
        LMC_ERROR(LMC_EINVAL, "reference trajectory: lmo wants a constant "
                  "momentum in [0, 1) (0: alpha = 1)");
    if (kind == M_LMO)
        for (size_t i = 0; i < p->layout->nblocks; i++)
            if (p->layout->norm[i] != &lmc_oracle_spectral)
                LMC_ERROR(LMC_EINVAL, "reference trajectory: lmo needs the "
                          "spectral ball on every block (block %zu is "
                          "'%s')", i, p->layout->norm[i]
                                          ? p->layout->norm[i]->name
                                          : "none");
    if (kind == M_ADAM && (mp->momentum_poly || !(mp->momentum >= 0) ||
                           !(mp->momentum < 1) || !(mp->beta2 >= 0) ||
                           !(mp->beta2 < 1) || !(mp->eps >= 0)))
        LMC_ERROR(LMC_EINVAL, "reference trajectory: adam wants a constant "
                  "beta1, beta2 in [0, 1) and eps >= 0");
    if (!(mp->lr > 0) || (mp->step_rule == LMC_STEP_GEOMETRIC &&
                          !(mp->step_rho > 0 && mp->step_rho <= 1)))
        LMC_ERROR(LMC_EINVAL, "reference trajectory: want lr > 0 and rho in "
                  "(0, 1]");
    return LMC_SUCCESS;
}

/* The vectors, problem constants and per-block polar or polynomial
 * workspaces of the run, and X_0 = x0; kmax = the largest min side of a
 * block with a polar workspace (0 if none).  On failure the caller's
 * ws_free releases what was made. */
static int
traj_setup(traj_ws *w, int kind, int poly, const lmc_method_params *mp,
           const double *x0, size_t *kmax)
{
    const lmc_layout *L = w->p->layout;
    const size_t total = L->total;
    const mpfr_prec_t prec = w->prec;
    int status = LMC_SUCCESS;
    ALLOC(w->x, total, 1, prec);
    ALLOC(w->g, total, 1, prec);
    if (kind == M_MUON || kind == M_LMO)
        ALLOC(w->s, total, 1, prec);
    if (kind == M_LMO && mp->momentum > 0)
        ALLOC(w->m, total, 1, prec);
    if (kind == M_ADAM)
    {
        ALLOC(w->m, total, 1, prec);
        ALLOC(w->v, total, 1, prec);
    }
    CHECK(w->p->type->init(w));
    *kmax = 0;
    if (poly)
        for (size_t i = 0; i < L->nblocks; i++)
        {
            /* the polynomial at the trajectory's precision, as
             * lmc_mp_poly_apply runs it */
            w->pp[i] = lmc_mp_poly_ws_alloc(L->size1[i], L->size2[i], prec);
            if (!w->pp[i])
                FAIL(LMC_ENOMEM, "reference trajectory: polynomial "
                     "workspace of block %zu", i);
        }
    else if (kind == M_MUON || kind == M_LMO)
        for (size_t i = 0; i < L->nblocks; i++)
        {
            CHECK(polar_ws_alloc(&w->pw[i], L->size1[i], L->size2[i],
                                 prec + LMC_MP_GUARD_BITS));
            *kmax = w->pw[i].K > *kmax ? w->pw[i].K : *kmax;
        }
    for (size_t j = 0; j < total; j++)
    {
        if (!isfinite(x0[j]))
            FAIL(LMC_ENONFINITE, "reference trajectory: x0[%zu] is not "
                 "finite", j);
        mpfr_set_d(w->x->data[j], x0[j], MPFR_RNDN); /* exact */
    }
fail:
    return status;
}

/* The method's constants in sc: beta1, beta2, their complements, eps, and
 * the powers p1 = p2 = 1. */
static void
traj_set_constants(traj_scalars *sc, const lmc_method_params *mp)
{
    mpfr_set_d(sc->b1, mp->momentum, MPFR_RNDN);
    mpfr_set_d(sc->b2, mp->beta2, MPFR_RNDN);
    mpfr_ui_sub(sc->c1, 1, sc->b1, MPFR_RNDN);
    mpfr_ui_sub(sc->c2, 1, sc->b2, MPFR_RNDN);
    mpfr_set_d(sc->eps, mp->eps, MPFR_RNDN);
    mpfr_set_ui(sc->p1, 1, MPFR_RNDN);
    mpfr_set_ui(sc->p2, 1, MPFR_RNDN);
}

/* The first t whose travel left, relative to ||G*||_F, is within
 * stop_settled (0 if none up to iters). */
static size_t
traj_settle_min(const traj_ws *w, traj_scalars *sc,
                const lmc_method_params *mp, const lmc_traj_options *o,
                size_t kmax)
{
    for (size_t t = 0; t <= o->iters; t++)
    {
        travel_left(sc->D, mp, t, kmax, sc->tmp);
        mpfr_div(sc->a, sc->D, w->nref, MPFR_RNDN);
        if (mpfr_cmp_d(sc->a, o->stop_settled) <= 0)
            return t;
    }
    return 0;
}

/* Records X_t (in w->x, its error already in sc->e) and tests the stops
 * other than the budget: *stop = the reason, or LMC_TRAJ_BUDGET to go
 * on. */
static int
traj_record(lmc_traj *tr, traj_ws *w, traj_scalars *sc,
            const lmc_method_params *mp, const lmc_traj_options *o,
            size_t t, int settle, size_t kmax, lmc_traj_stop *stop)
{
    const lmc_traj_problem *p = w->p;
    const size_t total = tr->total;
    *stop = LMC_TRAJ_BUDGET;
    tr->err[t] = mpfr_get_d(sc->e, MPFR_RNDN);
    if (tr->xs)
        for (size_t j = 0; j < total; j++)
            tr->xs[t * total + j] = mpfr_get_d(w->x->data[j], MPFR_RNDN);
    tr->n = t + 1;
    tr->drift[t] = NAN;
    if (o->drift && p->type->drift)
    {
        LMC_TRY(p->type->drift(w, sc->tmp));
        tr->drift[t] = mpfr_get_d(sc->tmp, MPFR_RNDN);
        if (o->max_drift > 0 && mpfr_cmp_d(sc->tmp, o->max_drift) > 0)
            *stop = LMC_TRAJ_DRIFT;
    }
    if (*stop != LMC_TRAJ_BUDGET)
        return LMC_SUCCESS;
    if (!mpfr_number_p(sc->e))
        *stop = LMC_TRAJ_DIVERGED;
    else if (o->stop_first > 0 && mpfr_cmp_d(sc->e, o->stop_first) <= 0)
        *stop = LMC_TRAJ_FIRST;
    else if (settle)
    {
        /* e enlarged by 2^(16-prec) relative for its own rounding
         * (a few dozen roundings to nearest), upward */
        mpfr_set_ui_2exp(sc->tmp, 1, 16 - (mpfr_exp_t)w->prec, MPFR_RNDN);
        mpfr_add_ui(sc->tmp, sc->tmp, 1, MPFR_RNDU);
        mpfr_mul(sc->a, sc->e, sc->tmp, MPFR_RNDU);
        travel_left(sc->D, mp, t, kmax, sc->tmp);
        LMC_TRY(p->type->bound(w, sc->bnd, sc->a, sc->D));
        if (mpfr_cmp_d(sc->bnd, o->stop_settled) <= 0)
            *stop = LMC_TRAJ_SETTLED;
    }
    return LMC_SUCCESS;
}

/* x += neta dir, elementwise with one rounding (fma). */
static void
traj_axpy(lmc_mp_mat *x, mpfr_srcptr neta, const lmc_mp_mat *dir,
          size_t total)
{
    for (size_t j = 0; j < total; j++)
        mpfr_fma(x->data[j], neta, dir->data[j], x->data[j], MPFR_RNDN);
}

/* Simplified Muon: X - eta polar(g). */
static int
traj_step_muon(lmc_traj *tr, traj_ws *w, mpfr_srcptr neta)
{
    const lmc_layout *L = w->p->layout;
    for (size_t i = 0; i < L->nblocks; i++)
    {
        lmc_mp_mat gi = block(w->g, L, i);
        lmc_mp_mat si = block(w->s, L, i);
        LMC_TRY(polar_block(&w->pw[i], &si, &gi, w->prec, &tr->polar_iters));
    }
    traj_axpy(w->x, neta, w->s, tr->total);
    return LMC_SUCCESS;
}

/* The LMO method at step t + 1 (X_t in w->x). */
static int
traj_step_lmo(lmc_traj *tr, traj_ws *w, const traj_scalars *sc,
              const lmc_method_params *mp, int poly, size_t t)
{
    const lmc_layout *L = w->p->layout;
    const size_t total = tr->total;
    /* M_1 = g_1, M_t = beta M_{t-1} + (1 - beta) g_t (methods/lmo.c;
     * 1 - beta rounded once in MPFR); alpha = 1 uses g itself */
    const lmc_mp_mat *mom = w->g;
    if (w->m)
    {
        for (size_t j = 0; j < total; j++)
            if (t == 0)
                mpfr_set(w->m->data[j], w->g->data[j], MPFR_RNDN);
            else
            {
                mpfr_mul(w->m->data[j], w->m->data[j], sc->b1, MPFR_RNDN);
                mpfr_fma(w->m->data[j], sc->c1, w->g->data[j], w->m->data[j],
                         MPFR_RNDN);
            }
        mom = w->m;
    }
    /* S = -polar(M) or -X_q; the step X + eta S is X - eta (polar(M) or
     * X_q) */
    for (size_t i = 0; i < L->nblocks; i++)
    {
        lmc_mp_mat mi = block(mom, L, i);
        lmc_mp_mat si = block(w->s, L, i);
        if (poly)
            LMC_TRY(lmc_mp_poly_apply_mp(&si, &mi,
                                         &mp->oracle_params.schedule,
                                         mp->oracle_params.steps, w->pp[i]));
        else
            LMC_TRY(polar_block(&w->pw[i], &si, &mi, w->prec,
                                &tr->polar_iters));
    }
    traj_axpy(w->x, sc->neta, w->s, total);
    return LMC_SUCCESS;
}

/* Adam (methods/adam.c): moments, bias corrections, step. */
static void
traj_step_adam(traj_ws *w, traj_scalars *sc, size_t total)
{
    mpfr_mul(sc->p1, sc->p1, sc->b1, MPFR_RNDN);
    mpfr_mul(sc->p2, sc->p2, sc->b2, MPFR_RNDN);
    mpfr_ui_sub(sc->a, 1, sc->p1, MPFR_RNDN);
    mpfr_ui_sub(sc->b, 1, sc->p2, MPFR_RNDN);
    for (size_t j = 0; j < total; j++)
    {
        mpfr_ptr mj = w->m->data[j], vj = w->v->data[j];
        mpfr_srcptr gj = w->g->data[j];
        mpfr_mul(mj, mj, sc->b1, MPFR_RNDN);
        mpfr_fma(mj, sc->c1, gj, mj, MPFR_RNDN);
        mpfr_mul(sc->tmp, gj, gj, MPFR_RNDN);
        mpfr_mul(vj, vj, sc->b2, MPFR_RNDN);
        mpfr_fma(vj, sc->c2, sc->tmp, vj, MPFR_RNDN);
        mpfr_div(sc->tmp, vj, sc->b, MPFR_RNDN);
        mpfr_sqrt(sc->tmp, sc->tmp, MPFR_RNDN);
        mpfr_add(sc->tmp, sc->tmp, sc->eps, MPFR_RNDN);
        mpfr_div(sc->D, mj, sc->a, MPFR_RNDN); /* D reused: mhat */
        mpfr_div(sc->tmp, sc->D, sc->tmp, MPFR_RNDN);
        mpfr_fma(w->x->data[j], sc->neta, sc->tmp, w->x->data[j], MPFR_RNDN);
    }
}

/* Step t + 1 of method kind from X_t (its gradient in w->g). */
static int
traj_step(lmc_traj *tr, traj_ws *w, traj_scalars *sc,
          const lmc_method_params *mp, int kind, int poly, size_t t)
{
    step_size(sc->eta, mp, t + 1, sc->tmp);
    mpfr_neg(sc->neta, sc->eta, MPFR_RNDN); /* exact */
    switch (kind)
    {
    case M_GD: traj_axpy(w->x, sc->neta, w->g, tr->total); break;
    case M_MUON: return traj_step_muon(tr, w, sc->neta);
    case M_LMO: return traj_step_lmo(tr, w, sc, mp, poly, t);
    default: traj_step_adam(w, sc, tr->total); break;
    }
    return LMC_SUCCESS;
}

int
lmc_traj_run(lmc_traj *tr, const lmc_traj_problem *p,
             const lmc_method_type *T, const lmc_method_params *mp,
             const double *x0, const lmc_traj_options *o)
{
    if (!tr || !p || !p->type || !p->layout || !T || !mp || !x0 || !o)
        LMC_ERROR(LMC_EINVAL, "reference trajectory: NULL argument");
    LMC_TRY(lmc_mp_check_prec((mpfr_prec_t)o->prec));
    const int kind = traj_kind(T);
    if (kind < 0)
        LMC_ERROR(LMC_EINVAL, "reference trajectory: method '%s' is not "
                  "available (accepted: gd, simplified-muon, adam, lmo)",
                  T->name);
    const int poly = kind == M_LMO && mp->oracle == &lmc_inexact_poly;
    LMC_TRY(traj_check_method(kind, poly, p, mp));
    if (o->iters + 1 > tr->cap || p->layout->total != tr->total)
        LMC_ERROR(LMC_EBADLEN, "reference trajectory: the record holds %zu "
                  "steps of %zu parameters, asked %zu of %zu", tr->cap - 1,
                  tr->total, o->iters, p->layout->total);
    if (p->layout->nblocks != p->type->nblocks)
        LMC_ERROR(LMC_EBADLEN, "reference trajectory '%s': %zu blocks, want "
                  "%zu", p->type->name, p->layout->nblocks,
                  p->type->nblocks);

    const mpfr_prec_t prec = (mpfr_prec_t)o->prec;
    const int settle = kind == M_MUON && p->type->bound &&
                       o->stop_settled > 0 &&
                       mp->step_rule == LMC_STEP_GEOMETRIC &&
                       mp->step_rho < 1;
    int status = LMC_SUCCESS;
    traj_ws w;
    memset(&w, 0, sizeof w);
    w.p = p;
    w.prec = prec;
    mpfr_inits2(prec, w.nref_lo, w.nref, w.fstar, (mpfr_ptr)0);
    traj_scalars sc;
    mpfr_inits2(prec, sc.e, sc.eta, sc.neta, sc.tmp, sc.D, sc.bnd, sc.b1,
                sc.b2, sc.c1, sc.c2, sc.p1, sc.p2, sc.eps, sc.a, sc.b,
                (mpfr_ptr)0);
    size_t kmax;
    CHECK(traj_setup(&w, kind, poly, mp, x0, &kmax));
    traj_set_constants(&sc, mp);
    tr->prec = o->prec;
    tr->polar_iters = 0;
    tr->settle_min = settle ? traj_settle_min(&w, &sc, mp, o, kmax) : 0;
    tr->stop = LMC_TRAJ_BUDGET;
    tr->n = 0;

    for (size_t t = 0;; t++)
    {
        /* X_t is in w.x: record it, test the stops, then step t + 1 */
        const int last = t == o->iters;
        lmc_traj_stop stop;
        CHECK(p->type->eval(&w, sc.e, !last));
        CHECK(traj_record(tr, &w, &sc, mp, o, t, settle, kmax, &stop));
        if (stop != LMC_TRAJ_BUDGET)
        {
            tr->stop = stop;
            break;
        }
        if (last)
            break;
        CHECK(traj_step(tr, &w, &sc, mp, kind, poly, t));
    }
fail:
    ws_free(&w);
    mpfr_clears(sc.e, sc.eta, sc.neta, sc.tmp, sc.D, sc.bnd, sc.b1, sc.b2,
                sc.c1, sc.c2, sc.p1, sc.p2, sc.eps, sc.a, sc.b, (mpfr_ptr)0);
    return status;
}

size_t
lmc_traj_settled(const double *err, size_t n, double tol)
{
    size_t t = n;
    while (t > 0 && err[t - 1] <= tol)
        t--;
    return t;
}

long
lmc_traj_depart(const lmc_traj *tr, const double *x64, size_t n64,
                double tol, double *maxrel)
{
    long first = -1;
    double worst = 0;
    const size_t n = tr->n < n64 ? tr->n : n64, total = tr->total;
    if (!tr->xs)
        return -1;
    for (size_t t = 0; t < n; t++)
    {
        double d2 = 0, r2 = 0;
        for (size_t j = 0; j < total; j++)
        {
            const double xr = tr->xs[t * total + j];
            const double dj = x64[t * total + j] - xr;
            d2 += dj * dj;
            r2 += xr * xr;
        }
        if (r2 > 0 && sqrt(d2 / r2) > worst)
            worst = sqrt(d2 / r2);
        if (first < 0 && !(d2 <= tol * tol * r2))
            first = (long)t;
    }
    if (maxrel)
        *maxrel = worst;
    return first;
}
