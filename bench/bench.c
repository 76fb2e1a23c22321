// SPDX-License-Identifier: MIT
/*
 * sgxemu-bench: runs every benchmark suite and prints, per operation, the
 * median and spread, the floor measured in the same process a moment
 * before, and the ratio; the same figures go to a JSON file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static FILE *json;
static bool json_first = true;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct bench_lat bench_lat_of(double *s, unsigned int n)
{
	struct bench_lat r;

	qsort(s, n, sizeof(s[0]), cmp_double);
	r.median_ns = s[n / 2];
	r.p10_ns = s[n / 10];
	r.p90_ns = s[n - 1 - n / 10];
	return r;
}

struct bench_lat bench_run(bench_fn fn, void *ctx, uint64_t iters)
{
	double s[BENCH_SAMPLES];
	unsigned int i;

	fn(ctx, iters);                 /* warm caches, fault pages in */
	for (i = 0; i < BENCH_SAMPLES; i++) {
		uint64_t t0 = bench_now_ns();

		fn(ctx, iters);
		s[i] = (double)(bench_now_ns() - t0) / (double)iters;
	}
	return bench_lat_of(s, BENCH_SAMPLES);
}

static void json_sep(void)
{
	fputs(json_first ? "[\n  " : ",\n  ", json);
	json_first = false;
}

void bench_report_lat(const char *name, struct bench_lat v, const char *floor_name,
		      struct bench_lat floor, double target_ratio)
{
	double ratio = v.median_ns / floor.median_ns;

	printf("%-28s %10.0f ns  [p10 %8.0f  p90 %8.0f]  floor %-22s %10.0f ns  ratio %5.2fx",
	       name, v.median_ns, v.p10_ns, v.p90_ns, floor_name, floor.median_ns, ratio);
	if (target_ratio > 0)
		printf("  (target <= %.2fx: %s)", target_ratio, ratio <= target_ratio ? "met" : "MISSED");
	putchar('\n');
	if (!json)
		return;
	json_sep();
	fprintf(json, "{\"name\": \"%s\", \"median_ns\": %.1f, \"p10_ns\": %.1f, \"p90_ns\": %.1f, "
		"\"floor\": \"%s\", \"floor_ns\": %.1f, \"ratio\": %.3f, \"target_ratio\": %.3f}",
		name, v.median_ns, v.p10_ns, v.p90_ns, floor_name, floor.median_ns, ratio,
		target_ratio);
}

void bench_report_rate(const char *name, struct bench_lat v, const char *floor_name,
		       struct bench_lat floor, double target_ratio)
{
	double rate = 1e9 / v.median_ns, frate = 1e9 / floor.median_ns;
	double ratio = rate / frate;

	printf("%-28s %10.0f /s  [p10 %8.0f  p90 %8.0f]  floor %-22s %10.0f /s  ratio %5.2f",
	       name, rate, 1e9 / v.p90_ns, 1e9 / v.p10_ns, floor_name, frate, ratio);
	if (target_ratio > 0)
		printf("  (target >= %.2f: %s)", target_ratio, ratio >= target_ratio ? "met" : "MISSED");
	putchar('\n');
	if (!json)
		return;
	json_sep();
	fprintf(json, "{\"name\": \"%s\", \"median_per_s\": %.1f, \"p10_per_s\": %.1f, "
		"\"p90_per_s\": %.1f, \"floor\": \"%s\", \"floor_per_s\": %.1f, \"ratio\": %.3f, "
		"\"target_ratio\": %.3f}",
		name, rate, 1e9 / v.p90_ns, 1e9 / v.p10_ns, floor_name, frate, ratio, target_ratio);
}

void bench_report_abs(const char *name, struct bench_lat v, double target_ns)
{
	printf("%-28s %10.0f ns  [p10 %8.0f  p90 %8.0f]", name, v.median_ns, v.p10_ns, v.p90_ns);
	if (target_ns > 0)
		printf("  (target <= %.0f ns: %s)", target_ns,
		       v.median_ns <= target_ns ? "met" : "MISSED");
	putchar('\n');
	if (!json)
		return;
	json_sep();
	fprintf(json, "{\"name\": \"%s\", \"median_ns\": %.1f, \"p10_ns\": %.1f, \"p90_ns\": %.1f, "
		"\"target_ns\": %.1f}", name, v.median_ns, v.p10_ns, v.p90_ns, target_ns);
}

void bench_report_value(const char *name, double value, const char *unit, double target,
			bool at_least)
{
	bool met = at_least ? value >= target : value <= target;

	printf("%-28s %10.1f %s", name, value, unit);
	if (target > 0)
		printf("  (target %s %.0f: %s)", at_least ? ">=" : "<=", target, met ? "met" : "MISSED");
	putchar('\n');
	if (!json)
		return;
	json_sep();
	fprintf(json, "{\"name\": \"%s\", \"value\": %.3f, \"unit\": \"%s\", \"%s\": %.3f}",
		name, value, unit, at_least ? "target_min" : "target_max", target);
}

int bench_json_open(const char *path)
{
	json = fopen(path, "w");
	if (!json)
		return -errno;
	return 0;
}

void bench_json_close(void)
{
	if (!json)
		return;
	fputs(json_first ? "[]\n" : "\n]\n", json);
	fclose(json);
	json = NULL;
}

static const struct {
	const char *name;
	void (*run)(void);
} suites[] = {
	{ "hw",     bench_hw },
	{ "driver", bench_driver },
	{ "runtime", bench_runtime },
	{ "reclaim", bench_reclaim },
};

#define NR_SUITES (sizeof(suites) / sizeof(suites[0]))

int main(int argc, char **argv)
{
	const char *json_path = NULL;
	bool want[NR_SUITES] = { false }, any = false;
	size_t j;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json_path = argv[++i];
			continue;
		}
		for (j = 0; j < NR_SUITES && strcmp(argv[i], suites[j].name); j++)
			;
		if (j == NR_SUITES) {
			fprintf(stderr, "usage: sgxemu-bench [--json FILE] [hw|driver]...\n");
			return 2;
		}
		want[j] = any = true;
	}
	if (json_path) {
		ret = bench_json_open(json_path);
		if (ret) {
			fprintf(stderr, "sgxemu-bench: %s: %s\n", json_path, strerror(-ret));
			return 1;
		}
	}
	printf("sgxemu benchmarks: median per operation over %d samples, floor measured in this run\n",
	       BENCH_SAMPLES);
	for (j = 0; j < NR_SUITES; j++)
		if (!any || want[j])
			suites[j].run();
	bench_json_close();
	if (json_path)
		printf("figures written to %s\n", json_path);
	return 0;
}
