/*
 * test_ids.c - job identifiers (jobs/id.c): the GUID text form, parsing, and the ids the
 * queue hands out.
 */
#include "test_job_util.h"

static void id_format_matches_guid_layout(void **state)
{
    struct bgc_id id;
    char text[39];

    (void)state;
    for (int i = 0; i < 16; i++)
        id.b[i] = (unsigned char)i;
    memset(text, 'X', sizeof(text));
    bgc_id_format(&id, text);
    /* Data1..Data3 are little-endian in memory, as in a GUID. */
    assert_string_equal(text, "{03020100-0504-0706-0809-0A0B0C0D0E0F}");
}

static void id_format_parse_round_trip(void **state)
{
    struct bgc_id id, back;
    char text[39];

    (void)state;
    for (int round = 0; round < 256; round++) {
        for (int i = 0; i < 16; i++)
            id.b[i] = (unsigned char)(round * 37 + i * 101 + (round >> 3));
        bgc_id_format(&id, text);
        memset(&back, 0, sizeof(back));
        assert_code(bgc_id_parse(text, &back), BGC_OK);
        assert_true(bgc_id_equal(&id, &back));
    }
}

static void id_parse_accepts_lower_case_and_no_braces(void **state)
{
    struct bgc_id a, b;

    (void)state;
    assert_code(bgc_id_parse("{5df81799-3ac7-47c5-adcf-4c02cc5ec282}", &a), BGC_OK);
    assert_code(bgc_id_parse("5DF81799-3AC7-47C5-ADCF-4C02CC5EC282", &b), BGC_OK);
    assert_true(bgc_id_equal(&a, &b));
    assert_int_equal(a.b[0], 0x99); /* Data1 0x5DF81799, little-endian */
    assert_int_equal(a.b[3], 0x5D);
    assert_int_equal(a.b[8], 0xAD);
}

static void id_parse_rejects_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "{5DF81799-3AC7-47C5-ADCF-4C02CC5EC282",   /* one brace */
        "5DF81799-3AC7-47C5-ADCF-4C02CC5EC282}",
        "{5DF81799-3AC7-47C5-ADCF-4C02CC5EC28}",   /* short */
        "{5DF81799-3AC7-47C5-ADCF-4C02CC5EC2822}", /* long */
        "{5DF81799+3AC7-47C5-ADCF-4C02CC5EC282}",  /* separator */
        "{5DF8179G-3AC7-47C5-ADCF-4C02CC5EC282}",  /* not hex */
        "{5DF817993AC7-47C5-ADCF-4C02CC5EC282-}",  /* dash moved */
        " 5DF81799-3AC7-47C5-ADCF-4C02CC5EC282",
        "5DF81799-3AC7-47C5-ADCF-4C02CC5EC282 ",
    };
    struct bgc_id out, poison;

    (void)state;
    memset(&poison, 0xA5, sizeof(poison));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        out = poison;
        assert_code(bgc_id_parse(bad[i], &out), BGC_E_INVALIDARG);
        assert_true(bgc_id_equal(&out, &poison)); /* untouched on failure */
    }
    assert_code(bgc_id_parse(NULL, &out), BGC_E_INVALIDARG);
    assert_code(bgc_id_parse("5DF81799-3AC7-47C5-ADCF-4C02CC5EC282", NULL), BGC_E_INVALIDARG);
}

static void job_ids_are_unique_random_version_4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *jobs[40];
    struct bgc_id ids[40];

    for (int i = 0; i < 40; i++) {
        jobs[i] = tj_job(env, "id");
        bgc_job_get_id(jobs[i], &ids[i]);
        assert_int_equal(ids[i].b[7] >> 4, 4);       /* version nibble of Data3 */
        assert_int_equal(ids[i].b[8] & 0xC0, 0x80);  /* RFC 4122 variant */
        for (int j = 0; j < i; j++)
            assert_false(bgc_id_equal(&ids[i], &ids[j]));
    }
    for (int i = 0; i < 40; i++)
        bgc_job_unref(jobs[i]);
}

static void job_id_is_stable(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "stable");
    struct bgc_id a, b;

    bgc_job_get_id(job, &a);
    assert_code(bgc_job_set_display_name(job, "renamed"), BGC_OK);
    bgc_job_get_id(job, &b);
    assert_true(bgc_id_equal(&a, &b));
    bgc_job_unref(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_format_matches_guid_layout),
        cmocka_unit_test(id_format_parse_round_trip),
        cmocka_unit_test(id_parse_accepts_lower_case_and_no_braces),
        cmocka_unit_test(id_parse_rejects_malformed),
        cmocka_unit_test_setup_teardown(job_ids_are_unique_random_version_4, tj_setup, tj_teardown),
        cmocka_unit_test_setup_teardown(job_id_is_stable, tj_setup, tj_teardown),
    };

    return cmocka_run_group_tests_name("ids", tests, NULL, NULL);
}
