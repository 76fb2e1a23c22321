/* SPDX-License-Identifier: MIT */
/*
 * OpenSSL 3 wrappers: with crypto_rsa.c, the only code in sgxemu that
 * includes an OpenSSL header. EVP/OSSL_PARAM interfaces only; BN_* for the SIGSTRUCT arithmetic.
 *
 * Algorithm objects (SHA-256, AES-128-GCM, the CMAC EVP_MAC) are fetched
 * once, so no call pays for a provider lookup. AES-GCM keeps its key
 * schedules in per-thread cipher contexts (see "AES-128-GCM" below) so that
 * a page operation costs what the raw cipher costs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "crypto_ossl.h"

/* OpenSSL length arguments are int; longer buffers are fed in pieces. */
#define CHUNK_MAX (1 << 30)

/* ---- one-time set-up ----------------------------------------------------- */

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;
static EVP_CIPHER *cipher_gcm;
static EVP_MAC *mac_cmac;

static void gcm_once(void);

static void crypto_init_once(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	cipher_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	mac_cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	gcm_once();
	ERR_clear_error();
}

static inline void crypto_init(void)
{
	pthread_once(&crypto_once, crypto_init_once);
}


/* ---- SHA-256 -------------------------------------------------------------- */

struct crypto_sha256 {
	EVP_MD_CTX *ctx;
};

int crypto_sha256_new(struct crypto_sha256 **out)
{
	struct crypto_sha256 *s;

	crypto_init();
	if (!md_sha256)
		return -EIO;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ctx = EVP_MD_CTX_new();
	if (!s->ctx)
		goto out_free;
	if (!EVP_DigestInit_ex(s->ctx, md_sha256, NULL))
		goto out_free_ctx;
	*out = s;
	return 0;

out_free_ctx:
	EVP_MD_CTX_free(s->ctx);
out_free:
	free(s);
	return ossl_fail(-ENOMEM);
}

int crypto_sha256_update(struct crypto_sha256 *s, const void *data, size_t len)
{
	if (!EVP_DigestUpdate(s->ctx, data, len))
		return ossl_fail(-EIO);
	return 0;
}

int crypto_sha256_final(struct crypto_sha256 *s, uint8_t out[CRYPTO_SHA256_LEN])
{
	unsigned int n = 0;

	if (!EVP_DigestFinal_ex(s->ctx, out, &n) || n != CRYPTO_SHA256_LEN)
		return ossl_fail(-EIO);
	if (!EVP_DigestInit_ex(s->ctx, md_sha256, NULL))
		return ossl_fail(-EIO);
	return 0;
}

int crypto_sha256_dup(const struct crypto_sha256 *s, struct crypto_sha256 **out)
{
	struct crypto_sha256 *d;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx)
		goto out_free;
	if (!EVP_MD_CTX_copy_ex(d->ctx, s->ctx))
		goto out_free_ctx;
	*out = d;
	return 0;

out_free_ctx:
	EVP_MD_CTX_free(d->ctx);
out_free:
	free(d);
	return ossl_fail(-ENOMEM);
}

void crypto_sha256_free(struct crypto_sha256 *s)
{
	if (!s)
		return;
	EVP_MD_CTX_free(s->ctx);
	free(s);
}

int crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
	unsigned int n = 0;

	crypto_init();
	if (!md_sha256)
		return -EIO;
	if (!EVP_Digest(data, len, out, &n, md_sha256, NULL) || n != CRYPTO_SHA256_LEN)
		return ossl_fail(-EIO);
	return 0;
}

/* ---- AES-128-GCM ---------------------------------------------------------- */

/*
 * Setting a GCM key costs about as much as encrypting a page, so cipher
 * contexts that already hold the key schedule are kept and only the IV is
 * set per call.
 *
 * A context ("slot") belongs to its key, which keeps all of them on a list
 * and frees (and so cleanses) every one in crypto_gcm_free(): no key
 * schedule outlives its key. A thread borrows one slot per key it uses and
 * remembers it in a small thread-local cache, tagged with the key's
 * generation number; generations are never reused, so a key freed and
 * another allocated at the same address never hit a stale entry. A thread
 * gives its slots back when it evicts them from its cache or exits; a slot
 * whose key was freed in the meantime has already lost its context and only
 * its shell is freed then.
 *
 * gcm_lock protects: every key's slot lists, slot->owner and slot->next.
 * It is taken only on a cache miss, an eviction, a key's free and thread
 * exit, never on the per-page path, and no other lock is taken inside it.
 *
 * Signal context (the driver's fault handler running ELDU) may neither
 * allocate nor wait for gcm_lock. Between crypto_sigsafe_begin() and
 * crypto_sigsafe_end() a cache miss therefore borrows one of a few
 * contexts each key makes up front (the pool), with an atomic flag, for
 * the one call; with all of them busy the call fails (-EAGAIN) and the
 * caller retries later. The operation itself allocates nothing, failed
 * tag checks included.
 */
