/*
 * test_errors.c - error texts through the real server (issue 3 item 3; R14, 2.1
 * GetErrorDescription): IBackgroundCopyManager::GetErrorDescription returns readable English
 * text for every BG_S_* / BG_E_* / BG_E_HTTP_ERROR_* / BITS_MC_* code of bits-reference 5
 * (static table below, copied from the reference when this test was written; nothing is
 * parsed at run time), for Win32 errors (FormatMessage), refuses other languages; the error
 * object's descriptions refuse LANGID 0 (R14); GetErrorCount counts (R9).
 */
#include "wine_test.h"

#define WAIT_MS 60000
#define LANG_EN_US MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US)
#define LANG_DE_DE MAKELANGID(LANG_GERMAN, SUBLANG_GERMAN)
#define HR_LANG_NOT_FOUND ((HRESULT)0x80070717L) /* HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND) */

static const struct {
    HRESULT code;
    const char *name;
} codes[] = {
    {0x00200006L, "BG_S_ERROR_CONTEXT_NONE"},
    {0x00200017L, "BG_S_PARTIAL_COMPLETE"},
    {0x0020001AL, "BG_S_UNABLE_TO_DELETE_FILES"},
    {0x0020002AL, "BG_S_PROXY_CHANGED"},
    {0x00200055L, "BG_S_OVERRIDDEN_BY_POLICY"},
    {0x80190064L, "BG_E_HTTP_ERROR_100"},
    {0x80190065L, "BG_E_HTTP_ERROR_101"},
    {0x801900C8L, "BG_E_HTTP_ERROR_200"},
    {0x801900C9L, "BG_E_HTTP_ERROR_201"},
    {0x801900CAL, "BG_E_HTTP_ERROR_202"},
    {0x801900CBL, "BG_E_HTTP_ERROR_203"},
    {0x801900CCL, "BG_E_HTTP_ERROR_204"},
    {0x801900CDL, "BG_E_HTTP_ERROR_205"},
    {0x801900CEL, "BG_E_HTTP_ERROR_206"},
    {0x8019012CL, "BG_E_HTTP_ERROR_300"},
    {0x8019012DL, "BG_E_HTTP_ERROR_301"},
    {0x8019012EL, "BG_E_HTTP_ERROR_302"},
    {0x8019012FL, "BG_E_HTTP_ERROR_303"},
    {0x80190130L, "BG_E_HTTP_ERROR_304"},
    {0x80190131L, "BG_E_HTTP_ERROR_305"},
    {0x80190133L, "BG_E_HTTP_ERROR_307"},
    {0x80190190L, "BG_E_HTTP_ERROR_400"},
    {0x80190191L, "BG_E_HTTP_ERROR_401"},
    {0x80190192L, "BG_E_HTTP_ERROR_402"},
    {0x80190193L, "BG_E_HTTP_ERROR_403"},
    {0x80190194L, "BG_E_HTTP_ERROR_404"},
    {0x80190195L, "BG_E_HTTP_ERROR_405"},
    {0x80190196L, "BG_E_HTTP_ERROR_406"},
    {0x80190197L, "BG_E_HTTP_ERROR_407"},
    {0x80190198L, "BG_E_HTTP_ERROR_408"},
    {0x80190199L, "BG_E_HTTP_ERROR_409"},
    {0x8019019AL, "BG_E_HTTP_ERROR_410"},
    {0x8019019BL, "BG_E_HTTP_ERROR_411"},
    {0x8019019CL, "BG_E_HTTP_ERROR_412"},
    {0x8019019DL, "BG_E_HTTP_ERROR_413"},
    {0x8019019EL, "BG_E_HTTP_ERROR_414"},
    {0x8019019FL, "BG_E_HTTP_ERROR_415"},
    {0x801901A0L, "BG_E_HTTP_ERROR_416"},
    {0x801901A1L, "BG_E_HTTP_ERROR_417"},
    {0x801901C1L, "BG_E_HTTP_ERROR_449"},
    {0x801901F4L, "BG_E_HTTP_ERROR_500"},
    {0x801901F5L, "BG_E_HTTP_ERROR_501"},
    {0x801901F6L, "BG_E_HTTP_ERROR_502"},
    {0x801901F7L, "BG_E_HTTP_ERROR_503"},
    {0x801901F8L, "BG_E_HTTP_ERROR_504"},
    {0x801901F9L, "BG_E_HTTP_ERROR_505"},
    {0x80194000L, "BITS_MC_JOB_CANCELLED"},
    {0x80194001L, "BITS_MC_FILE_DELETION_FAILED"},
    {0x80194002L, "BITS_MC_FILE_DELETION_FAILED_MORE"},
    {0x80194003L, "BITS_MC_JOB_PROPERTY_CHANGE"},
    {0x80194004L, "BITS_MC_JOB_TAKE_OWNERSHIP"},
    {0x80194005L, "BITS_MC_JOB_SCAVENGED"},
    {0x80194006L, "BITS_MC_JOB_NOTIFICATION_FAILURE"},
    {0x80194007L, "BITS_MC_STATE_FILE_CORRUPT"},
    {0x80194008L, "BITS_MC_FAILED_TO_START"},
    {0x80194009L, "BITS_MC_FATAL_IGD_ERROR"},
    {0x8019400AL, "BITS_MC_PEERCACHING_PORT"},
    {0x8019400BL, "BITS_MC_WSD_PORT"},
    {0x80200001L, "BG_E_NOT_FOUND"},
    {0x80200002L, "BG_E_INVALID_STATE"},
    {0x80200003L, "BG_E_EMPTY"},
    {0x80200004L, "BG_E_FILE_NOT_AVAILABLE"},
    {0x80200005L, "BG_E_PROTOCOL_NOT_AVAILABLE"},
    {0x80200007L, "BG_E_ERROR_CONTEXT_UNKNOWN"},
    {0x80200008L, "BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER"},
    {0x80200009L, "BG_E_ERROR_CONTEXT_LOCAL_FILE"},
    {0x8020000AL, "BG_E_ERROR_CONTEXT_REMOTE_FILE"},
    {0x8020000BL, "BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT"},
    {0x8020000CL, "BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION"},
    {0x8020000DL, "BG_E_DESTINATION_LOCKED"},
    {0x8020000EL, "BG_E_VOLUME_CHANGED"},
    {0x8020000FL, "BG_E_ERROR_INFORMATION_UNAVAILABLE"},
    {0x80200010L, "BG_E_NETWORK_DISCONNECTED"},
    {0x80200011L, "BG_E_MISSING_FILE_SIZE"},
    {0x80200012L, "BG_E_INSUFFICIENT_HTTP_SUPPORT"},
    {0x80200013L, "BG_E_INSUFFICIENT_RANGE_SUPPORT"},
    {0x80200014L, "BG_E_REMOTE_NOT_SUPPORTED"},
    {0x80200015L, "BG_E_NEW_OWNER_DIFF_MAPPING"},
    {0x80200016L, "BG_E_NEW_OWNER_NO_FILE_ACCESS"},
    {0x80200018L, "BG_E_PROXY_LIST_TOO_LARGE"},
    {0x80200019L, "BG_E_PROXY_BYPASS_LIST_TOO_LARGE"},
    {0x8020001BL, "BG_E_INVALID_SERVER_RESPONSE"},
    {0x8020001CL, "BG_E_TOO_MANY_FILES"},
    {0x8020001DL, "BG_E_LOCAL_FILE_CHANGED"},
    {0x8020001EL, "BG_E_ERROR_CONTEXT_REMOTE_APPLICATION"},
    {0x8020001FL, "BG_E_SESSION_NOT_FOUND"},
    {0x80200020L, "BG_E_TOO_LARGE"},
    {0x80200021L, "BG_E_STRING_TOO_LONG"},
    {0x80200022L, "BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH"},
    {0x80200023L, "BG_E_SERVER_EXECUTE_ENABLE"},
    {0x80200024L, "BG_E_NO_PROGRESS"},
    {0x80200025L, "BG_E_USERNAME_TOO_LARGE"},
    {0x80200026L, "BG_E_PASSWORD_TOO_LARGE"},
    {0x80200027L, "BG_E_INVALID_AUTH_TARGET"},
    {0x80200028L, "BG_E_INVALID_AUTH_SCHEME"},
    {0x80200029L, "BG_E_FILE_NOT_FOUND"},
    {0x8020002BL, "BG_E_INVALID_RANGE"},
    {0x8020002CL, "BG_E_OVERLAPPING_RANGES"},
    {0x8020002DL, "BG_E_CONNECT_FAILURE"},
    {0x8020002EL, "BG_E_CONNECTION_CLOSED"},
    {0x8020002FL, "BG_E_KEEP_ALIVE_FAILURE"},
    {0x80200030L, "BG_E_MESSAGE_LENGTH_LIMIT_EXCEEDED"},
    {0x80200031L, "BG_E_NAME_RESOLUTION_FAILURE"},
    {0x80200032L, "BG_E_PENDING"},
    {0x80200033L, "BG_E_PIPELINE_FAILURE"},
    {0x80200034L, "BG_E_PROTOCOL_ERROR"},
    {0x80200035L, "BG_E_PROXY_NAME_RESOLUTION_FAILURE"},
    {0x80200036L, "BG_E_RECEIVE_FAILURE"},
    {0x80200037L, "BG_E_REQUEST_CANCELED"},
    {0x80200038L, "BG_E_SECURE_CHANNEL_FAILURE"},
    {0x80200039L, "BG_E_SEND_FAILURE"},
    {0x8020003AL, "BG_E_SERVER_PROTOCOL_VIOLATION"},
    {0x8020003BL, "BG_E_TIMEOUT"},
    {0x8020003CL, "BG_E_TRUST_FAILURE"},
    {0x8020003DL, "BG_E_UNKNOWN_ERROR"},
    {0x8020003EL, "BG_E_BLOCKED_BY_POLICY"},
    {0x8020003FL, "BG_E_INVALID_PROXY_INFO"},
    {0x80200040L, "BG_E_INVALID_CREDENTIALS"},
    {0x80200041L, "BG_E_INVALID_HASH_ALGORITHM"},
    {0x80200042L, "BG_E_RECORD_DELETED"},
    {0x80200043L, "BG_E_COMMIT_IN_PROGRESS"},
    {0x80200044L, "BG_E_DISCOVERY_IN_PROGRESS"},
    {0x80200045L, "BG_E_UPNP_ERROR"},
    {0x80200046L, "BG_E_TEST_OPTION_BLOCKED_DOWNLOAD"},
    {0x80200047L, "BG_E_PEERCACHING_DISABLED"},
    {0x80200048L, "BG_E_BUSYCACHERECORD"},
    {0x80200049L, "BG_E_TOO_MANY_JOBS_PER_USER"},
    {0x80200050L, "BG_E_TOO_MANY_JOBS_PER_MACHINE"},
    {0x80200051L, "BG_E_TOO_MANY_FILES_IN_JOB"},
    {0x80200052L, "BG_E_TOO_MANY_RANGES_IN_FILE"},
    {0x80200053L, "BG_E_VALIDATION_FAILED"},
    {0x80200054L, "BG_E_MAXDOWNLOAD_TIMEOUT"},
    {0x80200056L, "BG_E_TOKEN_REQUIRED"},
    {0x80200057L, "BG_E_UNKNOWN_PROPERTY_ID"},
    {0x80200058L, "BG_E_READ_ONLY_PROPERTY"},
    {0x80200059L, "BG_E_BLOCKED_BY_COST_TRANSFER_POLICY"},
    {0x80200060L, "BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY"},
    {0x80200061L, "BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE"},
    {0x80200062L, "BG_E_READ_ONLY_PROPERTY_AFTER_RESUME"},
    {0x80200063L, "BG_E_MAX_DOWNLOAD_SIZE_INVALID_VALUE"},
    {0x80200064L, "BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED"},
    {0x80200065L, "BG_E_STANDBY_MODE"},
    {0x80200066L, "BG_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED"},
    {0x80200067L, "BG_E_BLOCKED_BY_BATTERY_POLICY"},
    {0x80200068L, "BG_E_BLOCKED_BY_BATTERY_SAVER"},
    {0x80200069L, "BG_E_WATCHDOG_TIMEOUT"},
    {0x8020006AL, "BG_E_APP_PACKAGE_NOT_FOUND"},
    {0x8020006BL, "BG_E_APP_PACKAGE_SCENARIO_NOT_SUPPORTED"},
    {0x8020006CL, "BG_E_DATABASE_CORRUPT"},
    {0x8020006DL, "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"},
    {0x8020006EL, "BG_E_BLOCKED_BY_BACKGROUND_ACCESS_POLICY"},
    {0x8020006FL, "BG_E_BLOCKED_BY_GAME_MODE"},
    {0x80200070L, "BG_E_BLOCKED_BY_SYSTEM_POLICY"},
    {0x80200071L, "BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD"},
    {0x80200072L, "BG_E_UNSUPPORTED_JOB_CONFIGURATION"},
    {0x80200073L, "BG_E_REMOTE_FILE_CHANGED"},
    {0x80200074L, "BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED"},
    {0x80200075L, "BG_E_READ_ONLY_WHEN_JOB_ACTIVE"},
    {0x80200076L, "BG_E_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK"},
};

