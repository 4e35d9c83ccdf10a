/* problems/lsq.c -- matrix least squares "lsq": the smooth, PL baseline
 * of THEORY.md sections 2 and 3 with closed-form constants.
 *
 *   f(X) = 1/2 ||A X - B||_F^2,   grad f(X) = A^T (A X - B),
 *   X in R^{m x n}, one block with the spectral-norm ball (dual: nuclear).
 *
 * A (p x m) = U diag(s) V^T with s_i = kappa^(-(i-1)/(m-1)) (spectrum.h,
 * "log": s_1 = 1, s_m = 1/kappa) and random orthonormal U, V; X* is a
 * seeded Gaussian with ||X*||_F = 1.
 *
 * Variants (params.variant):
 *   exact     p = m, B = A X*.  A is invertible, so B is in range(A) and
 *             f* = 0 exactly for the stored doubles.  No stochastic
 *             gradient.
 *   residual  p = 2m, B = A X* + R with R = P_perp G / ||P_perp G||_F, G
 *             Gaussian, P_perp the projector onto range(A)^perp (LAPACK
 *             least squares).  Then f(X) = 1/2 ||A (X - X*)||_F^2 +
 *             1/2 ||R||_F^2, so f* = 1/2 ||R||_F^2 = 1/2.  In double, R is
 *             orthogonal to range(A) and B = A X* + R only to rounding; the
 *             declared f* differs from the stored data's true minimum by
 *             ~1e-15, which the MPFR companion computes exactly (normal
 *             equations at high precision).
 *   noise     exact's f; g(X; xi) = grad f(X) + (sigma / sqrt(m n)) Z,
 *             Z a standard Gaussian matrix drawn from xi, so that
 *             E||g - grad f||_F^2 = sigma^2 exactly (params.sigma, default
 *             LMC_LSQ_DEFAULT_SIGMA).
 *   sampled   exact's f written as f = (1/p) sum_i p/2 ||a_i^T X - b_i^T||^2
 *             over the rows a_i^T of A; g(X; xi) = p a_i (a_i^T X - b_i^T)
 *             with i uniform on 1..p drawn from xi, so E g = grad f.
 *
 * Constants (s descending; r = min(m, n); each rounded outward by
 * DELTA_A = 4 p m eps, see lsq_constants):
 *   L      = sum_{i<=r} s_i^2.  grad f(X) - grad f(Y) = H D with
 *            H = A^T A, D = X - Y; ||H D||_* = sum_{i<=r} sigma_i(H D)
 *            <= ||D||_2 sum_{i<=r} sigma_i(H) (rank(H D) <= r and
 *            sigma_i(H D) <= sigma_i(H) ||D||_2); equality for
 *            D = V_H[:, 1..r] Q with Q orthogonal.  For n >= m this is
 *            ||A||_F^2 (background section 6); for n < m it is smaller.
 *   L_frob = s_1^2 = ||A^T A||_2.
 *   L0     = L, L1 = 0: f(Y) - f(X) - <grad f(X), D> = 1/2 ||A D||_F^2
 *            = 1/2 tr(A^T A D D^T) <= 1/2 sum_{i<=r} s_i^2 ||D||_2^2 (von
 *            Neumann; D D^T has rank <= r and eigenvalues <= ||D||_2^2).
 *   mu     = s_m^2.  With E = X - X*, grad f = A^T A E (A^T R = 0) and
 *            f - f* = 1/2 ||A E||_F^2; ||A^T y||_F >= s_m ||y||_F for y in
 *            range(A), so 1/2 ||grad f||_F^2 >= s_m^2 (f - f*).
 *   f*     = 0 (exact, noise, sampled), 1/2 ||R||_F^2 (residual).
 *   sigma  = params.sigma (noise): E||(sigma/sqrt(mn)) Z||_F^2 = sigma^2.
 *   Lbar   = L_frob (noise): g(X;xi) - g(Y;xi) = A^T A (X - Y), the noise
 *            is additive and the same at both points.
 *   Lbar   = sqrt(p lambda_max(A^T W A)), W = diag(||a_i||^2) (sampled):
 *            E||g(X;xi) - g(Y;xi)||_F^2 = (1/p) sum_i p^2 ||a_i||^2
 *            ||a_i^T D||^2 = p tr(D^T A^T W A D) <= p lambda_max ||D||_F^2,
 *            equality for D = v w^T, v the top eigenvector.
 *   sampled declares no sigma: E||g - grad f||_F^2 = p sum_i ||a_i||^2
 *            ||r_i||^2 - ||A^T Res||_F^2 (r_i the residual rows) grows with
 *            the residual, so no global bound exists.
 *
 * Inits: "random" (default; seeded Gaussian with ||X0||_F = 1), "zero".
 * Parameters: m, n (default 16 x 16, at most LMC_LSQ_MAX_DIM), kappa
 * (default 10, in [1, LMC_LSQ_MAX_KAPPA]), sigma (noise only; >= 0,
 * 0 = default), seed.
 */
