/* t-methods.c -- every optimization method against a hand computation.
 *
 * Test-local problems (no dependence on problems/): f(X) = (1/2) sum_j
 * h_j (x_j - c_j)^2 with gradient h o (x - c), on one 2x3 spectral block,
 * one 2x3 l_inf block, or two blocks (2x2 spectral, 1x3 l_inf); a
 * stochastic gradient (h + sigma z1) o (x - c) + sigma z2 with z1, z2
 * Gaussian from a generator seeded by the sample id (deterministic in
 * (x, xi), as MVR2 needs); a twin without a stochastic gradient.
 *
 * For each method one to three steps are recomputed here from the update
 * equations of the method's file header: gradients by the formula above,
 * polar factors of 2 x n blocks in closed form ((G G^T)^(-1/2) G with the
 * 2 x 2 square root (A + sqrt(det A) I)/sqrt(tr A + 2 sqrt(det A))),
 * nuclear norms as tr (G G^T)^(1/2), signs and l_1 norms directly, and
 * the error sources' S~ from their definitions.  Then every error path
 * once, every stop reason of lmc_run once (divergence is a recorded
 * stop, not a crash), and a no-allocation check of lmc_method_iterate by
 * interposed malloc (the technique of t-noalloc.c).
 */
#include "method.h"
#include "status.h"
#include "tap.h"
#include "alloccount.h"
#include "trace.h"

#include <float.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Elementwise methods (gd, ngd, sign, adam): the hand computation does
 * the same few roundings per entry (at most ~10: gradient, moment
 * updates, sqrt, division), possibly in another order; entries are O(1).
 * 64 eps ~ 1.4e-14 is a 6x margin over 10 eps. */
#define TOL_ELEM (64 * DBL_EPSILON)

/* Steps through a polar factor.  The closed form forms A = G G^T and
 * det A = (sigma_1 sigma_2)^2 by cancellation, then inverts a 2 x 2
 * matrix of condition kappa: relative error ~ c eps kappa(G)^2 with c a
 * small constant (~4).  dgesdd's polar factor errs by ~ 2 p(n) eps kappa
 * (Li's perturbation bound; t-oracle-exact).  With kappa <= 50 (checked
 * below; 24 met) c = 16 gives 16 eps 2500 = 8.9e-12; measured <= 6e-16.
 * A wrong beta, gamma or sign in an update moves the iterates by
 * >= 1e-4 here. */
#define TOL_POLAR 1e-11

/* Realized delta of the adversarial source: S~ - LMO(M) = -delta LMO(M)
 * up to one rounding per entry of (1 - delta) LMO(M) (entries <= 1), its
 * norm taken by an SVD (relative error p(n) eps, n <= 3): 64 eps. */
#define TOL_DELTA (64 * DBL_EPSILON)

#define NT 7 /* largest parameter length of the test problems */

static const double H[NT] = {1.0, 2.0, 0.5, 1.5, 3.0, 0.75, 1.25};
static const double C[NT] = {0.3, -0.2, 0.1, 0.5, -0.4, 0.25, 0.6};
static const double X0[NT] = {1.0, 0.5, -0.5, 0.25, 0.75, -1.0, 0.4};

/* ---- The test problems. ---- */

typedef struct
{
    size_t n;
    double sigma;
    int fail; /* variant "fail": the gradient refuses x[0] < 0.9 */
    gsl_rng *r;
} quad_state;

/* Variants: "spectral" (default) and "bare" (no L0/L1 declared), "zeroL"
 * (L0 = L1 = 0 declared), "fail": one 2x3 spectral block; "linf": one
 * 2x3 l_inf block; "two": 2x2 spectral + 1x3 l_inf. */
