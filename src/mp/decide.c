/* mp/decide.c -- Ziv-loop decisions of lhs <= rhs over MPFI enclosures. */
#include "decide.h"
#include "status.h"

#include <math.h>

void
lmc_enclose_measured(mpfi_t out, double x, double rel)
{
    mpfi_t e;
    mpfi_init2(e, mpfi_get_prec(out));
    /* e = [-rel, rel] * |x|; both factors exact doubles, product rounded
     * outward by MPFI. */
    mpfi_interv_d(e, -rel, rel);
    mpfi_mul_d(e, e, fabs(x));
    mpfi_set_d(out, x);
    mpfi_add(out, out, e);
    mpfi_clear(e);
}

lmc_verdict
lmc_decide_le(lmc_enclose_fn lhs, lmc_enclose_fn rhs, const void *data,
              double scale, mpfr_prec_t prec0, mpfr_prec_t prec_max,
              double *lhs_mid, double *rhs_mid)
{
    lmc_verdict v = LMC_UNDECIDED;
    for (mpfr_prec_t prec = prec0; prec <= prec_max; prec *= 2)
    {
        mpfi_t a, b;
        mpfi_init2(a, prec);
        mpfi_init2(b, prec);
        const int sa = lhs(a, data, prec), sb = sa ? sa : rhs(b, data, prec);
        if (sa || sb)
        {
            mpfi_clear(a);
            mpfi_clear(b);
            return LMC_UNDECIDED;
        }
        mpfi_mul_d(b, b, scale);
        if (lhs_mid)
            *lhs_mid = mpfi_get_d(a);
        if (rhs_mid)
            *rhs_mid = mpfi_get_d(b);
        mpfr_t a_lo, a_hi, b_lo, b_hi;
        mpfr_inits2(prec, a_lo, a_hi, b_lo, b_hi, (mpfr_ptr)0);
        mpfi_get_left(a_lo, a);
        mpfi_get_right(a_hi, a);
        mpfi_get_left(b_lo, b);
        mpfi_get_right(b_hi, b);
        const int nan = mpfi_nan_p(a) || mpfi_nan_p(b);
        /* The endpoints are exact copies (same precision), so these
         * comparisons are between the enclosures themselves. */
        if (!nan && mpfr_lessequal_p(a_hi, b_lo))
            v = LMC_HOLDS;
        else if (!nan && mpfr_greater_p(a_lo, b_hi))
            v = LMC_VIOLATED;
        mpfr_clears(a_lo, a_hi, b_lo, b_hi, (mpfr_ptr)0);
        mpfi_clear(a);
        mpfi_clear(b);
        if (v != LMC_UNDECIDED || nan)
            break;
    }
    return v;
}
