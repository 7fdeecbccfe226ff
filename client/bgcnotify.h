/*
 * bgcnotify.h - client-side notification helpers in the DriverCallback style (static library
 * bgc_notifyhelp). Plain C; usable from C++.
 *
 * A BITS (or bgcopy) client that wants notifications implements a COM callback object and
 * passes it to IBackgroundCopyJob::SetNotifyInterface. This library provides that object and
 * routes each event to ONE target chosen at creation, as the multimedia DriverCallback()
 * routes a driver message to a function, a window or a task:
 *
 *   BGC_DCB_FUNCTION  call a C function with every argument. By default the call is handed
 *                     off to a thread owned by the helper (the COM thread returns at once);
 *                     with BGC_DCB_NOSWITCH the function runs directly on the COM thread that
 *                     received the callback (use it only for cheap callees).
 *   BGC_DCB_WINDOW    PostMessage(hwnd, msg, event, cookie) (only the event and a cookie).
 *   BGC_DCB_TASK      PostThreadMessage(thread_id, msg, event, cookie). BGC_DCB_THREAD is the
 *                     same value.
 *   BGC_DCB_EVENT     SetEvent(event) (e.g. "wait until TRANSFERRED or ERROR").
 *
 * The flag values are those of DriverCallback's DCB_* (mmddk.h).
 *
 * Events. An event code is the BG_NOTIFY_* bit of the callback that produced it:
 *   BGC_NOTIFY_EV_JOB_TRANSFERRED (0x01)  IBackgroundCopyCallback::JobTransferred
 *   BGC_NOTIFY_EV_JOB_ERROR       (0x02)  IBackgroundCopyCallback::JobError
 *   BGC_NOTIFY_EV_JOB_MODIFICATION(0x08)  IBackgroundCopyCallback::JobModification
 *   BGC_NOTIFY_EV_FILE_TRANSFERRED(0x10)  IBackgroundCopyCallback2::FileTransferred
 *   BGC_NOTIFY_EV_FILE_RANGES     (0x20)  IBackgroundCopyCallback3::FileRangesTransferred
 * The job still decides which callbacks the server makes (SetNotifyFlags); the helper's
 * event_mask additionally filters what reaches the target (filtered events count as delivered).
 *
 * Delivery can fail, as DriverCallback returns FALSE for a bad parameter or a full task queue:
 * the hand-off queue is full (bound: queue_limit), PostMessage/PostThreadMessage failed, or
 * SetEvent failed. The callback object then answers the server with
 * BGC_NOTIFY_E_NOT_DELIVERED for JobTransferred, JobError and FileTransferred, which makes the
 * server call again later (bits-behavior N5: after the job's MinimumRetryDelay), and drops
 * JobModification and FileRangesTransferred (S_OK; they may be dropped, N2).
 *
 * Window and thread messages: WPARAM = the event code, LPARAM = a cookie (a DWORD, also on
 * 64-bit Windows, where a GUID would not fit in LPARAM either) that bgc_notify_job_id() turns
 * back into the job's GUID. The helper remembers the GUIDs of the last `cookie_slots` distinct
 * jobs it saw; an older cookie no longer resolves (bgc_notify_job_id returns FALSE) and is
 * never resolved to another job. The receiver re-queries the job's state through
 * IBackgroundCopyManager::GetJob (that is all a window gets, as with DCB_WINDOW).
 *
 * Apartments and threads. Create the helper, and call SetNotifyInterface, from a thread in
 * the multithreaded apartment (CoInitializeEx(COINIT_MULTITHREADED)): the server's calls then
 * arrive on RPC threads of this process, and the job pointers they carry can be used from the
 * helper thread (which joins the MTA). A hand-off delivery made on a thread of a
 * single-threaded apartment passes job, error and file as NULL (only the ids and ranges),
 * because that apartment's proxies cannot be used from the helper thread. Every function here
 * is thread-safe.
 *
 * Lifetime. bgc_notify_destroy() closes the handle: the hand-off thread stops and queued
 * items are freed without being delivered (their references released). The COM object itself
 * may outlive the handle (the server, or the caller, may still hold references); every later
 * call on it returns CO_E_OBJNOTCONNECTED and reaches no target, so the server treats the
 * client as gone and falls back to the job's notification CLSID or command line (N6); the
 * event is not lost. For a clean detach call SetNotifyInterface(job, NULL) first (N7).
 * destroy waits for target calls in progress on other threads; it must not be called from
 * inside a target function (it then returns FALSE and does nothing).
 */
