/* t-precision.c -- rounding to emulated bf16 and to fp32, precision names.
 *
 * bf16 keeps p = 8 significant bits (7 stored) with the fp32 exponent
 * range: in [1, 2) the spacing is 2^-7, the smallest normal is 2^-126, the
 * subnormal quantum 2^-133, the largest finite (2 - 2^-7) 2^127.  Round
 * to nearest, ties to even, so the relative error is at most the unit
 * roundoff u = 2^-p = 2^-8.
 *
 * References: hand-computed cases (derivations next to each), and for
 * random inputs that are exact floats, the classic bit-level rounding of
 * the upper 16 bits of an IEEE single (an independent algorithm).
 */
#include "fpio.h"
#include "linalg.h"
#include "precision.h"
#include "status.h"
#include "tap.h"

#include <fenv.h>
#include <float.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_RANDOM 200000 /* random samples per property: < 0.1 s */

/* bf16 unit roundoff 2^-p with p = 8 significant bits: the bound on
 * |round(x) - x| / |x| for round to nearest in the normal range. */
#define U_BF16 0x1p-8

/* bf16 by bit manipulation of a float: add 0x7fff plus the lowest kept
 * bit (ties to even), keep the upper 16 bits.  Correct for every finite
 * float, including subnormals and the overflow to Inf (the carry runs
 * into the exponent). */
static float
bf16_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    u += 0x7fffu + ((u >> 16) & 1u);
    u &= 0xffff0000u;
    float r;
    memcpy(&r, &u, sizeof r);
    return r;
}

/* Same value (NaN never equals; signed zeros must match). */
static int
same(double got, double want)
{
    return got == want && signbit(got) == signbit(want);
}

static void
check_case(double x, double want, const char *why)
{
    const double got = lmc_round_bf16(x);
    if (!tap_ok(same(got, want), "bf16(%a) = %a: %s", x, want, why))
        tap_diag("got %a", got);
}