struct gcm_slot {
	EVP_CIPHER_CTX *ctx;            /* NULL once the owning key is freed */
	struct crypto_gcm *owner;       /* NULL once the owning key is freed */
	bool borrowed;                  /* in some thread's cache */
	struct gcm_slot *next;          /* on owner->slots */
};

#define GCM_POOL 4

struct crypto_gcm {
	uint8_t key[CRYPTO_AES128_KEY];
	uint64_t gen;
	struct gcm_slot *slots;         /* all slots of this key, under gcm_lock */
	EVP_CIPHER_CTX *pool[GCM_POOL]; /* for signal context, see above */
	atomic_bool pool_busy[GCM_POOL];
};

#define GCM_CACHE_WAYS 4

struct gcm_cache_entry {
	const struct crypto_gcm *g;
	uint64_t gen;
	struct gcm_slot *slot;
};

struct gcm_cache {
	struct gcm_cache_entry e[GCM_CACHE_WAYS];
	unsigned int victim;
};

static pthread_mutex_t gcm_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint_fast64_t gcm_next_gen = 1;
static pthread_key_t gcm_tls_key;
static bool gcm_tls_key_ok;
static __thread struct gcm_cache *gcm_tls;
static __thread unsigned int gcm_sigsafe;      /* crypto_sigsafe_begin() depth */

void crypto_sigsafe_begin(void)
{
	gcm_sigsafe++;
}

void crypto_sigsafe_end(void)
{
	gcm_sigsafe--;
}

/* Context: gcm_lock held. Return a borrowed slot to its key or free its shell. */
static void gcm_slot_put_locked(struct gcm_slot *slot)
{
	slot->borrowed = false;
	if (!slot->owner)
		free(slot);
}

static void gcm_thread_exit(void *arg)
{
	struct gcm_cache *c = arg;

	pthread_mutex_lock(&gcm_lock);
	for (unsigned int i = 0; i < GCM_CACHE_WAYS; i++)
		if (c->e[i].slot)
			gcm_slot_put_locked(c->e[i].slot);
	pthread_mutex_unlock(&gcm_lock);
	gcm_tls = NULL;
	free(c);
}

/*
 * A child of fork() has one thread; whoever held gcm_lock in the parent is
 * gone, so the lock must not be held across the fork.
 */
static void gcm_atfork_prepare(void)
{
	pthread_mutex_lock(&gcm_lock);
}

static void gcm_atfork_release(void)
{
	pthread_mutex_unlock(&gcm_lock);
}

static void gcm_once(void)
{
	gcm_tls_key_ok = pthread_key_create(&gcm_tls_key, gcm_thread_exit) == 0;
	pthread_atfork(gcm_atfork_prepare, gcm_atfork_release, gcm_atfork_release);
}

static struct gcm_cache *gcm_thread_cache(void)
{
	struct gcm_cache *c = gcm_tls;

	if (c)
		return c;
	if (!gcm_tls_key_ok)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (pthread_setspecific(gcm_tls_key, c)) {
		free(c);
		return NULL;
	}
	gcm_tls = c;
	return c;
}

static struct gcm_slot *gcm_slot_new(const struct crypto_gcm *g)
{
	struct gcm_slot *slot;

	slot = calloc(1, sizeof(*slot));
	if (!slot)
		return NULL;
	slot->ctx = EVP_CIPHER_CTX_new();
	if (!slot->ctx)
		goto out_free;
	if (!EVP_EncryptInit_ex(slot->ctx, cipher_gcm, NULL, g->key, NULL))
		goto out_free_ctx;
	return slot;

out_free_ctx:
	EVP_CIPHER_CTX_free(slot->ctx);
out_free:
	free(slot);
	ERR_clear_error();
	return NULL;
}

/* A pool context of @g, or NULL when all are busy. *@pool_idx: which. */
static EVP_CIPHER_CTX *gcm_pool_get(struct crypto_gcm *g, int *pool_idx)
{
	for (int i = 0; i < GCM_POOL; i++) {
		if (g->pool[i] && !atomic_exchange_explicit(&g->pool_busy[i], true,
							    memory_order_acquire)) {
			*pool_idx = i;
			return g->pool[i];
		}
	}
	return NULL;
}

