// SPDX-License-Identifier: MIT
/*
 * EREPORT and EGETKEY: local attestation end to end (a REPORT verifies with
 * its target's REPORT key and no other), sealing keys across platform
 * instances and key files, key policies, and numbered tables for every
 * SGX error code and fault of both leaves.
 *
 * Operands live in the default enclave's RW page at 0x4000: KEYREQUEST or
 * TARGETINFO at 0x4000, REPORTDATA at 0x4200, output at 0x4400. The RX page
 * at 0x3000 and the TCS at 0 serve as pages an operand may not use.
 */
#include "encls_test.h"

#define REQ_OFF   0x4000
#define DATA_OFF  0x4200
#define OUT_OFF   0x4400

struct encl {
	struct hwt_encl e;
	struct hw_lp lp;
};

static struct hwt t1, t2, t3;
static struct encl a, b, c;

static uint8_t *pg(struct encl *x, uint64_t off)
{
	uint8_t *p = hwt_lookup(&x->e, x->e.base + (off & SGX_PAGE_MASK));

	assert_non_null(p);
	return p + (off & 0xfff);
}

static bool zero(const void *p, size_t n)
{
	const uint8_t *u = p;

	while (n--)
		if (*u++)
			return false;
	return true;
}

static const struct sgx_secs *secs_of(struct encl *x)
{
	return x->e.secs;
}

/* Build @x from @secs on @t (EINIT with the fixture's SIGSTRUCT) and enter it. */
static void build(struct hwt *t, struct encl *x, const struct sgx_secs *secs)
{
	struct hw_enter in;

	measure_destroy(&x->e.m);
	hwt_build_secs(t, &x->e, secs);
	hwt_lp(&x->e, &x->lp);
	assert_leaf(0, enclu_eenter(&x->lp, x->e.base, 0x1000, 0, 0, &in), 0);
}

static void build_default(struct hwt *t, struct encl *x, uint64_t attributes, uint64_t size)
{
	static struct sgx_secs secs;

	hwt_secs_init(&secs, HWT_BASE, size);
	secs.attributes |= attributes;
	build(t, x, &secs);
}

/* EINIT with ISVPRODID/ISVSVN and the KSS ids of our choosing. */
static void build_signed(struct hwt *t, struct encl *x, const struct sgx_secs *secs,
			 uint16_t prodid, uint16_t svn, uint8_t family)
{
	static struct sgx_sigstruct sig __attribute__((aligned(4096)));
	static struct sgx_einittoken token;
	struct hw_enter in;

	measure_destroy(&x->e.m);
	hwt_build_layout(t, &x->e, secs);
	hwt_sigstruct(&x->e, &sig);
	sig.body.isvprodid = prodid;
	sig.body.isvsvn = svn;
	memset(sig.body.isv_family_id, family, sizeof(sig.body.isv_family_id));
	memset(sig.body.isv_ext_prod_id, family + 1, sizeof(sig.body.isv_ext_prod_id));
	assert_int_equal(sigstruct_sign(&sig, hwt_key()), 0);
	le_hash_for(t, &sig);
	memset(&token, 0, sizeof(token));
	assert_leaf(0, encls_einit(t->hw, &sig, &token, x->e.secs), 0);
	hwt_lp(&x->e, &x->lp);
	assert_leaf(1, enclu_eenter(&x->lp, x->e.base, 0x1000, 0, 0, &in), 0);
}

static struct sgx_keyrequest *req_of(struct encl *x)
{
	struct sgx_keyrequest *r = (struct sgx_keyrequest *)pg(x, REQ_OFF);

	return r;
}

/* A fresh KEYREQUEST for @name/@policy at the platform's CPUSVN. */
static struct sgx_keyrequest *keyreq(struct encl *x, uint16_t name, uint16_t policy)
{
	struct sgx_keyrequest *r = req_of(x);

	memset(r, 0, sizeof(*r));
	r->key_name = name;
	r->key_policy = policy;
	memcpy(r->cpusvn, hw_platform_config(x->lp.hw)->cpusvn, sizeof(r->cpusvn));
	r->attribute_mask.flags = ~0ull;
	r->attribute_mask.xfrm = ~0ull;
	r->misc_mask = ~0u;
	return r;
}

/* EGETKEY of the request in place; the key in @key. */
static unsigned int getkey(struct encl *x, uint8_t key[16])
{
	unsigned int ret;

	ret = enclu_egetkey(&x->lp, x->e.base + REQ_OFF, x->e.base + OUT_OFF);
	if (!ret)
		memcpy(key, pg(x, OUT_OFF), 16);
	return ret;
}

static void key_for(struct encl *x, uint16_t name, uint16_t policy, uint8_t key[16])
{
	keyreq(x, name, policy);
	assert_leaf(name, getkey(x, key), 0);
}

