/* t-icl.c -- the linear in-context learning problem "icl" (THEORY.md
 * section 4): population loss, gradient, minimizer, f*, constants and
 * the finite-prompt stochastic gradient.
 *
 * The model: x_1..x_N, x_q ~ N(0, Lambda), w ~ N(0, I_d), y = <w, x>,
 * y_hat = x_q^T Gamma (1/N) sum_i y_i x_i, per-prompt loss
 * 1/2 (y_hat - y_q)^2.  Checks:
 *   - Monte Carlo: prompts drawn HERE (own generator, own Cholesky factor
 *     of Lambda, the model written out in loops) average to f(Gamma) and
 *     grad f(Gamma) of the problem, within Z_MC standard errors, at three
 *     points Gamma (0, Gamma*, Gamma* + c q_1 q_2^T, not symmetric), for
 *     two configurations (the default d = 8, N = 20, and d = 4, N = 3
 *     where the (N+1)/N and tr(Lambda)/N terms of S matter most);
 *   - negative controls: the same averages reject S replaced by
 *     Lambda^2 + (T/N) Lambda (coefficient 1 instead of (N+1)/N) and the
 *     transposed gradient S Gamma Lambda - Lambda^2;
 *   - the problem's own sampler (lmc_icl_prompt / sgrad) averages to f and
 *     grad f too (unbiased), is deterministic in the 64-bit xi, and
 *     neither it nor fdf allocates;
 *   - MPFR (expanded THEORY form, S^-1 by Gauss-Jordan) against the
 *     double code (centered form, eigen closed forms): f, grad f, f*;
 *     both gradients against exact directional derivatives of MPFR f;
 *     Gamma* is stationary; f* = f(Gamma*) equals the eigenvalue closed
 *     form 1/2 sum_j lambda_j (lambda_j + T) / ((N+1) lambda_j + T)
 *     computed here;
 *   - the declared constants L_frob, L, mu bound (and are attained by)
 *     the Hessian D -> Lambda D S;
 *   - inits, variants and every error path.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "icl.h"
#include "linalg.h"
#include "mp.h"
#include "problem.h"
#include "problem_mp.h"
#include "status.h"
#include "tap.h"
#include "alloccount.h"

/* Monte Carlo acceptance: |mean - formula| <= Z_MC * SE with SE the
 * sample standard error.  A run makes 4 x (1 + d^2) comparisons per
 * configuration (three points and the problem's own sampler): 260 + 68 =
 * 328.  Two-sided P(|Z| > 5) = 5.7e-7, so by Bonferroni a correct formula
 * fails a run with probability <= 2e-4 (and the seeds are fixed).  The
 * sample means of these heavy-tailed products (8th moments of Gaussians)
 * are close to normal at these sample sizes: over 20 seeds (6560
 * comparisons) the largest |z| seen was 3.6, as for normal z. */
#define Z_MC 5.0
/* Prompts per Monte Carlo estimate: SE ~ std / sqrt(n) puts the
 * negative controls (differences of 5-20% of f) at > 10 SE. */
#define N_MC 200000
/* Prompts of the check that the problem's own sampler is unbiased. */
#define N_MC_OWN 100000

/* MPFR precision of the reference evaluations. */
#define PREC 256

/* Double (centered form) vs MPFR (expanded form) at the same x.  Sources:
 * the double Gamma*, S (eigen closed forms through Q) carry ~d eps
 * relative rounding and the stored Lambda's eigenvalues differ from
 * lambda_j by ~d^2 eps lambda_1; f then differs by ~d^2 eps (f* + ||D||
 * ||grad||) and grad by ~d^2 eps L_frob (||D||_F + ||Gamma*||_F).  With
 * the constant 2 d^2 eps the largest diff / tol seen over 20 seeds was
 * 0.07. */
#define TOL_MP(d) (2.0 * (double)(d) * (double)(d) * DBL_EPSILON)

/* ---- allocation counting: alloccount.h; skipped under valgrind and ASan. */
static long n_alloc;

typedef struct
{
    size_t d, N;
    double kappa;
    const char *variant;
} config;

static lmc_problem *
make(const config *c, unsigned long seed)
{
    lmc_problem_params p = lmc_problem_params_default();
    p.d = c->d;
    p.N = c->N;
    p.kappa = c->kappa;
    p.variant = c->variant;
    p.seed = seed;
    return lmc_problem_alloc(&lmc_problem_icl, &p);
}

static double
frob_diff(const gsl_vector *a, const gsl_vector *b)
{
    double s = 0;
    for (size_t k = 0; k < a->size; k++)
        s += (a->data[k] - b->data[k]) * (a->data[k] - b->data[k]);
    return sqrt(s);
}

static double
frob(const gsl_vector *a)
{
    return gsl_blas_dnrm2(a);
}

/* Running mean and sum of squared deviations (Welford). */
typedef struct
{
    double n, mean, m2;
} stat;

static void
stat_add(stat *s, double v)
{
    s->n += 1;
    const double dv = v - s->mean;
    s->mean += dv / s->n;
    s->m2 += dv * (v - s->mean);
}

