/* SPDX-License-Identifier: MIT */
/*
 * The Linux SGX driver (arch/x86/kernel/cpu/sgx), re-implemented over the
 * emulated CPU: the entry points a kernel gives a device file, as a C API
 * over sgxemu file handles. The preload layer routes libc calls here; the
 * runtime calls the fault handler. Behaviour and errno contract follow the
 * kernel (shared/reference/linux-sgx.md §1-§4).
 *
 * Every function returns 0 (or a value) or -errno, never aborts on what a
 * program passes, and validates every user pointer (a bad one is -EFAULT).
 */
#ifndef SGXEMU_DRIVER_DRIVER_H
#define SGXEMU_DRIVER_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"

struct policy;
struct sgx_driver;
struct sgx_file;

enum sgx_dev {
	SGX_DEV_ENCLAVE,                /* /dev/sgx_enclave (and /dev/sgx/enclave) */
	SGX_DEV_PROVISION,              /* /dev/sgx_provision */
};

struct sgx_driver_config {
	/* Watermarks in pages; 0 picks the kernel's 32/64 scaled to the EPC. */
	uint64_t low_pages, high_pages;
	/*
	 * The enclave security policy (policy/policy.h, e.g. from
	 * policy_load_file()), or NULL for none: the kernel's rules only. Not
	 * owned: it must outlive the driver.
	 */
	struct policy *policy;
	/*
	 * No ksgxd thread: pages are reclaimed only by allocations that may
	 * block (direct reclaim) and by whoever calls the driver-private
	 * sgx_reclaim_pages()/sgx_ksgxd_step(). For deterministic tests and
	 * single-threaded embedders; the fault handler still never blocks,
	 * so with nothing free it answers SGX_FAULT_RETRY until someone
	 * reclaims.
	 */
	bool manual_reclaim;
};

/**
 * sgx_driver_create() - the driver over platform @hw (not owned). EPC pages
 * already valid in the EPCM (someone else's) are never handed out.
 * @cfg: may be NULL for the defaults.
 * Return: 0, -EINVAL (watermarks: 0 < low < high <= EPC pages; an EPC of
 * 2^32 - 1 pages or more), -ENOMEM.
 */
int sgx_driver_create(struct hw_platform *hw, const struct sgx_driver_config *cfg,
		      struct sgx_driver **out) __attribute__((warn_unused_result));

/**
 * sgx_driver_destroy() - stop ksgxd, unmap every enclave mapping and
 * release every file still open (the caller must not use them
 * afterwards); all EPC comes back.
 * Context: no other thread uses the driver any more.
 */
void sgx_driver_destroy(struct sgx_driver *drv);

/*
 * Force every logical processor inside the enclave whose SECS is EPC page
 * @secs_index through an AEX; return once each has left enclave mode at
 * least once since the call. Context: may block; called with no driver
 * lock held, or with that enclave's lock (the SGX2 ioctls' ETRACK): it
 * must wait for nothing but the AEXes, and an AEX takes no driver lock.
 */
typedef void (*sgx_kick_fn)(void *ctx, uint64_t secs_index);
/*
 * sgx_driver_set_kick() - install (or, with @fn NULL, remove) the kick
 * hook: the kernel's IPI, which the reclaimer needs when EWB stays
 * SGX_NOT_TRACKED and the SGX2 ioctls after each ETRACK. Returns once no
 * call of the previous hook is running. Without a hook, such pages wait on
 * the LRU until the threads inside have left by themselves.
 */
void sgx_driver_set_kick(struct sgx_driver *drv, sgx_kick_fn fn, void *ctx);

/* ---- file operations ---------------------------------------------------- */

/**
 * sgx_open() - open @dev: a fresh enclave object for SGX_DEV_ENCLAVE, a
 * capability token for SGX_DEV_PROVISION.
 * Return: 0, -ENODEV (no such device), -ENOMEM.
 */
