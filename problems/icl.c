/* problems/icl.c -- linear in-context learning with one linear
 * self-attention layer: the second case study of THEORY.md section 4
 * [M26].
 *
 * Model.  A prompt is (x_1, y_1, .., x_N, y_N, x_q) with x_i, x_q ~
 * N(0, Lambda) and a task w ~ N(0, I_d), all independent, y = <w, x>.
 * The layer predicts y_hat = x_q^T Gamma h, h = (1/N) sum_i y_i x_i, and
 * the per-prompt loss is 1/2 (y_hat - y_q)^2.
 *
 * Population loss (derived here; it agrees with THEORY.md section 4).
 * With C = (1/N) sum_i x_i x_i^T, h = C w and y_hat - y_q =
 * x_q^T (Gamma C - I) w.  Averaging over x_q, then w, then C:
 *   f(Gamma) = 1/2 E tr((Gamma C - I)^T Lambda (Gamma C - I))
 *            = 1/2 tr(Gamma^T Lambda Gamma S) - tr(Lambda Gamma Lambda)
 *              + 1/2 tr(Lambda),
 * S = E[C^2] = (1/N^2)[N(N-1) Lambda^2 + N E(x x^T x x^T)] with the
 * Gaussian fourth moment E(x x^T x x^T) = 2 Lambda^2 + tr(Lambda) Lambda
 * (Isserlis), so S = ((N+1)/N) Lambda^2 + (tr(Lambda)/N) Lambda.
 *   grad f(Gamma) = Lambda Gamma S - Lambda^2       (Lambda, S symmetric),
 *   Gamma* = Lambda S^-1 (S commutes with Lambda: Gamma* is symmetric),
 *   f* = f(Gamma*) = 1/2 tr(Lambda) - 1/2 tr(Lambda Gamma* Lambda)
 *      = 1/2 sum_j lambda_j (lambda_j + T) / ((N+1) lambda_j + T),
 * T = tr(Lambda), since Gamma* S = Lambda turns the first term into
 * 1/2 tr(Gamma* Lambda^2).  The per-prompt gradient
 *   g = (y_hat - y_q) x_q h^T,  E[g] = Lambda Gamma E[h h^T] - Lambda
 *   E[w h^T] = Lambda Gamma S - Lambda^2,
 * is unbiased (E[h h^T] = E[C w w^T C] = S, E[w h^T] = E[C] = Lambda).
 * tests/t-icl.c checks all of this by Monte Carlo and in MPFR.
 *
 * Note on THEORY's mechanism paragraph: gamma_j = lambda_j / s_j =
 * N / ((N+1) lambda_j + T) is "roughly 1/lambda_j" only when
 * (N+1) lambda_min >> T; for the defaults (d = 8, N = 20, kappa = 10,
 * T = 3.31) T is comparable with (N+1) lambda_min = 2.1 and gamma* spans
 * [0.82, 3.70] instead of [1, 10].  Likewise GD's contraction factors
 * 1 - eta lambda_j s_j spread by lambda_1 s_1 / (lambda_d s_d) = 449 =
 * kappa^2.65 here: kappa^3 only as N -> infinity, kappa^2 when T/N
 * dominates S.
 *
 * Evaluation.  The double fdf uses the centered form, identical in exact
 * arithmetic: with D = Gamma - Gamma*,
 *   f = f* + 1/2 <D, Lambda D S>,   grad f = Lambda D S,
 * so that the gap f - f* a run records is a nonnegative quadratic form
 * up to rounding and the error of f is ~eps f* instead of the expanded
 * form's ~eps tr(Lambda) from cancellation.  Either way the double gap
 * is resolved only down to ~eps f*; the MPFR companion
 * (icl_mp.c, expanded form of the problem defined by the stored Lambda)
 * resolves any gap.
 *
 * Constants (eigenvalues sorted descending; Hessian D -> Lambda D S,
 * self-adjoint in the Frobenius product with eigenvalues lambda_i s_j):
 *   L_frob = lambda_1 s_1  (largest Hessian eigenvalue);
 *   L = tr(Lambda S) = sum_j lambda_j s_j for the spectral / nuclear pair:
 *       ||Lambda D S||_* <= sum_i sigma_i(Lambda) sigma_i(S) ||D||_2
 *       (Horn's inequality; lambda and s are ordered alike), equality at
 *       D = I;
 *   L0 = L, L1 = 0 (a quadratic: f(Y) - f(X) - <grad f(X), D> =
 *       1/2 <D, Lambda D S> <= 1/2 L ||D||_2^2 by the same bound);
 *   mu = lambda_d s_d: strong convexity in the Frobenius norm implies
 *       PL, 1/2 ||grad f||_F^2 >= mu (f - f*);
 *   f* in closed form.
 * The stored Lambda's eigenvalues lambda'_j differ from lambda_j: with
 * Lambda_stored = Q diag(lambda) Q^T + E, ||E||_2 <= (d^2 + d) eps
 * lambda_1 (rounding of the product, and the ~d eps departure of the
 * computed Q from orthogonality), Weyl gives |lambda'_j - lambda_j| <=
 * ||E||_2 and Lidskii sum_j |lambda'_j - lambda_j| <= d ||E||_2.  So
 * lambda_1 s_1 moves by <= 3 (d^2 + d) eps relatively, tr(Lambda S) =
 * sum_j lambda_j s_j (d terms, d(lambda s)/d lambda <= 3 s_1) by
 * <= 3 d (d^2 + d) eps, and lambda_d s_d by <= 3 (d^2 + d) kappa eps.
 * The declared L, L_frob, L0 are raised by LMC_ICL_SLACK_UP = 8 d^3 eps
 * and mu is lowered by LMC_ICL_SLACK_MU = 8 d^2 kappa eps, which cover
 * these, so the constants bound the stored problem.
 * sigma is not declared: the gradient noise E||g - grad f||_F^2 grows
 * like ||Gamma||^2 (the term x_q x_q^T Gamma h h^T has 8th moments), so
 * there is no global bound; Lbar is not declared either (a global bound
 * E||x_q||^4 E||h||^4 exists but is not computed here).
 *
 * Parameters: d (default 8), N (20), kappa (10, >= 1), seed (Q), variant
 * "rotated" (default) or "diag", init "zero" (default; the mechanism's
 * start) or "small".  m, n, r and sigma are not used.
 *
 * Stochastic gradient: one prompt per call, drawn from a xoshiro256**
 * generator seeded with all 64 bits of xi (GSL's mt19937 keeps only 32:
 * distinct sample ids of a long run would then collide).
 */
