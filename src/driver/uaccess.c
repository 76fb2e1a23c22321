// SPDX-License-Identifier: MIT
/*
 * copy_from_user/copy_to_user/find_vma for the driver; see uaccess.h.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sgx.h"
#include "uaccess.h"

/* ---- copies ------------------------------------------------------------ */

/* Pipe fallback: one user page at a time (below any pipe's capacity). */
#define PIPE_CHUNK 4096

/* copy_user.S */
size_t sgx_copy_user_raw(void *dst, const void *src, size_t len);
extern const char sgx_copy_user_insn[], sgx_copy_user_insn_end[], sgx_copy_user_fixup[];

static atomic_int vm_rw_broken;         /* process_vm_* forbidden here */
static atomic_bool fixups_wired;        /* sgx_uaccess_set_fixups() */

/*
 * Per thread, inside sgx_user_access_begin()/end(): whether copies go
 * direct (1) or through syscalls (0), decided once; -1 outside: decided
 * per copy.
 */
static _Thread_local signed char access_direct = -1;

void sgx_uaccess_set_fixups(bool wired)
{
	atomic_store_explicit(&fixups_wired, wired, memory_order_release);
}

static atomic_uint_fast64_t nr_fixups;

/* Signal context: no lock, no TLS; one lock-free atomic add. */
bool sgx_uaccess_fixup(uint64_t *rip)
{
	if (*rip < (uint64_t)(uintptr_t)sgx_copy_user_insn ||
	    *rip >= (uint64_t)(uintptr_t)sgx_copy_user_insn_end)
		return false;
	*rip = (uint64_t)(uintptr_t)sgx_copy_user_fixup;
	atomic_fetch_add_explicit(&nr_fixups, 1, memory_order_relaxed);
	return true;
}

uint64_t sgx_uaccess_fixups(void)
{
	return atomic_load_explicit(&nr_fixups, memory_order_relaxed);
}

/*
 * May this thread copy directly? Only if a fault in the copy reaches a
 * handler that applies the fixup: the fixups are wired, and SIGSEGV and
 * SIGBUS are not blocked (Linux kills a thread whose synchronous fault
 * signal is blocked, where the kernel's copy would have said -EFAULT).
 */
static bool direct_possible(void)
{
	sigset_t cur;

	if (!atomic_load_explicit(&fixups_wired, memory_order_acquire))
		return false;
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur))
		return false;
	return !sigismember(&cur, SIGSEGV) && !sigismember(&cur, SIGBUS);
}

static bool use_direct(void)
{
	return access_direct >= 0 ? access_direct : direct_possible();
}

bool sgx_user_access_direct(void)
{
	return use_direct();
}

int sgx_user_access_begin(void)
{
	int saved = access_direct;

	access_direct = direct_possible();
	return saved;
}

void sgx_user_access_end(int saved)
{
	access_direct = (signed char)saved;
}

static size_t to_page_end(uintptr_t a)
{
	return 4096 - (a & 4095);
}

/*
 * The direct copy, up to the first byte that faults on either side. REP
 * MOVSB may report a fault a little before that byte; from where it
 * stopped, single bytes go up to the next page boundary of either side
 * (where accessibility can change), then REP MOVSB again.
 * Return: bytes copied.
 */
static size_t direct_copy(void *dst, const void *src, size_t len)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
	size_t done = 0, end, n;

	while (done < len) {
		done = len - sgx_copy_user_raw((void *)(d + done), (const void *)(s + done),
					       len - done);
		if (done == len)
			break;
		n = to_page_end(s + done);
		if (n > to_page_end(d + done))
			n = to_page_end(d + done);
		end = n < len - done ? done + n : len;
		for (; done < end; done++)
			if (sgx_copy_user_raw((void *)(d + done), (const void *)(s + done), 1))
				return done;
	}
	return len;
}

static bool vm_rw_unusable(int err)
{
	return err == ENOSYS || err == EPERM;
}

/*
 * Copy through a pipe: the kernel reads @src (write) and writes @dst
 * (read). A pipe write that faults part-way keeps nothing, so the copy
 * goes page by page of the user side (@user: the user address, src or
 * dst) to stop exactly at the first page that faults.
 */
