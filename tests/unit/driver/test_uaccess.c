// SPDX-License-Identifier: MIT
/*
 * User memory access (uaccess.c): fault-safe copies (also through the pipe
 * fallback, with process_vm_* forbidden by seccomp in a child), and
 * find_vma() with VM_MAYEXEC through PROCMAP_QUERY and through the text
 * of /proc/self/maps.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447            /* x86-64, Linux 5.14 */
#endif

#include "drv_test_util.h"
#include "sgx.h"
#include "uaccess.h"

static uint8_t *two_pages_second_gone(void)
{
	uint8_t *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	munmap(p + 4096, 4096);
	memset(p, 0x5a, 4096);
	return p;
}

/* Two pages of a one-page file, MAP_SHARED: the second is past EOF (SIGBUS). */
static uint8_t *past_eof(void)
{
	char path[] = "/tmp/sgxemu-uaccess-XXXXXX";
	uint8_t *p;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 4096), 0);
	p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(p != MAP_FAILED);
	memset(p, 0x77, 4096);
	return p;
}

/* The copy rows; returns the first failing row or -1. */
static int copy_rows(void)
{
	uint8_t buf[64], big[2 * 4096], *p = two_pages_second_gone(), *ro, *eof = past_eof();
	int row = 0;

	/* 0 */ if (sgx_copy_from_user(buf, 0, 8) != -EFAULT) return row; row++;
	/* 1 */ if (sgx_copy_from_user(buf, (uintptr_t)p, 64) || buf[63] != 0x5a) return row; row++;
	/* 2 */ if (sgx_copy_from_user(buf, (uintptr_t)p + 4096 - 32, 64) != -EFAULT) return row; row++;
	/* 3 */ if (sgx_copy_from_user_partial(buf, (uintptr_t)p + 4096 - 32, 64) != 32) return row;
	row++;
	/* 4 */ if (sgx_copy_to_user((uintptr_t)p + 8, "hello", 6) || memcmp(p + 8, "hello", 6))
		return row;
	row++;
	/* 5 */ if (sgx_copy_to_user((uintptr_t)p + 4096 - 4, buf, 8) != -EFAULT) return row; row++;
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* 6 */ if (sgx_copy_to_user((uintptr_t)ro, buf, 8) != -EFAULT) return row; row++;
	/* 7 */ if (sgx_copy_from_user(buf, (uintptr_t)ro, 8) || buf[0]) return row; row++;
	/* 8 */ if (sgx_copy_from_user(buf, (uintptr_t)p, 0)) return row; row++;
	/* 9 */ if (sgx_copy_from_user_partial(big, (uintptr_t)eof + 100, sizeof(big)) != 4096 - 100 ||
		    big[0] != 0x77)
		return row;
	row++;
	/* 10 */ if (sgx_copy_to_user((uintptr_t)eof + 4096 - 8, buf, 16) != -EFAULT) return row;
	row++;
	/* 11 */ if (sgx_copy_to_user((uintptr_t)eof + 4096 - 8, "12345678", 8) ||
		     memcmp(eof + 4096 - 8, "12345678", 8))
		return row;
	row++;
	munmap(eof, 2 * 4096);
	munmap(ro, 4096);
	munmap(p, 4096);
	return -1;
}

static void test_copies(void **state)
{
	int row;

	(void)state;
	row = copy_rows();
	if (row >= 0)
		fail_msg("row %d", row);
}

/* The same rows with the direct copy and its fixups: each bad row faults. */
static void test_copies_direct(void **state)
{
	uint64_t fixups = sgx_uaccess_fixups();
	int row;

	(void)state;
	drvt_uaccess_direct(true);
	row = copy_rows();
	drvt_uaccess_direct(false);
	if (row >= 0)
		fail_msg("row %d (direct)", row);
	/* Rows 0, 2, 3, 5, 6, 9 and 10. */
	assert_true(sgx_uaccess_fixups() >= fixups + 7);
}

