/*
 * identity.c - whose identity a job's notifications run under (N8): the notify command line
 * (cmdline.c) and the activation of the NOTIFICATION_CLSID (notify.c). Core area, issue 3.
 *
 * Per-user registration (the common case) runs the server as the registering user, so "as
 * the server's user" is already right. A machine-wide service runs as LocalSystem; there a
 * notification must run as the user who registered it, never as LocalSystem.
 *
 * Invariants:
 *  1. A token is captured when a client sets a non-empty command line or a non-null CLSID
 *     (identity_capture): the COM caller's impersonation token, duplicated as a primary token.
 *     One token per job and purpose; a later setter replaces it (last setter wins), clearing
 *     the setting or a setter without a usable token (Wine: no call context; a client that
 *     allows only identification; the server's own user) drops it. TakeOwnership keeps it
 *     (N8: "including after an administrator TakeOwnership").
 *  2. Tokens live in memory only, never in the job store; they are closed when the job is
 *     completed or cancelled (identity_forget from job.c; identity_resolve also drops those of
 *     a job it finds final) and at shutdown (identity_shutdown).
 *  3. identity_choose is the whole N8 decision and pure (no system call): service-account
 *     owner -> never a command line; a captured token of another user -> that token; no token
 *     and the server is not LocalSystem -> the server's user (it is the registering user);
 *     LocalSystem without a token (after a restart) -> the owner's interactive session token,
 *     or "defer" while the owner is not logged on (BGC_RETRY: tried again, N11).
 *  4. Tokens are handed out as duplicated handles: the caller closes its copy, so a
 *     concurrent replace or forget never closes a token in use. The table's lock is never
 *     held while calling out of the process.
 *  5. Impersonation for an activation (identity_cocreate) is reverted on the same thread
 *     before returning; it takes effect for COM only with cloaking (lifecycle.c sets
 *     EOAC_DYNAMIC_CLOAKING).
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <sddl.h>
#include <userenv.h>
#include <wtsapi32.h>

struct identity_entry {
    struct bgc_id job;
    HANDLE token[IDENTITY_PURPOSES]; /* primary tokens or NULL */
};

static SRWLOCK table_lock = SRWLOCK_INIT; /* guards entries/count/cap */
static struct identity_entry *entries;    /* table_lock */
static size_t count, cap;                 /* table_lock */

/* ---- The token table (invariants 1, 2, 4) ---------------------------------------------- */

static struct identity_entry *find_entry(const struct bgc_id *job)
{
    size_t i;

    for (i = 0; i < count; i++)
        if (!memcmp(&entries[i].job, job, sizeof(*job)))
            return &entries[i];
    return NULL;
}

/* Removes entry e (table_lock held exclusively) when it holds no token. */
static void compact_entry(struct identity_entry *e)
{
    unsigned p;

    for (p = 0; p < IDENTITY_PURPOSES; p++)
        if (e->token[p])
            return;
    *e = entries[--count];
}

void identity_token_put(const struct bgc_id *job, enum identity_purpose purpose, HANDLE token)
{
    struct identity_entry *e;
    HANDLE old = NULL;

    if ((unsigned)purpose >= IDENTITY_PURPOSES) {
        if (token)
            CloseHandle(token);
        return;
    }
    AcquireSRWLockExclusive(&table_lock);
    if (!(e = find_entry(job)) && token) {
        if (count == cap) {
            size_t n = cap ? cap * 2 : 8;
            struct identity_entry *grown = realloc(entries, n * sizeof(*grown));

            if (!grown) {
                ReleaseSRWLockExclusive(&table_lock);
                WARN("identity: out of memory; the notification runs as the server's user");
                CloseHandle(token);
                return;
            }
            entries = grown;
            cap = n;
        }
        e = &entries[count++];
        memset(e, 0, sizeof(*e));
        e->job = *job;
    }
    if (e) {
        old = e->token[purpose];
        e->token[purpose] = token;
        compact_entry(e);
    }
    ReleaseSRWLockExclusive(&table_lock);
    if (old)
        CloseHandle(old);
}

HANDLE identity_token_get(const struct bgc_id *job, enum identity_purpose purpose)
{
    struct identity_entry *e;
    HANDLE dup = NULL;

    if ((unsigned)purpose >= IDENTITY_PURPOSES)
        return NULL;
    AcquireSRWLockShared(&table_lock);
    if ((e = find_entry(job)) && e->token[purpose] &&
        !DuplicateHandle(GetCurrentProcess(), e->token[purpose], GetCurrentProcess(), &dup, 0,
                         FALSE, DUPLICATE_SAME_ACCESS))
        dup = NULL;
    ReleaseSRWLockShared(&table_lock);
    return dup;
}

void identity_token_forget(const struct bgc_id *job)
{
    unsigned p;

    for (p = 0; p < IDENTITY_PURPOSES; p++)
        identity_token_put(job, (enum identity_purpose)p, NULL);
}

