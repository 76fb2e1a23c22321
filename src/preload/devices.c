// SPDX-License-Identifier: MIT
/*
 * The device nodes: /dev/sgx_enclave (and its older name /dev/sgx/enclave)
 * and /dev/sgx_provision, as paths the program opens, stats and checks for
 * access, and as descriptors. They look like Linux's misc devices:
 * character devices, major 10, on the same file system as /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "interpose.h"
#include "preload.h"

#define MISC_MAJOR 10

static const struct {
	const char *path;
	enum sgx_dev dev;
	unsigned int minor;
} nodes[] = {
	{ "/dev/sgx_enclave", SGX_DEV_ENCLAVE, 125 },
	{ "/dev/sgx/enclave", SGX_DEV_ENCLAVE, 125 },
	{ "/dev/sgx_provision", SGX_DEV_PROVISION, 126 },
	{ "/dev/sgx/provision", SGX_DEV_PROVISION, 126 },
};

/* @path without "//", "/./" and a trailing "/." into @out; false if too long. */
static bool tidy(const char *path, char *out, size_t len)
{
	size_t n = 0;

	while (*path) {
		if (path[0] == '/' && (path[1] == '/' ||
				       (path[1] == '.' && (path[2] == '/' || !path[2])))) {
			path += path[1] == '/' ? 1 : 2;
			continue;
		}
		if (n + 1 >= len)
			return false;
		out[n++] = *path++;
	}
	out[n] = 0;
	return true;
}

bool pl_device_path(int dirfd, const char *path, enum sgx_dev *dev)
{
	char buf[64];
	size_t i;

	if (!path || strncmp(path, "/dev", 4) || !tidy(path, buf, sizeof(buf)))
		return false;
	(void)dirfd;            /* absolute: the directory descriptor does not matter */
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (!strcmp(buf, nodes[i].path)) {
			if (dev)
				*dev = nodes[i].dev;
			return true;
		}
	}
	return false;
}

void pl_device_stat(enum sgx_dev dev, struct stat *st)
{
	struct stat null;

	memset(st, 0, sizeof(*st));
	if (!real.stat("/dev/null", &null)) {
		st->st_dev = null.st_dev;
		st->st_atim = null.st_atim;
		st->st_mtim = null.st_mtim;
		st->st_ctim = null.st_ctim;
	}
	st->st_mode = S_IFCHR | 0666;
	st->st_nlink = 1;
	st->st_rdev = makedev(MISC_MAJOR, dev == SGX_DEV_ENCLAVE ? 125 : 126);
	st->st_ino = dev == SGX_DEV_ENCLAVE ? 0x5347580001ull : 0x5347580002ull;
	st->st_blksize = 4096;
}

/* ---- open ----------------------------------------------------------------- */

static int open_device(enum sgx_dev dev, int flags)
{
	struct sgx_file *f;
	int fd, ret;

	if ((flags & O_CREAT) && (flags & O_EXCL)) {
		errno = EEXIST;
		return -1;
	}
	if (flags & O_DIRECTORY) {
		errno = ENOTDIR;
		return -1;
	}
	ret = pl_platform();
	if (ret) {
		errno = -ret;
		return -1;
	}
	ret = sgx_open(pl.drv, dev, &f);
	if (ret) {
		errno = -ret;
		return -1;
	}
	fd = (int)syscall(SYS_memfd_create, dev == SGX_DEV_ENCLAVE ? "sgx_enclave" :
			  "sgx_provision", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		ret = errno;
		sgx_release(f);
		errno = ret;
		return -1;
	}
	ret = pl_fd_install(fd, f);
	if (ret) {
		real.close(fd);
		sgx_release(f);
		errno = -ret;
		return -1;
	}
	pl_log(PL_DEBUG, "open %s: fd %d", dev == SGX_DEV_ENCLAVE ? "/dev/sgx_enclave" :
	       "/dev/sgx_provision", fd);
	return fd;
}

static int open_common(bool ours, int dirfd, const char *path, int flags, mode_t mode)
{
	enum sgx_dev dev;

	pl_resolve();
	if (!ours && pl.up && pl_device_path(dirfd, path, &dev))
		return open_device(dev, flags);
	if (dirfd == AT_FDCWD)
		return real.open(path, flags, mode);
	return real.openat(dirfd, path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, unsigned int) : 0;
}

PL_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(pl_from_us(), AT_FDCWD, path, flags, mode);
}

PL_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(pl_from_us(), AT_FDCWD, path, flags | O_LARGEFILE, mode);
}

PL_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(pl_from_us(), dirfd, path, flags, mode);
}

PL_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(pl_from_us(), dirfd, path, flags | O_LARGEFILE, mode);
}

/* The _FORTIFY_SOURCE entry points (no mode: O_CREAT is refused there). */
PL_EXPORT int __open_2(const char *path, int flags)
{
	return open_common(pl_from_us(), AT_FDCWD, path, flags, 0);
}

PL_EXPORT int __open64_2(const char *path, int flags)
{
	return open_common(pl_from_us(), AT_FDCWD, path, flags | O_LARGEFILE, 0);
}

PL_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return open_common(pl_from_us(), dirfd, path, flags, 0);
}

PL_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return open_common(pl_from_us(), dirfd, path, flags | O_LARGEFILE, 0);
}

