# SPDX-License-Identifier: MIT
# Entry points: `make demo`, `make test`, `make bench`. Each one installs the
# Debian packages it needs (as root; otherwise it prints the apt-get line),
# configures the Meson build in build/ and builds.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_BENCH ?= build-bench
MESON_OPTS ?=

DEPS = gcc make meson ninja-build pkg-config python3 libssl-dev libcmocka-dev \
       linux-source-6.1 xz-utils openssl

.PHONY: all deps configure build test test-asan bench demo clean

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
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_BENCH)
