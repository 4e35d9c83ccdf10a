/* theorems/registry.c -- every theorem entry, in THEORY.md order. */
#include "theorem.h"

/* The registry is one list, one line per entry (a line X(name) inside
 * the #define): the list declares each entry (X = LMC_ENTRY_DECLARE) and
 * fills the NULL-terminated array (X = LMC_ENTRY_ADDRESS), in the order
 * `list` prints. */
#define LMC_ENTRY_ADDRESS(name) &name,
#define LMC_ENTRY_DECLARE(name) extern const lmc_theorem name;

#define LMC_THEOREM_ENTRIES(X)        \
    X(lmc_theorem_o1)                 \
    X(lmc_theorem_t1)                 \
    X(lmc_theorem_t2)                 \
    X(lmc_theorem_t3)                 \
    X(lmc_theorem_t4)                 \
    X(lmc_theorem_t5)                 \
    X(lmc_theorem_t6)                 \
    X(lmc_theorem_t7)                 \
    X(lmc_theorem_t8)                 \
    X(lmc_theorem_c1)                 \
    X(lmc_theorem_c2)                 \
    X(lmc_theorem_v1)                 \
    X(lmc_theorem_v2)                 \
    X(lmc_theorem_v3)                 \
    X(lmc_theorem_v4)                 \
    X(lmc_theorem_v5)                 \
    X(lmc_theorem_v6)                 \
    X(lmc_theorem_v7)                 \
    X(lmc_theorem_p1)                 \
    X(lmc_theorem_p2)                 \
    X(lmc_theorem_p3)                 \
    X(lmc_theorem_p4)                 \
    X(lmc_theorem_p5)                 \
    /* end of the list */

LMC_THEOREM_ENTRIES(LMC_ENTRY_DECLARE)
const lmc_theorem *const lmc_theorems[] = {
    LMC_THEOREM_ENTRIES(LMC_ENTRY_ADDRESS) NULL,
};