static int
quad_alloc(void *vstate, lmc_problem *P)
{
    quad_state *st = vstate;
    const char *v = P->params.variant ? P->params.variant : "spectral";
    lmc_layout *L = &P->layout;
    if (strcmp(v, "two") == 0)
    {
        LMC_TRY(lmc_layout_add(L, 2, 2, &lmc_oracle_spectral));
        LMC_TRY(lmc_layout_add(L, 1, 3, &lmc_oracle_linf));
    }
    else if (strcmp(v, "linf") == 0)
        LMC_TRY(lmc_layout_add(L, 2, 3, &lmc_oracle_linf));
    else
        LMC_TRY(lmc_layout_add(L, 2, 3, &lmc_oracle_spectral));
    st->n = L->total;
    st->sigma = P->params.sigma;
    st->fail = strcmp(v, "fail") == 0;
    st->r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!st->r)
        LMC_ERROR(LMC_ENOMEM, "test problem: no memory");
    /* f* = 0 at X = C.  Hessian diag(h) <= h_max I on block i, so
     * f(Y) <= f(X) + <g, D> + (h_max/2) ||D||_F^2 and ||D_i||_F^2 <=
     * r_i ||D_i||^2 (spectral: r = min(m,n); l_inf: r = mn): L0_i =
     * h_max,i r_i with L1_i = 0 holds; L1_i = 0.5 only weakens it. */
    P->c.known = LMC_HAS_FSTAR;
    P->c.fstar = 0;
    if (strcmp(v, "bare") != 0)
    {
        P->c.known |= LMC_HAS_L0L1;
        for (size_t i = 0; i < L->nblocks; i++)
        {
            double hmax = 0;
            const size_t len = L->size1[i] * L->size2[i];
            for (size_t j = 0; j < len; j++)
                hmax = fmax(hmax, H[L->offset[i] + j]);
            const size_t r = L->norm[i] == &lmc_oracle_spectral
                                 ? (L->size1[i] < L->size2[i] ? L->size1[i]
                                                              : L->size2[i])
                                 : len;
            P->c.L0[i] = hmax * (double)r;
            P->c.L1[i] = 0.5;
            if (strcmp(v, "zeroL") == 0)
                P->c.L0[i] = P->c.L1[i] = 0;
        }
    }
    if (P->type->sgrad)
        P->c.known |= LMC_HAS_STOCH;
    return LMC_SUCCESS;
}

static int
quad_fdf(void *vstate, const gsl_vector *x, double *f, gsl_vector *g)
{
    quad_state *st = vstate;
    if (st->fail && x->data[0] < 0.9)
        LMC_ERROR(LMC_EDOM, "test problem 'fail': x[0] = %g left [0.9, inf)",
                  x->data[0]);
    double s = 0;
    for (size_t j = 0; j < st->n; j++)
    {
        const double d = x->data[j] - C[j];
        s += H[j] * d * d;
        if (g)
            g->data[j] = H[j] * d;
    }
    *f = 0.5 * s;
    return LMC_SUCCESS;
}

static void
noise(gsl_rng *r, double sigma, unsigned long xi, size_t n,
      const double *x, double *g)
{
    gsl_rng_set(r, xi);
    for (size_t j = 0; j < n; j++)
    {
        const double z1 = gsl_ran_gaussian_ziggurat(r, 1.0);
        const double z2 = gsl_ran_gaussian_ziggurat(r, 1.0);
        g[j] = (H[j] + sigma * z1) * (x[j] - C[j]) + sigma * z2;
    }
}

static int
quad_sgrad(void *vstate, const gsl_vector *x, unsigned long xi,
           gsl_vector *g)
{
    quad_state *st = vstate;
    noise(st->r, st->sigma, xi, st->n, x->data, g->data);
    return LMC_SUCCESS;
}

static int
quad_x0(void *vstate, gsl_vector *x)
{
    quad_state *st = vstate;
    for (size_t j = 0; j < st->n; j++)
        x->data[j] = X0[j];
    return LMC_SUCCESS;
}

static void
quad_free(void *vstate)
{
    quad_state *st = vstate;
    gsl_rng_free(st->r);
}

static const lmc_problem_type quad_type = {
    .name = "t-quad",
    .summary = "test quadratic with a stochastic gradient",
    .inits = "default",
    .size = sizeof(quad_state),
    .alloc = quad_alloc,
    .fdf = quad_fdf,
    .sgrad = quad_sgrad,
    .x0 = quad_x0,
    .free = quad_free,
};

static const lmc_problem_type quad_nosg_type = {
    .name = "t-quad-nosg",
    .summary = "test quadratic without a stochastic gradient",
    .inits = "default",
    .size = sizeof(quad_state),
    .alloc = quad_alloc,
    .fdf = quad_fdf,
    .sgrad = NULL,
    .x0 = quad_x0,
    .free = quad_free,
};

static lmc_problem *
problem(const lmc_problem_type *T, const char *variant, double sigma)
{
    lmc_problem_params pp = lmc_problem_params_default();
    pp.variant = variant;
    pp.sigma = sigma;
    return lmc_problem_alloc(T, &pp);
}

/* ---- Independent hand computations. ---- */

static void
grad(size_t n, const double *x, double *g)
{
    for (size_t j = 0; j < n; j++)
        g[j] = H[j] * (x[j] - C[j]);
}

/* Closed-form polar factor of a 2 x n row-major G (rank 2): returns the
 * nuclear norm and, via *kappa, sigma_1/sigma_2. */
