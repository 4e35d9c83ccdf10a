/* fpio.c -- decimal conversions in round-to-nearest (fpio.h). */
#include "fpio.h"

#include <fenv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
lmc_fe_set(int mode)
{
    const int saved = fegetround();
    if (mode != LMC_ROUND_AMBIENT && mode != saved)
        fesetround(mode);
    return saved;
}

int
lmc_fe_nearest(void)
{
    return lmc_fe_set(FE_TONEAREST);
}

void
lmc_fe_restore(int mode)
{
    if (mode != fegetround())
        fesetround(mode);
}

double
lmc_strtod(const char *s, char **end)
{
    const int mode = lmc_fe_nearest();
    const double x = strtod(s, end);
    lmc_fe_restore(mode);
    return x;
}

int
lmc_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int mode = lmc_fe_nearest();
    const int r = vsnprintf(buf, n, fmt, ap);
    lmc_fe_restore(mode);
    va_end(ap);
    return r;
}


int
lmc_round_mode_parse(const char *name)
{
    static const struct
    {
        const char *name;
        int mode;
    } modes[] = {{"ambient", LMC_ROUND_AMBIENT}, {"nearest", FE_TONEAREST},
                 {"upward", FE_UPWARD}, {"downward", FE_DOWNWARD},
                 {"toward-zero", FE_TOWARDZERO}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(name, modes[i].name) == 0)
            return modes[i].mode;
    return -2;
}
