#!/usr/bin/env bash
# client/demo.sh - the README's demo: a 64 MiB download through bgcopy under Wine, driven by
# bgcopyadmin /transfer, with progress and the COM callback, checked with sha256sum on Linux.
#
# Usage: bash client/demo.sh BUILD
#   BUILD is a Windows build tree (with bin/bgcopysvc.exe) or the parent of one (BUILD/windows,
#   as cmake/bgcopy-dev.sh lays it out). Run it after a full build.
#
# What it does (bounded: the whole run is killed after DEMO_TIMEOUT seconds, default 110):
#   1. tests/wine/wine-run.sh makes a throw-away Wine prefix (copy of a cached template),
#      registers bgcopysvc.exe and starts the loopback HTTP test server (--shell mode);
#   2. a random 64 MiB file is served paced at DEMO_RATE bytes/s (default 16 MiB/s, ?rate=)
#      so that the progress is visible for a few seconds;
#   3. bgcopyadmin /transfer downloads it (progress, "Callback: JobTransferred received."),
#      then bgcopyadmin /list shows the queue;
#   4. sha256sum compares the download with the served file; a summary follows;
#   5. wine-run.sh tears everything down (wineserver -k, HTTP server killed, prefix removed).
# Exit status: 0 when the transfer succeeded and the checksums match.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

if [ "${1:-}" = --inner ]; then
  # ---- inside the prepared prefix (environment: see tests/wine/wine-run.sh) ----------------
  size=$((64 * 1024 * 1024))
  src=$BGC_HTTP_ROOT_UNIX/demo.bin
  dst_win="$BGC_TEMP_DIR\\demo.bin"
  dst=$BGC_TEMP_DIR_UNIX/demo.bin
  url="http://127.0.0.1:$BGC_HTTP_PORT/files/demo.bin?rate=${DEMO_RATE:-16777216}"
  admin="$BGC_BIN_DIR\\bgcopyadmin.exe"

  echo "== serving a random 64 MiB file: $url"
  head -c "$size" /dev/urandom >"$src" || exit 1
  want=$(sha256sum "$src" | cut -d' ' -f1)

  echo "== bgcopyadmin /transfer demo $url $dst_win"
  t0=$(date +%s%3N)
  timeout -k 5 90 wine "$admin" /transfer demo /download /timeout 80 "$url" "$dst_win"
  rc=$?
  t1=$(date +%s%3N)
  echo "== bgcopyadmin /list"
  timeout -k 5 30 wine "$admin" /list

  echo "== verifying with sha256sum"
  got=$(sha256sum "$dst" 2>/dev/null | cut -d' ' -f1)
  echo "served     $want"
  echo "downloaded ${got:-(missing)}"
  ms=$((t1 - t0))
  echo
  echo "== summary"
  echo "transfer exit code: $rc"
  printf 'time: %d.%03d s (the server paces the body at %s bytes/s; includes COM activation)\n' \
    $((ms / 1000)) $((ms % 1000)) "${DEMO_RATE:-16777216}"
  if [ "$rc" = 0 ] && [ -n "$got" ] && [ "$got" = "$want" ]; then
    echo "result: OK - 64 MiB transferred by bgcopysvc.exe, callback received, checksum matches"
    exit 0
  fi
  echo "result: FAILED"
  exit 1
fi

# ---- outer: find the build, then let wine-run.sh prepare everything and call us back -------
build=${1:-}
if [ -z "$build" ]; then
  echo "usage: bash client/demo.sh BUILD" >&2
  exit 2
fi
if [ -f "$build/bin/bgcopysvc.exe" ]; then
  win=$build
elif [ -f "$build/windows/bin/bgcopysvc.exe" ]; then
  win=$build/windows
else
  echo "demo: no bgcopysvc.exe under $build/bin or $build/windows/bin: build first" >&2
  exit 1
fi
win=$(cd "$win" && pwd)
httpd=$win/host/bgc-testhttpd
if [ ! -x "$httpd" ]; then
  echo "demo: $httpd not found (it is built with the Windows tree: target bgc_host_httpd)" >&2
  exit 1
fi
for tool in sha256sum wine; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is required" >&2; exit 1; }
done

exec timeout -k 10 "${DEMO_TIMEOUT:-110}" bash "$root/tests/wine/wine-run.sh" \
  --bin "$win/bin" --httpd "$httpd" --cache "$win/wine-cache" --timeout 100 \
  --shell bash "$here/demo.sh" --inner
