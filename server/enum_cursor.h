/*
 * enum_cursor.h - the position of an IEnumBackgroundCopy* enumerator over a fixed snapshot
 * (E1-E3), shared by enum_jobs.c and enum_files.c so that both count, skip and rewind alike.
 *
 * Invariants:
 *  1. pos is guarded by cs and never exceeds count (the snapshot's size, fixed at creation).
 *  2. enum_cursor_take reserves items before the caller creates them outside the lock; a
 *     caller that cannot hand them out gives them back with enum_cursor_rewind.
 */
#ifndef BGC_SERVER_ENUM_CURSOR_H
#define BGC_SERVER_ENUM_CURSOR_H

#include "server.h"

struct enum_cursor {
    CRITICAL_SECTION cs; /* guards pos */
    size_t pos;          /* next item (cs) */
    size_t count;        /* items in the snapshot; fixed */
};

static inline void enum_cursor_init(struct enum_cursor *c, size_t pos, size_t count)
{
    InitializeCriticalSection(&c->cs);
    c->pos = pos;
    c->count = count;
}

static inline void enum_cursor_free(struct enum_cursor *c)
{
    DeleteCriticalSection(&c->cs);
}

/* Reserves up to celt items from the current position: *first is the first index; returns
 * how many (0 at the end). */
static inline size_t enum_cursor_take(struct enum_cursor *c, ULONG celt, size_t *first)
{
    size_t n;

    EnterCriticalSection(&c->cs);
    *first = c->pos;
    n = c->count - c->pos;
    if (n > celt)
        n = celt;
    c->pos += n;
    LeaveCriticalSection(&c->cs);
    return n;
}

/* Gives back what enum_cursor_take reserved from `first` on (nothing was handed out). */
static inline void enum_cursor_rewind(struct enum_cursor *c, size_t first)
{
    EnterCriticalSection(&c->cs);
    c->pos = first;
    LeaveCriticalSection(&c->cs);
}

/* Skip (E2): S_OK, or S_FALSE with the position past the last item when fewer were left. */
static inline HRESULT enum_cursor_skip(struct enum_cursor *c, ULONG celt)
{
    HRESULT hr = S_OK;

    EnterCriticalSection(&c->cs);
    if (celt > c->count - c->pos) {
        c->pos = c->count;
        hr = S_FALSE;
    } else {
        c->pos += celt;
    }
    LeaveCriticalSection(&c->cs);
    return hr;
}

/* The current position (for Reset pass 0 to enum_cursor_rewind). */
static inline size_t enum_cursor_pos(struct enum_cursor *c)
{
    size_t pos;

    EnterCriticalSection(&c->cs);
    pos = c->pos;
    LeaveCriticalSection(&c->cs);
    return pos;
}

#endif /* BGC_SERVER_ENUM_CURSOR_H */
