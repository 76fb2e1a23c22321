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
 *   ts (when the line was written), pid, hook, decision ("allow"/"deny"),
 *   module (the denying one, or null), enclave (its id), mrenclave,
 *   mrsigner (hex, or null while not known: before INIT; at INIT, what
 *   SIGSTRUCT claims), the hook's own fields (page_load: offset, pages,
 *   page_type, perms, measured, src_*; mmap and mprotect: addr, len,
 *   perms; ...), reason (null when allowed).
 * The allowed page_load decisions of one ADD_PAGES call that differ only in
 * their offset come as one line (policy.h, runs): "offset" is the first
 * page's, "pages" how many consecutive pages the line stands for (1 for a
 * single page and for every denial, which is logged at once).
 * Numbers that may exceed 2^53 (addresses, attributes) are hex strings.
 * Strings are escaped; bytes outside printable ASCII appear as \u00XX.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "module.h"

/*
 * A line is at most ~700 bytes of fixed fields plus its two strings, each
 * capped by escaped length: it always fits, and stays within PIPE_BUF.
 */
#define AUDIT_LINE_MAX 4096
#define AUDIT_PATH_MAX 1024             /* escaped bytes of a source path that are logged */
#define AUDIT_REASON_MAX 512            /* escaped bytes of a reason */

struct audit {
	char *path;                     /* NULL: stderr */
	bool deny_only;
	int fd;                         /* valid after open(); -1 for a dry run */
	bool owns_fd;
};

/*
 * getpid() is a syscall: the pid is kept, and forgotten in a child of
 * fork() (pthread_atfork), whose lines must carry its own.
 */
static atomic_int audit_pid;
static pthread_once_t audit_atfork_once = PTHREAD_ONCE_INIT;

static void audit_forget_pid(void)
{
	atomic_store_explicit(&audit_pid, 0, memory_order_relaxed);
}

static void audit_atfork(void)
{
	(void)pthread_atfork(NULL, NULL, audit_forget_pid);
}

static int audit_getpid(void)
{
	int pid = atomic_load_explicit(&audit_pid, memory_order_relaxed);

	if (!pid) {
		pid = (int)getpid();
		atomic_store_explicit(&audit_pid, pid, memory_order_relaxed);
	}
	return pid;
}

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

	(void)pthread_once(&audit_atfork_once, audit_atfork);
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

/*
 * The line is built by hand, not with printf: the audit module may log
 * every page an enclave build adds, and formatting was most of its cost.
 * Every field has a bounded size (strings by their escaped length), so a
 * line always fits; it is written with one write().
 */
struct line {
	char b[AUDIT_LINE_MAX];
	size_t n;
	bool full;
};

static void put_mem(struct line *l, const void *p, size_t n)
{
	if (n > sizeof(l->b) - l->n) {
		l->full = true;
		return;
	}
	memcpy(l->b + l->n, p, n);
	l->n += n;
}

/* A string literal, length known at compile time. */
#define PUT(l, lit) put_mem((l), "" lit, sizeof(lit) - 1)

static void put_cstr(struct line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

static void put_u64(struct line *l, uint64_t v)
{
	char t[20];
	size_t i = sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(l, t + i, sizeof(t) - i);
}

/* "0x..." in lowercase hex, as a JSON string. */
static void put_hex_str(struct line *l, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char t[16];
	size_t i = sizeof(t);

	do {
		t[--i] = digits[v & 0xf];
		v >>= 4;
	} while (v);
	PUT(l, "\"0x");
	put_mem(l, t + i, sizeof(t) - i);
	PUT(l, "\"");
}

static void put_bool(struct line *l, bool v)
{
	if (v)
		PUT(l, "true");
	else
		PUT(l, "false");
}

/*
 * @s as a JSON string, escaped, at most @max bytes of output for its
 * contents (then "..."): quote and backslash escaped, bytes outside
 * printable ASCII as \u00XX.
 */
static void put_str(struct line *l, const char *s, size_t max)
{
	static const char digits[] = "0123456789abcdef";
	size_t out = 0, run;

	PUT(l, "\"");
	while (*s) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = { '\\', 'u', '0', '0', digits[c >> 4], digits[c & 0xf] };

		/* A stretch that needs no escape goes in one copy. */
		for (run = 0; s[run] && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7f &&
			      s[run] != '"' && s[run] != '\\'; run++)
			;
		if (run) {
			if (run > max - out)
				break;
			put_mem(l, s, run);
			out += run;
			s += run;
			continue;
		}
		if (c == '"' || c == '\\') {
			if (max - out < 2)
				break;
			esc[1] = (char)c;
			put_mem(l, esc, 2);
			out += 2;
		} else {
			if (max - out < 6)
				break;
			put_mem(l, esc, 6);
			out += 6;
		}
		s++;
	}
	if (*s)
		PUT(l, "...");
	PUT(l, "\"");
}

static void put_hash(struct line *l, const uint8_t *h)
{
	char hex[2 * POLICY_HASH_SIZE + 1];

	if (!h) {
		PUT(l, "null");
		return;
	}
	policy_hex(h, POLICY_HASH_SIZE, hex);
	PUT(l, "\"");
	put_mem(l, hex, 2 * POLICY_HASH_SIZE);
	PUT(l, "\"");
}

static void put_perms(struct line *l, uint64_t rwx)
{
	char p[4];

	policy_perms(rwx, p);
	PUT(l, ",\"perms\":\"");
	put_mem(l, p, 3);
	PUT(l, "\"");
}

