/* registry.c -- the static registries: adding a plug-in is one line here. */
#include "inexact.h"
#include "method.h"
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

const lmc_method_type *const lmc_method_types[] = {
    &lmc_method_gd, &lmc_method_ngd, &lmc_method_sign, &lmc_method_adam,
    &lmc_method_lmo, &lmc_method_adaptive, &lmc_method_adaptive_exact,
    &lmc_method_muon, &lmc_method_muon_nesterov, &lmc_method_simplified_muon,
    &lmc_method_mvr1, &lmc_method_mvr2, NULL,
};
