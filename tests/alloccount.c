/* alloccount.c -- interposed malloc/calloc/realloc that count calls. */
#include "alloccount.h"

#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static volatile int counting;
static volatile long n_alloc;

void *
malloc(size_t n)
{
    if (counting)
        n_alloc++;
    return __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
    if (counting)
        n_alloc++;
    return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
    if (counting)
        n_alloc++;
    return __libc_realloc(p, n);
}

int
alloc_count_available(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return !(pre && strstr(pre, "vgpreload"));
}

void
alloc_count_start(void)
{
    n_alloc = 0;
    counting = 1;
}

long
alloc_count_stop(void)
{
    counting = 0;
    return n_alloc;
}