static double
stat_se(const stat *s)
{
    return sqrt(s->m2 / (s->n - 1) / s->n);
}

/* Test-side formulas in plain loops (d x d row-major arrays). */
static void
matmul(double *c, const double *a, const double *b, size_t d)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
        {
            double s = 0;
            for (size_t k = 0; k < d; k++)
                s += a[i * d + k] * b[k * d + j];
            c[i * d + j] = s;
        }
}

/* The expanded formulas with a given S: f and grad = Lambda G S -
 * Lambda^2 (transposed != 0: S G Lambda - Lambda^2, a wrong formula). */
static double
formula(const double *lam, const double *s, const double *gam, size_t d,
        int transposed, double *grad)
{
    double *lg = malloc(d * d * sizeof *lg), *gs = malloc(d * d * sizeof *gs);
    double *l2 = malloc(d * d * sizeof *l2);
    matmul(lg, lam, gam, d);
    matmul(gs, gam, s, d);
    matmul(l2, lam, lam, d);
    double f = 0, tr = 0;
    for (size_t k = 0; k < d * d; k++)
        f += 0.5 * lg[k] * gs[k] - gam[k] * l2[k];
    for (size_t j = 0; j < d; j++)
        tr += lam[j * d + j];
    f += 0.5 * tr;
    if (grad)
    {
        if (transposed)
        {
            matmul(gs, s, gam, d);
            matmul(grad, gs, lam, d);
        }
        else
            matmul(grad, lg, s, d);
        for (size_t k = 0; k < d * d; k++)
            grad[k] -= l2[k];
    }
    free(lg);
    free(gs);
    free(l2);
    return f;
}

/* S_coef = (a Lambda^2 + T Lambda) / N with a = N + 1 (right) or N. */
static void
make_s(double *s, const double *lam, size_t d, size_t N, double a)
{
    double *l2 = malloc(d * d * sizeof *l2), tr = 0;
    matmul(l2, lam, lam, d);
    for (size_t j = 0; j < d; j++)
        tr += lam[j * d + j];
    for (size_t k = 0; k < d * d; k++)
        s[k] = (a * l2[k] + tr * lam[k]) / (double)N;
    free(l2);
}

/* Largest |mean - want| / SE over entries. */
static double
max_z(const stat *st, const double *want, size_t len)
{
    double z = 0;
    for (size_t k = 0; k < len; k++)
    {
        const double v = fabs(st[k].mean - want[k]) / stat_se(&st[k]);
        if (!(v <= z))
            z = v; /* NaN propagates */
    }
    return z;
}

#define NPOINTS 3

