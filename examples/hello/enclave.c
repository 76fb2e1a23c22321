// SPDX-License-Identifier: MIT
/*
 * examples/hello enclave: freestanding, no libc, written only against the
 * SGX architecture (SDM structures and ENCLU leaves), so an SGX machine
 * runs it as it is. Blobs and reports from outside are copied in before
 * they are checked. (A real enclave would also check that the heap size
 * the host passes stays inside its ELRANGE; this one trusts it.)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "enclave_aes.h"
#include "hello.h"
#include "sgx_arch.h"

#define ENCLU_EREPORT 0
#define ENCLU_EGETKEY 1
#define PAGE 4096ull

extern uint8_t encl_image_end[];

static uint64_t greetings;

/* The leaves' operands live in enclave memory, aligned as the SDM asks. */
static struct sgx_keyrequest keyrequest;
static struct sgx_targetinfo targetinfo;
static struct sgx_report report;
static uint8_t reportdata[64] __attribute__((aligned(128)));
static uint8_t key[16] __attribute__((aligned(16)));

void enclave_main(struct hello_msg *msg);

static uint64_t enclu(uint64_t leaf, uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
	__asm__ volatile("enclu" : "+a"(leaf), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory");
	return leaf;
}

static int equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	while (n--)
		d |= *a++ ^ *b++;
	return d == 0;
}

static void random_bytes(uint8_t *p, size_t n)
{
	uint64_t v;

	while (n) {
		while (!__builtin_ia32_rdrand64_step((unsigned long long *)&v))
			;
		for (int i = 0; i < 8 && n; i++, n--)
			*p++ = (uint8_t)(v >> (8 * i));
	}
}

/* This enclave's own REPORT body (CPUSVN, ISVSVN, MRENCLAVE...). */
static void self_report(void)
{
	memset(&targetinfo, 0, sizeof(targetinfo));
	memset(reportdata, 0, sizeof(reportdata));
	enclu(ENCLU_EREPORT, (uint64_t)&targetinfo, (uint64_t)reportdata, (uint64_t)&report);
}

/*
 * The SEAL key for @key_id, bound to the signer (MRSIGNER policy): a later
 * version of the enclave from the same signer can unseal. Then two keys
 * from it, one to encrypt, one to authenticate.
 */
static int seal_keys(const uint8_t key_id[32], uint8_t enc[16], uint8_t mac[16])
{
	static const uint8_t enc_label[16] = "hello/seal/enc";
	static const uint8_t mac_label[16] = "hello/seal/mac";

	self_report();
	memset(&keyrequest, 0, sizeof(keyrequest));
	keyrequest.key_name = SGX_KEYSELECT_SEAL;
	keyrequest.key_policy = SGX_KEYPOLICY_MRSIGNER;
	keyrequest.isv_svn = report.body.isv_svn;
	memcpy(keyrequest.cpusvn, report.body.cpusvn, sizeof(keyrequest.cpusvn));
	keyrequest.attribute_mask.flags = SGX_ATTR_INIT | SGX_ATTR_DEBUG;
	memcpy(keyrequest.key_id, key_id, 32);
	if (enclu(ENCLU_EGETKEY, (uint64_t)&keyrequest, (uint64_t)key, 0))
		return HELLO_EKEY;
	aes_block(key, enc_label, enc);
	aes_block(key, mac_label, mac);
	memset(key, 0, sizeof(key));
	return HELLO_OK;
}

static int seal(struct hello_msg *msg)
{
	struct hello_blob b;
	uint8_t enc[16], mac[16];
	char text[HELLO_TEXT];
	int ret;

	memcpy(text, msg->text, sizeof(text));
	random_bytes(b.key_id, sizeof(b.key_id));
	random_bytes(b.nonce, sizeof(b.nonce));
	ret = seal_keys(b.key_id, enc, mac);
	if (ret)
		return ret;
	aes_ctr(enc, b.nonce, (const uint8_t *)text, b.text, sizeof(b.text));
	aes_cmac(mac, (const uint8_t *)&b, offsetof(struct hello_blob, tag), b.tag);
	memset(enc, 0, sizeof(enc));
	memset(mac, 0, sizeof(mac));
	memcpy(&msg->blob, &b, sizeof(b));
	return HELLO_OK;
}

