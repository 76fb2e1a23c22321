// SPDX-License-Identifier: MIT
/*
 * Emulated-CPU benchmarks (issue: foundation):
 *   - measured-page build (EADD + 16 x EEXTEND) against single-core SHA-256
 *     over the same 5,184 bytes the measurement hashes;
 *   - EWB and ELDU per page against one AES-128-GCM page operation;
 *   - EINIT latency; EREPORT and EGETKEY against one AES-CMAC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "crypto.h"
#include "encls.h"
#include "lp.h"
#include "measure.h"
#include "platform.h"
#include "sigstruct.h"

#define ENCL_BASE   0x40000000ull
#define ENCL_SIZE   (64ull << 20)
#define PAGING_BATCH 64

static struct hw_platform *hw;
static uint64_t epc_cursor;
static struct crypto_rsa_key *key;

static void die(const char *what, unsigned int ret)
{
	fprintf(stderr, "sgxemu-bench: %s failed: %s (0x%x)\n", what, hw_sgx_error_name(ret), ret);
	exit(1);
}

static void *epc_alloc(void)
{
	uint64_t n = hw_epc_nr_pages(hw), i;
	struct hw_epcm_info info;

	for (i = 0; i < n; i++) {
		uint64_t idx = (epc_cursor + i) % n;

		if (hw_epcm_read(hw, idx, &info) == 0 && !info.valid) {
			epc_cursor = idx + 1;
			return hw_epc_page(hw, idx);
		}
	}
	die("EPC allocation", 0);
	return NULL;
}

struct encl {
	void *secs;
	uint64_t base;
	struct measure m;
};

static void ecreate(struct encl *e, uint64_t base, uint64_t size)
{
	static struct sgx_secs secs;
	static struct sgx_secinfo zero_secinfo;
	struct sgx_pageinfo pginfo = { 0 };
	unsigned int ret;

	memset(&secs, 0, sizeof(secs));
	secs.base = base;
	secs.size = size;
	secs.ssa_frame_size = 1;
	secs.attributes = SGX_ATTR_MODE64BIT;
	secs.xfrm = SGX_XFRM_LEGACY;
	pginfo.contents = (uintptr_t)&secs;
	pginfo.metadata = (uintptr_t)&zero_secinfo;
	e->secs = epc_alloc();
	e->base = base;
	ret = encls_ecreate(hw, &pginfo, e->secs);
	if (ret)
		die("ECREATE", ret);
	if (measure_init(&e->m) || measure_ecreate(&e->m, 1, size))
		die("measure", 0);
}

static void *eadd(struct encl *e, uint64_t offset, uint64_t flags, const void *src, bool measured)
{
	struct sgx_secinfo secinfo = { .flags = flags };
	struct sgx_pageinfo pginfo = {
		.addr = e->base + offset,
		.contents = (uintptr_t)src,
		.metadata = (uintptr_t)&secinfo,
		.secs = (uintptr_t)e->secs,
	};
	void *epc = epc_alloc();
	unsigned int ret, off;

	ret = encls_eadd(hw, &pginfo, epc);
	if (ret)
		die("EADD", ret);
	if (measure_eadd(&e->m, offset, flags))
		die("measure", 0);
	for (off = 0; measured && off < SGX_PAGE_SIZE; off += 256) {
		ret = encls_eextend(hw, e->secs, (uint8_t *)epc + off);
		if (ret)
			die("EEXTEND", ret);
		if (measure_eextend(&e->m, offset + off, (const uint8_t *)src + off))
			die("measure", 0);
	}
	return epc;
}

/* Sign what @e measured and point the launch-control MSRs at the signer. */
static void sign_for_einit(struct encl *e, struct sgx_sigstruct *sig)
{
	uint8_t mrsigner[32];
	unsigned int i;

	sigstruct_init(sig);
	sig->body.attributes = SGX_ATTR_MODE64BIT;
	sig->body.xfrm = SGX_XFRM_LEGACY;
	if (measure_final(&e->m, sig->body.mrenclave) || sigstruct_sign(sig, key) ||
	    crypto_sha256(sig->modulus, sizeof(sig->modulus), mrsigner))
		die("signing", 0);
	for (i = 0; i < 4; i++) {
		uint64_t v;

		memcpy(&v, mrsigner + 8 * i, 8);
		if (hw_wrmsr(hw, MSR_IA32_SGXLEPUBKEYHASH0 + i, v))
			die("WRMSR", 0);
	}
}

static struct sgx_einittoken zero_token;

static unsigned int einit(struct encl *e, struct sgx_sigstruct *sig)
{
	sign_for_einit(e, sig);
	return encls_einit(hw, sig, &zero_token, e->secs);
}

/* ---- build throughput ----------------------------------------------------- */

