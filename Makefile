# The front door. See README.md.
#   make run      build, then start rump_allserver on unix://rump.sock with a demo disk mounted
#   make tour     build and run the tour of the C API: boots kernels and shows what works
#   make test     install what the tests need, build with sanitizers, run every test
#   make bench    build Release and run the benchmarks
#   make install  PREFIX=/usr/local (default)

PREFIX ?= /usr/local
JOBS ?= $(shell nproc)
BUILD := build
CMAKE_GEN := -G Ninja

.PHONY: all run tour test bench install deps build-dev build-asan build-tsan build-release fuzz clean

all: build-dev

deps:
	@scripts/deps.sh

build-dev: deps
	cmake -S . -B $(BUILD)/run $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRK_BENCH=OFF -DRK_TESTS=OFF >/dev/null
	ninja -C $(BUILD)/run -j$(JOBS)

run: build-dev
	scripts/run_demo.sh $(BUILD)/run

tour: build-dev
	$(BUILD)/run/bin/rump_tour

# Every test under AddressSanitizer + UndefinedBehaviorSanitizer; the concurrency tests again
# under ThreadSanitizer; the fuzz targets for a short run.
test: deps
	cmake -S . -B $(BUILD)/asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DRK_BENCH=OFF \
	  -DRK_SANITIZE=address,undefined >/dev/null
	ninja -C $(BUILD)/asan -j$(JOBS)
	cmake -S . -B $(BUILD)/tsan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRK_BENCH=OFF \
	  -DRK_SANITIZE=thread >/dev/null
	ninja -C $(BUILD)/tsan -j$(JOBS)
	cmake -S . -B $(BUILD)/fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRK_BENCH=OFF \
	  -DRK_TESTS=OFF -DRK_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	ninja -C $(BUILD)/fuzz -j$(JOBS)
	scripts/run_tests.sh $(BUILD)

bench: deps
	cmake -S . -B $(BUILD)/release $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DRK_TESTS=OFF >/dev/null
	ninja -C $(BUILD)/release -j$(JOBS)
	$(BUILD)/release/bin/rump_bench

install: deps
	cmake -S . -B $(BUILD)/release $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DRK_TESTS=OFF \
	  -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	ninja -C $(BUILD)/release -j$(JOBS)
	cmake --install $(BUILD)/release --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