static double
polar2(const double *G, size_t n, double *Q, double *kappa)
{
    double a11 = 0, a12 = 0, a22 = 0;
    for (size_t j = 0; j < n; j++)
    {
        a11 += G[j] * G[j];
        a12 += G[j] * G[n + j];
        a22 += G[n + j] * G[n + j];
    }
    const double s = sqrt(a11 * a22 - a12 * a12); /* sigma_1 sigma_2 */
    const double tau = sqrt(a11 + a22 + 2 * s);   /* sigma_1 + sigma_2 */
    const double r11 = (a11 + s) / tau, r12 = a12 / tau,
                 r22 = (a22 + s) / tau;
    const double det = r11 * r22 - r12 * r12;
    for (size_t j = 0; j < n; j++)
    {
        const double g0 = G[j], g1 = G[n + j];
        Q[j] = (r22 * g0 - r12 * g1) / det;
        Q[n + j] = (-r12 * g0 + r11 * g1) / det;
    }
    if (kappa)
    {
        /* sigma_1,2 = (tau +- sqrt(tau^2 - 4 s))/2 */
        const double dsc = sqrt(fmax(tau * tau - 4 * s, 0));
        *kappa = (tau + dsc) / (tau - dsc);
    }
    return tau;
}

static double kappa_max; /* largest kappa met by polar2 in hand steps */

/* LMO of the test layouts: layout 1 = one 2x3 spectral block, 2 = "two"
 * (2x2 spectral, then 1x3 l_inf), 3 = one 2x3 l_inf block. */
static void
lmo_hand(int layout, const double *m, double *s)
{
    double k = 1;
    if (layout == 1)
    {
        polar2(m, 3, s, &k);
        for (size_t j = 0; j < 6; j++)
            s[j] = -s[j];
    }
    else
    {
        polar2(m, 2, s, &k);
        for (size_t j = 0; j < 4; j++)
            s[j] = -s[j];
        for (size_t j = 4; j < 7; j++)
            s[j] = m[j] > 0 ? -1.0 : (m[j] < 0 ? 1.0 : 0.0);
    }
    kappa_max = fmax(kappa_max, k);
}

static double
sgnd(double v)
{
    return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
}

/* One TAP point: max_j |got_j - want_j| <= tol (1 + |want_j|), NaN
 * fails; the worst entry is printed. */
static void
check_vec(const double *got, const double *want, size_t n, double tol,
          const char *what)
{
    size_t worst = 0;
    double wq = -1;
    for (size_t j = 0; j < n; j++)
    {
        const double q = fabs(got[j] - want[j]) / (1 + fabs(want[j]));
        if (!(q <= wq) || isnan(q))
        {
            wq = isnan(q) ? INFINITY : q;
            worst = j;
        }
    }
    tap_close(got[worst], want[worst], tol, tol, "%s (worst entry %zu, "
              "rel diff %.2g)", what, worst, wq);
}

/* ---- Running a method step by step. ---- */

typedef struct
{
    lmc_problem *P;
    lmc_method *M;
    gsl_vector *x;
    lmc_step_info info;
} run;

static int
run_open(run *R, const lmc_method_type *T, const lmc_problem_type *PT,
         const char *variant, double sigma, const lmc_method_params *p)
{
    R->P = problem(PT, variant, sigma);
    R->M = R->P ? lmc_method_alloc(T, R->P, p) : NULL;
    R->x = R->P ? gsl_vector_alloc(R->P->layout.total) : NULL;
    if (!R->M || !R->x)
        return LMC_ENOMEM;
    R->M->measure_delta = 1;
    LMC_TRY(lmc_problem_x0(R->P, R->x));
    return lmc_method_set(R->M, R->x);
}

static int
run_step(run *R)
{
    return lmc_method_iterate(R->M, R->x, &R->info);
}

static void
run_close(run *R)
{
    lmc_method_free(R->M);
    lmc_problem_free(R->P);
    gsl_vector_free(R->x);
}

/* ---- Hand checks, one function per method. ---- */

static void
test_gd(void)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = 0.1;
    run R;
    int st = run_open(&R, &lmc_method_gd, &quad_type, "spectral", 0, &p);
    st |= run_step(&R);
    double x[6], g[6];
    memcpy(x, X0, sizeof x);
    grad(6, x, g);
    for (size_t j = 0; j < 6; j++)
        x[j] -= 0.1 * g[j];
    tap_int(st, LMC_SUCCESS, "gd: one step runs");
    check_vec(R.x->data, x, 6, TOL_ELEM, "gd: X_1 = X_0 - eta grad f(X_0)");
    tap_ok(R.info.eta[0] == 0.1 && R.info.ngrad == 1 &&
               isnan(R.info.delta[0]),
           "gd: info eta = 0.1, one gradient, no oracle delta");
    run_close(&R);
}

