/*
 * hresult.c - the one mapping from jobs/ result codes and error records to HRESULTs, and the
 * English texts behind GetErrorDescription / GetErrorContextDescription.
 *
 * Invariants:
 *  1. hresult_from_bgc() and hresult_from_bgc_error() are the only places where a BGC_ code
 *     becomes an HRESULT; BG_E_* values are chosen here and nowhere in jobs/.
 *  2. Every BG_E_* / BG_S_* code of bitsmsg.h (bits-reference §5.2-§5.6) has a name and an
 *     English text in bits_codes[]; every HTTP status has a text (specific or generic); other
 *     codes are described by the system message table.
 *  3. Texts are English only: a language other than English or neutral gets
 *     HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND), never a text in the wrong language
 *     silently presented as the requested one.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <curl/curl.h>

#include "server.h"

/* WinHTTP error numbers (winhttp.h) used to describe transport failures the way WinHTTP-based
 * BITS does. */
#define BGC_WINHTTP_TIMEOUT 12002
#define BGC_WINHTTP_INTERNAL_ERROR 12004
#define BGC_WINHTTP_INVALID_URL 12005
#define BGC_WINHTTP_UNRECOGNIZED_SCHEME 12006
#define BGC_WINHTTP_NAME_NOT_RESOLVED 12007
#define BGC_WINHTTP_REDIRECT_FAILED 12156
#define BGC_WINHTTP_SECURE_FAILURE 12175

struct code_text {
    DWORD code;       /* the HRESULT as an unsigned value */
    const char *name; /* symbolic name from bitsmsg.h (NULL for non-BITS codes) */
    const WCHAR *text;
};

