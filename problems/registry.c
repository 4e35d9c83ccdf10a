/* problems/registry.c -- every registered problem: one line each. */
#include "problem.h"

#include <string.h>

extern const lmc_problem_type lmc_problem_mf, lmc_problem_mf_sym;
extern const lmc_problem_type lmc_problem_icl;
extern const lmc_problem_type lmc_problem_lsq;
extern const lmc_problem_type lmc_problem_plq;
extern const lmc_problem_type lmc_problem_l0l1;

const lmc_problem_type *const lmc_problem_types[] = {
    &lmc_problem_mf, &lmc_problem_mf_sym,
    &lmc_problem_icl,
    &lmc_problem_lsq, &lmc_problem_plq, &lmc_problem_l0l1,
    NULL,
};

const lmc_problem_type *
lmc_problem_find(const char *name)
{
    for (size_t i = 0; lmc_problem_types[i]; i++)
        if (strcmp(lmc_problem_types[i]->name, name) == 0)
            return lmc_problem_types[i];
    return NULL;
}