/* Monte Carlo of the model against the problem's f and grad f. */
static void
check_monte_carlo(const config *c, unsigned long seed)
{
    lmc_problem *P = make(c, seed);
    if (!P)
    {
        tap_ok(0, "icl d=%zu N=%zu allocates", c->d, c->N);
        return;
    }
    const lmc_icl_state *st = P->state;
    const size_t d = c->d, N = c->N, dd = d * d;
    const char *pname[NPOINTS] = {"0", "Gamma*", "Gamma*+E"};
    gsl_vector *x[NPOINTS], *g = gsl_vector_alloc(dd);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed + 17);
    for (int p = 0; p < NPOINTS; p++)
        x[p] = gsl_vector_calloc(dd);
    for (size_t k = 0; k < dd; k++)
    {
        x[1]->data[k] = st->gstar->data[k];
        /* Gamma* + E, E = c q_1 q_2^T (c = ||Gamma*||_2 / 2): a
         * non-symmetric point where the transposed gradient differs by
         * c (s_1 lambda_2 - lambda_1 s_2) q_1 q_2^T, at a loss variance
         * that keeps both negative controls many SE away. */
        const size_t i = k / d, j = k % d;
        x[2]->data[k] = st->gstar->data[k] +
                        0.5 * st->gamma[d - 1] * gsl_matrix_get(st->q, i, 0) *
                            gsl_matrix_get(st->q, j, 1);
    }
    /* Own factor of Lambda: x = C z has covariance C C^T = Lambda. */
    gsl_matrix *chol = gsl_matrix_alloc(d, d);
    gsl_matrix_memcpy(chol, st->lam);
    gsl_linalg_cholesky_decomp1(chol);
    double *xs = malloc(N * d * sizeof *xs), *xq = malloc(d * sizeof *xq);
    double *w = malloc(d * sizeof *w), *z = malloc(d * sizeof *z);
    double *h = malloc(d * sizeof *h);
    stat floss[NPOINTS], *fg[NPOINTS];
    memset(floss, 0, sizeof floss);
    for (int p = 0; p < NPOINTS; p++)
        fg[p] = calloc(dd, sizeof(stat));
    for (size_t it = 0; it < N_MC; it++)
    {
        /* One prompt, the model written out. */
        for (size_t i = 0; i <= N; i++)
        {
            double *xi = i < N ? xs + i * d : xq;
            for (size_t j = 0; j < d; j++)
                z[j] = gsl_ran_gaussian(r, 1.0);
            for (size_t a = 0; a < d; a++)
            {
                double s = 0;
                for (size_t b = 0; b <= a; b++)
                    s += gsl_matrix_get(chol, a, b) * z[b];
                xi[a] = s;
            }
        }
        for (size_t j = 0; j < d; j++)
            w[j] = gsl_ran_gaussian(r, 1.0);
        for (size_t j = 0; j < d; j++)
            h[j] = 0;
        for (size_t i = 0; i < N; i++)
        {
            double y = 0;
            for (size_t j = 0; j < d; j++)
                y += w[j] * xs[i * d + j];
            for (size_t j = 0; j < d; j++)
                h[j] += y * xs[i * d + j] / (double)N;
        }
        double yq = 0;
        for (size_t j = 0; j < d; j++)
            yq += w[j] * xq[j];
        for (int p = 0; p < NPOINTS; p++)
        {
            const double *G = x[p]->data;
            double yhat = 0;
            for (size_t a = 0; a < d; a++)
                for (size_t b = 0; b < d; b++)
                    yhat += xq[a] * G[a * d + b] * h[b];
            const double e = yhat - yq;
            stat_add(&floss[p], 0.5 * e * e);
            for (size_t a = 0; a < d; a++)
                for (size_t b = 0; b < d; b++)
                    stat_add(&fg[p][a * d + b], e * xq[a] * h[b]);
        }
    }
    /* The formulas: the problem's, and two wrong ones. */
    double *swrong = malloc(dd * sizeof *swrong);
    double *gwrong = malloc(dd * sizeof *gwrong);
    make_s(swrong, st->lam->data, d, N, (double)N);
    for (int p = 0; p < NPOINTS; p++)
    {
        double f;
        lmc_problem_fdf(P, x[p], &f, g);
        const double zf = fabs(floss[p].mean - f) / stat_se(&floss[p]);
        tap_le(zf, Z_MC, "icl d=%zu N=%zu Gamma=%s: E[per-prompt loss] = "
               "f within %.0f SE (z=%.2f, f=%.6g, n=%d)", d, N, pname[p],
               Z_MC, zf, f, N_MC);
        const double zg = max_z(fg[p], g->data, dd);
        tap_le(zg, Z_MC, "icl d=%zu N=%zu Gamma=%s: E[per-prompt gradient] "
               "= Lambda Gamma S - Lambda^2 within %.0f SE entrywise (max "
               "z=%.2f)", d, N, pname[p], Z_MC, zg);
        /* Negative controls, each where it has power (over 20 seeds the
         * smallest z seen was 20 for the first, 28 for the second). */
        if (p == 1)
        {
            const double fw =
                formula(st->lam->data, swrong, x[p]->data, d, 0, NULL);
            const double zw =
                fabs(floss[p].mean - fw) / stat_se(&floss[p]);
            tap_ok(zw > Z_MC, "icl d=%zu N=%zu Gamma=%s: negative control, "
                   "S with the N^2 pair count is rejected (z=%.1f > %.0f)",
                   d, N, pname[p], zw, Z_MC);
        }
        if (p == 2)
        {
            double *sright = malloc(dd * sizeof *sright);
            make_s(sright, st->lam->data, d, N, (double)N + 1);
            formula(st->lam->data, sright, x[p]->data, d, 1, gwrong);
            const double zt = max_z(fg[p], gwrong, dd);
            tap_ok(zt > Z_MC, "icl d=%zu N=%zu Gamma=%s: negative control, "
                   "the transposed gradient S Gamma Lambda - Lambda^2 is "
                   "rejected (max z=%.1f)", d, N, pname[p], zt);
            free(sright);
        }
    }
    free(swrong);
    free(gwrong);

    /* The problem's own sampler: unbiased for f and grad f. */
    stat own_l = {0, 0, 0}, *own_g = calloc(dd, sizeof(stat));
    for (size_t t = 1; t <= N_MC_OWN; t++)
    {
        double loss;
        lmc_icl_prompt(P, x[2], lmc_sample_id(seed, t), &loss, g);
        stat_add(&own_l, loss);
        for (size_t k = 0; k < dd; k++)
            stat_add(&own_g[k], g->data[k]);
    }
    double f;
    lmc_problem_fdf(P, x[2], &f, g);
    const double zl = fabs(own_l.mean - f) / stat_se(&own_l);
    tap_le(zl, Z_MC, "icl d=%zu N=%zu: the problem's own prompts average to "
           "f within %.0f SE (z=%.2f, n=%d)", d, N, Z_MC, zl, N_MC_OWN);
    const double zg = max_z(own_g, g->data, dd);
    tap_le(zg, Z_MC, "icl d=%zu N=%zu: sgrad is unbiased for grad f within "
           "%.0f SE entrywise (max z=%.2f)", d, N, Z_MC, zg);
    free(own_g);

    for (int p = 0; p < NPOINTS; p++)
    {
        gsl_vector_free(x[p]);
        free(fg[p]);
    }
    gsl_vector_free(g);
    gsl_matrix_free(chol);
    gsl_rng_free(r);
    free(xs);
    free(xq);
    free(w);
    free(z);
    free(h);
    lmc_problem_free(P);
}

