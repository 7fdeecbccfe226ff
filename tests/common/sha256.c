/*
 * sha256.c - SHA-256 as specified in FIPS 180-4 section 6.2, for test verification.
 *
 * Invariants:
 *  1. ctx->fill < 64 between calls; a full block is compressed as soon as it is complete.
 *  2. ctx->total counts every byte passed to update; the padding encodes total * 8 bits
 *     big-endian in the last 8 bytes of the final block (FIPS 180-4 5.1.1).
 */
#include "sha256.h"

#include <stdio.h>
#include <string.h>

/* FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64
 * primes. */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

/* FIPS 180-4 5.3.3: first 32 bits of the fractional parts of the square roots of the first 8
 * primes. */
static const uint32_t H0[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

/* One 512-bit block, FIPS 180-4 6.2.2 steps 1-4. */
static void compress(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    uint32_t a, b, c, d, e, f, g, hh;
    int t;

    for (t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 |
               (uint32_t)p[4 * t + 3];
    for (t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3];
    e = h[4]; f = h[5]; g = h[6]; hh = h[7];
    for (t = 0; t < 64; t++) {
        uint32_t big_s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + big_s1 + ch + K[t] + w[t];
        uint32_t big_s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = big_s0 + maj;
        hh = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void bgc_sha256_init(struct bgc_sha256 *ctx)
{
    memcpy(ctx->h, H0, sizeof(H0));
    ctx->total = 0;
    ctx->fill = 0;
}

void bgc_sha256_update(struct bgc_sha256 *ctx, const void *data, size_t n)
{
    const unsigned char *p = data;

    ctx->total += n;
    if (ctx->fill) {
        size_t take = 64 - ctx->fill;
        if (take > n)
            take = n;
        memcpy(ctx->block + ctx->fill, p, take);
        ctx->fill += take;
        p += take;
        n -= take;
        if (ctx->fill < 64)
            return;
        compress(ctx->h, ctx->block);
        ctx->fill = 0;
    }
    while (n >= 64) {
        compress(ctx->h, p);
        p += 64;
        n -= 64;
    }
    if (n) {
        memcpy(ctx->block, p, n);
        ctx->fill = n;
    }
}

void bgc_sha256_final(struct bgc_sha256 *ctx, unsigned char digest[BGC_SHA256_DIGEST_SIZE])
{
    uint64_t bits = ctx->total * 8;
    int i;

    /* 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the 64-bit length. */
    ctx->block[ctx->fill++] = 0x80;
    if (ctx->fill > 56) {
        memset(ctx->block + ctx->fill, 0, 64 - ctx->fill);
        compress(ctx->h, ctx->block);
        ctx->fill = 0;
    }
    memset(ctx->block + ctx->fill, 0, 56 - ctx->fill);
    for (i = 0; i < 8; i++)
        ctx->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    compress(ctx->h, ctx->block);
    for (i = 0; i < 8; i++) {
        digest[4 * i] = (unsigned char)(ctx->h[i] >> 24);
        digest[4 * i + 1] = (unsigned char)(ctx->h[i] >> 16);
        digest[4 * i + 2] = (unsigned char)(ctx->h[i] >> 8);
        digest[4 * i + 3] = (unsigned char)ctx->h[i];
    }
    memset(ctx, 0, sizeof(*ctx));
}

void bgc_sha256_hex(const unsigned char digest[BGC_SHA256_DIGEST_SIZE], char out[BGC_SHA256_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    int i;

    for (i = 0; i < BGC_SHA256_DIGEST_SIZE; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 15];
    }
    out[64] = '\0';
}

void bgc_sha256_buffer_hex(const void *data, size_t n, char out[BGC_SHA256_HEX_SIZE])
{
    struct bgc_sha256 ctx;
    unsigned char d[BGC_SHA256_DIGEST_SIZE];

    bgc_sha256_init(&ctx);
    bgc_sha256_update(&ctx, data, n);
    bgc_sha256_final(&ctx, d);
    bgc_sha256_hex(d, out);
}

int bgc_sha256_file_hex(const char *path, char out[BGC_SHA256_HEX_SIZE], uint64_t *size_out)
{
    static const size_t bufsize = 64 * 1024;
    unsigned char buf[64 * 1024];
    struct bgc_sha256 ctx;
    unsigned char d[BGC_SHA256_DIGEST_SIZE];
    uint64_t size = 0;
    FILE *f;
    size_t got;
    int failed;

    f = fopen(path, "rb");
    if (!f)
        return -1;
    bgc_sha256_init(&ctx);
    while ((got = fread(buf, 1, bufsize, f)) > 0) {
        bgc_sha256_update(&ctx, buf, got);
        size += got;
    }
    failed = ferror(f);
    fclose(f);
    if (failed)
        return -1;
    bgc_sha256_final(&ctx, d);
    bgc_sha256_hex(d, out);
    if (size_out)
        *size_out = size;
    return 0;
}
