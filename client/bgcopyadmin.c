/*
 * bgcopyadmin.c - entry point of bgcopyadmin.exe: parses the command line against the switch
 * table (switches.c), connects to the bgcopy server through COM and runs one switch.
 *
 *   bgcopyadmin [/rawreturn] [/nowrap] [/json] /SWITCH [options] [arguments]
 *
 * Switches and options are matched case-insensitively, like bitsadmin's. Options may appear
 * anywhere after the switch; every other argument is positional. A job is named by its {GUID}
 * or by its display name.
 *
 * Invariants:
 *  1. The command line is validated completely (switch, options allowed for it, argument
 *     count, option values) before COM is initialised; any problem prints a message naming
 *     it and the switch's usage, and exits with BGCLI_EXIT_USAGE (2).
 *  2. Upload-only switches and the upload job types are answered with "not supported yet" and
 *     BGCLI_EXIT_UNSUPPORTED (3) after the command line was found valid, without COM.
 *  3. COM: the multithreaded apartment (the /transfer callback is called on RPC threads),
 *     impersonation level IMPERSONATE (the server impersonates callers to learn job owners),
 *     and the manager is activated with CLSCTX_LOCAL_SERVER only.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

static const struct {
    const WCHAR *name; /* option without the slash */
    unsigned flag;     /* BGCLI_OPT_* */
} options[] = {
    { L"download", BGCLI_OPT_DOWNLOAD },
    { L"upload", BGCLI_OPT_UPLOAD },
    { L"upload-reply", BGCLI_OPT_UPLOAD_REPLY },
    { L"verbose", BGCLI_OPT_VERBOSE },
    { L"allusers", BGCLI_OPT_ALLUSERS },
    { L"timeout", BGCLI_OPT_TIMEOUT },
    { L"refresh", BGCLI_OPT_REFRESH },
    { L"count", BGCLI_OPT_COUNT },
    { L"priority", BGCLI_OPT_PRIORITY },
    { L"json", BGCLI_OPT_JSON },
    { L"rawreturn", BGCLI_OPT_RAWRETURN },
    { L"nowrap", BGCLI_OPT_NOWRAP },
    { L"?", BGCLI_OPT_HELP },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define VALUE_OPTS (BGCLI_OPT_TIMEOUT | BGCLI_OPT_REFRESH | BGCLI_OPT_COUNT | BGCLI_OPT_PRIORITY)

/* Prints why the command line is wrong, then the usage of sw (all switches when sw is NULL);
 * returns BGCLI_EXIT_USAGE. */
static int usage_error(const struct bgcli_switch *sw, const WCHAR *fmt, const WCHAR *arg)
{
    bgcli_eprintf(L"ERROR: ");
    bgcli_eprintf(fmt, arg);
    bgcli_eprintf(L"\n");
    if (sw) {
        bgcli_eprintf(L"Usage: bgcopyadmin %ls\n", sw->synopsis);
        bgcli_eprintf(L"Run bgcopyadmin /help /%ls for details, bgcopyadmin /help for every switch.\n", sw->name);
    } else {
        bgcli_eprintf(L"\n");
        bgcli_print_usage(TRUE);
    }
    return BGCLI_EXIT_USAGE;
}

static int find_option(const WCHAR *arg)
{
    size_t k;
    if (arg[0] != L'/' || arg[1] == 0)
        return -1;
    for (k = 0; k < COUNT(options); k++)
        if (_wcsicmp(arg + 1, options[k].name) == 0)
            return (int)k;
    return -1;
}

/* Parses a number of seconds or a count: 1..86400*365. */
static BOOL parse_positive(const WCHAR *text, DWORD *out)
{
    ULONG v;
    if (!text || !bgcli_parse_ulong(text, 86400ul * 365, &v) || v == 0)
        return FALSE;
    *out = v;
    return TRUE;
}

/* Takes the value of option flag from value; returns BGCLI_EXIT_OK or a usage error. */
static int option_value(const struct bgcli_switch *sw, unsigned flag, const WCHAR *value, struct bgcli_args *args)
{
    switch (flag) {
    case BGCLI_OPT_TIMEOUT:
        if (!parse_positive(value, &args->timeout_s))
            return usage_error(sw, L"/timeout needs a number of seconds (1 or more)%ls", L"");
        break;
    case BGCLI_OPT_REFRESH:
        if (!parse_positive(value, &args->refresh_s))
            return usage_error(sw, L"/refresh needs a number of seconds (1 or more)%ls", L"");
        break;
    case BGCLI_OPT_COUNT:
        if (!parse_positive(value, &args->count))
            return usage_error(sw, L"/count needs a number (1 or more)%ls", L"");
        break;
    case BGCLI_OPT_PRIORITY:
        if (!value || !bgcli_parse_priority(value, &args->priority))
            return usage_error(sw, L"/priority needs FOREGROUND, HIGH, NORMAL or LOW%ls", L"");
        break;
    }
    return BGCLI_EXIT_OK;
}

/* Fills args from argv[first..]; returns BGCLI_EXIT_OK or a usage error. */
static int parse_args(const struct bgcli_switch *sw, int first, int argc, WCHAR **argv, struct bgcli_args *args)
{
    int i, k, rc;

    args->pos = calloc((size_t)argc + 1, sizeof(WCHAR *));
    if (!args->pos)
        return usage_error(sw, L"out of memory%ls", L"");
    for (i = first; i < argc; i++) {
        const WCHAR *a = argv[i];
        unsigned flag;
        /* Taken as is: /help and /util arguments, the tail of free-tail switches, and anything
         * not shaped like an option ("/" alone, "-x", names, paths, URLs). */
        if ((sw->flags & BGCLI_SW_RAW_ARGS) || ((sw->flags & BGCLI_SW_FREE_TAIL) && args->npos >= 1) ||
            a[0] != L'/' || a[1] == 0) {
            if ((sw->flags & BGCLI_SW_RAW_ARGS) && wcscmp(a, L"/?") == 0 && args->npos == 0 &&
                sw->run == bgcli_cmd_util)
                a = L"/help";
            args->pos[args->npos++] = (WCHAR *)a;
            continue;
        }
        k = find_option(a);
        if (k < 0)
            return usage_error(sw, L"unknown option %ls", a);
        flag = options[k].flag;
        if (!((sw->opts | BGCLI_OPT_GLOBAL) & flag))
            return usage_error(sw, L"option %ls is not valid with this switch", a);
        if ((args->opts & BGCLI_OPT_TYPES) && (flag & BGCLI_OPT_TYPES) && !(args->opts & flag))
            return usage_error(sw, L"only one job type may be given (%ls)", a);
        if ((args->opts & flag) && (flag & VALUE_OPTS))
            return usage_error(sw, L"option %ls is given twice", a);
        args->opts |= flag;
        if (flag & VALUE_OPTS) {
            rc = option_value(sw, flag, i + 1 < argc ? argv[i + 1] : NULL, args);
            if (rc != BGCLI_EXIT_OK)
                return rc;
            i++;
        }
    }
    if (args->opts & BGCLI_OPT_HELP)
        return BGCLI_EXIT_OK; /* "/SWITCH /?" : help whatever the rest */
    if ((args->opts & BGCLI_OPT_JSON) && !(sw->opts & BGCLI_OPT_JSON)) /* given before the switch */
        return usage_error(sw, L"option /json is not valid with this switch%ls", L"");
    if ((args->opts & BGCLI_OPT_JSON) && (args->opts & BGCLI_OPT_RAWRETURN))
        return usage_error(sw, L"/json and /rawreturn exclude each other%ls", L"");
    if (args->npos < sw->min_args)
        return usage_error(sw, L"missing argument(s) for /%ls", sw->name);
    if (sw->max_args >= 0 && args->npos > sw->max_args)
        return usage_error(sw, L"too many arguments for /%ls", sw->name);
    if ((sw->flags & BGCLI_SW_PAIRS) && (args->npos - 1) % 2 != 0)
        return usage_error(sw, L"/%ls needs URL LOCAL pairs: a local name is missing", sw->name);
    return BGCLI_EXIT_OK;
}

/* Initialises COM, connects to the server and runs the switch. */
static int run_command(const struct bgcli_args *args)
{
    IBackgroundCopyManager *mgr = NULL;
    HRESULT hr;
    int rc;

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr)) {
        bgcli_report_hr(NULL, L"Unable to initialise COM", hr);
        return BGCLI_EXIT_FAIL;
    }
    /* Failure is not fatal: a host process may have set security already (RPC_E_TOO_LATE). */
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                         EOAC_NONE, NULL);
    hr = CoCreateInstance(&CLSID_BgCopyManager, NULL, CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&mgr);
    if (FAILED(hr)) {
        bgcli_report_hr(NULL, L"Unable to connect to the bgcopy server (is bgcopysvc.exe registered?)", hr);
        CoUninitialize();
        return BGCLI_EXIT_FAIL;
    }
    rc = args->sw->run(mgr, args);
    IBackgroundCopyManager_Release(mgr);
    CoUninitialize();
    return rc;
}

