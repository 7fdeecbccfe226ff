/*
 * notifyhelp_int.h - shared between the files of bgc_notifyhelp (notifyhelp.c: handle, queue,
 * hand-off thread, cookies; notifyhelp_com.c: the COM callback object). Not for clients: the
 * public API is bgcnotify.h.
 *
 * Invariants:
 *  1. One allocation per helper: the COM object and the handle are the same struct. `ref`
 *     counts COM references plus one for the open handle; the last Release frees it, so a
 *     late COM call after bgc_notify_destroy still finds valid memory (it sees `closed`).
 *  2. Fields marked (lock) are read and written under `lock`; `closed` only goes FALSE->TRUE.
 *  3. `pending` counts hand-off items accepted and not yet finished (queued or running);
 *     deliveries are refused while pending == queue_limit.
 *  4. `busy` counts target calls made outside the hand-off thread (NOSWITCH functions, posts,
 *     SetEvent); destroy waits on `cond` until it is 0 after setting `closed`, so no target
 *     is touched once bgc_notify_destroy returned.
 *  5. Queued items own one reference to each interface they hold and their copy of ranges;
 *     free_item releases them on the hand-off thread, which lives in the MTA.
 */
#ifndef BGC_NOTIFYHELP_INT_H
#define BGC_NOTIFYHELP_INT_H

#include "bgcnotify.h"

struct notify_item {
    struct notify_item *next;    /* queue link (lock) */
    struct bgc_notify_args args; /* interface pointers AddRef'd, ranges -> own copy */
};

struct cookie_slot {
    DWORD cookie; /* 0 = empty */
    GUID id;      /* the job id this cookie stands for */
};

struct bgc_notify {
    IBackgroundCopyCallback3 IBackgroundCopyCallback3_iface; /* answers Callback/2/3, IUnknown */
    LONG ref;                        /* COM references + 1 while the handle is open (Interlocked) */
    struct bgc_notify_target target; /* copy of the creator's; target.event is our duplicate */
    UINT msg;                        /* window/thread message id */
    SRWLOCK lock;                    /* guards the (lock) fields */
    CONDITION_VARIABLE cond;         /* queue became non-empty, closed, busy dropped to 0 */
    BOOL closed;                     /* bgc_notify_destroy started (lock) */
    struct notify_item *head, *tail; /* hand-off queue (lock) */
    DWORD pending;                   /* items queued or running (lock) */
    DWORD queue_limit;               /* bound for pending */
    LONG busy;                       /* direct target calls in progress (lock) */
    HANDLE thread;                   /* hand-off thread, NULL when not a hand-off FUNCTION */
    DWORD thread_id;                 /* its id */
    struct cookie_slot *slots;       /* ring of remembered job ids (lock) */
    DWORD nslots;                    /* ring size */
    DWORD slot_next;                 /* next ring slot to overwrite (lock) */
    DWORD cookie_next;               /* last cookie handed out (lock) */
    struct bgc_notify_stats stats;   /* counters (Interlocked; queued mirrors pending) */
};

/* Delivers *args; returns 0 or the Win32 error bgc_notify_deliver would report. */
DWORD bgc__notify_deliver(struct bgc_notify *h, const struct bgc_notify_args *args);

/* Sets up the COM part of a zeroed helper (vtable, ref = 1 for the handle). */
void bgc__notify_com_init(struct bgc_notify *h);

/* Frees the helper's memory and handles; called by the last Release. */
void bgc__notify_free(struct bgc_notify *h);

#endif /* BGC_NOTIFYHELP_INT_H */
