// SPDX-License-Identifier: MIT
/*
 * Per-thread logical processors and how a signal handler finds them.
 *
 * Each thread that enters an enclave gets a region of RT_REGION_SIZE bytes,
 * aligned to its size: struct rt_thread at the bottom, a guard page, and
 * the rest as the thread's alternate signal stack. sgxemu's handlers run
 * with SA_ONSTACK, so a handler that interrupted enclave code (FS = the
 * enclave's, TLS unusable) runs on that stack and finds its rt_thread by
 * rounding its stack pointer down - after checking in a lock-free table of
 * region bases that the stack really is one of ours (a handler may also
 * run on the thread's own stack, in host mode, where TLS works).
 *
 * Lifetimes: a region is created by its thread (possibly inside a signal
 * handler: raw ENCLU from host code), registered with a compare-and-swap,
 * and destroyed by its thread at exit under threads_lock, which the kick
 * (another thread reading t->mode) also holds while it looks.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rt_internal.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)        /* linux/signal.h; not in glibc's headers */
#endif

#define RT_REGION_SHIFT 18
#define RT_REGION_SIZE  (1ul << RT_REGION_SHIFT)
#define RT_HDR_SIZE     ((sizeof(struct rt_thread) + 4095) & ~4095ul)
#define RT_GUARD_SIZE   4096ul
#define RT_STACK_SIZE   (RT_REGION_SIZE - RT_HDR_SIZE - RT_GUARD_SIZE)

static_assert(RT_STACK_SIZE >= 64 * 1024, "alternate signal stacks of at least 64 KiB");

#define RT_SLOTS        4096u           /* power of two */
#define RT_SLOT_EMPTY   0ul
#define RT_SLOT_DEAD    1ul

/* Region bases of live threads; open addressing, linear probing. */
static _Atomic(uintptr_t) slots[RT_SLOTS];

/* threads_lock protects: destruction of regions against rt_thread_for_each(). */
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t thread_key;
static bool key_made;

static _Thread_local struct rt_thread *self;

static unsigned int slot_of(uintptr_t base)
{
	return (unsigned int)(((base >> RT_REGION_SHIFT) * 0x9e3779b97f4a7c15ull) >> 52) &
	       (RT_SLOTS - 1);
}

__attribute__((no_sanitize("address", "undefined", "thread"), no_stack_protector))
struct rt_thread *rt_thread_from_stack(uint64_t sp)
{
	uintptr_t base = (uintptr_t)sp & ~(RT_REGION_SIZE - 1);
	unsigned int i = slot_of(base), n;

	for (n = 0; n < RT_SLOTS; n++, i = (i + 1) & (RT_SLOTS - 1)) {
		uintptr_t v = atomic_load_explicit(&slots[i], memory_order_acquire);

		if (v == base)
			return (struct rt_thread *)base;
		if (v == RT_SLOT_EMPTY)
			return NULL;
	}
	return NULL;
}

static bool slot_insert(uintptr_t base)
{
	unsigned int i = slot_of(base), n;

	for (n = 0; n < RT_SLOTS; n++, i = (i + 1) & (RT_SLOTS - 1)) {
		uintptr_t v = atomic_load_explicit(&slots[i], memory_order_relaxed);

		if ((v == RT_SLOT_EMPTY || v == RT_SLOT_DEAD) &&
		    atomic_compare_exchange_strong_explicit(&slots[i], &v, base,
							    memory_order_release,
							    memory_order_relaxed))
			return true;
	}
	return false;
}

static void slot_remove(uintptr_t base)
{
	unsigned int i = slot_of(base), n;

	for (n = 0; n < RT_SLOTS; n++, i = (i + 1) & (RT_SLOTS - 1)) {
		uintptr_t v = atomic_load_explicit(&slots[i], memory_order_relaxed);

		if (v == base) {
			atomic_store_explicit(&slots[i], RT_SLOT_DEAD, memory_order_release);
			return;
		}
		if (v == RT_SLOT_EMPTY)
			return;
	}
}