static int unseal(struct hello_msg *msg)
{
	struct hello_blob b;
	uint8_t enc[16], mac[16], tag[16];
	char text[HELLO_TEXT];
	int ret;

	memcpy(&b, &msg->blob, sizeof(b));
	ret = seal_keys(b.key_id, enc, mac);
	if (ret)
		return ret;
	aes_cmac(mac, (const uint8_t *)&b, offsetof(struct hello_blob, tag), tag);
	memset(mac, 0, sizeof(mac));
	if (!equal(tag, b.tag, sizeof(tag))) {
		memset(enc, 0, sizeof(enc));
		return HELLO_ETAG;
	}
	aes_ctr(enc, b.nonce, b.text, (uint8_t *)text, sizeof(text));
	memset(enc, 0, sizeof(enc));
	text[HELLO_TEXT - 1] = 0;
	memcpy(msg->text, text, sizeof(text));
	return HELLO_OK;
}

/* A REPORT for the enclave TARGETINFO describes, carrying msg->text. */
static int make_report(struct hello_msg *msg)
{
	memcpy(&targetinfo, msg->targetinfo, sizeof(targetinfo));
	memset(reportdata, 0, sizeof(reportdata));
	memcpy(reportdata, msg->text, sizeof(msg->text));
	enclu(ENCLU_EREPORT, (uint64_t)&targetinfo, (uint64_t)reportdata, (uint64_t)&report);
	memcpy(msg->report, &report, SGX_REPORT_SIZE);
	return HELLO_OK;
}

/*
 * Was msg->report made by this CPU for this enclave, by an enclave with
 * our own code? The REPORT key only this enclave can get says the first;
 * MRENCLAVE the second.
 */
static int verify_report(struct hello_msg *msg)
{
	struct sgx_report in;
	uint8_t mac[16];
	uint8_t mine[32];

	memcpy(&in, msg->report, SGX_REPORT_SIZE);
	self_report();
	memcpy(mine, report.body.mrenclave, sizeof(mine));
	memset(&keyrequest, 0, sizeof(keyrequest));
	keyrequest.key_name = SGX_KEYSELECT_REPORT;
	memcpy(keyrequest.key_id, in.key_id, sizeof(keyrequest.key_id));
	if (enclu(ENCLU_EGETKEY, (uint64_t)&keyrequest, (uint64_t)key, 0))
		return HELLO_EKEY;
	aes_cmac(key, (const uint8_t *)&in.body, sizeof(in.body), mac);
	memset(key, 0, sizeof(key));
	if (!equal(mac, in.mac, sizeof(mac)) || !equal(in.body.mrenclave, mine, sizeof(mine)))
		return HELLO_ETAG;
	memcpy(msg->text, in.body.report_data, sizeof(msg->text));
	msg->text[HELLO_TEXT - 1] = 0;
	return HELLO_OK;
}

/* Write a position-dependent pattern over the heap, then check all of it. */
static int sweep(struct hello_msg *msg)
{
	uint64_t size = msg->heap_size & ~(PAGE - 1), off, ok = 0;
	volatile uint64_t *p;

	for (off = 0; off < size; off += PAGE) {
		p = (volatile uint64_t *)(encl_image_end + off);
		p[0] = off ^ 0x5eed5eed5eed5eedull;
		p[PAGE / 8 - 1] = ~off;
	}
	for (off = 0; off < size; off += PAGE) {
		p = (volatile uint64_t *)(encl_image_end + off);
		ok += p[0] == (off ^ 0x5eed5eed5eed5eedull) && p[PAGE / 8 - 1] == ~off;
	}
	msg->pages_checked = ok;
	return ok == size / PAGE ? HELLO_OK : HELLO_ECORRUPT;
}

void enclave_main(struct hello_msg *msg)
{
	int ret;

	switch (msg->op) {
	case HELLO_OP_GREET:
		greetings++;
		memcpy(msg->text, "Hello from inside the enclave", 30);
		msg->counter = greetings;
		ret = HELLO_OK;
		break;
	case HELLO_OP_SEAL:
		ret = seal(msg);
		break;
	case HELLO_OP_UNSEAL:
		ret = unseal(msg);
		break;
	case HELLO_OP_REPORT:
		ret = make_report(msg);
		break;
	case HELLO_OP_VERIFY:
		ret = verify_report(msg);
		break;
	case HELLO_OP_SWEEP:
		ret = sweep(msg);
		break;
	default:
		ret = HELLO_EINVAL;
		break;
	}
	msg->status = ret;
}
