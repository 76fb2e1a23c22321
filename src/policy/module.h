/* SPDX-License-Identifier: MIT */
/*
 * What a policy module is, and what the modules share. Private to policy/.
 *
 * A module type is a const struct policy_module_ops; a policy file makes at
 * most one instance of each, with its own settings (priv). Hooks only read
 * priv: a loaded policy is immutable and shared by every thread.
 */
#ifndef SGXEMU_POLICY_MODULE_H
#define SGXEMU_POLICY_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"

/* A decision as the observers (audit) see it, after the modules voted. */
struct policy_event {
	enum policy_hook_id hook;
	enum policy_decision decision;
	const char *module;             /* the denying module; NULL when allowed */
	const char *reason;             /* the denying module's reason; NULL when allowed */
	const struct policy_encl *encl;
	/*
	 * page_load: how many pages this decision is about - the page at
	 * args.page_load->offset and those after it (policy.h, runs); 1 for
	 * every other hook.
	 */
	uint64_t pages;
	union {
#define POLICY_HOOK(NAME, DEFAULT, DENY_ERRNO) const struct policy_##NAME *NAME;
#include "hook_defs.h"
#undef POLICY_HOOK
	} args;
};

struct policy_module_ops {
	const char *name;               /* as written in the policy file */
	const char *rule;               /* one line: what it enforces */
	const char *settings;           /* "mrsigner, mrenclave", or NULL: none */
	size_t priv_size;               /* zeroed before the first set() */

	/*
	 * set() - one "KEY VALUE" line of the module's block.
	 * Return: 0; -ENOENT (no such setting: the parser names the valid
	 * ones); -EINVAL with @err saying what was expected; -ENOMEM.
	 */
	int (*set)(void *priv, const char *key, const char *value, char *err, size_t errlen);
	/* finish() - the block ended: is the module complete? 0 or -EINVAL + @err. */
	int (*finish)(void *priv, char *err, size_t errlen);
	/* open() - take resources (not for a dry run). 0 or -errno + @err. */
	int (*open)(void *priv, char *err, size_t errlen);
	/* dump() - the settings as policy-file lines (without the module line). */
	void (*dump)(const void *priv, FILE *f);
	/* destroy() - release what set()/open() took; priv itself is freed by the caller. */
	void (*destroy)(void *priv);

	/*
	 * The hooks the module implements (NULL: no opinion). Each returns
	 * POLICY_ALLOW, or POLICY_DENY with *@reason set to a static string.
	 */
#define POLICY_HOOK(NAME, DEFAULT, DENY_ERRNO) \
	enum policy_decision (*NAME)(const void *priv, const struct policy_encl *encl, \
				     const struct policy_##NAME *args, const char **reason);
#include "hook_defs.h"
#undef POLICY_HOOK

	/* observe() - every decision of every hook (audit). Must not fail. */
	void (*observe)(const void *priv, const struct policy_event *ev);
};

/* The module types, in the order `sgxemu policy check` lists them. */
#define POLICY_MODULES(X) \
	X(exec_source) \
	X(wx) \
	X(signers) \
	X(debug) \
	X(provision) \
	X(audit)

#define POLICY_MODULE_DECLARE(ID) extern const struct policy_module_ops policy_mod_##ID;
POLICY_MODULES(POLICY_MODULE_DECLARE)
#undef POLICY_MODULE_DECLARE

/* ---- shared by modules ---------------------------------------------------- */

#define POLICY_HASH_SIZE 32
#define POLICY_MAX_LIST 4096            /* values per list setting */

/* A list of SHA-256 values (MRSIGNER, MRENCLAVE), in file order. */
struct policy_hash_list {
	uint8_t (*v)[POLICY_HASH_SIZE];
	size_t n, cap;
};

/**
 * policy_hash_list_add() - parse @hex (64 hex digits, either case, memory
 * order as `sgxemu measure` prints) and append it.
 * @key: the setting's name, for the message in @err.
 * Return: 0, -EINVAL (+ @err), -ENOMEM.
 */
int policy_hash_list_add(struct policy_hash_list *l, const char *key, const char *hex,
			 char *err, size_t errlen) __attribute__((warn_unused_result));
bool policy_hash_list_has(const struct policy_hash_list *l, const uint8_t *hash);
void policy_hash_list_dump(const struct policy_hash_list *l, const char *key, FILE *f);
void policy_hash_list_free(struct policy_hash_list *l);

/* policy_hex() - @len bytes as lowercase hex into @out (2 * @len + 1 bytes). */
void policy_hex(const void *buf, size_t len, char *out);

/* policy_perms() - "rwx"-style string of R/W/X bits (SECINFO or PROT_*: same values). */
void policy_perms(uint64_t rwx, char out[4]);

#endif /* SGXEMU_POLICY_MODULE_H */