#include "icl.h"
#include "linalg.h"
#include "status.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Relative slacks of the declared constants (file header): 8 d^3 eps >=
 * 3 d (d^2 + d) eps for d >= 2 (L, L_frob, L0 raised by it), and
 * 8 d^2 kappa eps >= 3 (d^2 + d) kappa eps (mu lowered by it). */
#define LMC_ICL_SLACK_UP(d) (8.0 * (double)(d) * (double)(d) * (double)(d) \
                             * DBL_EPSILON)
#define LMC_ICL_SLACK_MU(d, kappa)                                           \
    (8.0 * (double)(d) * (double)(d) * (kappa) * DBL_EPSILON)

/* ---- the sample generator: xoshiro256** (Blackman and Vigna 2018),
 * seeded by splitmix64 of the full 64-bit seed, as a GSL rng type. */

typedef struct
{
    uint64_t s[4];
} xoshiro_state;

static uint64_t
rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t
xoshiro_next(xoshiro_state *st)
{
    const uint64_t result = rotl64(st->s[1] * 5, 7) * 9;
    const uint64_t t = st->s[1] << 17;
    st->s[2] ^= st->s[0];
    st->s[3] ^= st->s[1];
    st->s[1] ^= st->s[2];
    st->s[0] ^= st->s[3];
    st->s[2] ^= t;
    st->s[3] = rotl64(st->s[3], 45);
    return result;
}