#ifndef BGC_NOTIFY_H
#define BGC_NOTIFY_H

#include <windows.h>
#include <ole2.h>

/* The BITS interface declarations: bgcopy.h (widl output of idl/bgcopy.idl) unless the
 * program already included a header that declares IBackgroundCopyCallback3. */
#ifndef __IBackgroundCopyCallback3_INTERFACE_DEFINED__
#include "bgcopy.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Target kinds (mask BGC_DCB_TYPEMASK) and the modifier, with DriverCallback's values. */
#define BGC_DCB_TYPEMASK 0x0007
#define BGC_DCB_WINDOW   0x0001 /* PostMessage to target.hwnd */
#define BGC_DCB_TASK     0x0002 /* PostThreadMessage to target.thread_id */
#define BGC_DCB_THREAD   BGC_DCB_TASK
#define BGC_DCB_FUNCTION 0x0003 /* call target.proc */
#define BGC_DCB_EVENT    0x0005 /* SetEvent(target.event) */
#define BGC_DCB_NOSWITCH 0x0008 /* with BGC_DCB_FUNCTION only: call on the COM thread */

/* Event codes (= BG_NOTIFY_* bits). */
#define BGC_NOTIFY_EV_JOB_TRANSFERRED  0x0001
#define BGC_NOTIFY_EV_JOB_ERROR        0x0002
#define BGC_NOTIFY_EV_JOB_MODIFICATION 0x0008
#define BGC_NOTIFY_EV_FILE_TRANSFERRED 0x0010
#define BGC_NOTIFY_EV_FILE_RANGES      0x0020
#define BGC_NOTIFY_EV_ALL              0x003B

#define BGC_NOTIFY_DEFAULT_QUEUE   64  /* queue_limit 0 means this */
#define BGC_NOTIFY_DEFAULT_COOKIES 256 /* cookie_slots 0 means this */

/* What the callback object returns to the server when it could not deliver a JobTransferred,
 * JobError or FileTransferred: HRESULT_FROM_WIN32(ERROR_BUSY). The server retries. */
#define BGC_NOTIFY_E_NOT_DELIVERED ((HRESULT)0x800700AAL)

struct bgc_notify; /* the helper (opaque); the handle returned by bgc_notify_create */

/* One event with all its arguments. Pointers are valid only during a target function call.
 * In a hand-off call the interface pointers are references the helper took for the call and
 * releases after it: the function may use them but must not keep them (AddRef them to keep
 * them, and use them only from the multithreaded apartment). */
struct bgc_notify_args {
    DWORD event;                 /* BGC_NOTIFY_EV_* */
    GUID job_id;                 /* the job's id */
    DWORD cookie;                /* the job's cookie (bgc_notify_job_id); set by the helper */
    IBackgroundCopyJob *job;     /* the job; NULL if the deliverer had none, or STA hand-off */
    IBackgroundCopyError *error; /* BGC_NOTIFY_EV_JOB_ERROR; else NULL */
    IBackgroundCopyFile *file;   /* BGC_NOTIFY_EV_FILE_*; else NULL */
    DWORD range_count;           /* BGC_NOTIFY_EV_FILE_RANGES: number of ranges */
    const BG_FILE_RANGE *ranges; /* the ranges (a copy owned by the helper in hand-off) */
};

/* A BGC_DCB_FUNCTION target. `user` is target.user. Runs on the helper thread (hand-off) or
 * on the COM thread (BGC_DCB_NOSWITCH). Its return is not reported to the server: delivery
 * means the function was called (NOSWITCH) or the event was queued for it (hand-off). */
typedef void(CALLBACK *bgc_notify_proc)(struct bgc_notify *helper, DWORD_PTR user, const struct bgc_notify_args *args);

/* Where events go; the fields used depend on flags. Borrowed: bgc_notify_create copies it
 * (and duplicates `event`, so the caller may close its own handle). */
