/* t-oracle-exact.c -- the exact LMOs of THEORY.md section 1.
 *
 * For every registered oracle and random Gaussian M of several shapes:
 *   <M, LMO(M)> = -||M||_*,  ||LMO(M)|| = 1,  LMO(cM) = LMO(M) (c > 0),
 * and the oracle's own norm / dual norm agree with independent
 * computations written here.  For the spectral ball also polar(M^T) =
 * polar(M)^T, ||LMO(M)||_F^2 = rank, and agreement with a polar factor
 * built from GSL's one-sided Jacobi SVD (a different algorithm from
 * LAPACK's dgesdd).  Then the documented edge behaviour (M = 0,
 * rank-deficient M, ties, zero entries and rows, strided views), every
 * error path, and a negative control: a feasible but non-optimal S must
 * fail the optimality check.
 */
#include "oracle.h"
#include "spectrum.h"
#include "status.h"
#include "tap.h"

#include <float.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

/* Sums of at most mn = 60 terms of one sign (entrywise norms, inner
 * products of M with -sign(M) etc.): the classical bound on recursive
 * summation is (N-1) eps sum|terms|; 4 (mn + 4) eps adds room for the
 * scaling in Frobenius / row-l2 (one division and one sqrt per entry). */
#define TOL_SUM(m, n) (4.0 * ((double)(m) * (n) + 4) * DBL_EPSILON)

/* Spectral quantities that are stationary or norm-like in the singular
 * values (<M, -UV^T> = -sum s_i, ||UV^T||_2 = 1, ||UV^T||_F^2 = r, the
 * nuclear and spectral norms by dgesdd vs Jacobi): both SVDs are
 * backward stable with error ~ p(n) eps ||M||_2, with p(n) a small
 * multiple of n <= 12 here, and these quantities move only by that
 * relative amount.  Measured over 9 seeds: <= 1.3e-15 relative (6 eps);
 * 1e-13 (~450 eps) is p(n) = 40 n at n = 12. */
#define TOL_SPEC 1e-13

/* The polar factor itself moves by up to ~ 2 ||dM|| / sigma_min under a
 * perturbation dM (Li's bound for the polar factor), so two backward-
 * stable computations of it (dgesdd on cM vs on M, on M^T vs on M, or
 * dgesdd vs Jacobi) agree to C eps kappa(M) with C ~ 2 p(n).  Measured
 * over 9 seeds: at most 5.3 eps kappa (dgesdd vs Jacobi); C = 64 is
 * p(n) = 32, a 12x margin, and stays below 1e-11 for the kappa met. */
#define TOL_POLAR_C 64.0

/* Rank-deficient case: GSL's Jacobi polar with an explicit rank cut. */
#define REF_RANK_RTOL 1e-8 /* true zeros sit at ~1e-16 sigma_max */

static const size_t shapes[][2] = {{7, 7}, {12, 5}, {5, 12}, {1, 9}, {9, 1}};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

static const double scales[] = {0.37, 5e3};

/* ---- Independent reference computations (no library code). ---- */

/* Singular values by GSL's one-sided Jacobi SVD; optionally the polar
 * factor over the values above rtol * sigma_max (q = U_r V_r^T).  Returns
 * the number of values (min(m, n)); sv sorted descending by GSL. */
static size_t
jacobi_svd(const gsl_matrix *m, double *sv, gsl_matrix *q, double rtol)
{
    const int wide = m->size1 < m->size2;
    const size_t rows = wide ? m->size2 : m->size1;
    const size_t cols = wide ? m->size1 : m->size2;
    gsl_matrix *a = gsl_matrix_alloc(rows, cols);
    gsl_matrix *v = gsl_matrix_alloc(cols, cols);
    gsl_vector *s = gsl_vector_alloc(cols);
    if (wide)
        gsl_matrix_transpose_memcpy(a, m);
    else
        gsl_matrix_memcpy(a, m);
    gsl_linalg_SV_decomp_jacobi(a, v, s);
    double smax = 0;
    for (size_t i = 0; i < cols; i++)
    {
        sv[i] = gsl_vector_get(s, i);
        smax = fmax(smax, sv[i]);
    }
    if (q)
    {
        /* tall: M = U S V^T, polar = U V^T; wide: M^T = U S V^T, so
         * polar(M) = V U^T. */
        gsl_matrix_set_zero(q);
        for (size_t k = 0; k < cols; k++)
        {
            if (!(sv[k] > rtol * smax))
                continue;
            for (size_t i = 0; i < q->size1; i++)
                for (size_t j = 0; j < q->size2; j++)
                {
                    const double t = wide ? gsl_matrix_get(v, i, k) *
                                                gsl_matrix_get(a, j, k)
                                          : gsl_matrix_get(a, i, k) *
                                                gsl_matrix_get(v, j, k);
                    gsl_matrix_set(q, i, j, gsl_matrix_get(q, i, j) + t);
                }
        }
    }
    gsl_matrix_free(a);
    gsl_matrix_free(v);
    gsl_vector_free(s);
    return cols;
}