/* Every BITS HRESULT (bitsmsg.h of SDK 10.0.22000 plus the legacy 0x2F-0x3D codes). */
static const struct code_text bits_codes[] = {
    {0x00200006, "BG_S_ERROR_CONTEXT_NONE", L"An error has not occurred."},
    {0x00200017, "BG_S_PARTIAL_COMPLETE", L"Some of the transferred files were deleted because they were incomplete."},
    {0x0020001A, "BG_S_UNABLE_TO_DELETE_FILES", L"Some of the temporary files could not be deleted."},
    {0x0020002A, "BG_S_PROXY_CHANGED", L"The proxy server was changed."},
    {0x00200055, "BG_S_OVERRIDDEN_BY_POLICY", L"The setting was saved, but a Group Policy setting overrides it."},
    {0x80200001, "BG_E_NOT_FOUND", L"The requested job was not found."},
    {0x80200002, "BG_E_INVALID_STATE", L"The requested action is not allowed in the current job state. The job might have been canceled or completed transferring. It is in a read-only state now."},
    {0x80200003, "BG_E_EMPTY", L"There are no files attached to this job. Attach files to the job, and then try again."},
    {0x80200004, "BG_E_FILE_NOT_AVAILABLE", L"No file is available because no URL generated an error."},
    {0x80200005, "BG_E_PROTOCOL_NOT_AVAILABLE", L"No protocol is available because no URL generated an error."},
    {0x80200007, "BG_E_ERROR_CONTEXT_UNKNOWN", L"The error occurred in an unknown location."},
    {0x80200008, "BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER", L"The error occurred in the transfer queue manager."},
    {0x80200009, "BG_E_ERROR_CONTEXT_LOCAL_FILE", L"The error occurred while the local file was being processed. Verify that the file is not in use, and then try again."},
    {0x8020000A, "BG_E_ERROR_CONTEXT_REMOTE_FILE", L"The error occurred while the remote file was being processed."},
    {0x8020000B, "BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT", L"The error occurred in the transport layer. The client could not connect to the server."},
    {0x8020000C, "BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION", L"The error occurred while the notification callback was being processed. The transfer service will try again later."},
    {0x8020000D, "BG_E_DESTINATION_LOCKED", L"The destination file system volume is not available. Verify that another program, such as CheckDisk, is not locking the volume. When the volume is available, the transfer will be tried again."},
    {0x8020000E, "BG_E_VOLUME_CHANGED", L"The destination volume has changed. If the disk is removable, it might have been replaced with a different disk. Reinsert the original disk and resume the job."},
    {0x8020000F, "BG_E_ERROR_INFORMATION_UNAVAILABLE", L"No errors have occurred."},
    {0x80200010, "BG_E_NETWORK_DISCONNECTED", L"There are currently no active network connections. The transfer will be tried again when an adapter is connected."},
    {0x80200011, "BG_E_MISSING_FILE_SIZE", L"The server did not return the file size. The URL might point to dynamic content. The Content-Length header is not available in the server's HTTP reply."},
    {0x80200012, "BG_E_INSUFFICIENT_HTTP_SUPPORT", L"The server does not support HTTP 1.1."},
    {0x80200013, "BG_E_INSUFFICIENT_RANGE_SUPPORT", L"The server does not support the necessary HTTP protocol. The transfer requires that the server support the Range protocol header."},
    {0x80200014, "BG_E_REMOTE_NOT_SUPPORTED", L"The transfer service cannot be used remotely."},
    {0x80200015, "BG_E_NEW_OWNER_DIFF_MAPPING", L"The drive mapping for the job is different for the current owner than for the previous owner. Use a UNC path instead."},
    {0x80200016, "BG_E_NEW_OWNER_NO_FILE_ACCESS", L"The new owner has insufficient access to the local files for the job. Verify that the new owner has sufficient permissions, and then try again."},
    {0x80200018, "BG_E_PROXY_LIST_TOO_LARGE", L"The HTTP proxy list is too long. Try again with a shorter proxy list."},
    {0x80200019, "BG_E_PROXY_BYPASS_LIST_TOO_LARGE", L"The HTTP proxy bypass list is too long. Try again with a shorter bypass list."},
    {0x8020001B, "BG_E_INVALID_SERVER_RESPONSE", L"The server's response was not valid. The server was not following the defined protocol. Resume the job, and the transfer will be tried again."},
    {0x8020001C, "BG_E_TOO_MANY_FILES", L"No more files can be added to this job."},
    {0x8020001D, "BG_E_LOCAL_FILE_CHANGED", L"The local file was changed during the transfer. Resume the job, and the transfer will be tried again."},
    {0x8020001E, "BG_E_ERROR_CONTEXT_REMOTE_APPLICATION", L"The error was reported by the remote server application."},
    {0x8020001F, "BG_E_SESSION_NOT_FOUND", L"The specified session could not be found on the server. The transfer will be tried again."},
    {0x80200020, "BG_E_TOO_LARGE", L"The upload file is too large for the server to accept."},
    {0x80200021, "BG_E_STRING_TOO_LONG", L"The specified string is too long."},
    {0x80200022, "BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH", L"The client and server versions of the transfer protocol are incompatible."},
    {0x80200023, "BG_E_SERVER_EXECUTE_ENABLE", L"Scripting or execute permissions are enabled on the IIS virtual directory associated with the job. To upload files to the virtual directory, disable the scripting and execute permissions on the virtual directory."},
    {0x80200024, "BG_E_NO_PROGRESS", L"The job is not making headway. The server may be misconfigured. The transfer will be tried again later."},
    {0x80200025, "BG_E_USERNAME_TOO_LARGE", L"The user name cannot be longer than 300 characters. Try again with a shorter name."},
    {0x80200026, "BG_E_PASSWORD_TOO_LARGE", L"The password cannot be longer than 65536 characters. Try again with a shorter password."},
    {0x80200027, "BG_E_INVALID_AUTH_TARGET", L"The authentication target specified in the credentials is not defined."},
    {0x80200028, "BG_E_INVALID_AUTH_SCHEME", L"The authentication scheme specified in the credentials is not defined."},
    {0x80200029, "BG_E_FILE_NOT_FOUND", L"The specified file name does not match any of the files in the job."},
    {0x8020002B, "BG_E_INVALID_RANGE", L"The byte range specified for the file is not valid. The range may extend past the end of the file."},
    {0x8020002C, "BG_E_OVERLAPPING_RANGES", L"The list of byte ranges contains overlapping or duplicate ranges, which are not supported."},
    {0x8020002D, "BG_E_CONNECT_FAILURE", L"A connection could not be established."},
    {0x8020002E, "BG_E_CONNECTION_CLOSED", L"The connection was closed prematurely."},
    {0x8020002F, "BG_E_KEEP_ALIVE_FAILURE", L"The connection for a request that specifies the Keep-alive header was closed unexpectedly."},
    {0x80200030, "BG_E_MESSAGE_LENGTH_LIMIT_EXCEEDED", L"A message was received that exceeded the specified limit when sending a request or receiving a response from the server."},
    {0x80200031, "BG_E_NAME_RESOLUTION_FAILURE", L"The name resolver service could not resolve the host name."},
    {0x80200032, "BG_E_PENDING", L"An internal asynchronous request is pending."},
    {0x80200033, "BG_E_PIPELINE_FAILURE", L"The request was pipelined and the connection was closed before the response was received."},
    {0x80200034, "BG_E_PROTOCOL_ERROR", L"The response received from the server was complete but indicated a protocol-level error."},
    {0x80200035, "BG_E_PROXY_NAME_RESOLUTION_FAILURE", L"The name resolver service could not resolve the proxy host name."},
    {0x80200036, "BG_E_RECEIVE_FAILURE", L"A complete response was not received from the remote server."},
    {0x80200037, "BG_E_REQUEST_CANCELED", L"The request was canceled."},
    {0x80200038, "BG_E_SECURE_CHANNEL_FAILURE", L"An error occurred while establishing a secure connection."},
    {0x80200039, "BG_E_SEND_FAILURE", L"A complete request could not be sent to the remote server."},
    {0x8020003A, "BG_E_SERVER_PROTOCOL_VIOLATION", L"The server response was not valid."},
    {0x8020003B, "BG_E_TIMEOUT", L"No response was received within the time-out period."},
    {0x8020003C, "BG_E_TRUST_FAILURE", L"A server certificate could not be validated."},
    {0x8020003D, "BG_E_UNKNOWN_ERROR", L"An exception of unknown type has occurred."},
    {0x8020003E, "BG_E_BLOCKED_BY_POLICY", L"Group Policy settings prevent background jobs from running at this time."},
    {0x8020003F, "BG_E_INVALID_PROXY_INFO", L"The supplied proxy server or bypass list is invalid."},
    {0x80200040, "BG_E_INVALID_CREDENTIALS", L"The format of the supplied security credentials is invalid."},
    {0x80200041, "BG_E_INVALID_HASH_ALGORITHM", L"The hash algorithm is not supported."},
    {0x80200042, "BG_E_RECORD_DELETED", L"The cache record has been deleted. The update was abandoned."},
    {0x80200043, "BG_E_COMMIT_IN_PROGRESS", L"Another thread is already updating the cache record."},
    {0x80200044, "BG_E_DISCOVERY_IN_PROGRESS", L"Peer discovery is already in progress."},
    {0x80200045, "BG_E_UPNP_ERROR", L"A UPnP error occurred while communicating with the Internet gateway device."},
    {0x80200046, "BG_E_TEST_OPTION_BLOCKED_DOWNLOAD", L"A test option blocked the download after the peer search."},
    {0x80200047, "BG_E_PEERCACHING_DISABLED", L"Peer caching is disabled."},
    {0x80200048, "BG_E_BUSYCACHERECORD", L"The cache record is in use and cannot be changed or deleted. Try again after a few seconds."},
    {0x80200049, "BG_E_TOO_MANY_JOBS_PER_USER", L"The job count for the user has exceeded the per-user job limit."},
    {0x80200050, "BG_E_TOO_MANY_JOBS_PER_MACHINE", L"The job count for the computer has exceeded the per-computer job limit."},
    {0x80200051, "BG_E_TOO_MANY_FILES_IN_JOB", L"The file count for the job has exceeded the per-job file limit."},
    {0x80200052, "BG_E_TOO_MANY_RANGES_IN_FILE", L"The range count for the file has exceeded the per-file range limit."},
    {0x80200053, "BG_E_VALIDATION_FAILED", L"The content of the downloaded file was reported as invalid."},
    {0x80200054, "BG_E_MAXDOWNLOAD_TIMEOUT", L"The job exceeded its maximum download time."},
    {0x80200056, "BG_E_TOKEN_REQUIRED", L"The job needs a helper token that is not available. Set the helper token and resume the job."},
    {0x80200057, "BG_E_UNKNOWN_PROPERTY_ID", L"The property ID is not known."},
    {0x80200058, "BG_E_READ_ONLY_PROPERTY", L"The property is read-only."},
    {0x80200059, "BG_E_BLOCKED_BY_COST_TRANSFER_POLICY", L"The job's transfer policy (cost flags) does not allow transferring on the current network."},
    {0x80200060, "BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY", L"The property is supported for download jobs only."},
    {0x80200061, "BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE", L"The property cannot be changed after a file has been added to the job."},
    {0x80200062, "BG_E_READ_ONLY_PROPERTY_AFTER_RESUME", L"The property cannot be changed after the job has been resumed."},
    {0x80200063, "BG_E_MAX_DOWNLOAD_SIZE_INVALID_VALUE", L"The maximum download size must be between 1 and 18446744073709551615 bytes."},
    {0x80200064, "BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED", L"The download reached the job's maximum download size."},
    {0x80200065, "BG_E_STANDBY_MODE", L"The transfer is paused while the computer is in a power-saving mode."},
    {0x80200066, "BG_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED", L"Stored credentials can be used only for proxy authentication."},
    {0x80200067, "BG_E_BLOCKED_BY_BATTERY_POLICY", L"The transfer is paused while the computer runs on battery power."},
    {0x80200068, "BG_E_BLOCKED_BY_BATTERY_SAVER", L"The transfer is paused while Battery Saver is on."},
    {0x80200069, "BG_E_WATCHDOG_TIMEOUT", L"An operation did not finish in the expected time."},
    {0x8020006A, "BG_E_APP_PACKAGE_NOT_FOUND", L"No app package matches the job owner or the caller."},
    {0x8020006B, "BG_E_APP_PACKAGE_SCENARIO_NOT_SUPPORTED", L"This use of the transfer service by a packaged app is not supported on this device."},
    {0x8020006C, "BG_E_DATABASE_CORRUPT", L"The persistent state of the transfer service is corrupt. It will be repaired when the service restarts."},
    {0x8020006D, "BG_E_RANDOM_ACCESS_NOT_SUPPORTED", L"Random access to the file's byte ranges is not supported for this job."},
    {0x8020006E, "BG_E_BLOCKED_BY_BACKGROUND_ACCESS_POLICY", L"The owner app's background access setting blocks the transfer."},
    {0x8020006F, "BG_E_BLOCKED_BY_GAME_MODE", L"The transfer is paused while another app uses Game Mode."},
    {0x80200070, "BG_E_BLOCKED_BY_SYSTEM_POLICY", L"The transfer is paused because of system resource constraints."},
    {0x80200071, "BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD", L"The action is not supported for jobs with a custom HTTP method."},
    {0x80200072, "BG_E_UNSUPPORTED_JOB_CONFIGURATION", L"The job's configuration is not compatible with the requested action."},
    {0x80200073, "BG_E_REMOTE_FILE_CHANGED", L"The remote file changed during the transfer. Resume the job to try again."},
    {0x80200074, "BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED", L"A server certificate validation callback is required but not available. Set it again and resume the job."},
    {0x80200075, "BG_E_READ_ONLY_WHEN_JOB_ACTIVE", L"The setting can be changed only while the job is suspended, in error, or transferred."},
    {0x80200076, "BG_E_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK", L"The error was reported by the server certificate validation callback."},
    /* core area (issue 3): BITS_MC_* event-log message IDs (reference 5.5); they share
     * facility 0x19 with the HTTP codes but are no HTTP status, so they are listed here. */
    {0x80194000, "BITS_MC_JOB_CANCELLED", L"An administrator cancelled a job of another user."},
    {0x80194001, "BITS_MC_FILE_DELETION_FAILED", L"The temporary files of a cancelled job could not all be deleted."},
    {0x80194002, "BITS_MC_FILE_DELETION_FAILED_MORE", L"The temporary files of a cancelled job could not all be deleted; more files than listed remain."},
    {0x80194003, "BITS_MC_JOB_PROPERTY_CHANGE", L"An administrator changed a property of a job of another user."},
    {0x80194004, "BITS_MC_JOB_TAKE_OWNERSHIP", L"An administrator took ownership of a job of another user."},
    {0x80194005, "BITS_MC_JOB_SCAVENGED", L"A job was cancelled because it had no activity for too long."},
    {0x80194006, "BITS_MC_JOB_NOTIFICATION_FAILURE", L"The notification program of a job could not be started."},
    {0x80194007, "BITS_MC_STATE_FILE_CORRUPT", L"The state file of the transfer service is corrupt; the jobs in it were lost."},
    {0x80194008, "BITS_MC_FAILED_TO_START", L"The transfer service failed to start."},
    {0x80194009, "BITS_MC_FATAL_IGD_ERROR", L"A fatal error occurred while reading the Internet gateway device's counters."},
    {0x8019400A, "BITS_MC_PEERCACHING_PORT", L"The port for peer caching could not be opened."},
    {0x8019400B, "BITS_MC_WSD_PORT", L"The port for peer discovery (WS-Discovery) could not be opened."},
};