/* EREPORT by @from for the target @ti, REPORTDATA filled with @fill. */
static void report(struct encl *from, const struct sgx_targetinfo *ti, uint8_t fill,
		   struct sgx_report *rep)
{
	memcpy(pg(from, REQ_OFF), ti, sizeof(*ti));
	memset(pg(from, DATA_OFF), fill, 64);
	assert_leaf(0, enclu_ereport(&from->lp, from->e.base + REQ_OFF, from->e.base + DATA_OFF,
				     from->e.base + OUT_OFF), 0);
	memcpy(rep, pg(from, OUT_OFF), SGX_REPORT_SIZE);
}

/* TARGETINFO of an enclave, as the SDK makes it from one of its REPORTs. */
static void targetinfo(struct encl *x, struct sgx_targetinfo *ti)
{
	static struct sgx_targetinfo any;
	struct sgx_report rep;

	report(x, &any, 0, &rep);
	memset(ti, 0, sizeof(*ti));
	memcpy(ti->measurement, rep.body.mrenclave, sizeof(ti->measurement));
	ti->attributes = rep.body.attributes;
	ti->miscselect = rep.body.miscselect;
	ti->config_svn = rep.body.config_svn;
	memcpy(ti->config_id, rep.body.config_id, sizeof(ti->config_id));
}

/* Does @rep verify with @x's REPORT key (EGETKEY with the report's KEYID)? */
static bool verifies(struct encl *x, const struct sgx_report *rep)
{
	struct sgx_keyrequest *r = keyreq(x, SGX_KEYSELECT_REPORT, 0);
	uint8_t key[16], mac[16];

	memcpy(r->key_id, rep->key_id, sizeof(r->key_id));
	assert_leaf(0, getkey(x, key), 0);
	assert_int_equal(crypto_cmac(key, &rep->body, sizeof(rep->body), mac), 0);
	return crypto_memeq(mac, rep->mac, sizeof(mac));
}

static void teardown_all(void)
{
	measure_destroy(&a.e.m);        /* the fixture's shadow MRENCLAVEs */
	measure_destroy(&b.e.m);
	measure_destroy(&c.e.m);
	if (t3.hw)
		hwt_teardown(&t3);
	if (t2.hw)
		hwt_teardown(&t2);
	if (t1.hw)
		hwt_teardown(&t1);
}

/* ---- EREPORT ---------------------------------------------------------------------- */

static void test_report_local_attestation(void **state)
{
	struct sgx_targetinfo ti_b, ti_a;
	struct sgx_report rep;
	const struct sgx_secs *sa;

	(void)state;
	hwt_setup(&t1, NULL);
	build_default(&t1, &a, 0, 0x10000);
	build_default(&t1, &b, 0, 0x20000);     /* another MRENCLAVE, same signer */
	sa = secs_of(&a);
	assert_memory_not_equal(secs_of(&a)->mrenclave, secs_of(&b)->mrenclave, 32);

	targetinfo(&b, &ti_b);
	assert_memory_equal(ti_b.measurement, secs_of(&b)->mrenclave, 32);
	report(&a, &ti_b, 0x77, &rep);
	/* REPORT.BODY describes A. */
	assert_memory_equal(rep.body.cpusvn, hw_platform_config(t1.hw)->cpusvn, 16);
	assert_memory_equal(rep.body.mrenclave, sa->mrenclave, 32);
	assert_memory_equal(rep.body.mrsigner, sa->mrsigner, 32);
	assert_int_equal(rep.body.attributes.flags, sa->attributes);
	assert_true(rep.body.attributes.flags & SGX_ATTR_INIT);
	assert_int_equal(rep.body.attributes.xfrm, SGX_XFRM_LEGACY);
	assert_int_equal(rep.body.miscselect, 0);
	assert_true(zero(rep.body.reserved_0x14, sizeof(rep.body.reserved_0x14)));
	assert_true(zero(rep.body.reserved_0x60, sizeof(rep.body.reserved_0x60)));
	assert_true(zero(rep.body.reserved_0x106, sizeof(rep.body.reserved_0x106)));
	assert_int_equal(rep.body.report_data[0], 0x77);
	assert_int_equal(rep.body.report_data[63], 0x77);
	assert_memory_equal(rep.key_id, t1.hw->report_keyid, 32);
	/* Only 432 bytes are written. */
	assert_true(zero(pg(&a, OUT_OFF + SGX_REPORT_SIZE), 512 - SGX_REPORT_SIZE));

	/* B verifies it, A cannot (its REPORT key differs). */
	assert_true(verifies(&b, &rep));
	assert_false(verifies(&a, &rep));
	/* Any change to the body breaks the MAC. */
	rep.body.report_data[5] ^= 1;
	assert_false(verifies(&b, &rep));
	rep.body.report_data[5] ^= 1;
	rep.body.isv_svn++;
	assert_false(verifies(&b, &rep));

	/* A report for oneself verifies with one's own key. */
	targetinfo(&a, &ti_a);
	report(&a, &ti_a, 1, &rep);
	assert_true(verifies(&a, &rep));
	assert_false(verifies(&b, &rep));

	/* A TARGETINFO that lies about B's attributes gives a MAC B rejects. */
	ti_b.attributes.flags |= SGX_ATTR_DEBUG;
	report(&a, &ti_b, 0x77, &rep);
	assert_false(verifies(&b, &rep));
	teardown_all();
}

