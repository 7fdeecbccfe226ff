/*
 * test_admin_files.c - bgcopyadmin.exe's file switches: /addfileset (a text file of pairs, all
 * or nothing), /addfilewithranges, /replaceremoteprefix, /gettemporaryname,
 * /getvalidationstate and /setvalidationstate, each checked through COM.
 */
#include "admin_run.h"

/* Writes text (UTF-8) to path. */
static void write_text(const WCHAR *path, const char *text)
{
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD done = 0;
    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(WriteFile(h, text, (DWORD)strlen(text), &done, NULL));
    assert_int_equal(done, strlen(text));
    CloseHandle(h);
}

/* The remote and local names of file number i, as UTF-8, through COM. */
static void file_names(IBackgroundCopyJob *job, ULONG i, char *remote, char *local, size_t n)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file = NULL;
    ULONG fetched = 0;
    WCHAR *s = NULL;
    assert_hr(IBackgroundCopyJob_EnumFiles(job, &files), S_OK);
    if (i)
        assert_hr(IEnumBackgroundCopyFiles_Skip(files, i), S_OK);
    assert_hr(IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched), S_OK);
    IEnumBackgroundCopyFiles_Release(files);
    assert_hr(IBackgroundCopyFile_GetRemoteName(file, &s), S_OK);
    WideCharToMultiByte(CP_UTF8, 0, s, -1, remote, (int)n, NULL, NULL);
    CoTaskMemFree(s);
    assert_hr(IBackgroundCopyFile_GetLocalName(file, &s), S_OK);
    WideCharToMultiByte(CP_UTF8, 0, s, -1, local, (int)n, NULL, NULL);
    CoTaskMemFree(s);
    IBackgroundCopyFile_Release(file);
}

static void addfileset_adds_every_listed_file_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], list[WT_PATH];
    char text[4096], dir8[WT_PATH], remote[WT_PATH], local[WT_PATH], want[WT_PATH];
    const WCHAR *port = wt_env(L"BGC_HTTP_PORT");
    GUID id;

    job = com_job(f, L"bgc-cli-fileset", &id, guid);
    wt_test_dir(f->dir, L"cli-fileset");
    WideCharToMultiByte(CP_UTF8, 0, f->dir, -1, dir8, WT_PATH, NULL, NULL);
    snprintf(text, sizeof(text),
             "# files for the job\r\n"
             "http://127.0.0.1:%ls/gen/1000?seed=41 %s\\one.bin\r\n"
             "\r\n"
             "   http://127.0.0.1:%ls/gen/2000?seed=42\t%s\\two.bin   \n"
             "http://127.0.0.1:%ls/gen/3000?seed=43 \"%s\\with space.bin\"\n",
             port, dir8, port, dir8, port, dir8);
    wt_format(list, L"%ls\\set.txt", f->dir);
    write_text(list, text);
    admin(f, L"/addfileset %ls \"%ls\"", guid, list);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Added 3 file(s) to job.\r\n");
    assert_int_equal(file_count(job), 3);
    file_names(job, 2, remote, local, WT_PATH);
    snprintf(want, sizeof(want), "%s\\with space.bin", dir8);
    assert_string_equal(local, want);
    assert_non_null(strstr(remote, "/gen/3000?seed=43"));

    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 60000), BG_JOB_STATE_TRANSFERRED);
    assert_hr(IBackgroundCopyJob_Complete(job), S_OK);
    wt_format(list, L"%ls\\with space.bin", f->dir);
    wt_assert_file_is_testdata(list, 43, 3000);
    IBackgroundCopyJob_Release(job);
}

static void addfileset_bad_line_adds_nothing_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], list[WT_PATH];
    char text[1024];
    GUID id;

    job = com_job(f, L"bgc-cli-fileset-bad", &id, guid);
    wt_test_dir(f->dir, L"cli-fileset-bad");
    snprintf(text, sizeof(text), "http://127.0.0.1:%ls/gen/10 C:\\a.bin\nhttp://127.0.0.1:%ls/gen/10\n",
             wt_env(L"BGC_HTTP_PORT"), wt_env(L"BGC_HTTP_PORT"));
    wt_format(list, L"%ls\\bad.txt", f->dir);
    write_text(list, text);
    admin(f, L"/addfileset %ls \"%ls\"", guid, list);
    assert_exit(&f->run, 2);
    assert_stderr_has(&f->run, "line 2: expected \"REMOTE_URL LOCAL_NAME\"");
    assert_int_equal(file_count(job), 0);

    wt_format(list, L"%ls\\does-not-exist.txt", f->dir);
    admin(f, L"/addfileset %ls \"%ls\"", guid, list);
    assert_exit(&f->run, 1);
    assert_stderr_has(&f->run, "0x80070002");
    assert_int_equal(file_count(job), 0);
    IBackgroundCopyJob_Release(job);
}

