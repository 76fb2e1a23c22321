/* SPDX-License-Identifier: MIT */
/*
 * The enclave's page array (the kernel's encl->page_array xarray): a sparse
 * map from page index (offset in ELRANGE / 4096) to struct sgx_encl_page.
 *
 * ELRANGE can span many GiB of which a handful of pages are populated, so
 * this is a radix tree of 512-slot nodes (9 index bits per level), as tall
 * as the enclave size needs: one level up to 2 MiB, two up to 1 GiB, three
 * up to 512 GiB. Only nodes on the path to a populated index exist.
 *
 * Readers never see freed memory: slots are atomic pointers published with
 * release stores, and interior nodes live until sgx_page_array_destroy().
 * Concurrent writers must be serialized by the caller (the enclave lock).
 */
#ifndef SGXEMU_DRIVER_PAGE_ARRAY_H
#define SGXEMU_DRIVER_PAGE_ARRAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define SGX_PA_BITS  9
#define SGX_PA_SLOTS (1u << SGX_PA_BITS)
#define SGX_PA_MAX_HEIGHT 8             /* 8 * 9 bits cover any 64-bit index */
#define SGX_PA_NODE_BYTES (SGX_PA_SLOTS * sizeof(void *))

struct sgx_page_array {
	_Atomic(void *) root;           /* top node, NULL while empty */
	unsigned int height;            /* levels; the lowest holds entries */
	uint64_t nr_indices;            /* valid indices: 0 .. nr_indices-1 */
	/*
	 * Zeroed nodes kept for sgx_page_array_insert_reserved() (signal
	 * context cannot allocate); writers' business, like the tree.
	 */
	void *spare[SGX_PA_MAX_HEIGHT];
	unsigned int nr_spare;
	/*
	 * Optional: bytes of nodes (spares included) are added to and taken
	 * from *counter. NULL after sgx_page_array_init(); set by the owner.
	 */
	atomic_uint_fast64_t *counter;
};

/**
 * sgx_page_array_init() - an empty array for indices below @nr_indices,
 * without spares or counter (an array holding nodes must be destroyed
 * first).
 */
void sgx_page_array_init(struct sgx_page_array *pa, uint64_t nr_indices);

/**
 * sgx_page_array_destroy() - free every node. Entries are the caller's and
 * must have been dealt with (the array does not own them).
 */
void sgx_page_array_destroy(struct sgx_page_array *pa);

/**
 * sgx_page_array_load() - the entry at @index or NULL.
 * Context: any, signal handlers included (no locks, no allocation).
 */
void *sgx_page_array_load(const struct sgx_page_array *pa, uint64_t index);

/**
 * sgx_page_array_insert() - store @entry (non-NULL) at an empty @index.
 * Context: writers serialized by the caller.
 * Return: 0, -EBUSY if @index is taken, -EINVAL if out of range, -ENOMEM.
 */
int sgx_page_array_insert(struct sgx_page_array *pa, uint64_t index, void *entry)
	__attribute__((warn_unused_result));

/**
 * sgx_page_array_insert_reserved() - sgx_page_array_insert() that takes
 * missing nodes from the spares only.
 * Context: writers serialized by the caller; signal context safe.
 * Return: 0, -EBUSY, -EINVAL, -ENOMEM (not enough spares: nothing changed).
 */
int sgx_page_array_insert_reserved(struct sgx_page_array *pa, uint64_t index, void *entry)
	__attribute__((warn_unused_result));

/**
 * sgx_page_array_refill() - keep as many spares as an insert can need.
 * Context: writers serialized by the caller; may allocate.
 * Return: 0, -ENOMEM.
 */
int sgx_page_array_refill(struct sgx_page_array *pa) __attribute__((warn_unused_result));

/** sgx_page_array_spares_ok() - would any insert succeed from spares? */
bool sgx_page_array_spares_ok(const struct sgx_page_array *pa);

/**
 * sgx_page_array_erase() - clear @index.
 * Return: the entry that was there, or NULL.
 */
void *sgx_page_array_erase(struct sgx_page_array *pa, uint64_t index);

/**
 * sgx_page_array_find() - first entry at an index in [*@index, @last];
 * *@index is set to that index. Skips empty subtrees, so walking a sparse
 * array costs what is populated, not what is spanned.
 * Return: the entry, or NULL if there is none (then *@index is undefined).
 */
void *sgx_page_array_find(const struct sgx_page_array *pa, uint64_t *index, uint64_t last);

#endif /* SGXEMU_DRIVER_PAGE_ARRAY_H */
