/* assume.c -- empirical checks of declared constants (THEORY.md section 5).
 *
 * The inequalities, how pairs are generated and the statistical rule are
 * in assume.h.  Tolerances (all relative to LMC_ASSUME_RTOL = rtol):
 *   L       tol = rtol (sum_i sqrt(size1 size2) (||gX_i||_F + ||gY_i||_F)
 *                 + L ||D||): the rounding of each gradient is ~rtol
 *                 ||g||_F, and no dual norm here exceeds sqrt(size1 size2)
 *                 times the Frobenius norm (nuclear <= sqrt(rank), l_1 <=
 *                 sqrt(m n), row-l_2 sum <= sqrt(m));
 *   L_frob  tol = rtol (||gX||_F + ||gY||_F + L_frob ||D||_F);
 *   L0/L1   tol = rtol (|f(X)| + |f(Y)| + |<gX, D>| + ||gX||_F ||D||_F
 *                 + rhs): f(Y) - f(X) - <gX, D> cancels terms of that size;
 *   mu      tol = mu rtol (|f| + |f*|) + rtol rhs: f - f* cancels;
 *   f*      tol = rtol (|f| + |f*|);
 *   sigma, Lbar  the lower confidence limit is compared with
 *                 (1 + rtol) sigma^2 (Lbar^2).
 * A sample is rounding-limited when its tol exceeds 1% of the measured
 * quantity (f - f* <= 100 rtol (|f| + |f*|) for mu): it still counts for
 * violations, not for the tightest constant.
 */
#include "assume.h"
#include "linalg.h"
#include "oracle.h"
#include "status.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A sample's tolerance above this fraction of the quantity makes it
 * rounding-limited (the tightest value is then known to < 1%). */
#define ROUNDING_FRACTION 1e-2

/* Lbar pairs below this relative radius are skipped: each costs ~5 S
 * stochastic gradients, and below it ||g(X;xi) - g(Y;xi)|| carries
 * relative rounding ~eps ||g|| / (Lbar h) ~ 1e-14 / Lbar for nothing
 * the larger radii do not see. */
#define LBAR_MIN_SCALE 1e-2

/* Central-difference radius (relative to max(1, ||X||_F)) of the
 * Hessian-vector products in the PL descent: only a search direction, so
 * an O(e^2) error is harmless; 1e-4 keeps rounding (~eps/e) at 1e-12. */
#define PL_FD_SCALE 1e-4

/* Initial step (relative) and trial cap of the PL descent's backtracking:
 * steps shrink by 4 per failed trial, 6 trials span a factor 4096. */
#define PL_STEP0 0.1
#define PL_TRIALS 6

/* Stream tag: the check's ids are lmc_sample_id(lmc_sample_id(seed, tag),
 * counter), a sequence of distinct 32-bit ids (counter < 2^32) unrelated
 * to the ids lmc_sample_id(seed, t) of a run with the same seed (an
 * occasional coincidence between the two is harmless). */
#define ASSUME_ID_TAG 0x617373756d65UL /* "assume" */

struct lmc_assume
{
    lmc_problem *P;
    lmc_assume_params p;
    lmc_constants c;
    unsigned active;     /* LMC_HAS_* bits under test */
    lmc_oracle *o[LMC_MAX_BLOCKS];
    gsl_rng *rng;
    unsigned long id_base, counter;
    size_t ipoint;
    lmc_assume_report rep;
    /* sigma, Lbar: largest lower limit, mean and upper limit (squared) */
    double est[2][3];
    int l0_seen, l1_seen;
    /* The current point X and its values. */
    gsl_vector *x, *gx;
    double fx;
    double gxd[LMC_MAX_BLOCKS]; /* g_i(X), dual block norms */
    gsl_vector *sx;             /* LMO(grad f(X)) blockwise */
    /* Pairs: Y = X + D. */
    gsl_vector *y, *gy, *d, *dg, *tmp;
    double dn[LMC_MAX_BLOCKS];  /* ||D_i||, primal block norms */
    /* PL descent. */
    gsl_vector *ax, *ag, *ay, *agy, *ah;
    /* Stochastic gradients. */
    gsl_vector *g0, *g1, *g2, *acc;
};

static const char *const kind_names[LMC_ASSUME_NKINDS] = {
    "L", "L_frob", "L0/L1", "mu", "sigma", "Lbar", "f*"};

static const unsigned kind_flags[LMC_ASSUME_NKINDS] = {
    LMC_HAS_L, LMC_HAS_LFROB, LMC_HAS_L0L1, LMC_HAS_MU, LMC_HAS_SIGMA,
    LMC_HAS_LBAR, LMC_HAS_FSTAR};

