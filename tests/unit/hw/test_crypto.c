/* SPDX-License-Identifier: MIT */
/*
 * hw/crypto.c: known answers (FIPS 180-2 SHA-256, the GCM specification's
 * AES-128 test cases, RFC 4493 CMAC), tampering, RSA-3072 e=3 signing and
 * verification checked against an independent schoolbook bignum, PEM key
 * files, and AES-GCM from several threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"

#define ROW_ASSERT(row, cond) \
	do { if (!(cond)) fail_msg("row %u: %s", (unsigned int)(row), #cond); } while (0)
#define ROW_EQ(row, a, b) \
	do { \
		long long a_ = (a), b_ = (b); \
		if (a_ != b_) \
			fail_msg("row %u: %s = %lld, expected %lld", (unsigned int)(row), #a, a_, b_); \
	} while (0)

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* ---- SHA-256 --------------------------------------------------------------- */

static const struct {
	unsigned int row;
	const char *msg;
	const char *digest;
} sha_rows[] = {
	{ 1, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ 2, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ 3, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};

static void test_sha256_kat(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sha_rows) / sizeof(sha_rows[0]); i++) {
		uint8_t want[32], got[32];
		struct crypto_sha256 *s;

		unhex(sha_rows[i].digest, want, sizeof(want));
		ROW_EQ(sha_rows[i].row, crypto_sha256(sha_rows[i].msg, strlen(sha_rows[i].msg), got), 0);
		ROW_ASSERT(sha_rows[i].row, memcmp(got, want, 32) == 0);

		/* Streaming, one byte at a time; final resets the state. */
		ROW_EQ(sha_rows[i].row, crypto_sha256_new(&s), 0);
		for (size_t j = 0; j < strlen(sha_rows[i].msg); j++)
			ROW_EQ(sha_rows[i].row, crypto_sha256_update(s, sha_rows[i].msg + j, 1), 0);
		ROW_EQ(sha_rows[i].row, crypto_sha256_final(s, got), 0);
		ROW_ASSERT(sha_rows[i].row, memcmp(got, want, 32) == 0);
		ROW_EQ(sha_rows[i].row, crypto_sha256_update(s, sha_rows[i].msg,
							     strlen(sha_rows[i].msg)), 0);
		ROW_EQ(sha_rows[i].row, crypto_sha256_final(s, got), 0);
		ROW_ASSERT(sha_rows[i].row, memcmp(got, want, 32) == 0);
		crypto_sha256_free(s);
	}
}

static void test_sha256_million_a_and_dup(void **state)
{
	static const char *million_a =
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	uint8_t want[32], got[32], got2[32];
	struct crypto_sha256 *s, *d;
	char *buf;

	(void)state;
	buf = malloc(1000000);
	assert_non_null(buf);
	memset(buf, 'a', 1000000);
	unhex(million_a, want, sizeof(want));
	assert_int_equal(crypto_sha256(buf, 1000000, got), 0);
	assert_memory_equal(got, want, 32);

	/* A copy taken half-way finishes independently of the original. */
	assert_int_equal(crypto_sha256_new(&s), 0);
	assert_int_equal(crypto_sha256_update(s, buf, 500000), 0);
	assert_int_equal(crypto_sha256_dup(s, &d), 0);
	assert_int_equal(crypto_sha256_update(s, buf, 500000), 0);
	assert_int_equal(crypto_sha256_update(d, buf, 500000), 0);
	assert_int_equal(crypto_sha256_final(s, got), 0);
	assert_int_equal(crypto_sha256_final(d, got2), 0);
	assert_memory_equal(got, want, 32);
	assert_memory_equal(got2, want, 32);
	crypto_sha256_free(d);
	crypto_sha256_free(s);
	crypto_sha256_free(NULL);
	free(buf);
}

/* ---- AES-128-GCM ------------------------------------------------------------ */