static double
sum_abs(const gsl_matrix *m)
{
    double s = 0;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            s += fabs(gsl_matrix_get(m, i, j));
    return s;
}

static double
max_abs(const gsl_matrix *m)
{
    double s = 0;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            s = fmax(s, fabs(gsl_matrix_get(m, i, j)));
    return s;
}

static double
row_l2(const gsl_matrix *m, size_t i)
{
    double s = 0;
    for (size_t j = 0; j < m->size2; j++)
        s += gsl_matrix_get(m, i, j) * gsl_matrix_get(m, i, j);
    return sqrt(s);
}

static double
frob(const gsl_matrix *m)
{
    double s = 0;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            s += gsl_matrix_get(m, i, j) * gsl_matrix_get(m, i, j);
    return sqrt(s);
}

/* The primal (dual = 0) or dual (dual = 1) norm of the ball named T, from
 * THEORY.md's table; NaN for an oracle this test does not know, so that a
 * new oracle fails here until its references are added. */
static double
ref_norm(const lmc_oracle_type *T, const gsl_matrix *m, int dual)
{
    const char *n = T->name;
    if (strcmp(n, "spectral") == 0)
    {
        double sv[16];
        const size_t k = jacobi_svd(m, sv, NULL, 0);
        double s = 0, mx = 0;
        for (size_t i = 0; i < k; i++)
        {
            s += sv[i];
            mx = fmax(mx, sv[i]);
        }
        return dual ? s : mx;
    }
    if (strcmp(n, "linf") == 0)
        return dual ? sum_abs(m) : max_abs(m);
    if (strcmp(n, "l1") == 0)
        return dual ? max_abs(m) : sum_abs(m);
    if (strcmp(n, "frobenius") == 0)
        return frob(m);
    if (strcmp(n, "rowl2") == 0)
    {
        double s = 0, mx = 0;
        for (size_t i = 0; i < m->size1; i++)
        {
            s += row_l2(m, i);
            mx = fmax(mx, row_l2(m, i));
        }
        return dual ? s : mx;
    }
    return NAN;
}

static double
inner(const gsl_matrix *a, const gsl_matrix *b)
{
    double s = 0;
    for (size_t i = 0; i < a->size1; i++)
        for (size_t j = 0; j < a->size2; j++)
            s += gsl_matrix_get(a, i, j) * gsl_matrix_get(b, i, j);
    return s;
}

static double
max_diff(const gsl_matrix *a, const gsl_matrix *b)
{
    double d = 0;
    for (size_t i = 0; i < a->size1; i++)
        for (size_t j = 0; j < a->size2; j++)
        {
            const double e = fabs(gsl_matrix_get(a, i, j) -
                                  gsl_matrix_get(b, i, j));
            if (!(e <= d))
                d = e; /* NaN sticks */
        }
    return d;
}

static double
kappa(const gsl_matrix *m)
{
    double sv[16];
    const size_t k = jacobi_svd(m, sv, NULL, 0);
    double mx = 0, mn = INFINITY;
    for (size_t i = 0; i < k; i++)
    {
        mx = fmax(mx, sv[i]);
        mn = fmin(mn, sv[i]);
    }
    return mx / mn;
}

static int
is_spectral(const lmc_oracle_type *T)
{
    return strcmp(T->name, "spectral") == 0;
}

/* ---- Properties on random matrices. ---- */

