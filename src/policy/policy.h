/* SPDX-License-Identifier: MIT */
/*
 * The enclave security policy: LSM-style hooks over enclave building and
 * mapping, stacked modules, a policy file and an audit log.
 *
 * The driver owns nothing of it: it is given a struct policy (or NULL) in
 * its configuration and calls a hook where the kernel would call a
 * security hook (hook_defs.h lists them and says where). With no policy the
 * cost is the driver's NULL test. A hook asks every configured module that
 * implements it, in the order of the policy file; the first denial wins
 * and the hook returns the hook's errno (hook_defs.h); then every observer
 * (the audit module) sees the decision.
 *
 * A struct policy is immutable once loaded and may be used by any number
 * of threads and enclaves at once.
 */
#ifndef SGXEMU_POLICY_POLICY_H
#define SGXEMU_POLICY_POLICY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sgx_arch.h"

struct policy;

enum policy_decision {
	POLICY_ALLOW = 0,
	POLICY_DENY = 1,
};

enum policy_hook_id {
#define POLICY_HOOK(NAME, DEFAULT, DENY_ERRNO) POLICY_HOOK_##NAME,
#include "hook_defs.h"
#undef POLICY_HOOK
	POLICY_NR_HOOKS
};

/* policy_hook_name() - "page_load" for POLICY_HOOK_page_load, ... */
const char *policy_hook_name(enum policy_hook_id hook);

/*
 * What the policy keeps per enclave (an LSM security blob), embedded in
 * the driver's enclave object. The driver calls policy_encl_open() when
 * the enclave object is made and policy_encl_set_identity() once EINIT
 * has accepted the enclave; everything else is the policy's.
 */
struct policy_encl {
	uint64_t id;                    /* 1, 2, ... per policy; 0: opened without one */
	atomic_int identity_known;      /* mrenclave/mrsigner valid (release/acquire) */
	uint8_t mrenclave[32];
	uint8_t mrsigner[32];
};

/* ---- hook arguments: struct policy_<hook> ------------------------------- */

/* Where an enclave page's contents came from (the source address's mapping). */
struct policy_source {
	const char *path;               /* as /proc/self/maps names it; "" if none */
	uint64_t dev;                   /* makedev(major, minor) of the file */
	uint64_t ino;                   /* 0: anonymous memory (no file) */
	bool anonymous;                 /* no file behind it: heap, stack, MAP_ANONYMOUS */
	bool may_exec;                  /* the mapping is or could be made executable
					 * (VM_MAYEXEC): false for files on noexec mounts */
	bool writable;                  /* the mapping is writable now (PROT_WRITE) */
	bool noexec_mount;              /* the file lives on a noexec mount */
};

struct policy_encl_create {
	const struct sgx_secs *secs;    /* as the program passed it */
};

struct policy_page_run;

struct policy_page_load {
	uint64_t offset;                /* from the enclave base */
	uint64_t secinfo_flags;         /* SECINFO.FLAGS: page type and R/W/X */
	bool measured;                  /* SGX_PAGE_MEASURE */
	const struct policy_source *src;
	/* The ADD_PAGES call's run (policy_page_run_start()), or NULL. */
	struct policy_page_run *run;
};

/* The identity SIGSTRUCT claims; EINIT checks it right after the hook. */
struct policy_encl_init {
	const uint8_t *mrenclave;       /* 32 bytes: SIGSTRUCT.ENCLAVEHASH */
	const uint8_t *mrsigner;        /* 32 bytes: SHA-256 of SIGSTRUCT.MODULUS */
	uint64_t attributes;            /* SECS.ATTRIBUTES */
	uint64_t xfrm;                  /* SIGSTRUCT.XFRM */
	uint32_t miscselect;            /* SIGSTRUCT.MISCSELECT */
	uint16_t isvprodid, isvsvn;
};

struct policy_provision {
	const uint8_t *mrenclave;
	const uint8_t *mrsigner;
	uint64_t attributes;            /* SECS.ATTRIBUTES, with PROVISIONKEY */
};

struct policy_mmap {
	uint64_t addr;                  /* the hint or MAP_FIXED address; 0: driver picks */
	uint64_t len;
	int prot;                       /* PROT_* */
	int flags;                      /* MAP_* */
};

struct policy_mprotect {
	uint64_t start, end;            /* one enclave mapping's part of the range */
	int prot;
};

