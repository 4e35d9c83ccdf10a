/* t-problems.c -- every registered problem, with its default parameters
 * and each variant and init: gradients, MPFR companions, stochastic
 * gradients and the declared constants (THEORY.md section 5).
 *
 * For each problem type in lmc_problem_types (new problems are picked up
 * without editing this file), each variant (or none) and each init:
 *   - x0 is finite;
 *   - grad f agrees with central differences of f along random
 *     directions, and with the MPFR companion's gradient; f agrees with
 *     the companion's f; the companion's f* equals the declared f*, and no
 *     generated point has MPFR f - f* < 0;
 *   - a stochastic gradient is deterministic in its sample id and
 *     unbiased (mean over many samples, projected on fixed directions,
 *     within 5 standard errors of the gradient), and that rule does see
 *     the bias of gradients taken at a shifted point;
 *   - the assumption check (assume.h) reports no violation of any
 *     declared constant on points generated here: x0, a random walk from
 *     it and the path of gradient descent with Armijo backtracking
 *     written here; and (default variant and init) along a short run of
 *     the method "lmo", fed to the check through its callback form;
 *   - negative controls, per variant on the points of all its inits: each
 *     declared constant halved (mu doubled, f* raised above a value of f)
 *     makes the same check report violations.
 * Error paths: unknown init and variant for every problem; for the
 * problems of this file's author (lsq, pl-sin, l0l1-sep) too-large sizes,
 * kappa < 1, negative sigma, and m = 0 meaning the default (problem.h's
 * contract); sgrad of a variant without one; the assumption check's own
 * argument errors.
 * Problem-specific: pl-sin's mu = 7/40 is certified on the interval where
 * the analytic bounds of problems/plq.c do not reach.
 */
#include "assume.h"
#include "method.h"
#include "problem.h"
#include "problem_mp.h"
#include "status.h"
#include "tap.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* MPFR precision of the references: 200 bits beyond double, so their
 * own rounding is invisible next to any tolerance below. */
#define PREC 256

/* Central differences along unit directions d (||d||_F = 1) with step
 * h = 2^-17 max(1, rms entry of x): truncation h^2/6 |f'''| ~ 3e-12 |f'''|,
 * rounding ~k eps |f| / h with k <= 1e3 terms ~ 3e-8 |f| (eps 2.2e-16,
 * h 7.6e-6).  Tolerance 1e-6 (1 + |<g,d>|) + 1e3 eps (|f+| + |f-|)/(2h)
 * covers both with a factor >= 10.  (A C^{1,1} kink of l0l1-sep inside
 * [-h, h] would add up to L_frob h / 2; with the fixed seeds none is
 * hit.) */
#define FD_STEP 0x1p-17
#define FD_RTOL 1e-6
#define FD_NDIRS 8

/* Double vs MPFR: every f and gradient here is a sum of <= 1e3 products
 * whose magnitudes are bounded by ~(1 + |f| + ||g||_F) for these unit-scale
 * problems, so the double value errs by <= 1e3 eps (1 + |f| + ||g||_F)
 * = 2.2e-13 (...); 1e-12 gives a factor 4.5. */
#define TOL_MP 1e-12

/* Declared f* vs the companion's closed form: equal for the exact data,
 * or (lsq residual) within ~1e-15 by construction (problems/lsq.c). */
#define TOL_FSTAR 1e-12

/* Unbiasedness: samples of sgrad and the standard-error multiple.  With
 * S = 4000 the mean of each projection is normal to ~1/sqrt(S); |mean| <=
 * 5 se fails by chance with probability 5.7e-7 per projection. */
#define UNBIAS_S 4000
#define UNBIAS_Z 5.0
#define UNBIAS_NDIRS 5

/* Point generation: a random walk of WALK_N steps of Frobenius length
 * WALK_STEP max(1, ||x0||_F), and GD_ITERS steps of gradient descent with
 * Armijo backtracking (sufficient decrease 1/2, step doubled after each
 * success, capped at 1/L_frob when L_frob is declared), recorded at steps
 * 1, 2, 4, ..., 256 and the last.  GD stops once f - f* < GD_GAP_STOP
 * (1 + |f*|): closer to the optimum, PL and descent-form values are
 * rounding, not information (assume.h). */
#define WALK_N 3
#define WALK_STEP 0.3
#define GD_ITERS 300
#define GD_GAP_STOP 1e-10
#define MAX_POINTS 64

/* pl-sin certification grid (see problems/plq.c): spacing 2^-13 on
 * [1/2, 10]; the cell bound needs G(d_k) > (|phi'(d_k)| + 8 h) 8.175 h. */
#define PLQ_GRID_H 0x1p-13

static unsigned long seed;
static gsl_rng *rng;

/* ---- small helpers ---------------------------------------------------- */

/* Splits a comma-separated list into names[] (each < 64 chars); returns
 * the count.  NULL or "" gives one empty name (the default). */
