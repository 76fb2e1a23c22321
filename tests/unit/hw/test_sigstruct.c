/* SPDX-License-Identifier: MIT */
/*
 * hw/sigstruct.c: sign and verify, and the code EINIT returns for a change
 * to every part of a SIGSTRUCT. One RSA-3072 key serves every row.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "sgx_arch.h"
#include "sgx_errors.h"
#include "sigstruct.h"

#define ROW_EQ(row, a, b) \
	do { \
		long long a_ = (a), b_ = (b); \
		if (a_ != b_) \
			fail_msg("row %u: %s = %lld, expected %lld", (unsigned int)(row), #a, a_, b_); \
	} while (0)

static struct crypto_rsa_key *key;
static struct sgx_sigstruct signed_ss;  /* a valid SIGSTRUCT, signed in setup */

static void fill_body(struct sgx_sigstruct *s)
{
	s->header.date = 0x20240101;
	s->header.swdefined = 0x12345678;
	s->body.attributes = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	s->body.xfrm = SGX_XFRM_LEGACY;
	s->body.attributes_mask = ~0ull;
	s->body.xfrm_mask = ~0ull;
	s->body.miscselect = 1;
	s->body.misc_mask = ~0u;
	s->body.isvprodid = 7;
	s->body.isvsvn = 3;
	for (unsigned int i = 0; i < sizeof(s->body.mrenclave); i++)
		s->body.mrenclave[i] = (uint8_t)(0xa0 + i);
}

static int setup(void **state)
{
	(void)state;
	if (crypto_rsa_generate(3072, &key))
		return -1;
	sigstruct_init(&signed_ss);
	fill_body(&signed_ss);
	return sigstruct_sign(&signed_ss, key) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	crypto_rsa_free(key);
	return 0;
}

static void test_init(void **state)
{
	struct sgx_sigstruct s;
	const uint8_t *p = (const uint8_t *)&s;

	(void)state;
	memset(&s, 0xcc, sizeof(s));
	sigstruct_init(&s);
	assert_int_equal(s.header.header1[0], SGX_SIGSTRUCT_HEADER1_0);
	assert_int_equal(s.header.header1[1], SGX_SIGSTRUCT_HEADER1_1);
	assert_int_equal(s.header.header2[0], SGX_SIGSTRUCT_HEADER2_0);
	assert_int_equal(s.header.header2[1], SGX_SIGSTRUCT_HEADER2_1);
	assert_int_equal(s.header.vendor, 0);
	assert_int_equal(s.exponent, 3);
	/* Everything else is zero. */
	for (size_t i = 0; i < sizeof(s); i++) {
		if (i < 16 || (i >= 24 && i < 40) || (i >= 512 && i < 516))
			continue;
		if (p[i])
			fail_msg("byte %zu = %#x", i, p[i]);
	}
}

static void test_sign_verify(void **state)
{
	uint8_t mrsigner[32], want[32], n[SGX_MODULUS_SIZE];

	(void)state;
	memset(mrsigner, 0, sizeof(mrsigner));
	assert_int_equal(sigstruct_verify(&signed_ss, mrsigner), SGX_SUCCESS);
	/* MRSIGNER = SHA-256 of the modulus exactly as stored (little endian). */
	assert_int_equal(crypto_sha256(signed_ss.modulus, SGX_MODULUS_SIZE, want), 0);
	assert_memory_equal(mrsigner, want, 32);
	assert_int_equal(crypto_rsa_modulus_le(key, n), 0);
	assert_memory_equal(signed_ss.modulus, n, sizeof(n));
	assert_int_equal(signed_ss.exponent, 3);
	/* Signing leaves HEADER and BODY alone. */
	assert_int_equal(signed_ss.header.header1[0], SGX_SIGSTRUCT_HEADER1_0);
	assert_int_equal(signed_ss.body.isvprodid, 7);
}

/*
 * One byte of the SIGSTRUCT XORed with a mask, by absolute offset. Offsets
 * of the fields: header 0..127 (HEADER 0..15, VENDOR 16, DATE 20, HEADER2
 * 24..39, SWDEFINED 40, reserved 44..127), MODULUS 128..511, EXPONENT
 * 512..515, SIGNATURE 516..899, BODY 900..1027, reserved 1028..1039,
 * Q1 1040..1423, Q2 1424..1807.
 */