static void addfilewithranges_sets_the_ranges_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IBackgroundCopyFile *file;
    IBackgroundCopyFile2 *file2 = NULL;
    BG_FILE_RANGE *ranges = NULL;
    DWORD count = 0;
    WCHAR guid[39], url[WT_PATH], local[WT_PATH];
    GUID id;

    job = com_job(f, L"bgc-cli-ranges", &id, guid);
    wt_format(local, L"%ls\\ranges.bin", wt_test_dir(f->dir, L"cli-ranges"));
    admin(f, L"/addfilewithranges %ls %ls \"%ls\" 0:100,2000:100,5000:eof", guid, wt_url(url, L"/gen/6000?seed=44"),
          local);
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "(3 range(s)) to job.");
    file = first_file(job);
    assert_hr(IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile2, (void **)&file2), S_OK);
    assert_hr(IBackgroundCopyFile2_GetFileRanges(file2, &count, &ranges), S_OK);
    assert_int_equal(count, 3);
    assert_int_equal(ranges[0].InitialOffset, 0);
    assert_int_equal(ranges[0].Length, 100);
    assert_int_equal(ranges[1].InitialOffset, 2000);
    assert_int_equal(ranges[1].Length, 100);
    assert_int_equal(ranges[2].InitialOffset, 5000);
    assert_true(ranges[2].Length == BG_LENGTH_TO_EOF);
    CoTaskMemFree(ranges);
    IBackgroundCopyFile2_Release(file2);
    IBackgroundCopyFile_Release(file);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 60000), BG_JOB_STATE_TRANSFERRED);

    /* The server's answer to a bad range list (overlap) reaches the user with its HRESULT. */
    admin(f, L"/addfilewithranges %ls %ls \"%ls.2\" 100:50,120:10", guid, url, local);
    assert_int_not_equal(f->run.exit_code, 0);
    assert_stderr_has(&f->run, "ERROR: Unable to add file to job - 0x");
    IBackgroundCopyJob_Release(job);
}

static void replaceremoteprefix_rewrites_urls_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    WCHAR guid[39], url[WT_PATH], local[WT_PATH], old_prefix[WT_PATH], new_prefix[WT_PATH];
    char remote[WT_PATH], local8[WT_PATH];
    GUID id;

    job = com_job(f, L"bgc-cli-prefix", &id, guid);
    wt_format(local, L"%ls\\prefixed.bin", wt_test_dir(f->dir, L"cli-prefix"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/nothing/gen/1234?seed=45"), local), S_OK);
    wt_url(old_prefix, L"/nothing/");
    wt_url(new_prefix, L"/");
    admin(f, L"/replaceremoteprefix %ls %ls %ls", guid, old_prefix, new_prefix);
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "replaced by");
    file_names(job, 0, remote, local8, WT_PATH);
    assert_non_null(strstr(remote, ":" ));
    assert_null(strstr(remote, "/nothing/"));
    assert_non_null(strstr(remote, "/gen/1234?seed=45"));
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 60000), BG_JOB_STATE_TRANSFERRED);
    IBackgroundCopyJob_Release(job);
}

static void temporaryname_and_validationstate_cli(void **state)
{
    struct fixture *f = *state;
    IBackgroundCopyJob *job;
    IBackgroundCopyFile *file;
    IBackgroundCopyFile3 *file3 = NULL;
    WCHAR guid[39], url[WT_PATH], local[WT_PATH], *tmp = NULL;
    char tmp8[WT_PATH + 2];
    BOOL valid = TRUE;
    GUID id;

    job = com_job(f, L"bgc-cli-tmpname", &id, guid);
    wt_format(local, L"%ls\\tmpname.bin", wt_test_dir(f->dir, L"cli-tmpname"));
    assert_hr(IBackgroundCopyJob_AddFile(job, wt_url(url, L"/gen/5000?seed=46"), local), S_OK);
    assert_hr(IBackgroundCopyJob_Resume(job), S_OK);
    assert_int_equal(wt_wait_state(job, BG_JOB_STATE_TRANSFERRED, 60000), BG_JOB_STATE_TRANSFERRED);
    file = first_file(job);
    assert_hr(IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile3, (void **)&file3), S_OK);
    assert_hr(IBackgroundCopyFile3_GetTemporaryName(file3, &tmp), S_OK);
    assert_true(wt_file_exists(tmp));
    WideCharToMultiByte(CP_UTF8, 0, tmp, -1, tmp8, WT_PATH, NULL, NULL);
    strcat(tmp8, "\r\n");
    CoTaskMemFree(tmp);

    admin(f, L"/gettemporaryname %ls 0", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, tmp8);
    admin(f, L"/gettemporaryname %ls 1", guid);
    assert_exit(&f->run, 1);
    assert_stderr_has(&f->run, "no file number 1");
    admin(f, L"/gettemporaryname %ls first", guid);
    assert_exit(&f->run, 2);

    assert_hr(IBackgroundCopyFile3_GetValidationState(file3, &valid), S_OK);
    admin(f, L"/getvalidationstate %ls 0", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, valid ? "TRUE\r\n" : "FALSE\r\n");
    admin(f, L"/setvalidationstate %ls 0 TRUE", guid);
    assert_exit(&f->run, 0);
    assert_stdout_is(&f->run, "Validation state set to TRUE.\r\n");
    assert_hr(IBackgroundCopyFile3_GetValidationState(file3, &valid), S_OK);
    assert_true(valid);
    admin(f, L"/getvalidationstate %ls 0 /json", guid);
    assert_exit(&f->run, 0);
    assert_output_has(&f->run, "\"validationState\":true}");
    admin(f, L"/setvalidationstate %ls 0 MAYBE", guid);
    assert_exit(&f->run, 2);
    IBackgroundCopyFile3_Release(file3);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(addfileset_adds_every_listed_file_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(addfileset_bad_line_adds_nothing_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(addfilewithranges_sets_the_ranges_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(replaceremoteprefix_rewrites_urls_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(temporaryname_and_validationstate_cli, setup, teardown),
    };
    return cmocka_run_group_tests_name("wine.test_admin_files", tests, group_setup, group_teardown);
}