/* HTTP statuses with a specific text; others get a generic one (BG_E_HTTP_ERROR_nnn). */
static const struct {
    int status;
    const WCHAR *text;
} http_texts[] = {
    {100, L"The request can be continued."},
    {101, L"The server switched protocols in an upgrade header."},
    {200, L"The server's response was not valid. The server was not following the defined protocol."},
    {201, L"The request was fulfilled and resulted in the creation of a new resource."},
    {202, L"The request was accepted for processing, but the processing has not been completed yet."},
    {203, L"The returned metadata in the entity-header is not the definitive set available from the server of origin."},
    {204, L"The server has fulfilled the request, but there is no new information to send back."},
    {205, L"The server's response was not valid. The server was not following the defined protocol."},
    {206, L"The server completed a partial GET request for the resource."},
    {300, L"The server could not return the requested data."},
    {301, L"The requested resource was assigned to a new permanent Uniform Resource Identifier (URI), and any future references to this resource should use one of the returned URIs."},
    {302, L"The requested resource was assigned a different Uniform Resource Identifier (URI). This change is temporary."},
    {303, L"The response to the request is under a different Uniform Resource Identifier (URI) and must be retrieved using a GET method on that resource."},
    {304, L"The server's response was not valid. The server was not following the defined protocol."},
    {305, L"The requested resource must be accessed through the proxy given by the location field."},
    {307, L"The URL has been temporarily relocated. Try again later."},
    {400, L"The server cannot process the request because the syntax is not valid."},
    {401, L"The requested resource requires user authentication."},
    {402, L"The server's response was not valid. The server was not following the defined protocol."},
    {403, L"The client does not have sufficient access rights to the requested server object."},
    {404, L"The requested URL does not exist on the server."},
    {405, L"The method used is not allowed."},
    {406, L"No responses acceptable to the client were found."},
    {407, L"Proxy authentication is required."},
    {408, L"The server timed out waiting for the request."},
    {409, L"The request could not be completed because of a conflict with the current state of the resource. The user should resubmit the request with more information."},
    {410, L"The requested resource is not currently available at the server, and no forwarding address is known."},
    {411, L"The server cannot accept the request without a defined content length."},
    {412, L"The precondition given in one or more of the request header fields evaluated to false when it was tested on the server."},
    {413, L"The server cannot process the request because the request entity is too large."},
    {414, L"The server cannot process the request because the request Uniform Resource Identifier (URI) is longer than the server can interpret."},
    {415, L"The server's response was not valid. The server was not following the defined protocol."},
    {416, L"The server could not satisfy the range request."},
    {417, L"The server could not meet the expectation given in an Expect request-header field."},
    {449, L"The server's response was not valid. The server was not following the defined protocol."},
    {500, L"An unexpected condition prevented the server from fulfilling the request."},
    {501, L"The server does not support the functionality required to fulfill the request."},
    {502, L"The server, while acting as a gateway or proxy to fulfill the request, received a response from an upstream server that was not valid."},
    {503, L"The service is temporarily overloaded."},
    {504, L"The request was timed out waiting for a gateway."},
    {505, L"The server does not support the HTTP protocol version that was used in the request message."},
};