static void
test_ngd(void)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = 0.1;
    run R;
    int st = run_open(&R, &lmc_method_ngd, &quad_type, "linf", 0, &p);
    st |= run_step(&R);
    double x[6], g[6], nn = 0;
    memcpy(x, X0, sizeof x);
    grad(6, x, g);
    for (size_t j = 0; j < 6; j++)
        nn += g[j] * g[j];
    nn = sqrt(nn);
    for (size_t j = 0; j < 6; j++)
        x[j] -= 0.1 * g[j] / nn;
    tap_int(st, LMC_SUCCESS, "ngd: one step runs");
    check_vec(R.x->data, x, 6, TOL_ELEM,
              "ngd: X_1 = X_0 - eta g/||g||_F (l_inf block: norm ignored)");
    /* At the minimizer g = 0: no move, no NaN. */
    for (size_t j = 0; j < 6; j++)
        R.x->data[j] = C[j];
    st = lmc_method_set(R.M, R.x) | run_step(&R);
    check_vec(R.x->data, C, 6, 0.0, "ngd: g = 0 leaves X unchanged");
    tap_int(st, LMC_SUCCESS, "ngd: g = 0 is not an error");
    run_close(&R);
}

static void
test_sign(void)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = 0.1;
    p.momentum = 0.5;
    run R;
    int st = run_open(&R, &lmc_method_sign, &quad_type, "two", 0, &p);
    double x[NT], g[NT], m[NT];
    memcpy(x, X0, sizeof x);
    for (int t = 1; t <= 2; t++)
    {
        st |= run_step(&R);
        grad(NT, x, g);
        for (size_t j = 0; j < NT; j++)
        {
            m[j] = t == 1 ? g[j] : 0.5 * m[j] + 0.5 * g[j];
            x[j] -= 0.1 * sgnd(m[j]);
        }
    }
    tap_int(st, LMC_SUCCESS, "sign: two steps run");
    check_vec(R.x->data, x, NT, TOL_ELEM, "sign: X_2 by M_1 = g_1, M_2 = "
              "beta M_1 + (1-beta) g_2, X -= eta sign(M)");
    check_vec(R.M->type->momentum(R.M->state)->data, m, NT, TOL_ELEM,
              "sign: momentum() is M_2");
    run_close(&R);
}

static void
test_adam(void)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = 0.1;
    p.momentum = 0.9;
    p.beta2 = 0.99;
    p.eps = 1e-8;
    run R;
    int st = run_open(&R, &lmc_method_adam, &quad_type, "spectral", 0, &p);
    double x[6], g[6], m[6] = {0}, v[6] = {0}, mh[6];
    memcpy(x, X0, sizeof x);
    for (int t = 1; t <= 2; t++)
    {
        st |= run_step(&R);
        grad(6, x, g);
        const double c1 = 1 - pow(0.9, t), c2 = 1 - pow(0.99, t);
        for (size_t j = 0; j < 6; j++)
        {
            m[j] = 0.9 * m[j] + 0.1 * g[j];
            v[j] = 0.99 * v[j] + 0.01 * g[j] * g[j];
            mh[j] = m[j] / c1;
            x[j] -= 0.1 * mh[j] / (sqrt(v[j] / c2) + 1e-8);
        }
        if (t == 1)
        {
            /* Bias correction: the first step is eta g/(|g| + eps) =
             * eta sign(g_1) up to eta eps/|g_j|; twice that is the
             * tolerance. */
            double ref[6], gmin = INFINITY;
            for (size_t j = 0; j < 6; j++)
            {
                ref[j] = X0[j] - 0.1 * sgnd(g[j]);
                gmin = fmin(gmin, fabs(g[j]));
            }
            check_vec(R.x->data, ref, 6, 2 * 0.1 * 1e-8 / gmin,
                      "adam: X_1 = X_0 - eta sign(g_1) (bias-corrected, "
                      "up to eta eps/|g|)");
        }
    }
    tap_int(st, LMC_SUCCESS, "adam: two steps run");
    check_vec(R.x->data, x, 6, TOL_ELEM, "adam: X_2 with bias correction "
              "1 - beta1^t, 1 - beta2^t");
    check_vec(R.M->type->momentum(R.M->state)->data, mh, 6, TOL_ELEM,
              "adam: momentum() is mhat_2");
    run_close(&R);
}

static void
test_lmo(void)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = 0.1;
    p.momentum = 0.5;
    p.oracle = &lmc_inexact_inject_adversarial;
    p.oracle_params.delta = 0.2;
    run R;
    int st = run_open(&R, &lmc_method_lmo, &quad_type, "two", 0, &p);
    double x[NT], g[NT], m[NT], s[NT];
    memcpy(x, X0, sizeof x);
    for (int t = 1; t <= 2; t++)
    {
        st |= run_step(&R);
        grad(NT, x, g);
        for (size_t j = 0; j < NT; j++)
            m[j] = t == 1 ? g[j] : 0.5 * m[j] + 0.5 * g[j];
        lmo_hand(2, m, s);
        /* adversarial: S~ = LMO(M) + delta LMO(-M) = 0.8 LMO(M) */
        for (size_t j = 0; j < NT; j++)
            x[j] += 0.1 * 0.8 * s[j];
    }
    tap_int(st, LMC_SUCCESS, "lmo: two steps run");
    check_vec(R.x->data, x, NT, TOL_POLAR, "lmo: X_2 = X_1 + eta S~(M_2), "
              "M_2 = (1-alpha) M_1 + alpha g_2, spectral + l_inf blocks, "
              "adversarial delta 0.2");
    check_vec(R.M->type->momentum(R.M->state)->data, m, NT, TOL_ELEM,
              "lmo: momentum() is M_2");
    tap_close(R.info.delta[0], 0.2, 0, TOL_DELTA,
              "lmo: realized delta of the spectral block recorded");
    tap_close(R.info.delta[1], 0.2, 0, TOL_DELTA,
              "lmo: realized delta of the l_inf block recorded");
    tap_ok(R.info.eta[0] == 0.1 && R.info.eta[1] == 0.1,
           "lmo: every block has radius eta_t");
    run_close(&R);
}

