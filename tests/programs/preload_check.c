// SPDX-License-Identifier: MIT
/*
 * What a program sees under `sgxemu run`, checked from the program's side
 * with nothing but libc: the device nodes (stat, access, open, fstat,
 * read, dup, close, mmap), ioctl errnos, the vDSO image (both the SGX
 * entry and the real vDSO's functions), CPUID, the signal functions
 * reporting the program's own state, and fork.
 *
 * Usage (under sgxemu run --epc 8M): preload_check
 */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sgxemu/uapi/sgx.h"

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "preload_check: FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		failures++; \
	} \
} while (0)

/* The selftests' vDSO lookup: PT_DYNAMIC by p_offset, SysV hash. */
static void *vdso_sym(const char *name)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *symtab = NULL;
	const Elf32_Word *hash = NULL;
	const char *str = NULL;
	unsigned long h = 0, g;
	const char *p;
	Elf32_Word i;

	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			symtab = (const Elf64_Sym *)(base + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(base + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_HASH)
			hash = (const Elf32_Word *)(base + dyn->d_un.d_ptr);
	}
	if (!symtab || !str || !hash)
		return NULL;
	for (p = name; *p; p++) {
		h = (h << 4) + (unsigned char)*p;
		g = h & 0xf0000000;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	for (i = hash[2 + h % hash[0]]; i; i = hash[2 + hash[0] + i])
		if (!strcmp(str + symtab[i].st_name, name))
			return (void *)(base + symtab[i].st_value);
	return NULL;
}

static void check_devices(void)
{
	struct stat st;
	char c;
	int fd, fd2;

	CHECK(!stat("/dev/sgx_enclave", &st), "stat: %s", strerror(errno));
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 10, "not a misc character device");
	CHECK(!stat("/dev//sgx_enclave", &st), "stat of //: %s", strerror(errno));
	CHECK(!stat("/dev/sgx_provision", &st) && S_ISCHR(st.st_mode), "sgx_provision stat");
	CHECK(!access("/dev/sgx_enclave", R_OK | W_OK), "access: %s", strerror(errno));
	CHECK(stat("/dev/sgx_nothing", &st) == -1 && errno == ENOENT, "a node that is not there");

	fd = open("/dev/sgx_enclave", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK(!fstat(fd, &st) && S_ISCHR(st.st_mode), "fstat");
	CHECK(read(fd, &c, 1) == -1 && errno == EINVAL, "read: not EINVAL");
	CHECK(ioctl(fd, 0xa4ff, 0) == -1 && errno == ENOTTY, "unknown ioctl: not ENOTTY");
	CHECK(ioctl(fd, SGX_IOC_ENCLAVE_CREATE, (void *)16) == -1 && errno == EFAULT,
	      "CREATE with a bad pointer: not EFAULT (%s)", strerror(errno));
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "MAP_PRIVATE: not EINVAL");
	{
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);

		CHECK(p != MAP_FAILED, "mmap before CREATE: %s", strerror(errno));
		if (p != MAP_FAILED)
			CHECK(!munmap(p, 4096), "munmap");
	}
	fd2 = dup(fd);
	CHECK(fd2 >= 0, "dup");
	close(fd);
	/* The dup still names the enclave. */
	CHECK(ioctl(fd2, SGX_IOC_ENCLAVE_INIT, (void *)16) == -1 && errno == EINVAL,
	      "INIT before CREATE on the dup: not EINVAL (%s)", strerror(errno));
	close(fd2);

	/* The provision device is a capability, nothing more. */
	fd = open("/dev/sgx_provision", O_RDONLY);
	CHECK(fd >= 0, "open sgx_provision");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED, "mmap of sgx_provision");
	close(fd);
}

