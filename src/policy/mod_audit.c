// SPDX-License-Identifier: MIT
/*
 * audit: every decision of every hook, allowed or denied, as one JSON
 * object per line. It decides nothing (an observer, not a voter), so its
 * place in the stack does not matter.
 *
 *   output stderr | PATH   where lines go (default stderr); a file is
 *                          opened O_APPEND (created 0600) when the policy
 *                          is loaded, and a policy whose log cannot be
 *                          opened does not load
 *   decisions all | deny   which decisions to log (default all)
 *
 * Each line is written with a single write() on an O_APPEND descriptor, so
 * lines of concurrent enclaves and processes never interleave. Fields:
 *   ts, pid, hook, decision ("allow"/"deny"), module (the denying one, or
 *   null), enclave (its id), mrenclave, mrsigner (hex, or null while not
 *   known: before INIT; at INIT, what SIGSTRUCT claims), the hook's own
 *   fields (page_load: offset, page_type, perms, measured, src_*; mmap and
 *   mprotect: addr, len, perms; ...), reason (null when allowed).
 * Numbers that may exceed 2^53 (addresses, attributes) are hex strings.
 * Strings are escaped; bytes outside printable ASCII appear as \u00XX.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "module.h"

#define AUDIT_LINE_MAX 4096
#define AUDIT_PATH_MAX 1024             /* bytes of a source path that are logged */

struct audit {
	char *path;                     /* NULL: stderr */
	bool deny_only;
	int fd;                         /* valid after open(); -1 for a dry run */
	bool owns_fd;
};

/* ---- settings -------------------------------------------------------------- */

static int audit_set(void *priv, const char *key, const char *value, char *err, size_t errlen)
{
	struct audit *a = priv;

	if (!strcmp(key, "output")) {
		char *p = NULL;

		if (strcmp(value, "stderr")) {
			p = strdup(value);
			if (!p)
				return -ENOMEM;
		}
		free(a->path);
		a->path = p;
		return 0;
	}
	if (!strcmp(key, "decisions")) {
		if (!strcmp(value, "all")) {
			a->deny_only = false;
		} else if (!strcmp(value, "deny")) {
			a->deny_only = true;
		} else {
			snprintf(err, errlen, "expected 'all' or 'deny' after 'decisions'");
			return -EINVAL;
		}
		return 0;
	}
	return -ENOENT;
}

static int audit_finish(void *priv, char *err, size_t errlen)
{
	struct audit *a = priv;

	(void)err;
	(void)errlen;
	a->fd = -1;
	return 0;
}

static int audit_open(void *priv, char *err, size_t errlen)
{
	struct audit *a = priv;
	int fd;

	if (!a->path) {
		a->fd = STDERR_FILENO;
		return 0;
	}
	fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		int ret = -errno;

		snprintf(err, errlen, "cannot open the audit log '%s': %s", a->path, strerror(errno));
		return ret;
	}
	a->fd = fd;
	a->owns_fd = true;
	return 0;
}

static void audit_dump(const void *priv, FILE *f)
{
	const struct audit *a = priv;

	fprintf(f, "    output %s\n", a->path ? a->path : "stderr");
	fprintf(f, "    decisions %s\n", a->deny_only ? "deny" : "all");
}

static void audit_destroy(void *priv)
{
	struct audit *a = priv;

	if (a->owns_fd)
		close(a->fd);
	free(a->path);
}

/* ---- one line ---------------------------------------------------------------- */

struct line {
	char b[AUDIT_LINE_MAX];
	size_t n;
	bool full;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (l->full)
		return;
	va_start(ap, fmt);
	w = vsnprintf(l->b + l->n, sizeof(l->b) - l->n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(l->b) - l->n)
		l->full = true;
	else
		l->n += (size_t)w;
}

