/* problems/mf.c -- matrix factorization, asymmetric ("mf") and symmetric
 * ("mf-sym"): the first case study of THEORY.md section 4 [M26].
 *
 *   mf:     f(U, V) = 1/2 ||U V^T - M*||_F^2,   R = U V^T - M*,
 *           grad_U f = R V,   grad_V f = R^T U;
 *   mf-sym: f(X) = 1/4 ||X X^T - M*||_F^2,      R = X X^T - M* (symmetric),
 *           grad_X f = R X    (d f = 1/2 <R, dX X^T + X dX^T> = <R X, dX>).
 *
 * M* = Phi diag(lambda) Psi^T with lambda_i = kappa^(-(i-1)/(r-1)) and
 * Phi (m x r), Psi (n x r) the first r columns of Haar-random orthogonal
 * matrices (QR of a Gaussian matrix with the signs of diag(R) made
 * positive), so that basis-dependent methods (Adam, sign descent) meet a
 * target that is not coordinate-aligned.  mf-sym uses Psi = Phi (M* is
 * symmetric positive semidefinite).
 *
 * Aligned dynamics (background theory-mvr-precond.md section C3): from
 * U = Phi diag(a), V = Psi diag(b),
 *   grad_U f = Phi diag((a_i b_i - lambda_i) b_i),
 *   grad_V f = Psi diag((a_i b_i - lambda_i) a_i),
 * so simplified Muon, X <- X - eta polar(grad f) blockwise, keeps the
 * alignment and runs a_i <- a_i - eta sign((a_i b_i - lambda_i) b_i),
 * b_i <- b_i - eta sign((a_i b_i - lambda_i) a_i); for a = b = s (and for
 * mf-sym) s_i <- s_i - eta sign(s_i^2 - lambda_i) (THEORY P1).
 *
 * Parameters: m (default 20; mf-sym: must be 0 or n), n (16), r (4),
 * kappa (10, >= 1), seed (Phi, Psi, small init).  Inits: "aligned"
 * (default), "aligned-unbalanced" (mf only), "small"; see mf.h for the
 * scales.  No variants, no stochastic gradient.
 *
 * Constants.  f* = 0: M* is exactly the rank-r product of the stored
 * doubles, attained by U = Phi diag(sqrt(lambda)), V = Psi diag(sqrt(
 * lambda)).  Nothing else is declared: f is a quartic, so grad f is not
 * Lipschitz on the whole space (L, L_frob, L0/L1 undeclared), and PL fails
 * at the saddle U = V = 0 where grad f = 0 but f = f(0) > 0 (mu
 * undeclared).  Methods that need those constants refuse these problems.
 * (On the region ||U||_2, ||V||_2 <= B the Frobenius Hessian is bounded
 * by ~(3 B^2 + ||M*||_2), which is not declared because runs are not
 * confined to a region.)
 *
 * The double-precision residual U V^T - M* is accurate to ~1e-16
 * absolutely, so relative errors ||R||_F / ||M*||_F are resolved down to
 * ~1e-15; the MPFR companion (mf_mp.c) resolves any gap.
 */
#include "mf.h"
#include "init.h"
#include "status.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "linalg.h"

