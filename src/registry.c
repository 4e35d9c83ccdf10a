/* registry.c -- the static registries: adding a plug-in is one line here. */
#include "inexact.h"
#include "method.h"
#include "oracle.h"

#include <stdio.h>

/* Each registry is one list, one line per entry (a line X(name) inside
 * its #define): the list declares each entry (X = LMC_ENTRY_DECLARE_*;
 * it repeats the header's extern where other code names the entry) and
 * fills the NULL-terminated array (X = LMC_ENTRY_ADDRESS), in the order
 * `list` prints. */
#define LMC_ENTRY_ADDRESS(name) &name,
#define LMC_ENTRY_DECLARE_ORACLE(name) extern const lmc_oracle_type name;
#define LMC_ENTRY_DECLARE_INEXACT(name) extern const lmc_inexact_type name;
#define LMC_ENTRY_DECLARE_METHOD(name) extern const lmc_method_type name;

#define LMC_ORACLE_ENTRIES(X)        \
    X(lmc_oracle_spectral)           \
    X(lmc_oracle_linf)               \
    X(lmc_oracle_frobenius)          \
    X(lmc_oracle_l1)                 \
    X(lmc_oracle_rowl2)              \
    /* end of the list */

LMC_ORACLE_ENTRIES(LMC_ENTRY_DECLARE_ORACLE)
const lmc_oracle_type *const lmc_oracle_types[] = {
    LMC_ORACLE_ENTRIES(LMC_ENTRY_ADDRESS) NULL,
};

#define LMC_INEXACT_ENTRIES(X)        \
    X(lmc_inexact_exact)              \
    X(lmc_inexact_inject_random)      \
    X(lmc_inexact_inject_adversarial) \
    X(lmc_inexact_poly)               \
    X(lmc_inexact_lowprec)            \
    /* end of the list */

LMC_INEXACT_ENTRIES(LMC_ENTRY_DECLARE_INEXACT)
const lmc_inexact_type *const lmc_inexact_types[] = {
    LMC_INEXACT_ENTRIES(LMC_ENTRY_ADDRESS) NULL,
};

#define LMC_METHOD_ENTRIES(X)        \
    X(lmc_method_gd)                 \
    X(lmc_method_ngd)                \
    X(lmc_method_sign)               \
    X(lmc_method_adam)               \
    X(lmc_method_lmo)                \
    X(lmc_method_adaptive)           \
    X(lmc_method_adaptive_exact)     \
    X(lmc_method_muon)               \
    X(lmc_method_muon_nesterov)      \
    X(lmc_method_simplified_muon)    \
    X(lmc_method_mvr1)               \
    X(lmc_method_mvr2)               \
    /* end of the list */

LMC_METHOD_ENTRIES(LMC_ENTRY_DECLARE_METHOD)
const lmc_method_type *const lmc_method_types[] = {
    LMC_METHOD_ENTRIES(LMC_ENTRY_ADDRESS) NULL,
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