static uint8_t page_src[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t measured_bytes[64 + 16 * (64 + 256)];

static void fn_sha_floor(void *ctx, uint64_t iters)
{
	struct crypto_sha256 *s = ctx;

	while (iters--)
		if (crypto_sha256_update(s, measured_bytes, sizeof(measured_bytes)))
			die("SHA-256", 0);
}

/* Pages one bench_run() of fn_build_page adds: (samples + warm-up) x iters. */
#define BUILD_ITERS 256
#define BUILD_PAGES ((BENCH_SAMPLES + 1) * BUILD_ITERS)

struct build_ctx {
	struct encl e;
	uint64_t next;
	void *added[BUILD_PAGES];       /* EREMOVEd after the run, untimed */
	unsigned int nr_added;
};

static void fn_build_page(void *ctx, uint64_t iters)
{
	struct build_ctx *b = ctx;
	struct sgx_secinfo secinfo = { .flags = SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W };
	struct sgx_pageinfo pginfo = {
		.contents = (uintptr_t)page_src,
		.metadata = (uintptr_t)&secinfo,
		.secs = (uintptr_t)b->e.secs,
	};
	unsigned int off, ret;

	while (iters--) {
		void *epc = epc_alloc();

		if (b->nr_added == BUILD_PAGES)
			die("build: more pages than planned", 0);
		pginfo.addr = ENCL_BASE + (b->next++ % (ENCL_SIZE / SGX_PAGE_SIZE)) * SGX_PAGE_SIZE;
		ret = encls_eadd(hw, &pginfo, epc);
		for (off = 0; !ret && off < SGX_PAGE_SIZE; off += 256)
			ret = encls_eextend(hw, b->e.secs, (uint8_t *)epc + off);
		if (ret)
			die("EADD/EEXTEND", ret);
		b->added[b->nr_added++] = epc;
	}
}

static void fn_eremove_only(void *ctx, uint64_t iters)
{
	struct build_ctx *b = ctx;
	struct sgx_secinfo secinfo = { .flags = SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W };
	struct sgx_pageinfo pginfo = {
		.contents = (uintptr_t)page_src,
		.metadata = (uintptr_t)&secinfo,
		.secs = (uintptr_t)b->e.secs,
	};
	unsigned int ret;

	while (iters--) {
		void *epc = epc_alloc();

		pginfo.addr = ENCL_BASE + (b->next++ % (ENCL_SIZE / SGX_PAGE_SIZE)) * SGX_PAGE_SIZE;
		ret = encls_eadd(hw, &pginfo, epc);
		if (!ret)
			ret = encls_eremove(hw, epc);
		if (ret)
			die("EADD/EREMOVE", ret);
	}
}

static void bench_build(void)
{
	struct crypto_sha256 *s;
	struct build_ctx *b = calloc(1, sizeof(*b));
	struct bench_lat floor, page, unmeasured;

	if (!b)
		die("allocation", 0);

	if (crypto_sha256_new(&s))
		die("SHA-256", 0);
	floor = bench_run(fn_sha_floor, s, 256);
	crypto_sha256_free(s);

	ecreate(&b->e, ENCL_BASE, ENCL_SIZE);
	page = bench_run(fn_build_page, b, BUILD_ITERS);
	/* The EPC must hold them all (it does: 64 MiB, see bench_hw()). */
	while (b->nr_added)
		if (encls_eremove(hw, b->added[--b->nr_added]))
			die("EREMOVE", 0);
	unmeasured = bench_run(fn_eremove_only, b, 256);
	bench_report_rate("build_measured_page", page, "sha256_5184B", floor, 0.85);
	bench_report_lat("eadd_eremove_unmeasured", unmeasured, "sha256_5184B", floor, 0);
	measure_destroy(&b->e.m);
	free(b);
}

/* ---- paging ------------------------------------------------------------------ */

static uint8_t backing[PAGING_BATCH][SGX_PAGE_SIZE] __attribute__((aligned(4096)));
static struct sgx_pcmd pcmd[PAGING_BATCH];
static uint8_t aad_buf[64 + 8 + 8 + 8];

static void fn_gcm_floor(void *ctx, uint64_t iters)
{
	struct crypto_gcm *g = ctx;
	uint8_t iv[12] = { 0 }, tag[16];

	while (iters--) {
		iv[0]++;
		if (crypto_gcm_encrypt(g, iv, aad_buf, sizeof(aad_buf), page_src, backing[0],
				       SGX_PAGE_SIZE, tag))
			die("AES-GCM", 0);
	}
}

static double sample_median(double *s, unsigned int n, struct bench_lat *out)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && s[j - 1] > s[j]; j--) {
			double t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	out->median_ns = s[n / 2];
	out->p10_ns = s[n / 10];
	out->p90_ns = s[n - 1 - n / 10];
	return out->median_ns;
}

