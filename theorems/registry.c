/* theorems/registry.c -- every theorem entry, in THEORY.md order. */
#include "theorem.h"

extern const lmc_theorem lmc_theorem_o1;
extern const lmc_theorem lmc_theorem_t1;
extern const lmc_theorem lmc_theorem_t2;
extern const lmc_theorem lmc_theorem_t3;
extern const lmc_theorem lmc_theorem_t4;
extern const lmc_theorem lmc_theorem_t5;
extern const lmc_theorem lmc_theorem_t6;
extern const lmc_theorem lmc_theorem_t7;
extern const lmc_theorem lmc_theorem_t8;
extern const lmc_theorem lmc_theorem_c1;
extern const lmc_theorem lmc_theorem_c2;
extern const lmc_theorem lmc_theorem_v1;
extern const lmc_theorem lmc_theorem_v2;
extern const lmc_theorem lmc_theorem_v3;
extern const lmc_theorem lmc_theorem_v4;
extern const lmc_theorem lmc_theorem_v5;
extern const lmc_theorem lmc_theorem_v6;
extern const lmc_theorem lmc_theorem_v7;
extern const lmc_theorem lmc_theorem_p1;
extern const lmc_theorem lmc_theorem_p2;
extern const lmc_theorem lmc_theorem_p3;
extern const lmc_theorem lmc_theorem_p4;
extern const lmc_theorem lmc_theorem_p5;

const lmc_theorem *const lmc_theorems[] = {
    &lmc_theorem_o1,
    &lmc_theorem_t1,
    &lmc_theorem_t2,
    &lmc_theorem_t3,
    &lmc_theorem_t4,
    &lmc_theorem_t5,
    &lmc_theorem_t6,
    &lmc_theorem_t7,
    &lmc_theorem_t8,
    &lmc_theorem_c1,
    &lmc_theorem_c2,
    &lmc_theorem_v1,
    &lmc_theorem_v2,
    &lmc_theorem_v3,
    &lmc_theorem_v4,
    &lmc_theorem_v5,
    &lmc_theorem_v6,
    &lmc_theorem_v7,
    &lmc_theorem_p1,
    &lmc_theorem_p2,
    &lmc_theorem_p3,
    &lmc_theorem_p4,
    &lmc_theorem_p5,
    NULL,
};
