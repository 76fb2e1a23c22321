// SPDX-License-Identifier: MIT
/*
 * Radix tree behind the enclave page array; see page_array.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "page_array.h"

struct pa_node {
	_Atomic(void *) slot[SGX_PA_SLOTS];
};

static unsigned int shift_of(unsigned int level)
{
	return level * SGX_PA_BITS;
}

static unsigned int slot_of(uint64_t index, unsigned int level)
{
	if (shift_of(level) >= 64)
		return 0;
	return (unsigned int)(index >> shift_of(level)) & (SGX_PA_SLOTS - 1);
}

_Static_assert(sizeof(struct pa_node) == SGX_PA_NODE_BYTES, "node size");

void sgx_page_array_init(struct sgx_page_array *pa, uint64_t nr_indices)
{
	unsigned int h = 1;

	while (shift_of(h) < 64 && (1ull << shift_of(h)) < nr_indices)
		h++;
	atomic_init(&pa->root, NULL);
	pa->height = h;
	pa->nr_indices = nr_indices;
	pa->nr_spare = 0;
	pa->counter = NULL;
}

static void count(struct sgx_page_array *pa, bool add)
{
	if (!pa->counter)
		return;
	if (add)
		atomic_fetch_add_explicit(pa->counter, sizeof(struct pa_node), memory_order_relaxed);
	else
		atomic_fetch_sub_explicit(pa->counter, sizeof(struct pa_node), memory_order_relaxed);
}

/* Free the subtree at @node whose children are at level @level - 1. */
static void free_node(struct sgx_page_array *pa, struct pa_node *node, unsigned int level)
{
	unsigned int i;

	if (!node)
		return;
	if (level > 0) {
		for (i = 0; i < SGX_PA_SLOTS; i++)
			free_node(pa, atomic_load_explicit(&node->slot[i], memory_order_relaxed),
				  level - 1);
	}
	count(pa, false);
	free(node);
}

void sgx_page_array_destroy(struct sgx_page_array *pa)
{
	free_node(pa, atomic_load_explicit(&pa->root, memory_order_relaxed), pa->height - 1);
	atomic_store_explicit(&pa->root, NULL, memory_order_relaxed);
	while (pa->nr_spare) {
		count(pa, false);
		free(pa->spare[--pa->nr_spare]);
	}
}

int sgx_page_array_refill(struct sgx_page_array *pa)
{
	unsigned int want = pa->height < SGX_PA_MAX_HEIGHT ? pa->height : SGX_PA_MAX_HEIGHT;

	while (pa->nr_spare < want) {
		void *node = calloc(1, sizeof(struct pa_node));

		if (!node)
			return -ENOMEM;
		count(pa, true);
		pa->spare[pa->nr_spare++] = node;
	}
	return 0;
}

bool sgx_page_array_spares_ok(const struct sgx_page_array *pa)
{
	return pa->nr_spare >= pa->height || pa->nr_spare == SGX_PA_MAX_HEIGHT;
}

void *sgx_page_array_load(const struct sgx_page_array *pa, uint64_t index)
{
	void *p;
	unsigned int level;

	if (index >= pa->nr_indices)
		return NULL;
	p = atomic_load_explicit(&((struct sgx_page_array *)pa)->root, memory_order_acquire);
	for (level = pa->height; p && level-- > 0;) {
		struct pa_node *node = p;

		p = atomic_load_explicit(&node->slot[slot_of(index, level)], memory_order_acquire);
	}
	return p;
}

enum node_src { NODES_NONE, NODES_ALLOC, NODES_SPARE };

/* Nodes missing on the way to @index. */
static unsigned int nodes_missing(struct sgx_page_array *pa, uint64_t index)
{
	_Atomic(void *) *slot = &pa->root;
	unsigned int level;

	for (level = pa->height; level-- > 0;) {
		struct pa_node *node = atomic_load_explicit(slot, memory_order_acquire);

		if (!node)
			return level + 1;
		slot = &node->slot[slot_of(index, level)];
	}
	return 0;
}

