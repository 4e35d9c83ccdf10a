/* precision.c -- rounding to fp32 and emulated bf16. */
#include "precision.h"
#include "status.h"

#include <math.h>
#include <string.h>

const char *
lmc_precision_name(lmc_precision p)
{
    switch (p)
    {
    case LMC_FP64: return "fp64";
    case LMC_FP32: return "fp32";
    case LMC_BF16: return "bf16";
    }
    return "?";
}

int
lmc_precision_parse(const char *name, lmc_precision *p)
{
    static const lmc_precision all[] = {LMC_FP64, LMC_FP32, LMC_BF16};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, lmc_precision_name(all[i])) == 0)
        {
            *p = all[i];
            return LMC_SUCCESS;
        }
    LMC_ERROR(LMC_ENOTFOUND, "unknown precision '%s' (accepted: fp64, fp32, "
              "bf16)", name);
}

float
lmc_round_bf16(double x)
{
    /* Largest bf16: (2 - 2^-7) 2^127.  Values at or above the midpoint to
     * the next binade round to infinity, as in IEEE rounding. */
    static const double bf16_max = 0x1.fep127;
    static const double overflow_mid = 0x1.ffp127;
    if (isnan(x) || x == 0 || isinf(x))
        return (float)x;
    if (fabs(x) >= overflow_mid)
        return (float)copysign(INFINITY, x);
    int e;
    const double m = frexp(x, &e); /* x = m 2^e, 0.5 <= |m| < 1 */
    /* Below the normal range of bf16 (2^-126) keep the fixed quantum of
     * subnormals: 2^-133. */
    const int q = e - 1 < -126 ? -133 : e - 8;
    /* Round to nearest even whatever the current IEEE mode: bf16
     * conversions in hardware (AVX512_BF16's VCVTNEPS2BF16, the usual
     * software casts) ignore MXCSR, and the fp-environment ensembles of
     * `check` change the mode.  y has |y| < 2^8 and floor and y - fl are
     * exact, so no step below depends on the mode (the sign is put back
     * last, so tiny negatives round to -0). */
    const double y = ldexp(fabs(m), e - q), fl = floor(y), frac = y - fl;
    const double k = frac > 0.5    ? fl + 1
                     : frac < 0.5  ? fl
                     : fmod(fl, 2) == 0 ? fl
                                        : fl + 1;
    const double r = copysign(ldexp(k, q), x);
    return (float)(fabs(r) > bf16_max ? copysign(INFINITY, r) : r);
}

double
lmc_round(double x, lmc_precision p)
{
    switch (p)
    {
    case LMC_FP32: return (double)(float)x;
    case LMC_BF16: return (double)lmc_round_bf16(x);
    case LMC_FP64: break;
    }
    return x;
}