/*
 * Fixups wired, but SIGSEGV and SIGBUS blocked in this thread: a fault
 * would kill the process, so the copies go through the syscalls.
 */
static void test_copies_signals_blocked(void **state)
{
	uint64_t fixups = sgx_uaccess_fixups();
	sigset_t block, old;
	int row;

	(void)state;
	drvt_uaccess_direct(true);
	sigemptyset(&block);
	sigaddset(&block, SIGSEGV);
	sigaddset(&block, SIGBUS);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	row = copy_rows();
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	drvt_uaccess_direct(false);
	if (row >= 0)
		fail_msg("row %d (signals blocked)", row);
	assert_int_equal(sgx_uaccess_fixups(), fixups);
}

static int direct_off(void **state)
{
	(void)state;
	drvt_uaccess_direct(false);
	return 0;
}

/* The same rows with process_vm_readv/writev answering EPERM. */
static void test_copies_pipe_fallback(void **state)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_writev, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		uint8_t b;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			_exit(100);
		if (sgx_copy_from_user(&b, (uintptr_t)&status, 1) || b != ((uint8_t *)&status)[0])
			_exit(101);
		_exit(copy_rows() + 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100) {
		print_message("[ SKIPPED  ] no seccomp here\n");
		return;
	}
	if (WEXITSTATUS(status))
		fail_msg("row %d (pipe fallback)", WEXITSTATUS(status) - 1);
}

/* The start of the mapping /proc/self/maps names @name, or NULL. */
static uint8_t *maps_find(const char *name)
{
	unsigned long long start = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) > strlen(name) &&
		    !strcmp(line + strlen(line) - strlen(name), name) &&
		    sscanf(line, "%llx-", &start) == 1)
			break;
		start = 0;
	}
	fclose(f);
	return (uint8_t *)(uintptr_t)start;
}

static void vma_rows(struct drvt *d)
{
	const char *nx = drvt_noexec_dir();
	struct sgx_user_vma v;
	uint8_t *anon, *file, *nxf, *nxd;

	anon = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	/* 0: anonymous memory may always become executable. */
	assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)anon + 5, &v), 0);
	assert_true(v.start <= (uintptr_t)anon && v.end >= (uintptr_t)anon + 8192);
	assert_true(v.may_exec);
	/* 1: a file on an exec mount. */
	file = drvt_file_pages("/tmp", 1, 0, PROT_READ, false);
	assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)file, &v), 0);
	assert_true(v.may_exec);
	/* 2: the stack, and this code. */
	assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)&v, &v), 0);
	assert_true(v.may_exec);
	assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)vma_rows, &v), 0);
	assert_true(v.may_exec);
	/* 2b: the vDSO's data is a PFN mapping, its code is not. */
	if (maps_find("[vvar]")) {
		assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)maps_find("[vvar]"), &v), 0);
		assert_true(v.no_gup && v.readable);
	}
	if (maps_find("[vdso]")) {
		assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)maps_find("[vdso]"), &v), 0);
		assert_false(v.no_gup);
	}
	assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)file, &v), 0);
	assert_false(v.no_gup);
	/* 3: nothing at or above the top of the address space. */
	assert_int_equal(sgx_find_user_vma(d->drv, 0x7ffffffff000ull, &v), -EFAULT);
	if (!nx) {
		print_message("[ SKIPPED  ] noexec rows: no private mount here\n");
	} else {
		/* 4: a file on a noexec mount; 5: the same file deleted. */
		nxf = drvt_file_pages(nx, 2, 0, PROT_READ, false);
		assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)nxf + 4096, &v), 0);
		assert_false(v.may_exec);
		nxd = drvt_file_pages(nx, 1, 0, PROT_READ, true);
		assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)nxd, &v), 0);
		assert_false(v.may_exec);
		/* 6: find_vma() semantics: an address in the hole below a
		 * mapping finds that mapping. */
		munmap(nxf, 4096);
		assert_int_equal(sgx_find_user_vma(d->drv, (uintptr_t)nxf, &v), 0);
		assert_int_equal(v.start, (uintptr_t)nxf + 4096);
		assert_false(v.may_exec);
		munmap(nxf + 4096, 4096);
		munmap(nxd, 4096);
	}
	munmap(file, 4096);
	munmap(anon, 8192);
}

