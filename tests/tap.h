/* tap.h -- a small TAP version 14 producer with numeric assertions.
 *
 * Every assertion is one test point.  NaN never passes; failures print
 * got / want / diff / tol as YAML-free '#' diagnostics.  Seeds come from
 * LMC_TEST_SEED (printed at the start) so a failing run can be repeated.
 */
#ifndef LMC_TAP_H
#define LMC_TAP_H

#include <stdio.h>

/* Starts a test program: unbuffered stdout, "TAP version 14", seed line.
 * Returns the seed (LMC_TEST_SEED, else default_seed). */
unsigned long tap_begin(unsigned long default_seed);

/* Prints the plan and returns the exit status (0 iff all passed). */
int tap_end(void);

int tap_ok(int pass, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* |got - want| <= atol + rtol |want|; NaN fails. */
int tap_close(double got, double want, double rtol, double atol,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* got <= bound (one-sided); NaN fails. */
int tap_le(double got, double bound, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* got == want for integers (status codes). */
int tap_int(long got, long want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Skips n points with a reason. */
void tap_skip(int n, const char *reason);

#endif /* LMC_TAP_H */