static void
test_adaptive(const lmc_method_type *T, int exact_radius)
{
    lmc_method_params p = lmc_method_params_default();
    p.oracle = &lmc_inexact_inject_adversarial;
    p.oracle_params.delta = 0.2;
    run R;
    int st = run_open(&R, T, &quad_type, "two", 0, &p);
    st |= run_step(&R);
    double x[NT], g[NT], s[NT], q[4];
    memcpy(x, X0, sizeof x);
    grad(NT, x, g);
    const double gn[2] = {polar2(g, 2, q, NULL),
                          fabs(g[4]) + fabs(g[5]) + fabs(g[6])};
    /* L0_0 = 2 * 2 (h_max 2, rank 2), L0_1 = 3 * 3, L1 = 0.5 */
    const double L0[2] = {4.0, 9.0}, L1 = 0.5, d = exact_radius ? 0 : 0.2;
    double ti[2];
    for (int i = 0; i < 2; i++)
        ti[i] = (1 - d) * gn[i] / ((1 + d) * (1 + d) * (L0[i] + L1 * gn[i]));
    lmo_hand(2, g, s);
    for (size_t j = 0; j < NT; j++)
        x[j] += ti[j < 4 ? 0 : 1] * 0.8 * s[j];
    tap_int(st, LMC_SUCCESS, "%s: one step runs", T->name);
    tap_close(R.info.eta[0], ti[0], TOL_POLAR, 0, "%s: spectral block radius "
              "t_0 = %s", T->name, exact_radius
                  ? "g/(L0 + L1 g)"
                  : "(1-d) g/((1+d)^2 (L0 + L1 g)), g nuclear");
    tap_close(R.info.eta[1], ti[1], TOL_ELEM, 0, "%s: l_inf block radius "
              "t_1 with g = ||grad||_1", T->name);
    check_vec(R.x->data, x, NT, TOL_POLAR, exact_radius
                  ? "adaptive-exact: X_1 = X_0 + t_i S~_i (T7 radius, "
                    "adversarial delta 0.2)"
                  : "adaptive: X_1 = X_0 + t_i S~_i (T6 radius, declared "
                    "delta 0.2)");
    tap_close(R.info.delta[0], 0.2, 0, TOL_DELTA,
              "%s: realized delta recorded for checking", T->name);
    run_close(&R);
}

/* muon / muon-nesterov: three steps with exact gradients; the variant
 * with a schedule uses eta_t = 0.1 t^-1/2 and 1 - beta_t = min(1,
 * 0.5 t^-1/2). */
static void
test_muon(const lmc_method_type *T, int nesterov, int schedule)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = 0.1;
    p.momentum = 0.9;
    if (schedule)
    {
        p.step_rule = LMC_STEP_POLY;
        p.step_p = 0.5;
        p.momentum_poly = 1;
        p.momentum_c = 0.5;
        p.momentum_q = 0.5;
    }
    run R;
    int st = run_open(&R, T, &quad_type, "spectral", 0, &p);
    double x[6], g[6], m[6], u[6], s[6];
    memcpy(x, X0, sizeof x);
    for (int t = 1; t <= 3; t++)
    {
        st |= run_step(&R);
        const double eta = schedule ? 0.1 / sqrt(t) : 0.1;
        const double beta =
            schedule ? 1 - fmin(1, 0.5 / sqrt(t)) : 0.9;
        grad(6, x, g);
        for (size_t j = 0; j < 6; j++)
        {
            m[j] = t == 1 ? g[j] : beta * m[j] + (1 - beta) * g[j];
            u[j] = t == 1 ? g[j] : (1 - beta) * g[j] + beta * m[j];
        }
        lmo_hand(1, nesterov ? u : m, s);
        for (size_t j = 0; j < 6; j++)
            x[j] += eta * s[j];
        if (schedule)
            tap_close(R.info.eta[0], eta, 4 * DBL_EPSILON, 0,
                      "%s: eta_%d = eta_0 t^-1/2", T->name, t);
    }
    tap_int(st, LMC_SUCCESS, "%s%s: three steps run", T->name,
            schedule ? " (schedules)" : "");
    check_vec(R.x->data, x, 6, TOL_POLAR, nesterov
                  ? "muon-nesterov: X_3 with u_t = (1-beta) g_t + beta M_t, "
                    "M_1 = u_1 = g_1"
                  : schedule ? "muon: X_3 with eta_t = 0.1 t^-1/2, 1-beta_t "
                               "= min(1, 0.5 t^-1/2)"
                             : "muon: X_3 with M_1 = g_1, M_t = beta M_{t-1} "
                               "+ (1-beta) g_t, X -= eta polar(M)");
    check_vec(R.M->type->momentum(R.M->state)->data, nesterov ? u : m, 6,
              TOL_ELEM, nesterov ? "muon-nesterov: momentum() is u_3"
                                 : "muon: momentum() is M_3");
    run_close(&R);
}