/* Reports between platform instances sharing a key file verify, as on one machine. */
static void test_report_across_instances(void **state)
{
	struct sgx_targetinfo ti;
	struct sgx_report rep;

	(void)state;
	hwt_setup(&t1, NULL);
	hwt_setup_keyfile(&t2, NULL, t1.keyfile);
	hwt_setup(&t3, NULL);
	build_default(&t1, &a, 0, 0x10000);
	build_default(&t2, &b, 0, 0x10000);
	build_default(&t3, &c, 0, 0x10000);
	targetinfo(&b, &ti);
	report(&a, &ti, 3, &rep);
	assert_true(verifies(&b, &rep));
	assert_false(verifies(&c, &rep));       /* another machine */
	teardown_all();
}

/* KSS: CONFIGID/CONFIGSVN, ISVFAMILYID/ISVEXTPRODID, ISVPRODID/ISVSVN in the body. */
static void test_report_kss_fields(void **state)
{
	static struct sgx_secs secs;
	struct sgx_targetinfo ti;
	struct sgx_report rep;
	uint8_t id[64];

	(void)state;
	hwt_setup(&t1, NULL);
	hwt_secs_init(&secs, HWT_BASE, 0x10000);
	secs.attributes |= SGX_ATTR_KSS;
	secs.miscselect = SGX_MISC_EXINFO;
	memset(secs.config_id, 0x5c, sizeof(secs.config_id));
	secs.config_svn = 2;
	build_signed(&t1, &a, &secs, 7, 5, 0x31);
	targetinfo(&a, &ti);
	assert_int_equal(ti.config_svn, 2);
	report(&a, &ti, 9, &rep);
	memset(id, 0x5c, sizeof(id));
	assert_memory_equal(rep.body.config_id, id, 64);
	assert_int_equal(rep.body.config_svn, 2);
	assert_int_equal(rep.body.isv_prod_id, 7);
	assert_int_equal(rep.body.isv_svn, 5);
	assert_int_equal(rep.body.miscselect, SGX_MISC_EXINFO);
	assert_int_equal(rep.body.isv_family_id[0], 0x31);
	assert_int_equal(rep.body.isv_family_id[15], 0x31);
	assert_int_equal(rep.body.isv_ext_prod_id[0], 0x32);
	assert_true(verifies(&a, &rep));
	/* The target's CONFIGSVN is part of its REPORT key. */
	ti.config_svn = 1;
	report(&a, &ti, 9, &rep);
	assert_false(verifies(&a, &rep));
	teardown_all();
}

enum rep_how { RP_OK, RP_TI_MIS, RP_RD_MIS, RP_OUT_MIS, RP_OUT_RX, RP_TI_OUTSIDE,
	       RP_RD_UNMAPPED, RP_OUT_TCS, RP_NOT_INSIDE, RP_OUT_OUTSIDE };