/* The GCM specification (McGrew/Viega), test cases 1-4. */
static const struct {
	unsigned int row;
	const char *key, *iv, *aad, *pt, *ct, *tag;
} gcm_rows[] = {
	{ 1, "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
	  "58e2fccefa7e3061367f1d57a4e7455a" },
	{ 2, "00000000000000000000000000000000", "000000000000000000000000", "",
	  "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	{ 3, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ 4, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
};

struct gcm_case {
	uint8_t key[16], iv[12], aad[32], pt[64], ct[64], tag[16];
	size_t aad_len, len;
};

static void gcm_load(size_t i, struct gcm_case *c)
{
	memset(c, 0, sizeof(*c));
	unhex(gcm_rows[i].key, c->key, sizeof(c->key));
	unhex(gcm_rows[i].iv, c->iv, sizeof(c->iv));
	c->aad_len = unhex(gcm_rows[i].aad, c->aad, sizeof(c->aad));
	c->len = unhex(gcm_rows[i].pt, c->pt, sizeof(c->pt));
	unhex(gcm_rows[i].ct, c->ct, sizeof(c->ct));
	unhex(gcm_rows[i].tag, c->tag, sizeof(c->tag));
}

static void test_gcm_kat(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gcm_rows) / sizeof(gcm_rows[0]); i++) {
		unsigned int row = gcm_rows[i].row;
		uint8_t buf[64], tag[16];
		struct crypto_gcm *g;
		struct gcm_case c;

		gcm_load(i, &c);
		ROW_EQ(row, crypto_gcm_new(c.key, &g), 0);

		/* Out of place, twice (the second call reuses the cached context). */
		for (int pass = 0; pass < 2; pass++) {
			memset(buf, 0xa5, sizeof(buf));
			ROW_EQ(row, crypto_gcm_encrypt(g, c.iv, c.aad, c.aad_len, c.pt, buf, c.len,
						       tag), 0);
			ROW_ASSERT(row, memcmp(buf, c.ct, c.len) == 0);
			ROW_ASSERT(row, memcmp(tag, c.tag, 16) == 0);
			memset(buf, 0xa5, sizeof(buf));
			ROW_EQ(row, crypto_gcm_decrypt(g, c.iv, c.aad, c.aad_len, c.ct, buf, c.len,
						       c.tag), 0);
			ROW_ASSERT(row, memcmp(buf, c.pt, c.len) == 0);
		}

		/* In place. */
		memcpy(buf, c.pt, c.len);
		ROW_EQ(row, crypto_gcm_encrypt(g, c.iv, c.aad, c.aad_len, buf, buf, c.len, tag), 0);
		ROW_ASSERT(row, memcmp(buf, c.ct, c.len) == 0);
		ROW_ASSERT(row, memcmp(tag, c.tag, 16) == 0);
		ROW_EQ(row, crypto_gcm_decrypt(g, c.iv, c.aad, c.aad_len, buf, buf, c.len, tag), 0);
		ROW_ASSERT(row, memcmp(buf, c.pt, c.len) == 0);
		crypto_gcm_free(g);
	}
}

enum tamper_what { T_CT, T_TAG, T_AAD, T_IV };

/* Each row flips one bit of one input of GCM test case 4 (row 4 above). */
static const struct {
	unsigned int row;
	enum tamper_what what;
	size_t pos;
	uint8_t mask;
} gcm_tamper_rows[] = {
	{ 1, T_CT, 0, 0x01 },   { 2, T_CT, 31, 0x80 },  { 3, T_CT, 59, 0x10 },
	{ 4, T_TAG, 0, 0x01 },  { 5, T_TAG, 7, 0x40 },  { 6, T_TAG, 15, 0x80 },
	{ 7, T_AAD, 0, 0x01 },  { 8, T_AAD, 19, 0x80 },
	{ 9, T_IV, 0, 0x01 },   { 10, T_IV, 11, 0x80 },
};

static void test_gcm_tamper(void **state)
{
	struct crypto_gcm *g;
	struct gcm_case base;
	uint8_t buf[64];

	(void)state;
	gcm_load(3, &base);
	assert_int_equal(crypto_gcm_new(base.key, &g), 0);
	for (size_t i = 0; i < sizeof(gcm_tamper_rows) / sizeof(gcm_tamper_rows[0]); i++) {
		unsigned int row = gcm_tamper_rows[i].row;
		struct gcm_case c = base;
		uint8_t *field = NULL;
		uint8_t out[64];

		switch (gcm_tamper_rows[i].what) {
		case T_CT:  field = c.ct; break;
		case T_TAG: field = c.tag; break;
		case T_AAD: field = c.aad; break;
		case T_IV:  field = c.iv; break;
		}
		field[gcm_tamper_rows[i].pos] ^= gcm_tamper_rows[i].mask;

		/* In place and out of place; no unauthenticated plaintext comes out. */
		memcpy(buf, c.ct, c.len);
		ROW_EQ(row, crypto_gcm_decrypt(g, c.iv, c.aad, c.aad_len, buf, buf, c.len, c.tag),
		       -EBADMSG);
		memset(out, 0x5a, sizeof(out));
		ROW_EQ(row, crypto_gcm_decrypt(g, c.iv, c.aad, c.aad_len, c.ct, out, c.len, c.tag),
		       -EBADMSG);
		for (size_t j = 0; j < c.len; j++) {
			ROW_EQ(row, buf[j], 0);
			ROW_EQ(row, out[j], 0);
		}
		/* The context is still good after a failure. */
		ROW_EQ(row, crypto_gcm_decrypt(g, base.iv, base.aad, base.aad_len, base.ct, buf,
					       base.len, base.tag), 0);
		ROW_ASSERT(row, memcmp(buf, base.pt, base.len) == 0);
	}
	crypto_gcm_free(g);
	crypto_gcm_free(NULL);
}

/*
 * A key freed and another allocated (very likely at the same address) must
 * not reuse the first key's cached context.
 */
static void test_gcm_realloc_same_address(void **state)
{
	struct gcm_case c0, c3;
	uint8_t buf[64], tag[16];

	(void)state;
	gcm_load(1, &c0);
	gcm_load(2, &c3);
	for (unsigned int row = 1; row <= 8; row++) {
		const struct gcm_case *c = (row & 1) ? &c0 : &c3;
		struct crypto_gcm *g;

		ROW_EQ(row, crypto_gcm_new(c->key, &g), 0);
		ROW_EQ(row, crypto_gcm_encrypt(g, c->iv, NULL, 0, c->pt, buf, c->len, tag), 0);
		ROW_ASSERT(row, memcmp(buf, c->ct, c->len) == 0);
		ROW_ASSERT(row, memcmp(tag, c->tag, 16) == 0);
		crypto_gcm_free(g);
	}
}