#include "lsq.h"
#include "init.h"
#include "linalg.h"
#include "spectrum.h"
#include "status.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Sample-id tag of the init's random stream: lmc_sample_id(seed, tag)
 * differs from the seed that built A and B, and equals the id of a run's
 * step t only for t = tag mod 2^32 ~ 1.9e9, beyond any run. */
#define LSQ_X0_TAG 0x6c73717830UL /* "lsqx0" */

static const char *const lsq_variant_names[] = {"exact", "residual",
                                                "noise", "sampled", NULL};

static int
pick(const char *name, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* Frobenius norm of a whole matrix, then m /= it. */
static void
normalize(gsl_matrix *m)
{
    const double nrm = lmc_frobenius(m);
    if (nrm > 0)
        gsl_matrix_scale(m, 1.0 / nrm);
}

/* r = P_perp g: the residual of the least-squares fit of g by a, computed
 * by LAPACK (QR-based dgels) on copies.  Allocates its scratch (alloc
 * time only). */
static int
project_out(const gsl_matrix *a, const gsl_matrix *g, gsl_matrix *r)
{
    const size_t p = a->size1, m = a->size2, n = g->size2;
    gsl_matrix *ac = gsl_matrix_alloc(p, m), *gc = gsl_matrix_alloc(p, n);
    int status = LMC_SUCCESS;
    if (!ac || !gc)
    {
        gsl_matrix_free(ac);
        gsl_matrix_free(gc);
        LMC_ERROR(LMC_ENOMEM, "no memory for a %zux%zu projection", p, n);
    }
    gsl_matrix_memcpy(ac, a);
    gsl_matrix_memcpy(gc, g);
    const lapack_int info = LAPACKE_dgels(
        LAPACK_ROW_MAJOR, 'N', (lapack_int)p, (lapack_int)m, (lapack_int)n,
        ac->data, (lapack_int)ac->tda, gc->data, (lapack_int)gc->tda);
    if (info != 0)
    {
        lmc_error(__FILE__, __LINE__, LMC_ELAPACK, "least squares for the "
                  "residual of 'lsq' failed (dgels info=%d)", (int)info);
        status = LMC_ELAPACK;
    }
    else
    {
        /* The first m rows of gc hold the fit Z; r = g - A Z. */
        gsl_matrix_const_view z = gsl_matrix_const_submatrix(gc, 0, 0, m, n);
        gsl_matrix_memcpy(r, g);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -1.0, a, &z.matrix, 1.0,
                       r);
    }
    gsl_matrix_free(ac);
    gsl_matrix_free(gc);
    return status;
}

/* Largest singular value of diag(||a_i||) A, the square root of
 * lambda_max(A^T W A) (variant "sampled"). */
