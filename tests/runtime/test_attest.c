// SPDX-License-Identifier: MIT
/*
 * Local attestation between two enclaves: A makes an EREPORT for B's
 * TARGETINFO; B derives its REPORT key with EGETKEY and checks the MAC
 * itself (AES-CMAC inside the enclave). A report altered in transit, or
 * made for another target, does not verify.
 */
#include <string.h>

#include "rt_test_util.h"

static struct rtt r;
static struct rtt_encl a, b;

static int setup(void **state)
{
	(void)state;
	rtt_up(&r, NULL);
	/* Different heaps: different MRENCLAVEs. */
	rtt_load(&r, &a, 1);
	rtt_load(&r, &b, 2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rtt_unload(&b);
	rtt_unload(&a);
	rtt_down(&r);
	return 0;
}

static struct sgx_targetinfo ti;
static struct sgx_report rep, self_b;
static uint8_t reportdata[64] __attribute__((aligned(128)));

static void ereport(struct rtt_encl *e, const struct sgx_targetinfo *target, struct sgx_report *out)
{
	struct encl_op op = { .op = ENCL_OP_EREPORT };

	op.arg[0] = (uint64_t)(uintptr_t)target;
	op.arg[1] = (uint64_t)(uintptr_t)reportdata;
	op.arg[2] = (uint64_t)(uintptr_t)out;
	rtt_call(e, 0, &op);
}

static uint64_t verify(struct rtt_encl *e, const struct sgx_report *in)
{
	struct encl_op op = { .op = ENCL_OP_VERIFY_REPORT, .arg = { (uint64_t)(uintptr_t)in } };

	rtt_call(e, 1, &op);
	assert_int_equal(op.ret[1], 0);         /* EGETKEY succeeded */
	return op.ret[0];
}

/* B's TARGETINFO from a report B makes about itself. */
static void targetinfo_of(struct rtt_encl *e, struct sgx_targetinfo *out, struct sgx_report *self)
{
	static struct sgx_targetinfo zero;

	ereport(e, &zero, self);
	memset(out, 0, sizeof(*out));
	memcpy(out->measurement, self->body.mrenclave, sizeof(out->measurement));
	out->attributes = self->body.attributes;
	out->miscselect = self->body.miscselect;
}

static void test_local_attestation(void **state)
{
	(void)state;
	memset(reportdata, 0x5a, sizeof(reportdata));
	targetinfo_of(&b, &ti, &self_b);
	ereport(&a, &ti, &rep);
	/* A's identity and data are in the report... */
	assert_memory_not_equal(rep.body.mrenclave, self_b.body.mrenclave, 32);
	assert_memory_equal(rep.body.report_data, reportdata, sizeof(reportdata));
	/* ...and B can check that the CPU made it for B. */
	assert_int_equal(verify(&b, &rep), 1);
}

static void test_tampered_report(void **state)
{
	struct sgx_report bad;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(rep.body); i += 47) {
		bad = rep;
		((uint8_t *)&bad.body)[i] ^= 1;
		assert_int_equal(verify(&b, &bad), 0);
	}
	bad = rep;
	bad.mac[0] ^= 0x80;
	assert_int_equal(verify(&b, &bad), 0);
}

static void test_report_for_another_target(void **state)
{
	struct sgx_targetinfo ti_a;
	struct sgx_report self_a, for_a;

	(void)state;
	targetinfo_of(&a, &ti_a, &self_a);
	ereport(&a, &ti_a, &for_a);
	assert_int_equal(verify(&a, &for_a), 1);
	/* Made for A: B's REPORT key does not match. */
	assert_int_equal(verify(&b, &for_a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_attestation),
		cmocka_unit_test(test_tampered_report),
		cmocka_unit_test(test_report_for_another_target),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