static void put_page_load(struct line *l, const struct policy_page_load *a, uint64_t pages)
{
	const struct policy_source *src = a->src;
	unsigned int pt = sgx_secinfo_page_type(a->secinfo_flags);

	PUT(l, ",\"offset\":");
	put_u64(l, a->offset);
	PUT(l, ",\"pages\":");
	put_u64(l, pages);
	if (pt == SGX_PT_REG)
		PUT(l, ",\"page_type\":\"reg\"");
	else if (pt == SGX_PT_TCS)
		PUT(l, ",\"page_type\":\"tcs\"");
	else {
		PUT(l, ",\"page_type\":");
		put_u64(l, pt);
	}
	put_perms(l, a->secinfo_flags);
	PUT(l, ",\"measured\":");
	put_bool(l, a->measured);
	PUT(l, ",\"src_path\":");
	put_str(l, src->path ? src->path : "", AUDIT_PATH_MAX);
	PUT(l, ",\"src_dev\":\"");
	put_u64(l, major(src->dev));
	PUT(l, ":");
	put_u64(l, minor(src->dev));
	PUT(l, "\",\"src_ino\":");
	put_u64(l, src->ino);
	PUT(l, ",\"src_anonymous\":");
	put_bool(l, src->anonymous);
	PUT(l, ",\"src_may_exec\":");
	put_bool(l, src->may_exec);
	PUT(l, ",\"src_writable\":");
	put_bool(l, src->writable);
	PUT(l, ",\"src_noexec_mount\":");
	put_bool(l, src->noexec_mount);
}

static void put_range(struct line *l, uint64_t addr, uint64_t len, int prot)
{
	PUT(l, ",\"addr\":");
	put_hex_str(l, addr);
	PUT(l, ",\"len\":");
	put_u64(l, len);
	put_perms(l, (uint64_t)(unsigned int)prot);
}

static void put_fields(struct line *l, const struct policy_event *ev)
{
	switch (ev->hook) {
	case POLICY_HOOK_encl_create: {
		const struct sgx_secs *secs = ev->args.encl_create->secs;

		PUT(l, ",\"base\":");
		put_hex_str(l, secs->base);
		PUT(l, ",\"size\":");
		put_hex_str(l, secs->size);
		PUT(l, ",\"attributes\":");
		put_hex_str(l, secs->attributes);
		break;
	}
	case POLICY_HOOK_page_load:
		put_page_load(l, ev->args.page_load, ev->pages);
		break;
	case POLICY_HOOK_encl_init: {
		const struct policy_encl_init *a = ev->args.encl_init;

		PUT(l, ",\"attributes\":");
		put_hex_str(l, a->attributes);
		PUT(l, ",\"xfrm\":");
		put_hex_str(l, a->xfrm);
		PUT(l, ",\"miscselect\":");
		put_hex_str(l, a->miscselect);
		PUT(l, ",\"isvprodid\":");
		put_u64(l, a->isvprodid);
		PUT(l, ",\"isvsvn\":");
		put_u64(l, a->isvsvn);
		break;
	}
	case POLICY_HOOK_provision:
		PUT(l, ",\"attributes\":");
		put_hex_str(l, ev->args.provision->attributes);
		break;
	case POLICY_HOOK_mmap: {
		const struct policy_mmap *a = ev->args.mmap;

		put_range(l, a->addr, a->len, a->prot);
		PUT(l, ",\"flags\":");
		put_hex_str(l, (unsigned int)a->flags);
		break;
	}
	case POLICY_HOOK_mprotect: {
		const struct policy_mprotect *a = ev->args.mprotect;

		put_range(l, a->start, a->end - a->start, a->prot);
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
	char usec[6];
	long us;
	int i;
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
	us = ts.tv_nsec / 1000;
	for (i = 5; i >= 0; i--, us /= 10)
		usec[i] = (char)('0' + us % 10);
	PUT(&l, "{\"ts\":");
	put_u64(&l, (uint64_t)ts.tv_sec);
	PUT(&l, ".");
	put_mem(&l, usec, sizeof(usec));
	PUT(&l, ",\"pid\":");
	put_u64(&l, (uint64_t)audit_getpid());
	PUT(&l, ",\"hook\":\"");
	put_cstr(&l, policy_hook_name(ev->hook));
	if (ev->decision == POLICY_ALLOW)
		PUT(&l, "\",\"decision\":\"allow\",\"module\":");
	else
		PUT(&l, "\",\"decision\":\"deny\",\"module\":");
	if (ev->module)
		put_str(&l, ev->module, 64);
	else
		PUT(&l, "null");
	PUT(&l, ",\"enclave\":");
	put_u64(&l, ev->encl ? ev->encl->id : 0);
	PUT(&l, ",\"mrenclave\":");
	put_hash(&l, mre);
	PUT(&l, ",\"mrsigner\":");
	put_hash(&l, mrs);
	put_fields(&l, ev);
	PUT(&l, ",\"reason\":");
	if (ev->reason)
		put_str(&l, ev->reason, AUDIT_REASON_MAX);
	else
		PUT(&l, "null");
	PUT(&l, "}\n");
	if (l.full)
		return;         /* cannot happen (see AUDIT_LINE_MAX); never half an object */

	/*
	 * One write() on an O_APPEND descriptor: the line lands whole after
	 * whatever other threads and processes wrote, never inside their
	 * lines (and it is at most PIPE_BUF bytes, so a pipe keeps it whole
	 * too). Only a short write (a full disk) is continued.
	 */
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