static void
test_simplified_muon(void)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = 0.1;
    p.momentum = 0.9; /* not used: no momentum */
    run R;
    int st = run_open(&R, &lmc_method_simplified_muon, &quad_type,
                      "spectral", 0, &p);
    double x[6], g[6], s[6];
    memcpy(x, X0, sizeof x);
    for (int t = 1; t <= 2; t++)
    {
        st |= run_step(&R);
        grad(6, x, g);
        lmo_hand(1, g, s);
        for (size_t j = 0; j < 6; j++)
            x[j] += 0.1 * s[j];
    }
    tap_int(st, LMC_SUCCESS, "simplified-muon: two steps run");
    check_vec(R.x->data, x, 6, TOL_POLAR, "simplified-muon: X_2 = X_1 - eta "
              "polar(grad f(X_1)), momentum ignored");
    tap_ok(R.M->type->momentum == NULL, "simplified-muon: no momentum "
           "buffer");
    run_close(&R);
}

/* MVR on the stochastic problem, sigma 0.3, beta 0.9, gamma 0.5; the
 * sample ids come from the test seed. */
static unsigned long test_seed;

static void
test_mvr(const lmc_method_type *T, int two)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = 0.1;
    p.momentum = 0.9;
    p.gamma = 0.5;
    p.stochastic = 1;
    p.seed = test_seed;
    run R;
    int st = run_open(&R, T, &quad_type, "spectral", 0.3, &p);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double x[6], xp[6], g[6], gp[6], d[6], m[6], s[6];
    size_t ngrad[3];
    memcpy(x, X0, sizeof x);
    for (int t = 1; t <= 3; t++)
    {
        st |= run_step(&R);
        ngrad[t - 1] = R.info.ngrad;
        const unsigned long xi = lmc_sample_id(test_seed, (unsigned long)t);
        noise(r, 0.3, xi, 6, x, g);
        if (two && t > 1)
            noise(r, 0.3, xi, 6, xp, d); /* g_t(X_{t-1}) */
        else
            memcpy(d, gp, sizeof d); /* g_{t-1}(X_{t-1}) */
        for (size_t j = 0; j < 6; j++)
            m[j] = t == 1 ? g[j]
                          : 0.9 * m[j] + 0.1 * g[j] +
                                0.5 * 0.9 * (g[j] - d[j]);
        memcpy(gp, g, sizeof gp);
        memcpy(xp, x, sizeof xp);
        lmo_hand(1, m, s);
        for (size_t j = 0; j < 6; j++)
            x[j] += 0.1 * s[j];
    }
    tap_int(st, LMC_SUCCESS, "%s: three stochastic steps run", T->name);
    check_vec(R.x->data, x, 6, TOL_POLAR, two
                  ? "mvr2: X_3 with D_t = g_t(X_{t-1}) (same sample)"
                  : "mvr1: X_3 with D_t = g_{t-1}(X_{t-1}) (stored)");
    check_vec(R.M->type->momentum(R.M->state)->data, m, 6, TOL_ELEM,
              two ? "mvr2: momentum() is M_3" : "mvr1: momentum() is M_3");
    if (two)
        tap_ok(ngrad[0] == 1 && ngrad[1] == 2 && ngrad[2] == 2,
               "mvr2: gradients per step 1, 2, 2 (got %zu %zu %zu)",
               ngrad[0], ngrad[1], ngrad[2]);
    else
        tap_ok(ngrad[0] == 1 && ngrad[1] == 1 && ngrad[2] == 1,
               "mvr1: one gradient per step");
    gsl_rng_free(r);
    run_close(&R);
}

/* ---- Error paths. ---- */

/* lmc_method_alloc must refuse with code want and a message containing
 * key; lmc_method_check must agree when the refusal is its own. */
