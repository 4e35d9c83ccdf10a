/* theorems/registry.c -- every theorem entry, in THEORY.md order. */
#include "theorem.h"

const lmc_theorem *const lmc_theorems[] = {
    NULL,
};