static int
weighted_top(const gsl_matrix *a, double *top)
{
    const size_t p = a->size1, m = a->size2;
    gsl_matrix *wa = gsl_matrix_alloc(p, m);
    lmc_svd *w = lmc_svd_alloc(p, m, 0);
    int status = LMC_SUCCESS;
    if (!wa || !w)
    {
        gsl_matrix_free(wa);
        lmc_svd_free(w);
        LMC_ERROR(LMC_ENOMEM, "no memory for a %zux%zu SVD", p, m);
    }
    gsl_matrix_memcpy(wa, a);
    for (size_t i = 0; i < p; i++)
    {
        gsl_vector_view row = gsl_matrix_row(wa, i);
        gsl_vector_scale(&row.vector, gsl_blas_dnrm2(&row.vector));
    }
    status = lmc_svd_values(w, wa);
    if (status == LMC_SUCCESS)
        *top = w->s[0];
    gsl_matrix_free(wa);
    lmc_svd_free(w);
    return status;
}

static int
lsq_params(lmc_lsq_state *st, const lmc_problem *P)
{
    const lmc_problem_params *p = &P->params;
    const char *name = P->type->name;
    st->m = p->m ? p->m : LMC_LSQ_DEFAULT_M;
    st->n = p->n ? p->n : LMC_LSQ_DEFAULT_N;
    st->kappa = p->kappa != 0 ? p->kappa : LMC_LSQ_DEFAULT_KAPPA;
    st->seed = p->seed;
    if (st->m > LMC_LSQ_MAX_DIM || st->n > LMC_LSQ_MAX_DIM)
        LMC_ERROR(LMC_EINVAL, "problem '%s': m and n must be in 1..%d (0 = "
                  "default %d), got m = %zu, n = %zu", name, LMC_LSQ_MAX_DIM,
                  LMC_LSQ_DEFAULT_M, p->m, p->n);
    if (!(st->kappa >= 1 && st->kappa <= LMC_LSQ_MAX_KAPPA))
        LMC_ERROR(LMC_EINVAL, "problem '%s': kappa must be in [1, %g] (0 = "
                  "default %g), got %g", name, LMC_LSQ_MAX_KAPPA,
                  LMC_LSQ_DEFAULT_KAPPA, p->kappa);
    const int v = p->variant && *p->variant
                      ? pick(p->variant, lsq_variant_names)
                      : (int)LMC_LSQ_EXACT;
    if (v < 0)
        LMC_ERROR(LMC_EINVAL, "problem '%s': unknown variant '%s' (accepted: "
                  "%s)", name, p->variant, P->type->variants);
    st->variant = (lmc_lsq_variant)v;
    size_t init;
    LMC_TRY(lmc_init_index(P, &init));
    st->init_zero = init == 1; /* .inits = "random,zero" */
    if (!(p->sigma >= 0) || !isfinite(p->sigma))
        LMC_ERROR(LMC_EINVAL, "problem '%s': sigma must be finite and >= 0 "
                  "(0 = default %g, used by variant noise), got %g", name,
                  LMC_LSQ_DEFAULT_SIGMA, p->sigma);
    st->sigma = p->sigma != 0 ? p->sigma : LMC_LSQ_DEFAULT_SIGMA;
    st->p = st->variant == LMC_LSQ_RESIDUAL ? 2 * st->m : st->m;
    return LMC_SUCCESS;
}

