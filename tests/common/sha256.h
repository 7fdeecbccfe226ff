/*
 * sha256.h - a small SHA-256 (FIPS 180-4) for tests: streaming API and hex helpers.
 *
 * Test code only (tests/common, linked into native and Windows tests). Written from the
 * FIPS 180-4 description; no OS calls except the optional stdio file helper.
 *
 * Invariants:
 *  1. bgc_sha256_update may be called any number of times with any split of the input; the
 *     digest depends only on the concatenated bytes.
 *  2. After bgc_sha256_final the context is wiped; call bgc_sha256_init to reuse it.
 *  3. Hex output is lowercase, 64 characters plus NUL.
 */
#ifndef BGC_TEST_SHA256_H
#define BGC_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BGC_SHA256_DIGEST_SIZE 32
#define BGC_SHA256_HEX_SIZE 65 /* 64 hex digits + NUL */

struct bgc_sha256 {
    uint32_t h[8];       /* chaining state H0..H7 */
    uint64_t total;      /* message length so far, in bytes */
    unsigned char block[64]; /* pending partial block */
    size_t fill;         /* bytes used in block (0..63) */
};

void bgc_sha256_init(struct bgc_sha256 *ctx);
void bgc_sha256_update(struct bgc_sha256 *ctx, const void *data, size_t n);
void bgc_sha256_final(struct bgc_sha256 *ctx, unsigned char digest[BGC_SHA256_DIGEST_SIZE]);

/* Lowercase hex of a digest into out (65 bytes with the NUL). */
void bgc_sha256_hex(const unsigned char digest[BGC_SHA256_DIGEST_SIZE], char out[BGC_SHA256_HEX_SIZE]);
/* One-shot: hex digest of a buffer. */
void bgc_sha256_buffer_hex(const void *data, size_t n, char out[BGC_SHA256_HEX_SIZE]);
/* Hex digest of a file's contents (stdio; path in the C library's encoding). Stores the file
 * size in *size_out when not NULL. Returns 0, or -1 when the file cannot be opened or read. */
int bgc_sha256_file_hex(const char *path, char out[BGC_SHA256_HEX_SIZE], uint64_t *size_out);

#ifdef __cplusplus
}
#endif
#endif /* BGC_TEST_SHA256_H */