static size_t
split(const char *list, char names[][64], size_t max)
{
    size_t n = 0;
    if (!list || !*list)
    {
        names[0][0] = '\0';
        return 1;
    }
    const char *p = list;
    while (*p && n < max)
    {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 63)
            len = 63;
        memcpy(names[n], p, len);
        names[n][len] = '\0';
        n++;
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

static double
vnorm(const gsl_vector *v)
{
    return gsl_blas_dnrm2(v);
}

static void
gaussian_unit(gsl_vector *v)
{
    for (size_t k = 0; k < v->size; k++)
        v->data[k] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    gsl_vector_scale(v, 1.0 / vnorm(v));
}

static int
all_finite(const gsl_vector *v)
{
    for (size_t k = 0; k < v->size; k++)
        if (!isfinite(v->data[k]))
            return 0;
    return 1;
}

/* A label "problem[variant/init]" for test names. */
static char label[256];

static void
set_label(const lmc_problem_type *T, const char *variant, const char *init)
{
    snprintf(label, sizeof label, "%.63s[%.63s%s%.63s]", T->name,
             *variant ? variant : "", *variant ? "/" : "",
             *init ? init : "default-init");
}

/* ---- gradient checks --------------------------------------------------- */

/* Largest |FD - <g, d>| / tol over FD_NDIRS directions at x (<= 1 passes). */
static int
check_fd(lmc_problem *P, const gsl_vector *x, const char *where)
{
    const size_t n = P->layout.total;
    gsl_vector *g = gsl_vector_alloc(n), *d = gsl_vector_alloc(n);
    gsl_vector *y = gsl_vector_alloc(n);
    double f, worst = 0, worst_err = 0, worst_tol = 0;
    int status = lmc_problem_fdf(P, x, &f, g);
    const double h = FD_STEP * fmax(1.0, vnorm(x) / sqrt((double)n));
    for (int k = 0; status == LMC_SUCCESS && k < FD_NDIRS; k++)
    {
        double fp = NAN, fm = NAN, dd;
        gaussian_unit(d);
        gsl_blas_ddot(g, d, &dd);
        gsl_vector_memcpy(y, x);
        gsl_blas_daxpy(h, d, y);
        status = lmc_problem_fdf(P, y, &fp, NULL);
        gsl_vector_memcpy(y, x);
        gsl_blas_daxpy(-h, d, y);
        if (status == LMC_SUCCESS)
            status = lmc_problem_fdf(P, y, &fm, NULL);
        const double fd = (fp - fm) / (2 * h);
        const double tol = FD_RTOL * (1 + fabs(dd)) +
                           1e3 * DBL_EPSILON * (fabs(fp) + fabs(fm)) /
                               (2 * h);
        const double r = fabs(fd - dd) / tol;
        if (!(r <= worst))
        {
            worst = r;
            worst_err = fabs(fd - dd);
            worst_tol = tol;
        }
    }
    tap_ok(status == LMC_SUCCESS && worst <= 1, "%s: gradient = central "
           "differences along %d directions at %s", label, FD_NDIRS, where);
    if (!(worst <= 1))
        tap_diag("  worst |FD - <g,d>| = %.3g, tol %.3g", worst_err,
                 worst_tol);
    gsl_vector_free(g);
    gsl_vector_free(d);
    gsl_vector_free(y);
    return status;
}

/* f and grad f against the MPFR companion at x. */
static void
check_mp(lmc_problem *P, const lmc_problem_mp *C, const gsl_vector *x,
         const char *where)
{
    const size_t n = P->layout.total;
    gsl_vector *g = gsl_vector_alloc(n);
    lmc_mp_mat *gm = lmc_mp_mat_alloc(n, 1, PREC);
    mpfr_t fm, t;
    mpfr_inits2(PREC, fm, t, (mpfr_ptr)0);
    double f;
    int st = lmc_problem_fdf(P, x, &f, g);
    if (st == LMC_SUCCESS)
        st = C->fdf(P, x, PREC, fm, gm);
    if (st != LMC_SUCCESS)
    {
        tap_ok(0, "%s: MPFR companion evaluates at %s (%s)", label, where,
               lmc_last_error());
        goto done;
    }
    /* ||g - g_mp||_F and ||g_mp||_F, each accumulated in MPFR. */
    double err2 = 0, gn2 = 0;
    for (size_t k = 0; k < n; k++)
    {
        mpfr_sub_d(t, gm->data[k], g->data[k], MPFR_RNDN);
        const double e = mpfr_get_d(t, MPFR_RNDN);
        const double gv = mpfr_get_d(gm->data[k], MPFR_RNDN);
        err2 += e * e;
        gn2 += gv * gv;
    }
    const double fmd = mpfr_get_d(fm, MPFR_RNDN);
    const double scale = 1 + fabs(fmd) + sqrt(gn2);
    tap_close(f, fmd, 0, TOL_MP * scale, "%s: f = MPFR f at %s", label,
              where);
    tap_le(sqrt(err2), TOL_MP * scale, "%s: ||grad f - MPFR grad f||_F <= "
           "%.0e (1 + |f| + ||g||) at %s", label, TOL_MP, where);
done:
    mpfr_clears(fm, t, (mpfr_ptr)0);
    lmc_mp_mat_free(gm);
    gsl_vector_free(g);
}

/* ---- stochastic gradients ---------------------------------------------- */

/* Largest |mean of <g_s - grad f(x_at), u_j>| / se over the projections;
 * gradients sampled at xs, compared with grad f at x_at; the standard
 * errors go to se[] if non-NULL. */
static double
bias_score(lmc_problem *P, const gsl_vector *xs, const gsl_vector *x_at,
           gsl_vector *const *u, size_t nu, double *se)
{
    const size_t n = P->layout.total;
    gsl_vector *g = gsl_vector_alloc(n), *gs = gsl_vector_alloc(n);
    double f, worst = 0;
    double mean[UNBIAS_NDIRS] = {0}, m2[UNBIAS_NDIRS] = {0};
    lmc_problem_fdf(P, x_at, &f, g);
    for (size_t s = 0; s < UNBIAS_S; s++)
    {
        if (lmc_problem_sgrad(P, xs, lmc_sample_id(seed, s + 1), gs))
        {
            worst = NAN;
            break;
        }
        gsl_vector_sub(gs, g);
        for (size_t j = 0; j < nu; j++)
        {
            double v;
            gsl_blas_ddot(gs, u[j], &v);
            const double dlt = v - mean[j];
            mean[j] += dlt / (double)(s + 1);
            m2[j] += dlt * (v - mean[j]);
        }
    }
    for (size_t j = 0; j < nu && !isnan(worst); j++)
    {
        /* 1e-13 (1 + ||g||): a zero-variance projection still passes on
         * rounding. */
        const double sej = sqrt(m2[j] / (UNBIAS_S - 1) / UNBIAS_S) +
                           1e-13 * (1 + vnorm(g));
        if (se)
            se[j] = sej;
        const double r = fabs(mean[j]) / sej;
        if (r > worst)
            worst = r;
    }
    gsl_vector_free(g);
    gsl_vector_free(gs);
    return worst;
}

static void
check_sgrad(lmc_problem *P, const gsl_vector *x)
{
    const size_t n = P->layout.total;
    gsl_vector *g1 = gsl_vector_alloc(n), *g2 = gsl_vector_alloc(n);
    gsl_vector *g3 = gsl_vector_alloc(n), *xs = gsl_vector_alloc(n);
    gsl_vector *u[UNBIAS_NDIRS];
    int st = lmc_problem_sgrad(P, x, 12345, g1);
    int differ = 0;
    for (unsigned long id = 1; st == LMC_SUCCESS && id <= 8; id++)
    {
        st = lmc_problem_sgrad(P, x, id, g2);
        if (memcmp(g1->data, g2->data, n * sizeof(double)) != 0)
            differ = 1;
    }
    if (st == LMC_SUCCESS)
        st = lmc_problem_sgrad(P, x, 12345, g3);
    tap_ok(st == LMC_SUCCESS &&
               memcmp(g1->data, g3->data, n * sizeof(double)) == 0,
           "%s: sgrad is deterministic in the sample id (bitwise, after "
           "other ids)", label);
    tap_ok(differ, "%s: sgrad differs between sample ids", label);

    /* Projections: the gradient's direction and random unit directions. */
    double f;
    for (size_t j = 0; j < UNBIAS_NDIRS; j++)
    {
        u[j] = gsl_vector_alloc(n);
        gaussian_unit(u[j]);
    }
    lmc_problem_fdf(P, x, &f, g1);
    if (vnorm(g1) > 0)
    {
        gsl_vector_memcpy(u[0], g1);
        gsl_vector_scale(u[0], 1.0 / vnorm(g1));
    }
    const double score = bias_score(P, x, x, u, UNBIAS_NDIRS, NULL);
    tap_le(score, UNBIAS_Z, "%s: sgrad is unbiased: |mean projection| <= "
           "%.0f standard errors over %d samples", label, UNBIAS_Z,
           UNBIAS_S);
    /* Negative control: samples at xs = x + t u_1 are biased by
     * b = grad f(xs) - grad f(x).  t starts at ||x||_F + 1 and doubles
     * (at most 10 times) until b projects to >= 3 Z standard errors
     * (measured at xs) on some u_j; the rule (threshold Z) must then flag
     * the samples: a miss needs a -2 Z fluctuation, P < 1e-20.  (The
     * sample noise can grow with t, as for icl, so 3 Z is what is
     * reachable.) */
    double se[UNBIAS_NDIRS], ctl = 0, pred = 0;
    double t = vnorm(x) + 1;
    for (int it = 0; it < 10 && pred < 3 * UNBIAS_Z; it++, t *= 2)
    {
        gsl_vector_memcpy(xs, x);
        gsl_blas_daxpy(t, u[1], xs);
        ctl = bias_score(P, xs, x, u, UNBIAS_NDIRS, se);
        lmc_problem_fdf(P, xs, &f, g2);
        lmc_problem_fdf(P, x, &f, g3);
        gsl_vector_sub(g2, g3);
        pred = 0;
        for (size_t j = 0; j < UNBIAS_NDIRS; j++)
        {
            double b;
            gsl_blas_ddot(g2, u[j], &b);
            pred = fmax(pred, fabs(b) / se[j]);
        }
    }
    tap_ok(pred >= 3 * UNBIAS_Z && ctl > UNBIAS_Z, "%s: negative control: "
           "the unbiasedness rule flags samples taken at a shifted point "
           "(score %.1f, bias %.1f se)", label, ctl, pred);
    for (size_t j = 0; j < UNBIAS_NDIRS; j++)
        gsl_vector_free(u[j]);
    gsl_vector_free(g1);
    gsl_vector_free(g2);
    gsl_vector_free(g3);
    gsl_vector_free(xs);
}

/* ---- point generation -------------------------------------------------- */

typedef struct
{
    gsl_vector *x[MAX_POINTS];
    size_t n;
} point_set;

static void
add_point(point_set *ps, const gsl_vector *x)
{
    if (ps->n == MAX_POINTS)
        return;
    ps->x[ps->n] = gsl_vector_alloc(x->size);
    gsl_vector_memcpy(ps->x[ps->n++], x);
}

static void
free_points(point_set *ps)
{
    for (size_t k = 0; k < ps->n; k++)
        gsl_vector_free(ps->x[k]);
    ps->n = 0;
}

/* x0, a random walk from it, and the recorded GD path. */
static int
generate_points(lmc_problem *P, const gsl_vector *x0, point_set *ps)
{
    const size_t n = P->layout.total;
    gsl_vector *x = gsl_vector_alloc(n), *g = gsl_vector_alloc(n);
    gsl_vector *y = gsl_vector_alloc(n), *d = gsl_vector_alloc(n);
    int st = LMC_SUCCESS;
    add_point(ps, x0);
    gsl_vector_memcpy(x, x0);
    const double step = WALK_STEP * fmax(1.0, vnorm(x0));
    for (int k = 0; k < WALK_N; k++)
    {
        gaussian_unit(d);
        gsl_blas_daxpy(step, d, x);
        add_point(ps, x);
    }
    const int has_fs = (P->c.known & LMC_HAS_FSTAR) != 0;
    const double tmax = (P->c.known & LMC_HAS_LFROB) ? 1.0 / P->c.L_frob
                                                     : INFINITY;
    double t = isfinite(tmax) ? tmax : 1.0, f, fy;
    gsl_vector_memcpy(x, x0);
    st = lmc_problem_fdf(P, x, &f, g);
    for (int it = 1; st == LMC_SUCCESS && it <= GD_ITERS; it++)
    {
        if (has_fs && f - P->c.fstar < GD_GAP_STOP * (1 + fabs(P->c.fstar)))
            break;
        const double gn2 = vnorm(g) * vnorm(g);
        int ok = 0;
        for (int b = 0; b < 60 && st == LMC_SUCCESS; b++)
        {
            gsl_vector_memcpy(y, x);
            gsl_blas_daxpy(-t, g, y);
            st = lmc_problem_fdf(P, y, &fy, NULL);
            if (st == LMC_SUCCESS && fy <= f - 0.5 * t * gn2)
            {
                ok = 1;
                break;
            }
            t *= 0.5;
        }
        if (!ok)
            break;
        gsl_vector_memcpy(x, y);
        st = lmc_problem_fdf(P, x, &f, g);
        t = fmin(2 * t, tmax);
        if ((it & (it - 1)) == 0 || it == GD_ITERS)
            add_point(ps, x);
    }
    gsl_vector_free(x);
    gsl_vector_free(g);
    gsl_vector_free(y);
    gsl_vector_free(d);
    return st;
}

/* ---- assumption checks ------------------------------------------------- */

static void
diag_report(const lmc_assume_report *rep)
{
    for (int k = 0; k < LMC_ASSUME_NKINDS; k++)
    {
        const lmc_assume_result *r = &rep->r[k];
        if (!r->tested)
            continue;
        tap_diag("  %-6s declared %-11.6g tightest %-11.6g (estimate "
                 "%-9.4g ucl %-9.4g) worst %-9.4g checked %zu rounding %zu "
                 "violations %zu", lmc_assume_kind_name(k), r->declared,
                 r->tightest, r->estimate, r->ucl, r->worst, r->nchecked,
                 r->nrounding, r->nviolations);
    }
    if (rep->r[LMC_ASSUME_L0L1].tested)
        tap_diag("  L0/L1: smallest multiplier of L0 (L1 as declared) "
                 "%.4g, of L1 (L0 as declared) %.4g", rep->l0_mult,
                 rep->l1_mult);
}

static void
check_declared(lmc_assume *w, lmc_problem *P, const point_set *ps)
{
    lmc_assume_report rep;
    const int st = lmc_assume_check(w, &P->c, P->c.known,
                                    (const gsl_vector *const *)ps->x, ps->n,
                                    &rep);
    if (st != LMC_SUCCESS)
    {
        tap_ok(0, "%s: assumption check runs (%s)", label, lmc_last_error());
        return;
    }
    int any = 0;
    for (int k = 0; k < LMC_ASSUME_NKINDS; k++)
    {
        const lmc_assume_result *r = &rep.r[k];
        if (!r->tested)
            continue;
        any = 1;
        tap_ok(r->nviolations == 0 && r->nchecked > 0, "%s: declared %s "
               "holds on %zu points (%zu inequalities, %zu violations)",
               label, lmc_assume_kind_name(k), rep.npoints, r->nchecked,
               r->nviolations);
    }
    if (!any)
        tap_diag("%s declares no checkable constant", label);
    diag_report(&rep);
}

/* Stride through the points of the stochastic negative controls: each
 * sigma / Lbar estimate costs S to 5 S stochastic gradients, and a
 * constant at half its value is violated at every point (the rule's power
 * is per estimate), so a third of the points is plenty. */
#define STOCH_STRIDE 3

/* One negative control: constants c (modified) tested for kind k only. */
static void
negative(lmc_assume *w, const lmc_constants *c, lmc_assume_kind k,
         const point_set *ps, const char *what)
{
    lmc_assume_report rep;
    const gsl_vector *sub[MAX_POINTS];
    size_t n = 0;
    const size_t stride =
        (k == LMC_ASSUME_SIGMA || k == LMC_ASSUME_LBAR) ? STOCH_STRIDE : 1;
    for (size_t j = 0; j < ps->n; j += stride)
        sub[n++] = ps->x[j];
    const int st = lmc_assume_check(w, c, lmc_assume_kind_flag(k), sub, n,
                                    &rep);
    tap_ok(st == LMC_SUCCESS && rep.r[k].nviolations > 0, "%s: negative "
           "control: %s is reported violated (%zu of %zu)", label, what,
           rep.r[k].nviolations, rep.r[k].nchecked);
}

static void
negative_controls(lmc_assume *w, lmc_problem *P, const point_set *ps)
{
    const lmc_constants *c0 = &P->c;
    const unsigned known = c0->known;
    lmc_constants c;
    if (known & LMC_HAS_L)
    {
        c = *c0;
        c.L *= 0.5;
        negative(w, &c, LMC_ASSUME_L, ps, "L / 2");
    }
    if (known & LMC_HAS_LFROB)
    {
        c = *c0;
        c.L_frob *= 0.5;
        negative(w, &c, LMC_ASSUME_LFROB, ps, "L_frob / 2");
    }
    if (known & LMC_HAS_L0L1)
    {
        int l1pos = 0;
        c = *c0;
        for (size_t i = 0; i < P->layout.nblocks; i++)
        {
            c.L0[i] *= 0.5;
            l1pos |= c0->L1[i] > 0;
        }
        negative(w, &c, LMC_ASSUME_L0L1, ps, "every L0_i / 2");
        if (l1pos)
        {
            c = *c0;
            for (size_t i = 0; i < P->layout.nblocks; i++)
                c.L1[i] *= 0.5;
            negative(w, &c, LMC_ASSUME_L0L1, ps, "every L1_i / 2");
        }
        else
            tap_diag("%s: L1 = 0, halving it changes nothing: no control",
                     label);
    }
    if (known & LMC_HAS_MU)
    {
        c = *c0;
        c.mu *= 2;
        negative(w, &c, LMC_ASSUME_MU, ps, "mu * 2");
    }
    if (known & LMC_HAS_SIGMA)
    {
        c = *c0;
        c.sigma *= 0.5;
        negative(w, &c, LMC_ASSUME_SIGMA, ps, "sigma / 2");
    }
    if (known & LMC_HAS_LBAR)
    {
        c = *c0;
        c.Lbar *= 0.5;
        negative(w, &c, LMC_ASSUME_LBAR, ps, "Lbar / 2");
    }
    if (known & LMC_HAS_FSTAR)
    {
        double f;
        c = *c0;
        lmc_problem_fdf(P, ps->x[0], &f, NULL);
        c.fstar = f + 1e-6 * (1 + fabs(f));
        negative(w, &c, LMC_ASSUME_FSTAR, ps, "f* raised above f(x0)");
    }
}

/* ---- one problem ------------------------------------------------------- */

static void
check_variant(const lmc_problem_type *T, const char *variant)
{
    char inits[16][64];
    const size_t ninit = split(T->inits, inits, 16);
    const lmc_problem_mp *C = lmc_problem_mp_find(T);
    lmc_problem_params p = lmc_problem_params_default();
    p.seed = seed;
    p.variant = *variant ? variant : NULL;
    point_set all = {{0}, 0};
    lmc_problem *P0 = NULL;
    lmc_assume_params ap = lmc_assume_params_default();
    ap.seed = seed;
    for (size_t k = 0; k < ninit; k++)
    {
        set_label(T, variant, inits[k]);
        p.init = *inits[k] ? inits[k] : NULL;
        lmc_problem *P = lmc_problem_alloc(T, &p);
        if (!tap_ok(P != NULL, "%s: allocates with default parameters",
                    label))
        {
            tap_diag("  %s", lmc_last_error());
            continue;
        }
        const size_t n = P->layout.total;
        gsl_vector *x0 = gsl_vector_alloc(n), *x1 = gsl_vector_alloc(n);
        gsl_vector *d = gsl_vector_alloc(n);
        const int st = lmc_problem_x0(P, x0);
        tap_ok(st == LMC_SUCCESS && all_finite(x0), "%s: x0 is finite",
               label);
        /* A second point off the init (inits may be special, e.g. 0). */
        gaussian_unit(d);
        gsl_vector_memcpy(x1, x0);
        gsl_blas_daxpy(0.5 * fmax(1.0, vnorm(x0)), d, x1);
        check_fd(P, x0, "x0");
        check_fd(P, x1, "x0 + noise");
        if (C)
        {
            check_mp(P, C, x0, "x0");
            check_mp(P, C, x1, "x0 + noise");
        }
        if (P->c.known & LMC_HAS_STOCH)
            check_sgrad(P, x0);

        point_set ps = {{0}, 0};
        const int gs = generate_points(P, x0, &ps);
        tap_ok(gs == LMC_SUCCESS, "%s: %zu points generated (x0, walk, GD)",
               label, ps.n);
        if (C && C->fstar && (P->c.known & LMC_HAS_FSTAR))
        {
            mpfr_t fs, gap;
            mpfr_inits2(PREC, fs, gap, (mpfr_ptr)0);
            int ok = C->fstar(P, PREC, fs) == LMC_SUCCESS;
            if (ok)
                tap_close(mpfr_get_d(fs, MPFR_RNDN), P->c.fstar, 0,
                          TOL_FSTAR * (1 + fabs(P->c.fstar)),
                          "%s: MPFR f* = declared f*", label);
            else
                tap_ok(0, "%s: MPFR f* evaluates (%s)", label,
                       lmc_last_error());
            int nonneg = ok;
            for (size_t j = 0; ok && j < ps.n; j++)
                if (lmc_problem_mp_gap(P, ps.x[j], PREC, gap) != LMC_SUCCESS
                    || mpfr_sgn(gap) < 0)
                    nonneg = 0;
            tap_ok(nonneg, "%s: MPFR f - f* >= 0 at all %zu points", label,
                   ps.n);
            mpfr_clears(fs, gap, (mpfr_ptr)0);
        }
        lmc_assume *wk = lmc_assume_alloc(P, &ap);
        if (tap_ok(wk != NULL, "%s: assumption-check workspace allocates",
                   label))
            check_declared(wk, P, &ps);
        lmc_assume_free(wk);
        for (size_t j = 0; j < ps.n; j++)
            add_point(&all, ps.x[j]);
        free_points(&ps);
        gsl_vector_free(x0);
        gsl_vector_free(x1);
        gsl_vector_free(d);
        /* The negative controls run on the first instance: the inits of a
         * variant share the function and constants, only x0 differs. */
        if (!P0)
            P0 = P;
        else
            lmc_problem_free(P);
    }
    lmc_assume *w = P0 ? lmc_assume_alloc(P0, &ap) : NULL;
    if (w)
    {
        set_label(T, variant, "all-inits");
        negative_controls(w, P0, &all);
    }
    lmc_assume_free(w);
    lmc_problem_free(P0);
    free_points(&all);
}

/* Unknown names are refused for every problem, with the name in the
 * message. */
static void
check_bad_names(const lmc_problem_type *T)
{
    lmc_problem_params p = lmc_problem_params_default();
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    p.init = "no-such-init";
    lmc_problem *P = lmc_problem_alloc(T, &p);
    tap_ok(!P && strstr(lmc_last_error(), "init") &&
               strstr(lmc_last_error(), "no-such-init"),
           "%s: unknown init is refused naming it (\"%s\")", T->name,
           lmc_last_error());
    lmc_problem_free(P);
    p.init = NULL;
    p.variant = "no-such-variant";
    P = lmc_problem_alloc(T, &p);
    tap_ok(!P && strstr(lmc_last_error(), "variant"),
           "%s: unknown variant is refused (\"%s\")", T->name,
           lmc_last_error());
    lmc_problem_free(P);
    lmc_set_error_handler(old);
}

/* Parameter errors of lsq, pl-sin and l0l1-sep. */
static void
expect_refused(const char *name, lmc_problem_params p, const char *param,
               const char *why)
{
    const lmc_problem_type *T = lmc_problem_find(name);
    if (!T)
    {
        tap_ok(0, "problem '%s' is registered", name);
        return;
    }
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    lmc_problem *P = lmc_problem_alloc(T, &p);
    tap_ok(!P && strstr(lmc_last_error(), param), "%s: %s is refused naming "
           "'%s' (\"%s\")", name, why, param, lmc_last_error());
    lmc_problem_free(P);
    lmc_set_error_handler(old);
}

static void
check_param_errors(void)
{
    lmc_problem_params p = lmc_problem_params_default();
    const char *mine[] = {"lsq", "pl-sin", "l0l1-sep"};
    for (int k = 0; k < 3; k++)
    {
        p = lmc_problem_params_default();
        p.m = 1000000;
        expect_refused(mine[k], p, "m and n", "m = 1e6");
        p = lmc_problem_params_default();
        p.n = (size_t)-1;
        expect_refused(mine[k], p, "m and n", "n = SIZE_MAX");
    }
    p = lmc_problem_params_default();
    p.kappa = 0.5;
    expect_refused("lsq", p, "kappa", "kappa = 0.5 < 1");
    p.kappa = NAN;
    expect_refused("lsq", p, "kappa", "kappa = NaN");
    p.kappa = 1e9;
    expect_refused("lsq", p, "kappa", "kappa = 1e9");
    p = lmc_problem_params_default();
    p.sigma = -1;
    expect_refused("lsq", p, "sigma", "sigma = -1");

    /* m = 0 is the default (problem.h: 0 means the problem's default). */
    p = lmc_problem_params_default();
    lmc_problem *P = lmc_problem_alloc(lmc_problem_find("lsq"), &p);
    tap_ok(P && P->layout.size1[0] == 16 && P->layout.size2[0] == 16,
           "lsq: m = n = 0 select the default 16 x 16");
    /* sgrad of the exact variant. */
    if (P)
    {
        gsl_vector *x = gsl_vector_calloc(P->layout.total);
        gsl_vector *g = gsl_vector_alloc(P->layout.total);
        lmc_error_handler *old =
            lmc_set_error_handler(lmc_error_handler_quiet);
        tap_int(lmc_problem_sgrad(P, x, 1, g), LMC_EDOM,
                "lsq[exact]: sgrad is refused (exact gradients only)");
        lmc_set_error_handler(old);
        gsl_vector_free(x);
        gsl_vector_free(g);
    }
    lmc_problem_free(P);
}

/* The assumption check's own errors. */
static void
check_assume_errors(void)
{
    lmc_problem_params p = lmc_problem_params_default();
    lmc_problem *P = lmc_problem_alloc(lmc_problem_find("pl-sin"), &p);
    if (!P)
    {
        tap_ok(0, "pl-sin allocates");
        return;
    }
    lmc_error_handler *old = lmc_set_error_handler(lmc_error_handler_quiet);
    lmc_assume_params ap = lmc_assume_params_default();
    ap.nsamples = 1;
    lmc_assume *w = lmc_assume_alloc(P, &ap);
    tap_ok(!w && strstr(lmc_last_error(), "nsamples"),
           "assume: nsamples = 1 is refused (\"%s\")", lmc_last_error());
    lmc_assume_free(w);
    ap = lmc_assume_params_default();
    ap.scales[2] = -1;
    w = lmc_assume_alloc(P, &ap);
    tap_ok(!w && strstr(lmc_last_error(), "scale"),
           "assume: a negative scale is refused");
    lmc_assume_free(w);
    ap = lmc_assume_params_default();
    ap.nscales = 0;
    w = lmc_assume_alloc(P, &ap);
    tap_ok(!w, "assume: no scales is refused");
    lmc_assume_free(w);

    w = lmc_assume_alloc(P, &(lmc_assume_params){0});
    tap_ok(!w, "assume: zeroed parameters are refused");
    lmc_assume_free(w);

    ap = lmc_assume_params_default();
    w = lmc_assume_alloc(P, &ap);
    lmc_constants c = P->c;
    c.known |= LMC_HAS_SIGMA;
    c.sigma = 1;
    tap_int(lmc_assume_begin(w, &c, c.known), LMC_EDOM,
            "assume: sigma on a problem without sgrad is refused");
    c = P->c;
    c.known &= ~(unsigned)LMC_HAS_FSTAR;
    tap_int(lmc_assume_begin(w, &c, c.known), LMC_EDOM,
            "assume: mu without f* is refused");
    gsl_vector *x = gsl_vector_calloc(P->layout.total + 1);
    lmc_assume_begin(w, &P->c, P->c.known);
    tap_int(lmc_assume_point(w, x), LMC_EBADLEN,
            "assume: a point of the wrong length is refused");
    gsl_vector_free(x);
    lmc_assume_free(w);
    lmc_set_error_handler(old);
    lmc_problem_free(P);
}

/* A source of points for lmc_assume_check_fn: the first npts steps of a
 * walk, as a method run would produce them. */
typedef struct
{
    const gsl_vector *x0;
    int k, npts;
} walk_ctx;

static int
walk_next(void *vctx, gsl_vector *x, int *done)
{
    walk_ctx *c = vctx;
    if (c->k == c->npts)
    {
        *done = 1;
        return LMC_SUCCESS;
    }
    gsl_vector_memcpy(x, c->x0);
    gsl_vector_scale(x, 1.0 / (1 + c->k++));
    return LMC_SUCCESS;
}

static void
check_callback(void)
{
    lmc_problem_params p = lmc_problem_params_default();
    p.seed = seed;
    lmc_problem *P = lmc_problem_alloc(lmc_problem_find("lsq"), &p);
    if (!P)
    {
        tap_ok(0, "lsq allocates");
        return;
    }
    lmc_assume_params ap = lmc_assume_params_default();
    lmc_assume *w = lmc_assume_alloc(P, &ap);
    gsl_vector *x0 = gsl_vector_alloc(P->layout.total);
    gsl_vector *x = gsl_vector_alloc(P->layout.total);
    lmc_problem_x0(P, x0);
    walk_ctx ctx = {x0, 0, 3};
    lmc_assume_report rep;
    const int st = lmc_assume_check_fn(w, &P->c, P->c.known, walk_next, &ctx,
                                       x, &rep);
    tap_ok(st == LMC_SUCCESS && rep.npoints == 3 &&
               rep.r[LMC_ASSUME_L].nviolations == 0,
           "assume: the callback form checks the %zu points it is given",
           rep.npoints);
    /* Same inputs, same report (the streams are reset by begin). */
    lmc_assume_report rep2;
    ctx.k = 0;
    lmc_assume_check_fn(w, &P->c, P->c.known, walk_next, &ctx, x, &rep2);
    tap_ok(rep.r[LMC_ASSUME_L].tightest == rep2.r[LMC_ASSUME_L].tightest &&
               rep.r[LMC_ASSUME_MU].tightest ==
                   rep2.r[LMC_ASSUME_MU].tightest,
           "assume: equal inputs give equal reports");
    gsl_vector_free(x0);
    gsl_vector_free(x);
    lmc_assume_free(w);
    lmc_problem_free(P);
}

/* A method run as a point source: `every` steps of M per point. */
typedef struct
{
    lmc_method *M;
    gsl_vector *x;
    int k, every, iters;
} run_ctx;

static int
run_next(void *vctx, gsl_vector *x, int *done)
{
    run_ctx *c = vctx;
    if (c->k >= c->iters)
    {
        *done = 1;
        return LMC_SUCCESS;
    }
    lmc_step_info info;
    for (int j = 0; j < c->every && c->k < c->iters; j++, c->k++)
        LMC_TRY(lmc_method_iterate(c->M, c->x, &info));
    gsl_vector_memcpy(x, c->x);
    return LMC_SUCCESS;
}

/* Run length and checking stride of the method runs: 4 points. */
#define RUN_ITERS 40
#define RUN_EVERY 10

/* Every problem (default variant and init): the declared constants hold
 * along a short run of the exact-LMO method "lmo" (radius 0.02 max(1,
 * ||x0||_F), no momentum), checked through the callback form. */
static void
check_method_run(const lmc_problem_type *T)
{
    const lmc_method_type *MT = lmc_method_find("lmo");
    lmc_problem_params p = lmc_problem_params_default();
    p.seed = seed;
    lmc_problem *P = lmc_problem_alloc(T, &p);
    if (!MT || !P)
    {
        tap_ok(0, "%s: problem and method 'lmo' available", T->name);
        lmc_problem_free(P);
        return;
    }
    const size_t n = P->layout.total;
    gsl_vector *x = gsl_vector_alloc(n), *buf = gsl_vector_alloc(n);
    lmc_problem_x0(P, x);
    lmc_method_params mp = lmc_method_params_default();
    mp.lr = 0.02 * fmax(1.0, vnorm(x));
    lmc_method *M = lmc_method_alloc(MT, P, &mp);
    lmc_assume_params ap = lmc_assume_params_default();
    ap.seed = seed;
    lmc_assume *w = lmc_assume_alloc(P, &ap);
    int st = M && w ? lmc_method_set(M, x) : LMC_ENOMEM;
    run_ctx ctx = {M, x, 0, RUN_EVERY, RUN_ITERS};
    lmc_assume_report rep;
    if (st == LMC_SUCCESS)
        st = lmc_assume_check_fn(w, &P->c, P->c.known, run_next, &ctx, buf,
                                 &rep);
    size_t viol = 0, checked = 0;
    for (int k = 0; st == LMC_SUCCESS && k < LMC_ASSUME_NKINDS; k++)
    {
        viol += rep.r[k].nviolations;
        checked += rep.r[k].nchecked;
    }
    tap_ok(st == LMC_SUCCESS && viol == 0 && rep.npoints == 4,
           "%s: declared constants hold along %d steps of method 'lmo' "
           "(%zu points, %zu inequalities, %zu violations)", T->name,
           RUN_ITERS, st == LMC_SUCCESS ? rep.npoints : 0, checked, viol);
    lmc_assume_free(w);
    lmc_method_free(M);
    gsl_vector_free(x);
    gsl_vector_free(buf);
    lmc_problem_free(P);
}

/* pl-sin: G(d) = phi'(d)^2/2 - (7/40) phi(d) > 0 on [1/2, 10], certified
 * on a grid with the cell bound of problems/plq.c, evaluated in MPFR. */
static void
certify_plq_mu(void)
{
    mpfr_t d, s, ph, dph, t, G;
    mpfr_inits2(128, d, s, ph, dph, t, G, (mpfr_ptr)0);
    const double h = PLQ_GRID_H;
    double worst = INFINITY, worst_d = 0, minratio = INFINITY;
    int ok = 1;
    for (long k = 0;; k++)
    {
        const double dk = 0.5 + (double)k * h; /* exact: h = 2^-13 */
        if (dk > 10)
            break;
        mpfr_set_d(d, dk, MPFR_RNDN); /* exact */
        mpfr_sin(s, d, MPFR_RNDN);
        mpfr_sqr(s, s, MPFR_RNDN);
        mpfr_mul_ui(s, s, 3, MPFR_RNDN);
        mpfr_sqr(ph, d, MPFR_RNDN);
        mpfr_add(ph, ph, s, MPFR_RNDN); /* phi */
        mpfr_mul_2ui(t, d, 1, MPFR_RNDN);
        mpfr_sin(dph, t, MPFR_RNDN);
        mpfr_mul_ui(dph, dph, 3, MPFR_RNDN);
        mpfr_add(dph, dph, t, MPFR_RNDN); /* phi' */
        mpfr_sqr(G, dph, MPFR_RNDN);
        mpfr_div_2ui(G, G, 1, MPFR_RNDN);
        mpfr_mul_ui(t, ph, 7, MPFR_RNDN);
        mpfr_div_ui(t, t, 40, MPFR_RNDN);
        mpfr_sub(G, G, t, MPFR_RNDN);
        /* Cell bound: on [d_k, d_k + h], |G'| <= (|phi'(d_k)| + 8 h)
         * (8 + 7/40).  The 128-bit values err by ~1e-36, negligible. */
        const double dp = fabs(mpfr_get_d(dph, MPFR_RNDN));
        const double margin = mpfr_get_d(G, MPFR_RNDN) -
                              (dp + 8 * h) * (8 + 7.0 / 40) * h;
        if (!(margin > 0))
            ok = 0;
        if (margin < worst)
        {
            worst = margin;
            worst_d = dk;
        }
        const double ratio = 0.5 * dp * dp / mpfr_get_d(ph, MPFR_RNDN);
        if (ratio < minratio)
            minratio = ratio;
    }
    tap_ok(ok, "pl-sin: phi'^2/2 >= (7/40) phi certified on [1/2, 10] "
           "(grid 2^-13, smallest cell margin %.3g at d = %.4f)", worst,
           worst_d);
    tap_ok(minratio > 7.0 / 40 && minratio < 0.1756, "pl-sin: the scalar PL "
           "ratio's minimum on the grid is %.6f, just above mu = 0.175",
           minratio);
    mpfr_clears(d, s, ph, dph, t, G, (mpfr_ptr)0);
}

int
main(void)
{
    seed = tap_begin(20261124);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    size_t nprob = 0;
    for (size_t i = 0; lmc_problem_types[i]; i++)
    {
        const lmc_problem_type *T = lmc_problem_types[i];
        nprob++;
        char variants[16][64];
        const size_t nv = split(T->variants, variants, 16);
        for (size_t v = 0; v < nv; v++)
            check_variant(T, variants[v]);
        check_bad_names(T);
        check_method_run(T);
    }
    tap_ok(nprob >= 3, "%zu problems registered", nprob);
    check_param_errors();
    check_assume_errors();
    check_callback();
    certify_plq_mu();
    gsl_rng_free(rng);
    return tap_end();
}
