// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw_test_util.h"

#ifndef HWT_KEY_PEM
#error "HWT_KEY_PEM must name tests/unit/hw/test_key.pem"
#endif

void hwt_setup_keyfile(struct hwt *t, const struct hw_config *cfg, const char *keyfile)
{
	struct hw_config def;
	int ret;

	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/sgxemu-test-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	if (keyfile)
		snprintf(t->keyfile, sizeof(t->keyfile), "%s", keyfile);
	else
		snprintf(t->keyfile, sizeof(t->keyfile), "%s/platform.key", t->dir);
	if (!cfg) {
		hw_config_default(&def);
		cfg = &def;
	}
	def = *cfg;
	def.root_key_path = t->keyfile;
	ret = hw_platform_create(&def, &t->hw);
	if (ret)
		fail_msg("hw_platform_create: %s", strerror(-ret));
}

void hwt_setup(struct hwt *t, const struct hw_config *cfg)
{
	hwt_setup_keyfile(t, cfg, NULL);
}

void hwt_teardown(struct hwt *t)
{
	char path[160];

	hw_platform_destroy(t->hw);
	t->hw = NULL;
	snprintf(path, sizeof(path), "%s/platform.key", t->dir);
	unlink(path);
	rmdir(t->dir);
}

void *hwt_epc(struct hwt *t)
{
	uint64_t n = hw_epc_nr_pages(t->hw), i;
	struct hw_epcm_info info;

	for (i = 0; i < n; i++) {
		uint64_t idx = (t->next_epc + i) % n;

		assert_int_equal(hw_epcm_read(t->hw, idx, &info), 0);
		if (!info.valid) {
			t->next_epc = idx + 1;
			return hw_epc_page(t->hw, idx);
		}
	}
	fail_msg("EPC exhausted");
	return NULL;
}

uint64_t hwt_epc_index(struct hwt *t, const void *epc)
{
	uint64_t idx = 0;

	assert_int_equal(hw_epc_index(t->hw, epc, &idx), 0);
	return idx;
}

void hwt_secs_init(struct sgx_secs *secs, uint64_t base, uint64_t size)
{
	memset(secs, 0, sizeof(*secs));
	secs->base = base;
	secs->size = size;
	secs->ssa_frame_size = 1;
	secs->attributes = SGX_ATTR_MODE64BIT;
	secs->xfrm = SGX_XFRM_LEGACY;
}

void hwt_tcs_init(struct sgx_tcs *tcs, uint64_t ossa, uint32_t nssa, uint64_t oentry)
{
	memset(tcs, 0, sizeof(*tcs));
	tcs->ssa_offset = ossa;
	tcs->nr_ssa_frames = nssa;
	tcs->entry_offset = oentry;
	tcs->fs_limit = 0xffffffff;
	tcs->gs_limit = 0xffffffff;
}

unsigned int hwt_ecreate_secs(struct hwt *t, struct hwt_encl *e, const struct sgx_secs *secs)
{
	static struct sgx_secinfo secinfo;  /* zero, as the kernel passes it */
	struct sgx_pageinfo pginfo = { 0 };
	unsigned int ret;

	memset(e, 0, sizeof(*e));
	e->t = t;
	e->secs = hwt_epc(t);
	e->base = secs->base;
	e->size = secs->size;
	e->ssa_frame_size = secs->ssa_frame_size;
	e->miscselect = secs->miscselect;
	e->attributes = secs->attributes;
	e->xfrm = secs->xfrm;

	pginfo.contents = (uint64_t)(uintptr_t)secs;
	pginfo.metadata = (uint64_t)(uintptr_t)&secinfo;
	ret = encls_ecreate(t->hw, &pginfo, e->secs);
	if (ret == 0) {
		assert_int_equal(measure_init(&e->m), 0);
		assert_int_equal(measure_ecreate(&e->m, secs->ssa_frame_size, secs->size), 0);
		e->measuring = true;
	}
	return ret;
}

unsigned int hwt_ecreate(struct hwt *t, struct hwt_encl *e, uint64_t base, uint64_t size,
			 uint64_t attributes)
{
	static struct sgx_secs secs;

	hwt_secs_init(&secs, base, size);
	secs.attributes |= attributes;
	return hwt_ecreate_secs(t, e, &secs);
}

