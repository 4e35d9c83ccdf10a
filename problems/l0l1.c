/* problems/l0l1.c -- "l0l1-sep": a block-separable problem whose
 * layer-wise (L0,L1) descent form (THEORY.md T6) holds globally with
 * L1 > 0 needed, and both L0 and L1 tight.
 *
 *   f(X_1, X_2) = f_1(X_1) + f_2(X_2),
 *   f_i(X_i)    = sum_{k<=r_i} h(t_ik),  t_ik = c_i u_ik^T X_i v_ik,
 *   grad_i f    = c_i U_i diag(h'(t_i)) V_i^T,
 * with the shell function h of l0l1.h (h'' = EPS + JUMP on the shell
 * A <= |t| <= B, EPS elsewhere; EPS = JUMP = A = 1, B = 2, W = B - A).
 * Block 1 is m x n with c_1 = 1, block 2 is n x ceil(m/2) with c_2 = 1/2,
 * both with the spectral-norm ball (dual: nuclear); U_i, V_i (orthonormal
 * columns, r_i = min(size1, size2)) from Householder QR of seeded
 * Gaussians.  f only sees the r_i "diagonal" modes: it is constant along
 * the other directions, so its minimizers form an affine set through 0.
 *
 * Why this shape.  A descent form that holds globally needs a bounded
 * curvature; L1 > 0 is then needed only if the curvature is larger away
 * from the minimizer than near it, where the gradient is larger: hence the
 * shell.  Writing f through t = c u^T X v makes the matrix inequality
 * reduce mode by mode to the scalar one, with the gradient's nuclear norm
 * exactly c sum_k |h'(t_k)| (U diag V^T is an SVD), so no rank factor is
 * lost on the L1 side.
 *
 * Scalar descent form.  C(t) = sup_{y != t} 2 (h(y) - h(t) - h'(t)(y-t)) /
 * (y-t)^2 = EPS + JUMP Phi(t), where Phi(t) is the largest mass the
 * density 2|y - s|/(y - t)^2 on [t, y] can put on the shell (h'' is
 * piecewise constant).  For |t| in [A, B], Phi = 1 (and Phi <= 1 always).
 * For |t| < A the nearer shell gives, for y beyond it,
 * W (2y - A - B)/(y - |t|)^2, maximal at y = A + B - |t| with value
 * W/(A + B - 2|t|) (larger than (y - A)^2/(y - |t|)^2 for y inside the
 * shell); the far shell gives W/(A + B + 2|t|), less.  So
 *   C(t) = EPS + JUMP W / (A + B - 2|t|)   for |t| <= A.
 * Claim: C(t) <= L0' + L1' |h'(t)| for all t with
 *   L0' = EPS + JUMP W/(A + B) = 4/3 = C(0),
 *   L1' = (EPS + JUMP - L0') / (EPS A) = 2/3.
 *   |t| <= A: h' = EPS |t|; C is convex in |t| and meets the linear right
 *     side at |t| = 0 (4/3) and |t| = A (2), so stays below it between.
 *   |t| >= A: C <= EPS + JUMP = 2 = L0' + L1' EPS A <= L0' + L1' |h'(t)|.
 * Tight at t = 0 (y = +-(A + B)) and as |t| -> A (y -> t).
 *
 * Matrix constants (block i, D = Y_i - X_i, d_k = u_k^T D v_k, so |d_k| <=
 * ||D||_2 and sum_k d_k^2 <= ||D||_F^2; g_i = ||grad_i f||_* =
 * c_i sum_k |h'(t_k)|):
 *   L0_i = r_i c_i^2 L0',  L1_i = c_i L1':  f_i(Y) - f_i(X) - <grad, D> =
 *          sum_k [h(t_k + c d_k) - h(t_k) - h'(t_k) c d_k] <= sum_k C(t_k)
 *          c^2 d_k^2 / 2 <= (c^2/2) ||D||_2^2 sum_k (L0' + L1'|h'(t_k)|)
 *          = (1/2) ||D||_2^2 (r c^2 L0' + c L1' g_i).  Equality at X_i = 0
 *          with D = ((A+B)/c) U diag(+-1) V^T, and in the limit of all
 *          modes at |t| = A with D -> 0 along U diag(sign t) V^T.
 *   L_frob = (EPS + JUMP) max_i c_i^2: |h'(a) - h'(b)| <= (EPS + JUMP)
 *          |a - b| mode by mode, sum_k d_k^2 <= ||D||_F^2.
 *   L      = (EPS + JUMP) sum_i r_i c_i^2: the nuclear norm of block i's
 *          gradient difference is c sum_k |h'(t_k) - h'(t'_k)| <= c^2
 *          (EPS + JUMP) sum_k |d_k| <= r_i c_i^2 (EPS + JUMP) ||D_i||_2,
 *          summed over blocks against max_i ||D_i||_2.
 *   mu     = EPS min_i c_i^2: h'' >= EPS and h(0) = 0 = min h give
 *          h'(t)^2 >= 2 EPS h(t), so (1/2)||grad f||_F^2 = sum_i c_i^2/2
 *          sum_k h'(t_ik)^2 >= EPS min c_i^2 f.
 *   f*     = 0 at X = 0.
 * U, V are orthonormal only to ~4 max(m, n) eps (Householder; Higham,
 * Accuracy and Stability, Thm 19.4); the derivations then pick up factors
 * (1 + delta)^4 / (1 - delta)^2 <= 1 + 8 delta, so every constant is
 * widened by 1 + 8 delta (mu narrowed).
 *
 * Inits: "random" (default; entries N(0, (LMC_L0L1_INIT_T / c_i)^2), so
 * each mode t is N(0, 16): some inside, some on, some beyond the shell),
 * "aligned" (X_i = (LMC_L0L1_INIT_T / c_i) U_i V_i^T: every mode at
 * t = 4, so a gradient path moves all modes through the shell together).
 * Parameters: m, n (default 16 x 16), seed.  No variants, no stochastic
 * gradient.
 */