const char *
lmc_assume_kind_name(lmc_assume_kind k)
{
    return (unsigned)k < LMC_ASSUME_NKINDS ? kind_names[k] : "?";
}

unsigned
lmc_assume_kind_flag(lmc_assume_kind k)
{
    return (unsigned)k < LMC_ASSUME_NKINDS ? kind_flags[k] : 0u;
}

lmc_assume_params
lmc_assume_params_default(void)
{
    lmc_assume_params p;
    memset(&p, 0, sizeof p);
    static const double s[] = {1e-4, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0};
    p.seed = 1;
    p.nscales = sizeof s / sizeof s[0];
    memcpy(p.scales, s, sizeof s);
    p.ndirs = 1;
    p.nascent = 3;
    /* 128 samples, doubled up to 4 times (2048) while undecided: row
     * sampling (lsq "sampled") has per-sample sd/mean ~2.4, so at 2048
     * samples 5 standard errors are 0.27 of the mean and an Lbar declared
     * at half its value (a quarter of the mean) is caught; a tight
     * declared value stays undecided, which costs the 2048. */
    p.nsamples = 128;
    p.max_doublings = 4;
    p.z = 5.0; /* one-sided Phi(-5) = 2.9e-7 false alarms per estimate */
    p.rtol = LMC_ASSUME_RTOL;
    p.pl_steps = 8;
    return p;
}

void
lmc_assume_free(lmc_assume *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < LMC_MAX_BLOCKS; i++)
        lmc_oracle_free(w->o[i]);
    if (w->rng)
        gsl_rng_free(w->rng);
    gsl_vector *v[] = {w->x,   w->gx, w->sx, w->y,  w->gy,
                       w->d,   w->dg, w->tmp, w->ax, w->ag,
                       w->ay,  w->agy, w->ah, w->g0, w->g1,
                       w->g2,  w->acc};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        if (v[k])
            gsl_vector_free(v[k]);
    free(w);
}

lmc_assume *
lmc_assume_alloc(lmc_problem *P, const lmc_assume_params *p)
{
    if (p->nscales == 0 || p->nscales > LMC_ASSUME_MAX_SCALES)
        LMC_ERROR_NULL(LMC_EINVAL, "assumption check: nscales must be in "
                       "1..%d, got %zu", LMC_ASSUME_MAX_SCALES, p->nscales);
    for (size_t k = 0; k < p->nscales; k++)
        if (!(p->scales[k] > 0) || !isfinite(p->scales[k]))
            LMC_ERROR_NULL(LMC_EINVAL, "assumption check: scale %zu must be "
                           "finite and > 0, got %g", k, p->scales[k]);
    if (p->ndirs == 0)
        LMC_ERROR_NULL(LMC_EINVAL, "assumption check: ndirs must be >= 1");
    if (p->nsamples < 2)
        LMC_ERROR_NULL(LMC_EINVAL, "assumption check: nsamples must be >= 2 "
                       "(a standard deviation is needed), got %zu",
                       p->nsamples);
    if (p->max_doublings > 20)
        LMC_ERROR_NULL(LMC_EINVAL, "assumption check: max_doublings must be "
                       "<= 20 (2^20 S samples), got %zu", p->max_doublings);
    if (!(p->z >= 0) || !isfinite(p->z))
        LMC_ERROR_NULL(LMC_EINVAL, "assumption check: z must be finite and "
                       ">= 0, got %g", p->z);
    if (!(p->rtol >= 0) || !isfinite(p->rtol))
        LMC_ERROR_NULL(LMC_EINVAL, "assumption check: rtol must be finite "
                       "and >= 0, got %g", p->rtol);
    lmc_assume *w = calloc(1, sizeof *w);
    if (!w)
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for an assumption check");
    w->P = P;
    w->p = *p;
    const size_t n = P->layout.total;
    for (size_t i = 0; i < P->layout.nblocks; i++)
        if (!(w->o[i] = lmc_oracle_alloc(P->layout.norm[i],
                                         P->layout.size1[i],
                                         P->layout.size2[i])))
            goto fail;
    w->rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_vector **v[] = {&w->x,   &w->gx, &w->sx, &w->y,  &w->gy,
                        &w->d,   &w->dg, &w->tmp, &w->ax, &w->ag,
                        &w->ay,  &w->agy, &w->ah, &w->g0, &w->g1,
                        &w->g2,  &w->acc};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        if (!(*v[k] = gsl_vector_alloc(n)))
            goto fail;
    if (!w->rng)
        goto fail;
    return w;
fail:
    lmc_assume_free(w);
    LMC_ERROR_NULL(LMC_ENOMEM, "no memory for an assumption check of "
                   "problem '%s'", P->type->name);
}

/* ---- small helpers ---------------------------------------------------- */

static double
frob(const gsl_vector *v)
{
    return gsl_blas_dnrm2(v);
}

