/* SPDX-License-Identifier: MIT */
/*
 * Benchmark harness. Every figure is reported next to a physical floor
 * measured in the same run, as a ratio (shared/reference/perf-notes.md):
 * latencies as median/p10/p90 over repeated samples, throughputs per second.
 * Benchmarks are not tests: nothing fails on a slow machine.
 */
#ifndef SGXEMU_BENCH_H
#define SGXEMU_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_SAMPLES 31

/* A latency: one sample = @iters operations, reported per operation. */
struct bench_lat {
	double median_ns, p10_ns, p90_ns;
};

/* Per-sample timing: call bench_run with a function doing @iters operations. */
typedef void (*bench_fn)(void *ctx, uint64_t iters);

uint64_t bench_now_ns(void);

/* Run @fn BENCH_SAMPLES times with @iters each (after one warm-up). */
struct bench_lat bench_run(bench_fn fn, void *ctx, uint64_t iters);

/*
 * Median/p10/p90 of @n per-operation samples taken by the caller (for
 * benchmarks that interleave an operation and its floor sample by sample,
 * so that drift on a shared machine hits both alike). Sorts @s.
 */
struct bench_lat bench_lat_of(double *s, unsigned int n);

/*
 * Report a latency against a floor latency: ratio = median / floor median;
 * @target_ratio <= 0 means no target.
 */
void bench_report_lat(const char *name, struct bench_lat v, const char *floor_name,
		      struct bench_lat floor, double target_ratio);

/*
 * Report a throughput (operations per second, from latencies) against a
 * floor throughput: ratio = rate / floor rate, a target is a minimum.
 */
void bench_report_rate(const char *name, struct bench_lat v, const char *floor_name,
		       struct bench_lat floor, double target_ratio);

/* Report an absolute latency with an absolute target in ns (0: none). */
void bench_report_abs(const char *name, struct bench_lat v, double target_ns);

/*
 * Report a quantity that is no time (a count, a size, a rate) with its
 * @unit and a target: a maximum (@at_least false) or a minimum; @target
 * <= 0: none.
 */
void bench_report_value(const char *name, double value, const char *unit, double target,
			bool at_least);

/* Open the JSON output (NULL: none) and close it, writing the array. */
int bench_json_open(const char *path);
void bench_json_close(void);

/* Suites, one per layer. */
void bench_hw(void);
void bench_driver(void);
void bench_runtime(void);
void bench_reclaim(void);

#endif /* SGXEMU_BENCH_H */