static int
mf_setup(lmc_mf_state *st, lmc_problem *P, int sym)
{
    const lmc_problem_params *p = &P->params;
    const char *name = P->type->name;
    st->sym = sym;
    st->n = p->n ? p->n : LMC_MF_DEFAULT_N;
    st->m = sym ? st->n : (p->m ? p->m : LMC_MF_DEFAULT_M);
    st->r = p->r ? p->r : LMC_MF_DEFAULT_R;
    st->kappa = p->kappa != 0 ? p->kappa : LMC_MF_DEFAULT_KAPPA;
    st->seed = p->seed;
    if (sym && p->m && p->m != st->n)
        LMC_ERROR(LMC_EINVAL, "problem '%s' is n x n: m must be unset or "
                  "equal to n = %zu, got %zu", name, st->n, p->m);
    if (st->r > st->m || st->r > st->n)
        LMC_ERROR(LMC_EINVAL, "problem '%s': rank r = %zu exceeds min(m, n) "
                  "= %zu", name, st->r, st->m < st->n ? st->m : st->n);
    /* Keeps every size product far from overflow and the O(m n r) work
     * per gradient sane. */
    if (st->m > 100000 || st->n > 100000)
        LMC_ERROR(LMC_EINVAL, "problem '%s': m, n must be <= 100000, got "
                  "%zu x %zu", name, st->m, st->n);
    if (!(st->kappa >= 1) || !isfinite(st->kappa))
        LMC_ERROR(LMC_EINVAL, "problem '%s': kappa must be finite and >= 1, "
                  "got %g", name, st->kappa);
    if (p->variant && *p->variant)
        LMC_ERROR(LMC_EINVAL, "problem '%s' has no variants, got '%s'", name,
                  p->variant);
    size_t k;
    LMC_TRY(lmc_init_index(P, &k));
    /* k indexes .inits: "aligned,aligned-unbalanced,small" (mf) or
     * "aligned,small" (mf-sym). */
    st->init = sym && k == 1 ? LMC_MF_INIT_SMALL : (lmc_mf_init)k;

    st->lambda = malloc(st->r * sizeof *st->lambda);
    st->phi = gsl_matrix_alloc(st->m, st->r);
    st->psi = sym ? st->phi : gsl_matrix_alloc(st->n, st->r);
    st->mstar = gsl_matrix_alloc(st->m, st->n);
    st->res = gsl_matrix_alloc(st->m, st->n);
    st->rest = sym ? NULL : gsl_matrix_alloc(st->n, st->m);
    st->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!st->lambda || !st->phi || !st->psi || !st->mstar || !st->res ||
        (!sym && !st->rest) || !st->rng)
        LMC_ERROR(LMC_ENOMEM, "no memory for problem '%s' (%zux%zu, r=%zu)",
                  name, st->m, st->n, st->r);
    for (size_t i = 0; i < st->r; i++)
        st->lambda[i] = st->r > 1 ? pow(st->kappa, -(double)i /
                                                        (double)(st->r - 1))
                                  : 1.0;
    gsl_rng_set(st->rng, st->seed);
    LMC_TRY(lmc_qr_columns(st->phi, st->rng, 1, "orthonormal factor"));
    if (!sym)
        LMC_TRY(lmc_qr_columns(st->psi, st->rng, 1, "orthonormal factor"));
    /* mstar = (Phi diag(lambda)) Psi^T, with res as scratch for the
     * scaled factor's storage (its first r columns). */
    gsl_matrix_view pl = gsl_matrix_submatrix(st->res, 0, 0, st->m, st->r);
    gsl_matrix_memcpy(&pl.matrix, st->phi);
    for (size_t j = 0; j < st->r; j++)
    {
        gsl_vector_view c = gsl_matrix_column(&pl.matrix, j);
        gsl_vector_scale(&c.vector, st->lambda[j]);
    }
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &pl.matrix, st->psi, 0.0,
                   st->mstar);

    if (sym)
        LMC_TRY(lmc_layout_add(&P->layout, st->n, st->r,
                               &lmc_oracle_spectral));
    else
    {
        LMC_TRY(lmc_layout_add(&P->layout, st->m, st->r,
                               &lmc_oracle_spectral));
        LMC_TRY(lmc_layout_add(&P->layout, st->n, st->r,
                               &lmc_oracle_spectral));
    }
    /* f* = 0: M* = (Phi diag(lambda)) Psi^T, the exact product of the
     * stored factors, has rank r (its double rounding mstar is off by
     * ~1e-16 per entry, so double f >= 0 resolves gaps above ~1e-31). */
    P->c.known = LMC_HAS_FSTAR;
    P->c.fstar = 0.0;
    return LMC_SUCCESS;
}

static int
mf_alloc(void *vstate, lmc_problem *P)
{
    return mf_setup(vstate, P, 0);
}

static int
mf_sym_alloc(void *vstate, lmc_problem *P)
{
    return mf_setup(vstate, P, 1);
}

static int
mf_fdf(void *vstate, const gsl_vector *x, double *f, gsl_vector *g)
{
    lmc_mf_state *st = vstate;
    const size_t m = st->m, n = st->n, r = st->r;
    gsl_matrix_const_view u = gsl_matrix_const_view_array(x->data, m, r);
    gsl_matrix_const_view v =
        st->sym ? u : gsl_matrix_const_view_array(x->data + m * r, n, r);
    gsl_matrix_memcpy(st->res, st->mstar);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &u.matrix, &v.matrix,
                   -1.0, st->res);
    const double fr = lmc_frobenius(st->res);
    *f = (st->sym ? 0.25 : 0.5) * fr * fr;
    if (!g)
        return LMC_SUCCESS;
    /* Only transposed-A products: OpenBLAS 0.3.21 calls malloc on every
     * row-major NoTrans x NoTrans dgemm (seen for 20x16x4 up to 100^3),
     * and fdf must not allocate (the tests count it).  So grad_U = R V is
     * formed as (R^T)^T V from a transposed copy of R, and mf-sym's
     * R X as R^T X (R is symmetric up to rounding). */
    gsl_matrix_view gu = gsl_matrix_view_array(g->data, m, r);
    if (st->sym)
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, st->res, &v.matrix,
                       0.0, &gu.matrix);
    else
    {
        gsl_matrix_view gv = gsl_matrix_view_array(g->data + m * r, n, r);
        gsl_matrix_transpose_memcpy(st->rest, st->res);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, st->rest, &v.matrix,
                       0.0, &gu.matrix);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, st->res, &u.matrix,
                       0.0, &gv.matrix);
    }
    return LMC_SUCCESS;
}