static void test_ereport_rows(void **state)
{
	static uint8_t host[4096] __attribute__((aligned(4096)));
	static const struct {
		enum rep_how how;
		unsigned int want;
		uint64_t pf_off;
		uint32_t code;
	} rows[] = {
		/* 0 */ { RP_OK, 0, 0, 0 },
		/* 1 */ { RP_TI_MIS, SGX_FAULT_GP, 0, 0 },
		/* 2 */ { RP_RD_MIS, SGX_FAULT_GP, 0, 0 },
		/* 3 */ { RP_OUT_MIS, SGX_FAULT_GP, 0, 0 },
		/* 4 */ { RP_OUT_RX, SGX_FAULT_PF, 0x3000, 0x8007 },
		/* 5 */ { RP_TI_OUTSIDE, SGX_FAULT_GP, 0, 0 },
		/* 6 */ { RP_RD_UNMAPPED, SGX_FAULT_PF, 0x9080, X86_PF_USER },
		/* 7 */ { RP_OUT_TCS, SGX_FAULT_PF, 0x0200, 0x8007 },
		/* 8 */ { RP_NOT_INSIDE, SGX_FAULT_GP, 0, 0 },
		/* 9 */ { RP_OUT_OUTSIDE, SGX_FAULT_GP, 0, 0 },
	};
	unsigned int i;

	(void)state;
	hwt_setup(&t1, NULL);
	build_default(&t1, &a, 0, 0x10000);
	for (i = 0; i < ROWS(rows); i++) {
		uint64_t base = a.e.base, ti = base + REQ_OFF, rd = base + DATA_OFF;
		uint64_t out = base + OUT_OFF;
		struct hw_enter in;
		unsigned int got;
		uint64_t rcx;

		memset(pg(&a, 0x4000), 0, SGX_PAGE_SIZE);
		memset(pg(&a, OUT_OFF), 0xee, 512);
		switch (rows[i].how) {
		case RP_OK:
			break;
		case RP_TI_MIS:
			ti += 0x100;
			break;
		case RP_RD_MIS:
			rd += 0x40;
			break;
		case RP_OUT_MIS:
			out += 0x100;
			break;
		case RP_OUT_RX:
			out = base + 0x3000;
			break;
		case RP_TI_OUTSIDE:
			ti = a64(host);
			break;
		case RP_RD_UNMAPPED:
			rd = base + 0x9080;
			break;
		case RP_OUT_TCS:
			out = base + 0x0200;
			break;
		case RP_NOT_INSIDE:
			assert_leaf(i, enclu_eexit(&a.lp, &rcx), 0);
			break;
		case RP_OUT_OUTSIDE:
			out = a64(host);
			break;
		}
		got = enclu_ereport(&a.lp, ti, rd, out);
		assert_leaf(i, got, rows[i].want);
		if (got == SGX_FAULT_PF &&
		    (a.lp.fault_addr != base + rows[i].pf_off || a.lp.fault_code != rows[i].code))
			fail_msg("row %u: #PF at %#llx code %#x", i,
				 (unsigned long long)a.lp.fault_addr, a.lp.fault_code);
		if (got) {
			uint8_t *o = pg(&a, OUT_OFF);
			unsigned int j;

			for (j = 0; j < 512; j++)
				if (o[j] != 0xee)
					fail_msg("row %u: output written on failure", i);
		}
		if (rows[i].how == RP_NOT_INSIDE)
			assert_leaf(i, enclu_eenter(&a.lp, base, 0x1000, 0, 0, &in), 0);
	}
	teardown_all();
}

/* ---- EGETKEY -------------------------------------------------------------------------- */

/* Sealing keys come from the root key file: same file, same key; another, another. */
static void test_seal_key_stability(void **state)
{
	static const uint16_t policies[] = {
		SGX_KEYPOLICY_MRSIGNER, SGX_KEYPOLICY_MRENCLAVE,
		SGX_KEYPOLICY_MRENCLAVE | SGX_KEYPOLICY_MRSIGNER, 0,
	};
	uint8_t k1[16], k2[16], k3[16];
	unsigned int i;

	(void)state;
	hwt_setup(&t1, NULL);
	hwt_setup_keyfile(&t2, NULL, t1.keyfile);
	hwt_setup(&t3, NULL);
	build_default(&t1, &a, 0, 0x10000);
	build_default(&t2, &b, 0, 0x10000);
	build_default(&t3, &c, 0, 0x10000);
	assert_memory_equal(secs_of(&a)->mrenclave, secs_of(&c)->mrenclave, 32);
	for (i = 0; i < ROWS(policies); i++) {
		key_for(&a, SGX_KEYSELECT_SEAL, policies[i], k1);
		key_for(&b, SGX_KEYSELECT_SEAL, policies[i], k2);
		key_for(&c, SGX_KEYSELECT_SEAL, policies[i], k3);
		if (!crypto_memeq(k1, k2, 16))
			fail_msg("row %u: same key file, different SEAL key", i);
		if (crypto_memeq(k1, k3, 16))
			fail_msg("row %u: other key file, same SEAL key", i);
	}
	/* Same instance, same request: deterministic. */
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER, k1);
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER, k2);
	assert_memory_equal(k1, k2, 16);
	/* A second instance on t1's key file after t1 is gone: still the same. */
	hwt_teardown(&t2);
	hwt_setup_keyfile(&t2, NULL, t1.keyfile);
	build_default(&t2, &b, 0, 0x10000);
	key_for(&b, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER, k2);
	assert_memory_equal(k1, k2, 16);
	teardown_all();
}

