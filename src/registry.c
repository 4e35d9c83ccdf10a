/* registry.c -- the static registries: adding a plug-in is one line here. */
#include "inexact.h"
#include "oracle.h"

const lmc_oracle_type *const lmc_oracle_types[] = {
    &lmc_oracle_spectral, &lmc_oracle_linf, &lmc_oracle_frobenius,
    &lmc_oracle_l1, &lmc_oracle_rowl2, NULL,
};

const lmc_inexact_type *const lmc_inexact_types[] = {
    &lmc_inexact_exact, &lmc_inexact_inject_random,
    &lmc_inexact_inject_adversarial, &lmc_inexact_poly, &lmc_inexact_lowprec,
    NULL,
};
