/* alloccount.c -- interposed malloc/calloc/realloc that count calls.
 *
 * Under AddressSanitizer the file defines no allocator: ASan owns malloc
 * (its interceptors must see every allocation, and an executable's own
 * malloc that forwards to glibc's would hand ASan memory it never
 * allocated), so the count is unavailable and the tests skip their
 * counting points.
 */
#include "alloccount.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define LMC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang */
#define LMC_ASAN 1
#endif
#endif

static volatile int counting;
static volatile long n_alloc;

#ifndef LMC_ASAN
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

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
#endif

const char *
alloc_count_unavailable(void)
{
#ifdef LMC_ASAN
    return "malloc belongs to AddressSanitizer; allocations are not counted";
#else
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload"))
        return "malloc is replaced by valgrind; allocations are not counted";
    return NULL;
#endif
}

int
alloc_count_available(void)
{
    return alloc_count_unavailable() == NULL;
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
