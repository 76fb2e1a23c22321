// SPDX-License-Identifier: MIT
/*
 * The dispatcher: one function per hook, generated from hook_defs.h, that
 * asks the modules implementing the hook in stack order, stops at the
 * first denial and tells the observers - the page_load decisions of one
 * ADD_PAGES call in runs (policy.h). It holds no policy of its own.
 * Also the policy object's life cycle and the helpers modules share.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"

#define POLICY_MODULE_ENTRY(ID) &policy_mod_##ID,
const struct policy_module_ops *const policy_module_types[POLICY_NR_MODULE_TYPES] = {
	POLICY_MODULES(POLICY_MODULE_ENTRY)
};
#undef POLICY_MODULE_ENTRY

static const char *const hook_names[POLICY_NR_HOOKS] = {
#define POLICY_HOOK(NAME, DEFAULT, DENY_ERRNO) [POLICY_HOOK_##NAME] = #NAME,
#include "hook_defs.h"
#undef POLICY_HOOK
};

const char *policy_hook_name(enum policy_hook_id hook)
{
	return (unsigned int)hook < POLICY_NR_HOOKS ? hook_names[hook] : "?";
}

/* ---- dispatch ---------------------------------------------------------------- */

static void notify(const struct policy *p, const struct policy_event *ev)
{
	unsigned int i;

	for (i = 0; i < p->observers.n; i++)
		p->observers.mod[i]->ops->observe(p->observers.mod[i]->priv, ev);
}

/*
 * An allowed page_load decision held back, and how many contiguous pages
 * it stands for so far (0: none held). Its source is a copy: the caller's
 * changes as the call crosses mappings.
 */
struct policy_page_run {
	const struct policy_encl *encl;
	struct policy_page_load args;   /* .offset: the first page's; .src: &src */
	struct policy_source src;       /* .path: path */
	uint64_t pages;
	char path[PATH_MAX];
};

struct policy_page_run *policy_page_run_start(struct policy *p)
{
	struct policy_page_run *run;

	if (!p->observers.n)
		return NULL;
	run = malloc(sizeof(*run));
	if (run)
		run->pages = 0;
	return run;
}

static bool same_source(const struct policy_source *a, const struct policy_source *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->anonymous == b->anonymous &&
	       a->may_exec == b->may_exec && a->writable == b->writable &&
	       a->noexec_mount == b->noexec_mount && !strcmp(a->path ? a->path : "", b->path);
}

/* Does allowed decision @ev continue @run? */
static bool run_continues(const struct policy_page_run *run, const struct policy_event *ev)
{
	const struct policy_page_load *a = ev->args.page_load;

	return run->pages && run->encl == ev->encl &&
	       a->secinfo_flags == run->args.secinfo_flags && a->measured == run->args.measured &&
	       a->offset == run->args.offset + run->pages * SGX_PAGE_SIZE &&
	       same_source(a->src, &run->src);
}

static void run_flush(const struct policy *p, struct policy_page_run *run)
{
	struct policy_event ev = {
		.hook = POLICY_HOOK_page_load,
		.decision = POLICY_ALLOW,
		.encl = run->encl,
		.pages = run->pages,
		.args.page_load = &run->args,
	};

	if (!run->pages)
		return;
	notify(p, &ev);
	run->pages = 0;
}

static void run_hold(struct policy_page_run *run, const struct policy_event *ev)
{
	const struct policy_page_load *a = ev->args.page_load;
	const char *path = a->src->path ? a->src->path : "";
	size_t n = strnlen(path, sizeof(run->path) - 1);

	run->encl = ev->encl;
	run->args = *a;
	run->args.src = &run->src;
	run->args.run = NULL;
	run->src = *a->src;
	memcpy(run->path, path, n);
	run->path[n] = '\0';
	run->src.path = run->path;
	run->pages = 1;
}

void policy_page_run_end(struct policy *p, struct policy_page_run *run)
{
	if (!run)
		return;
	run_flush(p, run);
	free(run);
}

/* Tell the observers about @ev: at once, or held in its page_load run. */
static void report(const struct policy *p, const struct policy_event *ev)
{
	struct policy_page_run *run;

	if (!p->observers.n)
		return;
	run = ev->hook == POLICY_HOOK_page_load ? ev->args.page_load->run : NULL;
	if (!run) {
		notify(p, ev);
		return;
	}
	if (ev->decision == POLICY_ALLOW) {
		if (run_continues(run, ev)) {
			run->pages++;
			return;
		}
		run_flush(p, run);
		run_hold(run, ev);
		return;
	}
	/* A denial ends the run: what came before it first, then the denial. */
	run_flush(p, run);
	notify(p, ev);
}

