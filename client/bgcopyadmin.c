/*
 * bgcopyadmin.c - entry point of bgcopyadmin.exe: parses the command line, connects to the
 * bgcopy server through COM and runs one command.
 *
 *   bgcopyadmin /SWITCH [options] [arguments]
 *
 * Switches are matched case-insensitively, like bitsadmin's. Options (/download, /verbose,
 * /allusers, /timeout S...) may appear anywhere after the switch; every other argument is
 * positional. A job is named by its {GUID} or by its display name.
 *
 * Invariants:
 *  1. The command line is validated completely (switch, options allowed for it, argument
 *     count, option values) before COM is initialised; any problem prints the usage and exits
 *     with BGCLI_EXIT_USAGE (2).
 *  2. COM: the multithreaded apartment (the /transfer callback is called on RPC threads),
 *     impersonation level IMPERSONATE (the server impersonates callers to learn job owners),
 *     and the manager is activated with CLSCTX_LOCAL_SERVER only.
 *  3. Exit codes: 0 success, 1 failure (message with HRESULT printed), 2 usage.
 */
#include "bgcli.h"

#include <stdlib.h>
#include <wchar.h>

struct command {
    const WCHAR *name;      /* switch without the slash */
    unsigned allowed;       /* BGCLI_OPT_* accepted */
    int min_pos;            /* fewest positional arguments */
    int max_pos;            /* most positional arguments, -1 = no limit */
    BOOL pairs;             /* positional arguments after the first come in (URL, LOCAL) pairs */
    bgcli_command_fn run;   /* NULL for /help */
    const WCHAR *synopsis;  /* usage line */
    const WCHAR *summary;   /* one-line description */
};

#define TYPE_OPTS (BGCLI_OPT_DOWNLOAD | BGCLI_OPT_UPLOAD | BGCLI_OPT_UPLOAD_REPLY)

static const struct command commands[] = {
    { L"create", TYPE_OPTS, 1, 1, FALSE, bgcli_cmd_create,
      L"/create [/download|/upload|/upload-reply] NAME", L"create a job (suspended); prints its GUID" },
    { L"addfile", 0, 3, 3, FALSE, bgcli_cmd_addfile,
      L"/addfile JOB URL LOCAL", L"add a file: remote URL, full local path" },
    { L"resume", 0, 1, 1, FALSE, bgcli_cmd_resume, L"/resume JOB", L"start or restart the transfer" },
    { L"suspend", 0, 1, 1, FALSE, bgcli_cmd_suspend, L"/suspend JOB", L"pause the transfer" },
    { L"cancel", 0, 1, 1, FALSE, bgcli_cmd_cancel, L"/cancel JOB", L"cancel the job, delete temporary files" },
    { L"complete", 0, 1, 1, FALSE, bgcli_cmd_complete,
      L"/complete JOB", L"make the transferred files available, end the job" },
    { L"info", BGCLI_OPT_VERBOSE, 1, 1, FALSE, bgcli_cmd_info,
      L"/info JOB [/verbose]", L"show a job (state, files, bytes; /verbose: all properties)" },
    { L"list", BGCLI_OPT_ALLUSERS | BGCLI_OPT_VERBOSE, 0, 0, FALSE, bgcli_cmd_list,
      L"/list [/allusers] [/verbose]", L"list your jobs (or every user's)" },
    { L"transfer", TYPE_OPTS | BGCLI_OPT_TIMEOUT, 3, -1, TRUE, bgcli_cmd_transfer,
      L"/transfer NAME [/download] [/timeout S] URL LOCAL [URL LOCAL...]",
      L"create, run and complete a job, showing progress" },
    { L"help", 0, 0, 0, FALSE, NULL, L"/help or /?", L"show this help" },
};

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
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void usage(BOOL to_stderr)
{
    void (*out)(const WCHAR *, ...) = to_stderr ? bgcli_eprintf : bgcli_printf;
    size_t i;

    out(L"bgcopyadmin - command line client of bgcopy (BITS-compatible background transfers)\n\n"
        L"Usage: bgcopyadmin /SWITCH [options] [arguments]\n\n");
    for (i = 0; i < COUNT(commands); i++)
        out(L"  %ls\n      %ls\n", commands[i].synopsis, commands[i].summary);
    out(L"\nJOB is a job's {GUID} or its display name (which must be unique among your jobs).\n"
        L"LOCAL is a full local path; its directory must exist.\n"
        L"Exit status: 0 success, 1 failure (the error and its HRESULT are printed), 2 usage error.\n");
}

