// SPDX-License-Identifier: MIT
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "hw_test_util.h"
#include "rt_test_util.h"

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

void rtt_load(struct rtt *r, struct rtt_encl *e, uint64_t heap_pages)
{
	char err[256];

	memset(e, 0, sizeof(*e));
	e->r = r;
	if (encl_load(r->drv, RTT_ENCLAVE, heap_pages, hwt_key(), &e->l, err, sizeof(err)))
		fail_msg("loading the test enclave: %s", err);
	e->f = e->l.f;
	e->base = e->l.base;
	e->size = e->l.size;
	e->heap = e->l.heap;
	e->heap_size = e->l.heap_size;
}

void rtt_unload(struct rtt_encl *e)
{
	encl_unload(&e->l);
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