static void test_find_vma(void **state)
{
	struct drvt d;

	(void)state;
	drvt_setup(&d, NULL);
	vma_rows(&d);
	if (atomic_load(&d.drv->procmap_query) < 0)
		print_message("[   INFO   ] no PROCMAP_QUERY: text path only\n");
	/* Again through the text of /proc/self/maps. */
	atomic_store(&d.drv->procmap_query, -1);
	vma_rows(&d);
	drvt_file_cleanup();
	drvt_teardown(&d);
}

/* ---- the noexec verdict, cached per source mapping ----------------------- */

static void remount(const char *dir, bool noexec)
{
	assert_int_equal(mount("tmpfs", dir, "tmpfs", MS_REMOUNT | (noexec ? MS_NOEXEC : 0),
			       "size=1m"), 0);
}

static long add_rx(struct drvt_encl *e, uint64_t offset, const void *src)
{
	return drvt_add_src(e, offset, src, 1, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X,
			    true, NULL);
}

/*
 * A cached verdict never outlives the mount it was about: remounting the
 * source's filesystem exec or noexec changes the answer for the very same
 * mapping at the next call, as without a cache. Also after the process
 * moved to a new mount namespace, once a miss has shown the move.
 */
static void test_noexec_verdict_follows_mounts(void **state)
{
	const char *nx = drvt_noexec_dir();
	struct sgx_user_vma v;
	struct drvt_encl e;
	uint8_t *f, *g;
	struct drvt d;

	(void)state;
	if (!nx) {
		print_message("[ SKIPPED  ] no private mount here\n");
		return;
	}
	drvt_setup(&d, NULL);
	drvt_encl(&d, &e, 1ull << 20, 0);
	f = drvt_file_pages(nx, 1, 0x21, PROT_READ, false);

	assert_int_equal(add_rx(&e, 0x0000, f), -EACCES);
	assert_int_equal(add_rx(&e, 0x0000, f), -EACCES);
	remount(nx, false);
	assert_int_equal(add_rx(&e, 0x0000, f), 0);
	assert_int_equal(sgx_find_user_vma(d.drv, (uintptr_t)f, &v), 0);
	assert_true(v.may_exec);
	remount(nx, true);
	assert_int_equal(add_rx(&e, 0x1000, f), -EACCES);
	assert_int_equal(sgx_find_user_vma(d.drv, (uintptr_t)f, &v), 0);
	assert_false(v.may_exec);

	/* A namespace of its own: the next miss (a new mapping) follows it. */
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	g = drvt_file_pages(nx, 1, 0x31, PROT_READ, false);
	assert_int_equal(add_rx(&e, 0x1000, g), -EACCES);
	remount(nx, false);
	assert_int_equal(add_rx(&e, 0x1000, g), 0);
	assert_int_equal(add_rx(&e, 0x2000, f), 0);
	remount(nx, true);
	assert_int_equal(add_rx(&e, 0x3000, f), -EACCES);

	assert_int_equal(drvt_init(&e), 0);
	munmap(g, 4096);
	munmap(f, 4096);
	drvt_close(&e);
	drvt_teardown(&d);
	drvt_file_cleanup();
}

/* ---- ADD_PAGES: a source that faults part-way, each copy path ------------ */

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102          /* Linux 6.13 */
#endif

#define RW (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)

enum copy_path { PATH_SYSCALLS, PATH_DIRECT, PATH_FAULT_HANDLER };

static uint8_t *anon_pages(uint64_t n)
{
	uint8_t *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	uint64_t i;

	assert_true(p != MAP_FAILED);
	for (i = 0; i < n; i++)
		memset(p + i * 4096, (int)(0x10 + i), 4096);
	return p;
}