/* What each request field does to a SEAL key, between A and B (same signer). */
static void test_seal_policy(void **state)
{
	uint8_t ka[16], kb[16], k[16];
	struct sgx_keyrequest *r;

	(void)state;
	hwt_setup(&t1, NULL);
	build_default(&t1, &a, 0, 0x10000);
	build_default(&t1, &b, 0, 0x20000);
	/* 0: MRSIGNER policy: A and B share the key. */
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER, ka);
	key_for(&b, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER, kb);
	assert_memory_equal(ka, kb, 16);
	/* 1: MRENCLAVE policy: they do not. */
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRENCLAVE, ka);
	key_for(&b, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRENCLAVE, kb);
	assert_memory_not_equal(ka, kb, 16);
	/* 2: the policy itself is an input. */
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER, kb);
	assert_memory_not_equal(ka, kb, 16);
	/* 3: KEYID. */
	r = keyreq(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER);
	r->key_id[31] = 1;
	assert_leaf(3, getkey(&a, k), 0);
	assert_memory_not_equal(k, kb, 16);
	/* 4: an older CPUSVN gives another (older) key. */
	r = keyreq(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER);
	memset(r->cpusvn, 0, sizeof(r->cpusvn));
	assert_leaf(4, getkey(&a, k), 0);
	assert_memory_not_equal(k, kb, 16);
	/* 5: ATTRIBUTEMASK: INIT|DEBUG are always in; masking more changes the key. */
	r = keyreq(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER);
	r->attribute_mask.flags = SGX_ATTR_INIT | SGX_ATTR_DEBUG;
	r->attribute_mask.xfrm = 0;
	assert_leaf(5, getkey(&a, ka), 0);
	r = keyreq(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER);
	r->attribute_mask.flags = 0;
	r->attribute_mask.xfrm = 0;
	assert_leaf(6, getkey(&a, k), 0);
	/* Same TMP_ATTRIBUTES, but ATTRIBUTEMASK itself is an input too. */
	assert_memory_not_equal(k, ka, 16);
	/* 7: MISCMASK likewise. */
	r = keyreq(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER);
	r->misc_mask = 0;
	assert_leaf(7, getkey(&a, k), 0);
	assert_memory_not_equal(k, kb, 16);
	/* 8: REPORT keys differ per enclave, and from SEAL keys. */
	key_for(&a, SGX_KEYSELECT_REPORT, 0, ka);
	key_for(&b, SGX_KEYSELECT_REPORT, 0, kb);
	assert_memory_not_equal(ka, kb, 16);
	/* 9: REPORT ignores the policy and SVN fields of the request. */
	r = keyreq(&a, SGX_KEYSELECT_REPORT, SGX_KEYPOLICY_MRSIGNER);
	r->isv_svn = 0x7fff;
	memset(r->cpusvn, 0xff, sizeof(r->cpusvn));
	assert_leaf(9, getkey(&a, k), 0);
	assert_memory_equal(k, ka, 16);
	teardown_all();
}

enum key_how {
	K_NONE, K_REQ_MIS, K_OUT_MIS, K_REQ_OUTSIDE, K_OUT_OUTSIDE, K_OUT_RX, K_REQ_UNMAPPED,
	K_REQ_TCS, K_REQ_TRIM, K_NOT_INSIDE, K_OUT_EQ_REQ,
};