/* Exact directional derivative <grad f(x), d> from MPFR values of f only:
 * f is quadratic, so the central difference (f(x + h d) - f(x - h d)) /
 * (2h) is exact; x on the grid 2^-12 Z and d with small integer entries
 * make x +- h d (h = 2^-8) exact in double. */
static int
exact_derivative(const lmc_problem_mp *C, lmc_problem *P,
                 const gsl_vector *x, const gsl_vector *d, mpfr_t out)
{
    const double h = 0x1.0p-8;
    gsl_vector *xp = gsl_vector_alloc(x->size);
    mpfr_t fm;
    mpfr_init2(fm, PREC);
    gsl_vector_memcpy(xp, x);
    gsl_blas_daxpy(h, d, xp);
    int status = C->fdf(P, xp, PREC, out, NULL);
    gsl_vector_memcpy(xp, x);
    gsl_blas_daxpy(-h, d, xp);
    if (status == LMC_SUCCESS)
        status = C->fdf(P, xp, PREC, fm, NULL);
    mpfr_sub(out, out, fm, MPFR_RNDN);
    mpfr_div_d(out, out, 2 * h, MPFR_RNDN); /* a power of two: exact */
    mpfr_clear(fm);
    gsl_vector_free(xp);
    return status;
}

/* The gradient formula against exact derivatives at dyadic points. */
static void
check_derivatives(lmc_problem *P, const lmc_problem_mp *C, const char *vname,
                  gsl_rng *r)
{
    const size_t n = P->layout.total;
    gsl_vector *x = gsl_vector_alloc(n), *d = gsl_vector_alloc(n);
    gsl_vector *g = gsl_vector_alloc(n);
    lmc_mp_mat *gm = lmc_mp_mat_alloc(n, 1, PREC);
    mpfr_t fm, dd, gd, t;
    mpfr_inits2(PREC, fm, dd, gd, t, (mpfr_ptr)0);
    double worst_mp = 0, worst_d = 0;
    int status = LMC_SUCCESS;
    for (int it = 0; it < 4; it++)
    {
        for (size_t k = 0; k < n; k++)
        {
            x->data[k] =
                ldexp((double)gsl_rng_uniform_int(r, 8193) - 4096.0, -12);
            d->data[k] = (double)gsl_rng_uniform_int(r, 17) - 8.0;
        }
        double f;
        lmc_problem_fdf(P, x, &f, g);
        status |= C->fdf(P, x, PREC, fm, gm);
        status |= exact_derivative(C, P, x, d, dd);
        mpfr_set_zero(gd, 1);
        for (size_t k = 0; k < n; k++)
        {
            mpfr_mul_d(t, gm->data[k], d->data[k], MPFR_RNDN);
            mpfr_add(gd, gd, t, MPFR_RNDN);
        }
        const double scale = gsl_blas_dnrm2(g) * gsl_blas_dnrm2(d);
        mpfr_sub(gd, gd, dd, MPFR_RNDN);
        worst_mp = fmax(worst_mp, fabs(mpfr_get_d(gd, MPFR_RNDN)) / scale);
        double gdd;
        gsl_blas_ddot(g, d, &gdd);
        worst_d = fmax(worst_d,
                       fabs(gdd - mpfr_get_d(dd, MPFR_RNDN)) / scale);
    }
    /* 1e-60: 256-bit rounding amplified by 1/h and the sums; a wrong
     * formula is off by O(1). */
    tap_ok(status == LMC_SUCCESS && worst_mp <= 1e-60, "icl %s: MPFR "
           "gradient = exact directional derivative of MPFR f (rel %.1e)",
           vname, worst_mp);
    /* Double gradient Lambda D S: ~2 d eps relative to ||Lambda|| ||D||
     * ||S|| plus the rounding of Gamma* (TOL_MP's derivation). */
    tap_le(worst_d, TOL_MP(P->layout.size1[0]), "icl %s: double gradient = "
           "exact directional derivative at 4 dyadic points (rel %.1e)",
           vname, worst_d);
    mpfr_clears(fm, dd, gd, t, (mpfr_ptr)0);
    lmc_mp_mat_free(gm);
    gsl_vector_free(x);
    gsl_vector_free(d);
    gsl_vector_free(g);
}