static void
random_properties(const lmc_oracle_type *T, size_t m, size_t n, gsl_rng *r)
{
    lmc_oracle *o = lmc_oracle_alloc(T, m, n);
    gsl_matrix *M = gsl_matrix_alloc(m, n), *S = gsl_matrix_alloc(m, n);
    gsl_matrix *cM = gsl_matrix_alloc(m, n), *cS = gsl_matrix_alloc(m, n);
    lmc_matrix_gaussian(M, r);
    const int spec = is_spectral(T);
    const double tol_sum = spec ? TOL_SPEC : TOL_SUM(m, n);
    const double kap = kappa(M);
    const double tol_polar = TOL_POLAR_C * DBL_EPSILON * kap;

    const int st = lmc_oracle_apply(o, M, S);
    tap_int(st, LMC_SUCCESS, "%s %zux%zu: apply succeeds", T->name, m, n);
    const double dual = ref_norm(T, M, 1);
    tap_close(inner(M, S), -dual, tol_sum, 0,
              "%s %zux%zu: <M, LMO(M)> = -||M||_*", T->name, m, n);
    tap_close(ref_norm(T, S, 0), 1.0, tol_sum, 0,
              "%s %zux%zu: ||LMO(M)|| = 1", T->name, m, n);
    double got = NAN;
    lmc_oracle_dual_norm(o, M, &got);
    tap_close(got, dual, tol_sum, 0,
              "%s %zux%zu: dual_norm(M) (%s) matches the reference", T->name,
              m, n, T->dual_name);
    got = NAN;
    lmc_oracle_norm(o, M, &got);
    tap_close(got, ref_norm(T, M, 0), tol_sum, 0,
              "%s %zux%zu: norm(M) (%s) matches the reference", T->name, m,
              n, T->norm_name);
    for (size_t c = 0; c < sizeof scales / sizeof scales[0]; c++)
    {
        gsl_matrix_memcpy(cM, M);
        gsl_matrix_scale(cM, scales[c]);
        lmc_oracle_apply(o, cM, cS);
        /* Entrywise balls: exact up to the rounding of the scaling (a
         * few eps); spectral: the polar perturbation bound. */
        tap_le(max_diff(cS, S), spec ? tol_polar : TOL_SUM(1, 1),
               "%s %zux%zu: LMO(%g M) = LMO(M)", T->name, m, n, scales[c]);
    }

    if (spec)
    {
        /* polar(M^T) = polar(M)^T. */
        lmc_oracle *ot = lmc_oracle_alloc(T, n, m);
        gsl_matrix *Mt = gsl_matrix_alloc(n, m), *St = gsl_matrix_alloc(n, m);
        gsl_matrix *Stt = gsl_matrix_alloc(m, n), *Q = gsl_matrix_alloc(m, n);
        gsl_matrix_transpose_memcpy(Mt, M);
        lmc_oracle_apply(ot, Mt, St);
        gsl_matrix_transpose_memcpy(Stt, St);
        tap_le(max_diff(Stt, S), tol_polar,
               "spectral %zux%zu: LMO(M^T) = LMO(M)^T (kappa %.3g)", m, n,
               kap);
        const double k = (double)(m < n ? m : n);
        tap_close(frob(S) * frob(S), k, TOL_SPEC, 0,
                  "spectral %zux%zu: ||LMO(M)||_F^2 = rank = %g", m, n, k);
        double sv[16];
        jacobi_svd(M, sv, Q, 0);
        gsl_matrix_scale(Q, -1.0);
        tap_le(max_diff(S, Q), tol_polar, "spectral %zux%zu: LMO(M) = -U V^T "
               "from GSL's Jacobi SVD", m, n);
        gsl_matrix_free(Mt);
        gsl_matrix_free(St);
        gsl_matrix_free(Stt);
        gsl_matrix_free(Q);
        lmc_oracle_free(ot);
    }

    gsl_matrix_free(M);
    gsl_matrix_free(S);
    gsl_matrix_free(cM);
    gsl_matrix_free(cS);
    lmc_oracle_free(o);
}

/* A feasible but non-optimal S must fail the optimality check: the
 * output of another oracle, scaled onto this ball's unit sphere. */