size_t identity_tokens_held(void)
{
    size_t i, n = 0;
    unsigned p;

    AcquireSRWLockShared(&table_lock);
    for (i = 0; i < count; i++)
        for (p = 0; p < IDENTITY_PURPOSES; p++)
            n += entries[i].token[p] != NULL;
    ReleaseSRWLockShared(&table_lock);
    return n;
}

void identity_shutdown(void)
{
    struct identity_entry *old;
    size_t n, i;
    unsigned p;

    AcquireSRWLockExclusive(&table_lock);
    old = entries;
    n = count;
    entries = NULL;
    count = cap = 0;
    ReleaseSRWLockExclusive(&table_lock);
    for (i = 0; i < n; i++)
        for (p = 0; p < IDENTITY_PURPOSES; p++)
            if (old[i].token[p])
                CloseHandle(old[i].token[p]);
    free(old);
}

/* ---- Token facts ------------------------------------------------------------------------ */

/* The user SID of token as a LocalAlloc'd string (LocalFree), or NULL. */
static WCHAR *token_user_sid(HANDLE token)
{
    BYTE buf[256];
    TOKEN_USER *user = (TOKEN_USER *)buf;
    DWORD len = 0;
    WCHAR *sid = NULL;

    if (!GetTokenInformation(token, TokenUser, buf, sizeof(buf), &len) ||
        !ConvertSidToStringSidW(user->User.Sid, &sid))
        return NULL;
    return sid;
}

/* The server process's user SID string (read once; the process token does not change). */
static WCHAR *self_sid;
static INIT_ONCE self_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK read_self_sid(INIT_ONCE *once, void *param, void **ctx)
{
    HANDLE token;

    (void)once;
    (void)param;
    (void)ctx;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        self_sid = token_user_sid(token);
        CloseHandle(token);
    }
    return TRUE;
}

static const WCHAR *server_sid(void)
{
    InitOnceExecuteOnce(&self_once, read_self_sid, NULL, NULL);
    return self_sid;
}

BOOL identity_token_is_self(HANDLE token)
{
    const WCHAR *self = server_sid();
    WCHAR *sid = token_user_sid(token);
    BOOL same = self && sid && !wcscmp(self, sid);

    LocalFree(sid);
    return same;
}

static BOOL server_is_system(void)
{
    const WCHAR *self = server_sid();

    return self && !wcscmp(self, L"S-1-5-18");
}

static BOOL is_service_account(const char *sid)
{
    return sid &&
           (!strcmp(sid, "S-1-5-18") || !strcmp(sid, "S-1-5-19") || !strcmp(sid, "S-1-5-20"));
}

/* ---- Capture (invariant 1) --------------------------------------------------------------- */

HANDLE identity_caller_token(void)
{
    HANDLE imp, primary = NULL;
    DWORD error;

    access_caller_token(&imp, &error);
    if (!imp)
        return NULL; /* Wine 8: no call context (WINE-NOTES) */
    /* Fails for an identification-level token (the client did not allow impersonation). */
    if (!DuplicateTokenEx(imp,
                          TOKEN_ASSIGN_PRIMARY | TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_IMPERSONATE,
                          NULL, SecurityImpersonation, TokenPrimary, &primary)) {
        TRACE("identity: the caller's token cannot be duplicated (error %lu; identification only?)",
              (unsigned long)GetLastError()); /* common: COM's default level is IDENTIFY */
        primary = NULL;
    }
    CloseHandle(imp);
    if (primary && identity_token_is_self(primary)) {
        CloseHandle(primary); /* the server's own user: nothing to remember */
        primary = NULL;
    }
    return primary;
}

void identity_capture(struct bgc_job *core, enum identity_purpose purpose, BOOL set)
{
    struct bgc_id id;
    HANDLE token = set ? identity_caller_token() : NULL;

    bgc_job_get_id(core, &id);
    identity_token_put(&id, purpose, token);
    if (token)
        TRACE("identity: job core %p: %s runs as the caller", (void *)core,
              purpose == IDENTITY_CMDLINE ? "the command line" : "the CLSID activation");
}

void identity_forget(struct bgc_job *core)
{
    struct bgc_id id;

    bgc_job_get_id(core, &id);
    identity_token_forget(&id);
}

/* ---- Decision (invariant 3) -------------------------------------------------------------- */

enum identity_run identity_choose(enum identity_purpose purpose, const struct identity_facts *f)
{
    if (f->service_owner && purpose == IDENTITY_CMDLINE)
        return IDENTITY_RUN_NEVER;
    if (f->have_token)
        return f->token_is_self ? IDENTITY_RUN_SELF : IDENTITY_RUN_CAPTURED;
    if (!f->server_is_system || f->service_owner)
        return IDENTITY_RUN_SELF; /* per-user server: its user registered the job */
    return f->owner_logged_on ? IDENTITY_RUN_SESSION : IDENTITY_RUN_DEFER;
}