struct bgc_notify_target {
    DWORD flags;          /* one BGC_DCB_* kind, plus BGC_DCB_NOSWITCH for FUNCTION */
    bgc_notify_proc proc; /* BGC_DCB_FUNCTION */
    DWORD_PTR user;       /* BGC_DCB_FUNCTION: passed to proc */
    HWND hwnd;            /* BGC_DCB_WINDOW */
    DWORD thread_id;      /* BGC_DCB_TASK */
    HANDLE event;         /* BGC_DCB_EVENT */
    UINT msg;             /* WINDOW/TASK message; 0 = bgc_notify_message() */
    DWORD event_mask;     /* events passed on; 0 = BGC_NOTIFY_EV_ALL */
    DWORD queue_limit;    /* hand-off: events accepted and not yet finished; 0 = default */
    DWORD cookie_slots;   /* distinct job GUIDs remembered for cookies; 0 = default */
};

/* Counters since creation (read with bgc_notify_get_stats). */
struct bgc_notify_stats {
    LONG delivered; /* target called, message posted, event set, or event filtered out */
    LONG refused;   /* deliveries that reported FALSE (queue full, post failed, closed) */
    LONG dropped;   /* refused JobModification/FileRangesTransferred answered S_OK */
    LONG discarded; /* queued hand-off items freed undelivered by bgc_notify_destroy */
    LONG queued;    /* hand-off items waiting or running now */
};

/* The registered window message "BgCopy.Notify" (RegisterWindowMessageW), used when
 * target.msg is 0. Returns 0 if registration failed. */
UINT bgc_notify_message(void);

/* Creates a helper for `target`. On success *out is the handle (free it with
 * bgc_notify_destroy) and S_OK is returned. E_POINTER: NULL out or target; E_INVALIDARG: an
 * unknown kind, NOSWITCH without FUNCTION, a missing proc/hwnd/thread_id/event, an
 * event_mask with unknown bits; E_OUTOFMEMORY; HRESULT_FROM_WIN32 of a failed
 * DuplicateHandle or CreateThread. *out is NULL on failure. */
HRESULT bgc_notify_create(const struct bgc_notify_target *target, struct bgc_notify **out);

/* The helper's COM callback object (IBackgroundCopyCallback3, also answering QueryInterface
 * for Callback2, Callback and IUnknown), to pass to SetNotifyInterface. Borrowed: no
 * reference is added (AddRef it to keep it beyond the handle). NULL for a NULL helper. */
IBackgroundCopyCallback *bgc_notify_callback(struct bgc_notify *helper);

/* Convenience: SetNotifyFlags(job, notify_flags) then SetNotifyInterface(job, callback).
 * Returns the first failing HRESULT, E_POINTER for NULL arguments. */
HRESULT bgc_notify_attach(struct bgc_notify *helper, IBackgroundCopyJob *job, ULONG notify_flags);

/* The DriverCallback analogue: delivers one event to the helper's target now. args->cookie
 * is ignored (the helper assigns it); args->job may be NULL. Returns TRUE when the event was
 * delivered (or filtered out by event_mask); FALSE with GetLastError() =
 *   ERROR_INVALID_PARAMETER  NULL helper/args, unknown event, or FILE_RANGES with ranges NULL
 *                            and range_count > 0;
 *   ERROR_INVALID_HANDLE     the helper is being destroyed;
 *   ERROR_NOT_ENOUGH_QUOTA   the hand-off queue holds queue_limit items;
 *   ERROR_OUTOFMEMORY        no memory for a hand-off item;
 *   the PostMessage/PostThreadMessage/SetEvent error otherwise. */
BOOL bgc_notify_deliver(struct bgc_notify *helper, const struct bgc_notify_args *args);

/* Resolves a cookie from a window/thread message (or args->cookie) to the job GUID. Returns
 * FALSE (and *job_id = GUID_NULL) for an unknown or forgotten cookie or NULL arguments. The
 * handle must not have been destroyed. */
BOOL bgc_notify_job_id(struct bgc_notify *helper, DWORD cookie, GUID *job_id);

/* The id of the hand-off thread (0 when the target is not a hand-off FUNCTION). */
DWORD bgc_notify_thread_id(struct bgc_notify *helper);

/* Copies the counters. FALSE for NULL arguments. */
BOOL bgc_notify_get_stats(struct bgc_notify *helper, struct bgc_notify_stats *stats);

/* Closes the handle (see "Lifetime" above). Returns FALSE for NULL or when called from
 * inside one of this helper's target functions (nothing is done then); TRUE otherwise. */
BOOL bgc_notify_destroy(struct bgc_notify *helper);

#ifdef __cplusplus
}
#endif

#endif /* BGC_NOTIFY_H */