/* MPFR vs double, Gamma* stationary, f* closed forms. */
static void
check_closed_forms(const config *c, unsigned long seed)
{
    lmc_problem *P = make(c, seed);
    if (!P)
    {
        tap_ok(0, "icl allocates");
        return;
    }
    const lmc_problem_mp *C = lmc_problem_mp_find(P->type);
    tap_ok(C && C->fdf && C->fstar, "icl: MPFR companion registered");
    if (!C)
    {
        lmc_problem_free(P);
        return;
    }
    const lmc_icl_state *st = P->state;
    const size_t d = st->d, dd = d * d;
    const double tol = TOL_MP(d);
    char vname[64];
    snprintf(vname, sizeof vname, "%s d=%zu N=%zu kappa=%g",
             c->variant ? c->variant : "rotated", st->d, st->N, st->kappa);
    mpfr_t fm, fs, t;
    mpfr_inits2(PREC, fm, fs, t, (mpfr_ptr)0);
    lmc_mp_mat *gm = lmc_mp_mat_alloc(dd, 1, PREC);
    gsl_vector *x = gsl_vector_alloc(dd), *g = gsl_vector_alloc(dd);
    gsl_vector *gmd = gsl_vector_alloc(dd);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed + 5);

    /* f* three ways: MPFR (S^-1 by elimination), the double constant,
     * and the eigenvalue closed form written here. */
    int status = C->fstar(P, PREC, fs);
    tap_int(status, LMC_SUCCESS, "icl %s: MPFR f* evaluates", vname);
    double T = 0, fe = 0;
    for (size_t j = 0; j < d; j++)
        T += pow(c->kappa, -(double)j / (double)(d - 1));
    for (size_t j = 0; j < d; j++)
    {
        const double l = pow(c->kappa, -(double)j / (double)(d - 1));
        fe += 0.5 * l * (l + T) / (((double)c->N + 1) * l + T);
    }
    const double fsd = mpfr_get_d(fs, MPFR_RNDN);
    tap_close(P->c.fstar, fsd, tol, 0, "icl %s: declared f* = MPFR "
              "1/2 tr(Lambda) - 1/2 tr(Lambda Lambda S^-1 Lambda) (rtol "
              "2 d^2 eps)", vname);
    tap_close(fe, fsd, tol, 0, "icl %s: f* = 1/2 sum lambda_j (lambda_j + T)"
              " / ((N+1) lambda_j + T) (closed form written here)", vname);

    check_derivatives(P, C, vname, r);

    /* Points: 0, Gamma*, random, Gamma* + 1e-3 random, 10 x random. */
    for (int p = 0; p < 5; p++)
    {
        for (size_t k = 0; k < dd; k++)
        {
            const double rnd = gsl_ran_gaussian(r, 1.0);
            const double gs = st->gstar->data[k];
            x->data[k] = p == 0   ? 0
                         : p == 1 ? gs
                         : p == 2 ? rnd
                         : p == 3 ? gs + 1e-3 * rnd
                                  : 10 * rnd;
        }
        double f;
        lmc_problem_fdf(P, x, &f, g);
        status = C->fdf(P, x, PREC, fm, gm);
        for (size_t k = 0; k < dd; k++)
            gmd->data[k] = mpfr_get_d(gm->data[k], MPFR_RNDN);
        /* Scale of f's rounding: f* + |f - f*| + ||D|| ||grad||. */
        double dn = 0;
        for (size_t k = 0; k < dd; k++)
            dn += (x->data[k] - st->gstar->data[k]) *
                  (x->data[k] - st->gstar->data[k]);
        dn = sqrt(dn);
        const double fmd = mpfr_get_d(fm, MPFR_RNDN);
        const double fscale = P->c.fstar + fabs(fmd - P->c.fstar) +
                              dn * frob(gmd);
        const double gscale =
            P->c.L_frob * (dn + sqrt((double)d) * st->gamma[d - 1]);
        tap_ok(status == LMC_SUCCESS && fabs(f - fmd) <= tol * fscale,
               "icl %s point %d: double f (centered) = MPFR f (THEORY's "
               "expanded form) (diff %.2e, tol %.2e)", vname, p,
               fabs(f - fmd), tol * fscale);
        tap_le(frob_diff(g, gmd), tol * gscale, "icl %s point %d: double "
               "grad = MPFR Lambda Gamma S - Lambda^2 (||diff||_F %.2e, tol "
               "%.2e)", vname, p, frob_diff(g, gmd), tol * gscale);
        if (p == 1)
        {
            /* Gamma* (rounded) is stationary and f(Gamma*) = f*: the
             * rounding of Gamma* (~d eps ||Gamma*||_F) moves the gradient
             * by <= L_frob times it, f by its square. */
            const double e = 4.0 * d * DBL_EPSILON * sqrt((double)d) *
                             st->gamma[d - 1];
            tap_le(frob(gmd), P->c.L_frob * e, "icl %s: MPFR ||grad "
                   "f(Gamma*)||_F <= L_frob x rounding of Gamma* (%.2e)",
                   vname, frob(gmd));
            mpfr_sub(t, fm, fs, MPFR_RNDN);
            const double gap = mpfr_get_d(t, MPFR_RNDN);
            tap_ok(gap >= -1e-60 && gap <= 0.5 * P->c.L_frob * e * e,
                   "icl %s: MPFR f(Gamma*) - f* in [0, L_frob e^2 / 2] "
                   "(%.2e)", vname, gap);
        }
        if (p == 0)
        {
            double tr = 0;
            for (size_t j = 0; j < d; j++)
                tr += gsl_matrix_get(st->lam, j, j);
            tap_close(f, 0.5 * tr, tol, 0, "icl %s: f(0) = tr(Lambda)/2 = "
                      "E[y_q^2]/2", vname);
        }
    }

    /* Constants: Hessian D -> Lambda D S. */
    gsl_vector *zero = gsl_vector_calloc(dd), *g0 = gsl_vector_alloc(dd);
    double f0;
    lmc_problem_fdf(P, zero, &f0, g0);
    lmc_svd *w = lmc_svd_alloc(d, d, 0);
    double qmax = 0, qmin = INFINITY, nucmax = 0;
    for (int it = 0; it < 200; it++)
    {
        for (size_t k = 0; k < dd; k++)
            x->data[k] = gsl_ran_gaussian(r, 1.0);
        double f;
        lmc_problem_fdf(P, x, &f, g);
        gsl_vector_sub(g, g0); /* = Lambda D S with D = x */
        double q;
        gsl_blas_ddot(x, g, &q);
        q /= frob(x) * frob(x);
        qmax = fmax(qmax, q);
        qmin = fmin(qmin, q);
        gsl_matrix_view gv = gsl_matrix_view_vector(g, d, d);
        gsl_matrix_view xv = gsl_matrix_view_vector(x, d, d);
        lmc_svd_values(w, &gv.matrix);
        double nuc = 0;
        for (size_t j = 0; j < d; j++)
            nuc += w->s[j];
        lmc_svd_values(w, &xv.matrix);
        nucmax = fmax(nucmax, nuc / w->s[0]);
    }
    tap_ok(qmax <= P->c.L_frob && qmin >= P->c.mu, "icl %s: 200 random "
           "directions: <D, Lambda D S> / ||D||_F^2 in [mu, L_frob] = "
           "[%.4g, %.4g] (seen [%.4g, %.4g])", vname, P->c.mu, P->c.L_frob,
           qmin, qmax);
    tap_le(nucmax, P->c.L, "icl %s: ||Lambda D S||_* <= L ||D||_2 on 200 "
           "random D (max ratio %.4g, L %.4g)", vname, nucmax, P->c.L);
    /* Attainment: D = I gives L, the top eigenpair L_frob, the bottom mu. */
    gsl_vector_set_zero(x);
    for (size_t j = 0; j < d; j++)
        x->data[j * d + j] = 1;
    double f;
    lmc_problem_fdf(P, x, &f, g);
    gsl_vector_sub(g, g0);
    gsl_matrix_view gv = gsl_matrix_view_vector(g, d, d);
    lmc_svd_values(w, &gv.matrix);
    double nuc = 0;
    for (size_t j = 0; j < d; j++)
        nuc += w->s[j];
    tap_close(nuc, P->c.L, 2 * 8.0 * (double)(d * d * d) * DBL_EPSILON, 0,
              "icl %s: L = ||Lambda I S||_* = "
              "tr(Lambda S) is attained at D = I", vname);
    /* D = q_j q_j^T gives Lambda D S = lambda_j s_j D.  Tolerance: the
     * difference grad f(D) - grad f(0) carries ~4 eps ||grad f(0)||_F of
     * rounding (relative to ||D||_F = 1); the declared constants carry
     * their slacks (8 d^3 eps up, 8 d^2 kappa eps down for mu; icl.c),
     * which also exceed the stored Lambda's eigenvalue error: rtol twice
     * the slack. */
    const double up = 8.0 * (double)(d * d * d) * DBL_EPSILON;
    const double down = 8.0 * (double)(d * d) * st->kappa * DBL_EPSILON;
    const double atol = 4 * DBL_EPSILON * frob(g0);
    for (int e = 0; e < 2; e++)
    {
        const size_t j = e == 0 ? 0 : d - 1;
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                x->data[a * d + b] =
                    gsl_matrix_get(st->q, a, j) * gsl_matrix_get(st->q, b, j);
        lmc_problem_fdf(P, x, &f, g);
        gsl_vector_sub(g, g0);
        double q;
        gsl_blas_ddot(x, g, &q);
        tap_close(q / (frob(x) * frob(x)), e == 0 ? P->c.L_frob : P->c.mu,
                  e == 0 ? 2 * up : 2 * down, atol,
                  "icl %s: %s attained at D = q_%zu q_%zu^T", vname,
                  e == 0 ? "L_frob" : "mu", j + 1, j + 1);
    }
    gsl_vector_free(zero);
    gsl_vector_free(g0);
    lmc_svd_free(w);
    mpfr_clears(fm, fs, t, (mpfr_ptr)0);
    lmc_mp_mat_free(gm);
    gsl_vector_free(x);
    gsl_vector_free(g);
    gsl_vector_free(gmd);
    gsl_rng_free(r);
    lmc_problem_free(P);
}

