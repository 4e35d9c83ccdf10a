/* fpio.h -- decimal text in and out, independent of the rounding mode.
 *
 * glibc's strtod and printf honour the IEEE rounding mode: under
 * FE_UPWARD "0.3" parses to the double above 0.3 and %.6g prints 0.08
 * as 0.0800001.  lmocheck runs whole processes in directed modes
 * (tests/cross-env.py) to show that its verdicts are properties of the
 * mathematics; that perturbation belongs to the runs, not to reading a
 * spec or writing a report.  So every decimal the harness reads or
 * writes as data means the same number in every mode: these helpers do
 * the conversion in round-to-nearest and restore the caller's mode.
 */
#ifndef LMC_FPIO_H
#define LMC_FPIO_H

#include <stdarg.h>
#include <stddef.h>

/* strtod in round-to-nearest. */
double lmc_strtod(const char *s, char **end);

/* Switches to `mode` (an FE_* constant; LMC_ROUND_AMBIENT leaves the
 * mode alone); returns the mode to give back to lmc_fe_restore. */
int lmc_fe_set(int mode);
/* lmc_fe_set(FE_TONEAREST): for a stretch of I/O or bookkeeping (parsing
 * a libconfig file, analysing and writing a report). */
int lmc_fe_nearest(void);
void lmc_fe_restore(int mode);

/* snprintf in round-to-nearest. */
int lmc_snprintf(char *buf, size_t n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* IEEE rounding modes by name: "nearest", "upward", "downward",
 * "toward-zero" give the FE_* constant; "ambient" (keep the caller's
 * mode) gives LMC_ROUND_AMBIENT; anything else -2. */
#define LMC_ROUND_AMBIENT (-1)
#define LMC_ROUND_NAMES "ambient, nearest, upward, downward, toward-zero"
int lmc_round_mode_parse(const char *name);

#endif
