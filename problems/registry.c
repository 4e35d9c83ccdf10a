/* problems/registry.c -- every registered problem: one line each. */
#include "problem.h"

#include <string.h>

/* The registry is one list, one line per entry (a line X(name) inside
 * the #define): the list declares each entry (X = LMC_ENTRY_DECLARE) and
 * fills the NULL-terminated array (X = LMC_ENTRY_ADDRESS), in the order
 * `list` prints. */
#define LMC_ENTRY_ADDRESS(name) &name,
#define LMC_ENTRY_DECLARE(name) extern const lmc_problem_type name;

#define LMC_PROBLEM_ENTRIES(X)        \
    X(lmc_problem_mf)                 \
    X(lmc_problem_mf_sym)             \
    X(lmc_problem_icl)                \
    X(lmc_problem_lsq)                \
    X(lmc_problem_plq)                \
    X(lmc_problem_l0l1)               \
    /* end of the list */

LMC_PROBLEM_ENTRIES(LMC_ENTRY_DECLARE)
const lmc_problem_type *const lmc_problem_types[] = {
    LMC_PROBLEM_ENTRIES(LMC_ENTRY_ADDRESS) NULL,
};

const lmc_problem_type *
lmc_problem_find(const char *name)
{
    for (size_t i = 0; lmc_problem_types[i]; i++)
        if (strcmp(lmc_problem_types[i]->name, name) == 0)
            return lmc_problem_types[i];
    return NULL;
}