static size_t pipe_copy(void *dst, const void *src, size_t len, uint64_t user)
{
	size_t done = 0;
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return 0;
	while (done < len) {
		size_t n = PIPE_CHUNK - (size_t)((user + done) % PIPE_CHUNK);
		ssize_t w, r;

		if (n > len - done)
			n = len - done;
		w = write(p[1], (const char *)src + done, n);
		if (w <= 0)
			break;
		r = read(p[0], (char *)dst + done, (size_t)w);
		if (r != w)
			break;
		done += (size_t)w;
		if ((size_t)w < n)
			break;
	}
	close(p[0]);
	close(p[1]);
	return done;
}

size_t sgx_copy_from_user_partial(void *dst, uint64_t src, size_t len)
{
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)(uintptr_t)src, len };
	ssize_t n;

	if (!len)
		return 0;
	if (use_direct())
		return direct_copy(dst, (const void *)(uintptr_t)src, len);
	if (!atomic_load_explicit(&vm_rw_broken, memory_order_relaxed)) {
		n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		if (n >= 0)
			return (size_t)n;
		if (!vm_rw_unusable(errno))
			return 0;
		atomic_store_explicit(&vm_rw_broken, 1, memory_order_relaxed);
	}
	return pipe_copy(dst, (const void *)(uintptr_t)src, len, src);
}

int sgx_copy_from_user(void *dst, uint64_t src, size_t len)
{
	return sgx_copy_from_user_partial(dst, src, len) == len ? 0 : -EFAULT;
}

int sgx_copy_to_user(uint64_t dst, const void *src, size_t len)
{
	struct iovec local = { (void *)src, len };
	struct iovec remote = { (void *)(uintptr_t)dst, len };
	ssize_t n;

	if (!len)
		return 0;
	if (use_direct())
		return direct_copy((void *)(uintptr_t)dst, src, len) == len ? 0 : -EFAULT;
	if (!atomic_load_explicit(&vm_rw_broken, memory_order_relaxed)) {
		n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
		if (n >= 0)
			return (size_t)n == len ? 0 : -EFAULT;
		if (!vm_rw_unusable(errno))
			return -EFAULT;
		atomic_store_explicit(&vm_rw_broken, 1, memory_order_relaxed);
	}
	return pipe_copy((void *)(uintptr_t)dst, src, len, dst) == len ? 0 : -EFAULT;
}

/* ---- find_vma ---------------------------------------------------------- */

/*
 * PROCMAP_QUERY (Linux 6.11, include/uapi/linux/fs.h), declared here so
 * that older headers build; an older kernel answers ENOTTY.
 */
struct sgx_procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};
static_assert(sizeof(struct sgx_procmap_query) == 104, "procmap_query ABI");
#define SGX_PROCMAP_QUERY _IOWR('f', 17, struct sgx_procmap_query)
#define SGX_PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10

/*
 * Is the mount with device @major:@minor noexec, per /proc/self/mountinfo?
 * Several mounts of one device that disagree: not noexec (we cannot tell
 * which one the mapping came through; erring towards the permissive side).
 */
static bool dev_noexec(unsigned int major, unsigned int minor)
{
	bool seen_exec = false, seen_noexec = false;
	char *line = NULL, want[32];
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	snprintf(want, sizeof(want), "%u:%u", major, minor);
	while (getline(&line, &cap, f) > 0) {
		/* "id parent major:minor root mountpoint options ..." */
		char *save = NULL, *tok, *opts = NULL;
		int field = 0;
		bool match = false;

		for (tok = strtok_r(line, " ", &save); tok && field < 6;
		     tok = strtok_r(NULL, " ", &save), field++) {
			if (field == 2)
				match = !strcmp(tok, want);
			if (field == 5)
				opts = tok;
		}
		if (!match || !opts)
			continue;
		if (strstr(opts, "noexec"))
			seen_noexec = true;
		else
			seen_exec = true;
	}
	free(line);
	fclose(f);
	return seen_noexec && !seen_exec;
}

