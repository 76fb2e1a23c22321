/* SPDX-License-Identifier: MIT */
/*
 * User memory, as the kernel driver reaches it: copy_from_user(),
 * copy_to_user() and find_vma() over the process's own address space,
 * without ever dereferencing a pointer the program passed. A bad pointer
 * is -EFAULT, never a crash.
 *
 * Copies go direct - an assembly copy whose faults the SIGSEGV/SIGBUS
 * handler turns into a short count (copy_user.S, sgx_uaccess_fixup() in
 * driver.h) - once someone has declared with sgx_uaccess_set_fixups() that
 * the handler does that, and the calling thread does not block those
 * signals. Otherwise they go through process_vm_readv/process_vm_writev on
 * our own pid (one syscall, the kernel does the checking), and where a
 * seccomp policy forbids them, through a pipe (write() of user memory
 * fails with EFAULT too). Every path stops at the first byte that cannot
 * be read or written, and none ever dereferences a user pointer outside
 * copy_user.S.
 */
#ifndef SGXEMU_DRIVER_UACCESS_H
#define SGXEMU_DRIVER_UACCESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sgx_driver;

/** sgx_copy_from_user() - Return: 0, or -EFAULT unless all @len bytes were read. */
int sgx_copy_from_user(void *dst, uint64_t src, size_t len) __attribute__((warn_unused_result));

/** sgx_copy_to_user() - Return: 0, or -EFAULT unless all @len bytes were written. */
int sgx_copy_to_user(uint64_t dst, const void *src, size_t len) __attribute__((warn_unused_result));

/**
 * sgx_copy_from_user_partial() - copy until the first byte that cannot be
 * read. Return: bytes copied.
 */
size_t sgx_copy_from_user_partial(void *dst, uint64_t src, size_t len);

/**
 * sgx_user_access_begin() - decide once, for the copies the calling thread
 * makes until sgx_user_access_end(), whether they go direct (the check
 * costs a syscall; outside such a window every copy makes it). An ioctl
 * brackets itself with the pair.
 * Return: the state to hand to sgx_user_access_end() (windows nest).
 */
int sgx_user_access_begin(void);
void sgx_user_access_end(int saved);

/** sgx_user_access_direct() - do the calling thread's copies go direct now? */
bool sgx_user_access_direct(void);

/*
 * What find_vma() tells sgx_encl_add_page about a source address: the
 * kernel's own rule needs may_exec; the rest is what the policy's
 * page_load hook is told about the source.
 */
struct sgx_user_vma {
	uint64_t start, end;            /* the first mapping with end > address */
	uint64_t pgoff;                 /* its offset in the file, in bytes */
	bool readable;                  /* VM_READ: get_user_pages() can read it */
	bool no_gup;                    /* get_user_pages() refuses it, as far as
					 * can be told: VM_IO/VM_PFNMAP ([vvar], a
					 * character device), secretmem */
	bool may_exec;                  /* VM_MAYEXEC */
	bool writable;                  /* VM_WRITE */
	bool noexec_mount;              /* a file on a noexec mount */
	bool anonymous;                 /* memory, not a file of a filesystem: no
					 * inode, shared anonymous memory, memfd, SysV shm */
	uint64_t dev, ino;              /* the mapped file; ino 0: anonymous memory */
	char path[PATH_MAX];            /* its name in /proc/self/maps ("" if none) */
};

/**
 * sgx_find_user_vma() - the kernel's find_vma(current->mm, @addr): the
 * first mapping ending above @addr (it may start above it), whether it
 * has VM_MAYEXEC and VM_WRITE, and the file behind it. Linux clears VM_MAYEXEC exactly for mappings of files on
 * noexec mounts; anonymous and shmem mappings always have it. Found with the
 * PROCMAP_QUERY ioctl on /proc/self/maps where the kernel has it (6.11+),
 * else by reading /proc/self/maps; the mount is judged by statvfs() of the
 * mapped file, or by /proc/self/mountinfo when the path is stale.
 * Return: 0, -EFAULT if no mapping ends above @addr.
 */
int sgx_find_user_vma(struct sgx_driver *drv, uint64_t addr, struct sgx_user_vma *out)
	__attribute__((warn_unused_result));

void sgx_uaccess_init(struct sgx_driver *drv);
void sgx_uaccess_fini(struct sgx_driver *drv);

#endif /* SGXEMU_DRIVER_UACCESS_H */