unsigned int hwt_eadd(struct hwt_encl *e, uint64_t offset, uint64_t flags, const void *content,
		      bool measure, void **epc_out)
{
	static const uint8_t zero[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	static uint8_t src[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	struct sgx_secinfo secinfo = { .flags = flags };
	struct sgx_pageinfo pginfo = { 0 };
	void *epc = hwt_epc(e->t);
	unsigned int ret;
	uint64_t off;

	memcpy(src, content ? content : zero, sizeof(src));
	pginfo.addr = e->base + offset;
	pginfo.contents = (uint64_t)(uintptr_t)src;
	pginfo.metadata = (uint64_t)(uintptr_t)&secinfo;
	pginfo.secs = (uint64_t)(uintptr_t)e->secs;
	ret = encls_eadd(e->t->hw, &pginfo, epc);
	if (epc_out)
		*epc_out = epc;
	if (ret)
		return ret;
	hwt_map(e, e->base + offset, epc);
	if (e->measuring)
		assert_int_equal(measure_eadd(&e->m, offset, flags), 0);
	if (!measure)
		return 0;
	for (off = 0; off < SGX_PAGE_SIZE; off += MEASURE_EEXTEND_CHUNK) {
		ret = encls_eextend(e->t->hw, e->secs, (uint8_t *)epc + off);
		if (ret)
			return ret;
		if (e->measuring)
			assert_int_equal(measure_eextend(&e->m, offset + off, src + off), 0);
	}
	return 0;
}

const struct crypto_rsa_key *hwt_key(void)
{
	static struct crypto_rsa_key *key;

	if (!key)
		assert_int_equal(crypto_rsa_load_pem(HWT_KEY_PEM, &key), 0);
	return key;
}

void hwt_sigstruct(struct hwt_encl *e, struct sgx_sigstruct *sig)
{
	struct measure copy;

	sigstruct_init(sig);
	sig->body.attributes = e->attributes & ~SGX_ATTR_INIT;
	sig->body.xfrm = e->xfrm;
	sig->body.miscselect = e->miscselect;
	/* Finalize a copy so the shadow measurement can still grow. */
	assert_int_equal(crypto_sha256_dup(e->m.sha, &copy.sha), 0);
	assert_int_equal(measure_final(&copy, sig->body.mrenclave), 0);
	measure_destroy(&copy);
	assert_int_equal(sigstruct_sign(sig, hwt_key()), 0);
}

unsigned int hwt_einit(struct hwt_encl *e)
{
	static struct sgx_sigstruct sig __attribute__((aligned(4096)));
	static struct sgx_einittoken token;
	uint8_t mrsigner[32];
	unsigned int i;

	hwt_sigstruct(e, &sig);
	assert_int_equal(crypto_sha256(sig.modulus, sizeof(sig.modulus), mrsigner), 0);
	for (i = 0; i < 4; i++) {
		uint64_t v;

		memcpy(&v, mrsigner + 8 * i, 8);
		assert_int_equal(hw_wrmsr(e->t->hw, MSR_IA32_SGXLEPUBKEYHASH0 + i, v), 0);
	}
	memset(&token, 0, sizeof(token));
	return encls_einit(e->t->hw, &sig, &token, e->secs);
}

void hwt_build_default(struct hwt *t, struct hwt_encl *e, uint64_t attributes)
{
	static struct sgx_secs secs;

	hwt_secs_init(&secs, HWT_BASE, 0x10000);
	secs.attributes |= attributes;
	hwt_build_secs(t, e, &secs);
}

void hwt_build_secs(struct hwt *t, struct hwt_encl *e, const struct sgx_secs *secs)
{
	unsigned int ret;

	hwt_build_layout(t, e, secs);
	ret = hwt_einit(e);
	if (ret)
		fail_msg("EINIT: %s", hw_sgx_error_name(ret));
}

void hwt_build_layout(struct hwt *t, struct hwt_encl *e, const struct sgx_secs *secs)
{
	static struct sgx_tcs tcs;
	static uint8_t code[SGX_PAGE_SIZE];
	unsigned int ret;

	ret = hwt_ecreate_secs(t, e, secs);
	if (ret)
		fail_msg("ECREATE: %s", hw_sgx_error_name(ret));

	hwt_tcs_init(&tcs, 0x1000, 2, 0x3000);
	assert_leaf(0, hwt_eadd(e, 0x0000, SGX_SECINFO_TCS, &tcs, true, NULL), 0);
	assert_leaf(1, hwt_eadd(e, 0x1000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
				NULL, true, NULL), 0);
	assert_leaf(2, hwt_eadd(e, 0x2000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
				NULL, true, NULL), 0);
	memset(code, 0xcc, sizeof(code));      /* int3 */
	assert_leaf(3, hwt_eadd(e, 0x3000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X,
				code, true, NULL), 0);
	assert_leaf(4, hwt_eadd(e, 0x4000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
				NULL, true, NULL), 0);
	hwt_tcs_init(&tcs, 0x6000, 2, 0x3000);
	assert_leaf(5, hwt_eadd(e, 0x5000, SGX_SECINFO_TCS, &tcs, true, NULL), 0);
	assert_leaf(6, hwt_eadd(e, 0x6000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
				NULL, true, NULL), 0);
	assert_leaf(7, hwt_eadd(e, 0x7000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
				NULL, true, NULL), 0);
}

void hwt_map(struct hwt_encl *e, uint64_t lin, void *epc)
{
	size_t i;

	for (i = 0; i < e->nr_pages; i++) {
		if (e->pages[i].lin == lin) {
			e->pages[i].epc = epc;
			return;
		}
	}
	assert_true(e->nr_pages < HWT_MAX_PAGES);
	e->pages[e->nr_pages].lin = lin;
	e->pages[e->nr_pages].epc = epc;
	e->nr_pages++;
}

void hwt_unmap(struct hwt_encl *e, uint64_t lin)
{
	size_t i;

	for (i = 0; i < e->nr_pages; i++) {
		if (e->pages[i].lin == lin) {
			e->pages[i] = e->pages[--e->nr_pages];
			return;
		}
	}
}

void *hwt_lookup(struct hwt_encl *e, uint64_t lin)
{
	size_t i;

	lin &= SGX_PAGE_MASK;
	for (i = 0; i < e->nr_pages; i++)
		if (e->pages[i].lin == lin)
			return e->pages[i].epc;
	return NULL;
}

uint32_t hwt_translate(void *ctx, uint64_t lin, unsigned int access, uint64_t *pa)
{
	struct hwt_encl *e = ctx;
	uint8_t *epc;

	if (lin < e->base || lin - e->base >= e->size) {
		*pa = lin;
		return 0;
	}
	epc = hwt_lookup(e, lin);
	if (!epc)
		return X86_PF_USER | ((access & HW_ACC_WRITE) ? X86_PF_WRITE : 0) |
		       ((access & HW_ACC_EXEC) ? X86_PF_INSTR : 0);
	*pa = (uint64_t)(uintptr_t)(epc + (lin & (SGX_PAGE_SIZE - 1)));
	return 0;
}

void hwt_lp(struct hwt_encl *e, struct hw_lp *lp)
{
	hw_lp_init(lp, e->t->hw, hwt_translate, e);
}