static IBackgroundCopyManager *g_mgr;

static int group_setup(void **state)
{
    (void)state;
    if (wt_com_init() != 0)
        return -1;
    g_mgr = wt_connect();
    return g_mgr ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g_mgr)
        IBackgroundCopyManager_Release(g_mgr);
    g_mgr = NULL;
    CoUninitialize();
    return 0;
}

/* Item 3: every code of the reference has a non-empty English text. */
static void manager_describes_every_bits_code_in_english(void **state)
{
    size_t i, missing = 0;

    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        WCHAR *text = NULL;
        HRESULT hr = IBackgroundCopyManager_GetErrorDescription(g_mgr, codes[i].code, LANG_EN_US, &text);

        if (hr != S_OK || !text || !text[0]) {
            print_error("%s (0x%08lx): hr 0x%08lx, text %ls\n", codes[i].name, (unsigned long)codes[i].code,
                        (unsigned long)hr, text ? text : L"(null)");
            missing++;
        }
        CoTaskMemFree(text);
    }
    assert_int_equal(missing, 0);
    assert_true(sizeof(codes) / sizeof(codes[0]) >= 150);
}

/* 2.1: language-neutral is English too; other languages have no text here. */
static void manager_description_languages_2_1(void **state)
{
    WCHAR *text = NULL;

    (void)state;
    assert_hr(IBackgroundCopyManager_GetErrorDescription(g_mgr, (HRESULT)0x80200001L,
                                                      MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), &text),
              S_OK);
    assert_non_null(text);
    assert_true(wcslen(text) > 5);
    CoTaskMemFree(text);
    text = NULL;
    assert_hr(IBackgroundCopyManager_GetErrorDescription(g_mgr, (HRESULT)0x80200001L, LANG_DE_DE, &text),
              HR_LANG_NOT_FOUND);
    assert_null(text);
}