/* What the mapped file of a source mapping tells about it. */
struct file_verdict {
	bool noexec;                    /* it lives on a noexec mount */
	bool no_gup;                    /* a character device: VM_IO/VM_PFNMAP */
};

static struct file_verdict file_verdict(const struct sgx_user_vma *v)
{
	struct file_verdict fv = { false, false };
	size_t n = strlen(v->path);
	static const char deleted[] = " (deleted)";
	struct statvfs vfs;
	struct stat st;

	if (v->path[0] == '/' &&
	    !(n >= sizeof(deleted) - 1 && !strcmp(v->path + n - (sizeof(deleted) - 1), deleted)) &&
	    !stat(v->path, &st) && st.st_ino == v->ino && st.st_dev == v->dev) {
		/*
		 * A device's mmap() inserts PFNs (VM_IO|VM_PFNMAP) in all but
		 * odd cases: get_user_pages() refuses it, and reading it could
		 * touch device registers.
		 */
		fv.no_gup = S_ISCHR(st.st_mode);
		if (!statvfs(v->path, &vfs)) {
			fv.noexec = vfs.f_flag & ST_NOEXEC;
			return fv;
		}
	}
	/* Deleted, renamed, or not a path (memfd, SysV shm): ask by device. */
	fv.noexec = dev_noexec(major(v->dev), minor(v->dev));
	return fv;
}

/*
 * The file's verdict (on a noexec mount? a device?) costs a stat() and a
 * statvfs() of the mapped file (or a read of mountinfo), several
 * microseconds, and ADD_PAGES asks for it on every call - usually about
 * the same mapping of the enclave image. It is cached per source mapping:
 * the mapping as find_vma() describes it (range, file offset, device,
 * inode, path), so that a different mapping, or the same file reached by
 * another path, asks afresh. The verdict depends on nothing else but the
 * mount table of the caller's mount namespace (the statvfs() goes through
 * the path's mount, a deleted file is looked up by device; what an inode
 * is never changes), so the whole cache is forgotten at every mount,
 * umount or remount: /proc/thread-self/mountinfo reports those to poll()
 * (POLLPRI), one cheap syscall per lookup.
 *
 * That descriptor watches the namespace it was opened in. A thread that
 * moves to another one (unshare, setns) is noticed at its next miss, which
 * compares /proc/thread-self/ns/mnt and starts over; a thread that moved
 * and changed mounts there without a miss in between can still get the
 * verdict of before the move for a mapping it had used then. The kernel
 * decides VM_MAYEXEC once, at mmap() time, so for the very mapping that
 * verdict is the kernel's too.
 */
#define SRC_CACHE_SIZE 4

struct src_verdict {
	bool valid;
	struct file_verdict fv;
	uint64_t start, end, pgoff, dev, ino;
	char path[PATH_MAX];
};

struct sgx_src_cache {
	/*
	 * lock protects: everything below, and the event state of
	 * mountinfo_fd, which poll() consumes: a poll() and the forgetting it
	 * calls for are one step, or a concurrent caller could use a verdict
	 * the event made stale. So it is held across that poll() - with a
	 * zero timeout it never blocks - and only that syscall. A leaf lock:
	 * taken under mm_lock and encl->lock, nothing taken under it, never in
	 * signal context.
	 */
	struct sgx_mutex lock;
	int mountinfo_fd;               /* -1: nothing watched, nothing cached */
	uint64_t ns_dev, ns_ino;        /* the namespace it watches */
	uint64_t gen;                   /* mount-table changes seen */
	unsigned int next;              /* the entry to replace next */
	struct src_verdict v[SRC_CACHE_SIZE];
};

static void src_cache_forget_locked(struct sgx_src_cache *c)
{
	unsigned int i;

	c->gen++;
	for (i = 0; i < SRC_CACHE_SIZE; i++)
		c->v[i].valid = false;
}

/* Forget every verdict if the mount table changed. Context: c->lock held. */
static void src_cache_sync_locked(struct sgx_src_cache *c)
{
	struct pollfd p = { .fd = c->mountinfo_fd, .events = POLLPRI };

	sgx_assert_held(&c->lock);
	/* An error (EINTR...) counts as a change: never trust what is unknown. */
	if (c->mountinfo_fd >= 0 && poll(&p, 1, 0) == 0)
		return;
	src_cache_forget_locked(c);
}