int wmain(int argc, WCHAR **argv)
{
    const struct bgcli_switch *sw = NULL;
    struct bgcli_args args;
    unsigned global = 0;
    int i, k, rc;

    bgcli_output_init();
    memset(&args, 0, sizeof(args));
    /* Global flags before the switch, as bitsadmin takes them (and /json, checked later). */
    for (i = 1; i < argc; i++) {
        k = find_option(argv[i]);
        if (k < 0 || !(options[k].flag & (BGCLI_OPT_RAWRETURN | BGCLI_OPT_NOWRAP | BGCLI_OPT_JSON)))
            break;
        global |= options[k].flag;
    }
    if (i >= argc) {
        bgcli_print_usage(TRUE);
        return BGCLI_EXIT_USAGE;
    }
    if (_wcsicmp(argv[i], L"/wrap") == 0)
        return bgcli_not_supported(L"/wrap (bgcopyadmin never wraps its output; /nowrap is always in effect)");
    if (argv[i][0] == L'/' && argv[i][1])
        sw = bgcli_find_switch(argv[i] + 1);
    if (!sw)
        return usage_error(NULL, L"unknown switch %ls", argv[i]);
    args.sw = sw;
    args.opts = global;
    args.priority = BG_JOB_PRIORITY_NORMAL;
    rc = parse_args(sw, i + 1, argc, argv, &args);
    if (rc == BGCLI_EXIT_OK) {
        if (args.opts & BGCLI_OPT_HELP)
            bgcli_print_switch_help(sw);
        else if (sw->flags & BGCLI_SW_UPLOAD)
            rc = bgcli_not_supported(sw->synopsis);
        else if (args.opts & (BGCLI_OPT_UPLOAD | BGCLI_OPT_UPLOAD_REPLY))
            rc = bgcli_not_supported((args.opts & BGCLI_OPT_UPLOAD) ? L"/upload jobs" : L"/upload-reply jobs");
        else if (sw->flags & BGCLI_SW_NO_COM)
            rc = sw->run(NULL, &args);
        else
            rc = run_command(&args);
    }
    free(args.pos);
    return rc;
}
