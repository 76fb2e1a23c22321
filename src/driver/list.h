/* SPDX-License-Identifier: MIT */
/*
 * A minimal intrusive doubly linked list with the kernel's shape (a
 * circular list through a head node), so that driver code reads like
 * arch/x86/kernel/cpu/sgx. Written for sgxemu; only what the driver uses.
 */
#ifndef SGXEMU_DRIVER_LIST_H
#define SGXEMU_DRIVER_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_head {
	struct list_head *next, *prev;
};

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_link(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

/* list_add() - insert @n right after @h (at the front). */
static inline void list_add(struct list_head *n, struct list_head *h)
{
	list_link(n, h, h->next);
}

/* list_add_tail() - insert @n right before @h (at the back). */
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	list_link(n, h->prev, h);
}

/* list_del_init() - unlink @n and leave it pointing at itself. */
static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	INIT_LIST_HEAD(n);
}

/* list_move() / list_move_tail() - unlink @n and put it at the front/back of @h. */
static inline void list_move(struct list_head *n, struct list_head *h)
{
	list_del_init(n);
	list_add(n, h);
}

static inline void list_move_tail(struct list_head *n, struct list_head *h)
{
	list_del_init(n);
	list_add_tail(n, h);
}

#define list_first_entry(h, type, member) container_of((h)->next, type, member)

#define list_for_each_entry(pos, h, member)                                        \
	for (pos = container_of((h)->next, __typeof__(*pos), member);              \
	     &pos->member != (h);                                                  \
	     pos = container_of(pos->member.next, __typeof__(*pos), member))

#endif /* SGXEMU_DRIVER_LIST_H */