static double
block_frob(lmc_assume *w, gsl_vector *v, size_t i)
{
    gsl_matrix_view b = lmc_block(&w->P->layout, v, i);
    return lmc_frobenius(&b.matrix);
}

/* Primal block norms of v into dn (if non-NULL), their max into *out. */
static int
prod_norm(lmc_assume *w, gsl_vector *v, double *dn, double *out)
{
    double mx = 0;
    for (size_t i = 0; i < w->P->layout.nblocks; i++)
    {
        gsl_matrix_view b = lmc_block(&w->P->layout, v, i);
        double val;
        LMC_TRY(lmc_oracle_norm(w->o[i], &b.matrix, &val));
        if (dn)
            dn[i] = val;
        mx = fmax(mx, val);
    }
    *out = mx;
    return LMC_SUCCESS;
}

static unsigned long
next_id(lmc_assume *w)
{
    return lmc_sample_id(w->id_base, ++w->counter);
}

/* One inequality lhs <= rhs (+ tol); ratio lhs/rhs for the worst case. */
static void
record(lmc_assume *w, lmc_assume_kind k, double lhs, double rhs, double tol,
       int rounding, double h)
{
    lmc_assume_result *r = &w->rep.r[k];
    r->nchecked++;
    if (rounding)
        r->nrounding++;
    if (!(lhs <= rhs + tol))
        r->nviolations++;
    double ratio;
    if (isnan(lhs) || isnan(rhs))
        ratio = NAN;
    else if (rhs > 0)
        ratio = lhs / rhs;
    else
        ratio = lhs > tol ? INFINITY : 0.0;
    if (isnan(ratio) || ratio > r->worst)
    {
        if (!isnan(r->worst))
        {
            r->worst = ratio;
            r->worst_point = w->ipoint;
            r->worst_scale = h;
        }
    }
}

static void
tight_max(lmc_assume *w, lmc_assume_kind k, double v)
{
    if (v > w->rep.r[k].tightest)
        w->rep.r[k].tightest = v;
}

/* mu and f* at a point with value f and gradient g (h: its radius). */
static void
point_checks(lmc_assume *w, double f, const gsl_vector *g, double h)
{
    const double fs = w->c.fstar, rtol = w->p.rtol;
    const double fround = rtol * (fabs(f) + fabs(fs));
    if (w->active & LMC_HAS_FSTAR)
    {
        lmc_assume_result *r = &w->rep.r[LMC_ASSUME_FSTAR];
        r->nchecked++;
        if (!(fs <= f + fround))
            r->nviolations++;
        const double excess = fs - f;
        if (isnan(excess) || excess > r->worst)
            if (!isnan(r->worst))
            {
                r->worst = excess;
                r->worst_point = w->ipoint;
                r->worst_scale = h;
            }
        if (f < r->tightest)
            r->tightest = f;
    }
    if (w->active & LMC_HAS_MU)
    {
        const double gap = f - fs, gn = frob(g);
        const double rhs = 0.5 * gn * gn, lhs = w->c.mu * gap;
        const double tol = w->c.mu * fround + rtol * rhs;
        const int rounding = !(gap > fround / ROUNDING_FRACTION);
        record(w, LMC_ASSUME_MU, lhs, rhs, tol, rounding, h);
        if (!rounding && rhs / gap < w->rep.r[LMC_ASSUME_MU].tightest)
            w->rep.r[LMC_ASSUME_MU].tightest = rhs / gap;
    }
}

/* ---- deterministic pairs ----------------------------------------------- */

/* Evaluates every deterministic inequality on (X, Y = X + D), D in w->d;
 * leaves grad f(Y) - grad f(X) in w->dg. */
