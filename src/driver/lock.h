/* SPDX-License-Identifier: MIT */
/*
 * Driver locks: pthread locks that remember their (writing) owner, so that
 * functions can assert "Context: <lock> held" in debug builds, and that
 * count, per thread, how many driver locks the thread holds.
 *
 * The count is what makes the fault handler safe in a signal handler. The
 * fault path only ever *tries* locks. If a try fails while the interrupted
 * thread itself holds driver locks (an asynchronous signal arrived in the
 * middle of a driver call and its handler touched enclave memory), waiting
 * could never succeed, so the fault path gives up with SIGBUS instead of
 * asking for a retry that would spin forever.
 *
 * The count is raised after a lock is taken and lowered before it is
 * dropped, so a signal landing in the two-instruction gap sees "no lock
 * held" and at worst retries until the interrupted thread resumes - it
 * never turns a lock held by another thread into a spurious SIGBUS.
 *
 * glibc's trylock and unlock for default mutexes and rwlocks are a
 * compare-and-swap plus, when there are waiters, a futex wake: safe to call
 * from a signal handler that interrupted code not holding the same lock.
 */
#ifndef SGXEMU_DRIVER_LOCK_H
#define SGXEMU_DRIVER_LOCK_H

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Driver locks held by the current thread (see above). */
extern _Thread_local unsigned int sgx_locks_held;

struct sgx_mutex {
	pthread_mutex_t m;
	atomic_uintptr_t owner;         /* pthread_self() of the holder, 0 if free */
};

static inline void sgx_mutex_init(struct sgx_mutex *l)
{
	pthread_mutex_init(&l->m, NULL);
	atomic_init(&l->owner, 0);
}

static inline void sgx_mutex_destroy(struct sgx_mutex *l)
{
	pthread_mutex_destroy(&l->m);
}

static inline void sgx_mutex_lock(struct sgx_mutex *l)
{
	pthread_mutex_lock(&l->m);
	sgx_locks_held++;
	atomic_store_explicit(&l->owner, (uintptr_t)pthread_self(), memory_order_relaxed);
}

/* sgx_mutex_trylock() - true if taken. Context: any, signal handlers included. */
static inline bool sgx_mutex_trylock(struct sgx_mutex *l)
{
	if (pthread_mutex_trylock(&l->m))
		return false;
	sgx_locks_held++;
	atomic_store_explicit(&l->owner, (uintptr_t)pthread_self(), memory_order_relaxed);
	return true;
}

static inline void sgx_mutex_unlock(struct sgx_mutex *l)
{
	atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
	sgx_locks_held--;
	pthread_mutex_unlock(&l->m);
}

static inline bool sgx_mutex_held(struct sgx_mutex *l)
{
	return atomic_load_explicit(&l->owner, memory_order_relaxed) == (uintptr_t)pthread_self();
}

#define sgx_assert_held(l) assert(sgx_mutex_held(l))

/* A reader/writer lock; only the writer is remembered. */
struct sgx_rwsem {
	pthread_rwlock_t l;
	atomic_uintptr_t writer;
};

static inline void sgx_rwsem_init(struct sgx_rwsem *s)
{
	pthread_rwlock_init(&s->l, NULL);
	atomic_init(&s->writer, 0);
}

static inline void sgx_rwsem_destroy(struct sgx_rwsem *s)
{
	pthread_rwlock_destroy(&s->l);
}

static inline void sgx_down_read(struct sgx_rwsem *s)
{
	pthread_rwlock_rdlock(&s->l);
	sgx_locks_held++;
}

/* sgx_down_read_trylock() - true if taken. Context: any, signal handlers included. */
static inline bool sgx_down_read_trylock(struct sgx_rwsem *s)
{
	if (pthread_rwlock_tryrdlock(&s->l))
		return false;
	sgx_locks_held++;
	return true;
}

static inline void sgx_up_read(struct sgx_rwsem *s)
{
	sgx_locks_held--;
	pthread_rwlock_unlock(&s->l);
}

static inline void sgx_down_write(struct sgx_rwsem *s)
{
	pthread_rwlock_wrlock(&s->l);
	sgx_locks_held++;
	atomic_store_explicit(&s->writer, (uintptr_t)pthread_self(), memory_order_relaxed);
}

static inline void sgx_up_write(struct sgx_rwsem *s)
{
	atomic_store_explicit(&s->writer, 0, memory_order_relaxed);
	sgx_locks_held--;
	pthread_rwlock_unlock(&s->l);
}

#define sgx_assert_write_held(s) \
	assert(atomic_load_explicit(&(s)->writer, memory_order_relaxed) == (uintptr_t)pthread_self())

#endif /* SGXEMU_DRIVER_LOCK_H */
