/* SPDX-License-Identifier: MIT */
/*
 * The preload layer: what makes an unmodified SGX program see an SGX2
 * machine with an upstream kernel. libsgxemu_preload.so interposes the libc
 * entry points that touch the SGX device files and enclave memory, plus
 * getauxval(AT_SYSINFO_EHDR) and the signal functions; everything else
 * passes straight to libc. Private to preload/.
 *
 * Calls that come from sgxemu's own code (the driver mapping EPC pages,
 * the runtime installing handlers) are never interposed: every wrapper
 * first checks whether its caller lies in this library's text
 * (pl_from_us()) and, if so, goes straight to libc.
 */
#ifndef SGXEMU_PRELOAD_PRELOAD_H
#define SGXEMU_PRELOAD_PRELOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "driver.h"
#include "platform.h"

#define PL_EXPORT __attribute__((visibility("default")))

enum pl_log_level { PL_ERROR, PL_WARN, PL_INFO, PL_DEBUG };

struct policy;

struct pl_state {
	bool up;
	struct hw_platform *hw;
	struct sgx_driver *drv;
	struct policy *policy;
	int log_level;
	unsigned int generation;        /* bumped in each fork child */
	uintptr_t text_lo, text_hi;     /* this library's code */
	const char *stats_path;
};

extern struct pl_state pl;

/* libc's versions of what the wrappers interpose (RTLD_NEXT). */
struct pl_real {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	int (*mprotect)(void *, size_t, int);
	void *(*mremap)(void *, size_t, size_t, int, ...);
	int (*stat)(const char *, struct stat *);
	int (*lstat)(const char *, struct stat *);
	int (*fstat)(int, struct stat *);
	int (*fstatat)(int, const char *, struct stat *, int);
	int (*statx)(int, const char *, int, unsigned int, struct statx *);
	int (*access)(const char *, int);
	int (*faccessat)(int, const char *, int, int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*sigprocmask)(int, const sigset_t *, sigset_t *);
	int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
	int (*sigaltstack)(const stack_t *, stack_t *);
	unsigned long (*getauxval)(unsigned long);
};

extern struct pl_real real;

/**
 * pl_platform() - make sure pl.hw and pl.drv exist (created on first use).
 * Return: 0 or -errno (logged).
 */
int pl_platform(void) __attribute__((warn_unused_result));

/* Resolve real.* (idempotent; wrappers call it before their first use). */
void pl_resolve(void);

/* Is the code at @ret (a return address) sgxemu's own? */
static inline bool pl_addr_is_ours(const void *ret)
{
	uintptr_t a = (uintptr_t)ret;

	return a >= pl.text_lo && a < pl.text_hi;
}

/* In a wrapper: was it called by sgxemu itself (pass straight through)? */
#define pl_from_us() pl_addr_is_ours(__builtin_return_address(0))

void pl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- devices.c ---------------------------------------------------------- */

/* Is @path one of the SGX device nodes? Which one in *@dev. */
bool pl_device_path(int dirfd, const char *path, enum sgx_dev *dev);
/* A stat of device @dev. */
void pl_device_stat(enum sgx_dev dev, struct stat *st);

/* ---- fds.c ------------------------------------------------------------- */

/* Install @f (a reference the table takes over) at real descriptor @fd. */
int pl_fd_install(int fd, struct sgx_file *f) __attribute__((warn_unused_result));
/* The file behind @fd, or NULL. *@stale: true if it belongs to a parent process. */
struct sgx_file *pl_fd_lookup(int fd, bool *stale);
/* Forget @fd (closed); drops the table's reference. */
void pl_fd_forget(int fd);
/* @newfd now refers to what @oldfd does. */
void pl_fd_dup(int oldfd, int newfd);
/* After fork: every descriptor belongs to the parent's platform now. */
void pl_fds_fork_child(void);

/* ---- vdso.c ------------------------------------------------------------ */

/* The vDSO image with __vdso_sgx_enter_enclave (0 until built). */
extern unsigned long pl_vdso_image;
int pl_vdso_build(void) __attribute__((warn_unused_result));

/* ---- signals.c ------------------------------------------------------------ */

/* Signals the program may not really block (sgxemu needs them delivered). */
void pl_signals_reserved(sigset_t *set);

/* ---- stats.c ------------------------------------------------------------- */

int pl_stats_start(void) __attribute__((warn_unused_result));
void pl_stats_write(void);
void pl_stats_stop(void);

#endif /* SGXEMU_PRELOAD_PRELOAD_H */
