# Brook's two front doors:
#   make run    install what running needs, build, start a single-node broker (ARGS=... for brookd)
#   make cluster / make cluster-stop   etcd and three brokers on 127.0.0.1, in the background
#   make test   install what the tests need too, build, run every test (plain, ASan+UBSan, TSan, fuzzers)
# Both work on a fresh Debian 12 machine; `make deps` needs root or sudo.

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
RELEASE_DIR ?= build-release
# What ThreadSanitizer runs: the unit tests and the suites whose brookd does
# work on I/O threads (fsync and deletes, PBKDF2, metrics counted anywhere).
TSAN_TESTS = unit\.|integration\.test_(sasl|segment_storage|idempotence|metrics|lifecycle|consumer_groups|cold_fetch)
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 15
FUZZERS = native_decode batch batch_validate config kafka_decode past_record
JOBS ?= $(shell nproc)
CTEST_FLAGS ?= --output-on-failure --timeout 600

# Debian packages building and running brookd needs (make run, make install)...
RUN_DEPS = build-essential cmake pkg-config libconfig-dev libmsgpack-dev libssl-dev libmicrohttpd-dev \
           zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libcurl4-openssl-dev libjansson-dev
# ...and what the test suite adds (make test): clients, tools, sanitizers, etcd.
TEST_DEPS = libcmocka-dev python3 python3-msgpack clang libclang-rt-14-dev clang-format git kcat \
            python3-confluent-kafka python3-kafka librdkafka-dev openssl fio abigail-tools etcd-server \
            util-linux-extra golang-go golang-github-shopify-sarama-dev
# Arguments for `make run`, e.g. ARGS="--set listeners.[0].address=127.0.0.1:19092 -c my.conf"
ARGS ?=
# kafkajs comes from the npm registry (tests/integration/js/package-lock.json);
# Node.js from Debian only where the machine has none.
JS_DIR = tests/integration/js

SHELL = /bin/bash
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps run-deps build build-run build-release run cluster cluster-stop test test-plain test-asan test-tsan fuzz bench install clean format certs

all: build

# Install the Debian packages of $(1) that are missing.
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

run-deps:
	$(call apt_install,$(RUN_DEPS))

deps: run-deps
	$(call apt_install,$(TEST_DEPS))
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	@[ -d $(JS_DIR)/node_modules/kafkajs ] || (cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error)

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBROOK_TESTS=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)

# brookd, brookctl and the plugins only: what running needs
build-run: run-deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBROOK_TESTS=OFF
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build-run
	$(BUILD_DIR)/bin/brookd $(ARGS)

# Three brokers and a private etcd under ./cluster-data (docs/operations.md).
cluster: build
	BUILD_DIR=$(BUILD_DIR) tools/cluster.sh start

cluster-stop:
	BUILD_DIR=$(BUILD_DIR) tools/cluster.sh stop

test: build-release test-plain test-asan test-tsan fuzz

# What runs in production compiled at -O3 too: some warnings (-Werror)
# only show when the optimizer inlines across functions.
build-release: run-deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DBROOK_TESTS=OFF
	cmake --build $(RELEASE_DIR) -j $(JOBS)

test-plain: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DBROOK_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest $(CTEST_FLAGS)

# The code that runs on I/O threads, under ThreadSanitizer (a race stops
# the process: brookd exits 66 and its test fails).
test-tsan: deps
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DBROOK_TSAN=ON
	cmake --build $(TSAN_DIR) -j $(JOBS)
	cd $(TSAN_DIR) && TSAN_OPTIONS=halt_on_error=1:exitcode=66 ctest $(CTEST_FLAGS) -R '$(TSAN_TESTS)'

# libFuzzer harnesses for every decoder, briefly; longer by hand with FUZZ_SECONDS=600.
# New inputs go to $(FUZZ_DIR)/corpus-*, findings to $(FUZZ_DIR)/artifacts/.
fuzz: deps
	cmake -S . -B $(FUZZ_DIR) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DBROOK_FUZZ=ON -DBROOK_TESTS=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	mkdir -p $(FUZZ_DIR)/artifacts
	set -e; for f in $(FUZZERS); do \
		mkdir -p $(FUZZ_DIR)/corpus-$$f; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
		$(FUZZ_DIR)/bin/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$f- $(FUZZ_DIR)/corpus-$$f tests/fuzz/corpus/$$f 2>&1 | \
			grep -E "^(Done|INFO: seed|==|SUMMARY|stat::number_of_executed_units)" ; \
		test $${PIPESTATUS[0]} -eq 0 || { echo "fuzz_$$f found a problem: see $(FUZZ_DIR)/artifacts/"; exit 1; }; \
	done

# Side-by-side benchmarks against fio (see docs/benchmarks.md).
# A throwaway CA and certificates in ./certs for config/secure.conf (never for production).
certs:
	sh config/make-certs.sh certs

bench: build
	bench/run.sh $(BUILD_DIR)

install: build-run
	cmake --install $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(RELEASE_DIR) $(FUZZ_DIR)