static int
eval_pair(lmc_assume *w, double h)
{
    const lmc_layout *lay = &w->P->layout;
    const unsigned a = w->active;
    const double rtol = w->p.rtol;
    double fy;
    gsl_vector_memcpy(w->y, w->x);
    gsl_vector_add(w->y, w->d);
    LMC_TRY(lmc_problem_fdf(w->P, w->y, &fy, w->gy));
    gsl_vector_memcpy(w->dg, w->gy);
    gsl_vector_sub(w->dg, w->gx);
    point_checks(w, fy, w->gy, h);

    double np = 0;
    if (a & (LMC_HAS_L | LMC_HAS_L0L1))
        LMC_TRY(prod_norm(w, w->d, w->dn, &np));
    if (a & LMC_HAS_L)
    {
        double nd = 0, gscale = 0;
        for (size_t i = 0; i < lay->nblocks; i++)
        {
            gsl_matrix_view b = lmc_block(lay, w->dg, i);
            double val;
            LMC_TRY(lmc_oracle_dual_norm(w->o[i], &b.matrix, &val));
            nd += val;
            gscale += sqrt((double)lay->size1[i] * (double)lay->size2[i]) *
                      (block_frob(w, w->gx, i) + block_frob(w, w->gy, i));
        }
        const double rhs = w->c.L * np, tol = rtol * (gscale + rhs);
        const int rounding = !(tol <= ROUNDING_FRACTION * nd);
        record(w, LMC_ASSUME_L, nd, rhs, tol, rounding, h);
        if (!rounding && np > 0)
            tight_max(w, LMC_ASSUME_L, nd / np);
    }
    if (a & LMC_HAS_LFROB)
    {
        const double nd = frob(w->dg), nD = frob(w->d);
        const double rhs = w->c.L_frob * nD;
        const double tol = rtol * (frob(w->gx) + frob(w->gy) + rhs);
        const int rounding = !(tol <= ROUNDING_FRACTION * nd);
        record(w, LMC_ASSUME_LFROB, nd, rhs, tol, rounding, h);
        if (!rounding && nD > 0)
            tight_max(w, LMC_ASSUME_LFROB, nd / nD);
    }
    if (a & LMC_HAS_L0L1)
    {
        double ip, q0 = 0, q1 = 0;
        gsl_blas_ddot(w->gx, w->d, &ip);
        const double lhs = fy - w->fx - ip;
        for (size_t i = 0; i < lay->nblocks; i++)
        {
            q0 += 0.5 * w->c.L0[i] * w->dn[i] * w->dn[i];
            q1 += 0.5 * w->c.L1[i] * w->gxd[i] * w->dn[i] * w->dn[i];
        }
        const double rhs = q0 + q1;
        const double tol = rtol * (fabs(w->fx) + fabs(fy) + fabs(ip) +
                                   frob(w->gx) * frob(w->d) + rhs);
        const int rounding = !(tol <= ROUNDING_FRACTION * rhs);
        record(w, LMC_ASSUME_L0L1, lhs, rhs, tol, rounding, h);
        if (!rounding)
        {
            tight_max(w, LMC_ASSUME_L0L1, lhs / rhs);
            if (q0 > 0)
            {
                const double m0 = (lhs - q1) / q0;
                if (!w->l0_seen || m0 > w->rep.l0_mult)
                    w->rep.l0_mult = m0;
                w->l0_seen = 1;
            }
            if (q1 > 0)
            {
                const double m1 = (lhs - q0) / q1;
                if (!w->l1_seen || m1 > w->rep.l1_mult)
                    w->rep.l1_mult = m1;
                w->l1_seen = 1;
            }
        }
    }
    return LMC_SUCCESS;
}

/* Which blocks a direction occupies: all of them, or block `only`. */
#define ALL_BLOCKS ((size_t)-1)

/* D = a Gaussian direction with ||D|| = h, product norm or Frobenius,
 * on all blocks or on block `only` (zero elsewhere). */
static int
random_dir(lmc_assume *w, double h, int frobenius, size_t only)
{
    const lmc_layout *lay = &w->P->layout;
    for (size_t k = 0; k < w->d->size; k++)
        w->d->data[k] = gsl_ran_gaussian_ziggurat(w->rng, 1.0);
    if (only != ALL_BLOCKS)
        for (size_t i = 0; i < lay->nblocks; i++)
            if (i != only)
            {
                gsl_matrix_view b = lmc_block(lay, w->d, i);
                gsl_matrix_set_zero(&b.matrix);
            }
    double nrm;
    if (frobenius)
        nrm = frob(w->d);
    else
        LMC_TRY(prod_norm(w, w->d, NULL, &nrm));
    gsl_vector_scale(w->d, h / nrm);
    return LMC_SUCCESS;
}

/* D = h LMO(-(grad f(X + D) - grad f(X))) blockwise (or on block `only`):
 * the direction that maximizes <grad difference, D> over the product ball
 * of radius h. */
static int
ascent_prod(lmc_assume *w, double h, size_t only)
{
    const lmc_layout *lay = &w->P->layout;
    if (!(frob(w->dg) > 0))
        return random_dir(w, h, 0, only);
    gsl_vector_memcpy(w->tmp, w->dg);
    gsl_vector_scale(w->tmp, -1.0);
    for (size_t i = 0; i < lay->nblocks; i++)
    {
        gsl_matrix_view mi = lmc_block(lay, w->tmp, i);
        gsl_matrix_view si = lmc_block(lay, w->d, i);
        if (only == ALL_BLOCKS || i == only)
            LMC_TRY(lmc_oracle_apply(w->o[i], &mi.matrix, &si.matrix));
        else
            gsl_matrix_set_zero(&si.matrix);
    }
    gsl_vector_scale(w->d, h);
    return LMC_SUCCESS;
}

