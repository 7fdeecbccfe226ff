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
