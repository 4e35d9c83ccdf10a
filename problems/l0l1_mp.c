/* problems/l0l1_mp.c -- MPFR companion of "l0l1-sep": f, grad f of the
 * stored U_i, V_i at any precision, f* = 0.
 *
 *   t_ik = c_i u_ik^T X_i v_ik,  f = sum_ik h(t_ik),
 *   grad_i = U_i diag(c_i h'(t_ik)) V_i^T,
 * with the shell function h of l0l1.h, whose parameters are small
 * integers (exact); c_i is 1 or 1/2 (exact).  Every operation rounds to
 * nearest at prec: reference values, not bounds.
 */
#include "l0l1.h"
#include "problem_mp.h"
#include "status.h"

/* out = h(t) and dout = h'(t) (either may be NULL), at their precision. */
static void
shell_mp(mpfr_t out, mpfr_t dout, const mpfr_t t, mpfr_prec_t prec)
{
    mpfr_t s, q, clip;
    mpfr_inits2(prec, s, q, clip, (mpfr_ptr)0);
    mpfr_abs(s, t, MPFR_RNDN); /* exact */
    /* clip = min(max(s - A, 0), B - A) */
    if (mpfr_cmp_ui(s, LMC_L0L1_A) <= 0)
        mpfr_set_zero(clip, 1);
    else if (mpfr_cmp_ui(s, LMC_L0L1_B) <= 0)
        mpfr_sub_ui(clip, s, LMC_L0L1_A, MPFR_RNDN);
    else
        mpfr_set_ui(clip, LMC_L0L1_B - LMC_L0L1_A, MPFR_RNDN);
    if (out)
    {
        /* EPS s^2/2, plus JUMP clip^2/2 inside the shell, or
         * JUMP W (s - (A+B)/2) beyond it. */
        mpfr_sqr(out, s, MPFR_RNDN);
        mpfr_mul_ui(out, out, LMC_L0L1_EPS, MPFR_RNDN);
        if (mpfr_cmp_ui(s, LMC_L0L1_B) <= 0)
        {
            mpfr_sqr(q, clip, MPFR_RNDN);
            mpfr_mul_ui(q, q, LMC_L0L1_JUMP, MPFR_RNDN);
            mpfr_add(out, out, q, MPFR_RNDN);
            mpfr_div_2ui(out, out, 1, MPFR_RNDN); /* exact */
        }
        else
        {
            mpfr_div_2ui(out, out, 1, MPFR_RNDN); /* exact */
            /* s - (A+B)/2 = (2 s - (A+B)) / 2 */
            mpfr_mul_2ui(q, s, 1, MPFR_RNDN);
            mpfr_sub_ui(q, q, LMC_L0L1_A + LMC_L0L1_B, MPFR_RNDN);
            mpfr_div_2ui(q, q, 1, MPFR_RNDN);
            mpfr_mul_ui(q, q, LMC_L0L1_JUMP * (LMC_L0L1_B - LMC_L0L1_A),
                        MPFR_RNDN);
            mpfr_add(out, out, q, MPFR_RNDN);
        }
    }
    if (dout)
    {
        mpfr_mul_ui(dout, s, LMC_L0L1_EPS, MPFR_RNDN);
        mpfr_mul_ui(q, clip, LMC_L0L1_JUMP, MPFR_RNDN);
        mpfr_add(dout, dout, q, MPFR_RNDN);
        if (mpfr_sgn(t) < 0)
            mpfr_neg(dout, dout, MPFR_RNDN);
    }
    mpfr_clears(s, q, clip, (mpfr_ptr)0);
}