int sgx_open(struct sgx_driver *drv, enum sgx_dev dev, struct sgx_file **out)
	__attribute__((warn_unused_result));

/** sgx_file_get() - another reference (dup, fork of a descriptor table). */
struct sgx_file *sgx_file_get(struct sgx_file *f);

/**
 * sgx_release() - drop a file reference. The enclave is torn down (every
 * page EREMOVEd, backing freed) once the last file reference and the last
 * mapping are gone.
 */
void sgx_release(struct sgx_file *f);

/** sgx_file_dev() - which device @f was opened from. */
enum sgx_dev sgx_file_dev(const struct sgx_file *f);

/**
 * sgx_ioctl() - SGX_IOC_ENCLAVE_* on @f. @arg is the user pointer.
 * @provision_lookup resolves the fd in SGX_IOC_ENCLAVE_PROVISION to a file
 * (NULL if that fd is not an sgxemu file); may be NULL. The file it returns
 * is only looked at during the call (no reference is taken).
 * Context: any thread; blocks (EINIT may take milliseconds).
 * Return: 0 or -errno exactly as the kernel (-ENOTTY for an unknown
 * command, -EBUSY for a concurrent ioctl on the same enclave, ...).
 */
long sgx_ioctl(struct sgx_file *f, unsigned int cmd, unsigned long arg,
	       struct sgx_file *(*provision_lookup)(int fd)) __attribute__((warn_unused_result));

/**
 * sgx_mmap() - map @len bytes of the enclave at @addr (MAP_FIXED) or at an
 * address the driver picks (@addr a hint). @prot is PROT_*, @flags MAP_*;
 * @pgoff is ignored (enclave pages are identified by address). The range
 * becomes a PROT_NONE reservation in which enclave pages appear as they
 * are touched. MAP_FIXED replaces whatever was mapped there, enclave
 * mappings included; when the driver then refuses, the range is left
 * unmapped, as in the kernel.
 * Return: the address, or -EINVAL (MAP_PRIVATE, bad length or address),
 * -EACCES (a page's maximum protection, ELRANGE after INIT, or the
 * policy's mmap hook, asked first and before anything changes), -ENODEV
 * (the provision device), -ENOMEM, -EEXIST (MAP_FIXED_NOREPLACE); as a
 * negative value cast to intptr_t.
 */
intptr_t sgx_mmap(struct sgx_file *f, void *addr, size_t len, int prot, int flags, long pgoff)
	__attribute__((warn_unused_result));

/**
 * sgx_mprotect() - if [@addr, @addr+@len) overlaps enclave mappings, apply
 * @prot to them as the kernel's sgx_vma_mprotect does (each checked with
 * sgx_encl_may_map(), present pages remapped VMA ∩ EPCM), and the real
 * mprotect to the parts in between, in address order like Linux.
 * Return: 1 if the range held no enclave mapping (caller passes the call on
 * to the real mprotect), 0 on success, -EACCES (also the policy's mprotect
 * hook, asked per enclave mapping before the driver's check), -ENOMEM (a
 * part is not mapped at all), -EINVAL.
 */
int sgx_mprotect(struct sgx_driver *drv, void *addr, size_t len, int prot)
	__attribute__((warn_unused_result));

/**
 * sgx_munmap() - take the enclave mappings inside the range away, under
 * the enclave locks: the driver forgets them and leaves an inaccessible
 * PROT_NONE placeholder - not a hole, which another thread's mmap could
 * take before the caller's munmap would then destroy it. The caller still
 * munmaps the range (or maps over it). Any other call that replaces
 * mappings in an enclave range (MAP_FIXED mmap of something else, mremap)
 * must call this first, or the driver's idea of what is mapped goes stale.
 * Return: 1 if nothing of the driver's was there, 0 otherwise, -EINVAL,
 * -ENOMEM (a split exceeded vm.max_map_count).
 */