/* ---- the hooks ------------------------------------------------------------- */

/*
 * policy_<hook>() - ask the modules about an operation on @encl.
 * Context: any thread; may write the audit log (one write() per line).
 * Return: 0 (allowed), or the hook's -errno (hook_defs.h) for the first
 * module that denied it.
 */
#define POLICY_HOOK(NAME, DEFAULT, DENY_ERRNO) \
	int policy_##NAME(struct policy *p, struct policy_encl *encl, \
			  const struct policy_##NAME *args) __attribute__((warn_unused_result));
#include "hook_defs.h"
#undef POLICY_HOOK

/*
 * Runs of page_load decisions. The pages of one SGX_IOC_ENCLAVE_ADD_PAGES
 * call are decided one by one; consecutive allowed ones that differ only
 * in their offset (same enclave, page type, permissions, measurement and
 * source, contiguous offsets) are reported to the observers - the audit
 * log - as one decision about the first page with a page count. A denial
 * ends the run: the pages before it are reported, then the denial, at
 * once. The driver makes a run per call, hands it to every page_load of
 * the call (policy_page_load.run) and ends it before the call returns;
 * nothing is held back beyond that.
 */

/**
 * policy_page_run_start() - a run for one ADD_PAGES call under @p.
 * Return: the run, or NULL when there is nothing to coalesce for (no
 * observer) or no memory: then every decision is reported at once.
 */
struct policy_page_run *policy_page_run_start(struct policy *p);

/**
 * policy_page_run_end() - report what @run still holds and free it. NULL
 * is fine.
 * Context: the thread that made it, before the ioctl returns.
 */
void policy_page_run_end(struct policy *p, struct policy_page_run *run);

/**
 * policy_encl_open() - give a new enclave object its id under @p.
 * Context: before any hook sees @encl.
 */
void policy_encl_open(struct policy *p, struct policy_encl *encl);

/**
 * policy_encl_set_identity() - EINIT accepted the enclave: later hooks (and
 * the audit log) know its MRENCLAVE and MRSIGNER.
 * Context: once, by the thread that ran EINIT.
 */
void policy_encl_set_identity(struct policy_encl *encl, const uint8_t mrenclave[32],
			      const uint8_t mrsigner[32]);

/* ---- loading --------------------------------------------------------------- */

/* Parse and check only: resources such as the audit log file are not opened. */
#define POLICY_LOAD_DRY_RUN 0x1u

/* Largest policy file accepted. */
#define POLICY_MAX_FILE_SIZE (1u << 20)

/**
 * policy_load_file() - read the policy file @path (format: README.md,
 * "Enclave policy") and make the policy, its audit log opened.
 * @err: receives "PATH:LINE: what was wrong, what was expected" (or
 *       "PATH: what" for an unreadable file); may be NULL.
 * Return: 0 and *@out; -EINVAL (the file is not a valid policy), -ENOMEM,
 * or the -errno of reading the file or opening the audit log. Nothing is
 * half-loaded: on error there is no policy to run with.
 */
int policy_load_file(const char *path, struct policy **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/**
 * policy_parse_file() - policy_load_file() with POLICY_LOAD_DRY_RUN, for
 * `sgxemu policy check`: the policy can be dumped but its audit module
 * writes nowhere.
 */
int policy_parse_file(const char *path, struct policy **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/**
 * policy_load_buffer() - the policy in @text (@len bytes, NUL bytes are an
 * error), named @name in messages.
 * @flags: POLICY_LOAD_DRY_RUN or 0.
 * Return: as policy_load_file().
 */
int policy_load_buffer(const char *name, const char *text, size_t len, unsigned int flags,
		       struct policy **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/** policy_free() - NULL is fine. Context: no driver uses @p any more. */
void policy_free(struct policy *p);

/** policy_nr_modules() - how many modules are stacked. */
unsigned int policy_nr_modules(const struct policy *p);

/** policy_module_name() - the name of the @i-th module in stack order. */
const char *policy_module_name(const struct policy *p, unsigned int i);

/**
 * policy_dump() - write @p as a policy file: the module stack in order with
 * every setting, each module's rule as a comment. Parsing the output gives
 * the same policy.
 * Return: 0, or -EIO if writing to @f failed.
 */
int policy_dump(const struct policy *p, FILE *f) __attribute__((warn_unused_result));

#endif /* SGXEMU_POLICY_POLICY_H */