/* Texts for the WinHTTP errors this server reports (they live in winhttp.dll's message
 * table, which FormatMessage(FROM_SYSTEM) does not search). */
static const struct {
    DWORD error;
    const WCHAR *text;
} winhttp_texts[] = {
    {BGC_WINHTTP_TIMEOUT, L"The operation timed out."},
    {BGC_WINHTTP_INTERNAL_ERROR, L"An internal error occurred in the transfer engine."},
    {BGC_WINHTTP_INVALID_URL, L"The URL is invalid."},
    {BGC_WINHTTP_UNRECOGNIZED_SCHEME, L"The URL does not use a recognized protocol."},
    {BGC_WINHTTP_NAME_NOT_RESOLVED, L"The server name or address could not be resolved."},
    {BGC_WINHTTP_REDIRECT_FAILED, L"The redirection failed because either the scheme changed or all attempts made to redirect failed (default is 5 attempts)."},
    {BGC_WINHTTP_SECURE_FAILURE, L"A security error occurred."},
};

static const WCHAR *context_texts[] = {
    L"An error has not occurred.",
    L"The error occurred in an unknown location.",
    L"The error occurred in the transfer queue manager.",
    L"The error occurred while the notification callback was being processed. The transfer service will try again later.",
    L"The error occurred while the local file was being processed. Verify that the file is not in use, and then try again.",
    L"The error occurred while the remote file was being processed.",
    L"The error occurred in the transport layer. The client could not connect to the server.",
    L"The error was reported by the remote server application.",
    L"The error was reported by the server certificate validation callback.",
};

