/* fesetround.c -- an LD_PRELOAD module that puts a whole process in the
 * IEEE rounding mode named by LMC_FESETROUND (upward, downward,
 * toward-zero, nearest) before main: tests/cross-env.py runs `lmocheck
 * check` under it, independently of check's own ensemble. */
#include <fenv.h>
#include <stdlib.h>
#include <string.h>

static void set_mode(void) __attribute__((constructor));

static void
set_mode(void)
{
    const char *m = getenv("LMC_FESETROUND");
    if (!m)
        return;
    if (strcmp(m, "upward") == 0)
        fesetround(FE_UPWARD);
    else if (strcmp(m, "downward") == 0)
        fesetround(FE_DOWNWARD);
    else if (strcmp(m, "toward-zero") == 0)
        fesetround(FE_TOWARDZERO);
    else if (strcmp(m, "nearest") == 0)
        fesetround(FE_TONEAREST);
}