/* D = h (grad f(X + D) - grad f(X)) / ||.||_F: a power step. */
static int
power_frob(lmc_assume *w, double h)
{
    const double nd = frob(w->dg);
    if (!(nd > 0))
        return random_dir(w, h, 1, ALL_BLOCKS);
    gsl_vector_memcpy(w->d, w->dg);
    gsl_vector_scale(w->d, h / nd);
    return LMC_SUCCESS;
}

/* D = sign h LMO(grad f(X)) on all blocks or on block `only`: the step of
 * an LMO method (sign = +1) and its reverse (sign = -1); a random
 * direction where that is 0 (a stationary block). */
static int
lmo_dir(lmc_assume *w, double h, double sign, size_t only)
{
    const lmc_layout *lay = &w->P->layout;
    gsl_vector_memcpy(w->d, w->sx);
    gsl_vector_scale(w->d, sign * h);
    if (only != ALL_BLOCKS)
        for (size_t i = 0; i < lay->nblocks; i++)
            if (i != only)
            {
                gsl_matrix_view b = lmc_block(lay, w->d, i);
                gsl_matrix_set_zero(&b.matrix);
            }
    if (!(frob(w->d) > 0))
        return random_dir(w, h, 0, only);
    return LMC_SUCCESS;
}

/* The pair sequences at X, for each radius h.  Product norm, on all
 * blocks and (several blocks) on each block alone -- a separable
 * inequality must hold block by block, and a block's worst case is diluted
 * when the others move too: three starts (a random direction, the LMO
 * step h LMO(grad f(X)) and its reverse), each followed by ascent steps.
 * The ascent keeps the sign pattern of its start (a mode moving inward
 * stays inward), hence the LMO starts, which move every mode the same
 * way.  Then a random start and power steps in Frobenius. */
static int
pairs(lmc_assume *w, double sx)
{
    const unsigned det = w->active &
                         (LMC_HAS_L | LMC_HAS_LFROB | LMC_HAS_L0L1);
    const size_t nb = w->P->layout.nblocks;
    const int prod = (det & (LMC_HAS_L | LMC_HAS_L0L1)) != 0;
    if (prod)
    {
        gsl_vector_memcpy(w->tmp, w->gx);
        for (size_t i = 0; i < nb; i++)
        {
            gsl_matrix_view mi = lmc_block(&w->P->layout, w->tmp, i);
            gsl_matrix_view si = lmc_block(&w->P->layout, w->sx, i);
            LMC_TRY(lmc_oracle_apply(w->o[i], &mi.matrix, &si.matrix));
        }
    }
    for (size_t s = 0; s < w->p.nscales; s++)
    {
        const double h = w->p.scales[s] * sx;
        for (size_t k = 0; k < w->p.ndirs; k++)
        {
            for (size_t b = 0; prod && b < (nb > 1 ? nb + 1 : 1); b++)
                for (int start = 0; start < 3; start++)
                {
                    const size_t only = b == 0 ? ALL_BLOCKS : b - 1;
                    /* The LMO starts are deterministic: once per scale. */
                    if (start > 0 && k > 0)
                        break;
                    if (start == 0)
                        LMC_TRY(random_dir(w, h, 0, only));
                    else
                        LMC_TRY(lmo_dir(w, h, start == 1 ? 1.0 : -1.0,
                                        only));
                    LMC_TRY(eval_pair(w, h));
                    for (size_t j = 0; j < w->p.nascent; j++)
                    {
                        LMC_TRY(ascent_prod(w, h, only));
                        LMC_TRY(eval_pair(w, h));
                    }
                }
            /* The Frobenius sequence also serves mu and f* alone. */
            LMC_TRY(random_dir(w, h, 1, ALL_BLOCKS));
            LMC_TRY(eval_pair(w, h));
            for (size_t j = 0; det && j < w->p.nascent; j++)
            {
                LMC_TRY(power_frob(w, h));
                LMC_TRY(eval_pair(w, h));
            }
        }
    }
    return LMC_SUCCESS;
}

/* ---- PL descent ------------------------------------------------------- */

/* Minimizes rho = (1/2)||grad f||_F^2 / (f - f*) from X by normalized
 * steps along -grad rho, grad rho = (H g - rho g) / (f - f*), H g by a
 * central difference of gradients; each point visited is checked. */
