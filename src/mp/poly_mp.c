/* poly_mp.c -- polynomial orthogonalizers (THEORY O2) run in MPFR: the
 * exact-arithmetic output and the composed scalar map.
 *
 * X_0 = M / (divisor ||M||_F + eps), step j:
 *     X <- a_j X + b_j (X X^T) X + c_j (X X^T)^2 X = (a_j I + b_j G + c_j G^2) X
 * with G = X X^T, or X (a_j I + b_j G + c_j G^2) with G = X^T X for a tall X
 * (the same matrix: (X X^T)^k X = X (X^T X)^k), the Gram matrix on the
 * smaller side.  On singular values this is p_j(s) = a_j s + b_j s^3 +
 * c_j s^5, so with exact arithmetic the output is U p^(q)(S/d) V^T and its
 * distance to U V^T is max_i |p^(q)(s_i/d) - 1|.  At precision p every
 * operation rounds to nearest with error ~2^-p relative, and the odd
 * polynomials in use are contractions near their fixed point, so the
 * MPFR output stands for the exact-arithmetic output to ~k 2^-p.
 */
#include "mp.h"
#include "unwind.h"

#include <math.h>
#include <stdlib.h>

#include "status.h"

/* Every step 0..steps-1 has a finite triple. */
static int
check_schedule(const lmc_schedule *s, size_t steps)
{
    if (steps > 0 && s->len == 0)
        LMC_ERROR(LMC_EINVAL, "schedule '%s' has no coefficients; %zu steps "
                  "requested", s->name, steps);
    for (size_t j = 0; j < steps; j++)
    {
        const double *c = lmc_schedule_coef(s, j);
        if (!c)
            LMC_ERROR(LMC_EINVAL, "schedule '%s' has %zu steps; %zu "
                      "requested (accepted: 0..%zu)", s->name, s->len, steps,
                      s->len);
        if (!isfinite(c[0]) || !isfinite(c[1]) || !isfinite(c[2]))
            LMC_ERROR(LMC_EINVAL, "schedule '%s': step %zu has a non-finite "
                      "coefficient", s->name, j);
    }
    return LMC_SUCCESS;
}

void
lmc_mp_poly_ws_free(lmc_mp_poly_ws *w)
{
    if (!w)
        return;
    lmc_mp_mat_free(w->xw);
    lmc_mp_mat_free(w->xn);
    lmc_mp_mat_free(w->g);
    lmc_mp_mat_free(w->g2);
    lmc_mp_mat_free(w->b);
    mpfr_clears(w->d, w->t, (mpfr_ptr)0);
    free(w);
}

lmc_mp_poly_ws *
lmc_mp_poly_ws_alloc(size_t size1, size_t size2, mpfr_prec_t prec)
{
    if (lmc_mp_check_prec(prec) != LMC_SUCCESS)
        return NULL; /* reported */
    if (size1 == 0 || size2 == 0)
        LMC_ERROR_NULL(LMC_EBADLEN, "MPFR polynomial workspace of %zux%zu",
                       size1, size2);
    lmc_mp_poly_ws *w = calloc(1, sizeof *w);
    if (!w)
        LMC_ERROR_NULL(LMC_ENOMEM, "MPFR polynomial workspace");
    const size_t k = size1 < size2 ? size1 : size2;
    w->size1 = size1;
    w->size2 = size2;
    w->prec = prec;
    mpfr_inits2(prec, w->d, w->t, (mpfr_ptr)0);
    w->xw = lmc_mp_mat_alloc(size1, size2, prec);
    w->xn = lmc_mp_mat_alloc(size1, size2, prec);
    w->g = lmc_mp_mat_alloc(k, k, prec);
    w->g2 = lmc_mp_mat_alloc(k, k, prec);
    w->b = lmc_mp_mat_alloc(k, k, prec);
    if (!w->xw || !w->xn || !w->g || !w->g2 || !w->b)
    {
        lmc_mp_poly_ws_free(w);
        return NULL; /* reported by lmc_mp_mat_alloc */
    }
    return w;
}

