/*
 * access.c - who may call bgcopy at all (bits-behavior G8, G9): the caller's impersonation
 * level and whether it calls from another machine. Core area, issue 3.
 *
 *  - G9: BITS cannot be used from another machine: a caller whose token holds the NETWORK
 *    SID (S-1-5-2, every network logon has it) gets BG_E_REMOTE_NOT_SUPPORTED.
 *  - G8: bits-behavior.md says callers need RPC_C_IMP_LEVEL_IMPERSONATE and calls the answer
 *    below it unconfirmed; Microsoft's "Connecting to the BITS Service" says the client's
 *    proxy must use IDENTIFY or IMPERSONATE (COM's default is IDENTIFY when a client never
 *    calls CoInitializeSecurity) and that BITS fails with E_ACCESSDENIED otherwise. bgcopy
 *    follows that page: E_ACCESSDENIED for ANONYMOUS-level callers and for the ANONYMOUS
 *    LOGON user (S-1-5-7) at any level; IDENTIFY and above are admitted (identity is all the
 *    server takes from the token), so default clients and script hosts work as with BITS.
 *
 * Invariants:
 *  1. G9 is decided before G8: a remote caller gets BG_E_REMOTE_NOT_SUPPORTED whatever its
 *     level. access_decide is the whole decision and pure (no system call).
 *  2. The caller's token is the impersonation token of the current COM call, opened within
 *     the call (OpenAsSelf, so an identification-level token opens too) and never cached.
 *     A primary token is never a COM caller's; it stands for the process's own user (level
 *     ACCESS_PRIMARY_TOKEN, admitted).
 *  3. No call context (CoImpersonateClient fails or the thread has no token): under Wine 8,
 *     which has none (WINE-NOTES; inside a server call CoImpersonateClient returns
 *     RPC_E_CALL_COMPLETE), the process token stands for the caller as in caller.c invariant
 *     2; it cannot change while the process runs, so it is decided once (one WARN) and every
 *     later call costs only the failed CoImpersonateClient. On Windows the caller is refused
 *     with E_ACCESSDENIED (an anonymous-level token cannot even be opened:
 *     ERROR_CANT_OPEN_ANONYMOUS).
 *  4. Activation (IClassFactory::CreateInstance) applies G9 only and admits when it finds no
 *     token: which identity COM shows a class factory during activation is not measured
 *     here, and every IBackgroundCopyManager method that reaches the queue checks its caller
 *     again (manager.c).
 */
#include "server.h"

#include <stdlib.h>

#include "bgreg.h"

/* Well-known SIDs with one sub-authority fit in a SID as declared. */
static const SID network_sid = {SID_REVISION, 1, {SECURITY_NT_AUTHORITY}, {SECURITY_NETWORK_RID}};
static const SID anonymous_sid = {SID_REVISION, 1, {SECURITY_NT_AUTHORITY}, {SECURITY_ANONYMOUS_LOGON_RID}};

/* GetLastError as a failed HRESULT (never S_OK). */
static HRESULT last_error_hr(void)
{
    DWORD error = GetLastError();

    return error ? HRESULT_FROM_WIN32(error) : E_FAIL;
}

/* Reads one variable-size token class; *out is buf or a malloc'd block (free when != buf). */
static BOOL token_info(HANDLE token, TOKEN_INFORMATION_CLASS cls, BYTE *buf, DWORD size, void **out)
{
    DWORD len = 0;
    void *big;

    *out = NULL;
    if (GetTokenInformation(token, cls, buf, size, &len)) {
        *out = buf;
        return TRUE;
    }
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || !len || !(big = malloc(len)))
        return FALSE;
    if (!GetTokenInformation(token, cls, big, len, &len)) {
        free(big);
        return FALSE;
    }
    *out = big;
    return TRUE;
}

/* *mask: bit i set when sids[i] is the token's user or one of its groups. Any attributes
 * count: a deny-only NETWORK group still says "network logon". FALSE (with GetLastError)
 * when the user or the groups cannot be read: the caller refuses, never admits. */
static BOOL token_holds_mask(HANDLE token, const SID *const *sids, unsigned n, unsigned *mask)
{
    BYTE buf[1024];
    void *info;
    unsigned k;
    DWORD i;

    *mask = 0;
    if (!token_info(token, TokenUser, buf, sizeof(buf), &info))
        return FALSE;
    for (k = 0; k < n; k++)
        if (EqualSid(((TOKEN_USER *)info)->User.Sid, (PSID)sids[k]))
            *mask |= 1u << k;
    if (info != buf)
        free(info);
    if (!token_info(token, TokenGroups, buf, sizeof(buf), &info))
        return FALSE;
    for (i = 0; i < ((const TOKEN_GROUPS *)info)->GroupCount; i++)
        for (k = 0; k < n; k++)
            if (EqualSid(((const TOKEN_GROUPS *)info)->Groups[i].Sid, (PSID)sids[k]))
                *mask |= 1u << k;
    if (info != buf)
        free(info);
    return TRUE;
}