HANDLE identity_session_token(const char *owner_sid)
{
    WTS_SESSION_INFOW *info = NULL;
    DWORD n = 0, i;
    HANDLE found = NULL;
    WCHAR *owner = NULL;
    int len;

    if (!owner_sid || (len = MultiByteToWideChar(CP_UTF8, 0, owner_sid, -1, NULL, 0)) <= 0 ||
        !(owner = malloc((size_t)len * sizeof(WCHAR))))
        return NULL;
    MultiByteToWideChar(CP_UTF8, 0, owner_sid, -1, owner, len);
    if (!WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &info, &n))
        n = 0;
    /* Active sessions first, then any other (disconnected) one of the owner. */
    for (i = 0; !found && i < 2 * n; i++) {
        const WTS_SESSION_INFOW *s = &info[i % n];
        HANDLE token = NULL;
        WCHAR *sid;

        if ((i < n) != (s->State == WTSActive))
            continue;
        if (!WTSQueryUserToken(s->SessionId, &token)) /* needs SE_TCB: LocalSystem */
            continue;
        if ((sid = token_user_sid(token)) && !wcscmp(sid, owner))
            found = token;
        else
            CloseHandle(token);
        LocalFree(sid);
    }
    if (info)
        WTSFreeMemory(info);
    free(owner);
    return found;
}

enum identity_run identity_resolve(struct bgc_job *core, enum identity_purpose purpose,
                                   HANDLE *token)
{
    struct identity_facts f;
    enum identity_run run;
    enum bgc_state state = bgc_job_get_state(core);
    HANDLE captured, session = NULL;
    char *owner = NULL;
    struct bgc_id id;

    *token = NULL;
    bgc_job_get_id(core, &id);
    if (state == BGC_STATE_ACKNOWLEDGED || state == BGC_STATE_CANCELLED)
        identity_token_forget(&id); /* invariant 2: a final job's tokens go */
    if (bgc_job_get_owner(core, &owner) != BGC_OK)
        owner = NULL;
    memset(&f, 0, sizeof(f));
    f.service_owner = is_service_account(owner);
    captured = identity_token_get(&id, purpose);
    f.have_token = captured != NULL;
    f.token_is_self = captured && identity_token_is_self(captured);
    f.server_is_system = server_is_system();
    if (!f.have_token && f.server_is_system && !f.service_owner) {
        session = identity_session_token(owner);
        f.owner_logged_on = session != NULL;
    }
    run = identity_choose(purpose, &f);
    if (run == IDENTITY_RUN_CAPTURED) {
        *token = captured;
        captured = NULL;
    } else if (run == IDENTITY_RUN_SESSION) {
        *token = session;
        session = NULL;
    } else if (run == IDENTITY_RUN_DEFER) {
        WARN("identity: job owner %s is not logged on; the notification waits (N8, N11)",
             owner ? owner : "?");
    }
    if (captured)
        CloseHandle(captured);
    if (session)
        CloseHandle(session);
    bgc_free(owner);
    return run;
}

/* ---- Use -------------------------------------------------------------------------------- */

BOOL identity_start_process(HANDLE token, const WCHAR *program, WCHAR *params, DWORD flags,
                            PROCESS_INFORMATION *pi)
{
    WCHAR desktop[] = L"winsta0\\default";
    STARTUPINFOW si;
    void *env = NULL;
    BOOL ok;
    DWORD err;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    memset(pi, 0, sizeof(*pi));
    if (!token)
        return CreateProcessW(program, params, NULL, NULL, FALSE, flags, NULL, NULL, &si, pi);
    si.lpDesktop = desktop;
    /* The user's own environment, not the server's (LocalSystem's would be wrong). */
    if (!CreateEnvironmentBlock(&env, token, FALSE))
        env = NULL;
    ok = CreateProcessAsUserW(token, program, params, NULL, NULL, FALSE,
                              flags | (env ? CREATE_UNICODE_ENVIRONMENT : 0), env, NULL, &si, pi);
    err = GetLastError();
    if (env)
        DestroyEnvironmentBlock(env);
    SetLastError(err);
    return ok;
}

HRESULT identity_cocreate(struct bgc_job *core, const GUID *clsid, IUnknown **out)
{
    HANDLE token = NULL;
    enum identity_run run = identity_resolve(core, IDENTITY_CLSID, &token);
    HRESULT hr;

    *out = NULL;
    if (run == IDENTITY_RUN_DEFER || run == IDENTITY_RUN_NEVER)
        return HRESULT_FROM_WIN32(ERROR_NO_SUCH_LOGON_SESSION); /* N11: tried again later */
    if (!token)
        return CoCreateInstance(clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IUnknown, (void **)out);
    if (!ImpersonateLoggedOnUser(token)) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        CloseHandle(token);
        return hr;
    }
    hr = CoCreateInstance(clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IUnknown, (void **)out);
    RevertToSelf();
    CloseHandle(token);
    return hr;
}