static const struct {
	unsigned int row;
	size_t offset;
	uint8_t mask;
	unsigned int want;
} tamper_rows[] = {
	/* HEADER, HEADER2, VENDOR: fixed fields */
	{ 1, 0, 0x01, SGX_INVALID_SIG_STRUCT },
	{ 2, 5, 0x80, SGX_INVALID_SIG_STRUCT },
	{ 3, 15, 0x01, SGX_INVALID_SIG_STRUCT },
	{ 4, 16, 0x01, SGX_INVALID_SIG_STRUCT },
	{ 5, 19, 0x80, SGX_INVALID_SIG_STRUCT },
	{ 6, 24, 0x01, SGX_INVALID_SIG_STRUCT },
	{ 7, 32, 0x02, SGX_INVALID_SIG_STRUCT },
	{ 8, 39, 0x80, SGX_INVALID_SIG_STRUCT },
	/* DATE and SWDEFINED are signed; the header's reserved space must be 0 */
	{ 9, 20, 0x01, SGX_INVALID_SIGNATURE },
	{ 10, 40, 0x01, SGX_INVALID_SIGNATURE },
	{ 11, 44, 0x01, SGX_INVALID_SIG_STRUCT },
	{ 12, 127, 0x80, SGX_INVALID_SIG_STRUCT },
	/* MODULUS (row 13 makes it even) */
	{ 13, 128, 0x01, SGX_INVALID_SIGNATURE },
	{ 14, 129, 0x40, SGX_INVALID_SIGNATURE },
	{ 15, 300, 0x08, SGX_INVALID_SIGNATURE },
	{ 16, 511, 0x80, SGX_INVALID_SIGNATURE },
	/* EXPONENT: anything but 3 is a malformed SIGSTRUCT */
	{ 17, 512, 0x01, SGX_INVALID_SIG_STRUCT },
	{ 18, 515, 0x01, SGX_INVALID_SIG_STRUCT },
	/* SIGNATURE */
	{ 19, 516, 0x01, SGX_INVALID_SIGNATURE },
	{ 20, 700, 0x20, SGX_INVALID_SIGNATURE },
	{ 21, 899, 0x01, SGX_INVALID_SIGNATURE },
	/* BODY */
	{ 22, 900, 0x01, SGX_INVALID_SIGNATURE },
	{ 23, 928, 0x04, SGX_INVALID_SIGNATURE },
	{ 24, 960, 0x01, SGX_INVALID_SIGNATURE },
	{ 25, 1027, 0x80, SGX_INVALID_SIGNATURE },
	/* reserved space: in BODY (992..1007) and after it (1028..1039) */
	{ 26, 1028, 0xff, SGX_INVALID_SIG_STRUCT },
	{ 27, 1039, 0xff, SGX_INVALID_SIG_STRUCT },
	{ 34, 992, 0x01, SGX_INVALID_SIG_STRUCT },
	{ 35, 1007, 0x80, SGX_INVALID_SIG_STRUCT },
	/* Q1 */
	{ 28, 1040, 0x01, SGX_INVALID_SIGNATURE },
	{ 29, 1200, 0x10, SGX_INVALID_SIGNATURE },
	{ 30, 1423, 0x01, SGX_INVALID_SIGNATURE },
	/* Q2 */
	{ 31, 1424, 0x01, SGX_INVALID_SIGNATURE },
	{ 32, 1600, 0x80, SGX_INVALID_SIGNATURE },
	{ 33, 1807, 0x01, SGX_INVALID_SIGNATURE },
};

static void test_tamper(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tamper_rows) / sizeof(tamper_rows[0]); i++) {
		struct sgx_sigstruct s = signed_ss;
		uint8_t mrsigner[32];

		((uint8_t *)&s)[tamper_rows[i].offset] ^= tamper_rows[i].mask;
		ROW_EQ(tamper_rows[i].row, sigstruct_verify(&s, mrsigner), tamper_rows[i].want);
	}
}