#include "l0l1.h"
#include "init.h"
#include "linalg.h"
#include "spectrum.h"
#include "status.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

/* Sample-id tag of the init's random stream. */
#define L0L1_X0_TAG 0x6c306c3178UL /* "l0l1x" */

/* The scalar shell function and its derivative (l0l1.h). */
static double
shell_h(double t)
{
    const double s = fabs(t), eps = LMC_L0L1_EPS, jump = LMC_L0L1_JUMP;
    const double a = LMC_L0L1_A, b = LMC_L0L1_B, w = b - a;
    if (s <= a)
        return 0.5 * eps * s * s;
    if (s <= b)
        return 0.5 * eps * s * s + 0.5 * jump * (s - a) * (s - a);
    return 0.5 * eps * s * s + jump * w * (s - 0.5 * (a + b));
}

static double
shell_dh(double t)
{
    const double s = fabs(t), a = LMC_L0L1_A, b = LMC_L0L1_B;
    const double clip = s <= a ? 0.0 : (s <= b ? s - a : b - a);
    const double v = LMC_L0L1_EPS * s + LMC_L0L1_JUMP * clip;
    return t < 0 ? -v : v;
}

static int
l0l1_alloc(void *vstate, lmc_problem *P)
{
    lmc_l0l1_state *st = vstate;
    const lmc_problem_params *p = &P->params;
    const char *name = P->type->name;
    const size_t m = p->m ? p->m : LMC_L0L1_DEFAULT_M;
    const size_t n = p->n ? p->n : LMC_L0L1_DEFAULT_N;
    st->seed = p->seed;
    if (m > LMC_L0L1_MAX_DIM || n > LMC_L0L1_MAX_DIM)
        LMC_ERROR(LMC_EINVAL, "problem '%s': m and n must be in 1..%d (0 = "
                  "default %d), got m = %zu, n = %zu", name,
                  LMC_L0L1_MAX_DIM, LMC_L0L1_DEFAULT_M, p->m, p->n);
    if (p->variant && *p->variant)
        LMC_ERROR(LMC_EINVAL, "problem '%s' has no variants, got '%s'", name,
                  p->variant);
    size_t init;
    LMC_TRY(lmc_init_index(P, &init));
    st->init_aligned = init == 1; /* .inits = "random,aligned" */
    st->size1[0] = m;
    st->size2[0] = n;
    st->c[0] = 1.0;
    st->size1[1] = n;
    st->size2[1] = (m + 1) / 2;
    st->c[1] = 0.5;
    st->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!st->rng)
        LMC_ERROR(LMC_ENOMEM, "no memory for problem '%s'", name);
    gsl_rng_set(st->rng, st->seed);
    for (size_t i = 0; i < LMC_L0L1_NBLOCKS; i++)
    {
        const size_t s1 = st->size1[i], s2 = st->size2[i];
        const size_t r = s1 < s2 ? s1 : s2;
        st->r[i] = r;
        st->u[i] = gsl_matrix_alloc(s1, r);
        st->v[i] = gsl_matrix_alloc(s2, r);
        st->xv[i] = gsl_matrix_alloc(s1, r);
        st->us[i] = gsl_matrix_alloc(s1, r);
        if (!st->u[i] || !st->v[i] || !st->xv[i] || !st->us[i])
            LMC_ERROR(LMC_ENOMEM, "no memory for problem '%s' (block %zu, "
                      "%zux%zu)", name, i, s1, s2);
        LMC_TRY(lmc_qr_columns(st->u[i], st->rng, 0, "orthonormal factor"));
        LMC_TRY(lmc_qr_columns(st->v[i], st->rng, 0, "orthonormal factor"));
        LMC_TRY(lmc_layout_add(&P->layout, s1, s2, &lmc_oracle_spectral));
    }

    /* Constants: derivations in the file header. */
    const double l0s = (double)LMC_L0L1_EPS +
                       (double)LMC_L0L1_JUMP * (LMC_L0L1_B - LMC_L0L1_A) /
                           (double)(LMC_L0L1_A + LMC_L0L1_B); /* 4/3 */
    const double l1s = ((double)(LMC_L0L1_EPS + LMC_L0L1_JUMP) - l0s) /
                       (double)(LMC_L0L1_EPS * LMC_L0L1_A);  /* 2/3 */
    const double kmax = LMC_L0L1_EPS + LMC_L0L1_JUMP;      /* sup h'' */
    /* Orthonormality of U, V to 4 max(m, n) eps, widening 1 + 8 delta. */
    const double delta = 4.0 * (double)(m > n ? m : n) * DBL_EPSILON;
    const double up = 1.0 + 8.0 * delta, down = 1.0 - 8.0 * delta;
    double L = 0, Lf = 0, mu = INFINITY;
    for (size_t i = 0; i < LMC_L0L1_NBLOCKS; i++)
    {
        const double c = st->c[i], r = (double)st->r[i];
        P->c.L0[i] = r * c * c * l0s * up;
        P->c.L1[i] = c * l1s * up;
        L += kmax * r * c * c;
        Lf = fmax(Lf, kmax * c * c);
        mu = fmin(mu, LMC_L0L1_EPS * c * c);
    }
    P->c.L = L * up;
    P->c.L_frob = Lf * up;
    P->c.mu = mu * down;
    P->c.fstar = 0.0;
    P->c.known = LMC_HAS_L | LMC_HAS_LFROB | LMC_HAS_L0L1 | LMC_HAS_MU |
                 LMC_HAS_FSTAR;
    return LMC_SUCCESS;
}