static void bench_paging(void)
{
	double ewb_s[BENCH_SAMPLES], eldu_s[BENCH_SAMPLES];
	struct sgx_pageinfo pginfo;
	struct bench_lat floor, ewb, eldu;
	struct crypto_gcm *g;
	uint8_t gkey[16] = { 1 };
	void *epc[PAGING_BATCH], *va;
	struct encl e;
	unsigned int i, s, ret;

	if (crypto_gcm_new(gkey, &g))
		die("AES-GCM", 0);
	floor = bench_run(fn_gcm_floor, g, 256);
	crypto_gcm_free(g);

	ecreate(&e, ENCL_BASE, ENCL_SIZE);
	for (i = 0; i < PAGING_BATCH; i++)
		epc[i] = eadd(&e, (uint64_t)i * SGX_PAGE_SIZE,
			      SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W, page_src, false);
	va = epc_alloc();
	ret = encls_epa(hw, va);
	if (ret)
		die("EPA", ret);

	for (s = 0; s <= BENCH_SAMPLES; s++) {
		uint64_t t0;

		for (i = 0; i < PAGING_BATCH; i++) {
			ret = encls_eblock(hw, epc[i]);
			if (ret)
				die("EBLOCK", ret);
		}
		ret = encls_etrack(hw, e.secs);
		if (ret)
			die("ETRACK", ret);

		t0 = bench_now_ns();
		for (i = 0; i < PAGING_BATCH; i++) {
			memset(&pginfo, 0, sizeof(pginfo));
			pginfo.contents = (uintptr_t)backing[i];
			pginfo.metadata = (uintptr_t)&pcmd[i];
			ret = encls_ewb(hw, &pginfo, epc[i], (uint64_t *)va + i);
			if (ret)
				die("EWB", ret);
		}
		if (s)  /* sample 0 warms up */
			ewb_s[s - 1] = (double)(bench_now_ns() - t0) / PAGING_BATCH;

		t0 = bench_now_ns();
		for (i = 0; i < PAGING_BATCH; i++) {
			pginfo.addr = ENCL_BASE + (uint64_t)i * SGX_PAGE_SIZE;
			pginfo.contents = (uintptr_t)backing[i];
			pginfo.metadata = (uintptr_t)&pcmd[i];
			pginfo.secs = (uintptr_t)e.secs;
			ret = encls_eldu(hw, &pginfo, epc[i], (uint64_t *)va + i);
			if (ret)
				die("ELDU", ret);
		}
		if (s)
			eldu_s[s - 1] = (double)(bench_now_ns() - t0) / PAGING_BATCH;
	}
	sample_median(ewb_s, BENCH_SAMPLES, &ewb);
	sample_median(eldu_s, BENCH_SAMPLES, &eldu);
	bench_report_lat("ewb_page", ewb, "aes_gcm_page", floor, 1.3);
	bench_report_lat("eldu_page", eldu, "aes_gcm_page", floor, 1.3);
	measure_destroy(&e.m);
}

/* ---- EINIT ------------------------------------------------------------------- */

static void bench_einit(void)
{
	static struct sgx_sigstruct sig __attribute__((aligned(4096)));
	double s[BENCH_SAMPLES];
	struct bench_lat lat;
	unsigned int i, ret;

	/* EINIT's cost does not depend on enclave size: an empty enclave will do. */
	for (i = 0; i <= BENCH_SAMPLES; i++) {
		struct encl e;
		uint64_t t0;

		ecreate(&e, ENCL_BASE + ((uint64_t)(i + 1) << 32), 1ull << 16);
		sign_for_einit(&e, &sig);
		t0 = bench_now_ns();
		ret = encls_einit(hw, &sig, &zero_token, e.secs);
		if (i)  /* sample 0 warms up */
			s[i - 1] = (double)(bench_now_ns() - t0);
		if (ret)
			die("EINIT", ret);
		ret = encls_eremove(hw, e.secs);
		if (ret)
			die("EREMOVE(SECS)", ret);
		measure_destroy(&e.m);
	}
	sample_median(s, BENCH_SAMPLES, &lat);
	bench_report_abs("einit", lat, 60000);
}

/* ---- EREPORT / EGETKEY ------------------------------------------------------------ */

static uint64_t lp_base;
static uint32_t identity_translate(void *ctx, uint64_t lin, unsigned int access, uint64_t *pa)
{
	struct encl_map { uint64_t lin; void *epc; } *map = ctx;
	unsigned int i;

	(void)access;
	for (i = 0; map[i].epc; i++) {
		if ((lin & SGX_PAGE_MASK) == map[i].lin) {
			*pa = (uintptr_t)map[i].epc + (lin & (SGX_PAGE_SIZE - 1));
			return 0;
		}
	}
	if (lin >= lp_base && lin - lp_base < (1ull << 16))
		return X86_PF_USER;
	*pa = lin;
	return 0;
}