/* ---- stat and access -------------------------------------------------------- */

static bool stat_path(bool ours, int dirfd, const char *path, int flags, struct stat *st)
{
	enum sgx_dev dev;
	struct sgx_file *f;

	pl_resolve();
	if (ours || !pl.up)
		return false;
	if ((flags & AT_EMPTY_PATH) && path && !*path) {
		f = pl_fd_lookup(dirfd, NULL);
		if (!f)
			return false;
		pl_device_stat(sgx_file_dev(f), st);
		return true;
	}
	if (!pl_device_path(dirfd, path, &dev))
		return false;
	pl_device_stat(dev, st);
	return true;
}

static int do_stat(bool ours, const char *path, struct stat *st)
{
	if (stat_path(ours, AT_FDCWD, path, 0, st))
		return 0;
	return real.stat(path, st);
}

static int do_lstat(bool ours, const char *path, struct stat *st)
{
	if (stat_path(ours, AT_FDCWD, path, 0, st))
		return 0;
	return real.lstat(path, st);
}

static int do_fstatat(bool ours, int dirfd, const char *path, struct stat *st, int flags)
{
	if (stat_path(ours, dirfd, path, flags, st))
		return 0;
	return real.fstatat(dirfd, path, st, flags);
}

static int do_fstat(bool ours, int fd, struct stat *st)
{
	struct sgx_file *f;

	pl_resolve();
	if (!ours && pl.up && (f = pl_fd_lookup(fd, NULL))) {
		pl_device_stat(sgx_file_dev(f), st);
		return 0;
	}
	return real.fstat(fd, st);
}

/* struct stat64 and struct stat are the same on x86-64. */
PL_EXPORT int stat(const char *path, struct stat *st)
{
	return do_stat(pl_from_us(), path, st);
}

PL_EXPORT int stat64(const char *path, struct stat64 *st)
{
	return do_stat(pl_from_us(), path, (struct stat *)st);
}

PL_EXPORT int lstat(const char *path, struct stat *st)
{
	return do_lstat(pl_from_us(), path, st);
}

PL_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return do_lstat(pl_from_us(), path, (struct stat *)st);
}

PL_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return do_fstatat(pl_from_us(), dirfd, path, st, flags);
}

PL_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return do_fstatat(pl_from_us(), dirfd, path, (struct stat *)st, flags);
}

PL_EXPORT int fstat(int fd, struct stat *st)
{
	return do_fstat(pl_from_us(), fd, st);
}

PL_EXPORT int fstat64(int fd, struct stat64 *st)
{
	return do_fstat(pl_from_us(), fd, (struct stat *)st);
}

/* glibc before 2.33 compiled stat() into calls of these. */
PL_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	(void)ver;
	return do_stat(pl_from_us(), path, st);
}

PL_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	(void)ver;
	return do_stat(pl_from_us(), path, (struct stat *)st);
}

PL_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	(void)ver;
	return do_lstat(pl_from_us(), path, st);
}

PL_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	(void)ver;
	return do_lstat(pl_from_us(), path, (struct stat *)st);
}

PL_EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
	(void)ver;
	return do_fstat(pl_from_us(), fd, st);
}

PL_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
	(void)ver;
	return do_fstat(pl_from_us(), fd, (struct stat *)st);
}

PL_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	(void)ver;
	return do_fstatat(pl_from_us(), dirfd, path, st, flags);
}

PL_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	(void)ver;
	return do_fstatat(pl_from_us(), dirfd, path, (struct stat *)st, flags);
}

PL_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	struct stat st;

	if (!stat_path(pl_from_us(), dirfd, path, flags, &st))
		return real.statx(dirfd, path, flags, mask, stx);
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = (uint32_t)st.st_blksize;
	stx->stx_nlink = (uint32_t)st.st_nlink;
	stx->stx_mode = (uint16_t)st.st_mode;
	stx->stx_ino = st.st_ino;
	stx->stx_rdev_major = major(st.st_rdev);
	stx->stx_rdev_minor = minor(st.st_rdev);
	stx->stx_dev_major = major(st.st_dev);
	stx->stx_dev_minor = minor(st.st_dev);
	stx->stx_atime.tv_sec = st.st_atim.tv_sec;
	stx->stx_mtime.tv_sec = st.st_mtim.tv_sec;
	stx->stx_ctime.tv_sec = st.st_ctim.tv_sec;
	return 0;
}

static int do_access(bool ours, int dirfd, const char *path, int mode, int flags)
{
	pl_resolve();
	if (!ours && pl.up && pl_device_path(dirfd, path, NULL)) {
		if (mode & X_OK) {
			errno = EACCES;
			return -1;
		}
		return 0;
	}
	return real.faccessat(dirfd, path, mode, flags);
}

PL_EXPORT int access(const char *path, int mode)
{
	return do_access(pl_from_us(), AT_FDCWD, path, mode, 0);
}

PL_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return do_access(pl_from_us(), dirfd, path, mode, flags);
}

PL_EXPORT int euidaccess(const char *path, int mode)
{
	return do_access(pl_from_us(), AT_FDCWD, path, mode, AT_EACCESS);
}

PL_EXPORT int eaccess(const char *path, int mode)
{
	return do_access(pl_from_us(), AT_FDCWD, path, mode, AT_EACCESS);
}
