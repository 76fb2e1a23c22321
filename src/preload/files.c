// SPDX-License-Identifier: MIT
/*
 * Descriptor operations on the SGX device files: ioctl goes to the driver,
 * close and the dup family keep the descriptor table in step, read and
 * write fail as on a misc device without them.
 *
 * A descriptor inherited from the parent across fork() names an enclave of
 * the parent's platform: it can be closed and duplicated, anything else
 * fails with EINVAL (the child has a platform of its own).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "preload.h"

/* The file of @fd for an operation, or NULL with errno set if it cannot have one. */
static struct sgx_file *file_for_op(int fd, bool *ours)
{
	bool stale = false;
	struct sgx_file *f;

	*ours = false;
	if (!pl.up)
		return NULL;
	f = pl_fd_lookup(fd, &stale);
	if (!f)
		return NULL;
	*ours = true;
	if (stale) {
		pl_log(PL_INFO, "fd %d: an enclave of the parent process", fd);
		errno = EINVAL;
		return NULL;
	}
	return f;
}

/* SGX_IOC_ENCLAVE_PROVISION's fd argument, resolved. */
static struct sgx_file *provision_lookup(int fd)
{
	bool stale = false;
	struct sgx_file *f = pl_fd_lookup(fd, &stale);

	return stale ? NULL : f;
}

PL_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	struct sgx_file *f;
	unsigned long arg;
	va_list ap;
	bool ours;
	long ret;

	va_start(ap, request);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	pl_resolve();
	if (pl_from_us())
		return real.ioctl(fd, request, arg);
	f = file_for_op(fd, &ours);
	if (!ours)
		return real.ioctl(fd, request, arg);
	if (!f)
		return -1;
	ret = sgx_ioctl(f, (unsigned int)request, arg, provision_lookup);
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return (int)ret;
}

PL_EXPORT int close(int fd)
{
	pl_resolve();
	if (!pl_from_us() && pl.up)
		pl_fd_forget(fd);
	return real.close(fd);
}

PL_EXPORT int dup(int fd)
{
	int nfd;

	pl_resolve();
	nfd = real.dup(fd);
	if (nfd >= 0 && !pl_from_us() && pl.up)
		pl_fd_dup(fd, nfd);
	return nfd;
}

PL_EXPORT int dup2(int fd, int nfd)
{
	int ret;

	pl_resolve();
	ret = real.dup2(fd, nfd);
	if (ret >= 0 && fd != nfd && !pl_from_us() && pl.up)
		pl_fd_dup(fd, nfd);
	return ret;
}

PL_EXPORT int dup3(int fd, int nfd, int flags)
{
	int ret;

	pl_resolve();
	ret = real.dup3(fd, nfd, flags);
	if (ret >= 0 && !pl_from_us() && pl.up)
		pl_fd_dup(fd, nfd);
	return ret;
}

static int do_fcntl(bool ours, int fd, int cmd, unsigned long arg)
{
	int ret;

	pl_resolve();
	ret = real.fcntl(fd, cmd, arg);
	if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && !ours && pl.up)
		pl_fd_dup(fd, ret);
	return ret;
}

/* fcntl64 is what programs built with _FILE_OFFSET_BITS=64 call. */
PL_EXPORT int fcntl(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return do_fcntl(pl_from_us(), fd, cmd, arg);
}

PL_EXPORT int fcntl64(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return do_fcntl(pl_from_us(), fd, cmd, arg);
}

PL_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	bool ours = false;

	pl_resolve();
	if (!pl_from_us())
		(void)file_for_op(fd, &ours);
	if (ours) {
		errno = EINVAL;
		return -1;
	}
	return real.read(fd, buf, len);
}

PL_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	bool ours = false;

	pl_resolve();
	if (!pl_from_us())
		(void)file_for_op(fd, &ours);
	if (ours) {
		errno = EINVAL;
		return -1;
	}
	return real.write(fd, buf, len);
}