/* Declared constants (see the file header for each derivation). */
static int
lsq_constants(lmc_lsq_state *st, lmc_problem *P, double rnorm2)
{
    const size_t m = st->m, r = st->m < st->n ? st->m : st->n;
    /* Weyl: |sigma_i(fl(A)) - s_i| <= ||fl(A) - U S V^T||_2 <= 4 p m eps:
     * the product U S V^T errs by <= m eps per entry (||E||_F <= m^2 eps,
     * s_i <= 1 and unit rows/columns) and the Householder factors U, V
     * are orthonormal to O(p m eps) (Higham, Accuracy and Stability,
     * 2nd ed., Thm 19.4).  Every constant is rounded outward by it. */
    const double delta_a = 4.0 * (double)st->p * (double)m * DBL_EPSILON;
    double L = 0;
    for (size_t i = r; i-- > 0;)
        L += (st->sv[i] + delta_a) * (st->sv[i] + delta_a);
    const double smin = st->sv[m - 1] - delta_a;
    P->c.L = L;
    P->c.L_frob = (st->sv[0] + delta_a) * (st->sv[0] + delta_a);
    P->c.L0[0] = L;
    P->c.L1[0] = 0.0;
    P->c.mu = smin * smin;
    /* residual: 1/2 ||R||_F^2 of the stored R (1/2 up to rounding). */
    P->c.fstar = st->variant == LMC_LSQ_RESIDUAL ? 0.5 * rnorm2 : 0.0;
    P->c.known = LMC_HAS_L | LMC_HAS_LFROB | LMC_HAS_L0L1 | LMC_HAS_MU |
                 LMC_HAS_FSTAR;
    if (st->variant == LMC_LSQ_NOISE)
    {
        P->c.sigma = st->sigma;
        P->c.Lbar = P->c.L_frob;
        P->c.known |= LMC_HAS_SIGMA | LMC_HAS_LBAR | LMC_HAS_STOCH;
    }
    else if (st->variant == LMC_LSQ_SAMPLED)
    {
        double top;
        LMC_TRY(weighted_top(st->a, &top));
        /* dgesdd is backward stable: top is sigma_max of a matrix within
         * O(p m eps) relative of diag(||a_i||) A; widen by 4 p m eps. */
        P->c.Lbar = sqrt((double)st->p) * top * (1.0 + delta_a);
        P->c.known |= LMC_HAS_LBAR | LMC_HAS_STOCH;
    }
    return LMC_SUCCESS;
}

static int
lsq_alloc(void *vstate, lmc_problem *P)
{
    lmc_lsq_state *st = vstate;
    LMC_TRY(lsq_params(st, P));
    const size_t m = st->m, n = st->n, p = st->p;
    st->sv = malloc(m * sizeof *st->sv);
    st->a = gsl_matrix_alloc(p, m);
    st->b = gsl_matrix_alloc(p, n);
    st->xstar = gsl_matrix_alloc(m, n);
    st->res = gsl_matrix_alloc(p, n);
    st->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!st->sv || !st->a || !st->b || !st->xstar || !st->res || !st->rng)
        LMC_ERROR(LMC_ENOMEM, "no memory for problem '%s' (%zux%zu, p=%zu)",
                  P->type->name, m, n, p);
    gsl_rng_set(st->rng, st->seed);
    LMC_TRY(lmc_spectrum_values("log", st->kappa, p, m, st->rng, st->sv));
    LMC_TRY(lmc_matrix_with_spectrum(st->a, st->sv, st->rng));
    lmc_matrix_gaussian(st->xstar, st->rng);
    normalize(st->xstar);
    double rnorm2 = 0;
    if (st->variant == LMC_LSQ_RESIDUAL)
    {
        /* res doubles as G, then b receives R before A X* is added. */
        lmc_matrix_gaussian(st->res, st->rng);
        LMC_TRY(project_out(st->a, st->res, st->b));
        normalize(st->b);
        const double rn = lmc_frobenius(st->b);
        rnorm2 = rn * rn;
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, st->a, st->xstar, 1.0,
                       st->b);
    }
    else
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, st->a, st->xstar, 0.0,
                       st->b);
    LMC_TRY(lmc_layout_add(&P->layout, m, n, &lmc_oracle_spectral));
    return lsq_constants(st, P, rnorm2);
}