static HRESULT map_bgc(int rc);

HRESULT hresult_from_bgc(int rc)
{
    HRESULT hr = map_bgc(rc);

    if (rc < 0) {
        const char *name = hresult_name(hr);
        TRACE("  core %s -> %08lx%s%s", bgc_code_name(rc), (unsigned long)hr, name ? " " : "", name ? name : "");
    }
    return hr;
}

static HRESULT map_bgc(int rc)
{
    switch (rc) {
    case BGC_OK: return S_OK;
    case BGC_S_PARTIAL_COMPLETE: return BG_S_PARTIAL_COMPLETE;
    case BGC_S_UNABLE_TO_DELETE_FILES: return BG_S_UNABLE_TO_DELETE_FILES;
    case BGC_E_NOMEM: return E_OUTOFMEMORY;
    case BGC_E_INVALIDARG: return E_INVALIDARG;
    case BGC_E_NOT_FOUND: return BG_E_NOT_FOUND;
    case BGC_E_INVALID_STATE: return BG_E_INVALID_STATE;
    case BGC_E_EMPTY: return BG_E_EMPTY;
    case BGC_E_STRING_TOO_LONG: return BG_E_STRING_TOO_LONG;
    case BGC_E_UNSUPPORTED_VALUE: return E_NOTIMPL; /* G4: values outside an enum or flag set */
    case BGC_E_NO_ERROR_INFO: return BG_E_ERROR_INFORMATION_UNAVAILABLE;
    case BGC_E_PATH_NOT_FOUND: return HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND); /* F3 project choice */
    case BGC_E_ACCESS_DENIED: return E_ACCESSDENIED;
    case BGC_E_TOO_MANY_FILES_IN_JOB: return (HRESULT)0x80200051;
    case BGC_E_TOO_MANY_JOBS_PER_USER: return (HRESULT)0x80200049;
    case BGC_E_STOPPING: return CO_E_SERVER_STOPPING;
    case BGC_E_OS: return E_FAIL;
    case BGC_E_CONNECT_FAILURE: return (HRESULT)0x8020002D;
    case BGC_E_CONNECTION_CLOSED: return (HRESULT)0x8020002E;
    case BGC_E_TRANSPORT: return HRESULT_FROM_WIN32(BGC_WINHTTP_INTERNAL_ERROR);
    case BGC_E_HTTP_STATUS: return (HRESULT)0x8020001B;
    case BGC_E_INVALID_SERVER_RESPONSE: return (HRESULT)0x8020001B;
    case BGC_E_REMOTE_NOT_FOUND: return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    case BGC_E_REMOTE_ACCESS_DENIED: return E_ACCESSDENIED;
    case BGC_E_TIMEOUT: return HRESULT_FROM_WIN32(BGC_WINHTTP_TIMEOUT);
    case BGC_E_TLS: return HRESULT_FROM_WIN32(BGC_WINHTTP_SECURE_FAILURE);
    case BGC_E_TOO_MANY_REDIRECTS: return HRESULT_FROM_WIN32(BGC_WINHTTP_REDIRECT_FAILED);
    case BGC_E_LOCAL_FILE: return HRESULT_FROM_WIN32(ERROR_WRITE_FAULT);
    case BGC_E_MAXDOWNLOAD_TIMEOUT: return (HRESULT)0x80200054; /* core area: L17 */
    case BGC_E_TOO_MANY_JOBS_PER_MACHINE: return (HRESULT)0x80200050; /* core area: S6 */
    case BGC_E_INVALID_RANGE: return (HRESULT)0x8020002B; /* files area: F9, F11 */
    case BGC_E_OVERLAPPING_RANGES: return (HRESULT)0x8020002C;
    case BGC_E_TOO_MANY_RANGES_IN_FILE: return (HRESULT)0x80200052;
    case BGC_E_INSUFFICIENT_RANGE_SUPPORT: return (HRESULT)0x80200013;
    case BGC_E_REMOTE_FILE_CHANGED: return (HRESULT)0x80200073;
    case BGC_E_VALIDATION_FAILED: return (HRESULT)0x80200053;
    case BGC_E_PENDING: return E_PENDING; /* F14 */
    case BGC_E_NOT_DOWNLOAD: return E_NOTIMPL; /* F9, F13: download jobs only */
    case BGC_E_READ_ONLY_AFTER_RESUME: return (HRESULT)0x80200062; /* files area: J1 */
    case BGC_E_READ_ONLY_AFTER_ADDFILE: return (HRESULT)0x80200061;
    case BGC_E_MAX_DOWNLOAD_SIZE_INVALID: return (HRESULT)0x80200063;
    case BGC_E_MAX_DOWNLOAD_SIZE_REACHED: return (HRESULT)0x80200064;
    case BGC_E_RANDOM_ACCESS_NOT_SUPPORTED: return (HRESULT)0x8020006D;
    case BGC_E_UNSUPPORTED_JOB_CONFIGURATION: return (HRESULT)0x80200072;
    /* httpopts area */
    case BGC_E_INVALID_AUTH_TARGET: return (HRESULT)0x80200027;
    case BGC_E_INVALID_AUTH_SCHEME: return (HRESULT)0x80200028;
    case BGC_E_USERNAME_TOO_LARGE: return (HRESULT)0x80200025;
    case BGC_E_PASSWORD_TOO_LARGE: return (HRESULT)0x80200026;
    case BGC_E_PROXY_LIST_TOO_LARGE: return (HRESULT)0x80200018;
    case BGC_E_PROXY_BYPASS_LIST_TOO_LARGE: return (HRESULT)0x80200019;
    case BGC_E_INVALID_PROXY_INFO: return (HRESULT)0x8020003F;
    case BGC_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD: return (HRESULT)0x80200071;
    case BGC_E_REDIRECT_DISALLOWED: return HRESULT_FROM_WIN32(BGC_WINHTTP_REDIRECT_FAILED);
    case BGC_E_REDIRECT_SCHEME: return HRESULT_FROM_WIN32(BGC_WINHTTP_REDIRECT_FAILED);
    case BGC_E_WRITE_ONLY: return E_ACCESSDENIED; /* project choice (2.10) */
    case BGC_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED: return (HRESULT)0x80200066;
    case BGC_E_READ_ONLY_WHEN_JOB_ACTIVE: return (HRESULT)0x80200075;
    case BGC_E_CERT_REJECTED: return (HRESULT)0x80200076; /* the callback's own code: below */
    case BGC_E_CERT_VALIDATOR_GONE: return (HRESULT)0x80200074; /* ..._INTERFACE_REQUIRED */
    case BGC_E_NETWORK_DISCONNECTED: return (HRESULT)0x80200010; /* BG_E_NETWORK_DISCONNECTED */
    case BGC_E_BLOCKED_BY_POLICY: return (HRESULT)0x8020003E; /* BG_E_BLOCKED_BY_POLICY */
    case BGC_E_BLOCKED_BY_COST: return (HRESULT)0x80200059; /* BG_E_BLOCKED_BY_COST_TRANSFER_POLICY */
    case BGC_E_STANDBY_MODE: return (HRESULT)0x80200065; /* BG_E_STANDBY_MODE */
    case BGC_E_BLOCKED_BY_BATTERY_SAVER: return (HRESULT)0x80200068; /* BG_E_BLOCKED_BY_BATTERY_SAVER */
    }
    ERR("unknown core result %d (%s)", rc, bgc_code_name(rc));
    return E_UNEXPECTED;
}