static void
negative_control(const lmc_oracle_type *T, gsl_rng *r)
{
    const size_t m = 7, n = 5;
    const lmc_oracle_type *other =
        strcmp(T->name, "frobenius") == 0 ? &lmc_oracle_linf
                                          : &lmc_oracle_frobenius;
    lmc_oracle *o = lmc_oracle_alloc(other, m, n);
    gsl_matrix *M = gsl_matrix_alloc(m, n), *S = gsl_matrix_alloc(m, n);
    lmc_matrix_gaussian(M, r);
    lmc_oracle_apply(o, M, S);
    gsl_matrix_scale(S, 1.0 / ref_norm(T, S, 0));
    const double gap = inner(M, S) + ref_norm(T, M, 1);
    tap_ok(gap > TOL_SPEC * ref_norm(T, M, 1) && gap > TOL_SUM(m, n),
           "negative control %s: LMO_%s(M) scaled to ||S|| = 1 misses "
           "-||M||_* by %.3g (the optimality test can fail)", T->name,
           other->name, gap);
    gsl_matrix_free(M);
    gsl_matrix_free(S);
    lmc_oracle_free(o);
}

/* The oracle on strided views (tda > size2) equals it on copies. */
static void
strided(const lmc_oracle_type *T, gsl_rng *r)
{
    const size_t m = 6, n = 4;
    gsl_matrix *big = gsl_matrix_alloc(m + 2, n + 3);
    gsl_matrix *bigS = gsl_matrix_alloc(m + 1, n + 5);
    lmc_matrix_gaussian(big, r);
    gsl_matrix_set_all(bigS, 7.0);
    gsl_matrix_view Mv = gsl_matrix_submatrix(big, 1, 2, m, n);
    gsl_matrix_view Sv = gsl_matrix_submatrix(bigS, 1, 1, m, n);
    gsl_matrix *M = gsl_matrix_alloc(m, n), *S = gsl_matrix_alloc(m, n);
    gsl_matrix_memcpy(M, &Mv.matrix);
    lmc_oracle *o = lmc_oracle_alloc(T, m, n);
    lmc_oracle_apply(o, M, S);
    lmc_oracle_apply(o, &Mv.matrix, &Sv.matrix);
    /* Same input values and same algorithm: bit-identical results are
     * expected; allow a few eps for a BLAS that blocks by alignment. */
    int untouched = 1;
    for (size_t i = 0; i < m + 1; i++)
        for (size_t j = 0; j < n + 5; j++)
            if ((i < 1 || j < 1 || j >= n + 1) &&
                gsl_matrix_get(bigS, i, j) != 7.0)
                untouched = 0;
    tap_ok(max_diff(&Sv.matrix, S) <= 8 * DBL_EPSILON && untouched,
           "%s: LMO of a strided view equals LMO of a copy and writes only "
           "the view", T->name);
    gsl_matrix_free(big);
    gsl_matrix_free(bigS);
    gsl_matrix_free(M);
    gsl_matrix_free(S);
    lmc_oracle_free(o);
}

static void
zero_input(const lmc_oracle_type *T)
{
    lmc_oracle *o = lmc_oracle_alloc(T, 5, 3);
    gsl_matrix *M = gsl_matrix_calloc(5, 3), *S = gsl_matrix_alloc(5, 3);
    gsl_matrix_set_all(S, 1.0);
    const int st = lmc_oracle_apply(o, M, S);
    double dn = NAN;
    lmc_oracle_dual_norm(o, M, &dn);
    tap_ok(st == LMC_SUCCESS && max_abs(S) == 0 && dn == 0,
           "%s: LMO(0) = 0 and ||0||_* = 0", T->name);
    gsl_matrix_free(M);
    gsl_matrix_free(S);
    lmc_oracle_free(o);
}

