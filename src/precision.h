/* precision.h -- reduced-precision arithmetic used by inexact oracles.
 *
 * fp32 is IEEE single; bf16 is emulated: a value is rounded to 8
 * significant bits (round to nearest, ties to even) with the single
 * precision exponent range, and computation in between runs in fp32.
 */
#ifndef LMC_PRECISION_H
#define LMC_PRECISION_H

typedef enum lmc_precision
{
    LMC_FP64 = 0,
    LMC_FP32 = 1,
    LMC_BF16 = 2
} lmc_precision;

/* "fp64", "fp32", "bf16". */
const char *lmc_precision_name(lmc_precision p);

/* Parses a name; LMC_ENOTFOUND (reported) if unknown. */
int lmc_precision_parse(const char *name, lmc_precision *p);

/* x rounded to bf16 (8 significant bits, round to nearest even),
 * overflow to +-Inf above the largest bf16, NaN kept. */
float lmc_round_bf16(double x);

/* x rounded to precision p and returned as double. */
double lmc_round(double x, lmc_precision p);

#endif /* LMC_PRECISION_H */
