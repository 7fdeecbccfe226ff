/*
 * cmd_util.c - /help [/SWITCH], /util SUBCOMMAND, and the "not supported yet" answer of the
 * upload switches. None of them needs the server.
 *
 * Invariants:
 *  1. Everything printed about switches comes from the switch table (switches.c).
 *  2. A switch or /util subcommand that is not supported says so on stderr and exits with
 *     BGCLI_EXIT_UNSUPPORTED (3); it never pretends to have worked.
 */
#include "bgcli.h"

#include <wchar.h>

#define BGCLI_VERSION L"1.0"

void bgcli_print_usage(BOOL to_stderr)
{
    void (*out)(const WCHAR *, ...) = to_stderr ? bgcli_eprintf : bgcli_printf;
    size_t i;

    out(L"bgcopyadmin %ls - bitsadmin-compatible command line client of bgcopy\n\n"
        L"Usage: bgcopyadmin [/rawreturn] [/nowrap] [/json] /SWITCH [options] [arguments]\n\n", BGCLI_VERSION);
    for (i = 0; i < bgcli_switch_count; i++)
        out(L"  %ls%ls\n", bgcli_switches[i].synopsis,
            (bgcli_switches[i].flags & BGCLI_SW_UPLOAD) ? L"   (not supported yet)" : L"");
    out(L"\nJOB is a job's {GUID} or its display name (which must be unique among your jobs).\n"
        L"LOCAL is a full local path; its directory must exist.\n"
        L"Queries accept /json (one JSON object on stdout); /rawreturn prints bare values without a newline.\n"
        L"bgcopyadmin /SWITCH /? or bgcopyadmin /help /SWITCH shows one switch.\n"
        L"Exit status: 0 success, 1 failure (the error and its HRESULT are printed), 2 usage error,\n"
        L"3 not supported yet, 4 job ended in ERROR, 5 timeout, 6 job cancelled or completed by\n"
        L"another client, 7 interrupted (Ctrl+C).\n");
}

void bgcli_print_switch_help(const struct bgcli_switch *sw)
{
    bgcli_printf(L"Usage: bgcopyadmin %ls\n\n%ls\n", sw->synopsis, sw->summary);
    if (sw->opts & BGCLI_OPT_JSON)
        bgcli_printf(L"/json prints the result as one JSON object.\n");
    if (sw->flags & BGCLI_SW_UPLOAD)
        bgcli_printf(L"This switch needs upload jobs, which bgcopy does not support yet (exit status 3).\n");
    bgcli_printf(L"\nDocumentation: client/docs/%ls\n", sw->doc);
}

int bgcli_not_supported(const WCHAR *what)
{
    bgcli_eprintf(L"ERROR: %ls: not supported yet.\n", what);
    return BGCLI_EXIT_UNSUPPORTED;
}

/* /help [/SWITCH] */
int bgcli_cmd_help(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    const struct bgcli_switch *sw;
    const WCHAR *name;
    (void)mgr;

    if (args->npos == 0) {
        bgcli_print_usage(FALSE);
        return BGCLI_EXIT_OK;
    }
    name = args->pos[0];
    if (name[0] == L'/' || name[0] == L'-')
        name++;
    sw = bgcli_find_switch(name);
    if (!sw) {
        bgcli_eprintf(L"ERROR: unknown switch %ls\nRun bgcopyadmin /help for every switch.\n", args->pos[0]);
        return BGCLI_EXIT_USAGE;
    }
    bgcli_print_switch_help(sw);
    return BGCLI_EXIT_OK;
}

/* /util SUBCOMMAND */
int bgcli_cmd_util(IBackgroundCopyManager *mgr, const struct bgcli_args *args)
{
    static const WCHAR *const unsupported[] = {
        L"/getieproxy", L"/setieproxy", L"/repairservice", L"/enableanalyticchannel",
    };
    const WCHAR *sub = args->npos ? args->pos[0] : L"/help";
    size_t i;
    (void)mgr;

    if (_wcsicmp(sub, L"/help") == 0 || _wcsicmp(sub, L"/?") == 0) {
        bgcli_printf(L"bgcopyadmin /util subcommands:\n"
                     L"  /util /help      this list\n"
                     L"  /util /version   print the version of bgcopyadmin\n"
                     L"Not supported (exit status 3): /util /getieproxy, /util /setieproxy,\n"
                     L"  /util /repairservice, /util /enableanalyticchannel (bgcopy has no per-account IE\n"
                     L"  proxy store, no service repair and no analytic event channel).\n");
        return BGCLI_EXIT_OK;
    }
    if (_wcsicmp(sub, L"/version") == 0) {
        bgcli_printf(L"%ls\n", BGCLI_VERSION);
        return BGCLI_EXIT_OK;
    }
    for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        if (_wcsicmp(sub, unsupported[i]) == 0) {
            WCHAR what[64];
            swprintf(what, 64, L"/util %ls", unsupported[i]);
            return bgcli_not_supported(what);
        }
    }
    bgcli_eprintf(L"ERROR: unknown /util subcommand %ls\nRun bgcopyadmin /util /help for the list.\n", sub);
    return BGCLI_EXIT_USAGE;
}