static int
l0l1_fdf(void *vstate, const gsl_vector *x, double *f, gsl_vector *g)
{
    lmc_l0l1_state *st = vstate;
    double sum = 0;
    size_t off = 0;
    for (size_t i = 0; i < LMC_L0L1_NBLOCKS; i++)
    {
        const size_t s1 = st->size1[i], s2 = st->size2[i], r = st->r[i];
        const double c = st->c[i];
        gsl_matrix_const_view X = gsl_matrix_const_view_array(x->data + off,
                                                              s1, s2);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &X.matrix, st->v[i],
                       0.0, st->xv[i]);
        for (size_t k = 0; k < r; k++)
        {
            /* t_k = c u_k^T (X v_k); us column k = c h'(t_k) u_k. */
            double t = 0;
            for (size_t a = 0; a < s1; a++)
                t += gsl_matrix_get(st->u[i], a, k) *
                     gsl_matrix_get(st->xv[i], a, k);
            t *= c;
            sum += shell_h(t);
            const double w = c * shell_dh(t);
            for (size_t a = 0; a < s1; a++)
                gsl_matrix_set(st->us[i], a, k,
                               w * gsl_matrix_get(st->u[i], a, k));
        }
        if (g)
        {
            gsl_matrix_view G = gsl_matrix_view_array(g->data + off, s1, s2);
            gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, st->us[i], st->v[i],
                           0.0, &G.matrix);
        }
        off += s1 * s2;
    }
    if (f)
        *f = sum;
    if (!lmc_isfinite(sum))
        LMC_ERROR(LMC_ENONFINITE, "problem 'l0l1-sep': f is not finite at "
                  "x");
    return LMC_SUCCESS;
}

static int
l0l1_x0(void *vstate, gsl_vector *x)
{
    lmc_l0l1_state *st = vstate;
    size_t off = 0;
    gsl_rng_set(st->rng, lmc_sample_id(st->seed, L0L1_X0_TAG));
    for (size_t i = 0; i < LMC_L0L1_NBLOCKS; i++)
    {
        const size_t s1 = st->size1[i], s2 = st->size2[i];
        const double scale = LMC_L0L1_INIT_T / st->c[i];
        gsl_matrix_view X = gsl_matrix_view_array(x->data + off, s1, s2);
        if (st->init_aligned)
            gsl_blas_dgemm(CblasNoTrans, CblasTrans, scale, st->u[i],
                           st->v[i], 0.0, &X.matrix);
        else
        {
            lmc_matrix_gaussian(&X.matrix, st->rng);
            gsl_matrix_scale(&X.matrix, scale);
        }
        off += s1 * s2;
    }
    return LMC_SUCCESS;
}

static void
l0l1_free(void *vstate)
{
    lmc_l0l1_state *st = vstate;
    for (size_t i = 0; i < LMC_L0L1_NBLOCKS; i++)
    {
        gsl_matrix_free(st->u[i]);
        gsl_matrix_free(st->v[i]);
        gsl_matrix_free(st->xv[i]);
        gsl_matrix_free(st->us[i]);
    }
    if (st->rng)
        gsl_rng_free(st->rng);
}

const lmc_problem_type lmc_problem_l0l1 = {
    .name = "l0l1-sep",
    .summary = "two-block separable (L0,L1)-smooth shell function, global "
               "descent form with tight L0_i, L1_i > 0",
    .inits = "random,aligned",
    .variants = NULL,
    .size = sizeof(lmc_l0l1_state),
    .alloc = l0l1_alloc,
    .fdf = l0l1_fdf,
    .sgrad = NULL,
    .x0 = l0l1_x0,
    .free = l0l1_free,
};
