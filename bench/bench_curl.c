/*
 * bench_curl.c: the baseline of every bgcopy throughput figure. Downloads one URL to one file
 * with bare libcurl (the same static Schannel libcurl bgcopy links) and prints
 *
 *   RESULT name=curl bytes=N seconds=S cpu=C wineserver_cpu=W
 *
 * Invariants:
 *   1. `seconds` runs from just before curl_easy_perform() to after the last byte is written
 *      and the file is closed: the work a downloader must do, nothing less.
 *   2. `cpu` is this process's user + kernel time over the same interval; under Wine,
 *      `wineserver_cpu` is what the prefix's wineserver used meanwhile (0 elsewhere).
 *   3. RESULT is printed only for a complete download: HTTP 200, every byte written, and (with
 *      --expect-size) the size on disk equal to the expected size. Anything else exits 1.
 *
 * Usage: bench_curl.exe --url URL --out PATH [--expect-size N] [--buffer BYTES]
 *                       [--write-buffer BYTES]
 */
#include "bench_util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CURL_BUFFER (512 * 1024)       /* CURLOPT_BUFFERSIZE (libcurl's maximum is 10 MiB) */
#define DEFAULT_WRITE_BUFFER (4 * 1024 * 1024) /* bytes gathered before each WriteFile */

struct sink {
    HANDLE file;              /* destination, opened for writing */
    unsigned char *buf;       /* gathers received data */
    size_t size;              /* capacity of buf */
    size_t used;              /* bytes in buf not yet written */
    unsigned long long total; /* bytes written to the file so far */
    DWORD error;              /* first WriteFile error, 0 if none */
};

static int sink_flush(struct sink *s)
{
    size_t done = 0;

    while (done < s->used) {
        DWORD chunk = (DWORD)(s->used - done), written = 0;

        if (!WriteFile(s->file, s->buf + done, chunk, &written, NULL) || !written) {
            s->error = GetLastError() ? GetLastError() : ERROR_WRITE_FAULT;
            return -1;
        }
        done += written;
    }
    s->total += s->used;
    s->used = 0;
    return 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
    struct sink *s = userp;
    size_t n = size * nmemb, left = n;

    while (left) {
        size_t room = s->size - s->used, take = left < room ? left : room;

        memcpy(s->buf + s->used, data, take);
        s->used += take;
        data += take;
        left -= take;
        if (s->used == s->size && sink_flush(s))
            return 0; /* makes libcurl fail with CURLE_WRITE_ERROR */
    }
    return n;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_curl.exe --url URL --out PATH [--expect-size N] "
                    "[--buffer BYTES] [--write-buffer BYTES]\n");
}

int main(int argc, char **argv)
{
    const char *url = NULL, *out = NULL;
    unsigned long long expect = 0, curl_buffer = DEFAULT_CURL_BUFFER, write_buffer = DEFAULT_WRITE_BUFFER;
    int have_expect = 0, rc = 1;
    struct sink sink = {INVALID_HANDLE_VALUE, NULL, 0, 0, 0, 0};
    WCHAR *wout = NULL;
    CURL *curl = NULL;
    CURLcode result;
    char errbuf[CURL_ERROR_SIZE] = "";
    long status = 0;
    unsigned long long on_disk = 0;
    double t0, t1, cpu0, cpu1, ws0, ws1;
    int ws_procs = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(arg, "--url") && val)
            url = val;
        else if (!strcmp(arg, "--out") && val)
            out = val;
        else if (!strcmp(arg, "--expect-size") && val && !bench_parse_u64(val, &expect))
            have_expect = 1;
        else if (!(!strcmp(arg, "--buffer") && val && !bench_parse_u64(val, &curl_buffer)) &&
                 !(!strcmp(arg, "--write-buffer") && val && !bench_parse_u64(val, &write_buffer))) {
            usage();
            return 2;
        }
        i++;
    }
    if (!url || !out || !write_buffer || write_buffer > (1u << 30) || curl_buffer > (10u << 20)) {
        usage();
        return 2;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
        fprintf(stderr, "bench_curl: curl_global_init failed\n");
        return 1;
    }
    sink.size = (size_t)write_buffer;
    sink.buf = malloc(sink.size);
    wout = bench_widen(out);
    curl = curl_easy_init();
    if (!sink.buf || !wout || !curl) {
        fprintf(stderr, "bench_curl: out of memory\n");
        goto done;
    }
    sink.file = CreateFileW(wout, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (sink.file == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "bench_curl: cannot create %s (error %lu)\n", out, GetLastError());
        goto done;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    if (curl_buffer)
        curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, (long)curl_buffer);

    ws0 = bench_wine_unix_cpu("wineserver", &ws_procs);
    cpu0 = bench_process_cpu(GetCurrentProcess());
    t0 = bench_now();
    result = curl_easy_perform(curl);
    if (result == CURLE_OK && sink_flush(&sink))
        result = CURLE_WRITE_ERROR;
    CloseHandle(sink.file);
    sink.file = INVALID_HANDLE_VALUE;
    t1 = bench_now();
    cpu1 = bench_process_cpu(GetCurrentProcess());
    ws1 = bench_wine_unix_cpu("wineserver", &ws_procs);

    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (result != CURLE_OK) {
        fprintf(stderr, "bench_curl: %s: %s (%s)%s\n", url, curl_easy_strerror(result), errbuf,
                sink.error ? " [file write failed]" : "");
        goto done;
    }
    if (status != 200) {
        fprintf(stderr, "bench_curl: %s: HTTP status %ld, expected 200\n", url, status);
        goto done;
    }
    if (bench_file_size(wout, &on_disk) || on_disk != sink.total) {
        fprintf(stderr, "bench_curl: %s holds %llu bytes, %llu were received\n", out, on_disk, sink.total);
        goto done;
    }
    if (have_expect && on_disk != expect) {
        fprintf(stderr, "bench_curl: %s holds %llu bytes, expected %llu\n", out, on_disk, expect);
        goto done;
    }
    printf("RESULT name=curl bytes=%llu seconds=%.6f cpu=%.6f wineserver_cpu=%.6f\n", on_disk, t1 - t0,
           cpu1 - cpu0, ws_procs ? ws1 - ws0 : 0.0);
    rc = 0;

done:
    if (sink.file != INVALID_HANDLE_VALUE)
        CloseHandle(sink.file);
    if (curl)
        curl_easy_cleanup(curl);
    curl_global_cleanup();
    free(sink.buf);
    free(wout);
    fflush(stdout);
    return rc;
}