static void test_egetkey_rows(void **state)
{
	static uint8_t host[4096] __attribute__((aligned(4096)));
	static const struct {
		int encl;               /* 0: plain, 1: PROVISIONKEY|EINITTOKENKEY, 2: KSS, svn 5 */
		uint16_t name, policy;
		size_t poke_off;        /* byte of the KEYREQUEST to set (0: none) */
		uint8_t poke;
		uint16_t isv_svn, config_svn;
		int cpusvn;             /* +1: one above the platform's, -1: all zero */
		enum key_how how;
		unsigned int want;
	} rows[] = {
		/* 0 */ { 0, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER, 0, 0, 0, 0, 0, K_NONE, 0 },
		/* 1 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 1, 0, 0, K_NONE, SGX_INVALID_ISVSVN },
		/* 2 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 1, K_NONE, SGX_INVALID_CPUSVN },
		/* 3 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, -1, K_NONE, 0 },
		/* 4 */ { 0, SGX_KEYSELECT_PROVISION, 0, 0, 0, 0, 0, 0, K_NONE, SGX_INVALID_ATTRIBUTE },
		/* 5 */ { 0, SGX_KEYSELECT_PROVISION_SEAL, 0, 0, 0, 0, 0, 0, K_NONE,
			  SGX_INVALID_ATTRIBUTE },
		/* 6 */ { 0, SGX_KEYSELECT_EINITTOKEN, 0, 0, 0, 0, 0, 0, K_NONE, SGX_INVALID_ATTRIBUTE },
		/* 7 */ { 0, 5, 0, 0, 0, 0, 0, 0, K_NONE, SGX_INVALID_KEYNAME },
		/* 8 */ { 0, 0xffff, 0, 0, 0, 0, 0, 0, K_NONE, SGX_INVALID_KEYNAME },
		/* 9 */ { 0, SGX_KEYSELECT_REPORT, 0, 0, 0, 0, 0, 0, K_NONE, 0 },
		/* 10 */ { 0, SGX_KEYSELECT_SEAL, 1u << 6, 0, 0, 0, 0, 0, K_NONE, SGX_FAULT_GP },
		/* 11 */ { 0, SGX_KEYSELECT_SEAL, 1u << 15, 0, 0, 0, 0, 0, K_NONE, SGX_FAULT_GP },
		/* 12 */ { 0, SGX_KEYSELECT_SEAL, 0, 0x06, 1, 0, 0, 0, K_NONE, SGX_FAULT_GP },
		/* 13 */ { 0, SGX_KEYSELECT_SEAL, 0, 0x4e, 1, 0, 0, 0, K_NONE, SGX_FAULT_GP },
		/* 14 */ { 0, SGX_KEYSELECT_SEAL, 0, 0x1ff, 1, 0, 0, 0, K_NONE, SGX_FAULT_GP },
		/* 15 */ { 0, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_CONFIGID, 0, 0, 0, 0, 0, K_NONE,
			   SGX_FAULT_GP },
		/* 16 */ { 0, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_NOISVPRODID, 0, 0, 0, 0, 0, K_NONE,
			   SGX_FAULT_GP },
		/* 17 */ { 0, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_ISVFAMILYID, 0, 0, 0, 0, 0, K_NONE,
			   SGX_FAULT_GP },
		/* 18 */ { 0, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_ISVEXTPRODID, 0, 0, 0, 0, 0, K_NONE,
			   SGX_FAULT_GP },
		/* 19 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 1, 0, K_NONE, SGX_FAULT_GP },
		/* 20 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_REQ_MIS, SGX_FAULT_GP },
		/* 21 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_OUT_MIS, SGX_FAULT_GP },
		/* 22 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_REQ_OUTSIDE, SGX_FAULT_GP },
		/* 23 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_OUT_OUTSIDE, SGX_FAULT_GP },
		/* 24 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_OUT_RX, SGX_FAULT_PF },
		/* 25 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_REQ_UNMAPPED, SGX_FAULT_PF },
		/* 26 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_REQ_TCS, SGX_FAULT_PF },
		/* 27 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_REQ_TRIM, SGX_FAULT_PF },
		/* 28 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_NOT_INSIDE, SGX_FAULT_GP },
		/* 29 */ { 1, SGX_KEYSELECT_PROVISION, 0, 0, 0, 0, 0, 0, K_NONE, 0 },
		/* 30 */ { 1, SGX_KEYSELECT_PROVISION_SEAL, 0, 0, 0, 0, 0, 0, K_NONE, 0 },
		/* 31 */ { 1, SGX_KEYSELECT_EINITTOKEN, 0, 0, 0, 0, 0, 0, K_NONE, 0 },
		/* 32 */ { 1, SGX_KEYSELECT_PROVISION, 0, 0, 0, 1, 0, 0, K_NONE, SGX_INVALID_ISVSVN },
		/* 33 */ { 1, SGX_KEYSELECT_PROVISION, 0, 0, 0, 0, 0, 1, K_NONE, SGX_INVALID_CPUSVN },
		/* 34 */ { 1, SGX_KEYSELECT_EINITTOKEN, 0, 0, 0, 1, 0, 0, K_NONE, SGX_INVALID_ISVSVN },
		/* 35 */ { 1, SGX_KEYSELECT_PROVISION_SEAL, 0, 0, 0, 0, 0, 1, K_NONE,
			   SGX_INVALID_CPUSVN },
		/* 36 */ { 2, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_CONFIGID, 0, 0, 5, 2, 0, K_NONE, 0 },
		/* 37 */ { 2, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_CONFIGID, 0, 0, 5, 3, 0, K_NONE,
			   SGX_INVALID_ISVSVN },
		/* 38 */ { 2, SGX_KEYSELECT_SEAL, 0, 0, 0, 6, 0, 0, K_NONE, SGX_INVALID_ISVSVN },
		/* 39 */ { 2, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_KSS_MASK | SGX_KEYPOLICY_MRENCLAVE,
			   0, 0, 4, 1, 0, K_NONE, 0 },
		/* 40 */ { 2, SGX_KEYSELECT_PROVISION_SEAL, 0, 0, 0, 0, 0, 0, K_NONE,
			   SGX_INVALID_ATTRIBUTE },
		/* 41 */ { 0, SGX_KEYSELECT_SEAL, 0, 0, 0, 0, 0, 0, K_OUT_EQ_REQ, 0 },
	};
	static struct sgx_secs secs;
	struct encl *x;
	unsigned int i;

	(void)state;
	hwt_setup(&t1, NULL);
	build_default(&t1, &a, 0, 0x10000);
	build_default(&t1, &b, SGX_ATTR_PROVISIONKEY | SGX_ATTR_EINITTOKENKEY, 0x10000);
	hwt_secs_init(&secs, HWT_BASE, 0x10000);
	secs.attributes |= SGX_ATTR_KSS;
	secs.config_svn = 2;
	build_signed(&t1, &c, &secs, 1, 5, 0x10);
	for (i = 0; i < ROWS(rows); i++) {
		uint64_t req, out, pf = 0;
		uint32_t code = 0;
		struct sgx_keyrequest *r;
		struct hw_enter in;
		unsigned int got;
		uint64_t rcx;

		x = rows[i].encl == 0 ? &a : rows[i].encl == 1 ? &b : &c;
		req = x->e.base + REQ_OFF;
		out = x->e.base + OUT_OFF;
		r = keyreq(x, rows[i].name, rows[i].policy);
		if (rows[i].poke_off)
			((uint8_t *)r)[rows[i].poke_off] = rows[i].poke;
		r->isv_svn = rows[i].isv_svn;
		r->config_svn = rows[i].config_svn;
		if (rows[i].cpusvn > 0)
			r->cpusvn[3]++;
		else if (rows[i].cpusvn < 0)
			memset(r->cpusvn, 0, sizeof(r->cpusvn));
		memset(pg(x, OUT_OFF), 0xee, 16);
		switch (rows[i].how) {
		case K_NONE:
			break;
		case K_REQ_MIS:
			req += 0x100;
			break;
		case K_OUT_MIS:
			out += 8;
			break;
		case K_REQ_OUTSIDE:
			memcpy(host, r, sizeof(*r));
			req = a64(host);
			break;
		case K_OUT_OUTSIDE:
			out = a64(host);
			break;
		case K_OUT_RX:
			out = x->e.base + 0x3000;
			pf = out;
			code = 0x8007;
			break;
		case K_REQ_UNMAPPED:
			req = x->e.base + 0xa000;
			pf = req;
			code = X86_PF_USER;
			break;
		case K_REQ_TCS:
			req = x->e.base + 0x5000;       /* the other TCS */
			pf = req;
			code = 0x8005;
			break;
		case K_REQ_TRIM: {
			struct sgx_secinfo si __attribute__((aligned(64))) = { .flags = SGX_SECINFO_TRIM };

			memcpy(pg(x, 0x7000), r, sizeof(*r));
			assert_leaf(i, encls_emodt(t1.hw, &si, pg(x, 0x7000)), 0);
			req = x->e.base + 0x7000;
			pf = req;
			code = 0x8005;
			break;
		}
		case K_NOT_INSIDE:
			assert_leaf(i, enclu_eexit(&x->lp, &rcx), 0);
			break;
		case K_OUT_EQ_REQ:
			out = req;              /* the key overwrites the request */
			break;
		}
		got = enclu_egetkey(&x->lp, req, out);
		assert_leaf(i, got, rows[i].want);
		if (got == SGX_FAULT_PF && (x->lp.fault_addr != pf || x->lp.fault_code != code))
			fail_msg("row %u: #PF at %#llx code %#x, want %#llx code %#x", i,
				 (unsigned long long)x->lp.fault_addr, x->lp.fault_code,
				 (unsigned long long)pf, code);
		if (got && rows[i].how != K_OUT_MIS) {
			uint8_t *o = pg(x, OUT_OFF);
			unsigned int j;

			for (j = 0; j < 16; j++)
				if (o[j] != 0xee)
					fail_msg("row %u: key written on failure", i);
		}
		if (!got && rows[i].how == K_NONE) {
			uint8_t *o = pg(x, OUT_OFF), ee[16];

			memset(ee, 0xee, sizeof(ee));
			if (!memcmp(o, ee, 16))
				fail_msg("row %u: no key written", i);
		}
		if (rows[i].how == K_NOT_INSIDE)
			assert_leaf(i, enclu_eenter(&x->lp, x->e.base, 0x1000, 0, 0, &in), 0);
	}
	teardown_all();
}

