# wine-env.sh - shell functions shared by tests/wine/wine-run.sh (the CTest emulator of every
# Windows test) and client/demo.sh. Sourced, never executed. Everything here is bash.
#
# What one "run" is: a directory RUN (under CACHE/runs) holding a throw-away WINEPREFIX
# (RUN/pfx, a `cp -a` of a pristine template prefix booted once per cache), the log of the
# loopback HTTP test server and the run's scratch directories. Inside the prefix:
#   C:\bgc-www   (RUN/pfx/drive_c/bgc-www)   the HTTP server's --root (files/<name>)
#   C:\bgc-temp  (RUN/pfx/drive_c/bgc-temp)  scratch directory for downloads
#   C:\bgc-data  (RUN/pfx/drive_c/bgc-data)  bgcopy's DataDir (bgcopysvc.log lives here)
#
# Invariants:
#  1. Every external command that can block runs under `timeout` (no unbounded waits).
#  2. The template prefix is built and copied only while holding an exclusive flock on
#     CACHE/template.lock, so parallel runs never see a half-built template. A template is
#     used only when its stamp (wine version + recipe version) matches; otherwise it is rebuilt.
#  3. bgcw_teardown kills only what this run started: the prefix's wineserver (and with it every
#     process of that prefix) and the HTTP server by its PID; then it removes RUN.
#  4. A run directory whose owner PID (RUN/owner.pid) is dead is stale: bgcw_sweep_stale tears it
#     down the same way (its wineserver by prefix, then the directory).

BGCW_RECIPE=3                      # bump when the template recipe below changes
BGCW_WINE_TIMEOUT=${BGCW_WINE_TIMEOUT:-120}  # bound for each setup-time wine command (s)

export WINEDEBUG=-all
export WINEARCH=win64

bgcw_log() { printf '%s: %s\n' "${BGCW_NAME:-wine-env}" "$*" >&2; }

# bgcw_wine ARGS...: `wine ARGS` in the current WINEPREFIX, bounded by BGCW_WINE_TIMEOUT.
bgcw_wine() { timeout -k 5 "$BGCW_WINE_TIMEOUT" wine "$@"; }

# bgcw_stamp: the identity of a template built by this recipe with this Wine.
bgcw_stamp() { printf 'recipe=%s wine=%s\n' "$BGCW_RECIPE" "$(wine --version 2>/dev/null)"; }

# bgcw_template_build DIR: boots a pristine prefix into DIR (which must not exist).
bgcw_template_build() {
  local dir=$1 t0=$SECONDS
  bgcw_log "booting template prefix $dir (once per cache)"
  mkdir -p "$(dirname "$dir")"
  (
    export WINEPREFIX=$dir
    # No Mono/Gecko installer prompts while booting a headless prefix.
    export WINEDLLOVERRIDES='mscoree,mshtml='
    timeout -k 5 300 wineboot -i >/dev/null 2>&1 || exit 1
    timeout -k 5 120 wineserver -w || exit 1
    # A crash must end the process, not start winedbg and wait for it.
    timeout -k 5 60 wine reg delete 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' \
      /v Debugger /f >/dev/null 2>&1 || exit 1
    timeout -k 5 120 wineserver -w || exit 1
  ) || { bgcw_log "template boot failed"; return 1; }
  bgcw_stamp >"$dir/.bgcw-stamp"
  bgcw_log "template ready in $((SECONDS - t0)) s"
}

# bgcw_prefix_from_template CACHE DEST: copies the template of CACHE (building it first when it
# is missing or stale) to DEST. Holds CACHE/template.lock (exclusive) throughout.
bgcw_prefix_from_template() {
  local cache=$1 dest=$2 tmpl=$1/template rc=0
  mkdir -p "$cache" || return 1
  exec {lockfd}>"$cache/template.lock" || return 1
  if ! flock -x -w 600 "$lockfd"; then
    bgcw_log "timed out waiting for $cache/template.lock"
    exec {lockfd}>&-
    return 1
  fi
  if [ ! -f "$tmpl/.bgcw-stamp" ] || [ "$(cat "$tmpl/.bgcw-stamp")" != "$(bgcw_stamp)" ]; then
    rm -rf "$tmpl" "$tmpl.new"
    if bgcw_template_build "$tmpl.new"; then
      mv "$tmpl.new" "$tmpl" || rc=1
    else
      rm -rf "$tmpl.new"
      rc=1
    fi
  fi
  if [ $rc = 0 ]; then
    cp -a "$tmpl" "$dest" || rc=1
    rm -f "$dest/.bgcw-stamp"
  fi
  flock -u "$lockfd"
  exec {lockfd}>&-
  return $rc
}