static void
rank_deficient(gsl_rng *r)
{
    const size_t m = 6, n = 4, rk = 2;
    gsl_matrix *A = gsl_matrix_alloc(m, rk), *B = gsl_matrix_alloc(rk, n);
    gsl_matrix *M = gsl_matrix_calloc(m, n), *S = gsl_matrix_alloc(m, n);
    gsl_matrix *P = gsl_matrix_alloc(n, n), *P2 = gsl_matrix_alloc(n, n);
    gsl_matrix *Q = gsl_matrix_alloc(m, n);
    lmc_matrix_gaussian(A, r);
    lmc_matrix_gaussian(B, r);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            for (size_t k = 0; k < rk; k++)
                gsl_matrix_set(M, i, j, gsl_matrix_get(M, i, j) +
                                            gsl_matrix_get(A, i, k) *
                                                gsl_matrix_get(B, k, j));
    double sv[4];
    jacobi_svd(M, sv, Q, REF_RANK_RTOL);
    tap_diag("rank-2 6x4: singular values %.3g %.3g %.3g %.3g", sv[0], sv[1],
             sv[2], sv[3]);
    lmc_oracle *o = lmc_oracle_alloc(&lmc_oracle_spectral, m, n);
    tap_int(lmc_oracle_apply(o, M, S), LMC_SUCCESS,
            "spectral rank-2 6x4: apply succeeds");
    tap_close(ref_norm(&lmc_oracle_spectral, S, 0), 1.0, TOL_SPEC, 0,
              "spectral rank-2 6x4: ||LMO(M)||_2 = 1");
    tap_close(frob(S) * frob(S), 2.0, TOL_SPEC, 0,
              "spectral rank-2 6x4: ||LMO(M)||_F^2 = 2 (the zero singular "
              "values are dropped)");
    /* P = S^T S must be an orthogonal projector of rank 2: P^2 = P. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
        {
            double s = 0;
            for (size_t k = 0; k < m; k++)
                s += gsl_matrix_get(S, k, i) * gsl_matrix_get(S, k, j);
            gsl_matrix_set(P, i, j, s);
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
        {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += gsl_matrix_get(P, i, k) * gsl_matrix_get(P, k, j);
            gsl_matrix_set(P2, i, j, s);
        }
    tap_le(max_diff(P, P2), TOL_SPEC,
           "spectral rank-2 6x4: S^T S is a projector ((S^T S)^2 = S^T S)");
    tap_close(inner(M, S), -(sv[0] + sv[1] + sv[2] + sv[3]), TOL_SPEC, 0,
              "spectral rank-2 6x4: <M, S> = -||M||_*");
    gsl_matrix_scale(Q, -1.0);
    /* Only the 2 kept singular values matter: kappa of the rank-2 part. */
    tap_le(max_diff(S, Q), TOL_POLAR_C * DBL_EPSILON * sv[0] / sv[1],
           "spectral rank-2 6x4: LMO(M) = -U_2 V_2^T from GSL's Jacobi SVD");
    gsl_matrix_free(A);
    gsl_matrix_free(B);
    gsl_matrix_free(M);
    gsl_matrix_free(S);
    gsl_matrix_free(P);
    gsl_matrix_free(P2);
    gsl_matrix_free(Q);
    lmc_oracle_free(o);
}

static void
ties_and_zeros(void)
{
    /* l1: the largest |entry| 3 occurs at (0,2) as -3, (1,0) and (2,1);
     * the first in row-major order wins, and -sign(-3) = +1. */
    {
        const double m[9] = {1, -2, -3, 3, 0.5, 0, 2, -3, 1};
        const double want[9] = {0, 0, 1, 0, 0, 0, 0, 0, 0};
        gsl_matrix_const_view M = gsl_matrix_const_view_array(m, 3, 3);
        gsl_matrix *S = gsl_matrix_alloc(3, 3);
        lmc_oracle *o = lmc_oracle_alloc(&lmc_oracle_l1, 3, 3);
        lmc_oracle_apply(o, &M.matrix, S);
        tap_ok(memcmp(S->data, want, sizeof want) == 0,
               "l1: a tie goes to the first maximal entry in row-major order "
               "(+1 at (0,2))");
        gsl_matrix_free(S);
        lmc_oracle_free(o);
    }
    /* linf: -sign with sign(0) = sign(-0) = 0. */
    {
        const double m[6] = {2, 0, -0.0, -1e-300, 5e-324, -7};
        const double want[6] = {-1, 0, 0, 1, -1, 1};
        gsl_matrix_const_view M = gsl_matrix_const_view_array(m, 2, 3);
        gsl_matrix *S = gsl_matrix_alloc(2, 3);
        lmc_oracle *o = lmc_oracle_alloc(&lmc_oracle_linf, 2, 3);
        lmc_oracle_apply(o, &M.matrix, S);
        tap_ok(memcmp(S->data, want, sizeof want) == 0,
               "linf: LMO = -sign(M), sign(+-0) = 0, tiny and subnormal "
               "entries keep their sign");
        gsl_matrix_free(S);
        lmc_oracle_free(o);
    }
    /* rowl2: the zero row stays zero, the others are -m_i/||m_i||.
     * Rows (3,4) and (0,-5) have norm 5 exactly. */
    {
        const double m[6] = {3, 4, 0, 0, 0, -5};
        const double want[6] = {-0.6, -0.8, 0, 0, -0.0, 1};
        gsl_matrix_const_view M = gsl_matrix_const_view_array(m, 3, 2);
        gsl_matrix *S = gsl_matrix_alloc(3, 2);
        lmc_oracle *o = lmc_oracle_alloc(&lmc_oracle_rowl2, 3, 2);
        lmc_oracle_apply(o, &M.matrix, S);
        double d = 0;
        for (int i = 0; i < 6; i++)
            d = fmax(d, fabs(S->data[i] - want[i]));
        tap_ok(d <= 2 * DBL_EPSILON && S->data[2] == 0 && S->data[3] == 0,
               "rowl2: a zero row stays zero, rows become -m_i/||m_i|| "
               "(max err %.2g)", d);
        gsl_matrix_free(S);
        lmc_oracle_free(o);
    }
}