int sgx_munmap(struct sgx_driver *drv, void *addr, size_t len) __attribute__((warn_unused_result));

/**
 * sgx_is_enclave_addr() - does @addr lie in an enclave mapping?
 * Context: blocks on the address-space lock; not for signal handlers
 * (sgx_encl_fault() answers SGX_FAULT_NOT_OURS there).
 */
bool sgx_is_enclave_addr(struct sgx_driver *drv, uint64_t addr);

/**
 * sgx_driver_thread_busy() - does the calling thread hold a driver lock?
 * An interposer that routes libc calls into the driver (preload/) passes
 * such calls - made by code the driver itself called - straight to libc.
 * Context: any, signal handlers included.
 */
bool sgx_driver_thread_busy(void);

/* ---- fault handling ---------------------------------------------------------- */

enum sgx_fault_result {
	SGX_FAULT_NOT_OURS,             /* no enclave mapping: a genuine SIGSEGV */
	SGX_FAULT_HANDLED,              /* mapped/loaded: retry the access */
	SGX_FAULT_RETRY,                /* busy (VM_FAULT_NOPAGE): retry later */
	SGX_FAULT_REPORT,               /* an architectural #PF: deliver *@code */
	SGX_FAULT_SIGBUS,               /* the kernel would SIGBUS */
};

/**
 * sgx_encl_fault() - resolve an access to @addr (HW_ACC_READ/WRITE/EXEC,
 * from lp.h) the way the kernel's #PF path and sgx_vma_fault() plus the
 * CPU's EPCM check would: map a resident page (VMA ∩ EPCM), or name the
 * fault the program must see. For SGX_FAULT_REPORT, *@code is the x86 #PF
 * error code: U|W|I plus P when Linux would have a PTE (0x7 for a write to
 * a present read-only page, 0x6 not present), and X86_PF_SGX with P for an
 * EPCM refusal (0x8005 read, 0x8007 write, 0x8015 fetch).
 * Return: SGX_FAULT_NOT_OURS (no enclave mapping at @addr), HANDLED (retry
 * the access), RETRY (a lock is contended: retry later, like
 * VM_FAULT_NOPAGE), REPORT, SIGBUS.
 * Context: made for the SIGSEGV handler: allocates nothing, only tries
 * locks. Normal paths hold those locks across ENCLS work (EINIT: up to
 * milliseconds), so RETRY can repeat for that long; if the calling thread
 * itself holds a driver lock (a signal interrupted a driver call), the
 * answer is SIGBUS instead of a RETRY that could never succeed. errno is
 * preserved.
 */
enum sgx_fault_result sgx_encl_fault(struct sgx_driver *drv, uint64_t addr, unsigned int access,
				     uint32_t *code) __attribute__((warn_unused_result));

/**
 * sgx_encl_fault_walk() - sgx_encl_fault() for a fault that sgx_translate()
 * reported to a leaf (EENTER reading the TCS, EACCEPT's operands...): the
 * page-table part only. The EPCM check is the leaf's own, so a TCS page is
 * made present rather than refused; SGX_FAULT_REPORT only for VMA refusals.
 * Context: as sgx_encl_fault().
 */
enum sgx_fault_result sgx_encl_fault_walk(struct sgx_driver *drv, uint64_t addr,
					  unsigned int access, uint32_t *code)
	__attribute__((warn_unused_result));

/**
 * sgx_translate() - the page-table walk of an enclave access, as an
 * hw_translate_fn (lp.h) with @ctx = the struct sgx_driver. In an enclave
 * mapping: if the page is present and the VMA allows @access (HW_ACC_*),
 * 0 and *@pa = the byte in the EPC's PRM view; otherwise a #PF error code
 * (not present: resolve it with sgx_encl_fault_walk() and walk again). Outside
 * enclave mappings: 0 and the identity (host memory). The EPCM check is
 * hw's, after the walk.
 * Context: signal context safe, as sgx_encl_fault().
 */
