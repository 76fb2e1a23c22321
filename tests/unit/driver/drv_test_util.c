// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <ucontext.h>
#include <unistd.h>

#include "drv_test_util.h"
#include "lp.h"

void drvt_setup_drv(struct drvt *d, const struct hw_config *cfg,
		    const struct sgx_driver_config *dc)
{
	int ret;

	memset(d, 0, sizeof(*d));
	hwt_setup(&d->t, cfg);
	ret = sgx_driver_create(d->t.hw, dc, &d->drv);
	if (ret)
		fail_msg("sgx_driver_create: %s", strerror(-ret));
}

void drvt_setup(struct drvt *d, const struct hw_config *cfg)
{
	drvt_setup_drv(d, cfg, NULL);
}

void drvt_setup_policy(struct drvt *d, const struct hw_config *cfg, struct policy *policy)
{
	struct sgx_driver_config dc = { .policy = policy };

	drvt_setup_drv(d, cfg, &dc);
}

void drvt_setup_manual(struct drvt *d, const struct hw_config *cfg)
{
	struct sgx_driver_config dc = { .manual_reclaim = true };

	drvt_setup_drv(d, cfg, &dc);
}

uint64_t drvt_epcm_valid(struct drvt *d)
{
	struct hw_stats st;

	hw_stats_read(d->t.hw, &st);
	return st.epcm_valid;
}

void drvt_teardown(struct drvt *d)
{
	sgx_driver_destroy(d->drv);
	d->drv = NULL;
	assert_int_equal(drvt_epcm_valid(d), 0);
	hwt_teardown(&d->t);
}

void drvt_open(struct drvt *d, struct drvt_encl *e, uint64_t size)
{
	uint8_t *p;

	memset(e, 0, sizeof(*e));
	e->d = d;
	e->size = size;
	assert_int_equal(sgx_open(d->drv, SGX_DEV_ENCLAVE, &e->f), 0);
	p = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	e->reserve = p;
	e->base = ((uint64_t)(uintptr_t)p + size - 1) & ~(size - 1);
}

long drvt_ioctl(struct drvt_encl *e, unsigned int cmd, const void *arg)
{
	return sgx_ioctl(e->f, cmd, (unsigned long)(uintptr_t)arg, NULL);
}

long drvt_create(struct drvt_encl *e, uint64_t attributes)
{
	static struct sgx_secs secs;
	struct sgx_enclave_create arg = { .src = (uint64_t)(uintptr_t)&secs };
	long ret;

	hwt_secs_init(&secs, e->base, e->size);
	secs.attributes |= attributes;
	e->attributes = secs.attributes;
	ret = drvt_ioctl(e, SGX_IOC_ENCLAVE_CREATE, &arg);
	if (!ret) {
		assert_int_equal(measure_init(&e->m), 0);
		assert_int_equal(measure_ecreate(&e->m, secs.ssa_frame_size, e->size), 0);
		e->measuring = true;
	}
	return ret;
}

void drvt_encl(struct drvt *d, struct drvt_encl *e, uint64_t size, uint64_t attributes)
{
	drvt_open(d, e, size);
	assert_int_equal(drvt_create(e, attributes), 0);
}

