/*
 * bench_curl.c: the baseline of every bgcopy throughput figure. Downloads one URL to one file
 * with bare libcurl (the same static Schannel libcurl bgcopy links), the way a minimal
 * downloader does at its best, and prints
 *
 *   RESULT name=curl bytes=N seconds=S cpu=C wineserver_cpu=W connect=T close=K warmup=U prime=P
 *
 * Invariants:
 *   1. `seconds` is the interval every client of bench/run.sh reports: from just before the
 *      request starts (here: creating the file, then curl_easy_perform, which connects) to the
 *      file being fully written and closed. bgcopy's figure runs from Resume (its engine
 *      creates the temp file, connects, ...) to TRANSFERRED, which it reports only after the
 *      temp file is closed; see bench_bits.c.
 *   2. The file is created as bgcopy creates its temp file: any old file is deleted first, then
 *      CreateFileW(CREATE_NEW). CREATE_ALWAYS (--create always) is not used by default because
 *      under Wine it truncates the new file with ftruncate(fd, 0), and on ext4 (auto_da_alloc)
 *      a file truncated to 0 has all its delayed-allocation blocks allocated and submitted for
 *      writeback by its last close(): about 0.15-0.2 s inside CloseHandle for 512 MiB, a cost
 *      of that creation mode and that file system, not of the download.
 *   3. With --warmup-url, one request to that URL (a small one) is made first, with its own easy
 *      handle that is cleaned up before the timed request: the process has loaded and
 *      initialised everything a transfer uses (Winsock, libcurl's first transfer), as bgcopy's
 *      server has by the time its job is resumed (its activation is not timed), and the timed
 *      request still opens its own connection, as bgcopy's engine does (checked: exactly one
 *      new connection, else exit 1).
 *   4. With --prime BYTES, bench_prime_file_cache() runs just before the interval (after the
 *      warm-up), as bench_bits.exe runs it just before Resume: every client's file is written
 *      with the file system cache in the same state (bench/README.md, "Conditions").
 *   5. `cpu` is this process's user + kernel time over the interval; under Wine,
 *      `wineserver_cpu` is what the prefix's wineserver used meanwhile (0 elsewhere). `connect`
 *      is libcurl's connect time within the interval, `close` the time from the last byte
 *      received to the file closed (flush + CloseHandle), `warmup` the warm-up request's time,
 *      `prime` the priming's.
 *   6. RESULT is printed only for a complete download: HTTP 200, every byte written, and (with
 *      --expect-size) the size on disk equal to the expected size. Anything else exits 1.
 *
 * Usage: bench_curl.exe --url URL --out PATH [--expect-size N] [--buffer BYTES]
 *                       [--write-buffer BYTES] [--warmup-url URL] [--create new|always]
 *                       [--prime BYTES]
 */
#include "bench_util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CURL_BUFFER (512 * 1024)       /* CURLOPT_BUFFERSIZE (libcurl's maximum is 10 MiB) */
#define DEFAULT_WRITE_BUFFER (1024 * 1024)     /* bytes gathered before each WriteFile */

struct sink {
    HANDLE file;              /* destination, opened for writing; NULL: discard (warm-up) */
    unsigned char *buf;       /* gathers received data */
    size_t size;              /* capacity of buf */
    size_t used;              /* bytes in buf not yet written */
    unsigned long long total; /* bytes written to the file so far (received, for a discard sink) */
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

    if (!s->file) { /* warm-up: nothing is kept */
        s->total += n;
        return n;
    }
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

/* A new easy handle with the options every request of this program uses. */
static CURL *new_easy(const char *url, long curl_buffer, struct sink *sink, char *errbuf)
{
    CURL *curl = curl_easy_init();

    if (!curl)
        return NULL;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
    if (curl_buffer)
        curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, curl_buffer);
    return curl;
}

/* The warm-up request (invariant 3); returns its seconds, or -1.0 after printing why it failed. */
static double warm_up(const char *url, long curl_buffer)
{
    struct sink discard = {NULL, NULL, 0, 0, 0, 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *curl = new_easy(url, curl_buffer, &discard, errbuf);
    CURLcode result;
    double t0 = bench_now(), t1;

    if (!curl) {
        fprintf(stderr, "bench_curl: out of memory\n");
        return -1.0;
    }
    result = curl_easy_perform(curl);
    t1 = bench_now();
    curl_easy_cleanup(curl); /* closes its connection: the timed request makes its own */
    if (result != CURLE_OK) {
        fprintf(stderr, "bench_curl: warm-up %s: %s (%s)\n", url, curl_easy_strerror(result), errbuf);
        return -1.0;
    }
    return t1 - t0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_curl.exe --url URL --out PATH [--expect-size N] [--buffer BYTES]\n"
                    "                      [--write-buffer BYTES] [--warmup-url URL] [--create new|always]\n"
                    "                      [--prime BYTES]\n");
}