static int
pl_descent(lmc_assume *w, double sx)
{
    const double fs = w->c.fstar, rtol = w->p.rtol;
    double f = w->fx;
    double gap = f - fs;
    if (!(gap > rtol * (fabs(f) + fabs(fs)) / ROUNDING_FRACTION))
        return LMC_SUCCESS;
    gsl_vector_memcpy(w->ax, w->x);
    gsl_vector_memcpy(w->ag, w->gx);
    double gn = frob(w->ag);
    double rho = 0.5 * gn * gn / gap;
    double step = PL_STEP0 * sx;
    const double e = PL_FD_SCALE * sx;
    for (size_t it = 0; it < w->p.pl_steps; it++)
    {
        if (!(gn > 0))
            break;
        double fp, fm;
        gsl_vector_memcpy(w->ay, w->ax);
        gsl_blas_daxpy(e / gn, w->ag, w->ay);
        LMC_TRY(lmc_problem_fdf(w->P, w->ay, &fp, w->ah));
        point_checks(w, fp, w->ah, 0);
        gsl_vector_memcpy(w->ay, w->ax);
        gsl_blas_daxpy(-e / gn, w->ag, w->ay);
        LMC_TRY(lmc_problem_fdf(w->P, w->ay, &fm, w->agy));
        point_checks(w, fm, w->agy, 0);
        /* ah = H g = ||g|| (g(x + e v) - g(x - e v)) / (2 e), v = g/||g||;
         * then grad rho. */
        gsl_vector_sub(w->ah, w->agy);
        gsl_vector_scale(w->ah, gn / (2.0 * e));
        gsl_blas_daxpy(-rho, w->ag, w->ah);
        gsl_vector_scale(w->ah, 1.0 / gap);
        const double hn = frob(w->ah);
        if (!(hn > 0) || !isfinite(hn))
            break;
        int accepted = 0;
        for (int trial = 0; trial < PL_TRIALS && !accepted; trial++)
        {
            double ft;
            gsl_vector_memcpy(w->ay, w->ax);
            gsl_blas_daxpy(-step / hn, w->ah, w->ay);
            LMC_TRY(lmc_problem_fdf(w->P, w->ay, &ft, w->agy));
            point_checks(w, ft, w->agy, 0);
            const double gapt = ft - fs, gnt = frob(w->agy);
            const double rhot = 0.5 * gnt * gnt / gapt;
            if (gapt > rtol * (fabs(ft) + fabs(fs)) / ROUNDING_FRACTION &&
                rhot < rho)
            {
                gsl_vector_memcpy(w->ax, w->ay);
                gsl_vector_memcpy(w->ag, w->agy);
                f = ft;
                gap = gapt;
                gn = gnt;
                rho = rhot;
                step *= 2;
                accepted = 1;
            }
            else
                step /= 4;
        }
        if (!accepted)
            break;
    }
    return LMC_SUCCESS;
}

/* ---- stochastic constants ---------------------------------------------- */

/* Mean and sample standard deviation by Welford's update. */
typedef struct
{
    size_t n;
    double mean, m2;
} welford;

static void
welford_add(welford *s, double v)
{
    s->n++;
    const double d = v - s->mean;
    s->mean += d / (double)s->n;
    s->m2 += d * (v - s->mean);
}

static double
welford_se(const welford *s)
{
    return sqrt(s->m2 / (double)(s->n - 1) / (double)s->n);
}

/* ||a - b||_F^2 without a scratch vector. */
static double
dist2(const gsl_vector *a, const gsl_vector *b)
{
    double s = 0;
    for (size_t k = 0; k < a->size; k++)
    {
        const double d = a->data[k] - b->data[k];
        s += d * d;
    }
    return s;
}

static void
record_estimate(lmc_assume *w, lmc_assume_kind k, const welford *s,
                double declared, double h)
{
    const double se = welford_se(s);
    const double v[3] = {s->mean - w->p.z * se, s->mean,
                         s->mean + w->p.z * se};
    const double d2 = declared * declared;
    record(w, k, v[0], d2, w->p.rtol * d2, 0, h);
    double *e = w->est[k == LMC_ASSUME_SIGMA ? 0 : 1];
    for (int j = 0; j < 3; j++)
        if (v[j] > e[j])
            e[j] = v[j];
}

/* One sample of kind k at X (sigma: ||g(X;xi) - grad f(X)||_F^2) or on
 * the pair (X, Y = w->y) (Lbar: ||g(Y;xi) - g(X;xi)||_F^2 / nd2), with a
 * fresh id. */
static int
sample_value(lmc_assume *w, lmc_assume_kind k, double nd2, double *v)
{
    const unsigned long id = next_id(w);
    LMC_TRY(lmc_problem_sgrad(w->P, w->x, id, w->g0));
    if (k == LMC_ASSUME_SIGMA)
    {
        *v = dist2(w->g0, w->gx);
        return LMC_SUCCESS;
    }
    LMC_TRY(lmc_problem_sgrad(w->P, w->y, id, w->g1));
    *v = dist2(w->g1, w->g0) / nd2;
    return LMC_SUCCESS;
}