/* libcurl's transport failures, described as BITS (WinHTTP-based) would report them. */
static HRESULT hresult_from_curl(int code)
{
    switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return (HRESULT)0x8020002D; /* BG_E_CONNECT_FAILURE */
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return (HRESULT)0x8020002E; /* BG_E_CONNECTION_CLOSED */
    case CURLE_OPERATION_TIMEDOUT:
        return HRESULT_FROM_WIN32(BGC_WINHTTP_TIMEOUT);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_USE_SSL_FAILED:
        return HRESULT_FROM_WIN32(BGC_WINHTTP_SECURE_FAILURE);
    case CURLE_TOO_MANY_REDIRECTS:
        return HRESULT_FROM_WIN32(BGC_WINHTTP_REDIRECT_FAILED);
    case CURLE_UNSUPPORTED_PROTOCOL:
        return HRESULT_FROM_WIN32(BGC_WINHTTP_UNRECOGNIZED_SCHEME);
    case CURLE_URL_MALFORMAT:
        return HRESULT_FROM_WIN32(BGC_WINHTTP_INVALID_URL);
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
        return (HRESULT)0x8020001B; /* BG_E_INVALID_SERVER_RESPONSE */
    case CURLE_RANGE_ERROR:
        return (HRESULT)0x80200013; /* BG_E_INSUFFICIENT_RANGE_SUPPORT */
    case CURLE_WRITE_ERROR:
        return HRESULT_FROM_WIN32(ERROR_WRITE_FAULT);
    case CURLE_OUT_OF_MEMORY:
        return E_OUTOFMEMORY;
    case CURLE_REMOTE_ACCESS_DENIED:
    case CURLE_LOGIN_DENIED:
        return E_ACCESSDENIED;
    case CURLE_REMOTE_FILE_NOT_FOUND:
    case CURLE_FILE_COULDNT_READ_FILE:
        return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    case CURLE_ABORTED_BY_CALLBACK:
        return E_ABORT;
    }
    return HRESULT_FROM_WIN32(BGC_WINHTTP_INTERNAL_ERROR);
}