static void
error_paths(void)
{
    lmc_set_error_handler(lmc_error_handler_quiet);
    for (size_t t = 0; lmc_oracle_types[t]; t++)
    {
        const lmc_oracle_type *T = lmc_oracle_types[t];
        lmc_oracle *o = lmc_oracle_alloc(T, 4, 3);
        gsl_matrix *M = gsl_matrix_calloc(4, 3), *S = gsl_matrix_alloc(4, 3);
        gsl_matrix *W = gsl_matrix_calloc(3, 4), *W2 = gsl_matrix_alloc(4, 4);
        gsl_matrix_set(M, 0, 0, 1.0);
        double v;
        tap_ok(lmc_oracle_apply(o, W, S) == LMC_EBADLEN &&
                   lmc_oracle_apply(o, M, W2) == LMC_EBADLEN &&
                   lmc_oracle_norm(o, W, &v) == LMC_EBADLEN &&
                   lmc_oracle_dual_norm(o, W2, &v) == LMC_EBADLEN,
               "%s: wrong input or output shape -> LMC_EBADLEN", T->name);
        tap_int(lmc_oracle_apply(o, M, M), LMC_EINVAL,
                "%s: output aliasing input -> LMC_EINVAL", T->name);
        gsl_matrix_set(M, 2, 1, NAN);
        const int nan_apply = lmc_oracle_apply(o, M, S);
        const int nan_norm = lmc_oracle_norm(o, M, &v);
        gsl_matrix_set(M, 2, 1, -INFINITY);
        const int inf_dual = lmc_oracle_dual_norm(o, M, &v);
        tap_ok(nan_apply == LMC_ENONFINITE && nan_norm == LMC_ENONFINITE &&
                   inf_dual == LMC_ENONFINITE,
               "%s: NaN / Inf input -> LMC_ENONFINITE", T->name);
        tap_ok(lmc_oracle_alloc(T, 0, 3) == NULL &&
                   lmc_oracle_alloc(T, 3, 0) == NULL,
               "%s: zero-size alloc -> NULL", T->name);
        tap_ok(lmc_oracle_find(T->name) == T, "%s: found by name", T->name);
        gsl_matrix_free(M);
        gsl_matrix_free(S);
        gsl_matrix_free(W);
        gsl_matrix_free(W2);
        lmc_oracle_free(o);
    }
    tap_ok(lmc_oracle_find("nuclear") == NULL && lmc_oracle_find("") == NULL,
           "unknown oracle name -> lmc_oracle_find returns NULL");
    lmc_oracle_free(NULL); /* documented no-op; would crash otherwise */
}

int
main(void)
{
    const unsigned long seed = tap_begin(20261124);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);

    size_t n_types = 0;
    for (size_t t = 0; lmc_oracle_types[t]; t++, n_types++)
        for (size_t s = 0; s < N_SHAPES; s++)
            random_properties(lmc_oracle_types[t], shapes[s][0],
                              shapes[s][1], r);
    tap_ok(n_types == 5, "registry lists the 5 oracles of THEORY.md (%zu)",
           n_types);
    for (size_t t = 0; lmc_oracle_types[t]; t++)
    {
        zero_input(lmc_oracle_types[t]);
        strided(lmc_oracle_types[t], r);
        negative_control(lmc_oracle_types[t], r);
    }
    rank_deficient(r);
    ties_and_zeros();
    error_paths();

    gsl_rng_free(r);
    return tap_end();
}