static void
xoshiro_set(void *vstate, unsigned long seed)
{
    xoshiro_state *st = vstate;
    uint64_t z = (uint64_t)seed;
    for (int i = 0; i < 4; i++)
    {
        z += 0x9e3779b97f4a7c15ULL;
        uint64_t v = z;
        v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
        v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
        st->s[i] = v ^ (v >> 31);
    }
}

static unsigned long
xoshiro_get(void *vstate)
{
    /* The upper 32 bits: the best ones of xoshiro256**. */
    return (unsigned long)(xoshiro_next(vstate) >> 32);
}

static double
xoshiro_get_double(void *vstate)
{
    /* 53 random bits scaled into [0, 1). */
    return (double)(xoshiro_next(vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    "xoshiro256**", 0xffffffffUL, 0, sizeof(xoshiro_state), xoshiro_set,
    xoshiro_get, xoshiro_get_double,
};

/* ---- construction */

/* out = Q diag(c) Q^T, made exactly symmetric (upper triangle mirrored),
 * using work (d x d). */
static void
congruence(gsl_matrix *out, const gsl_matrix *q, const double *c,
           gsl_matrix *work)
{
    const size_t d = q->size1;
    gsl_matrix_memcpy(work, q);
    for (size_t j = 0; j < d; j++)
    {
        gsl_vector_view col = gsl_matrix_column(work, j);
        gsl_vector_scale(&col.vector, c[j]);
    }
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, work, q, 0.0, out);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++)
            gsl_matrix_set(out, i, j, gsl_matrix_get(out, j, i));
}

/* *k = 0 for name a (or NULL or "": a is the default), 1 for name b;
 * any other name is refused with LMC_EINVAL, naming what it is ("variant",
 * "init") and both choices. */
static int
choose(const char *name, const char *what, const char *a, const char *b,
       int *k)
{
    if (!name || !*name || strcmp(name, a) == 0)
        *k = 0;
    else if (strcmp(name, b) == 0)
        *k = 1;
    else
        LMC_ERROR(LMC_EINVAL, "problem 'icl': unknown %s '%s' (accepted: "
                  "%s, %s)", what, name, a, b);
    return LMC_SUCCESS;
}

/* d, N, kappa, seed, variant and init from the problem parameters. */
static int
icl_read_params(lmc_icl_state *st, const lmc_problem_params *p)
{
    st->d = p->d ? p->d : LMC_ICL_DEFAULT_D;
    st->N = p->N ? p->N : LMC_ICL_DEFAULT_N;
    st->kappa = p->kappa != 0 ? p->kappa : LMC_ICL_DEFAULT_KAPPA;
    st->seed = p->seed;
    /* Bounds keep the d^2 N work of one prompt and every size product
     * sane. */
    if (st->d > 4096 || st->N > 1000000)
        LMC_ERROR(LMC_EINVAL, "problem 'icl': d must be <= 4096 and N <= "
                  "1000000, got d=%zu N=%zu", st->d, st->N);
    if (!(st->kappa >= 1) || !isfinite(st->kappa))
        LMC_ERROR(LMC_EINVAL, "problem 'icl': kappa must be finite and >= 1,"
                  " got %g", st->kappa);
    LMC_TRY(choose(p->variant, "variant", "rotated", "diag", &st->diag));
    LMC_TRY(choose(p->init, "init", "zero", "small", &st->small));

    return LMC_SUCCESS;
}

