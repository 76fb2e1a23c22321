// SPDX-License-Identifier: MIT
/*
 * Which descriptors are SGX device files. Each open of a device gets a
 * real descriptor (a memfd, so that close, dup, fcntl, poll and fork treat
 * it like any file) and an entry here holding a reference to the driver's
 * struct sgx_file. Entries live in chunks of 1024 allocated on demand and
 * are read without a lock (a pointer load); writers take table_lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "preload.h"

#define CHUNK_SHIFT 10
#define CHUNK       (1u << CHUNK_SHIFT)
#define NR_CHUNKS   1024u               /* descriptors below 2^20 */

struct fd_entry {
	struct sgx_file *f;
	unsigned int generation;        /* pl.generation at open */
};

struct fd_chunk {
	struct fd_entry e[CHUNK];
};

static _Atomic(struct fd_chunk *) chunks[NR_CHUNKS];
/* table_lock protects: every entry's contents and the chunk allocation. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static struct fd_entry *entry(int fd, bool create)
{
	unsigned int c = (unsigned int)fd >> CHUNK_SHIFT;
	struct fd_chunk *ch;

	if (fd < 0 || c >= NR_CHUNKS)
		return NULL;
	ch = atomic_load_explicit(&chunks[c], memory_order_acquire);
	if (!ch && create) {
		ch = calloc(1, sizeof(*ch));
		if (!ch)
			return NULL;
		atomic_store_explicit(&chunks[c], ch, memory_order_release);
	}
	return ch ? &ch->e[(unsigned int)fd & (CHUNK - 1)] : NULL;
}

int pl_fd_install(int fd, struct sgx_file *f)
{
	struct sgx_file *old = NULL;
	struct fd_entry *e;

	pthread_mutex_lock(&table_lock);
	e = entry(fd, true);
	if (e) {
		old = e->f;
		e->f = f;
		e->generation = pl.generation;
	}
	pthread_mutex_unlock(&table_lock);
	if (!e)
		return -EMFILE;
	if (old)
		sgx_release(old);
	return 0;
}

struct sgx_file *pl_fd_lookup(int fd, bool *stale)
{
	struct fd_entry *e = entry(fd, false);
	struct sgx_file *f;

	if (!e)
		return NULL;
	f = __atomic_load_n(&e->f, __ATOMIC_ACQUIRE);
	if (f && stale)
		*stale = e->generation != pl.generation;
	return f;
}

void pl_fd_forget(int fd)
{
	struct sgx_file *f = NULL;
	struct fd_entry *e;
	bool stale = false;

	pthread_mutex_lock(&table_lock);
	e = entry(fd, false);
	if (e && e->f) {
		f = e->f;
		stale = e->generation != pl.generation;
		e->f = NULL;
	}
	pthread_mutex_unlock(&table_lock);
	/* A parent's file is the parent's business (and its driver's locks). */
	if (f && !stale)
		sgx_release(f);
}

void pl_fd_dup(int oldfd, int newfd)
{
	struct fd_entry *o, *n;
	struct sgx_file *f = NULL, *old = NULL;
	bool stale = false;

	pthread_mutex_lock(&table_lock);
	o = entry(oldfd, false);
	n = entry(newfd, o && o->f);
	if (n) {
		old = n->f;
		stale = n->generation != pl.generation;
		n->f = NULL;
		if (o && o->f) {
			n->generation = o->generation;
			n->f = o->generation == pl.generation ? sgx_file_get(o->f) : o->f;
			f = n->f;
		}
	}
	pthread_mutex_unlock(&table_lock);
	(void)f;
	if (old && !stale)
		sgx_release(old);
}

void pl_fds_fork_child(void)
{
	/* Entries keep their old generation: stale from now on. */
	pthread_mutex_init(&table_lock, NULL);
}