/* ,"key":"escaped" - at most @max bytes of @s. */
static void put_str(struct line *l, const char *key, const char *s, size_t max)
{
	size_t i;

	put(l, ",\"%s\":\"", key);
	for (i = 0; s[i] && i < max && !l->full; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			put(l, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			put(l, "\\u%04x", c);
		else
			put(l, "%c", c);
	}
	put(l, "%s\"", s[i] ? "..." : "");
}

static void put_hash(struct line *l, const char *key, const uint8_t *h)
{
	char hex[2 * POLICY_HASH_SIZE + 1];

	if (!h) {
		put(l, ",\"%s\":null", key);
		return;
	}
	policy_hex(h, POLICY_HASH_SIZE, hex);
	put(l, ",\"%s\":\"%s\"", key, hex);
}

static void put_bool(struct line *l, const char *key, bool v)
{
	put(l, ",\"%s\":%s", key, v ? "true" : "false");
}

static void put_perms(struct line *l, uint64_t rwx)
{
	char p[4];

	policy_perms(rwx, p);
	put(l, ",\"perms\":\"%s\"", p);
}

static void put_page_load(struct line *l, const struct policy_page_load *a)
{
	const struct policy_source *src = a->src;
	unsigned int pt = sgx_secinfo_page_type(a->secinfo_flags);

	put(l, ",\"offset\":%llu", (unsigned long long)a->offset);
	if (pt == SGX_PT_REG || pt == SGX_PT_TCS)
		put(l, ",\"page_type\":\"%s\"", pt == SGX_PT_REG ? "reg" : "tcs");
	else
		put(l, ",\"page_type\":%u", pt);
	put_perms(l, a->secinfo_flags);
	put_bool(l, "measured", a->measured);
	put_str(l, "src_path", src->path ? src->path : "", AUDIT_PATH_MAX);
	put(l, ",\"src_dev\":\"%u:%u\",\"src_ino\":%llu", major(src->dev), minor(src->dev),
	    (unsigned long long)src->ino);
	put_bool(l, "src_anonymous", src->anonymous);
	put_bool(l, "src_may_exec", src->may_exec);
	put_bool(l, "src_writable", src->writable);
	put_bool(l, "src_noexec_mount", src->noexec_mount);
}

static void put_fields(struct line *l, const struct policy_event *ev)
{
	switch (ev->hook) {
	case POLICY_HOOK_encl_create: {
		const struct sgx_secs *secs = ev->args.encl_create->secs;

		put(l, ",\"base\":\"0x%llx\",\"size\":\"0x%llx\",\"attributes\":\"0x%llx\"",
		    (unsigned long long)secs->base, (unsigned long long)secs->size,
		    (unsigned long long)secs->attributes);
		break;
	}
	case POLICY_HOOK_page_load:
		put_page_load(l, ev->args.page_load);
		break;
	case POLICY_HOOK_encl_init: {
		const struct policy_encl_init *a = ev->args.encl_init;

		put(l, ",\"attributes\":\"0x%llx\",\"xfrm\":\"0x%llx\",\"miscselect\":\"0x%x\","
		    "\"isvprodid\":%u,\"isvsvn\":%u", (unsigned long long)a->attributes,
		    (unsigned long long)a->xfrm, a->miscselect, a->isvprodid, a->isvsvn);
		break;
	}
	case POLICY_HOOK_provision:
		put(l, ",\"attributes\":\"0x%llx\"",
		    (unsigned long long)ev->args.provision->attributes);
		break;
	case POLICY_HOOK_mmap: {
		const struct policy_mmap *a = ev->args.mmap;

		put(l, ",\"addr\":\"0x%llx\",\"len\":%llu", (unsigned long long)a->addr,
		    (unsigned long long)a->len);
		put_perms(l, (uint64_t)(unsigned int)a->prot);
		put(l, ",\"flags\":\"0x%x\"", (unsigned int)a->flags);
		break;
	}
	case POLICY_HOOK_mprotect: {
		const struct policy_mprotect *a = ev->args.mprotect;

		put(l, ",\"addr\":\"0x%llx\",\"len\":%llu", (unsigned long long)a->start,
		    (unsigned long long)(a->end - a->start));
		put_perms(l, (uint64_t)(unsigned int)a->prot);
		break;
	}
	case POLICY_NR_HOOKS:
		break;
	}
}

static void audit_observe(const void *priv, const struct policy_event *ev)
{
	const struct audit *a = priv;
	const uint8_t *mre = NULL, *mrs = NULL;
	struct line l;
	struct timespec ts;
	size_t done = 0;

	if (a->fd < 0 || (a->deny_only && ev->decision == POLICY_ALLOW))
		return;
	if (ev->hook == POLICY_HOOK_encl_init) {
		mre = ev->args.encl_init->mrenclave;
		mrs = ev->args.encl_init->mrsigner;
	} else if (ev->hook == POLICY_HOOK_provision) {
		mre = ev->args.provision->mrenclave;
		mrs = ev->args.provision->mrsigner;
	} else if (ev->encl && atomic_load_explicit(&ev->encl->identity_known,
						    memory_order_acquire)) {
		mre = ev->encl->mrenclave;
		mrs = ev->encl->mrsigner;
	}

	l.n = 0;
	l.full = false;
	clock_gettime(CLOCK_REALTIME, &ts);
	put(&l, "{\"ts\":%lld.%06ld,\"pid\":%d,\"hook\":\"%s\",\"decision\":\"%s\"",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (int)getpid(), policy_hook_name(ev->hook),
	    ev->decision == POLICY_ALLOW ? "allow" : "deny");
	if (ev->module)
		put(&l, ",\"module\":\"%s\"", ev->module);
	else
		put(&l, ",\"module\":null");
	put(&l, ",\"enclave\":%llu", (unsigned long long)(ev->encl ? ev->encl->id : 0));
	put_hash(&l, "mrenclave", mre);
	put_hash(&l, "mrsigner", mrs);
	put_fields(&l, ev);
	if (ev->reason)
		put_str(&l, "reason", ev->reason, 256);
	else
		put(&l, ",\"reason\":null");
	put(&l, "}\n");
	if (l.full) {
		/* Cannot happen with the caps above; never write half an object. */
		return;
	}

	while (done < l.n) {
		ssize_t w = write(a->fd, l.b + done, l.n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;         /* a log that cannot be written loses the line */
		done += (size_t)w;
	}
}

const struct policy_module_ops policy_mod_audit = {
	.name = "audit",
	.rule = "log every decision as a JSON line",
	.settings = "output, decisions",
	.priv_size = sizeof(struct audit),
	.set = audit_set,
	.finish = audit_finish,
	.open = audit_open,
	.dump = audit_dump,
	.destroy = audit_destroy,
	.observe = audit_observe,
};