/* sgrad deterministic in xi (all 64 bits), different across xi. */
static void
check_determinism(unsigned long seed)
{
    const config c = {8, 20, 10, NULL};
    lmc_problem *P = make(&c, seed);
    const size_t dd = P->layout.total;
    gsl_vector *x = gsl_vector_alloc(dd), *g1 = gsl_vector_alloc(dd);
    gsl_vector *g2 = gsl_vector_alloc(dd), *g3 = gsl_vector_alloc(dd);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed + 9);
    for (size_t k = 0; k < dd; k++)
        x->data[k] = gsl_ran_gaussian(r, 1.0);
    const unsigned long xi = lmc_sample_id(seed, 7);
    lmc_problem_sgrad(P, x, xi, g1);
    lmc_problem_sgrad(P, x, xi + 1, g3);
    lmc_problem_sgrad(P, x, xi, g2);
    tap_ok(memcmp(g1->data, g2->data, dd * sizeof(double)) == 0,
           "icl: sgrad(x, xi) is bitwise identical on repeat (another xi "
           "in between)");
    tap_ok(frob_diff(g1, g3) > 0, "icl: sgrad differs for xi + 1");
    /* Ids equal in their low 32 bits but not in the high ones. */
    const unsigned long a = 12345ul, b = a + (1ul << 40);
    lmc_problem_sgrad(P, x, a, g1);
    lmc_problem_sgrad(P, x, b, g2);
    tap_ok(frob_diff(g1, g2) > 0, "icl: sgrad uses all 64 bits of xi (ids "
           "differing only above bit 32 give different samples)");
    /* The gradient is rank one: x_q h^T scaled. */
    gsl_matrix_view gv = gsl_matrix_view_vector(g1, 8, 8);
    lmc_svd *w = lmc_svd_alloc(8, 8, 0);
    lmc_svd_values(w, &gv.matrix);
    tap_le(w->s[1], 1e-14 * w->s[0], "icl: the per-prompt gradient is rank "
           "one (sigma_2 / sigma_1 = %.1e)", w->s[1] / w->s[0]);
    double loss;
    lmc_icl_prompt(P, x, a, &loss, g2);
    lmc_problem_sgrad(P, x, a, g3);
    tap_ok(memcmp(g2->data, g3->data, dd * sizeof(double)) == 0 &&
               loss >= 0,
           "icl: lmc_icl_prompt's gradient is sgrad's; loss >= 0");
    lmc_svd_free(w);
    gsl_vector_free(x);
    gsl_vector_free(g1);
    gsl_vector_free(g2);
    gsl_vector_free(g3);
    gsl_rng_free(r);
    lmc_problem_free(P);
}