long drvt_add(struct drvt_encl *e, uint64_t offset, uint64_t npages, uint64_t flags,
	      uint8_t fill, const void *content, bool measure, uint64_t *count)
{
	struct sgx_secinfo secinfo = { .flags = flags };
	struct sgx_enclave_add_pages arg = { 0 };
	uint8_t *src;
	uint64_t i;
	long ret;

	src = mmap(NULL, npages * SGX_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(src != MAP_FAILED);
	for (i = 0; i < npages; i++) {
		if (content)
			memcpy(src + i * SGX_PAGE_SIZE, content, SGX_PAGE_SIZE);
		else
			memset(src + i * SGX_PAGE_SIZE, (uint8_t)(fill + i), SGX_PAGE_SIZE);
	}
	arg.src = (uint64_t)(uintptr_t)src;
	arg.offset = offset;
	arg.length = npages * SGX_PAGE_SIZE;
	arg.secinfo = (uint64_t)(uintptr_t)&secinfo;
	arg.flags = measure ? SGX_PAGE_MEASURE : 0;
	ret = drvt_ioctl(e, SGX_IOC_ENCLAVE_ADD_PAGES, &arg);
	for (i = 0; e->measuring && i < arg.count / SGX_PAGE_SIZE; i++)
		assert_int_equal(measure_page(&e->m, offset + i * SGX_PAGE_SIZE, flags,
					      src + i * SGX_PAGE_SIZE, measure), 0);
	if (count)
		*count = arg.count;
	munmap(src, npages * SGX_PAGE_SIZE);
	return ret;
}

long drvt_add_src(struct drvt_encl *e, uint64_t offset, const void *src, uint64_t npages,
		  uint64_t flags, bool measure, uint64_t *count)
{
	struct sgx_secinfo secinfo __attribute__((aligned(64))) = { .flags = flags };
	struct sgx_enclave_add_pages arg = { 0 };
	uint64_t i;
	long ret;

	arg.src = (uint64_t)(uintptr_t)src;
	arg.offset = offset;
	arg.length = npages * SGX_PAGE_SIZE;
	arg.secinfo = (uint64_t)(uintptr_t)&secinfo;
	arg.flags = measure ? SGX_PAGE_MEASURE : 0;
	ret = drvt_ioctl(e, SGX_IOC_ENCLAVE_ADD_PAGES, &arg);
	for (i = 0; e->measuring && i < arg.count / SGX_PAGE_SIZE; i++)
		assert_int_equal(measure_page(&e->m, offset + i * SGX_PAGE_SIZE, flags,
					      (const uint8_t *)src + i * SGX_PAGE_SIZE, measure), 0);
	if (count)
		*count = arg.count;
	return ret;
}

void drvt_sigstruct(struct drvt_encl *e, struct sgx_sigstruct *sig)
{
	struct measure copy;

	sigstruct_init(sig);
	sig->body.attributes = e->attributes & ~SGX_ATTR_INIT;
	sig->body.xfrm = SGX_XFRM_LEGACY;
	assert_int_equal(crypto_sha256_dup(e->m.sha, &copy.sha), 0);
	assert_int_equal(measure_final(&copy, sig->body.mrenclave), 0);
	measure_destroy(&copy);
	assert_int_equal(sigstruct_sign(sig, hwt_key()), 0);
}

long drvt_init(struct drvt_encl *e)
{
	static struct sgx_sigstruct sig;
	struct sgx_enclave_init arg = { .sigstruct = (uint64_t)(uintptr_t)&sig };

	drvt_sigstruct(e, &sig);
	return drvt_ioctl(e, SGX_IOC_ENCLAVE_INIT, &arg);
}

void drvt_close(struct drvt_encl *e)
{
	int ret;

	if (e->f)
		sgx_release(e->f);
	e->f = NULL;
	ret = sgx_munmap(e->d->drv, e->reserve, 2 * e->size);
	assert_true(ret == 0 || ret == 1);
	munmap(e->reserve, 2 * e->size);
	if (e->measuring)
		measure_destroy(&e->m);
	e->measuring = false;
}

intptr_t drvt_mmap(struct drvt_encl *e, uint64_t offset, uint64_t len, int prot)
{
	return sgx_mmap(e->f, (void *)(uintptr_t)(e->base + offset), len, prot,
			MAP_SHARED | MAP_FIXED, 0);
}

uint64_t drvt_epc_of(struct drvt *d, uint64_t lin)
{
	uint64_t n = hw_epc_nr_pages(d->t.hw), i;
	struct hw_epcm_info info;

	for (i = 0; i < n; i++) {
		assert_int_equal(hw_epcm_read(d->t.hw, i, &info), 0);
		if (info.valid && info.page_type != SGX_PT_SECS && info.page_type != SGX_PT_VA &&
		    info.linaddr == (lin & SGX_PAGE_MASK))
			return i;
	}
	fail_msg("no EPC page at 0x%llx", (unsigned long long)lin);
	return 0;
}

static char noexec_dir[64];
static int noexec_state;                /* 0 unknown, 1 ready, -1 unavailable */

const char *drvt_noexec_dir(void)
{
	if (noexec_state)
		return noexec_state > 0 ? noexec_dir : NULL;
	noexec_state = -1;
	if (unshare(CLONE_NEWNS))
		return NULL;
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return NULL;
	strcpy(noexec_dir, "/tmp/sgxemu-noexec-XXXXXX");
	if (!mkdtemp(noexec_dir))
		return NULL;
	if (mount("tmpfs", noexec_dir, "tmpfs", MS_NOEXEC, "size=1m")) {
		rmdir(noexec_dir);
		return NULL;
	}
	noexec_state = 1;
	return noexec_dir;
}

static char kept[8][128];
static unsigned int nr_kept;

void drvt_file_cleanup(void)
{
	while (nr_kept)
		unlink(kept[--nr_kept]);
	if (noexec_state > 0) {
		umount2(noexec_dir, MNT_DETACH);
		rmdir(noexec_dir);
		noexec_state = 0;
	}
}

void *drvt_file_pages(const char *dir, uint64_t npages, uint8_t fill, int prot, bool deleted)
{
	char path[128];
	uint8_t page[SGX_PAGE_SIZE];
	uint64_t i;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/src-XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	if (deleted || nr_kept == 8)
		unlink(path);
	else
		snprintf(kept[nr_kept++], sizeof(kept[0]), "%s", path);
	for (i = 0; i < npages; i++) {
		memset(page, (uint8_t)(fill + i), sizeof(page));
		assert_int_equal(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
	}
	p = mmap(NULL, npages * SGX_PAGE_SIZE, prot, MAP_PRIVATE, fd, 0);
	close(fd);
	assert_true(p != MAP_FAILED);
	return p;
}

/* ---- faults -------------------------------------------------------------- */

static struct sgx_driver *fault_drv;
static sigjmp_buf fault_env;
static volatile struct drvt_touch fault_state;
static struct sigaction old_segv;

static struct sigaction old_bus;

/* First what the runtime's handler does first: the driver's copy fixups. */
static bool uaccess_fixup(ucontext_t *uc)
{
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];

	if (!sgx_uaccess_fixup(&rip))
		return false;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)rip;
	return true;
}