/* A page of memfd_secret() memory, or NULL where the kernel has none. */
static uint8_t *secret_page(void)
{
	uint8_t *p;
	int fd;

	fd = (int)syscall(SYS_memfd_secret, 0);
	if (fd < 0)
		return NULL;
	p = ftruncate(fd, 4096) ? MAP_FAILED :
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5e, 4096);
	return p;
}

/* A deleted file of @npages, page i filled with @fill + i; the descriptor. */
static int file_fd(uint64_t npages, uint8_t fill)
{
	static int fds[8];
	static unsigned int next;
	char path[] = "/tmp/sgxemu-uaccess-src-XXXXXX";
	uint8_t page[4096];
	uint64_t i;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	for (i = 0; i < npages; i++) {
		memset(page, (int)(fill + i), sizeof(page));
		assert_int_equal(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
	}
	/* Closed the next time round: the mapping keeps the file. */
	if (fds[next % 8] > 0)
		close(fds[next % 8]);
	fds[next++ % 8] = fd;
	return fd;
}

/*
 * Sources that stop being readable part-way - a hole, the end of a file
 * (SIGBUS), a guard page (SIGSEGV although find_vma() calls the mapping
 * readable) - an unmapped source, and a count that cannot be written back.
 * Every added page is measured into the shadow measurement, so the INIT at
 * the end proves the driver added exactly the pages it counted, with
 * their contents. Through the fault handler the copies fault with
 * mm_lock and the enclave lock held: the fixup must come first, before the
 * driver's fault path is asked anything.
 */
static void add_pages_faults(enum copy_path path)
{
	struct sgx_enclave_add_pages *arg;
	struct sgx_secinfo secinfo __attribute__((aligned(64))) = { .flags = RW };
	struct sgx_driver_stats st0, st1;
	uint64_t count, off = 0, fixups;
	uint8_t *hole, *eof, *guard, *gone, *two, *vvar, *secret;
	struct drvt_encl e;
	struct drvt d;

	drvt_setup(&d, NULL);
	drvt_encl(&d, &e, 1ull << 20, 0);
	if (path == PATH_DIRECT)
		drvt_uaccess_direct(true);
	if (path == PATH_FAULT_HANDLER)
		drvt_fault_install(d.drv);
	sgx_driver_stats(d.drv, &st0);
	fixups = sgx_uaccess_fixups();

	/* 0: page 23 of 40 unmapped: 23 pages in. */
	hole = anon_pages(40);
	munmap(hole + 23 * 4096, 4096);
	assert_int_equal(drvt_add_src(&e, off, hole, 40, RW, true, &count), -EFAULT);
	assert_int_equal(count, 23 * 4096);
	off += count;
	/* 1: past the end of the file from the second page on. */
	eof = past_eof();
	assert_int_equal(drvt_add_src(&e, off, eof, 2, RW, true, &count), -EFAULT);
	assert_int_equal(count, 4096);
	off += count;
	/* 2: a guard page at page 17 of 20. */
	guard = anon_pages(20);
	if (madvise(guard + 17 * 4096, 4096, MADV_GUARD_INSTALL)) {
		print_message("[ SKIPPED  ] guard-page row: no MADV_GUARD_INSTALL here\n");
	} else {
		assert_int_equal(drvt_add_src(&e, off, guard, 20, RW, true, &count), -EFAULT);
		assert_int_equal(count, 17 * 4096);
		off += count;
	}
	/* 3: a source over two file mappings side by side: all in. */
	two = anon_pages(5);
	assert_true(mmap(two, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			 file_fd(3, 0x50), 0) == two);
	assert_true(mmap(two + 3 * 4096, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			 file_fd(2, 0x60), 0) == two + 3 * 4096);
	assert_int_equal(drvt_add_src(&e, off, two, 5, RW, true, &count), 0);
	assert_int_equal(count, 5 * 4096);
	off += count;
	/*
	 * 4: the vDSO's data page, a PFN mapping get_user_pages() refuses
	 * (readable all the same): never copied.
	 */
	vvar = maps_find("[vvar]");
	if (vvar) {
		assert_int_equal(drvt_add_src(&e, off, vvar, 1, RW, true, &count), -EFAULT);
		assert_int_equal(count, 0);
	}
	/* 4b: memfd_secret() memory, which get_user_pages() refuses too. */
	secret = secret_page();
	if (secret) {
		assert_int_equal(drvt_add_src(&e, off, secret, 1, RW, true, &count), -EFAULT);
		assert_int_equal(count, 0);
		munmap(secret, 4096);
	}
	/* 5: nothing mapped at the source: -EFAULT, count 0 written back. */
	gone = anon_pages(1);
	munmap(gone, 4096);
	assert_int_equal(drvt_add_src(&e, off, gone, 1, RW, true, &count), -EFAULT);
	assert_int_equal(count, 0);
	/* 6: count not writable: -EFAULT, the pages are in all the same. */
	arg = (struct sgx_enclave_add_pages *)anon_pages(1);
	memset(arg, 0, sizeof(*arg));
	arg->src = (uint64_t)(uintptr_t)hole;
	arg->offset = off;
	arg->length = 2 * 4096;
	arg->secinfo = (uint64_t)(uintptr_t)&secinfo;
	arg->flags = SGX_PAGE_MEASURE;
	arg->count = 0xdead;
	assert_int_equal(mprotect(arg, 4096, PROT_READ), 0);
	assert_int_equal(drvt_ioctl(&e, SGX_IOC_ENCLAVE_ADD_PAGES, arg), -EFAULT);
	assert_int_equal(arg->count, 0xdead);
	assert_int_equal(measure_page(&e.m, off, RW, hole, true), 0);
	assert_int_equal(measure_page(&e.m, off + 4096, RW, hole + 4096, true), 0);

	sgx_driver_stats(d.drv, &st1);
	if (path == PATH_FAULT_HANDLER)
		drvt_fault_uninstall();
	if (path == PATH_DIRECT)
		drvt_uaccess_direct(false);
	/* Only the copies fault; never the driver's fault path. */
	assert_int_equal(st1.faults, st0.faults);
	if (path == PATH_SYSCALLS)
		assert_int_equal(sgx_uaccess_fixups(), fixups);
	else
		assert_true(sgx_uaccess_fixups() >= fixups + 2);

	assert_int_equal(drvt_init(&e), 0);
	munmap(arg, 4096);
	munmap(two, 5 * 4096);
	munmap(guard, 20 * 4096);
	munmap(eof, 2 * 4096);
	munmap(hole, 40 * 4096);
	drvt_close(&e);
	drvt_teardown(&d);
}

static void test_add_pages_faults(void **state)
{
	(void)state;
	add_pages_faults(PATH_SYSCALLS);
}

static void test_add_pages_faults_direct(void **state)
{
	(void)state;
	add_pages_faults(PATH_DIRECT);
}

static void test_add_pages_faults_fault_handler(void **state)
{
	(void)state;
	add_pages_faults(PATH_FAULT_HANDLER);
}

static int fault_handler_off(void **state)
{
	(void)state;
	sgx_uaccess_set_fixups(false);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies),
		cmocka_unit_test_teardown(test_copies_direct, direct_off),
		cmocka_unit_test_teardown(test_copies_signals_blocked, direct_off),
		cmocka_unit_test(test_copies_pipe_fallback),
		cmocka_unit_test(test_find_vma),
		cmocka_unit_test(test_noexec_verdict_follows_mounts),
		cmocka_unit_test(test_add_pages_faults),
		cmocka_unit_test_teardown(test_add_pages_faults_direct, direct_off),
		cmocka_unit_test_teardown(test_add_pages_faults_fault_handler, fault_handler_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