/* Declared constants, inits, variants, registry and error paths. */
static void
check_interface(unsigned long seed)
{
    const lmc_problem_type *T = lmc_problem_find("icl");
    tap_ok(T == &lmc_problem_icl, "icl: registered as 'icl'");
    const config c = {0, 0, 0, NULL};
    lmc_problem *P = make(&c, seed);
    const lmc_icl_state *st = P->state;
    const unsigned want = LMC_HAS_L | LMC_HAS_LFROB | LMC_HAS_L0L1 |
                          LMC_HAS_MU | LMC_HAS_FSTAR | LMC_HAS_STOCH;
    tap_ok(P->c.known == want && st->d == 8 && st->N == 20 &&
               st->kappa == 10 && P->layout.nblocks == 1 &&
               P->layout.norm[0] == &lmc_oracle_spectral,
           "icl: defaults d=8 N=20 kappa=10, one spectral block, declares "
           "L, L_frob, L0/L1, mu, f*, stochastic; not sigma, Lbar");
    tap_close(st->lambda[0] / st->lambda[7], 10, 1e-14, 0,
              "icl: kappa(Lambda) = lambda_1 / lambda_d = 10");
    gsl_vector *x = gsl_vector_alloc(P->layout.total);
    lmc_problem_x0(P, x);
    tap_ok(gsl_vector_isnull(x), "icl: init 'zero' gives Gamma_0 = 0");
    lmc_problem_free(P);

    lmc_problem_params p = lmc_problem_params_default();
    p.seed = seed;
    p.init = "small";
    P = lmc_problem_alloc(&lmc_problem_icl, &p);
    lmc_problem_x0(P, x);
    const double n1 = frob(x);
    gsl_vector *x2 = gsl_vector_alloc(P->layout.total);
    lmc_problem_x0(P, x2);
    tap_ok(n1 > 0 && n1 < 10 * LMC_ICL_ALPHA * sqrt(8.0) &&
               frob_diff(x, x2) == 0,
           "icl: init 'small' is deterministic with ||Gamma_0||_F ~ "
           "alpha sqrt(d) (%.2e)", n1);
    gsl_vector_free(x2);
    lmc_problem_free(P);

    /* diag: Lambda diagonal, and f* basis-independent. */
    p = lmc_problem_params_default();
    p.seed = seed;
    p.variant = "diag";
    P = lmc_problem_alloc(&lmc_problem_icl, &p);
    lmc_problem *Pr = make(&c, seed);
    st = P->state;
    int isdiag = 1;
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 8; j++)
            if (i != j && gsl_matrix_get(st->lam, i, j) != 0)
                isdiag = 0;
    tap_ok(isdiag, "icl variant diag: Lambda is diagonal");
    tap_close(P->c.fstar, Pr->c.fstar, 1e-15, 0, "icl: f* is the same for "
              "the rotated and the diagonal Lambda");
    const lmc_icl_state *sr = Pr->state;
    double offmax = 0;
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 8; j++)
            if (i != j)
                offmax = fmax(offmax, fabs(gsl_matrix_get(sr->lam, i, j)));
    tap_ok(offmax > 0.01, "icl variant rotated: Lambda is not diagonal "
           "(max off-diagonal %.3f)", offmax);
    lmc_problem_free(P);
    lmc_problem_free(Pr);
    gsl_vector_free(x);

    /* Error paths. */
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    p = lmc_problem_params_default();
    p.kappa = 0.5;
    tap_ok(!lmc_problem_alloc(&lmc_problem_icl, &p) &&
               strstr(lmc_last_error(), "kappa"),
           "icl: kappa < 1 refused, naming kappa");
    p = lmc_problem_params_default();
    p.variant = "skew";
    tap_ok(!lmc_problem_alloc(&lmc_problem_icl, &p) &&
               strstr(lmc_last_error(), "rotated, diag"),
           "icl: unknown variant refused, listing the accepted ones");
    p = lmc_problem_params_default();
    p.init = "big";
    tap_ok(!lmc_problem_alloc(&lmc_problem_icl, &p) &&
               strstr(lmc_last_error(), "zero, small"),
           "icl: unknown init refused, listing the accepted ones");
    p = lmc_problem_params_default();
    p.d = 5000;
    tap_ok(!lmc_problem_alloc(&lmc_problem_icl, &p), "icl: d > 4096 "
           "refused");
    P = lmc_problem_alloc(&lmc_problem_icl, &(lmc_problem_params){.seed = 1});
    gsl_vector *bad = gsl_vector_alloc(3), *good = gsl_vector_alloc(64);
    double f;
    tap_int(lmc_problem_fdf(P, bad, &f, NULL), LMC_EBADLEN,
            "icl: fdf on a wrong-length x is LMC_EBADLEN");
    tap_int(lmc_icl_prompt(P, bad, 1, &f, NULL), LMC_EBADLEN,
            "icl: lmc_icl_prompt on a wrong-length x is LMC_EBADLEN");
    const lmc_problem_mp *C = lmc_problem_mp_find(P->type);
    mpfr_t fm;
    mpfr_init2(fm, 64);
    gsl_vector_set_zero(good);
    tap_int(C->fdf(P, good, 20, fm, NULL), LMC_EINVAL,
            "icl: MPFR fdf at 20 bits is LMC_EINVAL");
    tap_int(C->fdf(P, bad, PREC, fm, NULL), LMC_EBADLEN,
            "icl: MPFR fdf on a wrong-length x is LMC_EBADLEN");
    tap_int(C->fstar(P, 20, fm), LMC_EINVAL,
            "icl: MPFR f* at 20 bits is LMC_EINVAL");
    mpfr_clear(fm);
    lmc_problem_free(P);
    lmc_problem_params pm = lmc_problem_params_default();
    P = lmc_problem_alloc(lmc_problem_find("mf"), &pm);
    if (P)
    {
        gsl_vector *xm = gsl_vector_calloc(P->layout.total);
        tap_int(lmc_icl_prompt(P, xm, 1, &f, NULL), LMC_EDOM,
                "icl: lmc_icl_prompt on another problem is LMC_EDOM");
        gsl_vector_free(xm);
        lmc_problem_free(P);
    }
    else
        tap_skip(1, "problem 'mf' not registered");
    gsl_vector_free(bad);
    gsl_vector_free(good);
    lmc_set_error_handler(old);
}