/* A region aligned to its size: map twice as much and trim. Syscalls only. */
static void *region_map(void)
{
	uintptr_t p, base;
	void *m;

	m = mmap(NULL, 2 * RT_REGION_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (uintptr_t)m;
	base = (p + RT_REGION_SIZE - 1) & ~(RT_REGION_SIZE - 1);
	if (base > p)
		munmap(m, base - p);
	munmap((void *)(base + RT_REGION_SIZE), p + RT_REGION_SIZE - base);
	/* Stack overflow hits the guard, not the logical processor. */
	mprotect((void *)(base + RT_HDR_SIZE), RT_GUARD_SIZE, PROT_NONE);
	return (void *)base;
}

struct rt_thread *rt_thread_current(void)
{
	return self;
}

struct rt_thread *rt_thread_self(void)
{
	struct rt_thread *t = self;
	stack_t ss;
	void *base;

	if (t)
		return t;
	base = region_map();
	if (!base)
		return NULL;
	t = base;                       /* fresh anonymous memory: zeroed */
	t->region = base;
	t->tid = (int)syscall(SYS_gettid);
	hw_lp_init(&t->lp, rt.hw, sgx_translate, rt.drv);
	atomic_init(&t->exits, 0);
	t->mode = RT_HOST;

	/*
	 * SS_AUTODISARM (Linux 4.7+): while a handler runs on this stack the
	 * kernel forgets it (and restores it at sigreturn), so sgxemu can arm
	 * the part below its live frames before it lets the program's handler
	 * re-enter an enclave; see rt_altstack_below().
	 */
	ss.ss_sp = (char *)base + RT_HDR_SIZE + RT_GUARD_SIZE;
	ss.ss_size = RT_STACK_SIZE;
	ss.ss_flags = (int)SS_AUTODISARM;
	if (sigaltstack(&ss, NULL)) {
		ss.ss_flags = 0;
		if (sigaltstack(&ss, NULL)) {
			munmap(base, RT_REGION_SIZE);
			return NULL;
		}
	}
	if (!slot_insert((uintptr_t)base)) {
		munmap(base, RT_REGION_SIZE);
		return NULL;
	}
	atomic_store_explicit((_Atomic uint64_t *)&t->magic, RT_THREAD_MAGIC, memory_order_release);
	self = t;
	/* Keys below 32 live in the thread descriptor: no allocation here. */
	if (key_made)
		pthread_setspecific(thread_key, t);
	return t;
}

void rt_altstack_below(struct rt_thread *t, uint64_t sp)
{
	uint64_t lo = (uint64_t)(uintptr_t)t->region + RT_HDR_SIZE + RT_GUARD_SIZE;
	stack_t ss;

	/* Room for sgxemu's frames between the live ones and nested signals. */
	sp -= 4096;
	if (sp <= lo + 16 * 1024 || sp > lo + RT_STACK_SIZE)
		return;
	ss.ss_sp = (void *)(uintptr_t)lo;
	ss.ss_size = sp - lo;
	ss.ss_flags = (int)SS_AUTODISARM;
	(void)sigaltstack(&ss, NULL);
}

static void region_destroy(struct rt_thread *t)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	pthread_mutex_lock(&threads_lock);
	slot_remove((uintptr_t)t->region);
	t->magic = 0;
	pthread_mutex_unlock(&threads_lock);
	if (self == t) {
		sigaltstack(&ss, NULL);
		self = NULL;
	}
	munmap(t->region, RT_REGION_SIZE);
}

/* Thread exit (a pthread key destructor): the thread is in host mode. */
static void thread_exit(void *p)
{
	region_destroy(p);
}

void rt_thread_for_each(void (*fn)(struct rt_thread *t, void *arg), void *arg)
{
	unsigned int i;

	pthread_mutex_lock(&threads_lock);
	for (i = 0; i < RT_SLOTS; i++) {
		uintptr_t v = atomic_load_explicit(&slots[i], memory_order_acquire);
		struct rt_thread *t = (struct rt_thread *)v;

		if (v == RT_SLOT_EMPTY || v == RT_SLOT_DEAD)
			continue;
		if (atomic_load_explicit((_Atomic uint64_t *)&t->magic, memory_order_acquire) !=
		    RT_THREAD_MAGIC)
			continue;       /* still being set up */
		fn(t, arg);
	}
	pthread_mutex_unlock(&threads_lock);
}

int rt_threads_init(void)
{
	int ret;

	ret = pthread_key_create(&thread_key, thread_exit);
	if (ret)
		return -ret;
	key_made = true;
	return 0;
}

void rt_threads_fini(void)
{
	struct rt_thread *t = self;

	if (t) {
		pthread_setspecific(thread_key, NULL);
		region_destroy(t);
	}
	if (key_made) {
		pthread_key_delete(thread_key);
		key_made = false;
	}
}

void rt_threads_fork_child(void)
{
	unsigned int i;

	/* Only this thread survived fork(): every other region is gone with it. */
	pthread_mutex_init(&threads_lock, NULL);
	for (i = 0; i < RT_SLOTS; i++) {
		uintptr_t v = atomic_load_explicit(&slots[i], memory_order_relaxed);

		if (v == RT_SLOT_EMPTY || v == RT_SLOT_DEAD)
			continue;
		if (!self || v != (uintptr_t)self->region) {
			/* The memory was copied; give it back. */
			munmap((void *)v, RT_REGION_SIZE);
			atomic_store_explicit(&slots[i], RT_SLOT_DEAD, memory_order_relaxed);
		}
	}
	if (self) {
		hw_lp_init(&self->lp, rt.hw, sgx_translate, rt.drv);
		self->mode = RT_HOST;
		self->tid = (int)syscall(SYS_gettid);
		atomic_store_explicit(&self->exits, 0, memory_order_relaxed);
	}
}