static void gcm_pool_put(struct crypto_gcm *g, int pool_idx)
{
	if (pool_idx >= 0)
		atomic_store_explicit(&g->pool_busy[pool_idx], false, memory_order_release);
}

/*
 * The calling thread's keyed context for @g, or NULL (out of memory, or in
 * signal context with the pool busy). *@pool_idx >= 0: a pool context,
 * to be given back with gcm_pool_put().
 */
static EVP_CIPHER_CTX *gcm_ctx(struct crypto_gcm *g, int *pool_idx)
{
	struct gcm_cache *c = gcm_tls;
	struct gcm_cache_entry *ent;
	struct gcm_slot *slot, *spare = NULL;

	*pool_idx = -1;
	if (c) {
		for (unsigned int i = 0; i < GCM_CACHE_WAYS; i++)
			if (c->e[i].g == g && c->e[i].gen == g->gen)
				return c->e[i].slot->ctx;
	}
	if (gcm_sigsafe)
		return gcm_pool_get(g, pool_idx);
	c = gcm_thread_cache();
	if (!c)
		return NULL;

	for (;;) {
		pthread_mutex_lock(&gcm_lock);
		for (slot = g->slots; slot; slot = slot->next)
			if (!slot->borrowed)
				break;
		if (!slot && spare) {
			slot = spare;
			slot->owner = g;
			slot->next = g->slots;
			g->slots = slot;
			spare = NULL;
		}
		if (slot)
			break;
		pthread_mutex_unlock(&gcm_lock);
		/* Keying is slow: do it outside the lock. */
		spare = gcm_slot_new(g);
		if (!spare)
			return NULL;
	}
	slot->borrowed = true;
	ent = &c->e[c->victim];
	c->victim = (c->victim + 1) % GCM_CACHE_WAYS;
	if (ent->slot)
		gcm_slot_put_locked(ent->slot);
	pthread_mutex_unlock(&gcm_lock);

	if (spare) {
		EVP_CIPHER_CTX_free(spare->ctx);
		free(spare);
	}
	ent->g = g;
	ent->gen = g->gen;
	ent->slot = slot;
	return slot->ctx;
}

int crypto_gcm_new(const uint8_t key[CRYPTO_AES128_KEY], struct crypto_gcm **out)
{
	struct crypto_gcm *g;

	crypto_init();
	if (!cipher_gcm)
		return -EIO;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	memcpy(g->key, key, CRYPTO_AES128_KEY);
	g->gen = atomic_fetch_add(&gcm_next_gen, 1);
	for (int i = 0; i < GCM_POOL; i++) {
		struct gcm_slot *slot = gcm_slot_new(g);

		atomic_init(&g->pool_busy[i], false);
		if (!slot) {
			crypto_gcm_free(g);
			return -ENOMEM;
		}
		g->pool[i] = slot->ctx;
		free(slot);
	}
	*out = g;
	return 0;
}

void crypto_gcm_free(struct crypto_gcm *g)
{
	struct gcm_slot *slot, *next;
	struct gcm_cache *c = gcm_tls;

	if (!g)
		return;
	pthread_mutex_lock(&gcm_lock);
	/* The calling thread's own entries for @g go now, slots and all. */
	if (c) {
		for (unsigned int i = 0; i < GCM_CACHE_WAYS; i++) {
			if (c->e[i].slot && c->e[i].slot->owner == g) {
				c->e[i].slot->borrowed = false;
				memset(&c->e[i], 0, sizeof(c->e[i]));
			}
		}
	}
	/* Other threads' borrowed slots lose their context; they free the shell. */
	for (slot = g->slots; slot; slot = next) {
		next = slot->next;
		EVP_CIPHER_CTX_free(slot->ctx);         /* cleanses the key schedule */
		slot->ctx = NULL;
		slot->owner = NULL;
		slot->next = NULL;
		if (!slot->borrowed)
			free(slot);
	}
	pthread_mutex_unlock(&gcm_lock);
	for (int i = 0; i < GCM_POOL; i++)
		EVP_CIPHER_CTX_free(g->pool[i]);       /* NULL is fine */
	crypto_wipe(g, sizeof(*g));
	free(g);
}

