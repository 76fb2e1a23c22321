// SPDX-License-Identifier: MIT
/*
 * User memory access (uaccess.c): fault-safe copies (also through the pipe
 * fallback, with process_vm_* forbidden by seccomp in a child), and
 * find_vma() with VM_MAYEXEC through PROCMAP_QUERY and through the text
 * of /proc/self/maps.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* The copy rows; returns the first failing row or -1. */
static int copy_rows(void)
{
	uint8_t buf[64], *p = two_pages_second_gone(), *ro;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies),
		cmocka_unit_test(test_copies_pipe_fallback),
		cmocka_unit_test(test_find_vma),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