/* More keys than a thread's cache holds, used round robin. */
static void test_gcm_many_keys(void **state)
{
	enum { NKEYS = 9 };
	struct crypto_gcm *g[NKEYS];
	uint8_t key[16], iv[12] = { 0 }, pt[256], ct[NKEYS][256], tag[NKEYS][16];
	uint8_t buf[256], t[16];

	(void)state;
	memset(pt, 0x3c, sizeof(pt));
	for (unsigned int k = 0; k < NKEYS; k++) {
		memset(key, (int)k + 1, sizeof(key));
		assert_int_equal(crypto_gcm_new(key, &g[k]), 0);
		assert_int_equal(crypto_gcm_encrypt(g[k], iv, NULL, 0, pt, ct[k], sizeof(pt),
						    tag[k]), 0);
	}
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned int k = 0; k < NKEYS; k++) {
			unsigned int row = round * NKEYS + k + 1;

			ROW_EQ(row, crypto_gcm_encrypt(g[k], iv, NULL, 0, pt, buf, sizeof(pt), t), 0);
			ROW_ASSERT(row, memcmp(buf, ct[k], sizeof(buf)) == 0);
			ROW_ASSERT(row, memcmp(t, tag[k], 16) == 0);
			/* Different keys really give different ciphertexts. */
			ROW_ASSERT(row, memcmp(ct[k], ct[(k + 1) % NKEYS], sizeof(buf)) != 0);
		}
	}
	for (unsigned int k = 0; k < NKEYS; k++)
		crypto_gcm_free(g[k]);
}

/* ---- GCM from several threads ---------------------------------------------- */

#define THREAD_ITERS 2000

struct gcm_thread_arg {
	struct crypto_gcm *g;
	const uint8_t *ct;              /* expected ciphertext of the page for iv i */
	const uint8_t *tags;            /* expected tags, 16 per iteration */
	unsigned int errors;
	pthread_barrier_t *start;
};

static uint8_t thread_page[4096];

static void iv_for(uint8_t iv[12], unsigned int i)
{
	memset(iv, 0, 12);
	memcpy(iv, &i, sizeof(i));
}

static void *gcm_thread(void *p)
{
	struct gcm_thread_arg *a = p;
	uint8_t buf[4096], iv[12], tag[16];

	pthread_barrier_wait(a->start);
	for (unsigned int i = 0; i < THREAD_ITERS; i++) {
		unsigned int k = i % 8;

		iv_for(iv, k);
		if (crypto_gcm_encrypt(a->g, iv, &k, sizeof(k), thread_page, buf, sizeof(buf), tag) ||
		    memcmp(buf, a->ct + k * 4096, 4096) || memcmp(tag, a->tags + k * 16, 16))
			a->errors++;
		if (crypto_gcm_decrypt(a->g, iv, &k, sizeof(k), buf, buf, sizeof(buf), tag) ||
		    memcmp(buf, thread_page, sizeof(buf)))
			a->errors++;
	}
	return NULL;
}

static void test_gcm_two_threads(void **state)
{
	static uint8_t ct[2][8 * 4096], tags[2][8 * 16];
	struct gcm_thread_arg args[4];
	pthread_barrier_t start;
	struct crypto_gcm *g[2];
	pthread_t th[4];
	uint8_t key[16], iv[12];

	(void)state;
	for (size_t i = 0; i < sizeof(thread_page); i++)
		thread_page[i] = (uint8_t)(i * 7 + 1);
	for (unsigned int k = 0; k < 2; k++) {
		memset(key, 0x11 * (int)(k + 1), sizeof(key));
		assert_int_equal(crypto_gcm_new(key, &g[k]), 0);
		for (unsigned int i = 0; i < 8; i++) {
			iv_for(iv, i);
			assert_int_equal(crypto_gcm_encrypt(g[k], iv, &i, sizeof(i), thread_page,
							    ct[k] + i * 4096, 4096,
							    tags[k] + i * 16), 0);
		}
	}
	assert_memory_not_equal(ct[0], ct[1], 4096);

	/* Two threads per key, two keys: same key shared and different keys. */
	assert_int_equal(pthread_barrier_init(&start, NULL, 4), 0);
	for (unsigned int t = 0; t < 4; t++) {
		args[t] = (struct gcm_thread_arg){ .g = g[t & 1], .ct = ct[t & 1],
						   .tags = tags[t & 1], .start = &start };
		assert_int_equal(pthread_create(&th[t], NULL, gcm_thread, &args[t]), 0);
	}
	for (unsigned int t = 0; t < 4; t++) {
		assert_int_equal(pthread_join(th[t], NULL), 0);
		if (args[t].errors)
			fail_msg("thread %u: %u errors", t, args[t].errors);
	}
	pthread_barrier_destroy(&start);
	crypto_gcm_free(g[0]);
	crypto_gcm_free(g[1]);
}

struct hold_arg {
	struct crypto_gcm *g;
	pthread_barrier_t *used, *freed;
	int rc1, rc2;
};

