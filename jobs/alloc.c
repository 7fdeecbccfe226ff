/*
 * alloc.c - the allocator of jobs/ (bgc_malloc & co.) with its failure-injection hook.
 *
 * Every allocation of the core goes through this file, so that tests can make the Nth one
 * fail (bgc_test_fail_alloc_after) and prove that each constructor and each state-changing
 * entry point either succeeds completely or changes nothing (bgc.h invariant 4).
 *
 * Invariants:
 *  1. With injection off (the default) these are the C library's functions, except that a
 *     zero-size request is served as one byte, so that NULL always means "out of memory".
 *  2. With injection armed at n, the next n allocations succeed and every one after them
 *     fails until the hook is re-armed or disarmed. bgc_free never counts.
 *  3. The counter is atomic: allocations from the engine or notification thread are counted
 *     like any other (tests inject while those threads are idle).
 *  4. bgc__alloc_fault() runs on every injected failure; it exists as a breakpoint target.
 */
#include "bgc.h"
#include "jobs_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long budget = -1; /* allocations left before failing; < 0 = injection off */

void bgc_test_fail_alloc_after(long n)
{
    atomic_store(&budget, n < 0 ? -1 : n);
}

/* A breakpoint target: called each time an allocation is failed on purpose. */
void bgc__alloc_fault(void)
{
    static atomic_long faults;

    atomic_fetch_add(&faults, 1);
}

/* Non-zero when this allocation must fail (invariant 2). */
static int inject(void)
{
    long left = atomic_load(&budget);

    while (left > 0) {
        if (atomic_compare_exchange_weak(&budget, &left, left - 1))
            return 0;
    }
    if (left == 0) {
        bgc__alloc_fault();
        return 1;
    }
    return 0;
}

void *bgc_malloc(size_t n)
{
    if (inject())
        return NULL;
    return malloc(n ? n : 1);
}

void *bgc_calloc(size_t count, size_t n)
{
    if (n && count > (size_t)-1 / n)
        return NULL;
    if (inject())
        return NULL;
    return calloc(count && n ? count : 1, count && n ? n : 1);
}

void *bgc_realloc(void *p, size_t n)
{
    if (inject())
        return NULL;
    return realloc(p, n ? n : 1);
}

char *bgc_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = bgc_malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}

void bgc_free(void *p)
{
    free(p);
}
