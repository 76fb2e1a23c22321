/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture for hw/ unit tests: a platform with a private key file,
 * EPC page allocation, enclave builders that keep their own measurement so
 * they can sign for EINIT, and a page-table stand-in for logical processors.
 *
 * Helpers assert (cmocka) on setup failures; leaf results are returned so
 * tests can check them.
 */
#ifndef SGXEMU_TESTS_HW_TEST_UTIL_H
#define SGXEMU_TESTS_HW_TEST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto.h"
#include "encls.h"
#include "lp.h"
#include "measure.h"
#include "platform.h"
#include "sigstruct.h"

#define HWT_MAX_PAGES 512
#define HWT_BASE      0x10000000ull   /* default ELRANGE base */

struct hwt {
	struct hw_platform *hw;
	char dir[64];                   /* private temp directory */
	char keyfile[128];              /* root key file inside it */
	uint64_t next_epc;              /* bump allocator cursor */
};

struct hwt_page {
	uint64_t lin;
	void *epc;
};

struct hwt_encl {
	struct hwt *t;
	void *secs;                     /* EPC address of the SECS */
	uint64_t base, size;
	uint32_t ssa_frame_size;
	uint32_t miscselect;
	uint64_t attributes, xfrm;
	struct measure m;               /* what the enclave's MRENCLAVE will be */
	bool measuring;
	struct hwt_page pages[HWT_MAX_PAGES];   /* "page tables" for translate */
	size_t nr_pages;
};

/* Platform from @cfg (NULL: hw_config_default) with a fresh key file. */
void hwt_setup(struct hwt *t, const struct hw_config *cfg);
/* Same, but with the given root key file (shared between instances). */
void hwt_setup_keyfile(struct hwt *t, const struct hw_config *cfg, const char *keyfile);
void hwt_teardown(struct hwt *t);

/* Next EPC page whose EPCM entry is not valid (asserts if none). */
void *hwt_epc(struct hwt *t);
uint64_t hwt_epc_index(struct hwt *t, const void *epc);

/* The Linux selftest's SECS: SSAFRAMESIZE 1, MODE64BIT, XFRM 3. */
void hwt_secs_init(struct sgx_secs *secs, uint64_t base, uint64_t size);
/* A TCS: OSSA, NSSA, OENTRY, FS/GS limits 0xffffffff, the rest 0. */
void hwt_tcs_init(struct sgx_tcs *tcs, uint64_t ossa, uint32_t nssa, uint64_t oentry);

/* ECREATE with @secs (filled by the caller); starts the shadow measurement. */
unsigned int hwt_ecreate_secs(struct hwt *t, struct hwt_encl *e, const struct sgx_secs *secs);
/* ECREATE with hwt_secs_init(base, size) and @attributes. */
unsigned int hwt_ecreate(struct hwt *t, struct hwt_encl *e, uint64_t base, uint64_t size,
			 uint64_t attributes);
/*
 * EADD of @content (NULL: zeros) at ELRANGE @offset with SECINFO @flags,
 * then 16 EEXTENDs if @measure. *@epc_out (optional) receives the page.
 */
unsigned int hwt_eadd(struct hwt_encl *e, uint64_t offset, uint64_t flags, const void *content,
		      bool measure, void **epc_out);
/* SIGSTRUCT for the enclave as built so far, signed with the test key. */
void hwt_sigstruct(struct hwt_encl *e, struct sgx_sigstruct *sig);
/* Sign, point the LEPUBKEYHASH MSRs at the signer, EINIT. */
unsigned int hwt_einit(struct hwt_encl *e);
/* The fixed test signing key (RSA-3072, e = 3). */
const struct crypto_rsa_key *hwt_key(void);

/*
 * A ready, initialized enclave at HWT_BASE, size 64 KiB:
 *   0x0000 TCS  (OSSA 0x1000, NSSA 2, OENTRY 0x3000)
 *   0x1000 SSA frames 0 and 1 (RW, SSAFRAMESIZE 1)
 *   0x3000 code (RX), 0x4000 data (RW), 0x5000 a second TCS (OSSA 0x6000, NSSA 2)
 *   0x6000 its two SSA frames
 * @attributes on top of MODE64BIT (e.g. SGX_ATTR_DEBUG).
 */
void hwt_build_default(struct hwt *t, struct hwt_encl *e, uint64_t attributes);
/* The same layout from a caller's SECS (MISCSELECT, KSS, CONFIGID, size...). */
void hwt_build_secs(struct hwt *t, struct hwt_encl *e, const struct sgx_secs *secs);
/* ECREATE and the EADDs of that layout, no EINIT (for a custom SIGSTRUCT). */
void hwt_build_layout(struct hwt *t, struct hwt_encl *e, const struct sgx_secs *secs);

/* Track an EPC page at @lin for hwt_translate (done by hwt_eadd itself). */
void hwt_map(struct hwt_encl *e, uint64_t lin, void *epc);
void hwt_unmap(struct hwt_encl *e, uint64_t lin);
/* EPC page mapped at @lin, or NULL. */
void *hwt_lookup(struct hwt_encl *e, uint64_t lin);

/*
 * hw_translate_fn over an hwt_encl (@ctx): ELRANGE addresses resolve through
 * the page list (not present -> #PF USER|WRITE?), anything else is host
 * memory, identity mapped.
 */
uint32_t hwt_translate(void *ctx, uint64_t lin, unsigned int access, uint64_t *pa);

/* A logical processor on @e's platform translating through @e. */
void hwt_lp(struct hwt_encl *e, struct hw_lp *lp);

/* Leaf result check that names the row: assert_leaf(row, got, want). */
#define assert_leaf(row, got, want)                                                  \
	do {                                                                         \
		unsigned int got_ = (got), want_ = (want);                           \
		if (got_ != want_)                                                   \
			fail_msg("row %d: got %s (0x%x), want %s (0x%x)", (int)(row),      \
				 hw_sgx_error_name(got_), got_, hw_sgx_error_name(want_),   \
				 want_);                                             \
	} while (0)

#endif /* SGXEMU_TESTS_HW_TEST_UTIL_H */
