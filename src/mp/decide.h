/* mp/decide.h -- rigorous decisions of lhs <= rhs with interval
 * arithmetic (MPFI over MPFR).
 *
 * A theorem check writes each side as an enclosure function: given a
 * precision it builds an interval guaranteed to contain the side's exact
 * value.  Doubles that are exact inputs (a step size, a declared
 * constant) enter as point intervals; doubles that were computed (a
 * nuclear norm from an SVD, a realized delta) enter with their stated
 * relative error (lmc_enclose_measured); f - f* comes from the problem's
 * MPFR companion.  MPFI rounds every endpoint outward, so no rounding
 * direction has to be chosen by hand.  The decision (a Ziv loop, as in
 * MPFR's own functions):
 *   sup(lhs) <= inf(rhs)  -> holds,
 *   inf(lhs) >  sup(rhs)  -> violated,
 *   otherwise raise the precision; at the cap -> undecided.
 */
#ifndef LMC_DECIDE_H
#define LMC_DECIDE_H

#include "verdict.h"

#include <mpfi.h>

typedef int (*lmc_enclose_fn)(mpfi_t out, const void *data,
                              mpfr_prec_t prec);

/* Decides lhs <= scale * rhs (scale >= 0: 1 normally, 0.5 for the
 * negative control).  *lhs_mid and *rhs_mid (if non-NULL) receive the
 * midpoints of the last enclosures (rhs already scaled).  Starts at prec0
 * and doubles up to prec_max.  Returns LMC_HOLDS, LMC_VIOLATED or
 * LMC_UNDECIDED; an enclosure function's error gives LMC_UNDECIDED and
 * is reported. */
lmc_verdict lmc_decide_le(lmc_enclose_fn lhs, lmc_enclose_fn rhs,
                          const void *data, double scale, mpfr_prec_t prec0,
                          mpfr_prec_t prec_max, double *lhs_mid,
                          double *rhs_mid);

/* out = [x - rel |x|, x + rel |x|], endpoints rounded outward; rel >= 0
 * is the relative error bound stated for how x was computed. */
void lmc_enclose_measured(mpfi_t out, double x, double rel);

/* Default precisions of the Ziv loop. */
#define LMC_DECIDE_PREC0 128
#define LMC_DECIDE_PREC_MAX 4096

#endif /* LMC_DECIDE_H */
