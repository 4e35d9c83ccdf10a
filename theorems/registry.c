/* theorems/registry.c -- every theorem entry, in THEORY.md order. */
#include "theorem.h"

extern const lmc_theorem lmc_theorem_t2;
extern const lmc_theorem lmc_theorem_v1;

const lmc_theorem *const lmc_theorems[] = {
    &lmc_theorem_t2,
    &lmc_theorem_v1,
    NULL,
};
