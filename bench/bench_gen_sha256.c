/*
 * bench_gen_sha256.c: prints the SHA-256 of the test HTTP server's generated content,
 * computed from the generator itself (tests/common/testdata.c), not from anything the server
 * sent. bench/run.sh compares every downloaded file with it, so a benchmark run that moved
 * wrong bytes is reported as failed instead of being timed.
 *
 *   bench_gen_sha256.exe --seed N --size BYTES   ->   EXPECT sha256=<hex> size=BYTES seed=N
 *
 * Invariant: the printed digest is that of bytes 0..size-1 of stream `seed`, which is what
 * GET /gen/<size>?seed=<seed> returns.
 */
#include "bench_util.h"

#include <stdio.h>
#include <string.h>

#include "testdata.h"

int main(int argc, char **argv)
{
    unsigned long long seed = 0, size = 0;
    int have_seed = 0, have_size = 0;
    char hex[BGC_SHA256_HEX_SIZE];

    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--seed") && !bench_parse_u64(argv[i + 1], &seed))
            have_seed = 1;
        else if (!strcmp(argv[i], "--size") && !bench_parse_u64(argv[i + 1], &size))
            have_size = 1;
        else
            have_seed = have_size = 0, i = argc;
    }
    if (!have_seed || !have_size || argc != 5) {
        fprintf(stderr, "usage: bench_gen_sha256.exe --seed N --size BYTES\n");
        return 2;
    }
    bgc_testdata_sha256(seed, size, hex);
    printf("EXPECT sha256=%s size=%llu seed=%llu\n", hex, size, seed);
    return 0;
}
