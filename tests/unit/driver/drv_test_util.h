/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture for driver/ unit tests: a platform (hw_test_util.h) with a
 * driver on top, enclaves built through the ioctls with a shadow
 * measurement so they can be signed for INIT, and a SIGSEGV handler that
 * routes faults through sgx_encl_fault() the way the runtime will.
 */
#ifndef SGXEMU_TESTS_DRV_TEST_UTIL_H
#define SGXEMU_TESTS_DRV_TEST_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hw_test_util.h"
#include "driver.h"
#include "sgxemu/uapi/sgx.h"

struct drvt {
	struct hwt t;
	struct sgx_driver *drv;
};

/* Platform from @cfg (NULL: default) and a driver with default config. */
void drvt_setup(struct drvt *d, const struct hw_config *cfg);
/* The same with driver config @dc (NULL: default). */
void drvt_setup_drv(struct drvt *d, const struct hw_config *cfg,
		    const struct sgx_driver_config *dc);
/* The same with the enclave policy @policy (NULL: none; not owned). */
void drvt_setup_policy(struct drvt *d, const struct hw_config *cfg, struct policy *policy);
/* A driver without ksgxd: reclaim only when the test says (deterministic). */
void drvt_setup_manual(struct drvt *d, const struct hw_config *cfg);
/* Destroy the driver; asserts that every EPC page came back. */
void drvt_teardown(struct drvt *d);

struct drvt_encl {
	struct drvt *d;
	struct sgx_file *f;
	uint64_t base, size;
	void *reserve;                  /* 2 * size of PROT_NONE address space */
	uint64_t attributes;
	struct measure m;
	bool measuring;
};

/* Open /dev/sgx_enclave and reserve a size-aligned range; no CREATE yet. */
void drvt_open(struct drvt *d, struct drvt_encl *e, uint64_t size);
/* The Linux selftest's SECS for @e (+ @attributes) and CREATE. */
long drvt_create(struct drvt_encl *e, uint64_t attributes);
/* drvt_open + drvt_create, asserting success. */
void drvt_encl(struct drvt *d, struct drvt_encl *e, uint64_t size, uint64_t attributes);
/*
 * ADD_PAGES of @npages at @offset with SECINFO @flags; page i holds
 * @fill + i in every byte (or @content if non-NULL, for all pages).
 * Pages that were added are measured into the shadow measurement.
 * *@count (optional) receives add_arg.count.
 */
long drvt_add(struct drvt_encl *e, uint64_t offset, uint64_t npages, uint64_t flags,
	      uint8_t fill, const void *content, bool measure, uint64_t *count);
/*
 * ADD_PAGES of @npages from the caller's @src (a real mapping of any kind)
 * at @offset; added pages are measured into the shadow measurement.
 */
long drvt_add_src(struct drvt_encl *e, uint64_t offset, const void *src, uint64_t npages,
		  uint64_t flags, bool measure, uint64_t *count);
/* SIGSTRUCT over the shadow measurement, signed with the test key. */
void drvt_sigstruct(struct drvt_encl *e, struct sgx_sigstruct *sig);
/* INIT with drvt_sigstruct(). */
long drvt_init(struct drvt_encl *e);
/* Close the file and drop mappings and the reservation. */
void drvt_close(struct drvt_encl *e);

long drvt_ioctl(struct drvt_encl *e, unsigned int cmd, const void *arg);
/* sgx_mmap at @e->base + @offset (MAP_SHARED|MAP_FIXED). */
intptr_t drvt_mmap(struct drvt_encl *e, uint64_t offset, uint64_t len, int prot);

/* EPC page index holding enclave page @lin (asserts it exists). */
uint64_t drvt_epc_of(struct drvt *d, uint64_t lin);
/* EPCM entries valid now. */
uint64_t drvt_epcm_valid(struct drvt *d);

/*
 * A directory on a noexec tmpfs, mounted in a private mount namespace of
 * this process; NULL where that is not permitted (callers skip).
 */
const char *drvt_noexec_dir(void);
/*
 * @npages of a new file in @dir filled with @fill + page index, mmapped
 * MAP_PRIVATE with @prot; the file is unlinked at once (@deleted: the
 * mapping shows "(deleted)") or at drvt_file_cleanup().
 */
void *drvt_file_pages(const char *dir, uint64_t npages, uint8_t fill, int prot, bool deleted);
void drvt_file_cleanup(void);

/* ---- faults -------------------------------------------------------------- */

struct drvt_touch {
	enum sgx_fault_result res;      /* HANDLED: the access completed */
	uint32_t code;                  /* for REPORT */
	uint64_t addr;                  /* faulting address */
	unsigned int faults;            /* faults taken on the way */
	uint64_t value;                 /* value read */
};

/*
 * Route SIGSEGV of this process through sgx_encl_fault(@drv), after the
 * driver's copy fixups (as the runtime's handler does); SIGBUS through the
 * fixups only. The driver copies directly meanwhile.
 */
void drvt_fault_install(struct sgx_driver *drv);
void drvt_fault_uninstall(void);
/*
 * @on: SIGSEGV and SIGBUS through the driver's copy fixups only (anything
 * else kills the test), and the driver copies directly; !@on: back to the
 * handlers before and to process_vm_readv/writev.
 */
void drvt_uaccess_direct(bool on);
/*
 * Access the 8 bytes at @addr: HW_ACC_READ, HW_ACC_WRITE (of @value) or
 * HW_ACC_EXEC (call it: the page must start with a RET). Faults the driver
 * resolves are retried; anything else ends the access.
 */
struct drvt_touch drvt_touch(void *addr, unsigned int access, uint64_t value);

#endif /* SGXEMU_TESTS_DRV_TEST_UTIL_H */
