// SPDX-License-Identifier: MIT
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "hw_test_util.h"
#include "measure.h"
#include "rt_test_util.h"
#include "sigstruct.h"

void rtt_up(struct rtt *r, const struct hw_config *cfg)
{
	struct hw_config def;
	struct rt_config rc;

	if (!cfg) {
		hw_config_default(&def);
		cfg = &def;
	}
	assert_int_equal(hw_platform_create(cfg, &r->hw), 0);
	assert_int_equal(sgx_driver_create(r->hw, NULL, &r->drv), 0);
	rt_config_default(&rc);
	assert_int_equal(rt_init(r->hw, r->drv, NULL, &rc), 0);
}

void rtt_down(struct rtt *r)
{
	rt_fini();
	sgx_driver_destroy(r->drv);
	hw_platform_destroy(r->hw);
	memset(r, 0, sizeof(*r));
}

long rtt_ioctl(struct rtt_encl *e, unsigned int cmd, void *arg)
{
	return sgx_ioctl(e->f, cmd, (unsigned long)(uintptr_t)arg, NULL);
}

static void sign(struct rtt_encl *e, const struct sgx_secs *secs, struct sgx_sigstruct *sig)
{
	sigstruct_init(sig);
	sig->body.miscselect = secs->miscselect;
	sig->body.misc_mask = 0xffffffff;
	sig->body.attributes = secs->attributes;
	sig->body.attributes_mask = ~0ull & ~SGX_ATTR_INIT;
	sig->body.xfrm = secs->xfrm;
	sig->body.xfrm_mask = ~0ull;
	assert_int_equal(enclave_elf_measure(&e->elf, secs->ssa_frame_size, sig->body.mrenclave), 0);
	assert_int_equal(sigstruct_sign(sig, hwt_key()), 0);
}

void rtt_load(struct rtt *r, struct rtt_encl *e, uint64_t heap_pages)
{
	static struct sgx_secs secs;
	static struct sgx_sigstruct sig;
	struct sgx_enclave_create create = { .src = (uint64_t)(uintptr_t)&secs };
	struct sgx_enclave_init init = { .sigstruct = (uint64_t)(uintptr_t)&sig };
	char err[ENCLAVE_ELF_ERR_LEN];
	unsigned int i;
	intptr_t m;

	memset(e, 0, sizeof(*e));
	e->r = r;
	if (enclave_elf_load(RTT_ENCLAVE, heap_pages * 4096, &e->elf, err, sizeof(err)))
		fail_msg("%s", err);
	e->size = e->elf.encl_size;
	e->reserve = mmap(NULL, 2 * e->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
	assert_true(e->reserve != MAP_FAILED);
	e->base = ((uint64_t)(uintptr_t)e->reserve + e->size - 1) & ~(e->size - 1);
	assert_int_equal(sgx_open(r->drv, SGX_DEV_ENCLAVE, &e->f), 0);

	hwt_secs_init(&secs, e->base, e->size);
	secs.miscselect = SGX_MISC_EXINFO;
	assert_int_equal(rtt_ioctl(e, SGX_IOC_ENCLAVE_CREATE, &create), 0);
	for (i = 0; i < e->elf.nr_segs; i++) {
		const struct enclave_segment *s = &e->elf.segs[i];
		struct sgx_secinfo secinfo __attribute__((aligned(64))) = { .flags = s->secinfo_flags };
		struct sgx_enclave_add_pages add = {
			.src = (uint64_t)(uintptr_t)s->src,
			.offset = s->offset,
			.length = s->size,
			.secinfo = (uint64_t)(uintptr_t)&secinfo,
			.flags = s->measured ? SGX_PAGE_MEASURE : 0,
		};

		if (!s->size)
			continue;
		assert_int_equal(rtt_ioctl(e, SGX_IOC_ENCLAVE_ADD_PAGES, &add), 0);
		assert_int_equal(add.count, s->size);
		if (s->heap) {
			e->heap = s->offset;
			e->heap_size = s->size;
		}
	}
	sign(e, &secs, &sig);
	assert_int_equal(rtt_ioctl(e, SGX_IOC_ENCLAVE_INIT, &init), 0);

	for (i = 0; i < e->elf.nr_segs; i++) {
		const struct enclave_segment *s = &e->elf.segs[i];

		if (!s->size)
			continue;
		m = sgx_mmap(e->f, (void *)(uintptr_t)(e->base + s->offset), s->size, (int)s->prot,
			     MAP_SHARED | MAP_FIXED, 0);
		assert_int_equal(m, (intptr_t)(e->base + s->offset));
	}
}

void rtt_unload(struct rtt_encl *e)
{
	int ret;

	ret = sgx_munmap(e->r->drv, e->reserve, 2 * e->size);
	assert_true(ret == 0 || ret == 1);
	munmap(e->reserve, 2 * e->size);
	sgx_release(e->f);
	enclave_elf_free(&e->elf);
	memset(e, 0, sizeof(*e));
}

void rtt_call(struct rtt_encl *e, unsigned int tcs, struct encl_op *op)
{
	struct sgx_enclave_run run;

	assert_int_equal(rtt_enter(e, tcs, op, &run), 0);
	assert_int_equal(run.function, SGX_EEXIT);
	assert_int_equal(run.exception_vector, 0);
}

void *rtt_noaccess_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/*
 * cmocka installs its own SIGSEGV/SIGILL/... handlers around every test
 * with signal(). Under sgxemu a program's signal() goes through the
 * preload layer to rt_sigaction(); here the test executable exports this
 * signal() (meson: --export-dynamic-symbol) so that libcmocka's calls take
 * the same road and its handlers chain behind the runtime's.
 */
sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act, old;
	int ret;

	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	ret = rt_sigaction(sig, &act, &old);
	if (ret) {
		errno = -ret;
		return SIG_ERR;
	}
	return old.sa_handler;
}