int
lmc_mp_poly_apply_mp(lmc_mp_mat *x, const lmc_mp_mat *m,
                     const lmc_schedule *s, size_t steps, lmc_mp_poly_ws *w)
{
    if (!x || !m || !s || !w)
        LMC_ERROR(LMC_EINVAL, "MPFR polynomial: NULL argument");
    if (x->size1 != m->size1 || x->size2 != m->size2 ||
        w->size1 != m->size1 || w->size2 != m->size2)
        LMC_ERROR(LMC_EBADLEN, "MPFR polynomial of a %zux%zu matrix into "
                  "%zux%zu with a %zux%zu workspace", m->size1, m->size2,
                  x->size1, x->size2, w->size1, w->size2);
    LMC_TRY(check_schedule(s, steps));
    if (!isfinite(s->divisor) || !isfinite(s->eps))
        LMC_ERROR(LMC_EINVAL, "schedule '%s': divisor %g and eps %g must be "
                  "finite", s->name, s->divisor, s->eps);
    if (!lmc_mp_mat_isfinite(m))
        LMC_ERROR(LMC_ENONFINITE, "MPFR polynomial: the input has a NaN or "
                  "Inf entry");

    const size_t r = m->size1, n = m->size2;
    const int tall = r > n;
    const size_t k = tall ? n : r;
    lmc_mp_mat *xw = w->xw, *xn = w->xn, *g = w->g, *g2 = w->g2, *b = w->b;
    mpfr_ptr d = w->d, t = w->t;
    /* d = divisor ||M||_F + eps, each operation to nearest: this is the
     * exact-arithmetic normalization up to 2^-prec */
    lmc_mp_mat_frobenius(d, m);
    mpfr_mul_d(d, d, s->divisor, MPFR_RNDN);
    mpfr_add_d(d, d, s->eps, MPFR_RNDN);
    if (mpfr_sgn(d) <= 0)
        LMC_ERROR(LMC_EDOM, "MPFR polynomial: divisor ||M||_F + eps = %g is "
                  "not > 0 (zero input with eps = 0?)",
                  mpfr_get_d(d, MPFR_RNDN));
    for (size_t i = 0; i < r * n; i++)
        mpfr_div(xw->data[i], m->data[i], d, MPFR_RNDN);

    for (size_t j = 0; j < steps; j++)
    {
        const double *c = lmc_schedule_coef(s, j);
        if (tall)
            LMC_TRY(lmc_mp_mat_mul_tn(g, xw, xw));
        else
            LMC_TRY(lmc_mp_mat_mul_nt(g, xw, xw));
        if (c[2] != 0)
            LMC_TRY(lmc_mp_mat_mul(g2, g, g));
        /* B = a I + b G + c G^2, coefficients exact, nearest rounding */
        for (size_t i = 0; i < k; i++)
            for (size_t l = 0; l < k; l++)
            {
                mpfr_ptr v = ENTRY(b, i, l);
                mpfr_mul_d(v, ENTRY(g, i, l), c[1], MPFR_RNDN);
                if (c[2] != 0)
                {
                    mpfr_mul_d(t, ENTRY(g2, i, l), c[2], MPFR_RNDN);
                    mpfr_add(v, v, t, MPFR_RNDN);
                }
                if (i == l)
                    mpfr_add_d(v, v, c[0], MPFR_RNDN);
            }
        if (tall)
            LMC_TRY(lmc_mp_mat_mul(xn, xw, b));
        else
            LMC_TRY(lmc_mp_mat_mul(xn, b, xw));
        /* the workspace's own matrices: swapping their arrays is safe */
        lmc_mp_swap_data(xw, xn);
    }
    for (size_t i = 0; i < r * n; i++)
        mpfr_set(x->data[i], xw->data[i], MPFR_RNDN); /* nearest at x->prec */
    return LMC_SUCCESS;
}

int
lmc_mp_poly_apply(lmc_mp_mat *x, const gsl_matrix *m, const lmc_schedule *s,
                  size_t steps, mpfr_prec_t prec)
{
    if (!x || !m || !s)
        LMC_ERROR(LMC_EINVAL, "MPFR polynomial: NULL argument");
    LMC_TRY(lmc_mp_check_prec(prec));
    if (x->size1 != m->size1 || x->size2 != m->size2)
        LMC_ERROR(LMC_EBADLEN, "MPFR polynomial of a %zux%zu matrix into "
                  "%zux%zu", m->size1, m->size2, x->size1, x->size2);
    LMC_TRY(check_schedule(s, steps));
    if (!isfinite(s->divisor) || !isfinite(s->eps))
        LMC_ERROR(LMC_EINVAL, "schedule '%s': divisor %g and eps %g must be "
                  "finite", s->name, s->divisor, s->eps);

    int status = LMC_SUCCESS;
    lmc_mp_mat *mm = NULL;
    lmc_mp_poly_ws *w = lmc_mp_poly_ws_alloc(m->size1, m->size2, prec);
    if (!w)
        return LMC_ENOMEM; /* reported */
    ALLOC(mm, m->size1, m->size2, prec);
    CHECK(lmc_mp_mat_set_gsl(mm, m)); /* exact; reports NaN/Inf */
    CHECK(lmc_mp_poly_apply_mp(x, mm, s, steps, w));
fail:
    lmc_mp_mat_free(mm);
    lmc_mp_poly_ws_free(w);
    return status;
}

int
lmc_mp_poly_map(mpfr_t out, const lmc_schedule *s, size_t steps,
                const mpfr_t x, mpfr_prec_t prec)
{
    if (!s)
        LMC_ERROR(LMC_EINVAL, "MPFR scalar map: NULL schedule");
    LMC_TRY(lmc_mp_check_prec(prec));
    LMC_TRY(check_schedule(s, steps));
    if (!mpfr_number_p(x))
        LMC_ERROR(LMC_ENONFINITE, "MPFR scalar map: the argument is not a "
                  "finite number");

    mpfr_t v, v2, u;
    mpfr_inits2(prec, v, v2, u, (mpfr_ptr)0);
    mpfr_set(v, x, MPFR_RNDN);
    for (size_t j = 0; j < steps; j++)
    {
        const double *c = lmc_schedule_coef(s, j);
        /* v (a + v^2 (b + c v^2)), every operation to nearest */
        mpfr_sqr(v2, v, MPFR_RNDN);
        mpfr_mul_d(u, v2, c[2], MPFR_RNDN);
        mpfr_add_d(u, u, c[1], MPFR_RNDN);
        mpfr_mul(u, u, v2, MPFR_RNDN);
        mpfr_add_d(u, u, c[0], MPFR_RNDN);
        mpfr_mul(v, v, u, MPFR_RNDN);
    }
    mpfr_set(out, v, MPFR_RNDN); /* nearest at out's precision */
    mpfr_clears(v, v2, u, (mpfr_ptr)0);
    return LMC_SUCCESS;
}
