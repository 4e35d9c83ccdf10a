/* cli/cmd_list.c -- lmocheck list: the names every option accepts. */
#include "cli.h"
#include "inexact.h"
#include "method.h"
#include "oracle.h"
#include "precision.h"
#include "problem.h"
#include "schedule.h"

#include <stdio.h>
#include <string.h>

static const char help[] =
    "usage: lmocheck list [problems|methods|oracles|sources|schedules|\n"
    "                      precisions|spectra]\n"
    "\n"
    "Names every problem and method ('lmocheck run'), exact oracle\n"
    "(--norm), error source (--oracle), schedule, precision and spectrum\n"
    "('lmocheck oracle'); with a word, only that group.\n";

static void
list_problems(void)
{
    static const struct
    {
        unsigned bit;
        const char *name;
    } consts[] = {{LMC_HAS_L, "L"},         {LMC_HAS_LFROB, "L_frob"},
                  {LMC_HAS_L0L1, "L0/L1"},  {LMC_HAS_MU, "mu"},
                  {LMC_HAS_SIGMA, "sigma"}, {LMC_HAS_LBAR, "Lbar"},
                  {LMC_HAS_FSTAR, "f*"},    {LMC_HAS_STOCH, "stochastic"}};
    puts("problems (--problem): declared constants with default parameters");
    for (size_t i = 0; lmc_problem_types[i]; i++)
    {
        const lmc_problem_type *T = lmc_problem_types[i];
        printf("  %-14s %s\n", T->name, T->summary);
        lmc_problem_params pp = lmc_problem_params_default();
        lmc_problem *P = lmc_problem_alloc(T, &pp);
        if (P)
        {
            printf("  %-14s   blocks:", "");
            for (size_t b = 0; b < P->layout.nblocks; b++)
                printf(" %zux%zu %s", P->layout.size1[b], P->layout.size2[b],
                       P->layout.norm[b]->name);
            printf("; constants:");
            for (size_t c = 0; c < sizeof consts / sizeof consts[0]; c++)
                if (P->c.known & consts[c].bit)
                    printf(" %s", consts[c].name);
            putchar('\n');
            lmc_problem_free(P);
        }
        printf("  %-14s   inits: %s%s%s\n", "", T->inits,
               T->variants ? "; variants: " : "",
               T->variants ? T->variants : "");
    }
}

static void
list_methods(void)
{
    puts("methods (--method)");
    for (size_t i = 0; lmc_method_types[i]; i++)
        printf("  %-16s %s%s\n", lmc_method_types[i]->name,
               lmc_method_types[i]->summary,
               lmc_method_types[i]->uses_oracle ? " [uses --oracle]" : "");
}

static void
list_oracles(void)
{
    puts("exact oracles (--norm): LMO over the unit ball of the norm");
    for (size_t i = 0; lmc_oracle_types[i]; i++)
        printf("  %-12s norm: %s; dual: %s\n", lmc_oracle_types[i]->name,
               lmc_oracle_types[i]->norm_name, lmc_oracle_types[i]->dual_name);
}

static void
list_sources(void)
{
    puts("error sources (--oracle): what is wrapped around the exact LMO");
    for (size_t i = 0; lmc_inexact_types[i]; i++)
        printf("  %-20s %s%s\n", lmc_inexact_types[i]->name,
               lmc_inexact_types[i]->summary,
               lmc_inexact_types[i]->spectral_only ? " [spectral only]" : "");
}

static void
list_schedules(void)
{
    puts("schedules (--schedule, with --oracle poly)");
    for (size_t i = 0; lmc_schedules[i]; i++)
    {
        const lmc_schedule *s = lmc_schedules[i];
        printf("  %-14s %zu triple%s%s, default %zu steps, X0 = M/(%g ||M||_F"
               " + %g)\n",
               s->name, s->len, s->len == 1 ? "" : "s",
               s->cyclic ? " (repeats)" : "", s->steps, s->divisor, s->eps);
    }
    puts("  file:PATH      one 'a b c' triple per line; optional 'divisor D',"
         " 'eps E' lines");
}

static void
list_precisions(void)
{
    puts("precisions (--precision, with --oracle poly or lowprec)");
    for (int p = LMC_FP64; p <= LMC_BF16; p++)
        printf("  %s\n", lmc_precision_name((lmc_precision)p));
}

static void
list_spectra(void)
{
    puts("spectra (--spectrum): singular values of the test matrix");
    puts("  log            log-spaced from 1 to 1/kappa");
    puts("  linear         evenly spaced from 1 to 1/kappa");
    puts("  gauss          a Gaussian matrix's values mapped onto "
         "[1/kappa, 1]");
    puts("  file:PATH      one value per line, min(m,n) values, used as is");
}

/* The groups, in the order 'lmocheck list' prints them. */
static const struct
{
    const char *name;
    void (*print)(void);
} groups[] = {
    {"problems", list_problems},     {"methods", list_methods},
    {"oracles", list_oracles},       {"sources", list_sources},
    {"schedules", list_schedules},   {"precisions", list_precisions},
    {"spectra", list_spectra},
};
#define NGROUP (sizeof groups / sizeof groups[0])

int
cmd_list(int argc, char **argv)
{
    if (argc > 2)
    {
        cli_fail("list", "takes at most one word (see 'lmocheck list "
                 "--help')");
        return LMC_EXIT_USAGE;
    }
    const char *what = argc == 2 ? argv[1] : "all";
    if (strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0)
    {
        fputs(help, stdout);
        return LMC_EXIT_OK;
    }
    const int all = strcmp(what, "all") == 0;
    int any = 0;
    for (size_t i = 0; i < NGROUP; i++)
        if (all || strcmp(what, groups[i].name) == 0)
        {
            groups[i].print();
            any = 1;
        }
    if (!any)
    {
        char names[256] = "";
        for (size_t i = 0; i < NGROUP; i++)
            cli_names_add(names, sizeof names, groups[i].name);
        cli_fail("list", "unknown group '%s' (accepted: %s)", what, names);
        return LMC_EXIT_USAGE;
    }
    return LMC_EXIT_OK;
}