/* Sequential estimate of E[value] against declared^2: S samples, then
 * the sample count doubles (fresh samples added) while the confidence
 * interval [mean - z se, mean + z se] contains declared^2, at most
 * max_doublings times.  A violation needs the lower limit above
 * declared^2 at some look; by the union bound the false-alarm rate is at
 * most (max_doublings + 1) Phi(-z) per estimate. */
static int
estimate(lmc_assume *w, lmc_assume_kind k, double declared, double nd2,
         double h)
{
    welford s = {0, 0, 0};
    const double d2 = declared * declared;
    size_t target = w->p.nsamples;
    for (size_t look = 0;; look++)
    {
        while (s.n < target)
        {
            double v;
            LMC_TRY(sample_value(w, k, nd2, &v));
            welford_add(&s, v);
        }
        const double se = welford_se(&s);
        const double lcl = s.mean - w->p.z * se, ucl = s.mean + w->p.z * se;
        if (lcl > d2 * (1 + w->p.rtol) || ucl <= d2 ||
            look == w->p.max_doublings)
            break;
        target *= 2;
    }
    record_estimate(w, k, &s, declared, h);
    return LMC_SUCCESS;
}

static int
sigma_at(lmc_assume *w)
{
    return estimate(w, LMC_ASSUME_SIGMA, w->c.sigma, 1.0, 0);
}

/* Estimates E||g(X+D;xi) - g(X;xi)||_F^2 / ||D||_F^2 with fresh ids. */
static int
lbar_eval(lmc_assume *w, double h)
{
    const double nd = frob(w->d);
    gsl_vector_memcpy(w->y, w->x);
    gsl_vector_add(w->y, w->d);
    return estimate(w, LMC_ASSUME_LBAR, w->c.Lbar, nd * nd, h);
}

/* One power step on E_xi J_xi^2 (J_xi the Jacobian of g(.;xi), symmetric
 * when g is the gradient of a sample function) with its own fresh ids:
 * J d ~ (g(X + h d) - g(X)) / h, J (J d) likewise along J d. */
static int
lbar_power(lmc_assume *w, double h)
{
    gsl_vector_set_zero(w->acc);
    gsl_vector_memcpy(w->y, w->x);
    gsl_vector_add(w->y, w->d);
    for (size_t j = 0; j < w->p.nsamples; j++)
    {
        const unsigned long id = next_id(w);
        LMC_TRY(lmc_problem_sgrad(w->P, w->x, id, w->g0));
        LMC_TRY(lmc_problem_sgrad(w->P, w->y, id, w->g1));
        gsl_vector_sub(w->g1, w->g0);
        const double nv = frob(w->g1);
        if (!(nv > 0))
            continue;
        gsl_vector_memcpy(w->tmp, w->x);
        gsl_blas_daxpy(h / nv, w->g1, w->tmp);
        LMC_TRY(lmc_problem_sgrad(w->P, w->tmp, id, w->g2));
        gsl_vector_sub(w->g2, w->g0);
        gsl_blas_daxpy(nv, w->g2, w->acc);
    }
    const double na = frob(w->acc);
    if (!(na > 0) || !isfinite(na))
        return random_dir(w, h, 1, ALL_BLOCKS);
    gsl_vector_memcpy(w->d, w->acc);
    gsl_vector_scale(w->d, h / na);
    return LMC_SUCCESS;
}

static int
lbar_at(lmc_assume *w, double sx)
{
    for (size_t s = 0; s < w->p.nscales; s++)
    {
        if (w->p.scales[s] < LBAR_MIN_SCALE)
            continue;
        const double h = w->p.scales[s] * sx;
        for (size_t k = 0; k < w->p.ndirs; k++)
        {
            LMC_TRY(random_dir(w, h, 1, ALL_BLOCKS));
            LMC_TRY(lbar_eval(w, h));
            for (size_t j = 0; j < w->p.nascent; j++)
            {
                LMC_TRY(lbar_power(w, h));
                LMC_TRY(lbar_eval(w, h));
            }
        }
    }
    return LMC_SUCCESS;
}

/* ---- the public loop -------------------------------------------------- */