#define POLICY_HOOK(NAME, DEFAULT, DENY_ERRNO) \
int policy_##NAME(struct policy *p, struct policy_encl *encl, \
		  const struct policy_##NAME *args) \
{ \
	const struct policy_hook_list *l = &p->hooks[POLICY_HOOK_##NAME]; \
	struct policy_event ev = { \
		.hook = POLICY_HOOK_##NAME, \
		.decision = l->n ? POLICY_ALLOW : (DEFAULT), \
		.encl = encl, \
		.pages = 1, \
		.args.NAME = args, \
	}; \
	unsigned int i; \
	\
	for (i = 0; i < l->n; i++) { \
		const char *reason = NULL; \
		\
		if (l->mod[i]->ops->NAME(l->mod[i]->priv, encl, args, &reason) != POLICY_ALLOW) { \
			ev.decision = POLICY_DENY; \
			ev.module = l->mod[i]->ops->name; \
			ev.reason = reason ? reason : "denied"; \
			break; \
		} \
	} \
	if (ev.decision != POLICY_ALLOW && !ev.reason) \
		ev.reason = "denied by default"; \
	report(p, &ev); \
	return ev.decision == POLICY_ALLOW ? 0 : -(DENY_ERRNO); \
}
#include "hook_defs.h"
#undef POLICY_HOOK

void policy_stack_finish(struct policy *p)
{
	unsigned int i;

	memset(p->hooks, 0, sizeof(p->hooks));
	memset(&p->observers, 0, sizeof(p->observers));
	for (i = 0; i < p->nr_modules; i++) {
		const struct policy_module *m = &p->modules[i];

#define POLICY_HOOK(NAME, DEFAULT, DENY_ERRNO) \
		if (m->ops->NAME) \
			p->hooks[POLICY_HOOK_##NAME].mod[p->hooks[POLICY_HOOK_##NAME].n++] = m;
#include "hook_defs.h"
#undef POLICY_HOOK
		if (m->ops->observe)
			p->observers.mod[p->observers.n++] = m;
	}
}

/* ---- enclaves ------------------------------------------------------------------ */

void policy_encl_open(struct policy *p, struct policy_encl *encl)
{
	memset(encl, 0, sizeof(*encl));
	encl->id = atomic_fetch_add_explicit(&p->last_encl_id, 1, memory_order_relaxed) + 1;
}

void policy_encl_set_identity(struct policy_encl *encl, const uint8_t mrenclave[32],
			      const uint8_t mrsigner[32])
{
	memcpy(encl->mrenclave, mrenclave, sizeof(encl->mrenclave));
	memcpy(encl->mrsigner, mrsigner, sizeof(encl->mrsigner));
	atomic_store_explicit(&encl->identity_known, 1, memory_order_release);
}

/* ---- the policy object ---------------------------------------------------------- */

void policy_free(struct policy *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = p->nr_modules; i-- > 0;) {
		struct policy_module *m = &p->modules[i];

		if (m->ops->destroy)
			m->ops->destroy(m->priv);
		free(m->priv);
	}
	free(p);
}

unsigned int policy_nr_modules(const struct policy *p)
{
	return p->nr_modules;
}

const char *policy_module_name(const struct policy *p, unsigned int i)
{
	return i < p->nr_modules ? p->modules[i].ops->name : NULL;
}

int policy_dump(const struct policy *p, FILE *f)
{
	unsigned int i;

	fprintf(f, "# sgxemu enclave policy: %u module%s, asked in this order;\n"
		"# the first that denies decides.\n", p->nr_modules, p->nr_modules == 1 ? "" : "s");
	for (i = 0; i < p->nr_modules; i++) {
		const struct policy_module *m = &p->modules[i];

		fprintf(f, "\nmodule %s\t# %s\n", m->ops->name, m->ops->rule);
		if (m->ops->dump)
			m->ops->dump(m->priv, f);
	}
	return fflush(f) || ferror(f) ? -EIO : 0;
}

/* ---- helpers for modules -------------------------------------------------------- */

void policy_hex(const void *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * len] = '\0';
}

void policy_perms(uint64_t rwx, char out[4])
{
	out[0] = (rwx & SGX_SECINFO_R) ? 'r' : '-';
	out[1] = (rwx & SGX_SECINFO_W) ? 'w' : '-';
	out[2] = (rwx & SGX_SECINFO_X) ? 'x' : '-';
	out[3] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int policy_hash_list_add(struct policy_hash_list *l, const char *key, const char *hex,
			 char *err, size_t errlen)
{
	uint8_t v[POLICY_HASH_SIZE];
	size_t i;

	if (strlen(hex) != 2 * POLICY_HASH_SIZE) {
		snprintf(err, errlen, "expected %d hex digits (a SHA-256 value) after '%s', got %zu "
			 "characters", 2 * POLICY_HASH_SIZE, key, strlen(hex));
		return -EINVAL;
	}
	for (i = 0; i < POLICY_HASH_SIZE; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			unsigned char c = (unsigned char)(hi < 0 ? hex[2 * i] : hex[2 * i + 1]);

			if (c >= 0x20 && c < 0x7f)
				snprintf(err, errlen, "expected %d hex digits after '%s': '%c' is not one",
					 2 * POLICY_HASH_SIZE, key, c);
			else
				snprintf(err, errlen, "expected %d hex digits after '%s': byte 0x%02x is "
					 "not one", 2 * POLICY_HASH_SIZE, key, c);
			return -EINVAL;
		}
		v[i] = (uint8_t)(hi << 4 | lo);
	}
	if (l->n == POLICY_MAX_LIST) {
		snprintf(err, errlen, "too many '%s' values (at most %d)", key, POLICY_MAX_LIST);
		return -EINVAL;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		uint8_t (*nv)[POLICY_HASH_SIZE] = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	memcpy(l->v[l->n++], v, POLICY_HASH_SIZE);
	return 0;
}

bool policy_hash_list_has(const struct policy_hash_list *l, const uint8_t *hash)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!memcmp(l->v[i], hash, POLICY_HASH_SIZE))
			return true;
	return false;
}

void policy_hash_list_dump(const struct policy_hash_list *l, const char *key, FILE *f)
{
	char hex[2 * POLICY_HASH_SIZE + 1];
	size_t i;

	for (i = 0; i < l->n; i++) {
		policy_hex(l->v[i], POLICY_HASH_SIZE, hex);
		fprintf(f, "    %s %s\n", key, hex);
	}
}

void policy_hash_list_free(struct policy_hash_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