BOOL access_token_holds(HANDLE token, const SID *sid)
{
    unsigned mask;

    return token_holds_mask(token, &sid, 1, &mask) && mask;
}

HRESULT access_facts_from_token(HANDLE token, struct access_facts *out)
{
    static const SID *const sids[2] = {&network_sid, &anonymous_sid};
    TOKEN_TYPE type;
    SECURITY_IMPERSONATION_LEVEL level;
    DWORD len = 0;
    unsigned mask;

    memset(out, 0, sizeof(*out));
    if (!GetTokenInformation(token, TokenType, &type, sizeof(type), &len))
        return last_error_hr();
    if (type == TokenPrimary) {
        out->imp_level = ACCESS_PRIMARY_TOKEN;
    } else {
        if (!GetTokenInformation(token, TokenImpersonationLevel, &level, sizeof(level), &len))
            return last_error_hr();
        out->imp_level = (int)level;
    }
    if (!token_holds_mask(token, sids, 2, &mask)) /* one read of user and groups for both */
        return last_error_hr();
    out->remote = (mask & 1) != 0;
    out->anonymous = (mask & 2) != 0;
    return S_OK;
}

HRESULT access_decide(const struct access_facts *f)
{
    if (f->remote)
        return BG_E_REMOTE_NOT_SUPPORTED; /* G9, first (invariant 1) */
    if (f->anonymous || (f->imp_level != ACCESS_PRIMARY_TOKEN && f->imp_level < (int)SecurityIdentification))
        return E_ACCESSDENIED; /* G8: below IDENTIFY (header) */
    return S_OK;
}

HRESULT access_check_token(HANDLE token)
{
    struct access_facts facts;
    HRESULT hr = access_facts_from_token(token, &facts);

    if (FAILED(hr)) {
        WARN("caller refused: cannot read its token (%08lx)", (unsigned long)hr);
        return E_ACCESSDENIED;
    }
    hr = access_decide(&facts);
    if (FAILED(hr))
        WARN("caller refused (%08lx): impersonation level %d, remote %d, anonymous %d", (unsigned long)hr,
             facts.imp_level, facts.remote, facts.anonymous);
    return hr;
}

/* Invariant 3: under Wine the process token is the caller; decided once. */
static HRESULT wine_decision = E_ACCESSDENIED;
static INIT_ONCE wine_decision_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK decide_wine_once(INIT_ONCE *once, void *param, void **ctx)
{
    HRESULT impersonate_hr = *(const HRESULT *)param;
    HANDLE token;

    (void)once;
    (void)ctx;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        ERR("cannot open the process token (%lu): every caller refused", (unsigned long)GetLastError());
        return TRUE;
    }
    wine_decision = access_check_token(token);
    CloseHandle(token);
    WARN("Wine: no COM call context (CoImpersonateClient %08lx): G8/G9 decided once on the process "
         "token: %08lx", (unsigned long)impersonate_hr, (unsigned long)wine_decision);
    return TRUE;
}

HRESULT access_caller_token(HANDLE *token, DWORD *error)
{
    HRESULT hr = CoImpersonateClient();

    *token = NULL;
    *error = 0;
    if (SUCCEEDED(hr)) {
        if (!OpenThreadToken(GetCurrentThread(), TOKEN_QUERY | TOKEN_DUPLICATE, TRUE, token)) {
            *error = GetLastError();
            *token = NULL;
        }
        CoRevertToSelf();
    }
    return hr;
}

HRESULT access_admit_caller(HANDLE *token)
{
    DWORD error;
    HRESULT hr = access_caller_token(token, &error);

    if (!*token) {
        if (bgreg_running_on_wine()) {
            InitOnceExecuteOnce(&wine_decision_once, decide_wine_once, &hr, NULL);
            return wine_decision;
        }
        WARN("caller refused: no impersonation token (CoImpersonateClient %08lx, OpenThreadToken %lu)",
             (unsigned long)hr, (unsigned long)error);
        return E_ACCESSDENIED;
    }
    hr = access_check_token(*token);
    if (FAILED(hr)) {
        CloseHandle(*token);
        *token = NULL;
    }
    return hr;
}

HRESULT access_check_caller(void)
{
    HANDLE token;
    HRESULT hr = access_admit_caller(&token);

    if (token)
        CloseHandle(token);
    return hr;
}

HRESULT access_check_activation(void)
{
    struct access_facts facts;
    HANDLE token;
    DWORD error;
    HRESULT hr;

    access_caller_token(&token, &error);
    if (!token)
        return S_OK; /* invariant 4: the methods decide */
    hr = access_facts_from_token(token, &facts);
    CloseHandle(token);
    if (SUCCEEDED(hr) && facts.remote) {
        WARN("remote activation refused: BG_E_REMOTE_NOT_SUPPORTED");
        return BG_E_REMOTE_NOT_SUPPORTED; /* G9 */
    }
    return S_OK;
}