/* Every array and matrix of the state, sized by d and N. */
static int
icl_alloc_work(lmc_icl_state *st)
{
    const size_t d = st->d, N = st->N;
    st->lambda = malloc(d * sizeof(double));
    st->s = malloc(d * sizeof(double));
    st->gamma = malloc(d * sizeof(double));
    st->q = gsl_matrix_alloc(d, d);
    st->lam = gsl_matrix_alloc(d, d);
    st->smat = gsl_matrix_alloc(d, d);
    st->gstar = gsl_matrix_alloc(d, d);
    st->root = gsl_matrix_alloc(d, d);
    st->delta = gsl_matrix_alloc(d, d);
    st->work = gsl_matrix_alloc(d, d);
    st->prod = gsl_matrix_alloc(d, d);
    st->z = gsl_matrix_alloc(N, d);
    st->xs = gsl_matrix_alloc(N, d);
    st->xq = gsl_vector_alloc(d);
    st->zq = gsl_vector_alloc(d);
    st->w = gsl_vector_alloc(d);
    st->y = gsl_vector_alloc(N);
    st->h = gsl_vector_alloc(d);
    st->gh = gsl_vector_alloc(d);
    st->rng = gsl_rng_alloc(&xoshiro_type);
    if (!st->lambda || !st->s || !st->gamma || !st->q || !st->lam ||
        !st->smat || !st->gstar || !st->root || !st->delta || !st->work ||
        !st->prod || !st->z || !st->xs || !st->xq || !st->zq || !st->w ||
        !st->y || !st->h || !st->gh || !st->rng)
        LMC_ERROR(LMC_ENOMEM, "no memory for problem 'icl' (d=%zu, N=%zu)",
                  d, N);
    return LMC_SUCCESS;
}

/* The spectrum lambda_j = kappa^(-j/(d-1)) of Lambda, tr(Lambda), the
 * eigenvalues s_j of S and gamma_j of Gamma*, and f*. */
static void
icl_spectrum(lmc_icl_state *st)
{
    const size_t d = st->d, N = st->N;
    const double Nd = (double)N;
    double T = 0;
    for (size_t j = 0; j < d; j++)
    {
        st->lambda[j] =
            d > 1 ? pow(st->kappa, -(double)j / (double)(d - 1)) : 1.0;
        T += st->lambda[j];
    }
    st->trace = T;
    double fstar = 0;
    for (size_t j = d; j-- > 0;) /* small terms first */
    {
        const double l = st->lambda[j];
        st->s[j] = ((Nd + 1) * l * l + T * l) / Nd;
        st->gamma[j] = Nd / ((Nd + 1) * l + T);
        fstar += l * (l + T) / ((Nd + 1) * l + T);
    }
    st->fstar = 0.5 * fstar;
}

/* Q (Haar from the seed, or I for the diag variant), Lambda, S, Gamma* in
 * that basis, and root = Q Lambda^(1/2). */
static int
icl_rotate(lmc_icl_state *st)
{
    const size_t d = st->d;
    if (st->diag)
        gsl_matrix_set_identity(st->q);
    else
    {
        gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
        if (!g)
            LMC_ERROR(LMC_ENOMEM, "no memory for a generator");
        gsl_rng_set(g, st->seed);
        const int status = lmc_qr_columns(st->q, g, 1, "rotation");
        gsl_rng_free(g);
        LMC_TRY(status);
    }
    congruence(st->lam, st->q, st->lambda, st->work);
    congruence(st->smat, st->q, st->s, st->work);
    congruence(st->gstar, st->q, st->gamma, st->work);
    gsl_matrix_memcpy(st->root, st->q);
    for (size_t j = 0; j < d; j++)
    {
        gsl_vector_view c = gsl_matrix_column(st->root, j);
        gsl_vector_scale(&c.vector, sqrt(st->lambda[j]));
    }
    return LMC_SUCCESS;
}