/* Prints why the command line is wrong, then the usage of cmd (all switches when cmd is NULL);
 * returns BGCLI_EXIT_USAGE. */
static int usage_error(const struct command *cmd, const WCHAR *fmt, const WCHAR *arg)
{
    bgcli_eprintf(L"ERROR: ");
    bgcli_eprintf(fmt, arg);
    bgcli_eprintf(L"\n");
    if (cmd) {
        bgcli_eprintf(L"Usage: bgcopyadmin %ls\n", cmd->synopsis);
        bgcli_eprintf(L"Run bgcopyadmin /help for every switch.\n");
    } else {
        bgcli_eprintf(L"\n");
        usage(TRUE);
    }
    return BGCLI_EXIT_USAGE;
}

static const struct command *find_command(const WCHAR *arg)
{
    size_t i;
    if (arg[0] != L'/')
        return NULL;
    if (wcscmp(arg, L"/?") == 0)
        return &commands[COUNT(commands) - 1];
    for (i = 0; i < COUNT(commands); i++)
        if (_wcsicmp(arg + 1, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

/* Parses a /timeout value: 1..86400*365 seconds. */
static BOOL parse_seconds(const WCHAR *text, DWORD *out)
{
    WCHAR *end = NULL;
    unsigned long v;
    if (!text || !*text || *text == L'-' || *text == L'+')
        return FALSE;
    v = wcstoul(text, &end, 10);
    if (*end || v == 0 || v > 86400ul * 365)
        return FALSE;
    *out = (DWORD)v;
    return TRUE;
}

/* Fills args from argv[2..]; returns BGCLI_EXIT_OK or a usage error. */
static int parse_args(const struct command *cmd, int argc, WCHAR **argv, struct bgcli_args *args)
{
    int i;
    size_t k;

    args->opts = 0;
    args->timeout_s = 0;
    args->npos = 0;
    args->pos = calloc((size_t)argc, sizeof(WCHAR *));
    if (!args->pos)
        return usage_error(cmd, L"out of memory%ls", L"");
    for (i = 2; i < argc; i++) {
        const WCHAR *a = argv[i];
        if (a[0] != L'/' || a[1] == 0) {
            args->pos[args->npos++] = argv[i];
            continue;
        }
        for (k = 0; k < COUNT(options); k++)
            if (_wcsicmp(a + 1, options[k].name) == 0)
                break;
        if (k == COUNT(options))
            return usage_error(cmd, L"unknown option %ls", a);
        if (!(cmd->allowed & options[k].flag))
            return usage_error(cmd, L"option %ls is not valid with this switch", a);
        if ((args->opts & TYPE_OPTS) && (options[k].flag & TYPE_OPTS) && !(args->opts & options[k].flag))
            return usage_error(cmd, L"only one job type may be given (%ls)", a);
        args->opts |= options[k].flag;
        if (options[k].flag == BGCLI_OPT_TIMEOUT) {
            if (i + 1 >= argc || !parse_seconds(argv[i + 1], &args->timeout_s))
                return usage_error(cmd, L"/timeout needs a number of seconds (1 or more)%ls", L"");
            i++;
        }
    }
    if (args->npos < cmd->min_pos)
        return usage_error(cmd, L"missing argument(s) for /%ls", cmd->name);
    if (cmd->max_pos >= 0 && args->npos > cmd->max_pos)
        return usage_error(cmd, L"too many arguments for /%ls", cmd->name);
    if (cmd->pairs && (args->npos - 1) % 2 != 0)
        return usage_error(cmd, L"/%ls needs URL LOCAL pairs: a local name is missing", cmd->name);
    return BGCLI_EXIT_OK;
}

/* Initialises COM, connects to the server and runs cmd. */
static int run_command(const struct command *cmd, const struct bgcli_args *args)
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
    rc = cmd->run(mgr, args);
    IBackgroundCopyManager_Release(mgr);
    CoUninitialize();
    return rc;
}

int wmain(int argc, WCHAR **argv)
{
    const struct command *cmd;
    struct bgcli_args args = { 0 };
    int rc;

    bgcli_output_init();
    if (argc < 2) {
        usage(TRUE);
        return BGCLI_EXIT_USAGE;
    }
    cmd = find_command(argv[1]);
    if (!cmd)
        return usage_error(NULL, L"unknown switch %ls", argv[1]);
    rc = parse_args(cmd, argc, argv, &args);
    if (rc == BGCLI_EXIT_OK) {
        if (cmd->run)
            rc = run_command(cmd, &args);
        else
            usage(FALSE);
    }
    free(args.pos);
    return rc;
}