/* The coefficients of the aligned inits (see mf.h): the same for every
 * mode, U_0 = a Phi and V_0 = b Psi. */
static void
aligned_scales(const lmc_mf_state *st, double *a, double *b)
{
    const int unb = st->init == LMC_MF_INIT_UNBALANCED;
    *a = unb ? LMC_MF_UNBALANCE * LMC_MF_ALPHA_UNBALANCED : LMC_MF_ALPHA;
    *b = unb ? LMC_MF_ALPHA_UNBALANCED : LMC_MF_ALPHA;
}

/* Block with independent N(0, alpha^2 / rows) entries: columns of norm
 * ~alpha, the aligned init's scale without its alignment. */
static void
small_block(gsl_matrix *block, gsl_rng *rng)
{
    const double sd = LMC_MF_ALPHA / sqrt((double)block->size1);
    for (size_t i = 0; i < block->size1; i++)
        for (size_t j = 0; j < block->size2; j++)
            gsl_matrix_set(block, i, j, gsl_ran_gaussian_ziggurat(rng, sd));
}

static int
mf_x0(void *vstate, gsl_vector *x)
{
    lmc_mf_state *st = vstate;
    const size_t m = st->m, n = st->n, r = st->r;
    gsl_matrix_view u = gsl_matrix_view_array(x->data, m, r);
    /* mf-sym has one block: v is then never used. */
    gsl_matrix_view v = gsl_matrix_view_array(x->data + (st->sym ? 0 : m * r),
                                              n, r);
    if (st->init == LMC_MF_INIT_SMALL)
    {
        /* Its own stream, independent of the draws of Phi and Psi. */
        gsl_rng_set(st->rng, lmc_sample_id(st->seed, 0));
        small_block(&u.matrix, st->rng);
        if (!st->sym)
            small_block(&v.matrix, st->rng);
        return LMC_SUCCESS;
    }
    double a, b;
    aligned_scales(st, &a, &b);
    gsl_matrix_memcpy(&u.matrix, st->phi);
    gsl_matrix_scale(&u.matrix, a);
    if (!st->sym)
    {
        gsl_matrix_memcpy(&v.matrix, st->psi);
        gsl_matrix_scale(&v.matrix, b);
    }
    return LMC_SUCCESS;
}

static void
mf_free(void *vstate)
{
    lmc_mf_state *st = vstate;
    free(st->lambda);
    if (st->psi != st->phi)
        gsl_matrix_free(st->psi);
    gsl_matrix_free(st->phi);
    gsl_matrix_free(st->mstar);
    gsl_matrix_free(st->res);
    gsl_matrix_free(st->rest);
    if (st->rng)
        gsl_rng_free(st->rng);
}

int
lmc_mf_aligned_coefficients(const lmc_problem *P, double *a0, double *b0)
{
    if (P->type != &lmc_problem_mf && P->type != &lmc_problem_mf_sym)
        LMC_ERROR(LMC_EDOM, "problem '%s' is not a matrix factorization",
                  P->type->name);
    const lmc_mf_state *st = P->state;
    if (st->init == LMC_MF_INIT_SMALL)
        LMC_ERROR(LMC_EDOM, "problem '%s': the small init is not aligned",
                  P->type->name);
    double a, b;
    aligned_scales(st, &a, &b);
    for (size_t i = 0; i < st->r; i++)
    {
        a0[i] = a;
        if (b0)
            b0[i] = b;
    }
    return LMC_SUCCESS;
}

const lmc_problem_type lmc_problem_mf = {
    .name = "mf",
    .summary = "matrix factorization 1/2 ||U V^T - M*||_F^2, M* rank r, "
               "singular values 1..1/kappa (THEORY 4)",
    .inits = "aligned,aligned-unbalanced,small",
    .variants = NULL,
    .size = sizeof(lmc_mf_state),
    .alloc = mf_alloc,
    .fdf = mf_fdf,
    .sgrad = NULL,
    .x0 = mf_x0,
    .free = mf_free,
};

const lmc_problem_type lmc_problem_mf_sym = {
    .name = "mf-sym",
    .summary = "symmetric factorization 1/4 ||X X^T - M*||_F^2, M* PSD "
               "rank r, eigenvalues 1..1/kappa (THEORY 4)",
    .inits = "aligned,small",
    .variants = NULL,
    .size = sizeof(lmc_mf_state),
    .alloc = mf_sym_alloc,
    .fdf = mf_fdf,
    .sgrad = NULL,
    .x0 = mf_x0,
    .free = mf_free,
};