/* The declared constants of the problem from the spectrum. */
static void
icl_declare_constants(const lmc_icl_state *st, lmc_problem *P)
{
    const size_t d = st->d;
    const double up = LMC_ICL_SLACK_UP(d);
    const double down = LMC_ICL_SLACK_MU(d, st->kappa);
    double L = 0;
    for (size_t j = d; j-- > 0;)
        L += st->lambda[j] * st->s[j];
    P->c.known = LMC_HAS_L | LMC_HAS_LFROB | LMC_HAS_L0L1 | LMC_HAS_FSTAR |
                 LMC_HAS_STOCH;
    /* L = tr(Lambda S) (header: Horn's inequality, equality at D = I). */
    P->c.L = L * (1 + up);
    /* L_frob = lambda_max(Lambda) lambda_max(S). */
    P->c.L_frob = st->lambda[0] * st->s[0] * (1 + up);
    /* Quadratic: (L0, L1) = (L, 0) in the descent form. */
    P->c.L0[0] = P->c.L;
    P->c.L1[0] = 0;
    /* mu = lambda_min(Lambda) lambda_min(S): strong convexity => PL.
     * Beyond kappa ~1e12 the rounding of Lambda can swamp lambda_min:
     * then mu is not declared. */
    if (down < 0.5)
    {
        P->c.known |= LMC_HAS_MU;
        P->c.mu = st->lambda[d - 1] * st->s[d - 1] * (1 - down);
    }
    P->c.fstar = st->fstar;
}

static int
icl_alloc(void *vstate, lmc_problem *P)
{
    lmc_icl_state *st = vstate;
    LMC_TRY(icl_read_params(st, &P->params));
    LMC_TRY(icl_alloc_work(st));
    icl_spectrum(st);
    LMC_TRY(icl_rotate(st));
    LMC_TRY(lmc_layout_add(&P->layout, st->d, st->d, &lmc_oracle_spectral));
    icl_declare_constants(st, P);
    return LMC_SUCCESS;
}

static int
icl_fdf(void *vstate, const gsl_vector *x, double *f, gsl_vector *g)
{
    lmc_icl_state *st = vstate;
    const size_t d = st->d;
    gsl_matrix_const_view gam = gsl_matrix_const_view_array(x->data, d, d);
    gsl_matrix_memcpy(st->delta, &gam.matrix);
    gsl_matrix_sub(st->delta, st->gstar);
    /* work = Lambda D, prod = work S = grad f. */
    gsl_blas_dsymm(CblasLeft, CblasUpper, 1.0, st->lam, st->delta, 0.0,
                   st->work);
    gsl_blas_dsymm(CblasRight, CblasUpper, 1.0, st->smat, st->work, 0.0,
                   st->prod);
    double q = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            q += gsl_matrix_get(st->delta, i, j) *
                 gsl_matrix_get(st->prod, i, j);
    if (g)
    {
        gsl_matrix_view gm = gsl_matrix_view_array(g->data, d, d);
        gsl_matrix_memcpy(&gm.matrix, st->prod);
    }
    *f = st->fstar + 0.5 * q;
    return LMC_SUCCESS;
}

/* One prompt drawn from xi; see icl.h. */
static int
icl_prompt(lmc_icl_state *st, const gsl_vector *x, unsigned long xi,
           double *loss, gsl_vector *g)
{
    const size_t d = st->d, N = st->N;
    gsl_rng_set(st->rng, xi);
    /* Draw order (fixed): the N prompt inputs, the query, the task. */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(st->z, i, j,
                           gsl_ran_gaussian_ziggurat(st->rng, 1.0));
    for (size_t j = 0; j < d; j++)
        gsl_vector_set(st->zq, j, gsl_ran_gaussian_ziggurat(st->rng, 1.0));
    for (size_t j = 0; j < d; j++)
        gsl_vector_set(st->w, j, gsl_ran_gaussian_ziggurat(st->rng, 1.0));
    /* x_i = root z_i (rows: X = Z root^T), x_q = root z_q. */
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, st->z, st->root, 0.0,
                   st->xs);
    gsl_blas_dgemv(CblasNoTrans, 1.0, st->root, st->zq, 0.0, st->xq);
    /* y = X w, h = X^T y / N. */
    gsl_blas_dgemv(CblasNoTrans, 1.0, st->xs, st->w, 0.0, st->y);
    gsl_blas_dgemv(CblasTrans, 1.0 / (double)N, st->xs, st->y, 0.0, st->h);
    double yq, yhat;
    gsl_blas_ddot(st->w, st->xq, &yq);
    gsl_matrix_const_view gam = gsl_matrix_const_view_array(x->data, d, d);
    gsl_blas_dgemv(CblasNoTrans, 1.0, &gam.matrix, st->h, 0.0, st->gh);
    gsl_blas_ddot(st->xq, st->gh, &yhat);
    const double e = yhat - yq;
    if (loss)
        *loss = 0.5 * e * e;
    if (g)
    {
        gsl_matrix_view gm = gsl_matrix_view_array(g->data, d, d);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                gsl_matrix_set(&gm.matrix, i, j,
                               e * gsl_vector_get(st->xq, i) *
                                   gsl_vector_get(st->h, j));
    }
    return LMC_SUCCESS;
}

