/* registry.c -- the static registries: adding a plug-in is one line here. */
#include "inexact.h"
#include "method.h"
#include "oracle.h"

#include <stdio.h>

const lmc_oracle_type *const lmc_oracle_types[] = {
    &lmc_oracle_spectral, &lmc_oracle_linf, &lmc_oracle_frobenius,
    &lmc_oracle_l1, &lmc_oracle_rowl2, NULL,
};

const lmc_inexact_type *const lmc_inexact_types[] = {
    &lmc_inexact_exact, &lmc_inexact_inject_random,
    &lmc_inexact_inject_adversarial, &lmc_inexact_poly, &lmc_inexact_lowprec,
    NULL,
};

const lmc_method_type *const lmc_method_types[] = {
    &lmc_method_gd, &lmc_method_ngd, &lmc_method_sign, &lmc_method_adam,
    &lmc_method_lmo, &lmc_method_adaptive, &lmc_method_adaptive_exact,
    &lmc_method_muon, &lmc_method_muon_nesterov, &lmc_method_simplified_muon,
    &lmc_method_mvr1, &lmc_method_mvr2, NULL,
};

/* Appends name to the list in buf (len bytes, *used of them written so
 * far), after sep unless it is the first; truncates, always terminated. */
static void
append_name(char *buf, size_t len, size_t *used, const char *sep,
            const char *name)
{
    if (*used >= len)
        return;
    const int n = snprintf(buf + *used, len - *used, "%s%s",
                           *used ? sep : "", name);
    *used += n > 0 ? (size_t)n : 0;
}

void
lmc_inexact_names(char *buf, size_t len, unsigned uses, int any_norm,
                  const char *last_sep)
{
    const lmc_inexact_type *pick[sizeof lmc_inexact_types /
                                 sizeof lmc_inexact_types[0]];
    size_t n = 0, used = 0;
    for (size_t i = 0; lmc_inexact_types[i]; i++)
    {
        const lmc_inexact_type *T = lmc_inexact_types[i];
        if ((!uses || (T->uses & uses)) && (!any_norm || !T->spectral_only))
            pick[n++] = T;
    }
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        append_name(buf, len, &used, i + 1 == n ? last_sep : ", ",
                    pick[i]->name);
}

void
lmc_oracle_names(char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; lmc_oracle_types[i]; i++)
        append_name(buf, len, &used, ", ", lmc_oracle_types[i]->name);
}