HRESULT hresult_from_bgc_error(const struct bgc_error *err)
{
    switch (err->code) {
    case BGC_E_HTTP_STATUS:
        if (err->http_status >= 100 && err->http_status <= 999)
            return (HRESULT)(0x80190000u + (unsigned)err->http_status);
        return (HRESULT)0x8020001B; /* BG_E_INVALID_SERVER_RESPONSE */
    case BGC_E_CERT_REJECTED: /* httpopts area: the callback's HRESULT */
        if (err->os_error < 0)
            return (HRESULT)err->os_error;
        break;
    case BGC_E_REDIRECT_DISALLOWED: /* F17: HRESULT_FROM_WIN32(HTTP_STATUS_MOVED...) */
        if (err->http_status >= 300 && err->http_status <= 399)
            return HRESULT_FROM_WIN32((DWORD)err->http_status);
        break;
    case BGC_E_OS:
    case BGC_E_LOCAL_FILE:
    case BGC_E_REMOTE_NOT_FOUND:
    case BGC_E_REMOTE_ACCESS_DENIED:
    case BGC_E_PATH_NOT_FOUND:
    case BGC_E_ACCESS_DENIED:
        if (err->os_error > 0)
            return HRESULT_FROM_WIN32((DWORD)err->os_error);
        break;
    case BGC_E_TRANSPORT:
        if (err->curl_code)
            return hresult_from_curl(err->curl_code);
        break;
    case BGC_E_CONNECT_FAILURE:
    case BGC_E_CONNECTION_CLOSED:
    case BGC_E_TIMEOUT:
    case BGC_E_TLS:
    case BGC_E_TOO_MANY_REDIRECTS:
    case BGC_E_INVALID_SERVER_RESPONSE:
        break; /* the category is more precise than any curl code behind it */
    }
    return hresult_from_bgc(err->code);
}