/* Vendor and exponent, each re-signed so only the field itself is wrong. */
static const struct {
	unsigned int row;
	uint32_t vendor;
	uint32_t exponent;
	unsigned int want;
} field_rows[] = {
	{ 1, 0, 3, SGX_SUCCESS },
	{ 2, SGX_SIGSTRUCT_VENDOR_INTEL, 3, SGX_SUCCESS },
	{ 3, 0x1234, 3, SGX_INVALID_SIG_STRUCT },
	{ 4, 0x80860000, 3, SGX_INVALID_SIG_STRUCT },
	{ 5, 1, 3, SGX_INVALID_SIG_STRUCT },
	{ 6, 0, 65537, SGX_INVALID_SIG_STRUCT },
	{ 7, 0, 1, SGX_INVALID_SIG_STRUCT },
	{ 8, 0, 0, SGX_INVALID_SIG_STRUCT },
	/* the header check comes first */
	{ 9, 0x1234, 65537, SGX_INVALID_SIG_STRUCT },
};

static void test_vendor_exponent(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(field_rows) / sizeof(field_rows[0]); i++) {
		unsigned int row = field_rows[i].row;
		struct sgx_sigstruct s;
		uint8_t mrsigner[32];

		sigstruct_init(&s);
		fill_body(&s);
		s.header.vendor = field_rows[i].vendor;
		ROW_EQ(row, sigstruct_sign(&s, key), 0);
		s.exponent = field_rows[i].exponent;
		ROW_EQ(row, sigstruct_verify(&s, mrsigner), field_rows[i].want);
	}
}

/* Several things wrong at once: the first check in EINIT's order wins. */
static void test_order(void **state)
{
	struct sgx_sigstruct s = signed_ss;
	uint8_t mrsigner[32];

	(void)state;
	s.signature[10] ^= 1;
	s.q1[0] ^= 1;
	assert_int_equal(sigstruct_verify(&s, mrsigner), SGX_INVALID_SIGNATURE);
	/* The header, exponent and reserved-space checks come before the signature. */
	s.exponent = 65537;
	assert_int_equal(sigstruct_verify(&s, mrsigner), SGX_INVALID_SIG_STRUCT);
	s.exponent = 3;
	s.header.header2[1] ^= 1;
	assert_int_equal(sigstruct_verify(&s, mrsigner), SGX_INVALID_SIG_STRUCT);

	/* A SIGSTRUCT of zeros is not a SIGSTRUCT. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(sigstruct_verify(&s, mrsigner), SGX_INVALID_SIG_STRUCT);
	/* Right headers, nothing else. */
	sigstruct_init(&s);
	assert_int_equal(sigstruct_verify(&s, mrsigner), SGX_INVALID_SIGNATURE);
}

/* q1/q2 describe the signature: right signature with another's q1/q2 fails. */
static void test_q_swap(void **state)
{
	struct sgx_sigstruct other, s;
	uint8_t mrsigner[32];

	(void)state;
	other = signed_ss;
	other.body.isvsvn++;
	assert_int_equal(sigstruct_sign(&other, key), 0);
	assert_int_equal(sigstruct_verify(&other, mrsigner), SGX_SUCCESS);
	s = signed_ss;
	memcpy(s.q1, other.q1, sizeof(s.q1));
	assert_int_equal(sigstruct_verify(&s, mrsigner), SGX_INVALID_SIGNATURE);
	s = signed_ss;
	memcpy(s.q2, other.q2, sizeof(s.q2));
	assert_int_equal(sigstruct_verify(&s, mrsigner), SGX_INVALID_SIGNATURE);
	s = signed_ss;
	memset(s.q1, 0, sizeof(s.q1));
	memset(s.q2, 0, sizeof(s.q2));
	assert_int_equal(sigstruct_verify(&s, mrsigner), SGX_INVALID_SIGNATURE);
}

/* A 1024-bit, e = 3 key: not a SIGSTRUCT key. */
static const char pem_rsa1024[] =
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

static void test_sign_wrong_key(void **state)
{
	struct crypto_rsa_key *small;
	struct sgx_sigstruct s;

	(void)state;
	assert_int_equal(crypto_rsa_load_pem_mem(pem_rsa1024, strlen(pem_rsa1024), &small), 0);
	sigstruct_init(&s);
	assert_int_equal(sigstruct_sign(&s, small), -EINVAL);
	crypto_rsa_free(small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_vendor_exponent),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_q_swap),
		cmocka_unit_test(test_sign_wrong_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