/*
 * Watch the calling thread's mount namespace, if it is not the one
 * watched: a new descriptor, and everything known so far forgotten.
 * Context: no driver leaf lock held.
 */
static void src_cache_follow_ns(struct sgx_src_cache *c)
{
	struct stat st;
	int fd, old;
	bool same;

	if (stat("/proc/thread-self/ns/mnt", &st))
		return;         /* cannot tell: keep what is watched */
	sgx_mutex_lock(&c->lock);
	same = c->mountinfo_fd >= 0 && c->ns_dev == st.st_dev && c->ns_ino == st.st_ino;
	sgx_mutex_unlock(&c->lock);
	if (same)
		return;
	/* Only this thread changes its own namespace: still the one stat() saw. */
	fd = open("/proc/thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	sgx_mutex_lock(&c->lock);
	old = c->mountinfo_fd;
	c->mountinfo_fd = fd;
	c->ns_dev = st.st_dev;
	c->ns_ino = st.st_ino;
	src_cache_forget_locked(c);
	sgx_mutex_unlock(&c->lock);
	if (old >= 0)
		close(old);
}

static bool src_verdict_is(const struct src_verdict *e, const struct sgx_user_vma *v)
{
	return e->valid && e->start == v->start && e->end == v->end && e->pgoff == v->pgoff &&
	       e->dev == v->dev && e->ino == v->ino && !strcmp(e->path, v->path);
}

/* file_verdict() through the cache. Context: no driver leaf lock held. */
static struct file_verdict file_verdict_cached(struct sgx_driver *drv,
					       const struct sgx_user_vma *v)
{
	struct sgx_src_cache *c = drv->src_cache;
	struct file_verdict fv;
	struct src_verdict *e;
	unsigned int i;
	uint64_t gen;

	if (!c)
		return file_verdict(v);
	sgx_mutex_lock(&c->lock);
	src_cache_sync_locked(c);
	for (i = 0; i < SRC_CACHE_SIZE; i++) {
		if (src_verdict_is(&c->v[i], v)) {
			fv = c->v[i].fv;
			sgx_mutex_unlock(&c->lock);
			return fv;
		}
	}
	sgx_mutex_unlock(&c->lock);

	src_cache_follow_ns(c);
	sgx_mutex_lock(&c->lock);
	gen = c->gen;
	sgx_mutex_unlock(&c->lock);

	fv = file_verdict(v);

	/* Kept only if no mount changed while it was worked out. */
	sgx_mutex_lock(&c->lock);
	src_cache_sync_locked(c);
	if (c->gen == gen) {
		e = &c->v[c->next];
		c->next = (c->next + 1) % SRC_CACHE_SIZE;
		e->start = v->start;
		e->end = v->end;
		e->pgoff = v->pgoff;
		e->dev = v->dev;
		e->ino = v->ino;
		memcpy(e->path, v->path, strlen(v->path) + 1);
		e->fv = fv;
		e->valid = true;
	}
	sgx_mutex_unlock(&c->lock);
	return fv;
}

#define SGX_PROCMAP_QUERY_VMA_READABLE 0x01
#define SGX_PROCMAP_QUERY_VMA_WRITABLE 0x02

/* Return: 0, -EFAULT (nothing at or above @addr), -ENOTTY (no PROCMAP_QUERY). */
static int query_procmap(struct sgx_driver *drv, uint64_t addr, struct sgx_user_vma *out)
{
	struct sgx_procmap_query q;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_flags = SGX_PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
	q.query_addr = addr;
	q.vma_name_addr = (uint64_t)(uintptr_t)out->path;
	q.vma_name_size = sizeof(out->path);
	if (ioctl(drv->maps_fd, SGX_PROCMAP_QUERY, &q)) {
		if (errno == ENOENT)
			return -EFAULT;
		return -ENOTTY;
	}
	if (!q.vma_name_size)
		out->path[0] = '\0';
	out->start = q.vma_start;
	out->end = q.vma_end;
	out->pgoff = q.vma_offset;
	out->readable = q.vma_flags & SGX_PROCMAP_QUERY_VMA_READABLE;
	out->writable = q.vma_flags & SGX_PROCMAP_QUERY_VMA_WRITABLE;
	out->ino = q.inode;
	out->dev = makedev(q.dev_major, q.dev_minor);
	return 0;
}

/* The same from the text of /proc/self/maps. Return: 0 or -EFAULT. */
static int query_maps_text(uint64_t addr, struct sgx_user_vma *out)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = -EFAULT;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -EFAULT;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long start, end, off, ino;
		unsigned int maj, min;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off,
			   &maj, &min, &ino, &pos) < 7)
			continue;
		if (end <= addr)
			continue;
		out->start = start;
		out->end = end;
		out->pgoff = off;
		out->readable = perms[0] == 'r';
		out->writable = perms[1] == 'w';
		out->ino = ino;
		out->dev = makedev(maj, min);
		snprintf(out->path, sizeof(out->path), "%s", pos > 0 ? line + pos : "");
		out->path[strcspn(out->path, "\n")] = '\0';
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * Memory that only looks like a file: shmem objects of the kernel's
 * internal mount, named by /proc/self/maps as below (mm/shmem.c, ipc/shm.c,
 * mm/memfd.c). Their contents are whatever was written to them.
 */