uint32_t sgx_translate(void *ctx, uint64_t lin, unsigned int access, uint64_t *pa);

/**
 * sgx_encl_peek() - read @len bytes at @lin, in an enclave mapping, from the
 * EPC page behind it, mapped at the moment or not: the runtime decodes the
 * instruction that trapped, whose page the reclaimer may have zapped since
 * the CPU fetched from it (a resident page: the thread is still counted in
 * the enclave, so the page cannot have been written back).
 * Context: signal context safe (trylocks only).
 * Return: 0; -ENOENT (@lin is in no enclave mapping: read it directly);
 * -EBUSY (a lock is contended: retry); -EFAULT (no resident page there);
 * -EINVAL (crosses a page).
 */
int sgx_encl_peek(struct sgx_driver *drv, uint64_t lin, void *buf, size_t len)
	__attribute__((warn_unused_result));

/* ---- user copies -------------------------------------------------------------- */

/**
 * sgx_uaccess_fixup() - the driver's exception table: if *@rip is the
 * driver's user-copy instruction (a bad pointer a program passed to an
 * ioctl), move *@rip to the copy's fixup, which makes the copy return a
 * short count (-EFAULT for the ioctl), and return true. Every SIGSEGV and
 * SIGBUS handler in front of the driver asks this first, before any lock
 * is tried: the copy may run with driver locks held.
 * Context: signal handlers (no lock, no TLS, no libc); any FS.
 * Return: true if *@rip was moved (resume there), false if not ours.
 */
bool sgx_uaccess_fixup(uint64_t *rip);

/**
 * sgx_uaccess_set_fixups() - declare (@wired true) that SIGSEGV and SIGBUS
 * reach a handler calling sgx_uaccess_fixup(): the driver then copies
 * ioctl arguments and ADD_PAGES sources directly instead of through
 * process_vm_readv()/process_vm_writev(). false goes back to the syscalls.
 * Context: process-wide; no ioctl in progress while it turns false.
 */
void sgx_uaccess_set_fixups(bool wired);

/** sgx_uaccess_fixups() - how many copy faults sgx_uaccess_fixup() has fixed up. */
uint64_t sgx_uaccess_fixups(void);

/* ---- statistics --------------------------------------------------------------- */

struct sgx_driver_stats {
	uint64_t enclaves;              /* live enclave objects */
	uint64_t pages_by_type[8];      /* resident enclave pages by SGX_PT_* */
	uint64_t va_pages;
	uint64_t epc_free, epc_used;
	uint64_t ioctls[8];             /* by ioctl number 0x00..0x07 */
	uint64_t ioctl_errors;
	uint64_t faults, faults_reported;
	/* Filled by the reclaimer. */
	uint64_t ewb, eldu, eaug, reclaim_passes, backing_bytes;
	uint64_t aged;                  /* young pages given a second chance */
	uint64_t kicks;                 /* kick hook calls (the kernel's IPIs) */
	uint64_t not_tracked;           /* pages whose EWB stayed SGX_NOT_TRACKED */
	uint64_t eldu_failures;         /* pages that failed to load (SIGBUS) */
	/*
	 * Memory overhead: sgxemu's own bytes per EPC page, fixed at start
	 * (driver struct sgx_epc_page and free bitmaps, hw EPCM and page
	 * state), and the heap metadata that grows with enclaves (page
	 * entries, page-array nodes, VA page structs, EAUG reserves), next
	 * to the enclave pages that exist (resident or evicted).
	 */
	uint64_t epc_pages;
	uint64_t metadata_per_epc_page;
	uint64_t metadata_encl_bytes;
	uint64_t encl_pages;
};

void sgx_driver_stats(struct sgx_driver *drv, struct sgx_driver_stats *st);

#endif /* SGXEMU_DRIVER_DRIVER_H */