/* fdf and sgrad allocate nothing (after one warm-up call: OpenBLAS sets
 * up its buffers on first use). */
static void
check_noalloc(unsigned long seed)
{
    if (!alloc_count_available())
    {
        tap_skip(1, alloc_count_unavailable());
        return;
    }
    const config c = {8, 20, 10, NULL};
    lmc_problem *P = make(&c, seed);
    gsl_vector *x = gsl_vector_calloc(P->layout.total);
    gsl_vector *g = gsl_vector_alloc(P->layout.total);
    double f;
    lmc_problem_fdf(P, x, &f, g);
    lmc_problem_sgrad(P, x, 1, g);
    alloc_count_start();
    for (unsigned long xi = 2; xi < 12; xi++)
    {
        lmc_problem_fdf(P, x, &f, g);
        lmc_problem_fdf(P, x, &f, NULL);
        lmc_problem_sgrad(P, x, xi, g);
    }
    void *volatile probe = malloc(1); /* negative control: must be counted */
    n_alloc = alloc_count_stop();
    free(probe);
    tap_int(n_alloc, 1, "icl: fdf and sgrad allocate nothing (10 calls "
            "each; the one counted call is the control's)");
    gsl_vector_free(x);
    gsl_vector_free(g);
    lmc_problem_free(P);
}

int
main(void)
{
    const unsigned long seed = tap_begin(20261124);
    const config cfg[] = {
        {8, 20, 10, NULL},
        {4, 3, 100, NULL},
    };
    check_interface(seed);
    check_determinism(seed);
    check_noalloc(seed);
    for (size_t i = 0; i < 2; i++)
        check_closed_forms(&cfg[i], seed);
    const config diag = {8, 20, 1000, "diag"};
    check_closed_forms(&diag, seed);
    for (size_t i = 0; i < 2; i++)
        check_monte_carlo(&cfg[i], seed);
    return tap_end();
}