/* Use a key, let the main thread free it, then use a fresh key and exit. */
static void *gcm_hold_thread(void *p)
{
	struct hold_arg *a = p;
	struct crypto_gcm *g2;
	uint8_t key[16] = { 9 }, iv[12] = { 0 }, buf[16] = { 0 }, tag[16];

	a->rc1 = crypto_gcm_encrypt(a->g, iv, NULL, 0, buf, buf, sizeof(buf), tag);
	pthread_barrier_wait(a->used);
	pthread_barrier_wait(a->freed);
	a->rc2 = crypto_gcm_new(key, &g2);
	if (!a->rc2) {
		a->rc2 = crypto_gcm_encrypt(g2, iv, NULL, 0, buf, buf, sizeof(buf), tag);
		crypto_gcm_free(g2);
	}
	return NULL;
}

/*
 * Keys freed while other threads hold contexts for them, threads exiting
 * while holding contexts of live keys: nothing leaks, nothing is used after
 * being freed (run under ASan).
 */
static void test_gcm_thread_lifetimes(void **state)
{
	pthread_barrier_t used, freed;
	struct hold_arg a;
	struct crypto_gcm *g, *live;
	pthread_t th;
	uint8_t key[16] = { 1 }, iv[12] = { 0 }, buf[16] = { 0 }, tag[16], tag0[16];

	(void)state;
	assert_int_equal(pthread_barrier_init(&used, NULL, 2), 0);
	assert_int_equal(pthread_barrier_init(&freed, NULL, 2), 0);
	assert_int_equal(crypto_gcm_new(key, &g), 0);
	a = (struct hold_arg){ .g = g, .used = &used, .freed = &freed };
	assert_int_equal(pthread_create(&th, NULL, gcm_hold_thread, &a), 0);
	pthread_barrier_wait(&used);
	crypto_gcm_free(g);
	pthread_barrier_wait(&freed);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(a.rc1, 0);
	assert_int_equal(a.rc2, 0);
	pthread_barrier_destroy(&used);
	pthread_barrier_destroy(&freed);

	/* Short-lived threads one after another on a long-lived key. */
	assert_int_equal(crypto_gcm_new(key, &live), 0);
	assert_int_equal(crypto_gcm_encrypt(live, iv, NULL, 0, buf, buf, sizeof(buf), tag0), 0);
	for (unsigned int row = 1; row <= 16; row++) {
		uint8_t zero[16] = { 0 };

		a = (struct hold_arg){ .g = live };
		assert_int_equal(pthread_barrier_init(&used, NULL, 2), 0);
		assert_int_equal(pthread_barrier_init(&freed, NULL, 2), 0);
		a.used = &used;
		a.freed = &freed;
		ROW_EQ(row, pthread_create(&th, NULL, gcm_hold_thread, &a), 0);
		pthread_barrier_wait(&used);
		pthread_barrier_wait(&freed);
		ROW_EQ(row, pthread_join(th, NULL), 0);
		ROW_EQ(row, a.rc1, 0);
		ROW_EQ(row, a.rc2, 0);
		pthread_barrier_destroy(&used);
		pthread_barrier_destroy(&freed);
		ROW_EQ(row, crypto_gcm_encrypt(live, iv, NULL, 0, zero, buf, sizeof(buf), tag), 0);
		ROW_ASSERT(row, memcmp(tag, tag0, 16) == 0);
	}
	crypto_gcm_free(live);
}

/* ---- AES-CMAC (RFC 4493 section 4) ------------------------------------------ */

static void test_cmac_rfc4493(void **state)
{
	static const char *msg_hex =
		"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
		"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
	static const struct {
		unsigned int row;
		size_t len;
		const char *mac;
	} rows[] = {
		{ 1, 0, "bb1d6929e95937287fa37d129b756746" },
		{ 2, 16, "070a16b46b4d4144f79bdd9dd04a287c" },
		{ 3, 40, "dfa66747de9ae63030ca32611497c827" },
		{ 4, 64, "51f0bebf7e3b9d92fc49741779363cfe" },
	};
	uint8_t key[16], msg[64], want[16], got[16];

	(void)state;
	unhex("2b7e151628aed2a6abf7158809cf4f3c", key, sizeof(key));
	unhex(msg_hex, msg, sizeof(msg));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unhex(rows[i].mac, want, sizeof(want));
		ROW_EQ(rows[i].row, crypto_cmac(key, msg, rows[i].len, got), 0);
		ROW_ASSERT(rows[i].row, memcmp(got, want, 16) == 0);
	}
}

/* ---- random, wipe, memeq ------------------------------------------------------ */

