/* SPDX-License-Identifier: MIT */
/*
 * The policy object: the configured module stack and, per hook, the
 * modules that implement it (the kernel's per-hook LSM lists). Private to
 * policy/: policy.c dispatches over it, parse.c builds it.
 */
#ifndef SGXEMU_POLICY_STACK_H
#define SGXEMU_POLICY_STACK_H

#include <stdatomic.h>

#include "module.h"

#define POLICY_NR_MODULE_TYPES 6        /* entries of POLICY_MODULES() */

/* One configured module. */
struct policy_module {
	const struct policy_module_ops *ops;
	void *priv;
	unsigned int line;              /* its "module" line in the policy file */
	bool opened;                    /* ops->open() succeeded */
};

struct policy_hook_list {
	unsigned int n;
	const struct policy_module *mod[POLICY_NR_MODULE_TYPES];
};

struct policy {
	unsigned int nr_modules;
	struct policy_module modules[POLICY_NR_MODULE_TYPES];  /* stack order */
	struct policy_hook_list hooks[POLICY_NR_HOOKS];
	struct policy_hook_list observers;
	atomic_uint_fast64_t last_encl_id;
};

/* policy_module_types() - every module type, in POLICY_MODULES() order. */
extern const struct policy_module_ops *const policy_module_types[POLICY_NR_MODULE_TYPES];

/**
 * policy_stack_finish() - fill the per-hook lists from the module stack.
 * Context: the parser, once every module is configured.
 */
void policy_stack_finish(struct policy *p);

#endif /* SGXEMU_POLICY_STACK_H */
