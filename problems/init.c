/* init.c -- a problem's init name, checked against its type's list. */
#include "init.h"
#include "status.h"

#include <string.h>

int
lmc_init_index(const lmc_problem *P, size_t *k)
{
    const char *name = P->params.init, *list = P->type->inits;
    *k = 0;
    if (!name || !*name)
        return LMC_SUCCESS;
    const size_t len = strlen(name);
    for (const char *s = list; s; (*k)++)
    {
        const char *comma = strchr(s, ',');
        const size_t n = comma ? (size_t)(comma - s) : strlen(s);
        if (n == len && strncmp(s, name, n) == 0)
            return LMC_SUCCESS;
        s = comma ? comma + 1 : NULL;
    }
    LMC_ERROR(LMC_EINVAL, "problem '%s': unknown init '%s' (accepted: %s)",
              P->type->name, name, list);
}
