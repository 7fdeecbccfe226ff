/*
 * testdata.c - the deterministic content generator (see testdata.h for the stream's
 * definition). A counter-based mixer (the splitmix64 finaliser) over 8-byte words: no state
 * between calls, several GB/s, so a server can generate 512 MiB per request cheaply.
 */
#include "testdata.h"

#include <string.h>

#define GOLDEN 0x9E3779B97F4A7C15ull

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t stream_key(uint64_t seed)
{
    return mix64(seed * GOLDEN + 0x5851F42D4C957F2Dull);
}

static uint64_t word_at(uint64_t key, uint64_t k)
{
    return mix64(key + k * GOLDEN);
}

static void store_le64(unsigned char *p, uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &w, 8);
#else
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (unsigned char)(w >> (8 * i));
#endif
}

void bgc_testdata_fill(uint64_t seed, uint64_t offset, void *buf, size_t n)
{
    unsigned char *p = buf;
    uint64_t key = stream_key(seed);
    uint64_t k = offset / 8;
    unsigned skip = (unsigned)(offset % 8);

    if (n == 0)
        return;
    if (skip) { /* leading partial word */
        uint64_t w = word_at(key, k++);
        unsigned i;
        for (i = skip; i < 8 && n; i++, n--)
            *p++ = (unsigned char)(w >> (8 * i));
    }
    while (n >= 8) {
        store_le64(p, word_at(key, k++));
        p += 8;
        n -= 8;
    }
    if (n) { /* trailing partial word */
        uint64_t w = word_at(key, k);
        unsigned i;
        for (i = 0; i < n; i++)
            p[i] = (unsigned char)(w >> (8 * i));
    }
}

unsigned char bgc_testdata_byte(uint64_t seed, uint64_t offset)
{
    return (unsigned char)(word_at(stream_key(seed), offset / 8) >> (8 * (offset % 8)));
}

void bgc_testdata_sha256(uint64_t seed, uint64_t size, char hex_out[BGC_SHA256_HEX_SIZE])
{
    unsigned char buf[64 * 1024];
    unsigned char d[BGC_SHA256_DIGEST_SIZE];
    struct bgc_sha256 ctx;
    uint64_t off = 0;

    bgc_sha256_init(&ctx);
    while (off < size) {
        size_t n = sizeof(buf);
        if ((uint64_t)n > size - off)
            n = (size_t)(size - off);
        bgc_testdata_fill(seed, off, buf, n);
        bgc_sha256_update(&ctx, buf, n);
        off += n;
    }
    bgc_sha256_final(&ctx, d);
    bgc_sha256_hex(d, hex_out);
}

int bgc_testdata_check(uint64_t seed, uint64_t offset, const void *buf, size_t n)
{
    unsigned char tmp[4096];
    const unsigned char *p = buf;

    while (n) {
        size_t c = n < sizeof(tmp) ? n : sizeof(tmp);
        bgc_testdata_fill(seed, offset, tmp, c);
        if (memcmp(tmp, p, c) != 0)
            return 0;
        p += c;
        offset += c;
        n -= c;
    }
    return 1;
}