# bgcw_teardown RUN: stops the prefix RUN/pfx (all of its processes) and the HTTP server whose
# PID is in RUN/httpd.pid, then removes RUN. Never fails.
bgcw_teardown() {
  local run=$1 pid i
  if [ -d "$run/pfx" ]; then
    WINEPREFIX=$run/pfx timeout -k 5 30 wineserver -k >/dev/null 2>&1
    WINEPREFIX=$run/pfx timeout -k 5 30 wineserver -w >/dev/null 2>&1
  fi
  if [ -f "$run/httpd.pid" ]; then
    pid=$(cat "$run/httpd.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for i in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
      done
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -rf "$run"
}

# bgcw_sweep_stale CACHE: tears down runs left behind by harness processes that are gone
# (killed with SIGKILL, say, so that their trap never ran).
bgcw_sweep_stale() {
  local d pid
  for d in "$1"/runs/run.*; do
    [ -d "$d" ] || continue
    pid=$(cat "$d/owner.pid" 2>/dev/null)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
      bgcw_log "removing stale run $d"
      bgcw_teardown "$d"
    fi
  done
}

# bgcw_run_create CACHE: makes a new run (sets BGCW_RUN, WINEPREFIX and the BGCW_* Unix paths),
# copies the template and starts the prefix's wineserver (persistent until bgcw_teardown).
bgcw_run_create() {
  local cache=$1
  mkdir -p "$cache/runs" || return 1
  bgcw_sweep_stale "$cache"
  BGCW_RUN=$(mktemp -d "$cache/runs/run.XXXXXX") || return 1
  echo $$ >"$BGCW_RUN/owner.pid"
  bgcw_prefix_from_template "$cache" "$BGCW_RUN/pfx" || return 1
  export WINEPREFIX=$BGCW_RUN/pfx
  BGCW_WWW=$WINEPREFIX/drive_c/bgc-www
  BGCW_TEMP=$WINEPREFIX/drive_c/bgc-temp
  BGCW_DATA=$WINEPREFIX/drive_c/bgc-data
  mkdir -p "$BGCW_WWW" "$BGCW_TEMP" "$BGCW_DATA" || return 1
  timeout -k 5 30 wineserver -p || return 1
}

# bgcw_register BIN: registers bgcopy from BIN (bgcopysvc.exe /RegServer) and writes the test
# configuration under HKCU\Software\bgcopy. A BIN without bgcopysvc.exe only gets the
# configuration (harness self-test before the server exists) and a warning.
bgcw_register() {
  local bin=$1 key='HKCU\Software\bgcopy' datadir
  datadir=$(bgcw_wine winepath -w "$BGCW_DATA" 2>/dev/null) || return 1
  bgcw_wine reg add "$key" /v IdleTimeoutMs /t REG_DWORD /d 3000 /f >/dev/null 2>&1 &&
    bgcw_wine reg add "$key" /v RetryDelayFloorS /t REG_DWORD /d 1 /f >/dev/null 2>&1 &&
    bgcw_wine reg add "$key" /v LogLevel /t REG_DWORD /d 4 /f >/dev/null 2>&1 &&
    bgcw_wine reg add "$key" /v DataDir /t REG_SZ /d "$datadir" /f >/dev/null 2>&1 ||
    { bgcw_log "writing $key failed"; return 1; }
  if [ ! -f "$bin/bgcopysvc.exe" ]; then
    bgcw_log "warning: $bin/bgcopysvc.exe not found; bgcopy is not registered"
    return 0
  fi
  # shellcheck disable=SC2086 # BGC_REGSERVER_ARGS is a word list on purpose
  if ! bgcw_wine "$bin/bgcopysvc.exe" ${BGC_REGSERVER_ARGS:-/RegServer} >"$BGCW_RUN/regserver.log" 2>&1; then
    bgcw_log "bgcopysvc.exe ${BGC_REGSERVER_ARGS:-/RegServer} failed:"
    cat "$BGCW_RUN/regserver.log" >&2
    return 1
  fi
}

# bgcw_httpd_start HTTPD MAXSECONDS [extra args]: starts the loopback HTTP test server on an
# ephemeral 127.0.0.1 port serving BGCW_WWW; sets BGCW_HTTP_PORT. Waits at most 15 s for it.
bgcw_httpd_start() {
  local httpd=$1 maxs=$2 i port=
  shift 2
  if [ ! -x "$httpd" ]; then
    bgcw_log "HTTP test server $httpd not found or not executable"
    return 1
  fi
  "$httpd" --port 0 --port-file "$BGCW_RUN/httpd.port" --root "$BGCW_WWW" \
    --max-seconds "$maxs" --parent-pid $$ "$@" >"$BGCW_RUN/httpd.log" 2>&1 </dev/null &
  echo $! >"$BGCW_RUN/httpd.pid"
  for i in $(seq 1 150); do
    if [ -s "$BGCW_RUN/httpd.port" ]; then
      port=$(tr -dc '0-9' <"$BGCW_RUN/httpd.port")
      [ -n "$port" ] && break
    fi
    kill -0 "$(cat "$BGCW_RUN/httpd.pid")" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    bgcw_log "HTTP test server did not start; its log:"
    cat "$BGCW_RUN/httpd.log" >&2
    return 1
  fi
  BGCW_HTTP_PORT=$port
}

# bgcw_print_logs: the tails of the server's and the HTTP server's logs (after a failure).
bgcw_print_logs() {
  local f
  # DataDir, and the default %LOCALAPPDATA%\bgcopy in case the server did not read DataDir.
  for f in "$BGCW_DATA"/*.log "$WINEPREFIX"/drive_c/users/*/AppData/Local/bgcopy/*.log "$BGCW_RUN/httpd.log"; do
    [ -f "$f" ] || continue
    printf '\n----- tail of %s -----\n' "${f#"$BGCW_RUN"/}"
    tail -n "${BGCW_LOG_LINES:-80}" "$f"
  done
}