static int
icl_sgrad(void *vstate, const gsl_vector *x, unsigned long xi,
          gsl_vector *g)
{
    return icl_prompt(vstate, x, xi, NULL, g);
}

int
lmc_icl_prompt(lmc_problem *P, const gsl_vector *x, unsigned long xi,
               double *loss, gsl_vector *g)
{
    if (P->type != &lmc_problem_icl)
        LMC_ERROR(LMC_EDOM, "problem '%s' is not 'icl'", P->type->name);
    if (x->size != P->layout.total || x->stride != 1 ||
        (g && (g->size != P->layout.total || g->stride != 1)))
        LMC_ERROR(LMC_EBADLEN, "problem 'icl': x and g must have length %zu"
                  " and stride 1", P->layout.total);
    return icl_prompt(P->state, x, xi, loss, g);
}

static int
icl_x0(void *vstate, gsl_vector *x)
{
    lmc_icl_state *st = vstate;
    gsl_vector_set_zero(x);
    if (st->small)
    {
        /* Its own stream (sample ids come from lmc_sample_id(seed, t) with
         * t >= 1 in runs; this one is t = 0). */
        gsl_rng_set(st->rng, lmc_sample_id(st->seed, 0));
        const double sd = LMC_ICL_ALPHA / sqrt((double)st->d);
        for (size_t k = 0; k < x->size; k++)
            x->data[k] = gsl_ran_gaussian_ziggurat(st->rng, sd);
    }
    return LMC_SUCCESS;
}

static void
icl_free(void *vstate)
{
    lmc_icl_state *st = vstate;
    free(st->lambda);
    free(st->s);
    free(st->gamma);
    gsl_matrix_free(st->q);
    gsl_matrix_free(st->lam);
    gsl_matrix_free(st->smat);
    gsl_matrix_free(st->gstar);
    gsl_matrix_free(st->root);
    gsl_matrix_free(st->delta);
    gsl_matrix_free(st->work);
    gsl_matrix_free(st->prod);
    gsl_matrix_free(st->z);
    gsl_matrix_free(st->xs);
    gsl_vector_free(st->xq);
    gsl_vector_free(st->zq);
    gsl_vector_free(st->w);
    gsl_vector_free(st->y);
    gsl_vector_free(st->h);
    gsl_vector_free(st->gh);
    if (st->rng)
        gsl_rng_free(st->rng);
}

const lmc_problem_type lmc_problem_icl = {
    .name = "icl",
    .summary = "linear in-context learning, population loss in Gamma, "
               "Lambda with condition number kappa (THEORY 4)",
    .inits = "zero,small",
    .variants = "rotated,diag",
    .size = sizeof(lmc_icl_state),
    .alloc = icl_alloc,
    .fdf = icl_fdf,
    .sgrad = icl_sgrad,
    .x0 = icl_x0,
    .free = icl_free,
};