/* PROVISION keys ignore OWNEREPOCH-bound inputs; PROVISION_SEAL uses both roots. */
static void test_provision_keys(void **state)
{
	uint8_t p1[16], p2[16], ps1[16], ps2[16], s1[16];
	struct sgx_keyrequest *r;

	(void)state;
	hwt_setup(&t1, NULL);
	build_default(&t1, &a, SGX_ATTR_PROVISIONKEY, 0x10000);
	build_default(&t1, &b, SGX_ATTR_PROVISIONKEY, 0x20000);
	/* PROVISION: bound to MRSIGNER, not MRENCLAVE; KEYID does not matter. */
	key_for(&a, SGX_KEYSELECT_PROVISION, 0, p1);
	r = keyreq(&b, SGX_KEYSELECT_PROVISION, 0);
	r->key_id[0] = 9;
	assert_leaf(0, getkey(&b, p2), 0);
	assert_memory_equal(p1, p2, 16);
	/* PROVISION_SEAL: same, and different from PROVISION and SEAL. */
	key_for(&a, SGX_KEYSELECT_PROVISION_SEAL, SGX_KEYPOLICY_MRENCLAVE, ps1);
	key_for(&b, SGX_KEYSELECT_PROVISION_SEAL, SGX_KEYPOLICY_MRENCLAVE, ps2);
	assert_memory_equal(ps1, ps2, 16);
	assert_memory_not_equal(ps1, p1, 16);
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRSIGNER, s1);
	assert_memory_not_equal(ps1, s1, 16);
	/* A DEBUG enclave never shares keys with a production one, whatever the mask. */
	build_default(&t1, &c, SGX_ATTR_PROVISIONKEY | SGX_ATTR_DEBUG, 0x10000);
	r = keyreq(&a, SGX_KEYSELECT_PROVISION, 0);
	r->attribute_mask.flags = 0;
	assert_leaf(1, getkey(&a, p1), 0);
	r = keyreq(&c, SGX_KEYSELECT_PROVISION, 0);
	r->attribute_mask.flags = 0;
	assert_leaf(2, getkey(&c, p2), 0);
	assert_memory_not_equal(p1, p2, 16);
	teardown_all();
}