static void
refuse(const lmc_method_type *T, const lmc_problem_type *PT,
       const char *variant, const lmc_method_params *p, int want,
       int by_check, const char *key, const char *what)
{
    lmc_problem *P = problem(PT, variant, 0.1);
    const int st = P ? lmc_method_check(T, P, p) : LMC_ENOMEM;
    lmc_method *M = P ? lmc_method_alloc(T, P, p) : NULL;
    const char *msg = lmc_last_error();
    tap_ok(P && !M && (by_check ? st == want : st == LMC_SUCCESS) &&
               strstr(msg, key) != NULL,
           "%s refused (%s): %s", what, lmc_strerror(want), msg);
    lmc_method_free(M);
    lmc_problem_free(P);
}

static void
test_errors(void)
{
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    const lmc_method_params d = lmc_method_params_default();
    lmc_method_params p;

    p = d;
    p.lr = -0.1;
    refuse(&lmc_method_gd, &quad_type, "spectral", &p, LMC_EINVAL, 1,
           "step size", "negative step");
    p = d;
    p.momentum = 1.0;
    refuse(&lmc_method_muon, &quad_type, "spectral", &p, LMC_EINVAL, 1,
           "momentum", "momentum 1");
    p = d;
    p.momentum = -0.1;
    refuse(&lmc_method_sign, &quad_type, "spectral", &p, LMC_EINVAL, 1,
           "momentum", "momentum -0.1");
    p = d;
    p.momentum_poly = 1;
    p.momentum_c = 0;
    p.momentum_q = 0.5;
    refuse(&lmc_method_mvr1, &quad_type, "spectral", &p, LMC_EINVAL, 1,
           "c > 0", "momentum schedule with c = 0");
    p = d;
    p.oracle = &lmc_inexact_inject_random;
    p.oracle_params.delta = 1.0;
    refuse(&lmc_method_lmo, &quad_type, "spectral", &p, LMC_EINVAL, 1,
           "delta", "delta = 1");
    p = d;
    p.gamma = 1.5;
    refuse(&lmc_method_mvr2, &quad_type, "spectral", &p, LMC_EINVAL, 1,
           "gamma", "gamma 1.5");
    p = d;
    p.eps = 0;
    refuse(&lmc_method_adam, &quad_type, "spectral", &p, LMC_EINVAL, 1,
           "eps", "Adam eps 0");
    refuse(&lmc_method_adaptive, &quad_type, "bare", &d, LMC_EDOM, 1,
           "L0/L1", "adaptive on a problem without L0/L1");
    refuse(&lmc_method_adaptive_exact, &quad_type, "bare", &d, LMC_EDOM, 1,
           "L0/L1", "adaptive-exact on a problem without L0/L1");
    refuse(&lmc_method_adaptive, &quad_type, "zeroL", &d, LMC_EDOM, 0,
           "not both 0", "adaptive with L0 = L1 = 0 declared");
    p = d;
    p.stochastic = 1;
    refuse(&lmc_method_adaptive, &quad_type, "spectral", &p, LMC_EDOM, 0,
           "exact gradients", "adaptive with stochastic gradients");
    refuse(&lmc_method_muon, &quad_type, "linf", &d, LMC_EDOM, 1,
           "spectral", "muon on an l_inf block");
    refuse(&lmc_method_mvr1, &quad_type, "two", &d, LMC_EDOM, 1,
           "spectral", "mvr1 with one l_inf block of two");
    refuse(&lmc_method_simplified_muon, &quad_type, "linf", &d, LMC_EDOM, 1,
           "spectral", "simplified-muon on an l_inf block");
    p = d;
    p.oracle = &lmc_inexact_poly;
    refuse(&lmc_method_lmo, &quad_type, "two", &p, LMC_EDOM, 1,
           "spectral LMO only", "lmo with a Newton-Schulz oracle on l_inf");
    p = d;
    p.stochastic = 1;
    refuse(&lmc_method_mvr2, &quad_nosg_type, "spectral", &p, LMC_EDOM, 1,
           "stochastic gradient", "mvr2 stochastic without sgrad");
    refuse(&lmc_method_gd, &quad_nosg_type, "spectral", &p, LMC_EDOM, 1,
           "stochastic gradient", "gd stochastic without sgrad");

    /* Wrong length at set. */
    lmc_problem *P = problem(&quad_type, "spectral", 0);
    lmc_method *M = lmc_method_alloc(&lmc_method_gd, P, &d);
    gsl_vector *x = gsl_vector_alloc(5);
    tap_int(lmc_method_set(M, x), LMC_EBADLEN, "set with 5 entries for 6 "
            "refused: %s", lmc_last_error());
    gsl_vector_free(x);
    lmc_method_free(M);
    lmc_problem_free(P);
    lmc_set_error_handler(old);
}

/* ---- Stop reasons of lmc_run. ---- */