int main(int argc, char **argv)
{
    const char *url = NULL, *out = NULL, *warmup_url = NULL;
    unsigned long long expect = 0, curl_buffer = DEFAULT_CURL_BUFFER, write_buffer = DEFAULT_WRITE_BUFFER, prime = 0;
    int have_expect = 0, rc = 1;
    DWORD disposition = CREATE_NEW;
    struct sink sink = {INVALID_HANDLE_VALUE, NULL, 0, 0, 0, 0};
    WCHAR *wout = NULL;
    CURL *curl = NULL;
    CURLcode result = CURLE_OK;
    char errbuf[CURL_ERROR_SIZE] = "";
    long status = 0, connects = 0;
    unsigned long long on_disk = 0;
    double t0, t_recv, t1, cpu0, cpu1, ws0, ws1, warmup = 0.0, connect = 0.0, primed = 0.0;
    DWORD create_error = 0;
    int ws_procs = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!val) {
            usage();
            return 2;
        }
        i++;
        if (!strcmp(arg, "--url"))
            url = val;
        else if (!strcmp(arg, "--out"))
            out = val;
        else if (!strcmp(arg, "--warmup-url"))
            warmup_url = val;
        else if (!strcmp(arg, "--create") && !strcmp(val, "new"))
            disposition = CREATE_NEW;
        else if (!strcmp(arg, "--create") && !strcmp(val, "always"))
            disposition = CREATE_ALWAYS;
        else if (!strcmp(arg, "--expect-size") && !bench_parse_u64(val, &expect))
            have_expect = 1;
        else if (!(!strcmp(arg, "--buffer") && !bench_parse_u64(val, &curl_buffer)) &&
                 !(!strcmp(arg, "--prime") && !bench_parse_u64(val, &prime)) &&
                 !(!strcmp(arg, "--write-buffer") && !bench_parse_u64(val, &write_buffer))) {
            usage();
            return 2;
        }
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
    if (!sink.buf || !wout || !(curl = new_easy(url, (long)curl_buffer, &sink, errbuf))) {
        fprintf(stderr, "bench_curl: out of memory\n");
        goto done;
    }
    if (disposition == CREATE_NEW && bench_delete_file(wout)) {
        fprintf(stderr, "bench_curl: cannot delete the old %s (error %lu)\n", out, GetLastError());
        goto done;
    }
    if (warmup_url && (warmup = warm_up(warmup_url, (long)curl_buffer)) < 0.0)
        goto done;
    if (prime && (primed = bench_prime_file_cache(wout, prime)) < 0.0) {
        fprintf(stderr, "bench_curl: cannot write the scratch file %s.prime (error %lu)\n", out, GetLastError());
        goto done;
    }

    ws0 = bench_wine_unix_cpu("wineserver", &ws_procs);
    cpu0 = bench_process_cpu(GetCurrentProcess());
    t0 = bench_now();
    sink.file = CreateFileW(wout, GENERIC_WRITE, 0, NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
    if (sink.file == INVALID_HANDLE_VALUE)
        create_error = GetLastError();
    else
        result = curl_easy_perform(curl);
    t_recv = bench_now();
    if (sink.file != INVALID_HANDLE_VALUE) {
        if (result == CURLE_OK && sink_flush(&sink))
            result = CURLE_WRITE_ERROR;
        CloseHandle(sink.file);
        sink.file = INVALID_HANDLE_VALUE;
    }
    t1 = bench_now();
    cpu1 = bench_process_cpu(GetCurrentProcess());
    ws1 = bench_wine_unix_cpu("wineserver", &ws_procs);

    if (create_error) {
        fprintf(stderr, "bench_curl: cannot create %s (error %lu)\n", out, create_error);
        goto done;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME, &connect);
    if (result != CURLE_OK) {
        fprintf(stderr, "bench_curl: %s: %s (%s)%s\n", url, curl_easy_strerror(result), errbuf,
                sink.error ? " [file write failed]" : "");
        goto done;
    }
    if (status != 200) {
        fprintf(stderr, "bench_curl: %s: HTTP status %ld, expected 200\n", url, status);
        goto done;
    }
    if (connects != 1) {
        fprintf(stderr, "bench_curl: the timed request made %ld new connections, expected 1\n", connects);
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
    printf("RESULT name=curl bytes=%llu seconds=%.6f cpu=%.6f wineserver_cpu=%.6f connect=%.6f close=%.6f "
           "warmup=%.6f prime=%.6f\n",
           on_disk, t1 - t0, cpu1 - cpu0, ws_procs ? ws1 - ws0 : 0.0, connect, t1 - t_recv, warmup, primed);
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