/* Feed @len bytes through EVP_CipherUpdate; @out NULL means AAD. */
static int gcm_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t len)
{
	while (len) {
		int n = len > CHUNK_MAX ? CHUNK_MAX : (int)len;
		int outl;

		if (!EVP_CipherUpdate(ctx, out, &outl, in, n))
			return -EIO;
		in += n;
		if (out)
			out += n;
		len -= (size_t)n;
	}
	return 0;
}

int crypto_gcm_encrypt(struct crypto_gcm *g, const uint8_t iv[CRYPTO_GCM_IV_LEN],
		       const void *aad, size_t aad_len, const void *in, void *out, size_t len,
		       uint8_t tag[CRYPTO_GCM_TAG_LEN])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, CRYPTO_GCM_TAG_LEN),
		OSSL_PARAM_END
	};
	uint8_t fin[16];                /* GCM's final step outputs nothing */
	EVP_CIPHER_CTX *ctx;
	int outl, pool_idx, ret = 0;

	ctx = gcm_ctx(g, &pool_idx);
	if (!ctx)
		return gcm_sigsafe ? -EAGAIN : -EIO;
	if (!EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) ||
	    gcm_update(ctx, NULL, aad, aad_len) ||
	    gcm_update(ctx, out, in, len) ||
	    !EVP_EncryptFinal_ex(ctx, fin, &outl) ||
	    !EVP_CIPHER_CTX_get_params(ctx, params))
		ret = ossl_fail(-EIO);
	gcm_pool_put(g, pool_idx);
	return ret;
}

int crypto_gcm_decrypt(struct crypto_gcm *g, const uint8_t iv[CRYPTO_GCM_IV_LEN],
		       const void *aad, size_t aad_len, const void *in, void *out, size_t len,
		       const uint8_t tag[CRYPTO_GCM_TAG_LEN])
{
	uint8_t tag_copy[CRYPTO_GCM_TAG_LEN];
	OSSL_PARAM params[] = {
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag_copy, CRYPTO_GCM_TAG_LEN),
		OSSL_PARAM_END
	};
	uint8_t fin[16];
	EVP_CIPHER_CTX *ctx;
	int outl, pool_idx, ret = 0;

	memcpy(tag_copy, tag, sizeof(tag_copy));
	ctx = gcm_ctx(g, &pool_idx);
	if (!ctx)
		return gcm_sigsafe ? -EAGAIN : -EIO;
	if (!EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, iv) ||
	    gcm_update(ctx, NULL, aad, aad_len) ||
	    gcm_update(ctx, out, in, len) ||
	    !EVP_CIPHER_CTX_set_params(ctx, params)) {
		ret = ossl_fail(-EIO);
	} else if (EVP_DecryptFinal_ex(ctx, fin, &outl) <= 0) {
		/* Like ELDU on a MAC failure: no unauthenticated plaintext. */
		crypto_wipe(out, len);
		ret = ossl_fail(-EBADMSG);
	}
	gcm_pool_put(g, pool_idx);
	return ret;
}

/* ---- AES-128-CMAC --------------------------------------------------------- */

int crypto_cmac(const uint8_t key[CRYPTO_AES128_KEY], const void *msg, size_t len,
		uint8_t out[CRYPTO_CMAC_LEN])
{
	char cipher_name[] = "AES-128-CBC";
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher_name,
				       sizeof(cipher_name) - 1),
		OSSL_PARAM_END
	};
	EVP_MAC_CTX *mctx;
	size_t out_len = 0;
	int ret = -EIO;

	crypto_init();
	if (!mac_cmac)
		return -EIO;
	mctx = EVP_MAC_CTX_new(mac_cmac);
	if (!mctx)
		return ossl_fail(-ENOMEM);
	if (!EVP_MAC_init(mctx, key, CRYPTO_AES128_KEY, params) ||
	    !EVP_MAC_update(mctx, msg, len) ||
	    !EVP_MAC_final(mctx, out, &out_len, CRYPTO_CMAC_LEN) ||
	    out_len != CRYPTO_CMAC_LEN)
		goto out_free;
	ret = 0;

out_free:
	EVP_MAC_CTX_free(mctx);         /* cleanses the CMAC key state */
	return ret ? ossl_fail(ret) : 0;
}

/* ---- randomness, wiping, comparison -------------------------------------- */

int crypto_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		int n = len > CHUNK_MAX ? CHUNK_MAX : (int)len;

		if (RAND_bytes(p, n) != 1)
			return ossl_fail(-EIO);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void crypto_wipe(void *buf, size_t len)
{
	OPENSSL_cleanse(buf, len);
}

int crypto_memeq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