/* 2.1: Win32 errors get the system's text (FormatMessage). */
static void manager_describes_win32_errors_2_1(void **state)
{
    static const DWORD errs[] = {ERROR_FILE_NOT_FOUND, ERROR_ACCESS_DENIED, ERROR_PATH_NOT_FOUND,
                                 ERROR_DISK_FULL, ERROR_INVALID_PARAMETER};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        WCHAR *text = NULL;

        assert_hr(IBackgroundCopyManager_GetErrorDescription(g_mgr, HRESULT_FROM_WIN32(errs[i]), LANG_EN_US, &text),
                  S_OK);
        assert_non_null(text);
        assert_true(text[0] != 0);
        CoTaskMemFree(text);
    }
}

/* R14, R9: the error object of a 404: descriptions (LANGID 0 refused, English served, other
 * languages refused) and the error count (+1 per failure, never reset). */
static void error_object_descriptions_R14_and_error_count_R9(void **state)
{
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyError *err = NULL;
    WCHAR url[WT_PATH], dir[WT_PATH], local[WT_PATH], *text = NULL;
    BG_ERROR_CONTEXT ctx;
    HRESULT code;
    ULONG count = 99;
    GUID id;

    (void)state;
    wt_test_dir(dir, L"errors");
    wt_format(local, L"%ls\\e404.bin", dir);
    assert_hr(IBackgroundCopyManager_CreateJob(g_mgr, L"errors", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    assert_hr(IBackgroundCopyJob_GetErrorCount(job, &count), S_OK);
    assert_int_equal(count, 0);
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/100/e404?status=404"), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_ERROR, WAIT_MS), BG_JOB_STATE_ERROR);
    assert_hr(IBackgroundCopyJob_GetErrorCount(job, &count), S_OK);
    assert_int_equal(count, 1);
    assert_hr(IBackgroundCopyJob_GetError(job, &err), S_OK);
    assert_hr(IBackgroundCopyError_GetError(err, &ctx, &code), S_OK);
    assert_int_equal((unsigned long)code, 0x80190194ul);

    assert_hr(IBackgroundCopyError_GetErrorDescription(err, 0, &text), E_INVALIDARG);
    assert_hr(IBackgroundCopyError_GetErrorDescription(err, LANG_EN_US, &text), S_OK);
    assert_non_null(text);
    assert_true(text[0] != 0);
    CoTaskMemFree(text);
    text = NULL;
    assert_hr(IBackgroundCopyError_GetErrorDescription(err, LANG_DE_DE, &text), HR_LANG_NOT_FOUND);
    assert_hr(IBackgroundCopyError_GetErrorContextDescription(err, 0, &text), E_INVALIDARG);
    assert_hr(IBackgroundCopyError_GetErrorContextDescription(err, LANG_EN_US, &text), S_OK);
    assert_non_null(text);
    assert_true(text[0] != 0);
    CoTaskMemFree(text);
    text = NULL;
    assert_hr(IBackgroundCopyError_GetErrorContextDescription(err, LANG_DE_DE, &text), HR_LANG_NOT_FOUND);
    IBackgroundCopyError_Release(err);

    /* R9: a second failure after Resume counts again */
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    {
        ULONGLONG end = GetTickCount64() + WAIT_MS;

        do {
            Sleep(50);
            assert_hr(IBackgroundCopyJob_GetErrorCount(job, &count), S_OK);
        } while (count < 2 && GetTickCount64() < end);
    }
    assert_int_equal(count, 2);
    assert_hr(IBackgroundCopyJob_Cancel(job), S_OK);
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(manager_describes_every_bits_code_in_english),
        cmocka_unit_test(manager_description_languages_2_1),
        cmocka_unit_test(manager_describes_win32_errors_2_1),
        cmocka_unit_test(error_object_descriptions_R14_and_error_count_R9),
    };
    return cmocka_run_group_tests_name("wine.test_errors", tests, group_setup, group_teardown);
}
