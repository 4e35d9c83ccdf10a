/* tap.c -- TAP producer used by every test program. */
#include "tap.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

static int n_run, n_failed;

unsigned long
tap_begin(unsigned long default_seed)
{
    const char *env = getenv("LMC_TEST_SEED");
    unsigned long seed = default_seed;
    setvbuf(stdout, NULL, _IONBF, 0);
    if (env && *env)
        seed = strtoul(env, NULL, 10);
    printf("TAP version 14\n# seed=%lu (set LMC_TEST_SEED to change)\n",
           seed);
    return seed;
}

int
tap_end(void)
{
    printf("1..%d\n", n_run);
    if (n_failed)
        printf("# %d of %d failed\n", n_failed, n_run);
    return n_failed ? 1 : 0;
}

static int
vpoint(int pass, const char *fmt, va_list ap)
{
    n_run++;
    if (!pass)
        n_failed++;
    printf("%s %d - ", pass ? "ok" : "not ok", n_run);
    vprintf(fmt, ap);
    printf("\n");
    return pass;
}

int
tap_ok(int pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpoint(pass, fmt, ap);
    va_end(ap);
    return pass;
}

int
tap_close(double got, double want, double rtol, double atol,
          const char *fmt, ...)
{
    const double diff = fabs(got - want);
    const double tol = atol + rtol * fabs(want);
    /* Written so that a NaN in got or want makes pass false. */
    const int pass = diff <= tol;
    va_list ap;
    va_start(ap, fmt);
    vpoint(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("#   got %.17g want %.17g diff %.3g tol %.3g\n", got, want,
               diff, tol);
    return pass;
}

int
tap_le(double got, double bound, const char *fmt, ...)
{
    const int pass = got <= bound;
    va_list ap;
    va_start(ap, fmt);
    vpoint(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("#   got %.17g bound %.17g excess %.3g\n", got, bound,
               got - bound);
    return pass;
}

int
tap_int(long got, long want, const char *fmt, ...)
{
    const int pass = got == want;
    va_list ap;
    va_start(ap, fmt);
    vpoint(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("#   got %ld want %ld\n", got, want);
    return pass;
}

void
tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

void
tap_skip(int n, const char *reason)
{
    for (int i = 0; i < n; i++)
        printf("ok %d # SKIP %s\n", ++n_run, reason);
}