int
main(void)
{
    const unsigned long seed = tap_begin(20261124);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);

    /* Hand-computed cases. */
    check_case(1.0, 1.0, "exact value stays");
    check_case(1 + 0x1p-7, 1 + 0x1p-7, "one ulp above 1 is representable");
    check_case(1 + 0x1p-8, 1.0,
               "tie between 1 and 1+2^-7 goes to the even mantissa 1");
    check_case(1 + 3 * 0x1p-8, 1 + 0x1p-6,
               "tie between 1+2^-7 (odd) and 1+2^-6 (even) goes up");
    /* 1 + 2^-8 + 2^-30 first cast to fp32 would become the tie 1 + 2^-8
     * and then round down: rounding must be done once, from double. */
    check_case(1 + 0x1p-8 + 0x1p-30, 1 + 0x1p-7,
               "just above the tie rounds up (no double rounding via fp32)");
    check_case(1 + 0x1p-8 - 0x1p-30, 1.0, "just below the tie rounds down");
    /* pi/2 = 1.5707963..., 128 * 1.5707963 = 201.06 -> 201/128. */
    check_case(-3.14159265358979323846, -2 * 201.0 / 128.0,
               "-pi -> -3.140625 (201/64), sign kept");
    check_case(-(1 + 3 * 0x1p-8), -(1 + 0x1p-6),
               "negative tie rounds to even magnitude");
    check_case(0.1, 205.0 / 2048.0,
               "0.1 = 1.6 * 2^-4, 128 * 1.6 = 204.8 -> 205/128 * 2^-4");
    check_case(-0.0, -0.0, "negative zero stays negative zero");
    check_case(0x1.fep127, 0x1.fep127, "largest bf16 (2-2^-7) 2^127 stays");
    check_case(0x1.fefffp127, 0x1.fep127,
               "below the overflow midpoint rounds to the largest bf16");
    check_case(0x1.ffp127, INFINITY,
               "overflow midpoint (2-2^-8) 2^127 ties to even = Inf");
    check_case(FLT_MAX, INFINITY, "FLT_MAX overflows to Inf");
    check_case(-1e39, -INFINITY, "-1e39 (beyond fp32) overflows to -Inf");
    check_case(INFINITY, INFINITY, "Inf stays Inf");
    check_case(-INFINITY, -INFINITY, "-Inf stays -Inf");
    tap_ok(isnan(lmc_round_bf16(NAN)), "NaN stays NaN");
    /* Normal/subnormal boundary and subnormals: quantum 2^-133. */
    check_case(0x1p-126, 0x1p-126, "smallest normal stays");
    check_case(0x1p-126 + 0x1p-134, 0x1p-126,
               "smallest normal + half a quantum ties to even (down)");
    check_case(0x1p-126 - 0x1p-134, 0x1p-126,
               "largest subnormal + half quantum (127.5 q) ties to 128 q");
    check_case(0x1p-133, 0x1p-133, "smallest subnormal 2^-133 stays");
    check_case(0x1p-134, 0.0, "half the smallest subnormal ties to 0");
    check_case(3 * 0x1p-134, 0x1p-132, "1.5 quanta ties to 2 quanta");
    check_case(0x1p-134 * 1.0001, 0x1p-133,
               "just above half a quantum rounds up to 2^-133");
    check_case(0x1p-127 + 0x1p-135, 0x1p-127,
               "2^-127 + a quarter quantum rounds to 2^-127 (subnormal)");
    check_case(-0x1p-140, -0.0, "tiny negative underflows to -0");
    check_case(5 * 0x1p-133 + 0x1p-140, 5 * 0x1p-133,
               "5 quanta + 1/128 quantum stays 5 quanta (spacing fixed)");

    /* Random finite floats (all bit patterns but NaN/Inf): against the
     * bit-level rounding. */
    long bad_bits = 0;
    for (long i = 0; i < N_RANDOM; i++)
    {
        uint32_t u = (uint32_t)gsl_rng_get(r);
        float f;
        memcpy(&f, &u, sizeof f);
        if (!isfinite(f))
        {
            i--;
            continue;
        }
        const double want = bf16_bits(f), got = lmc_round_bf16(f);
        if (!same(got, want) && bad_bits++ < 3)
            tap_diag("x = %a: got %a want %a", (double)f, got, want);
    }
    tap_int(bad_bits, 0, "bf16 of %d random floats equals bit-level "
            "rounding of the upper 16 bits", N_RANDOM);

    /* Random doubles, log-uniform in [2^-120, 2^120], both signs: relative
     * error <= u, result a bf16 (low 16 bits of the float zero), and the
     * largest error seen exceeds u/2 (rounding really is to 8 bits). */
    double max_rel = 0;
    long not_bf16 = 0;
    for (long i = 0; i < N_RANDOM; i++)
    {
        const double x = (gsl_rng_uniform(r) < 0.5 ? -1 : 1) *
                         ldexp(1 + gsl_rng_uniform(r),
                               (int)gsl_rng_uniform_int(r, 241) - 120);
        const float y = lmc_round_bf16(x);
        const double rel = fabs((double)y - x) / fabs(x);
        if (!(rel <= max_rel))
            max_rel = rel; /* a NaN rel is kept and fails below */
        uint32_t u;
        memcpy(&u, &y, sizeof u);
        if (u & 0xffffu)
            not_bf16++;
    }
    tap_le(max_rel, U_BF16, "relative bf16 rounding error <= 2^-8 over %d "
           "random doubles (max %.6g = %.4f u)", N_RANDOM, max_rel,
           max_rel / U_BF16);
    tap_ok(max_rel > U_BF16 / 2, "largest relative error %.4f u exceeds u/2, "
           "so rounding is to 8 bits, not more", max_rel / U_BF16);
    tap_int(not_bf16, 0, "every bf16 result has its low 16 float bits zero");

    /* lmc_round: fp32 is the (float) cast, fp64 the identity, bf16 the
     * function above. */
    long bad32 = 0, bad64 = 0, bad16 = 0;
    for (long i = 0; i < N_RANDOM; i++)
    {
        const double x = (gsl_rng_uniform(r) - 0.5) *
                         ldexp(1, (int)gsl_rng_uniform_int(r, 200) - 100);
        if (!same(lmc_round(x, LMC_FP32), (double)(float)x))
            bad32++;
        if (!same(lmc_round(x, LMC_FP64), x))
            bad64++;
        if (!same(lmc_round(x, LMC_BF16), (double)lmc_round_bf16(x)))
            bad16++;
    }
    tap_int(bad32, 0, "lmc_round(x, fp32) == (float)x on %d random values",
            N_RANDOM);
    tap_int(bad64, 0, "lmc_round(x, fp64) == x");
    tap_int(bad16, 0, "lmc_round(x, bf16) == lmc_round_bf16(x)");
    /* IEEE 754 7.4: an overflow rounds to the largest finite number in
     * the modes that round toward zero from it (whole-process runs under
     * a directed mode, tests/meson.build). */
    const int mode = fegetround();
    const double big = mode == FE_DOWNWARD || mode == FE_TOWARDZERO
                           ? FLT_MAX : INFINITY;
    tap_ok(same(lmc_round(1e39, LMC_FP32), big) &&
               isnan(lmc_round(NAN, LMC_FP32)),
           "fp32 rounding overflows 1e39 to %g (the rounding mode's "
           "overflow value) and keeps NaN", big);

    /* Names. */
    static const struct
    {
        const char *name;
        lmc_precision p;
    } names[] = {{"fp64", LMC_FP64}, {"fp32", LMC_FP32}, {"bf16", LMC_BF16}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    {
        lmc_precision p = (lmc_precision)-1;
        const int st = lmc_precision_parse(names[i].name, &p);
        tap_ok(st == LMC_SUCCESS && p == names[i].p &&
                   strcmp(lmc_precision_name(p), names[i].name) == 0,
               "'%s' parses and prints back", names[i].name);
    }
    lmc_set_error_handler(lmc_error_handler_quiet);
    lmc_precision p = LMC_FP32;
    tap_int(lmc_precision_parse("fp16", &p), LMC_ENOTFOUND,
            "unknown precision 'fp16' -> LMC_ENOTFOUND");
    tap_ok(p == LMC_FP32 && strstr(lmc_last_error(), "fp16") != NULL,
           "a refused name leaves the output alone and is named in the "
           "message ('%s')", lmc_last_error());
    tap_int(lmc_precision_parse("", &p), LMC_ENOTFOUND,
            "empty precision name -> LMC_ENOTFOUND");
    tap_int(lmc_precision_parse("FP32", &p), LMC_ENOTFOUND,
            "names are case-sensitive: 'FP32' -> LMC_ENOTFOUND");

    /* Decimal text in and out is independent of the rounding mode
     * (src/fpio.h); plain strtod and printf are not (the controls). */
    {
        const int saved = fegetround();
        fesetround(FE_UPWARD);
        const double a = lmc_strtod("0.3", NULL), b = strtod("0.3", NULL);
        char fb[32], pb[32];
        lmc_snprintf(fb, sizeof fb, "%.6g", 0.08);
        snprintf(pb, sizeof pb, "%.6g", 0.08);
        const int still_up = fegetround() == FE_UPWARD;
        fesetround(saved);
        tap_ok(a == 0.3 && still_up, "lmc_strtod(\"0.3\") under FE_UPWARD "
               "is the nearest double to 0.3, and the mode is restored");
        tap_ok(b != 0.3, "control: glibc strtod under FE_UPWARD gives "
               "%.17g, not 0.3", b);
        tap_ok(strcmp(fb, "0.08") == 0, "lmc_snprintf %%.6g of 0.08 under "
               "FE_UPWARD prints '%s'", fb);
        tap_ok(strcmp(pb, "0.08") != 0, "control: glibc snprintf under "
               "FE_UPWARD prints '%s'", pb);
        tap_ok(lmc_round_mode_parse("toward-zero") == FE_TOWARDZERO &&
                   lmc_round_mode_parse("nearest") == FE_TONEAREST &&
                   lmc_round_mode_parse("ambient") == LMC_ROUND_AMBIENT &&
                   lmc_round_mode_parse("up") == -2,
               "rounding mode names parse; 'up' is refused");
    }

    /* Overflow in every mode: a directed mode saturates at DBL_MAX. */
    {
        const int saved = fegetround();
        fesetround(FE_TOWARDZERO);
        volatile double huge = DBL_MAX;
        volatile double y = huge * 2;
        fesetround(saved);
        tap_ok(y == DBL_MAX && !lmc_isfinite(y),
               "an overflow under FE_TOWARDZERO saturates at DBL_MAX and "
               "lmc_isfinite calls it overflowed");
        tap_ok(lmc_isfinite(nextafter(DBL_MAX, 0)) && lmc_isfinite(-1e308) &&
                   !lmc_isfinite(-INFINITY) && !lmc_isfinite(NAN),
               "control: the largest double below DBL_MAX is finite; "
               "Inf and NaN are not");
    }

    gsl_rng_free(r);
    return tap_end();
}
