/*
 * strerror.c - a name and an English text for every result code of bgc.h.
 *
 * Invariants:
 *  1. Every code from BGC_E_LAST to BGC_S_UNABLE_TO_DELETE_FILES has exactly one row here;
 *     tests/native/test_job_codes.c walks that range and fails on a missing row.
 *  2. Unknown codes get a fixed text and name; neither function ever returns NULL.
 */
#include "bgc.h"

#include <stddef.h>

struct code_row {
    int code;         /* BGC_OK, BGC_S_* or BGC_E_* */
    const char *name; /* the macro's name */
    const char *text; /* one sentence, no trailing period */
};

#define ROW(c, t) {c, #c, t}

static const struct code_row rows[] = {
    ROW(BGC_OK, "The operation succeeded"),
    ROW(BGC_S_PARTIAL_COMPLETE, "Only the fully transferred files were kept"),
    ROW(BGC_S_UNABLE_TO_DELETE_FILES, "The job ended but some temporary files could not be deleted"),
    ROW(BGC_E_NOMEM, "Out of memory"),
    ROW(BGC_E_INVALIDARG, "An argument is missing, empty or malformed"),
    ROW(BGC_E_NOT_FOUND, "No such job in the queue"),
    ROW(BGC_E_INVALID_STATE, "The request is not allowed in the job's current state"),
    ROW(BGC_E_EMPTY, "The job has no file to transfer"),
    ROW(BGC_E_STRING_TOO_LONG, "A string is longer than its limit"),
    ROW(BGC_E_UNSUPPORTED_VALUE, "The value is outside the supported set"),
    ROW(BGC_E_NO_ERROR_INFO, "The job is not in an error state"),
    ROW(BGC_E_PATH_NOT_FOUND, "A directory of the local path does not exist"),
    ROW(BGC_E_ACCESS_DENIED, "Access to the local directory was denied"),
    ROW(BGC_E_TOO_MANY_FILES_IN_JOB, "The job would exceed the maximum number of files"),
    ROW(BGC_E_TOO_MANY_JOBS_PER_USER, "The owner already has the maximum number of jobs"),
    ROW(BGC_E_STOPPING, "The queue is shutting down"),
    ROW(BGC_E_OS, "An operating system call failed"),
    ROW(BGC_E_CONNECT_FAILURE, "Could not connect to the server or resolve its name"),
    ROW(BGC_E_CONNECTION_CLOSED, "The connection closed before the transfer was complete"),
    ROW(BGC_E_TRANSPORT, "The transfer failed in the network layer"),
    ROW(BGC_E_HTTP_STATUS, "The server answered with an HTTP error status"),
    ROW(BGC_E_INVALID_SERVER_RESPONSE, "The server's response violated the protocol"),
    ROW(BGC_E_REMOTE_NOT_FOUND, "The remote file does not exist"),
    ROW(BGC_E_REMOTE_ACCESS_DENIED, "Access to the remote file was denied"),
    ROW(BGC_E_TIMEOUT, "No data arrived within the stall timeout"),
    ROW(BGC_E_TLS, "The secure connection could not be established"),
    ROW(BGC_E_TOO_MANY_REDIRECTS, "The server redirected too many times"),
    ROW(BGC_E_LOCAL_FILE, "Writing or renaming the local file failed"),
    ROW(BGC_E_MAXDOWNLOAD_TIMEOUT, "The job exceeded its maximum download time"),
    ROW(BGC_E_TOO_MANY_JOBS_PER_MACHINE, "The queue already has the maximum number of jobs"),
    ROW(BGC_E_INVALID_RANGE, "A byte range is malformed or extends past the end of the file"),
    ROW(BGC_E_OVERLAPPING_RANGES, "The byte ranges overlap or repeat"),
    ROW(BGC_E_TOO_MANY_RANGES_IN_FILE, "The file has more byte ranges than allowed"),
    ROW(BGC_E_INSUFFICIENT_RANGE_SUPPORT, "The server does not honour the Range header this transfer needs"),
    ROW(BGC_E_REMOTE_FILE_CHANGED, "The remote file changed and this transfer cannot restart by itself"),
    ROW(BGC_E_VALIDATION_FAILED, "The application marked the downloaded file as invalid"),
    ROW(BGC_E_PENDING, "The file has not been fully transferred yet"),
    ROW(BGC_E_NOT_DOWNLOAD, "The request applies to download jobs only"),
    ROW(BGC_E_READ_ONLY_AFTER_RESUME, "The property can be set only before the job is first resumed"),
    ROW(BGC_E_READ_ONLY_AFTER_ADDFILE, "The property can be set only before the first file is added"),
    ROW(BGC_E_MAX_DOWNLOAD_SIZE_INVALID, "The maximum download size must not be 0"),
    ROW(BGC_E_MAX_DOWNLOAD_SIZE_REACHED, "The job needs more bytes than its maximum download size"),
    ROW(BGC_E_RANDOM_ACCESS_NOT_SUPPORTED, "The job is not in on-demand mode, so its files cannot be read by range"),
    ROW(BGC_E_UNSUPPORTED_JOB_CONFIGURATION, "The job's properties cannot be combined this way"),
    /* httpopts area */
    ROW(BGC_E_INVALID_AUTH_TARGET, "The authentication target is not defined"),
    ROW(BGC_E_INVALID_AUTH_SCHEME, "The authentication scheme is not defined or not supported"),
    ROW(BGC_E_USERNAME_TOO_LARGE, "The user name is longer than 300 characters"),
    ROW(BGC_E_PASSWORD_TOO_LARGE, "The password is longer than 65535 characters"),
    ROW(BGC_E_PROXY_LIST_TOO_LARGE, "The proxy list is longer than 4000 characters"),
    ROW(BGC_E_PROXY_BYPASS_LIST_TOO_LARGE, "The proxy bypass list is longer than 4000 characters"),
    ROW(BGC_E_INVALID_PROXY_INFO, "The proxy list or the bypass list is not valid"),
    ROW(BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD, "Not supported for a job with a custom HTTP method"),
    ROW(BGC_E_REDIRECT_DISALLOWED, "The server redirected and the job's policy disallows redirects"),
    ROW(BGC_E_REDIRECT_SCHEME, "The server redirected to a scheme the job may not follow"),
    ROW(BGC_E_WRITE_ONLY, "The custom headers are write-only"),
    ROW(BGC_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED, "Stored credentials can be used only for proxies"),
    ROW(BGC_E_READ_ONLY_WHEN_JOB_ACTIVE, "The setting can be changed only while the job is suspended, in error or transferred"),
    ROW(BGC_E_CERT_REJECTED, "The server certificate validation callback rejected the certificate"),
    ROW(BGC_E_CERT_VALIDATOR_GONE, "The server certificate validation callback is not reachable"),
    ROW(BGC_E_NETWORK_DISCONNECTED, "There is no network connection; the job continues when one is back"),
    ROW(BGC_E_BLOCKED_BY_POLICY, "The bandwidth policy blocks background transfers at this time"),
    ROW(BGC_E_BLOCKED_BY_COST, "The job's cost flags do not allow transfers on the current network"),
    ROW(BGC_E_STANDBY_MODE, "The transfer waits while the computer is in standby on battery power"),
    ROW(BGC_E_BLOCKED_BY_BATTERY_SAVER, "The transfer waits while Battery Saver is on"),
};

static const struct code_row *find(int code)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].code == code)
            return &rows[i];
    }
    return NULL;
}

const char *bgc_strerror(int code)
{
    const struct code_row *r = find(code);

    return r ? r->text : "Unknown result code";
}

const char *bgc_code_name(int code)
{
    const struct code_row *r = find(code);

    return r ? r->name : "BGC_?";
}
