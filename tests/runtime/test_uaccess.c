// SPDX-License-Identifier: MIT
/*
 * The driver's direct user copies under the runtime: rt_init() wires the
 * fixups, so a bad pointer in an ioctl faults inside the driver's copy and
 * the runtime's SIGSEGV/SIGBUS handler turns the fault into -EFAULT -
 * with the driver's locks held, without entering the driver's fault path
 * and without the program's own handlers seeing anything. A thread that
 * blocks those signals gets the same answers through the syscalls.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw_test_util.h"
#include "rt_test_util.h"

#define ESIZE   (1ull << 20)
#define RW      (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)

static struct rtt r;
static atomic_uint prog_signals;

/* The program's own handler: a driver copy fault must never reach it. */
static void prog_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	atomic_fetch_add(&prog_signals, 1);
	signal(sig, SIG_DFL);
}

struct encl {
	struct sgx_file *f;
	void *reserve;
	uint64_t base;
};

static void encl_create(struct encl *e)
{
	static struct sgx_secs secs;
	struct sgx_enclave_create create = { .src = (uint64_t)(uintptr_t)&secs };

	e->reserve = mmap(NULL, 2 * ESIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
	assert_true(e->reserve != MAP_FAILED);
	e->base = ((uint64_t)(uintptr_t)e->reserve + ESIZE - 1) & ~(ESIZE - 1);
	assert_int_equal(sgx_open(r.drv, SGX_DEV_ENCLAVE, &e->f), 0);
	hwt_secs_init(&secs, e->base, ESIZE);
	assert_int_equal(sgx_ioctl(e->f, SGX_IOC_ENCLAVE_CREATE, (uintptr_t)&create, NULL), 0);
}

static void encl_destroy(struct encl *e)
{
	int ret = sgx_munmap(r.drv, e->reserve, 2 * ESIZE);

	assert_true(ret == 0 || ret == 1);
	sgx_release(e->f);
	munmap(e->reserve, 2 * ESIZE);
}

static const struct sgx_secinfo secinfo __attribute__((aligned(64))) = { .flags = RW };

static void add_arg(struct sgx_enclave_add_pages *arg, uint64_t offset, const void *src,
		    uint64_t npages)
{
	arg->src = (uint64_t)(uintptr_t)src;
	arg->offset = offset;
	arg->length = npages * 4096;
	arg->secinfo = (uint64_t)(uintptr_t)&secinfo;
	arg->flags = SGX_PAGE_MEASURE;
	arg->count = 0xdead;
}

/* ADD_PAGES of @npages from @src at @offset; *@count receives add_arg.count. */
static long add(struct encl *e, uint64_t offset, const void *src, uint64_t npages,
		struct sgx_enclave_add_pages *arg, uint64_t *count)
{
	long ret;

	add_arg(arg, offset, src, npages);
	ret = sgx_ioctl(e->f, SGX_IOC_ENCLAVE_ADD_PAGES, (uintptr_t)arg, NULL);
	*count = arg->count;
	return ret;
}

static uint8_t *anon(uint64_t npages)
{
	uint8_t *p = mmap(NULL, npages * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	memset(p, 0x5a, npages * 4096);
	return p;
}

/* Two pages mapped from a one-page file: the second is beyond EOF (SIGBUS). */
static uint8_t *past_eof(void)
{
	char path[] = "/tmp/sgxemu-rt-uaccess-XXXXXX";
	static uint8_t page[4096];
	uint8_t *p;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	memset(page, 0x33, sizeof(page));
	assert_int_equal(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
	p = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	assert_true(p != MAP_FAILED);
	return p;
}

/*
 * Every bad pointer ADD_PAGES can meet, and a good call after them: the
 * driver's locks were released. @direct: the copies go direct (each bad
 * pointer is a fixed-up fault), or through the syscalls (none).
 */
static void bad_pointers(bool direct)
{
	struct sgx_enclave_add_pages *arg;
	struct sgx_driver_stats st0, st1;
	uint64_t count, off = 0, fixups = sgx_uaccess_fixups();
	uint8_t *hole, *eof, *gone;
	struct encl e;

	sgx_driver_stats(r.drv, &st0);
	encl_create(&e);
	arg = (struct sgx_enclave_add_pages *)anon(1);

	/* 0: a source unmapped halfway through: the pages before it are in. */
	hole = anon(40);
	munmap(hole + 23 * 4096, 4096);
	assert_int_equal(add(&e, off, hole, 40, arg, &count), -EFAULT);
	assert_int_equal(count, 23 * 4096);
	off += count;
	/* 1: a source not mapped at all: nothing added, count written back. */
	gone = anon(1);
	munmap(gone, 4096);
	assert_int_equal(add(&e, off, gone, 1, arg, &count), -EFAULT);
	assert_int_equal(count, 0);
	/* 2: a source page beyond the end of its file (SIGBUS). */
	eof = past_eof();
	assert_int_equal(add(&e, off, eof, 2, arg, &count), -EFAULT);
	assert_int_equal(count, 4096);
	off += count;
	/* 3: count cannot be written back: -EFAULT, but the pages went in. */
	add_arg(arg, off, hole, 2);
	assert_int_equal(mprotect(arg, 4096, PROT_READ), 0);
	assert_int_equal(sgx_ioctl(e.f, SGX_IOC_ENCLAVE_ADD_PAGES, (uintptr_t)arg, NULL), -EFAULT);
	assert_int_equal(arg->count, 0xdead);
	off += 2 * 4096;
	assert_int_equal(mprotect(arg, 4096, PROT_READ | PROT_WRITE), 0);
	/* 4: the argument itself unmapped. */
	assert_int_equal(sgx_ioctl(e.f, SGX_IOC_ENCLAVE_ADD_PAGES, (uintptr_t)gone, NULL),
			 -EFAULT);
	/* 5: and a good call: nothing was left locked. */
	assert_int_equal(add(&e, off, hole, 1, arg, &count), 0);
	assert_int_equal(count, 4096);

	/* The driver's fault path never saw these faults. */
	sgx_driver_stats(r.drv, &st1);
	assert_int_equal(st1.faults, st0.faults);
	assert_int_equal(atomic_load(&prog_signals), 0);
	/* Rows 2, 3 and 4 fault in the copy; 0 and 1 end at find_vma(). */
	if (direct)
		assert_true(sgx_uaccess_fixups() >= fixups + 3);
	else
		assert_int_equal(sgx_uaccess_fixups(), fixups);

	munmap(eof, 2 * 4096);
	munmap(hole, 40 * 4096);
	munmap(arg, 4096);
	encl_destroy(&e);
}

static void install_prog_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = prog_handler;
	sa.sa_flags = SA_SIGINFO;
	assert_int_equal(rt_sigaction(SIGSEGV, &sa, NULL), 0);
	assert_int_equal(rt_sigaction(SIGBUS, &sa, NULL), 0);
}

static void test_bad_pointers(void **state)
{
	(void)state;
	install_prog_handlers();
	bad_pointers(true);
}

/* SIGSEGV and SIGBUS blocked: a fault would kill, so the copies take the syscalls. */
static void test_bad_pointers_signals_blocked(void **state)
{
	sigset_t block, old;

	(void)state;
	install_prog_handlers();
	sigemptyset(&block);
	sigaddset(&block, SIGSEGV);
	sigaddset(&block, SIGBUS);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	bad_pointers(false);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102          /* Linux 6.13 */
#endif

/*
 * Three anonymous pages, the third a guard page: find_vma() calls it
 * readable, touching it is SIGSEGV. NULL where the kernel has no guards.
 */
static uint8_t *guarded(void)
{
	uint8_t *p = anon(3);

	if (madvise(p + 2 * 4096, 4096, MADV_GUARD_INSTALL)) {
		munmap(p, 3 * 4096);
		return NULL;
	}
	return p;
}

/*
 * Faults inside the source copy, so with mm_lock and the enclave lock
 * held - SIGBUS past the end of a file, SIGSEGV on a guard page - while
 * another thread keeps taking mm_lock for writing (mmap and munmap of
 * another enclave): no deadlock, no SIGBUS for the program, every answer
 * exact.
 */
static atomic_bool stop;

static void *mapper(void *arg)
{
	struct encl *other = arg;

	while (!atomic_load(&stop)) {
		intptr_t m = sgx_mmap(other->f, (void *)(uintptr_t)other->base, 4096, PROT_READ,
				      MAP_SHARED | MAP_FIXED, 0);

		if (m < 0)
			return (void *)1;
		if (sgx_munmap(r.drv, (void *)(uintptr_t)other->base, 4096) < 0)
			return (void *)2;
	}
	return NULL;
}

static void test_fault_under_locks(void **state)
{
	struct sgx_enclave_add_pages *arg;
	uint64_t count, i, off = 0, fixups = sgx_uaccess_fixups();
	struct sgx_driver_stats st0, st1;
	uint8_t *eof, *guard;
	struct encl e, other;
	pthread_t th;
	void *res;

	(void)state;
	install_prog_handlers();
	encl_create(&e);
	encl_create(&other);
	arg = (struct sgx_enclave_add_pages *)anon(1);
	eof = past_eof();
	guard = guarded();
	if (!guard)
		print_message("[ SKIPPED  ] guard-page rows: no MADV_GUARD_INSTALL here\n");
	sgx_driver_stats(r.drv, &st0);

	atomic_store(&stop, false);
	assert_int_equal(pthread_create(&th, NULL, mapper, &other), 0);
	for (i = 0; i < 50; i++) {
		assert_int_equal(add(&e, off, eof, 2, arg, &count), -EFAULT);
		assert_int_equal(count, 4096);
		off += count;
		if (!guard)
			continue;
		assert_int_equal(add(&e, off, guard, 3, arg, &count), -EFAULT);
		assert_int_equal(count, 2 * 4096);
		off += count;
	}
	atomic_store(&stop, true);
	assert_int_equal(pthread_join(th, &res), 0);
	assert_null(res);

	sgx_driver_stats(r.drv, &st1);
	assert_int_equal(st1.faults, st0.faults);
	assert_int_equal(atomic_load(&prog_signals), 0);
	assert_true(sgx_uaccess_fixups() >= fixups + (guard ? 100 : 50));

	if (guard)
		munmap(guard, 3 * 4096);
	munmap(eof, 2 * 4096);
	munmap(arg, 4096);
	encl_destroy(&other);
	encl_destroy(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_pointers),
		cmocka_unit_test(test_bad_pointers_signals_blocked),
		cmocka_unit_test(test_fault_under_locks),
	};
	int ret;

	rtt_up(&r, NULL);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rtt_down(&r);
	return ret;
}