int
lmc_assume_begin(lmc_assume *w, const lmc_constants *c, unsigned kinds)
{
    unsigned all = 0;
    for (int k = 0; k < LMC_ASSUME_NKINDS; k++)
        all |= kind_flags[k];
    w->c = *c;
    w->active = kinds & c->known & all;
    if ((w->active & (LMC_HAS_SIGMA | LMC_HAS_LBAR)) && !w->P->type->sgrad)
        LMC_ERROR(LMC_EDOM, "assumption check: problem '%s' declares sigma "
                  "or Lbar but has no stochastic gradient",
                  w->P->type->name);
    if ((w->active & LMC_HAS_MU) && !(c->known & LMC_HAS_FSTAR))
        LMC_ERROR(LMC_EDOM, "assumption check: mu (PL) needs f*, which "
                  "problem '%s' does not declare", w->P->type->name);
    memset(&w->rep, 0, sizeof w->rep);
    const double declared[LMC_ASSUME_NKINDS] = {
        c->L, c->L_frob, 1.0, c->mu, c->sigma, c->Lbar, c->fstar};
    for (int k = 0; k < LMC_ASSUME_NKINDS; k++)
    {
        lmc_assume_result *r = &w->rep.r[k];
        r->tested = (w->active & kind_flags[k]) != 0;
        r->declared = declared[k];
        r->tightest = (k == LMC_ASSUME_MU || k == LMC_ASSUME_FSTAR)
                          ? INFINITY
                          : -INFINITY;
        r->worst = -INFINITY;
    }
    w->rep.l0_mult = w->rep.l1_mult = NAN;
    w->l0_seen = w->l1_seen = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            w->est[i][j] = -INFINITY;
    gsl_rng_set(w->rng, w->p.seed);
    w->id_base = lmc_sample_id(w->p.seed, ASSUME_ID_TAG);
    w->counter = 0;
    return LMC_SUCCESS;
}

int
lmc_assume_point(lmc_assume *w, const gsl_vector *x)
{
    lmc_problem *P = w->P;
    if (x->size != P->layout.total || x->stride != 1)
        LMC_ERROR(LMC_EBADLEN, "assumption check: point has length %zu "
                  "(stride %zu), want %zu (stride 1)", x->size, x->stride,
                  P->layout.total);
    w->ipoint = w->rep.npoints++;
    gsl_vector_memcpy(w->x, x);
    LMC_TRY(lmc_problem_fdf(P, w->x, &w->fx, w->gx));
    point_checks(w, w->fx, w->gx, 0);
    if (w->active & LMC_HAS_L0L1)
        for (size_t i = 0; i < P->layout.nblocks; i++)
        {
            gsl_matrix_view b = lmc_block(&P->layout, w->gx, i);
            LMC_TRY(lmc_oracle_dual_norm(w->o[i], &b.matrix, &w->gxd[i]));
        }
    const double sx = fmax(1.0, frob(w->x));
    if (w->active & (LMC_HAS_L | LMC_HAS_LFROB | LMC_HAS_L0L1 | LMC_HAS_MU |
                     LMC_HAS_FSTAR))
        LMC_TRY(pairs(w, sx));
    if (w->active & LMC_HAS_SIGMA)
        LMC_TRY(sigma_at(w));
    if (w->active & LMC_HAS_LBAR)
        LMC_TRY(lbar_at(w, sx));
    if (w->active & LMC_HAS_MU)
        LMC_TRY(pl_descent(w, sx));
    return LMC_SUCCESS;
}

int
lmc_assume_end(lmc_assume *w, lmc_assume_report *rep)
{
    *rep = w->rep;
    for (int k = 0; k < LMC_ASSUME_NKINDS; k++)
    {
        lmc_assume_result *r = &rep->r[k];
        if (!r->tested || r->nchecked == 0)
        {
            r->tightest = r->estimate = r->ucl = NAN;
            continue;
        }
        if (k == LMC_ASSUME_SIGMA || k == LMC_ASSUME_LBAR)
        {
            /* Squared quantities; a lower limit below 0 accepts 0. */
            const double *e = w->est[k == LMC_ASSUME_SIGMA ? 0 : 1];
            r->tightest = sqrt(fmax(e[0], 0.0));
            r->estimate = sqrt(fmax(e[1], 0.0));
            r->ucl = sqrt(fmax(e[2], 0.0));
        }
        else
            r->estimate = r->ucl = r->tightest;
    }
    return LMC_SUCCESS;
}

int
lmc_assume_check(lmc_assume *w, const lmc_constants *c, unsigned kinds,
                 const gsl_vector *const *x, size_t n,
                 lmc_assume_report *rep)
{
    LMC_TRY(lmc_assume_begin(w, c, kinds));
    for (size_t k = 0; k < n; k++)
        LMC_TRY(lmc_assume_point(w, x[k]));
    return lmc_assume_end(w, rep);
}

int
lmc_assume_check_fn(lmc_assume *w, const lmc_constants *c, unsigned kinds,
                    lmc_assume_next *next, void *ctx, gsl_vector *x,
                    lmc_assume_report *rep)
{
    LMC_TRY(lmc_assume_begin(w, c, kinds));
    for (;;)
    {
        int done = 0;
        LMC_TRY(next(ctx, x, &done));
        if (done)
            break;
        LMC_TRY(lmc_assume_point(w, x));
    }
    return lmc_assume_end(w, rep);
}