static int
lsq_fdf(void *vstate, const gsl_vector *x, double *f, gsl_vector *g)
{
    lmc_lsq_state *st = vstate;
    gsl_matrix_const_view X = gsl_matrix_const_view_array(x->data, st->m,
                                                          st->n);
    gsl_matrix_memcpy(st->res, st->b);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, st->a, &X.matrix, -1.0,
                   st->res);
    double sum = 0;
    for (size_t i = 0; i < st->p; i++)
        for (size_t j = 0; j < st->n; j++)
        {
            const double r = gsl_matrix_get(st->res, i, j);
            sum += r * r;
        }
    if (f)
        *f = 0.5 * sum;
    if (g)
    {
        gsl_matrix_view G = gsl_matrix_view_array(g->data, st->m, st->n);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, st->a, st->res, 0.0,
                       &G.matrix);
    }
    if (!lmc_isfinite(sum))
        LMC_ERROR(LMC_ENONFINITE, "problem 'lsq': f is not finite at x");
    return LMC_SUCCESS;
}

static int
lsq_sgrad(void *vstate, const gsl_vector *x, unsigned long xi,
          gsl_vector *g)
{
    lmc_lsq_state *st = vstate;
    const size_t m = st->m, n = st->n;
    if (st->variant == LMC_LSQ_NOISE)
    {
        LMC_TRY(lsq_fdf(st, x, NULL, g));
        /* Entry variance sigma^2/(mn): E||noise||_F^2 = sigma^2. */
        const double s = st->sigma / sqrt((double)m * (double)n);
        gsl_rng_set(st->rng, xi);
        for (size_t k = 0; k < m * n; k++)
            g->data[k] += gsl_ran_gaussian_ziggurat(st->rng, s);
        return LMC_SUCCESS;
    }
    if (st->variant == LMC_LSQ_SAMPLED)
    {
        gsl_rng_set(st->rng, xi);
        const size_t i = gsl_rng_uniform_int(st->rng, st->p);
        /* r = a_i^T X - b_i^T into the first row of res. */
        double *r = st->res->data;
        const double *ai = st->a->data + i * st->a->tda;
        for (size_t j = 0; j < n; j++)
            r[j] = -gsl_matrix_get(st->b, i, j);
        for (size_t l = 0; l < m; l++)
            for (size_t j = 0; j < n; j++)
                r[j] += ai[l] * x->data[l * n + j];
        const double scale = (double)st->p;
        for (size_t l = 0; l < m; l++)
            for (size_t j = 0; j < n; j++)
                g->data[l * n + j] = scale * ai[l] * r[j];
        return LMC_SUCCESS;
    }
    LMC_ERROR(LMC_EDOM, "problem 'lsq': variant '%s' has exact gradients "
              "only (stochastic variants: noise, sampled)",
              lsq_variant_names[st->variant]);
}

static int
lsq_x0(void *vstate, gsl_vector *x)
{
    lmc_lsq_state *st = vstate;
    if (st->init_zero)
    {
        gsl_vector_set_zero(x);
        return LMC_SUCCESS;
    }
    gsl_rng_set(st->rng, lmc_sample_id(st->seed, LSQ_X0_TAG));
    gsl_matrix_view X = gsl_matrix_view_array(x->data, st->m, st->n);
    lmc_matrix_gaussian(&X.matrix, st->rng);
    normalize(&X.matrix);
    return LMC_SUCCESS;
}

static void
lsq_free(void *vstate)
{
    lmc_lsq_state *st = vstate;
    free(st->sv);
    gsl_matrix_free(st->a);
    gsl_matrix_free(st->b);
    gsl_matrix_free(st->xstar);
    gsl_matrix_free(st->res);
    if (st->rng)
        gsl_rng_free(st->rng);
}

const lmc_problem_type lmc_problem_lsq = {
    .name = "lsq",
    .summary = "matrix least squares 1/2||AX-B||_F^2, cond(A) = kappa, "
               "closed-form L, mu, f*",
    .inits = "random,zero",
    .variants = "exact,residual,noise,sampled",
    .size = sizeof(lmc_lsq_state),
    .alloc = lsq_alloc,
    .fdf = lsq_fdf,
    .sgrad = lsq_sgrad,
    .x0 = lsq_x0,
    .free = lsq_free,
};
