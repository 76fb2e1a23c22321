// SPDX-License-Identifier: MIT
/*
 * libsgxemu_preload.so: the init ladder, run once from the library's only
 * constructor, and its undoing from the only destructor.
 *
 *   1. resolve libc's functions (RTLD_NEXT) and find this library's text
 *   2. configuration from the SGXEMU_* environment (`sgxemu run` sets it)
 *   3. the policy file, if one is named (refuse to run without it)
 *   4. the runtime (runtime/): signal handlers, CPUID faulting
 *   5. the emulated platform (hw/) and the driver over it (driver/) are
 *      created on first use (pl_platform()): most processes never open
 *      an SGX device, and an EPC costs its size in memory
 *   6. the vDSO image with __vdso_sgx_enter_enclave
 *   7. fork handlers, statistics
 *
 * A failure is fatal: a program that asked for SGX under sgxemu must not
 * run without it. The message names what failed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"
#include "preload.h"
#include "rt.h"

struct pl_state pl = { .log_level = PL_WARN };
struct pl_real real;

#define RESOLVE(name) \
	do { if (!real.name) real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name); } while (0)

void pl_resolve(void)
{
	RESOLVE(open);
	RESOLVE(openat);
	RESOLVE(close);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(fcntl);
	RESOLVE(ioctl);
	RESOLVE(mmap);
	RESOLVE(munmap);
	RESOLVE(mprotect);
	RESOLVE(mremap);
	RESOLVE(stat);
	RESOLVE(lstat);
	RESOLVE(fstat);
	RESOLVE(fstatat);
	RESOLVE(statx);
	RESOLVE(access);
	RESOLVE(faccessat);
	RESOLVE(read);
	RESOLVE(write);
	RESOLVE(sigaction);
	RESOLVE(sigprocmask);
	RESOLVE(pthread_sigmask);
	RESOLVE(sigaltstack);
	RESOLVE(getauxval);
}

void pl_log(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (level > pl.log_level)
		return;
	n = snprintf(buf, sizeof(buf), "sgxemu[%d]: ", (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (real.write)
		(void)real.write(STDERR_FILENO, buf, (size_t)n);
}

static void __attribute__((noreturn)) fatal(const char *what, const char *why)
{
	pl.log_level = PL_ERROR;
	pl_log(PL_ERROR, "%s: %s; refusing to run the program without it", what, why);
	_exit(127);
}

/* This library's code, for pl_from_us(). */
static int find_text(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t self = (uintptr_t)arg;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && self >= lo &&
		    self < lo + ph->p_memsz) {
			pl.text_lo = lo;
			pl.text_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

static int log_level_from_env(void)
{
	const char *v = getenv("SGXEMU_LOG");

	if (!v || !*v)
		return PL_WARN;
	if (!strcmp(v, "error"))
		return PL_ERROR;
	if (!strcmp(v, "info"))
		return PL_INFO;
	if (!strcmp(v, "debug"))
		return PL_DEBUG;
	return PL_WARN;
}

/* The configuration the platform will have (step 2). */
static struct hw_config platform_cfg;
/* platform_lock protects: creating pl.hw and pl.drv. */
static pthread_mutex_t platform_lock = PTHREAD_MUTEX_INITIALIZER;

int pl_platform(void)
{
	struct sgx_driver_config dcfg = { 0 };
	struct hw_platform *hw;
	struct sgx_driver *drv;
	int ret = 0;

	if (__atomic_load_n(&pl.drv, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&platform_lock);
	if (pl.drv)
		goto out_unlock;
	ret = hw_platform_create(&platform_cfg, &hw);
	if (ret) {
		pl_log(PL_ERROR, "the emulated platform: %s", strerror(-ret));
		goto out_unlock;
	}
	dcfg.policy = pl.policy;
	ret = sgx_driver_create(hw, &dcfg, &drv);
	if (ret) {
		pl_log(PL_ERROR, "the SGX driver: %s", strerror(-ret));
		hw_platform_destroy(hw);
		goto out_unlock;
	}
	pl.hw = hw;
	rt_set_platform(hw, drv);
	__atomic_store_n(&pl.drv, drv, __ATOMIC_RELEASE);
	pl_log(PL_INFO, "platform up: %llu MiB of EPC, SGX%s",
	       (unsigned long long)(platform_cfg.epc_size >> 20), platform_cfg.sgx2 ? "2" : "1");
out_unlock:
	pthread_mutex_unlock(&platform_lock);
	return ret;
}

/* Steps 2 and 5: the configuration, checked, and the runtime. */
static void runtime_up(void)
{
	struct rt_config rcfg;
	char err[256];
	int ret;

	if (hw_config_from_env(&platform_cfg, err, sizeof(err)))
		fatal("configuration", err);
	rt_config_default(&rcfg);
	rcfg.real_sigaction = real.sigaction;
	ret = rt_init(NULL, NULL, &platform_cfg, &rcfg);
	if (ret == -ENOSYS)
		fatal("CPUID faulting", "this kernel or CPU cannot trap CPUID "
		      "(arch_prctl(ARCH_SET_CPUID) failed)");
	if (ret)
		fatal("the runtime", strerror(-ret));
}

/*
 * fork(): the child gets a platform of its own (on first use), as a
 * process with its own EPC would; the parent's objects stay as they were
 * copied (another thread of the parent may have held their locks) and are
 * never touched again. Descriptors of the parent's enclaves become stale.
 */
static void atfork_child(void)
{
	if (!pl.up)
		return;
	pl.generation++;
	pl_fds_fork_child();
	pthread_mutex_init(&platform_lock, NULL);
	pl.hw = NULL;
	pl.drv = NULL;
	rt_fork_child(NULL, NULL);
	if (pl.stats_path && pl_stats_start())
		pl_log(PL_WARN, "statistics: cannot start the writer in this child");
}

__attribute__((constructor))
static void pl_init(void)
{
	char err[256];
	const char *path;
	int ret;

	pl_resolve();
	dl_iterate_phdr(find_text, (void *)(uintptr_t)&pl_init);
	pl.log_level = log_level_from_env();

	path = getenv("SGXEMU_POLICY");
	if (path && *path) {
		ret = policy_load_file(path, &pl.policy, err, sizeof(err));
		if (ret)
			fatal("the enclave policy", err);
	}
	runtime_up();
	ret = pl_vdso_build();
	if (ret)
		fatal("the vDSO image", strerror(-ret));
	pthread_atfork(NULL, NULL, atfork_child);
	path = getenv("SGXEMU_STATS");
	if (path && *path) {
		pl.stats_path = path;
		if (pl_stats_start())
			fatal("statistics", "cannot start the writer");
	}
	pl.up = true;
}

__attribute__((destructor))
static void pl_fini(void)
{
	if (!pl.up)
		return;
	/* The program is done with enclaves; only the figures remain to write. */
	if (pl.stats_path) {
		pl_stats_stop();
		pl_stats_write();
	}
}
