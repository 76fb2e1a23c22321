# SPDX-License-Identifier: MIT
# Entry points: `make demo`, `make test`, `make bench`. Each one installs the
# Debian packages it needs (as root; otherwise it prints the apt-get line),
# configures the Meson build in build/ and builds.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
BUILD_BENCH ?= build-bench
MESON_OPTS ?=

DEPS = gcc make meson ninja-build pkg-config python3 libssl-dev libcmocka-dev \
       linux-source-6.1 xz-utils openssl

.PHONY: all deps configure build test test-asan test-tsan bench demo clean

all: build

deps:
	@tools/deps.sh $(DEPS)

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

configure: deps $(BUILD)/build.ninja

build: configure
	ninja -C $(BUILD)

test: build
	tools/run-tests.sh $(BUILD)

# Unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	[ -f $(BUILD_ASAN)/build.ninja ] || meson setup $(BUILD_ASAN) \
		-Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)
	ninja -C $(BUILD_ASAN)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		tools/run-tests.sh $(BUILD_ASAN) --suite unit

# The threaded tests again under ThreadSanitizer: the reclaimer's (at a
# smaller size), the fault path's races and the hw tracking stress.
TSAN_TESTS = driver/test_reclaim_stress driver/test_reclaim driver/test_fault \
	     driver/test_main hw/test_tracking
test-tsan: deps
	[ -f $(BUILD_TSAN)/build.ninja ] || meson setup $(BUILD_TSAN) \
		-Db_sanitize=thread -Db_lundef=false $(MESON_OPTS)
	ninja -C $(BUILD_TSAN)
	SGXEMU_STRESS_SMALL=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		tools/run-tests.sh $(BUILD_TSAN) $(TSAN_TESTS)

# Benchmarks build optimised, without assertions, in their own directory;
# figures also go to build/bench.json for comparison between commits.
bench: deps
	[ -f $(BUILD_BENCH)/build.ninja ] || meson setup $(BUILD_BENCH) \
		-Dbuildtype=release -Dtests=false $(MESON_OPTS)
	ninja -C $(BUILD_BENCH)
	mkdir -p $(BUILD)
	$(BUILD_BENCH)/bench/sgxemu-bench --json $(BUILD)/bench.json

demo: build
	examples/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_BENCH)
