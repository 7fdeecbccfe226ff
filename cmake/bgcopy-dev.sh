#!/usr/bin/env bash
# bgcopy's one entry point for developers and CI (Debian 12, as root).
#
#   cmake/bgcopy-dev.sh setup   install packages, build the Windows third-party libraries
#   cmake/bgcopy-dev.sh build   setup + build native, native ASan/UBSan and Windows trees
#   cmake/bgcopy-dev.sh test    build + run every test suite (CTest) in all three trees
#   cmake/bgcopy-dev.sh demo    build + start the server under Wine and run a scripted transfer
#   cmake/bgcopy-dev.sh bench   build + run the benchmarks (bench/)
#
# Build trees: $BGC_BUILD (default ./build)/{native,asan,windows}. Windows binaries land in
# build/windows/bin. Every step is idempotent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BGC_BUILD:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)

log() { printf '\n== bgcopy: %s\n' "$*"; }

do_setup() {
  if [ "$(id -u)" = 0 ]; then
    bash "$root/cmake/setup-debian.sh"
  else
    echo "bgcopy: not root; assuming the packages of cmake/setup-debian.sh are installed" >&2
  fi
  deps_prefix=$(bash "$root/cmake/build-deps.sh" | tail -n 1)
  export BGC_DEPS_PREFIX=$deps_prefix
}

configure() { # configure DIR [cmake args...]
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
}

do_build() {
  do_setup
  log "native build"
  configure "$build/native"
  cmake --build "$build/native" -j"$jobs"
  log "native ASan+UBSan build"
  configure "$build/asan" -DBGC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  cmake --build "$build/asan" -j"$jobs"
  log "windows (mingw-w64) build"
  configure "$build/windows" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" \
    -DBGC_DEPS_PREFIX="$BGC_DEPS_PREFIX"
  cmake --build "$build/windows" -j"$jobs"
}

run_ctest() { # run_ctest DIR LABEL
  log "tests: $2"
  ctest --test-dir "$1" --output-on-failure --timeout 900 -j"${BGC_TEST_JOBS:-2}"
}

do_test() {
  do_build
  local rc=0
  run_ctest "$build/native" "native" || rc=1
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_ctest "$build/asan" "native ASan+UBSan" || rc=1
  run_ctest "$build/windows" "windows (under Wine)" || rc=1
  if [ $rc = 0 ]; then log "all test suites passed"; else log "some tests FAILED"; fi
  return $rc
}

case "${1:-}" in
  setup) do_setup; echo "deps: $BGC_DEPS_PREFIX" ;;
  build) do_build ;;
  test) do_test ;;
  demo) do_build; exec bash "$root/client/demo.sh" "$build" ;;
  bench) do_build; exec bash "$root/bench/run.sh" "$build" ;;
  *) echo "usage: $0 setup|build|test|demo|bench" >&2; exit 2 ;;
esac