/* SIGBUS (and SIGSEGV under drvt_uaccess_direct()): fixups only. */
static void fixup_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	if (uaccess_fixup(ctx))
		return;
	signal(sig, SIG_DFL);           /* the access faults again and kills us */
}

static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint64_t err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
	unsigned int access = HW_ACC_READ;
	enum sgx_fault_result res;
	uint32_t code = 0;

	(void)sig;
	if (uaccess_fixup(uc))
		return;
	if (err & X86_PF_WRITE)
		access = HW_ACC_WRITE;
	else if (err & X86_PF_INSTR)
		access = HW_ACC_EXEC;
	res = sgx_encl_fault(fault_drv, (uint64_t)(uintptr_t)si->si_addr, access, &code);
	fault_state.faults++;
	fault_state.addr = (uint64_t)(uintptr_t)si->si_addr;
	if ((res == SGX_FAULT_HANDLED || res == SGX_FAULT_RETRY) && fault_state.faults < 64)
		return;
	fault_state.res = res;
	fault_state.code = code;
	siglongjmp(fault_env, 1);
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, old), 0);
}

void drvt_fault_install(struct sgx_driver *drv)
{
	fault_drv = drv;
	install(SIGSEGV, segv_handler, &old_segv);
	install(SIGBUS, fixup_handler, &old_bus);
	sgx_uaccess_set_fixups(true);
}

void drvt_fault_uninstall(void)
{
	sgx_uaccess_set_fixups(false);
	assert_int_equal(sigaction(SIGSEGV, &old_segv, NULL), 0);
	assert_int_equal(sigaction(SIGBUS, &old_bus, NULL), 0);
	fault_drv = NULL;
}

void drvt_uaccess_direct(bool on)
{
	static bool is_on;

	if (on == is_on)
		return;
	is_on = on;
	if (on) {
		install(SIGSEGV, fixup_handler, &old_segv);
		install(SIGBUS, fixup_handler, &old_bus);
		sgx_uaccess_set_fixups(true);
		return;
	}
	sgx_uaccess_set_fixups(false);
	assert_int_equal(sigaction(SIGSEGV, &old_segv, NULL), 0);
	assert_int_equal(sigaction(SIGBUS, &old_bus, NULL), 0);
}

struct drvt_touch drvt_touch(void *addr, unsigned int access, uint64_t value)
{
	struct drvt_touch out;

	memset((void *)&fault_state, 0, sizeof(fault_state));
	if (!sigsetjmp(fault_env, 1)) {
		if (access & HW_ACC_WRITE) {
			*(volatile uint64_t *)addr = value;
		} else if (access & HW_ACC_EXEC) {
			void (*fn)(void) = (void (*)(void))addr;

			fn();
		} else {
			fault_state.value = *(volatile uint64_t *)addr;
		}
		fault_state.res = SGX_FAULT_HANDLED;
	}
	memcpy(&out, (const void *)&fault_state, sizeof(out));
	return out;
}