static void check_vdso(void)
{
	int (*gettime)(clockid_t, struct timespec *) = vdso_sym("__vdso_clock_gettime");
	vdso_sgx_enter_enclave_t enter = vdso_sym("__vdso_sgx_enter_enclave");
	struct sgx_enclave_run run;
	struct timespec a, b;

	CHECK(enter != NULL, "no __vdso_sgx_enter_enclave in the vDSO");
	CHECK(gettime != NULL, "the real vDSO's functions are gone");
	if (gettime) {
		CHECK(!gettime(CLOCK_MONOTONIC, &a) && !clock_gettime(CLOCK_MONOTONIC, &b),
		      "clock_gettime");
		CHECK(b.tv_sec - a.tv_sec < 5, "the vDSO's clock_gettime is off");
	}
	if (enter) {
		memset(&run, 0, sizeof(run));
		run.reserved[7] = 1;
		CHECK(enter(0, 0, 0, 2, 0, 0, &run) == -EINVAL, "reserved bytes: not -EINVAL");
		memset(&run, 0, sizeof(run));
		CHECK(enter(0, 0, 0, 4, 0, 0, &run) == -EINVAL, "EEXIT as a leaf: not -EINVAL");
	}
}

static void check_cpuid(void)
{
	unsigned int a, b, c, d;
	uint64_t size;

	__cpuid_count(7, 0, a, b, c, d);
	CHECK(b & (1u << 2), "CPUID.7: no SGX");
	CHECK(c & (1u << 30), "CPUID.7: no SGX_LC");
	__cpuid_count(0x12, 0, a, b, c, d);
	CHECK((a & 3) == 3, "CPUID.0x12: not SGX1+SGX2 (%#x)", a);
	__cpuid_count(0x12, 2, a, b, c, d);
	size = (c & 0xfffff000u) + ((uint64_t)(d & 0xfffff) << 32);
	CHECK((a & 0xf) == 1 && size == 8ull << 20, "EPC section: type %u, %llu bytes", a & 0xf,
	      (unsigned long long)size);
}

static void handler(int sig)
{
	(void)sig;
}

static void check_signals(void)
{
	struct sigaction old, act;
	sigset_t set, got;
	FILE *f;
	char line[256];
	unsigned long long blk = 0;

	CHECK(!sigaction(SIGSEGV, NULL, &old) && old.sa_handler == SIG_DFL,
	      "SIGSEGV: the program sees a handler it did not install");
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	CHECK(!sigaction(SIGUSR1, &act, NULL), "sigaction");
	CHECK(!sigaction(SIGUSR1, NULL, &old) && old.sa_handler == handler, "handler not reported");
	CHECK(!raise(SIGUSR1), "raise");

	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigaddset(&set, SIGUSR2);
	CHECK(!sigprocmask(SIG_BLOCK, &set, NULL), "sigprocmask");
	CHECK(!sigprocmask(SIG_BLOCK, NULL, &got) && sigismember(&got, SIGSEGV) &&
	      sigismember(&got, SIGUSR2), "the mask the program set is not what it sees");
	f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigBlk:", 7))
			blk = strtoull(line + 7, NULL, 16);
	if (f)
		fclose(f);
	CHECK(!(blk & (1ull << (SIGSEGV - 1))), "SIGSEGV really blocked: sgxemu needs it");
	CHECK(blk & (1ull << (SIGUSR2 - 1)), "SIGUSR2 not blocked");
	CHECK(!sigprocmask(SIG_UNBLOCK, &set, NULL), "unblock");
}

static void check_fork(void)
{
	int fd = open("/dev/sgx_enclave", O_RDWR), status = 0;
	struct sgx_enclave_create create = { 0 };
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		int fd2 = open("/dev/sgx_enclave", O_RDWR);

		/* The parent's enclave is not the child's. */
		if (ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &create) != -1 || errno != EINVAL)
			_exit(3);
		/* Its own device works (CREATE of a zero SECS: -EINVAL from the size check). */
		if (fd2 < 0 || ioctl(fd2, SGX_IOC_ENCLAVE_CREATE, &create) != -1 || errno == ENOTTY)
			_exit(4);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork/wait");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fork child: status %d", status);
	close(fd);
}

int main(void)
{
	check_devices();
	check_vdso();
	check_cpuid();
	check_signals();
	check_fork();
	if (failures)
		return 1;
	printf("preload_check: devices, vDSO, CPUID, signals, fork: ok\n");
	return 0;
}