const char *hresult_name(HRESULT hr)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(bits_codes); i++)
        if (bits_codes[i].code == (DWORD)hr)
            return bits_codes[i].name;
    return NULL;
}

/* English or language-neutral requests are served; anything else has no text here. */
static BOOL langid_is_english(DWORD langid)
{
    WORD primary = PRIMARYLANGID((LANGID)langid);

    return langid == 0 || primary == LANG_NEUTRAL || primary == LANG_ENGLISH || primary == LANG_INVARIANT;
}

/* Text of a system message (Win32 error or system HRESULT) in English, trimmed. */
static HRESULT system_text(HRESULT hr, WCHAR **out)
{
    DWORD id = (HRESULT_FACILITY(hr) == FACILITY_WIN32) ? (DWORD)HRESULT_CODE(hr) : (DWORD)hr;
    DWORD flags = FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS;
    WCHAR *msg = NULL;
    DWORD n;
    HRESULT ret;

    n = FormatMessageW(flags, NULL, id, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), (WCHAR *)&msg, 0, NULL);
    if (!n) /* English resources missing on this system: take the neutral text */
        n = FormatMessageW(flags, NULL, id, 0, (WCHAR *)&msg, 0, NULL);
    if (!n || !msg)
        return HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND);
    while (n && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L' '))
        msg[--n] = 0;
    ret = strconv_cotask_dup(msg, out);
    LocalFree(msg);
    return ret;
}

HRESULT hresult_describe(HRESULT hr, DWORD langid, WCHAR **out)
{
    size_t i;

    *out = NULL;
    if (!langid_is_english(langid))
        return HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND);
    for (i = 0; i < ARRAYSIZE(bits_codes); i++)
        if (bits_codes[i].code == (DWORD)hr)
            return strconv_cotask_dup(bits_codes[i].text, out);
    if (((DWORD)hr & 0xffff0000u) == 0x80190000u) {
        int status = (int)((DWORD)hr & 0xffffu);
        WCHAR buf[96];

        if (status < 100 || status > 999)
            return HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND);
        for (i = 0; i < ARRAYSIZE(http_texts); i++)
            if (http_texts[i].status == status)
                return strconv_cotask_dup(http_texts[i].text, out);
        swprintf(buf, ARRAYSIZE(buf), L"The server returned HTTP status %d.", status);
        return strconv_cotask_dup(buf, out);
    }
    if (HRESULT_FACILITY(hr) == FACILITY_WIN32)
        for (i = 0; i < ARRAYSIZE(winhttp_texts); i++)
            if ((DWORD)HRESULT_CODE(hr) == winhttp_texts[i].error)
                return strconv_cotask_dup(winhttp_texts[i].text, out);
    return system_text(hr, out);
}

HRESULT hresult_describe_context(BG_ERROR_CONTEXT ctx, DWORD langid, WCHAR **out)
{
    *out = NULL;
    if (!langid_is_english(langid))
        return HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND);
    if ((unsigned)ctx >= ARRAYSIZE(context_texts))
        return HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND);
    return strconv_cotask_dup(context_texts[ctx], out);
}