/* The slot that holds @index's entry, creating nodes on the way as @src says. */
static _Atomic(void *) *slot_for(struct sgx_page_array *pa, uint64_t index, enum node_src src)
{
	_Atomic(void *) *slot = &pa->root;
	unsigned int level;

	for (level = pa->height; level-- > 0;) {
		struct pa_node *node = atomic_load_explicit(slot, memory_order_acquire);

		if (!node) {
			if (src == NODES_NONE)
				return NULL;
			if (src == NODES_SPARE) {
				if (!pa->nr_spare)
					return NULL;
				node = pa->spare[--pa->nr_spare];
			} else {
				node = calloc(1, sizeof(*node));
				if (!node)
					return NULL;
				count(pa, true);
			}
			/* Publish only a fully zeroed node. */
			atomic_store_explicit(slot, node, memory_order_release);
		}
		slot = &node->slot[slot_of(index, level)];
	}
	return slot;
}

static int insert(struct sgx_page_array *pa, uint64_t index, void *entry, enum node_src src)
{
	_Atomic(void *) *slot;

	if (index >= pa->nr_indices || !entry)
		return -EINVAL;
	if (src == NODES_SPARE && nodes_missing(pa, index) > pa->nr_spare)
		return -ENOMEM;
	slot = slot_for(pa, index, src);
	if (!slot)
		return -ENOMEM;
	if (atomic_load_explicit(slot, memory_order_relaxed))
		return -EBUSY;
	atomic_store_explicit(slot, entry, memory_order_release);
	return 0;
}

int sgx_page_array_insert(struct sgx_page_array *pa, uint64_t index, void *entry)
{
	return insert(pa, index, entry, NODES_ALLOC);
}

int sgx_page_array_insert_reserved(struct sgx_page_array *pa, uint64_t index, void *entry)
{
	return insert(pa, index, entry, NODES_SPARE);
}

void *sgx_page_array_erase(struct sgx_page_array *pa, uint64_t index)
{
	_Atomic(void *) *slot;

	if (index >= pa->nr_indices)
		return NULL;
	slot = slot_for(pa, index, NODES_NONE);
	if (!slot)
		return NULL;
	return atomic_exchange_explicit(slot, NULL, memory_order_acq_rel);
}

/*
 * First entry at an index >= *index and <= last in the subtree @p whose
 * entries sit @level levels further down; indices under @p share the bits
 * above that level with *index.
 */
static void *find_in(void *p, unsigned int level, uint64_t *index, uint64_t last)
{
	struct pa_node *node = p;
	unsigned int s, sh;
	uint64_t span;

	if (level == 0)
		return p;
	level--;
	sh = shift_of(level);
	span = sh >= 64 ? 0 : 1ull << sh;
	for (s = slot_of(*index, level); s < SGX_PA_SLOTS; s++) {
		void *child = atomic_load_explicit(&node->slot[s], memory_order_acquire);
		uint64_t slot_base = span ? *index & ~(span - 1) : 0, next;
		void *found;

		if (*index > last)
			return NULL;
		if (child) {
			found = find_in(child, level, index, last);
			if (found)
				return found;
		}
		/* On to the first index of the next slot (the child may have
		 * moved *index anywhere inside this one). */
		next = slot_base + span;
		if (!span || next <= slot_base)
			return NULL;
		*index = next;
	}
	return NULL;
}

void *sgx_page_array_find(const struct sgx_page_array *pa, uint64_t *index, uint64_t last)
{
	void *root = atomic_load_explicit(&((struct sgx_page_array *)pa)->root,
					  memory_order_acquire);
	void *found;

	if (last >= pa->nr_indices)
		last = pa->nr_indices - 1;
	if (!root || !pa->nr_indices || *index > last)
		return NULL;
	found = find_in(root, pa->height, index, last);
	if (found && *index > last)
		return NULL;
	return found;
}
