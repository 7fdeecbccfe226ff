/*
 * test_job_codes.c - every result code and state has a name and a text (jobs/strerror.c
 * invariant 1, jobs/state.c), so logs and server/ never print a bare number.
 */
#include "test_job_util.h"

static void strerror_has_text_for_every_code(void **state)
{
    const char *unknown = bgc_strerror(12345);

    (void)state;
    for (int code = BGC_E_LAST; code <= BGC_S_UNABLE_TO_DELETE_FILES; code++) {
        const char *text = bgc_strerror(code);

        assert_non_null(text);
        assert_true(strlen(text) > 5);
        assert_string_not_equal(text, unknown);
    }
}

static void code_name_is_the_macro_name_for_every_code(void **state)
{
    (void)state;
    for (int code = BGC_E_LAST; code <= BGC_S_UNABLE_TO_DELETE_FILES; code++) {
        const char *name = bgc_code_name(code);

        assert_non_null(name);
        assert_true(!strncmp(name, "BGC_E_", 6) || !strncmp(name, "BGC_S_", 6) ||
                    !strcmp(name, "BGC_OK"));
        for (int other = BGC_E_LAST; other < code; other++)
            assert_string_not_equal(name, bgc_code_name(other));
    }
    assert_string_equal(bgc_code_name(BGC_E_EMPTY), "BGC_E_EMPTY");
    assert_string_equal(bgc_code_name(BGC_E_LOCAL_FILE), "BGC_E_LOCAL_FILE");
    assert_string_equal(bgc_code_name(BGC_S_PARTIAL_COMPLETE), "BGC_S_PARTIAL_COMPLETE");
}

static void unknown_codes_get_a_text_and_a_name(void **state)
{
    (void)state;
    assert_non_null(bgc_strerror(BGC_E_LAST - 1));
    assert_non_null(bgc_strerror(1000));
    assert_non_null(bgc_code_name(BGC_E_LAST - 1));
    assert_string_equal(bgc_code_name(3), bgc_code_name(1000));
}

static void every_state_has_a_name(void **state)
{
    static const char *const expected[BGC_STATE_COUNT] = {
        "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
        "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED",
    };

    (void)state;
    for (int s = 0; s < BGC_STATE_COUNT; s++)
        assert_string_equal(bgc_state_name((enum bgc_state)s), expected[s]);
    assert_string_equal(bgc_state_name((enum bgc_state)BGC_STATE_COUNT), "?");
    assert_string_equal(bgc_state_name((enum bgc_state)-1), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strerror_has_text_for_every_code),
        cmocka_unit_test(code_name_is_the_macro_name_for_every_code),
        cmocka_unit_test(unknown_codes_get_a_text_and_a_name),
        cmocka_unit_test(every_state_has_a_name),
    };

    return cmocka_run_group_tests_name("codes", tests, NULL, NULL);
}