static void
stop_case(const lmc_method_type *T, const char *variant, double lr,
          double f_cap, double tol, size_t iters, lmc_stop want,
          const char *what)
{
    lmc_method_params p = lmc_method_params_default();
    p.lr = lr;
    lmc_problem *P = problem(&quad_type, variant, 0);
    lmc_method *M = lmc_method_alloc(T, P, &p);
    gsl_vector *x = gsl_vector_alloc(P->layout.total);
    lmc_trace *tr = lmc_trace_alloc(iters, P->layout.nblocks);
    lmc_run_params rp = lmc_run_params_default();
    rp.iters = iters;
    rp.f_cap = f_cap;
    rp.tol = tol;
    lmc_problem_x0(P, x);
    const int st = lmc_run(M, x, &rp, tr);
    tap_ok(st == LMC_SUCCESS && tr->stop == want, "%s: lmc_run returns "
           "success with stop '%s' (got '%s': %s, after %zu records)", what,
           lmc_stop_name(want), lmc_stop_name(tr->stop), tr->why, tr->n);
    lmc_trace_free(tr);
    gsl_vector_free(x);
    lmc_method_free(M);
    lmc_problem_free(P);
}

static void
test_stops(void)
{
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    /* Contraction factor 1 - eta h_j = -999 at h = 1: f overflows. */
    stop_case(&lmc_method_gd, "spectral", 1e3, INFINITY, 0, 1000,
              LMC_STOP_DIVERGED, "gd with eta 1e3, no cap");
    stop_case(&lmc_method_gd, "spectral", 1e3, 1e6, 0, 1000, LMC_STOP_CAP,
              "gd with eta 1e3, cap 1e6");
    /* The first iterate itself overflows: caught in lmc_method_iterate. */
    stop_case(&lmc_method_gd, "spectral", 1e308, INFINITY, 0, 10,
              LMC_STOP_DIVERGED, "gd with eta 1e308");
    stop_case(&lmc_method_gd, "spectral", 0.1, INFINITY, 1e-10, 10000,
              LMC_STOP_CONVERGED, "gd with eta 0.1, tol 1e-10");
    stop_case(&lmc_method_muon, "spectral", 0.01, INFINITY, 0, 20,
              LMC_STOP_BUDGET, "muon, 20 steps");
    stop_case(&lmc_method_gd, "fail", 0.5, INFINITY, 0, 10,
              LMC_STOP_ERROR, "gd leaving the problem's domain");
    lmc_set_error_handler(old);
}

/* ---- No allocation inside iterate. ---- */

static long n_alloc;

static void
test_noalloc(void)
{
    for (size_t k = 0; lmc_method_types[k]; k++)
    {
        const lmc_method_type *T = lmc_method_types[k];
        lmc_method_params p = lmc_method_params_default();
        p.momentum = 0.5;
        p.gamma = 0.5;
        /* Stochastic where allowed: MVR2's second sample is exercised. */
        p.stochastic = T != &lmc_method_adaptive &&
                       T != &lmc_method_adaptive_exact;
        if (T->uses_oracle)
        {
            p.oracle = &lmc_inexact_inject_random;
            p.oracle_params.delta = 0.1;
        }
        run R;
        int st = run_open(&R, T, &quad_type, "spectral", 0.1, &p);
        st |= run_step(&R) | run_step(&R); /* OpenBLAS warms up */
        alloc_count_start();
        for (int i = 0; i < 3; i++)
            st |= run_step(&R);
        n_alloc = alloc_count_stop();
        tap_ok(st == LMC_SUCCESS && n_alloc == 0, "%s: lmc_method_iterate "
               "allocates nothing, with delta measurement (%ld calls)",
               T->name, (long)n_alloc);
        run_close(&R);
    }
    alloc_count_start();
    void *volatile q = malloc(16);
    n_alloc = alloc_count_stop();
    free(q);
    tap_ok(n_alloc == 1, "negative control: an allocation in the window "
           "is counted (%ld)", (long)n_alloc);
}

int
main(void)
{
    test_seed = tap_begin(7);
    test_gd();
    test_ngd();
    test_sign();
    test_adam();
    test_lmo();
    test_adaptive(&lmc_method_adaptive, 0);
    test_adaptive(&lmc_method_adaptive_exact, 1);
    test_muon(&lmc_method_muon, 0, 0);
    test_muon(&lmc_method_muon, 0, 1);
    test_muon(&lmc_method_muon_nesterov, 1, 0);
    test_simplified_muon();
    test_mvr(&lmc_method_mvr1, 0);
    test_mvr(&lmc_method_mvr2, 1);
    tap_diag("largest kappa of a polar factor in the hand steps: %.3g",
             kappa_max);
    tap_ok(kappa_max <= 50, "hand-step polar factors have kappa <= 50, as "
           "TOL_POLAR assumes (%.3g)", kappa_max);
    test_errors();
    test_stops();
    /* valgrind and ASan own malloc; the interposition is off there. */
    if (!alloc_count_available())
    {
        int n = 1;
        for (size_t k = 0; lmc_method_types[k]; k++)
            n++;
        tap_skip(n, alloc_count_unavailable());
    }
    else
        test_noalloc();
    return tap_end();
}