/* KSS policy bits select the identity that goes into the key. */
static void test_kss_policy(void **state)
{
	static struct sgx_secs secs;
	uint8_t k1[16], k2[16];
	struct sgx_keyrequest *r;

	(void)state;
	hwt_setup(&t1, NULL);
	hwt_secs_init(&secs, HWT_BASE, 0x10000);
	secs.attributes |= SGX_ATTR_KSS;
	build_signed(&t1, &a, &secs, 1, 0, 0x10);
	build_signed(&t1, &b, &secs, 2, 0, 0x20);       /* same MRENCLAVE, other ids */
	assert_memory_equal(secs_of(&a)->mrenclave, secs_of(&b)->mrenclave, 32);
	/* Default: ISVPRODID is in, so A and B differ. */
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRENCLAVE, k1);
	key_for(&b, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRENCLAVE, k2);
	assert_memory_not_equal(k1, k2, 16);
	/* NOISVPRODID: same key. */
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRENCLAVE | SGX_KEYPOLICY_NOISVPRODID, k1);
	key_for(&b, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRENCLAVE | SGX_KEYPOLICY_NOISVPRODID, k2);
	assert_memory_equal(k1, k2, 16);
	/* ... until ISVFAMILYID or ISVEXTPRODID is asked for. */
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_NOISVPRODID | SGX_KEYPOLICY_ISVFAMILYID, k1);
	key_for(&b, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_NOISVPRODID | SGX_KEYPOLICY_ISVFAMILYID, k2);
	assert_memory_not_equal(k1, k2, 16);
	key_for(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_NOISVPRODID | SGX_KEYPOLICY_ISVEXTPRODID, k1);
	key_for(&b, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_NOISVPRODID | SGX_KEYPOLICY_ISVEXTPRODID, k2);
	assert_memory_not_equal(k1, k2, 16);
	/* The CONFIGID policy bit is an input even with an all-zero CONFIGID. */
	r = keyreq(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRENCLAVE);
	r->config_svn = 0;
	assert_leaf(0, getkey(&a, k1), 0);
	r = keyreq(&a, SGX_KEYSELECT_SEAL, SGX_KEYPOLICY_MRENCLAVE | SGX_KEYPOLICY_CONFIGID);
	assert_leaf(1, getkey(&a, k2), 0);
	assert_memory_not_equal(k1, k2, 16);
	teardown_all();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_local_attestation),
		cmocka_unit_test(test_report_across_instances),
		cmocka_unit_test(test_report_kss_fields),
		cmocka_unit_test(test_ereport_rows),
		cmocka_unit_test(test_seal_key_stability),
		cmocka_unit_test(test_seal_policy),
		cmocka_unit_test(test_egetkey_rows),
		cmocka_unit_test(test_provision_keys),
		cmocka_unit_test(test_kss_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