static void test_random_wipe_memeq(void **state)
{
	uint8_t a[64], b[64], z[64] = { 0 };

	(void)state;
	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	assert_int_equal(crypto_random(b, 0), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(crypto_memeq(a, a, sizeof(a)), 1);
	assert_int_equal(crypto_memeq(a, b, sizeof(a)), 0);
	assert_int_equal(crypto_memeq(a, b, 0), 1);
	crypto_wipe(a, sizeof(a));
	assert_memory_equal(a, z, sizeof(a));
	b[63] ^= 1;
	memcpy(a, b, sizeof(a));
	a[63] ^= 1;
	assert_int_equal(crypto_memeq(a, b, sizeof(a)), 0);
}

/* ---- an independent bignum for checking RSA results --------------------------- */

#define LIMBS (CRYPTO_RSA3072_LEN / 4)

static void bn_from_le(uint32_t *a, const uint8_t *b, size_t limbs)
{
	for (size_t i = 0; i < limbs; i++)
		a[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
		       (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
}

/* r[0..2*LIMBS) = a * b, both LIMBS long. */
static void bn_mul(uint32_t *r, const uint32_t *a, const uint32_t *b)
{
	memset(r, 0, 2 * LIMBS * sizeof(*r));
	for (size_t i = 0; i < LIMBS; i++) {
		uint64_t carry = 0;

		for (size_t j = 0; j < LIMBS; j++) {
			uint64_t t = (uint64_t)a[i] * b[j] + r[i + j] + carry;

			r[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		r[i + LIMBS] = (uint32_t)carry;
	}
}

/* r = a - b over n limbs; returns the borrow. */
static unsigned int bn_sub(uint32_t *r, const uint32_t *a, const uint32_t *b, size_t n)
{
	uint64_t borrow = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t t = (uint64_t)a[i] - b[i] - borrow;

		r[i] = (uint32_t)t;
		borrow = (t >> 32) & 1;
	}
	return (unsigned int)borrow;
}

static int bn_less(const uint32_t *a, const uint32_t *b, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (a[i] != b[i])
			return a[i] < b[i];
	return 0;
}

/*
 * With s^2 = q1*n + r1 and s*r1 = q2*n + r2 (0 <= r < n), r2 = s^3 mod n:
 * check those identities, and return r2 (little endian) so the caller can
 * compare it with the PKCS#1 encoding, all without trusting crypto.c.
 */
static void check_q1q2(const uint8_t *n_le, const uint8_t *s_le, const uint8_t *q1_le,
		       const uint8_t *q2_le, uint8_t r2_le[CRYPTO_RSA3072_LEN])
{
	uint32_t n[LIMBS], s[LIMBS], q1[LIMBS], q2[LIMBS];
	uint32_t prod[2 * LIMBS], qn[2 * LIMBS], r[2 * LIMBS];

	bn_from_le(n, n_le, LIMBS);
	bn_from_le(s, s_le, LIMBS);
	bn_from_le(q1, q1_le, LIMBS);
	bn_from_le(q2, q2_le, LIMBS);

	bn_mul(prod, s, s);
	bn_mul(qn, q1, n);
	assert_int_equal(bn_sub(r, prod, qn, 2 * LIMBS), 0);
	for (size_t i = LIMBS; i < 2 * LIMBS; i++)
		assert_int_equal(r[i], 0);
	assert_true(bn_less(r, n, LIMBS));

	bn_mul(prod, s, r);
	bn_mul(qn, q2, n);
	assert_int_equal(bn_sub(r, prod, qn, 2 * LIMBS), 0);
	for (size_t i = LIMBS; i < 2 * LIMBS; i++)
		assert_int_equal(r[i], 0);
	assert_true(bn_less(r, n, LIMBS));
	for (size_t i = 0; i < LIMBS; i++)
		for (size_t j = 0; j < 4; j++)
			r2_le[4 * i + j] = (uint8_t)(r[i] >> (8 * j));
}

/* EMSA-PKCS1-v1_5 (RFC 8017 9.2) of SHA-256(msg), 384 bytes, little endian. */
static void pkcs1_sha256_le(const void *msg, size_t len, uint8_t out_le[CRYPTO_RSA3072_LEN])
{
	static const uint8_t digest_info[19] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};
	uint8_t em[CRYPTO_RSA3072_LEN];
	size_t ps = CRYPTO_RSA3072_LEN - 3 - sizeof(digest_info) - 32;

	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, ps);
	em[2 + ps] = 0x00;
	memcpy(em + 3 + ps, digest_info, sizeof(digest_info));
	assert_int_equal(crypto_sha256(msg, len, em + 3 + ps + sizeof(digest_info)), 0);
	for (size_t i = 0; i < CRYPTO_RSA3072_LEN; i++)
		out_le[i] = em[CRYPTO_RSA3072_LEN - 1 - i];
}

/* ---- RSA-3072 ------------------------------------------------------------------ */

static struct crypto_rsa_key *rsa_key;     /* generated once in the group setup */

static int rsa_setup(void **state)
{
	(void)state;
	return crypto_rsa_generate(3072, &rsa_key) ? -1 : 0;
}

static int rsa_teardown(void **state)
{
	(void)state;
	crypto_rsa_free(rsa_key);
	rsa_key = NULL;
	return 0;
}

static const char rsa_msg[] = "sgxemu: HEADER||BODY stand-in for crypto tests";

static void test_rsa_key_shape(void **state)
{
	uint8_t n[CRYPTO_RSA3072_LEN];

	(void)state;
	assert_int_equal(crypto_rsa_bits(rsa_key), 3072);
	assert_int_equal(crypto_rsa_exponent(rsa_key), 3);
	assert_int_equal(crypto_rsa_modulus_le(rsa_key, n), 0);
	assert_true(n[0] & 1);
	assert_true(n[CRYPTO_RSA3072_LEN - 1] & 0x80);
	assert_int_equal(crypto_rsa_generate(100, &(struct crypto_rsa_key *){ NULL }), -EINVAL);
}

static void test_rsa_sign_verify_independent(void **state)
{
	uint8_t n[CRYPTO_RSA3072_LEN], s[CRYPTO_RSA3072_LEN], s2[CRYPTO_RSA3072_LEN];
	uint8_t q1[CRYPTO_RSA3072_LEN], q2[CRYPTO_RSA3072_LEN];
	uint8_t r2[CRYPTO_RSA3072_LEN], em[CRYPTO_RSA3072_LEN];

	(void)state;
	assert_int_equal(crypto_rsa_modulus_le(rsa_key, n), 0);
	assert_int_equal(crypto_rsa_sign(rsa_key, rsa_msg, sizeof(rsa_msg), s), 0);
	assert_int_equal(crypto_rsa3072_verify(n, 3, s, rsa_msg, sizeof(rsa_msg)), 0);
	/* PKCS#1 v1.5 is deterministic. */
	assert_int_equal(crypto_rsa_sign(rsa_key, rsa_msg, sizeof(rsa_msg), s2), 0);
	assert_memory_equal(s, s2, sizeof(s));

	/* s^3 mod n, from q1/q2 and schoolbook arithmetic, is the PKCS#1 block. */
	assert_int_equal(crypto_rsa3072_q1q2(n, s, q1, q2), 0);
	check_q1q2(n, s, q1, q2, r2);
	pkcs1_sha256_le(rsa_msg, sizeof(rsa_msg), em);
	assert_memory_equal(r2, em, sizeof(em));

	/* Empty message. */
	assert_int_equal(crypto_rsa_sign(rsa_key, "", 0, s), 0);
	assert_int_equal(crypto_rsa3072_verify(n, 3, s, "", 0), 0);
	assert_int_equal(crypto_rsa3072_q1q2(n, s, q1, q2), 0);
	check_q1q2(n, s, q1, q2, r2);
	pkcs1_sha256_le("", 0, em);
	assert_memory_equal(r2, em, sizeof(em));
}

enum rsa_field { F_MSG, F_SIG, F_MOD };

static const struct {
	unsigned int row;
	enum rsa_field field;
	size_t pos;
	uint8_t mask;
	int want;
} rsa_tamper_rows[] = {
	{ 1, F_MSG, 0, 0x01, -EBADMSG },
	{ 2, F_MSG, 20, 0x80, -EBADMSG },
	{ 3, F_MSG, sizeof(rsa_msg) - 1, 0x01, -EBADMSG },
	{ 4, F_SIG, 0, 0x01, -EBADMSG },
	{ 5, F_SIG, 1, 0x10, -EBADMSG },
	{ 6, F_SIG, 191, 0x04, -EBADMSG },
	{ 7, F_SIG, 382, 0x01, -EBADMSG },
	{ 8, F_SIG, 383, 0x01, -EBADMSG },
	{ 9, F_MOD, 0, 0x02, -EBADMSG },
	{ 10, F_MOD, 100, 0x20, -EBADMSG },
	{ 11, F_MOD, 383, 0x01, -EBADMSG },
	{ 12, F_MOD, 383, 0x80, -EBADMSG },     /* n shrinks below s */
	{ 13, F_MOD, 0, 0x01, -EINVAL },        /* an even modulus */
};

static void test_rsa_tamper(void **state)
{
	uint8_t n0[CRYPTO_RSA3072_LEN], s0[CRYPTO_RSA3072_LEN];

	(void)state;
	assert_int_equal(crypto_rsa_modulus_le(rsa_key, n0), 0);
	assert_int_equal(crypto_rsa_sign(rsa_key, rsa_msg, sizeof(rsa_msg), s0), 0);
	for (size_t i = 0; i < sizeof(rsa_tamper_rows) / sizeof(rsa_tamper_rows[0]); i++) {
		uint8_t n[CRYPTO_RSA3072_LEN], s[CRYPTO_RSA3072_LEN];
		char msg[sizeof(rsa_msg)];
		uint8_t *f = NULL;

		memcpy(n, n0, sizeof(n));
		memcpy(s, s0, sizeof(s));
		memcpy(msg, rsa_msg, sizeof(msg));
		switch (rsa_tamper_rows[i].field) {
		case F_MSG: f = (uint8_t *)msg; break;
		case F_SIG: f = s; break;
		case F_MOD: f = n; break;
		}
		f[rsa_tamper_rows[i].pos] ^= rsa_tamper_rows[i].mask;
		ROW_EQ(rsa_tamper_rows[i].row, crypto_rsa3072_verify(n, 3, s, msg, sizeof(msg)),
		       rsa_tamper_rows[i].want);
	}
}

static void test_rsa_bad_inputs(void **state)
{
	uint8_t n[CRYPTO_RSA3072_LEN], s[CRYPTO_RSA3072_LEN], bad[CRYPTO_RSA3072_LEN];
	uint8_t q1[CRYPTO_RSA3072_LEN], q2[CRYPTO_RSA3072_LEN], r2[CRYPTO_RSA3072_LEN];
	uint8_t zero[CRYPTO_RSA3072_LEN] = { 0 };

	(void)state;
	assert_int_equal(crypto_rsa_modulus_le(rsa_key, n), 0);
	assert_int_equal(crypto_rsa_sign(rsa_key, rsa_msg, sizeof(rsa_msg), s), 0);

	/* s >= n: s = n, s = n + 2, s = 2^3072 - 1. */
	assert_int_equal(crypto_rsa3072_verify(n, 3, n, rsa_msg, sizeof(rsa_msg)), -EBADMSG);
	memcpy(bad, n, sizeof(bad));
	bad[0] += 2;                    /* n is odd, no carry out of byte 0 unless 0xff */
	if (bad[0] > 1)
		assert_int_equal(crypto_rsa3072_verify(n, 3, bad, rsa_msg, sizeof(rsa_msg)),
				 -EBADMSG);
	memset(bad, 0xff, sizeof(bad));
	assert_int_equal(crypto_rsa3072_verify(n, 3, bad, rsa_msg, sizeof(rsa_msg)), -EBADMSG);
	/* s = 0 and s = 1 are residues, but not signatures. */
	assert_int_equal(crypto_rsa3072_verify(n, 3, zero, rsa_msg, sizeof(rsa_msg)), -EBADMSG);
	memcpy(bad, zero, sizeof(bad));
	bad[0] = 1;
	assert_int_equal(crypto_rsa3072_verify(n, 3, bad, rsa_msg, sizeof(rsa_msg)), -EBADMSG);

	/* Other exponents, malformed keys. */
	assert_int_equal(crypto_rsa3072_verify(n, 65537, s, rsa_msg, sizeof(rsa_msg)), -EBADMSG);
	assert_int_equal(crypto_rsa3072_verify(n, 0, s, rsa_msg, sizeof(rsa_msg)), -EINVAL);
	assert_int_equal(crypto_rsa3072_verify(zero, 3, s, rsa_msg, sizeof(rsa_msg)), -EINVAL);
	assert_int_equal(crypto_rsa3072_q1q2(zero, s, q1, q2), -EINVAL);

	/* q1/q2 of arbitrary s < n still satisfy their defining identities. */
	memset(bad, 0x5a, sizeof(bad));
	bad[CRYPTO_RSA3072_LEN - 1] = 0x01;
	assert_int_equal(crypto_rsa3072_q1q2(n, bad, q1, q2), 0);
	check_q1q2(n, bad, q1, q2, r2);
	assert_int_equal(crypto_rsa3072_q1q2(n, zero, q1, q2), 0);
	assert_memory_equal(q1, zero, sizeof(q1));
	assert_memory_equal(q2, zero, sizeof(q2));
}

/* ---- PEM files ------------------------------------------------------------------- */

/* A 1024-bit, e = 3 test key in the traditional PKCS#1 form. */
static const char pem_rsa1024_pkcs1[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIICWwIBAAKBgQCv1KfN+Z+TxrCfbZBI8EcYSDtMVfKJDgQrRlt3je+gV1rBh+2R\n"
	"1BFGZ974+59kawVPDf1WtVQL7hdatkmXYB03SU8DmKC1fGcbv3bmEvQ7jq21mpug\n"
	"ebPHzuiQZHX//bwpK+D0QOsCQQ+K+7tj4ByRcs9eAGhfCxrImlawNlKbwQIBAwKB\n"
	"gHU4b96mamKEdb+eYDCgL2WFfN2OobC0AseEPPpen8A6PIEFSQviti7v6ftSakLy\n"
	"A4oJU48jjV1JZOckMQ+VaM5qd51GySC4NO1wLI0xupuqV9vr/fwR0DL9jZ/OMPKu\n"
	"uVKSlTm1WOs6tveGzlH1T4Y06b0OFpUa0cfFF1+4GbyrAkEA5VJgftU1ltEs6rGF\n"
	"8dCNip3fjbBLDBBIVXdNYK+742sEvmqsoqfCJ6MlL4hiWDb91mi0K4RUI4Nxctdl\n"
	"/CbEkQJBAMRJNy+dztFGiqyCjFaLxISMDCruW1LrMv0c00582BQ7KJGWcQ4930FZ\n"
	"8oH9hpfuSk0IDj/CKz9cq3/cOqYFPDECQQCY4ZWp43kPNh3xy66hNbOxvpUJIDII\n"
	"CtrjpN5AdSfs8gMpnHMXGoFvwhjKWuw6z1PkRc1yWDgXrPZMj5lSxIMLAkEAgtt6\n"
	"H76J4NmxyFcIObKDAwgIHJ7njJzMqL3iNFM6uCdwYQ72CX6U1jv3AVOvD/QxiLAJ\n"
	"f9bHf5Mc/+gnGVjSywJAKx2Yyb4jpIPu7oFc5KX4NilE5whHrskb4htqTyHvyN9j\n"
	"jgzuJmtjjZJwgJN6N9bxSG25rWWJ/ofOdpmqfGwyBA==\n"
	"-----END RSA PRIVATE KEY-----\n";

/* The public half of the key above: a key, but not a private one. */
static const char pem_rsa1024_public[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MIGdMA0GCSqGSIb3DQEBAQUAA4GLADCBhwKBgQCv1KfN+Z+TxrCfbZBI8EcYSDtM\n"
	"VfKJDgQrRlt3je+gV1rBh+2R1BFGZ974+59kawVPDf1WtVQL7hdatkmXYB03SU8D\n"
	"mKC1fGcbv3bmEvQ7jq21mpugebPHzuiQZHX//bwpK+D0QOsCQQ+K+7tj4ByRcs9e\n"
	"AGhfCxrImlawNlKbwQIBAw==\n"
	"-----END PUBLIC KEY-----\n";

/* A P-256 private key: private, but not RSA. */
static const char pem_ec_private[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUKbg8iXAxUPLDZc7\n"
	"+HHUwmmtdrcROazrDopumYZOBDqhRANCAATkFVL28WPHG6o6HAKtoHQwMzDBBAPa\n"
	"0EmTw+MFibNx6EDvbSJwdVMl7glQPMebw8HjddXlDBXA0X8jtymiy7fr\n"
	"-----END PRIVATE KEY-----\n";

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_pem_round_trip(void **state)
{
	char dir[] = "/tmp/sgxemu-test-crypto-XXXXXX";
	char key_path[64], junk_path[64], missing_path[64];
	uint8_t n1[CRYPTO_RSA3072_LEN], n2[CRYPTO_RSA3072_LEN];
	uint8_t s1[CRYPTO_RSA3072_LEN], s2[CRYPTO_RSA3072_LEN];
	struct crypto_rsa_key *loaded = NULL;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	snprintf(junk_path, sizeof(junk_path), "%s/junk.pem", dir);
	snprintf(missing_path, sizeof(missing_path), "%s/missing.pem", dir);

	assert_int_equal(crypto_rsa_save_pem(rsa_key, key_path), 0);
	assert_int_equal(stat(key_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(crypto_rsa_save_pem(rsa_key, key_path), -EEXIST);

	assert_int_equal(crypto_rsa_load_pem(key_path, &loaded), 0);
	assert_int_equal(crypto_rsa_bits(loaded), 3072);
	assert_int_equal(crypto_rsa_exponent(loaded), 3);
	assert_int_equal(crypto_rsa_modulus_le(rsa_key, n1), 0);
	assert_int_equal(crypto_rsa_modulus_le(loaded, n2), 0);
	assert_memory_equal(n1, n2, sizeof(n1));
	assert_int_equal(crypto_rsa_sign(rsa_key, rsa_msg, sizeof(rsa_msg), s1), 0);
	assert_int_equal(crypto_rsa_sign(loaded, rsa_msg, sizeof(rsa_msg), s2), 0);
	assert_memory_equal(s1, s2, sizeof(s1));
	crypto_rsa_free(loaded);
	crypto_rsa_free(NULL);

	assert_int_equal(crypto_rsa_load_pem(missing_path, &loaded), -ENOENT);
	write_file(junk_path, "this is not a key\n", 18);
	assert_int_equal(crypto_rsa_load_pem(junk_path, &loaded), -EBADMSG);
	assert_int_equal(unlink(junk_path), 0);
	write_file(junk_path, "", 0);
	assert_int_equal(crypto_rsa_load_pem(junk_path, &loaded), -EBADMSG);

	assert_int_equal(unlink(junk_path), 0);
	assert_int_equal(unlink(key_path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_pem_mem(void **state)
{
	static const char truncated[] =
		"-----BEGIN RSA PRIVATE KEY-----\n"
		"MIICWwIBAAKBgQCv1KfN+Z+TxrCfbZBI8EcYSDtMVfKJDgQrRlt3je+gV1rBh+2R\n"
		"-----END RSA PRIVATE KEY-----\n";
	struct crypto_rsa_key *k = NULL;
	uint8_t out[CRYPTO_RSA3072_LEN];

	(void)state;
	assert_int_equal(crypto_rsa_load_pem_mem(pem_rsa1024_pkcs1, strlen(pem_rsa1024_pkcs1),
						 &k), 0);
	assert_int_equal(crypto_rsa_bits(k), 1024);
	assert_int_equal(crypto_rsa_exponent(k), 3);
	/* Only 3072-bit keys make SIGSTRUCTs. */
	assert_int_equal(crypto_rsa_modulus_le(k, out), -EINVAL);
	assert_int_equal(crypto_rsa_sign(k, "x", 1, out), -EINVAL);
	crypto_rsa_free(k);

	assert_int_equal(crypto_rsa_load_pem_mem(pem_rsa1024_public, strlen(pem_rsa1024_public),
						 &k), -EINVAL);
	assert_int_equal(crypto_rsa_load_pem_mem(pem_ec_private, strlen(pem_ec_private), &k),
			 -EINVAL);
	assert_int_equal(crypto_rsa_load_pem_mem(truncated, strlen(truncated), &k), -EBADMSG);
	assert_int_equal(crypto_rsa_load_pem_mem("garbage", 7, &k), -EBADMSG);
	assert_int_equal(crypto_rsa_load_pem_mem("", 0, &k), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_kat),
		cmocka_unit_test(test_sha256_million_a_and_dup),
		cmocka_unit_test(test_gcm_kat),
		cmocka_unit_test(test_gcm_tamper),
		cmocka_unit_test(test_gcm_realloc_same_address),
		cmocka_unit_test(test_gcm_many_keys),
		cmocka_unit_test(test_gcm_two_threads),
		cmocka_unit_test(test_gcm_thread_lifetimes),
		cmocka_unit_test(test_cmac_rfc4493),
		cmocka_unit_test(test_random_wipe_memeq),
		cmocka_unit_test(test_rsa_key_shape),
		cmocka_unit_test(test_rsa_sign_verify_independent),
		cmocka_unit_test(test_rsa_tamper),
		cmocka_unit_test(test_rsa_bad_inputs),
		cmocka_unit_test(test_pem_round_trip),
		cmocka_unit_test(test_pem_mem),
	};

	return cmocka_run_group_tests(tests, rsa_setup, rsa_teardown);
}
