/* init.h -- a problem's init name (params.init), checked against the
 * list its type declares (lmc_problem_type.inits). */
#ifndef LMC_INIT_H
#define LMC_INIT_H

#include "problem.h"

/* Sets *k to the position of P->params.init in the comma-separated list
 * P->type->inits; NULL or "" is the first listed (the default), k = 0.
 * Errors: LMC_EINVAL "problem 'NAME': unknown init 'X' (accepted:
 * LIST)". */
int lmc_init_index(const lmc_problem *P, size_t *k);

#endif /* LMC_INIT_H */
