/* alloccount.h -- counts heap allocations made inside a window.
 *
 * Linking alloccount.c into a test program interposes malloc, calloc and
 * realloc (glibc resolves them to the executable's definitions first);
 * each forwards to glibc's __libc_* function and is counted while a
 * window is open.  valgrind replaces malloc itself and AddressSanitizer owns it,
 * so under either the count is meaningless and alloccount.c does not
 * interpose: tests skip those points with the reason
 * alloc_count_unavailable() gives.
 */
#ifndef LMC_ALLOCCOUNT_H
#define LMC_ALLOCCOUNT_H

/* 0 under valgrind or AddressSanitizer, else 1. */
int alloc_count_available(void);

/* Why counting is unavailable (a TAP SKIP reason), or NULL if it is
 * available. */
const char *alloc_count_unavailable(void);

/* Opens the window with a zero count. */
void alloc_count_start(void);

/* Closes the window; returns the number of calls made inside it. */
long alloc_count_stop(void);

#endif /* LMC_ALLOCCOUNT_H */