static bool shmem_anonymous(const char *path)
{
	return starts_with(path, "/memfd:") || !strcmp(path, "/dev/zero (deleted)") ||
	       starts_with(path, "/SYSV") || starts_with(path, "[anon_shmem:");
}

int sgx_find_user_vma(struct sgx_driver *drv, uint64_t addr, struct sgx_user_vma *out)
{
	struct file_verdict fv;
	int ret = -ENOTTY;

	/* The gate area ([vsyscall]) is listed in maps but is no VMA of ours. */
	if (addr >= 1ull << 63)
		return -EFAULT;

	if (drv->maps_fd >= 0 && atomic_load(&drv->procmap_query) >= 0) {
		ret = query_procmap(drv, addr, out);
		if (ret == -ENOTTY)
			atomic_store(&drv->procmap_query, -1);
	}
	if (ret == -ENOTTY)
		ret = query_maps_text(addr, out);
	if (!ret && out->start >= 1ull << 63)
		ret = -EFAULT;
	if (ret)
		return ret;
	/*
	 * Linux clears VM_MAYEXEC only for files on noexec mounts; no inode
	 * is anonymous memory, [heap], [stack], [vdso]...
	 */
	out->anonymous = !out->ino || shmem_anonymous(out->path);
	if (out->anonymous) {
		fv.noexec = false;
		/* The vDSO's data pages are PFN mappings; [vdso] itself is not. */
		fv.no_gup = starts_with(out->path, "[vvar");
	} else {
		fv = file_verdict_cached(drv, out);
	}
	out->noexec_mount = fv.noexec;
	out->may_exec = !out->noexec_mount;
	/* memfd_secret() memory: get_user_pages() refuses it too. */
	out->no_gup = fv.no_gup || starts_with(out->path, "/secretmem");
	return 0;
}

void sgx_uaccess_init(struct sgx_driver *drv)
{
	struct sgx_src_cache *c;

	drv->maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	atomic_init(&drv->procmap_query, 0);

	/* Without the cache (no memory) every call asks afresh. */
	c = calloc(1, sizeof(*c));
	if (c) {
		c->mountinfo_fd = -1;   /* opened at the first miss */
		sgx_mutex_init(&c->lock);
	}
	drv->src_cache = c;
}

void sgx_uaccess_fini(struct sgx_driver *drv)
{
	struct sgx_src_cache *c = drv->src_cache;

	if (drv->maps_fd >= 0)
		close(drv->maps_fd);
	drv->maps_fd = -1;
	if (c) {
		if (c->mountinfo_fd >= 0)
			close(c->mountinfo_fd);
		sgx_mutex_destroy(&c->lock);
		free(c);
	}
	drv->src_cache = NULL;
}