struct key_ctx {
	struct hw_lp *lp;
	uint64_t a, b, c;
};

static void fn_ereport(void *ctx, uint64_t iters)
{
	struct key_ctx *k = ctx;
	unsigned int ret;

	while (iters--) {
		ret = enclu_ereport(k->lp, k->a, k->b, k->c);
		if (ret)
			die("EREPORT", ret);
	}
}

static void fn_egetkey(void *ctx, uint64_t iters)
{
	struct key_ctx *k = ctx;
	unsigned int ret;

	while (iters--) {
		ret = enclu_egetkey(k->lp, k->a, k->c);
		if (ret)
			die("EGETKEY", ret);
	}
}

static void fn_cmac_floor(void *ctx, uint64_t iters)
{
	uint8_t mac[16];

	(void)ctx;
	while (iters--)
		if (crypto_cmac(aad_buf, page_src, 384, mac))
			die("CMAC", 0);
}

static void bench_keys(void)
{
	static struct sgx_sigstruct sig __attribute__((aligned(4096)));
	static struct sgx_tcs tcs;
	struct { uint64_t lin; void *epc; } map[8] = { { 0, NULL } };
	struct bench_lat floor, rep, key_lat;
	struct hw_enter enter;
	struct hw_lp lp;
	struct key_ctx k;
	struct encl e;
	unsigned int i, ret;
	uint64_t rcx;

	lp_base = ENCL_BASE + (40ull << 32);
	ecreate(&e, lp_base, 1ull << 16);
	memset(&tcs, 0, sizeof(tcs));
	tcs.ssa_offset = 0x1000;
	tcs.nr_ssa_frames = 1;
	tcs.entry_offset = 0x3000;
	tcs.fs_limit = tcs.gs_limit = 0xffffffff;
	map[0].epc = eadd(&e, 0x0000, SGX_SECINFO_TCS, &tcs, true);
	map[1].epc = eadd(&e, 0x1000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W, page_src, true);
	map[2].epc = eadd(&e, 0x2000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W, page_src, true);
	map[3].epc = eadd(&e, 0x3000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X, page_src, true);
	for (i = 0; i < 4; i++)
		map[i].lin = lp_base + i * SGX_PAGE_SIZE;
	ret = einit(&e, &sig);
	if (ret)
		die("EINIT", ret);

	hw_lp_init(&lp, hw, identity_translate, map);
	ret = enclu_eenter(&lp, lp_base, 0x1234, 0, 0, &enter);
	if (ret)
		die("EENTER", ret);

	/* TARGETINFO, REPORTDATA at the start of the data page, REPORT after. */
	memset(map[2].epc, 0, SGX_PAGE_SIZE);
	k.lp = &lp;
	k.a = lp_base + 0x2000;                 /* TARGETINFO / KEYREQUEST */
	k.b = lp_base + 0x2200;                 /* REPORTDATA */
	k.c = lp_base + 0x2400;                 /* REPORT / key */
	rep = bench_run(fn_ereport, &k, 64);
	/* KEYREQUEST: SEAL key, MRSIGNER policy. */
	((struct sgx_keyrequest *)map[2].epc)->key_name = SGX_KEYSELECT_SEAL;
	((struct sgx_keyrequest *)map[2].epc)->key_policy = SGX_KEYPOLICY_MRSIGNER;
	key_lat = bench_run(fn_egetkey, &k, 64);
	floor = bench_run(fn_cmac_floor, NULL, 256);
	bench_report_lat("ereport", rep, "aes_cmac_384B", floor, 0);
	bench_report_lat("egetkey_seal", key_lat, "aes_cmac_384B", floor, 0);
	ret = enclu_eexit(&lp, &rcx);
	if (ret)
		die("EEXIT", ret);
}

void bench_hw(void)
{
	struct hw_config cfg;
	int ret;

	hw_config_default(&cfg);
	cfg.epc_size = 64ull << 20;
	ret = hw_platform_create(&cfg, &hw);
	if (ret) {
		fprintf(stderr, "sgxemu-bench: platform: %s\n", strerror(-ret));
		exit(1);
	}
	if (crypto_rsa_generate(3072, &key))
		die("RSA key generation", 0);
	memset(page_src, 0xa5, sizeof(page_src));
	memset(measured_bytes, 0x5a, sizeof(measured_bytes));

	printf("\n-- emulated CPU (hw/) --\n");
	bench_build();
	bench_paging();
	bench_einit();
	bench_keys();

	crypto_rsa_free(key);
	hw_platform_destroy(hw);
}
