#!/usr/bin/env bash
# wine-run.sh - runs one Windows test program under Wine in a throw-away, fully set-up prefix.
# It is the CROSSCOMPILING_EMULATOR of every tests/wine/test_*.c (see tests/wine/CMakeLists.txt).
#
# Usage:
#   wine-run.sh --bin DIR --httpd PATH --cache DIR [--timeout S] TEST.exe [ARGS...]
#   wine-run.sh --bin DIR --httpd PATH --cache DIR [--timeout S] --shell CMD [ARGS...]
#     --bin DIR     <build>/bin: bgcopysvc.exe, bgcopyps.dll, bgcopyadmin.exe, bgcopy.tlb
#     --httpd PATH  the Linux loopback HTTP test server (tests/httpd, bgc-testhttpd)
#     --cache DIR   <build>/wine-cache: the template prefix and the run directories
#     --timeout S   bound for the test itself (default $BGC_WINE_TEST_TIMEOUT or 420 s)
#     --shell CMD   run the Linux command CMD instead of `wine TEST.exe` (client/demo.sh uses
#                   it); CMD additionally gets WINEPREFIX and the BGC_*_UNIX paths below.
#
# Environment contract: what the test program sees.
#   BGC_HTTP_PORT   TCP port of the HTTP test server on 127.0.0.1 (only address it listens on).
#   BGC_HTTPS_PORT  its HTTPS front end (self-signed certificate for 127.0.0.1, trusted by
#                   nobody: tests set BG_SSL_IGNORE_UNKNOWN_CA), same endpoints and log.
#   BGC_HTTP_ROOT   Windows path of the server's --root (C:\bgc-www): a file written there is
#                   served as http://127.0.0.1:$BGC_HTTP_PORT/files/<name>.
#   BGC_BIN_DIR     Windows path of --bin (bgcopyadmin.exe etc.).
#   BGC_TEMP_DIR    Windows path of an empty scratch directory for downloads (C:\bgc-temp).
#   BGC_DATA_DIR    Windows path of bgcopy's DataDir (C:\bgc-data; bgcopysvc.log is there).
#   WINEDEBUG=-all.
#   --shell only:   WINEPREFIX, BGC_HTTP_ROOT_UNIX, BGC_TEMP_DIR_UNIX, BGC_DATA_DIR_UNIX,
#                   BGC_HTTPD_LOG (Linux paths of the same directories and the server's log).
# The prefix: a fresh copy of a template (wineboot -i once per cache, AeDebug Debugger removed
# so a crash ends the process), bgcopy registered (`bgcopysvc.exe /RegServer`, override the
# arguments with BGC_REGSERVER_ARGS) and configured under HKCU\Software\bgcopy:
#   IdleTimeoutMs=3000, RetryDelayFloorS=1, LogLevel=4 (TRACE), DataDir=C:\bgc-data.
# The HTTP server runs with --parent-pid of this script and --max-seconds = timeout + 60.
#
# Exit status: the test's exit status (CMocka: number of failed tests); 124 when the test
# timed out; 125 when the harness itself could not set up the run. On every exit the prefix's
# wineserver is killed (ending all of its processes), the HTTP server is killed by PID, the
# logs are printed when the test failed, and the run directory is removed.
set -uo pipefail

BGCW_NAME=wine-run
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/wine/wine-env.sh source-path=SCRIPTDIR
. "$here/wine-env.sh"

usage() {
  sed -n '4,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 125
}

bin='' httpd='' cache='' shell=0
test_timeout=${BGC_WINE_TEST_TIMEOUT:-420}
while [ $# -gt 0 ]; do
  case $1 in
    --bin) [ $# -ge 2 ] || usage; bin=$2; shift 2 ;;
    --httpd) [ $# -ge 2 ] || usage; httpd=$2; shift 2 ;;
    --cache) [ $# -ge 2 ] || usage; cache=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; test_timeout=$2; shift 2 ;;
    --shell) shell=1; shift; break ;;
    --) shift; break ;;
    -*) bgcw_log "unknown option $1"; usage ;;
    *) break ;;
  esac
done
if [ -z "$bin" ] || [ -z "$httpd" ] || [ -z "$cache" ] || [ $# -lt 1 ]; then usage; fi
case $test_timeout in '' | *[!0-9]*) bgcw_log "--timeout needs seconds"; usage ;; esac
bin=$(cd "$bin" 2>/dev/null && pwd) || { bgcw_log "--bin: no such directory"; exit 125; }
cache=$(mkdir -p "$cache" && cd "$cache" && pwd) || exit 125

BGCW_RUN=
test_rc=125
on_exit() {
  trap - EXIT INT TERM HUP
  if [ "$test_rc" != 0 ] && [ -n "$BGCW_RUN" ] && [ -d "$BGCW_RUN" ]; then
    bgcw_print_logs >&2
  fi
  [ -n "$BGCW_RUN" ] && bgcw_teardown "$BGCW_RUN"
  exit "$test_rc"
}
trap on_exit EXIT
trap 'test_rc=130; exit' INT
trap 'test_rc=143; exit' TERM
trap 'test_rc=129; exit' HUP

t_start=$SECONDS
bgcw_run_create "$cache" || { bgcw_log "could not create the prefix"; exit 125; }
bgcw_httpd_start "$httpd" $((test_timeout + 60)) --tls-port-file "$BGCW_RUN/httpd.tlsport" || exit 125
BGC_HTTPS_PORT=$(tr -dc '0-9' <"$BGCW_RUN/httpd.tlsport" 2>/dev/null) # httpopts area
export BGC_HTTPS_PORT
bgcw_register "$bin" || exit 125

winpaths=$(bgcw_wine winepath -w "$bin" "$BGCW_WWW" "$BGCW_TEMP" "$BGCW_DATA" 2>/dev/null) ||
  { bgcw_log "winepath failed"; exit 125; }
{
  IFS= read -r BGC_BIN_DIR
  IFS= read -r BGC_HTTP_ROOT
  IFS= read -r BGC_TEMP_DIR
  IFS= read -r BGC_DATA_DIR
} <<<"$winpaths"
export BGC_HTTP_PORT=$BGCW_HTTP_PORT BGC_BIN_DIR BGC_HTTP_ROOT BGC_TEMP_DIR BGC_DATA_DIR
[ -n "${BGC_WINE_RUN_VERBOSE:-}" ] &&
  bgcw_log "setup took $((SECONDS - t_start)) s (port $BGC_HTTP_PORT, run $BGCW_RUN)"

if [ $shell = 1 ]; then
  export BGC_HTTP_ROOT_UNIX=$BGCW_WWW BGC_TEMP_DIR_UNIX=$BGCW_TEMP BGC_DATA_DIR_UNIX=$BGCW_DATA
  export BGC_HTTPD_LOG=$BGCW_RUN/httpd.log WINEPREFIX
  timeout -k 10 "$test_timeout" "$@"
else
  timeout -k 10 "$test_timeout" wine "$@"
fi
test_rc=$?
if [ $test_rc = 124 ] || [ $test_rc = 137 ]; then
  bgcw_log "test timed out after $test_timeout s"
  test_rc=124
fi
exit "$test_rc"
