/*
 * caller.c - facts about the calling client's token for Job4 (GetOwnerIntegrityLevel,
 * GetOwnerElevationState) and TakeOwnership (X5). Core area, issue 3.
 *
 * Invariants:
 *  1. The token is the impersonation token of the current COM call, opened and closed within
 *     caller_facts; nothing is cached (a pointer handed to another identity acts with it).
 *  2. Under Wine 8 there is no call context (WINE-NOTES): the process token stands for the
 *     caller, as in manager.c caller_sid. Its facts cannot change while the process runs, so
 *     they are read once and copied for every call (a CreateJob used to read the token twice,
 *     a dozen wineserver requests each time). On Windows a failure to impersonate is
 *     E_ACCESSDENIED.
 *  3. Facts that a token cannot tell (no integrity label on old systems or Wine) are reported
 *     as SECURITY_MANDATORY_MEDIUM_RID and "not elevated".
 *  4. caller_facts_admitted impersonates once for both the admission (access.c, G8/G9) and
 *     the facts: the token access_admit_caller hands back is the one read here.
 */
#include "server.h"

#include <stdlib.h>

#include <sddl.h>

#include "bgreg.h"

#ifndef SECURITY_MANDATORY_MEDIUM_RID
#define SECURITY_MANDATORY_MEDIUM_RID 0x2000
#endif

static unsigned token_integrity(HANDLE token)
{
    BYTE buf[128];
    TOKEN_MANDATORY_LABEL *label = (TOKEN_MANDATORY_LABEL *)buf;
    DWORD len = 0;
    PUCHAR count;

    if (!GetTokenInformation(token, TokenIntegrityLevel, buf, sizeof(buf), &len) || !label->Label.Sid)
        return SECURITY_MANDATORY_MEDIUM_RID;
    count = GetSidSubAuthorityCount(label->Label.Sid);
    if (!count || !*count)
        return SECURITY_MANDATORY_MEDIUM_RID;
    return (unsigned)*GetSidSubAuthority(label->Label.Sid, (DWORD)(*count - 1));
}

static BOOL token_elevated(HANDLE token)
{
    TOKEN_ELEVATION elevation;
    DWORD len = 0;

    if (!GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &len))
        return FALSE;
    return elevation.TokenIsElevated != 0;
}

static BOOL token_is_admin(HANDLE token)
{
    SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
    PSID admins = NULL;
    HANDLE imp = NULL;
    BOOL member = FALSE;

    if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0,
                                  0, 0, &admins))
        return FALSE;
    /* CheckTokenMembership wants an impersonation token. */
    if (DuplicateToken(token, SecurityIdentification, &imp)) {
        if (!CheckTokenMembership(imp, admins, &member))
            member = FALSE;
        CloseHandle(imp);
    }
    FreeSid(admins);
    return member;
}

static HRESULT token_facts(HANDLE token, struct caller_facts *out);

/* Invariant 2: the process token's facts, read once (Wine only). */
static struct caller_facts process_facts;
static HRESULT process_facts_hr = E_FAIL;
static INIT_ONCE process_facts_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK read_process_facts(INIT_ONCE *once, void *param, void **ctx)
{
    HANDLE token;

    (void)once;
    (void)param;
    (void)ctx;
    WARN("Wine: no impersonation token: every caller is the process's user");
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY | TOKEN_DUPLICATE, &token)) {
        process_facts_hr = HRESULT_FROM_WIN32(GetLastError());
        return TRUE;
    }
    process_facts_hr = token_facts(token, &process_facts);
    CloseHandle(token);
    return TRUE;
}

/* The facts of token, which it closes; NULL: Wine's process facts (invariant 2). */
static HRESULT facts_of(HANDLE token, struct caller_facts *out)
{
    HRESULT hr;

    if (token) {
        hr = token_facts(token, out);
        CloseHandle(token);
        return hr;
    }
    InitOnceExecuteOnce(&process_facts_once, read_process_facts, NULL, NULL);
    if (FAILED(process_facts_hr))
        return process_facts_hr;
    *out = process_facts;
    out->sid = strdup(process_facts.sid);
    return out->sid ? S_OK : E_OUTOFMEMORY;
}

HRESULT caller_facts(struct caller_facts *out)
{
    HANDLE token;
    DWORD error;

    memset(out, 0, sizeof(*out));
    access_caller_token(&token, &error);
    if (!token && !bgreg_running_on_wine())
        return E_ACCESSDENIED;
    return facts_of(token, out);
}

HRESULT caller_facts_admitted(struct caller_facts *out)
{
    HANDLE token;
    HRESULT hr = access_admit_caller(&token); /* NULL token with S_OK only under Wine */

    memset(out, 0, sizeof(*out));
    if (FAILED(hr))
        return hr;
    return facts_of(token, out);
}

/* The facts of one token (the caller's or, under Wine, the process's). */
static HRESULT token_facts(HANDLE token, struct caller_facts *out)
{
    BYTE buf[256];
    TOKEN_USER *user = (TOKEN_USER *)buf;
    DWORD len = 0;
    WCHAR *sid = NULL;
    HRESULT hr;

    memset(out, 0, sizeof(*out));
    if (!GetTokenInformation(token, TokenUser, buf, sizeof(buf), &len) ||
        !ConvertSidToStringSidW(user->User.Sid, &sid)) {
        hr = HRESULT_FROM_WIN32(GetLastError());
    } else {
        hr = strconv_utf8_from_wide(sid, 0, E_INVALIDARG, &out->sid);
        LocalFree(sid);
    }
    if (SUCCEEDED(hr)) {
        out->integrity = token_integrity(token);
        out->elevated = token_elevated(token);
        out->admin = token_is_admin(token);
    }
    return hr;
}

void caller_facts_free(struct caller_facts *facts)
{
    free(facts->sid);
    facts->sid = NULL;
}

void caller_record_owner_token(struct bgc_job *core)
{
    struct caller_facts facts;

    if (SUCCEEDED(caller_facts(&facts))) {
        bgc_job_set_owner_token_info(core, facts.integrity, facts.elevated);
        caller_facts_free(&facts);
    } else {
        bgc_job_set_owner_token_info(core, SECURITY_MANDATORY_MEDIUM_RID, FALSE);
    }
}
