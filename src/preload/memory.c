// SPDX-License-Identifier: MIT
/*
 * Memory calls: mmap of an SGX device descriptor is the driver's mmap;
 * munmap, mprotect and mremap over enclave mappings go through the driver
 * (its VMAs, per-page maximum protection), and any MAP_FIXED mapping laid
 * over an enclave range takes it away from the driver first, as the
 * kernel's munmap of the old VMA would.
 *
 * Calls made by sgxemu itself - or by code it called while holding driver
 * locks (libcrypto's allocator, say) - go straight to libc.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>

#include "preload.h"

static bool passthrough(bool ours)
{
	return ours || !pl.drv || sgx_driver_thread_busy();
}

static void *do_mmap(bool ours, void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct sgx_file *f;
	bool stale = false;
	intptr_t r;

	pl_resolve();
	if (passthrough(ours))
		return real.mmap(addr, len, prot, flags, fd, off);
	if (!(flags & MAP_ANONYMOUS) && (f = pl_fd_lookup(fd, &stale))) {
		if (stale) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		r = sgx_mmap(f, addr, len, prot, flags, (long)(off >> 12));
		if (r < 0 && r > -4096) {
			errno = (int)-r;
			return MAP_FAILED;
		}
		return (void *)r;
	}
	/* Something else replaces part of an enclave mapping. */
	if ((flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE)) {
		r = sgx_munmap(pl.drv, addr, len);
		if (r < 0) {
			errno = (int)-r;
			return MAP_FAILED;
		}
	}
	return real.mmap(addr, len, prot, flags, fd, off);
}

PL_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(pl_from_us(), addr, len, prot, flags, fd, off);
}

PL_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(pl_from_us(), addr, len, prot, flags, fd, off);
}

PL_EXPORT int munmap(void *addr, size_t len)
{
	int r;

	pl_resolve();
	if (passthrough(pl_from_us()))
		return real.munmap(addr, len);
	r = sgx_munmap(pl.drv, addr, len);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	/* The driver took its mappings away; the rest of the range is libc's. */
	return real.munmap(addr, len);
}

PL_EXPORT int mprotect(void *addr, size_t len, int prot)
{
	int r;

	pl_resolve();
	if (passthrough(pl_from_us()))
		return real.mprotect(addr, len, prot);
	r = sgx_mprotect(pl.drv, addr, len, prot);
	if (r == 1)
		return real.mprotect(addr, len, prot);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

PL_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL;
	va_list ap;
	int r;

	va_start(ap, flags);
	if (flags & MREMAP_FIXED)
		new_addr = va_arg(ap, void *);
	va_end(ap);
	pl_resolve();
	if (!passthrough(pl_from_us())) {
		/* Enclave mappings are VM_PFNMAP|VM_DONTEXPAND: mremap refuses them. */
		if (sgx_is_enclave_addr(pl.drv, (uint64_t)(uintptr_t)old)) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		if (flags & MREMAP_FIXED) {
			r = sgx_munmap(pl.drv, new_addr, new_len);
			if (r < 0) {
				errno = -r;
				return MAP_FAILED;
			}
		}
	}
	if (flags & MREMAP_FIXED)
		return real.mremap(old, old_len, new_len, flags, new_addr);
	return real.mremap(old, old_len, new_len, flags);
}