/* Block i: adds f_i to sum and writes grad_i into g from entry off. */
static int
block_mp(const lmc_l0l1_state *st, size_t i, const gsl_vector *x,
         size_t off, mpfr_prec_t prec, mpfr_t sum, lmc_mp_mat *g)
{
    const size_t s1 = st->size1[i], s2 = st->size2[i], r = st->r[i];
    gsl_matrix_const_view X = gsl_matrix_const_view_array(x->data + off, s1,
                                                          s2);
    lmc_mp_mat *xm = lmc_mp_mat_alloc(s1, s2, prec);
    lmc_mp_mat *u = lmc_mp_mat_alloc(s1, r, prec);
    lmc_mp_mat *v = lmc_mp_mat_alloc(s2, r, prec);
    lmc_mp_mat *xv = lmc_mp_mat_alloc(s1, r, prec);
    lmc_mp_mat *gi = g ? lmc_mp_mat_alloc(s1, s2, prec) : NULL;
    mpfr_t t, hv, dh;
    mpfr_inits2(prec, t, hv, dh, (mpfr_ptr)0);
    int status = LMC_ENOMEM;
    if (!xm || !u || !v || !xv || (g && !gi))
        goto done;
    status = lmc_mp_mat_set_gsl(xm, &X.matrix);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_set_gsl(u, st->u[i]);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_set_gsl(v, st->v[i]);
    if (status == LMC_SUCCESS)
        status = lmc_mp_mat_mul(xv, xm, v);
    if (status != LMC_SUCCESS)
        goto done;
    for (size_t k = 0; k < r; k++)
    {
        mpfr_set_zero(t, 1);
        for (size_t a = 0; a < s1; a++)
            mpfr_fma(t, u->data[a * r + k], xv->data[a * r + k], t,
                     MPFR_RNDN);
        mpfr_mul_d(t, t, st->c[i], MPFR_RNDN); /* c is 1 or 1/2: exact */
        shell_mp(hv, dh, t, prec);
        mpfr_add(sum, sum, hv, MPFR_RNDN);
        if (g)
        {
            /* u column k becomes c h'(t_k) u_k (u is a private copy). */
            mpfr_mul_d(dh, dh, st->c[i], MPFR_RNDN);
            for (size_t a = 0; a < s1; a++)
                mpfr_mul(u->data[a * r + k], u->data[a * r + k], dh,
                         MPFR_RNDN);
        }
    }
    if (g)
    {
        status = lmc_mp_mat_mul_nt(gi, u, v);
        for (size_t k = 0; status == LMC_SUCCESS && k < s1 * s2; k++)
            mpfr_set(g->data[off + k], gi->data[k], MPFR_RNDN);
    }
done:
    mpfr_clears(t, hv, dh, (mpfr_ptr)0);
    lmc_mp_mat_free(xm);
    lmc_mp_mat_free(u);
    lmc_mp_mat_free(v);
    lmc_mp_mat_free(xv);
    lmc_mp_mat_free(gi);
    return status;
}

static int
l0l1_mp_fdf(const lmc_problem *P, const gsl_vector *x, mpfr_prec_t prec,
            mpfr_t f, lmc_mp_mat *g)
{
    const lmc_l0l1_state *st = P->state;
    const size_t total = P->layout.total;
    LMC_TRY(lmc_mp_check_prec(prec));
    if (x->size != total || x->stride != 1)
        LMC_ERROR(LMC_EBADLEN, "l0l1_mp: x has length %zu, want %zu",
                  x->size, total);
    if (g && (g->size1 != total || g->size2 != 1))
        LMC_ERROR(LMC_EBADLEN, "l0l1_mp: gradient is %zux%zu, want %zux1",
                  g->size1, g->size2, total);
    mpfr_t sum;
    mpfr_init2(sum, prec);
    mpfr_set_zero(sum, 1);
    int status = LMC_SUCCESS;
    size_t off = 0;
    for (size_t i = 0; status == LMC_SUCCESS && i < LMC_L0L1_NBLOCKS; i++)
    {
        status = block_mp(st, i, x, off, prec, sum, g);
        off += st->size1[i] * st->size2[i];
    }
    mpfr_set(f, sum, MPFR_RNDN);
    mpfr_clear(sum);
    return status;
}

static int
l0l1_mp_fstar(const lmc_problem *P, mpfr_prec_t prec, mpfr_t fstar)
{
    (void)P;
    LMC_TRY(lmc_mp_check_prec(prec));
    mpfr_set_zero(fstar, 1); /* h >= 0 = h(0): f(0) = 0 */
    return LMC_SUCCESS;
}

const lmc_problem_mp lmc_problem_l0l1_mp = {
    .base = &lmc_problem_l0l1,
    .fdf = l0l1_mp_fdf,
    .fstar = l0l1_mp_fstar,
};
