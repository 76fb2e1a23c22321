// SPDX-License-Identifier: MIT
/*
 * The policy file. Line based; README.md ("Enclave policy") documents it:
 *
 *   # a comment: '#' at the start of a word runs to the end of the line
 *   module NAME          start a module; modules stack in file order
 *       KEY VALUE        a setting of the module above (indent is cosmetic)
 *
 * Words are separated by blanks (spaces, tabs); a line ends with LF (a CR
 * before it is ignored). Every error names FILE:LINE and what was expected;
 * loading stops at the first one and nothing is half-loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stack.h"

#define POLICY_MAX_LINE 4096            /* bytes, without the line end */
#define MAX_WORDS 3                     /* KEY VALUE and one too many */

struct parser {
	const char *name;
	unsigned int line;
	unsigned int flags;
	char *err;
	size_t errlen;
	struct policy *p;
	struct policy_module *cur;      /* the module whose settings follow */
};

static int perr(struct parser *ps, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A module's message, made safe to print as shown() does. */
static void tame(char *msg)
{
	for (; *msg; msg++)
		if (*msg < 0x20 || *msg >= 0x7f)
			*msg = '?';
}

/* "NAME:LINE: message"; Return: -EINVAL. */
static int perr(struct parser *ps, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || !ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->name, line);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * A word as it may be shown in a message: at most 40 characters, anything
 * that is not printable ASCII as '?', so that hostile input cannot put
 * control characters on a terminal.
 */
static const char *shown(const char *w, char buf[48])
{
	size_t i;

	for (i = 0; w[i] && i < 40; i++)
		buf[i] = (w[i] >= 0x20 && w[i] < 0x7f) ? w[i] : '?';
	if (w[i]) {
		memcpy(buf + i, "...", 4);
		return buf;
	}
	buf[i] = '\0';
	return buf;
}

static const struct policy_module_ops *find_type(const char *name)
{
	unsigned int i;

	for (i = 0; i < POLICY_NR_MODULE_TYPES; i++)
		if (!strcmp(policy_module_types[i]->name, name))
			return policy_module_types[i];
	return NULL;
}

static void type_names(char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < POLICY_NR_MODULE_TYPES && n < len; i++) {
		int w = snprintf(buf + n, len - n, "%s%s", i ? ", " : "", policy_module_types[i]->name);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* The current module's block is over: is it complete? */
static int finish_module(struct parser *ps)
{
	struct policy_module *m = ps->cur;
	char msg[256];
	int ret;

	ps->cur = NULL;
	if (!m || !m->ops->finish)
		return 0;
	msg[0] = '\0';
	ret = m->ops->finish(m->priv, msg, sizeof(msg));
	tame(msg);
	if (ret == -EINVAL)
		return perr(ps, m->line, "module %s: %s", m->ops->name, msg);
	return ret;
}

static int start_module(struct parser *ps, char **w, unsigned int nw)
{
	const struct policy_module_ops *ops;
	struct policy *p = ps->p;
	struct policy_module *m;
	char names[128], b1[48], b2[48];
	unsigned int i;
	int ret;

	ret = finish_module(ps);
	if (ret)
		return ret;
	type_names(names, sizeof(names));
	if (nw < 2)
		return perr(ps, ps->line, "expected a module name after 'module' (one of: %s)", names);
	if (nw > 2)
		return perr(ps, ps->line, "unexpected '%s' after 'module %s': one module per line",
			    shown(w[2], b1), shown(w[1], b2));
	ops = find_type(w[1]);
	if (!ops)
		return perr(ps, ps->line, "unknown module '%s': expected one of %s",
			    shown(w[1], b1), names);
	for (i = 0; i < p->nr_modules; i++)
		if (p->modules[i].ops == ops)
			return perr(ps, ps->line, "module %s appears twice (first on line %u)",
				    ops->name, p->modules[i].line);

	m = &p->modules[p->nr_modules];
	m->priv = calloc(1, ops->priv_size ? ops->priv_size : 1);
	if (!m->priv)
		return -ENOMEM;
	m->ops = ops;
	m->line = ps->line;
	p->nr_modules++;
	ps->cur = m;
	return 0;
}

static int setting(struct parser *ps, char **w, unsigned int nw)
{
	struct policy_module *m = ps->cur;
	char msg[256], b1[48], b2[48];
	int ret;

	if (!m)
		return perr(ps, ps->line, "'%s' before any module: expected 'module NAME' first",
			    shown(w[0], b1));
	if (!m->ops->settings)
		return perr(ps, ps->line, "module %s takes no settings, got '%s'", m->ops->name,
			    shown(w[0], b1));
	if (nw < 2)
		return perr(ps, ps->line, "expected a value after '%s'", shown(w[0], b1));
	if (nw > 2)
		return perr(ps, ps->line, "unexpected '%s' after '%s VALUE': one value per line",
			    shown(w[2], b1), shown(w[0], b2));
	msg[0] = '\0';
	ret = m->ops->set(m->priv, w[0], w[1], msg, sizeof(msg));
	tame(msg);
	if (ret == -ENOENT)
		return perr(ps, ps->line, "module %s has no setting '%s': expected one of %s",
			    m->ops->name, shown(w[0], b1), m->ops->settings);
	if (ret == -EINVAL)
		return perr(ps, ps->line, "%s", msg);
	return ret;
}

/* Split @line into words; a word starting with '#' ends it. Return: words. */
static unsigned int split(char *line, char **w)
{
	unsigned int n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == MAX_WORDS)
			return n + 1;   /* only "too many" matters beyond this */
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int parse_line(struct parser *ps, char *line)
{
	char *w[MAX_WORDS];
	unsigned int nw = split(line, w);

	if (nw > MAX_WORDS)
		nw = MAX_WORDS;
	if (!nw)
		return 0;
	if (!strcmp(w[0], "module"))
		return start_module(ps, w, nw);
	return setting(ps, w, nw);
}

static int parse(struct parser *ps, const char *text, size_t len)
{
	char *line = malloc(POLICY_MAX_LINE + 1);
	size_t pos = 0;
	int ret = 0;

	if (!line)
		return -ENOMEM;
	while (pos < len && !ret) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		ps->line++;
		pos += n + (nl ? 1 : 0);
		if (n && start[n - 1] == '\r')
			n--;
		if (n > POLICY_MAX_LINE) {
			ret = perr(ps, ps->line, "line longer than %d bytes", POLICY_MAX_LINE);
			break;
		}
		if (memchr(start, '\0', n)) {
			ret = perr(ps, ps->line, "NUL byte in the line: expected text");
			break;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		ret = parse_line(ps, line);
	}
	free(line);
	if (!ret)
		ret = finish_module(ps);
	if (!ret && !ps->p->nr_modules)
		ret = perr(ps, ps->line ? ps->line : 1,
			   "no module selected: expected at least one 'module NAME' line");
	return ret;
}

static int open_modules(struct parser *ps)
{
	struct policy *p = ps->p;
	char msg[256];
	unsigned int i;
	int ret;

	for (i = 0; i < p->nr_modules; i++) {
		struct policy_module *m = &p->modules[i];

		if (!m->ops->open)
			continue;
		msg[0] = '\0';
		ret = m->ops->open(m->priv, msg, sizeof(msg));
		tame(msg);
		if (ret) {
			perr(ps, m->line, "module %s: %s", m->ops->name, msg);
			return ret;
		}
		m->opened = true;
	}
	return 0;
}

int policy_load_buffer(const char *name, const char *text, size_t len, unsigned int flags,
		       struct policy **out, char *err, size_t errlen)
{
	struct parser ps = {
		.name = name ? name : "(policy)",
		.flags = flags,
		.err = err,
		.errlen = errlen,
	};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	ps.p = calloc(1, sizeof(*ps.p));
	if (!ps.p)
		return -ENOMEM;
	atomic_init(&ps.p->last_encl_id, 0);
	ret = parse(&ps, text, len);
	if (!ret && !(flags & POLICY_LOAD_DRY_RUN))
		ret = open_modules(&ps);
	if (ret) {
		if (ret == -ENOMEM && err && errlen)
			snprintf(err, errlen, "%s: out of memory", ps.name);
		policy_free(ps.p);
		return ret;
	}
	policy_stack_finish(ps.p);
	*out = ps.p;
	return 0;
}

/* Read all of @path (at most POLICY_MAX_FILE_SIZE bytes). */
static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out_err;
	}
	for (;;) {
		ssize_t r;

		if (!buf || n == cap) {
			char *nb;

			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out_close;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out_close;
		}
		if (!r)
			break;
		n += (size_t)r;
		if (n > POLICY_MAX_FILE_SIZE) {
			ret = -EFBIG;
			goto out_close;
		}
	}
	close(fd);
	*text = buf;
	*len = n;
	return 0;

out_close:
	close(fd);
out_err:
	if (err && errlen && ret == -EFBIG)
		snprintf(err, errlen, "%s: larger than %u bytes: not a policy file", path,
			 POLICY_MAX_FILE_SIZE);
	else if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	free(buf);
	return ret;
}

static int load_file(const char *path, unsigned int flags, struct policy **out, char *err,
		     size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = read_file(path, &text, &len, err, errlen);
	if (ret)
		return ret;
	ret = policy_load_buffer(path, text, len, flags, out, err, errlen);
	free(text);
	return ret;
}

int policy_load_file(const char *path, struct policy **out, char *err, size_t errlen)
{
	return load_file(path, 0, out, err, errlen);
}

int policy_parse_file(const char *path, struct policy **out, char *err, size_t errlen)
{
	return load_file(path, POLICY_LOAD_DRY_RUN, out, err, errlen);
}
