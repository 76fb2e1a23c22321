// SPDX-License-Identifier: MIT
/*
 * `sgxemu run --stats FILE`: the platform's figures as one JSON object,
 * rewritten every second while the program runs and once more at exit.
 * Each write goes to FILE.tmp first and is renamed over FILE, so a reader
 * never sees half an object. The process `sgxemu run` started writes FILE;
 * its descendants (fork children have platforms of their own) write
 * FILE.PID.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"
#include "rt.h"

static pthread_t writer;
static bool writer_running;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;
static bool stopping;

static const char *const ioctl_names[8] = {
	"create", "add_pages", "init", "provision", "vepc_remove_all",
	"restrict_permissions", "modify_types", "remove_pages",
};

static const char *const page_types[8] = {
	"secs", "tcs", "reg", "va", "trim", NULL, NULL, NULL,
};

static void target(char *buf, size_t len)
{
	const char *owner = getenv("SGXEMU_STATS_OWNER");

	if (owner && atol(owner) == (long)getpid())
		snprintf(buf, len, "%s", pl.stats_path);
	else
		snprintf(buf, len, "%s.%d", pl.stats_path, (int)getpid());
}

void pl_stats_write(void)
{
	struct sgx_driver_stats d;
	struct rt_stats r;
	struct hw_stats h;
	char path[4096], tmp[4200];
	unsigned int i;
	const char *sep;
	FILE *f;

	if (!pl.stats_path)
		return;
	/* A process that never opened an SGX device has an empty platform. */
	memset(&d, 0, sizeof(d));
	memset(&h, 0, sizeof(h));
	if (pl.drv) {
		sgx_driver_stats(pl.drv, &d);
		hw_stats_read(pl.hw, &h);
	}
	rt_stats_read(&r);
	target(path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		pl_log(PL_WARN, "statistics: %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "{\n  \"pid\": %d,\n", (int)getpid());
	fprintf(f, "  \"epc\": {\"pages\": %llu, \"free\": %llu, \"used\": %llu, \"bytes\": %llu},\n",
		(unsigned long long)h.epc_pages, (unsigned long long)d.epc_free,
		(unsigned long long)d.epc_used,
		(unsigned long long)(pl.hw ? hw_platform_config(pl.hw)->epc_size : 0));
	fprintf(f, "  \"enclaves\": %llu,\n  \"pages\": {", (unsigned long long)d.enclaves);
	for (i = 0, sep = ""; i < 8; i++) {
		if (!page_types[i])
			continue;
		fprintf(f, "%s\"%s\": %llu", sep, page_types[i],
			(unsigned long long)d.pages_by_type[i]);
		sep = ", ";
	}
	fprintf(f, "},\n  \"va_pages\": %llu,\n", (unsigned long long)d.va_pages);
	fprintf(f, "  \"paging\": {\"ewb\": %llu, \"eldu\": %llu, \"eaug\": %llu, "
		"\"reclaim_passes\": %llu, \"backing_bytes\": %llu},\n",
		(unsigned long long)d.ewb, (unsigned long long)d.eldu,
		(unsigned long long)d.eaug, (unsigned long long)d.reclaim_passes,
		(unsigned long long)d.backing_bytes);
	fprintf(f, "  \"ioctls\": {");
	for (i = 0, sep = ""; i < 8; i++) {
		fprintf(f, "%s\"%s\": %llu", sep, ioctl_names[i], (unsigned long long)d.ioctls[i]);
		sep = ", ";
	}
	fprintf(f, "},\n  \"ioctl_errors\": %llu,\n", (unsigned long long)d.ioctl_errors);
	fprintf(f, "  \"faults\": {\"total\": %llu, \"reported\": %llu},\n",
		(unsigned long long)d.faults, (unsigned long long)d.faults_reported);
	fprintf(f, "  \"runtime\": {\"eenter\": %llu, \"eresume\": %llu, \"eexit\": %llu, "
		"\"aex\": %llu, \"aex_exception\": %llu, \"aex_signal\": %llu, "
		"\"faults_resolved\": %llu, \"fault_retries\": %llu, \"leaves\": %llu, \"cpuid\": %llu, \"kicks\": %llu}\n}\n",
		(unsigned long long)r.eenter, (unsigned long long)r.eresume,
		(unsigned long long)r.eexit, (unsigned long long)r.aex,
		(unsigned long long)r.aex_exception, (unsigned long long)r.aex_signal,
		(unsigned long long)r.faults_resolved, (unsigned long long)r.fault_retries,
		(unsigned long long)r.leaves,
		(unsigned long long)r.cpuid, (unsigned long long)r.kicks);
	if (fclose(f) || rename(tmp, path))
		pl_log(PL_WARN, "statistics: %s: %s", path, strerror(errno));
}

static void *writer_main(void *arg)
{
	struct timespec until;
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&stop_lock);
	while (!stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&stop_cond, &stop_lock, &until);
		if (stopping)
			break;
		pthread_mutex_unlock(&stop_lock);
		pl_stats_write();
		pthread_mutex_lock(&stop_lock);
	}
	pthread_mutex_unlock(&stop_lock);
	return NULL;
}

int pl_stats_start(void)
{
	int ret;

	pthread_mutex_init(&stop_lock, NULL);
	pthread_cond_init(&stop_cond, NULL);
	stopping = false;
	ret = pthread_create(&writer, NULL, writer_main, NULL);
	if (ret)
		return -ret;
	writer_running = true;
	return 0;
}

void pl_stats_stop(void)
{
	if (!writer_running)
		return;
	pthread_mutex_lock(&stop_lock);
	stopping = true;
	pthread_cond_signal(&stop_cond);
	pthread_mutex_unlock(&stop_lock);
	pthread_join(writer, NULL);
	writer_running = false;
}
