#!/usr/bin/env bash
# bench/run.sh - the download benchmark: one large loopback download, timed with bare libcurl,
# bgcopy and the platform's BITS (Wine's qmgr), all in one Wine prefix and one session.
# See bench/README.md for what is measured and how to read the table.
#
# Usage: bash bench/run.sh BUILD_ROOT        (cmake/bgcopy-dev.sh bench calls it)
#   BUILD_ROOT/windows       the Windows build tree (bin/bench_*.exe, bin/bgcopysvc.exe ...)
#   BUILD_ROOT/windows/host/bgc-testhttpd, else BUILD_ROOT/native/bin/bgc-testhttpd
# Output: a Markdown report on stdout and in BUILD_ROOT/bench-results.md; progress on stderr.
#
# Environment (all optional):
#   BENCH_SIZE=536870912     bytes per download (512 MiB)
#   BENCH_RUNS=7             runs per client (the table shows medians)
#   BENCH_CLIENTS="curl bgcopy platform native"   which clients; round R runs them in this
#                            order rotated by R-1 (native = Linux's curl outside Wine, reference)
#   BENCH_SETTLE=3           seconds of pause before each run (see invariant 6)
#   BENCH_QUIET_MAX=20       at most this many seconds (beyond BENCH_SETTLE) waiting for a quiet machine
#   BENCH_WARMUP=1           1: bench_curl.exe and bench_bits.exe make a small warm-up request
#                            / job first (see bench/README.md); 0: none
#   BENCH_PRIME=1            1: just before each timed download, write and delete a scratch file
#                            of BENCH_SIZE + 64 MiB next to the destination (invariant 6); 0: don't
#   BENCH_SEED=7             content stream of /gen
#   BENCH_TIMEOUT_CURL=120 BENCH_TIMEOUT_BGCOPY=300 BENCH_TIMEOUT_PLATFORM=300   seconds per run
#   BENCH_DEADLINE=840       seconds for the whole script; runs that would pass it are cut short
#   BENCH_LOGLEVEL=3         bgcopy LogLevel during the benchmark (3 = INFO, the default)
#   BENCH_BITS_ARGS=         extra arguments for bench_bits.exe (e.g. --callback)
#   BENCH_STORE=0            1: afterwards, run the issue-4 measures (bench/run-store.sh: durable job
#                            creation, recovery with 10,000 jobs, killed client to the CLSID); only: just those
#   BENCH_SMALL=0            1: afterwards, run the small-job benchmarks (bench/run-small.sh) in the
#                            same session and add their table; only: run just those
#
# Invariants:
#  1. Every wait is bounded: each run has its own timeout, capped by the time left before
#     BENCH_DEADLINE; setup steps are bounded by tests/wine/wine-env.sh.
#  2. A run counts only if its program printed RESULT (it checked state, sizes and Complete)
#     and the downloaded file's SHA-256 equals the generator's (bench_gen_sha256.exe). Failed
#     runs are listed, never timed.
#  3. Each downloaded file is deleted right after it is checked; at most one is on disk (the
#     priming scratch file of invariant 6 is deleted before the download starts).
#  4. On every exit the prefix's wineserver is killed (with every process of the prefix), the
#     HTTP server is killed by its PID and the run directory with the prefix is removed.
#  5. Nothing here asserts a timing: the exit status is 0 when every requested client has at
#     least one good run, 1 otherwise (2 for usage errors, 125 when setup failed).
#  6. Every run starts in the same conditions: at least BENCH_SETTLE seconds after the previous
#     run's file was deleted, and once the machine was quiet (all CPUs together less than 0.15
#     of a CPU busy over one second) or BENCH_QUIET_MAX more seconds passed; then, with
#     BENCH_PRIME=1, each program (run.sh itself for Linux curl) writes and deletes a scratch
#     file of BENCH_SIZE + 64 MiB just before its interval. On the development VM a file
#     written within about 1.5 s of deleting another large file costs several times less
#     kernel time than one written later (README.md, "Conditions"): without this, a client
#     started sooner after the previous run, or after a shorter activation, would be favoured.
#     The raw line records the wait (settle=), how busy the machine was just before the run
#     (busy=, in CPUs) and the load average.
#  7. Clients take turns: round R runs BENCH_CLIENTS rotated by R-1, so no client always
#     follows the same other one.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)

log() { printf 'bench: %s\n' "$*" >&2; }

[ $# = 1 ] || { sed -n '5,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || { log "no such build root: $1"; exit 2; }
win=$build/windows
bin=$win/bin
httpd=$win/host/bgc-testhttpd
[ -x "$httpd" ] || httpd=$build/native/bin/bgc-testhttpd
report=$build/bench-results.md

size=${BENCH_SIZE:-536870912}
runs=${BENCH_RUNS:-7}
settle=${BENCH_SETTLE:-3}
quiet_max=${BENCH_QUIET_MAX:-20}
warmup=${BENCH_WARMUP:-1}
prime=${BENCH_PRIME:-1}
clients=${BENCH_CLIENTS:-curl bgcopy platform native}
seed=${BENCH_SEED:-7}
deadline=$((SECONDS + ${BENCH_DEADLINE:-840}))
loglevel=${BENCH_LOGLEVEL:-3}
for v in "$size" "$runs" "$seed" "$loglevel" "${BENCH_DEADLINE:-840}" "$settle" "$quiet_max" "$warmup" "$prime"; do
  case $v in '' | *[!0-9]*)
    log "BENCH_SIZE, BENCH_RUNS, BENCH_SEED, BENCH_LOGLEVEL, BENCH_DEADLINE, BENCH_SETTLE, BENCH_QUIET_MAX, BENCH_WARMUP and BENCH_PRIME are numbers"
    exit 2 ;;
  esac
done
for c in $clients; do
  case $c in curl | bgcopy | platform | native) ;; *) log "unknown client '$c' in BENCH_CLIENTS"; exit 2 ;; esac
done
for f in bench_curl.exe bench_bits.exe bench_gen_sha256.exe; do
  [ -f "$bin/$f" ] || { log "$bin/$f is missing: build the Windows tree first (cmake/bgcopy-dev.sh build)"; exit 2; }
done
small=${BENCH_SMALL:-0}
case $small in 0 | 1 | only) ;; *) log "BENCH_SMALL is 0, 1 or only"; exit 2 ;; esac
if [ "$small" != 0 ]; then
  for f in bench_small.exe bench_small_curl.exe; do
    [ -f "$bin/$f" ] || { log "$bin/$f is missing: build the Windows tree first"; exit 2; }
  done
  [ -f "$here/run-small.sh" ] || { log "bench/run-small.sh is missing"; exit 2; }
fi
store=${BENCH_STORE:-0}
case $store in 0 | 1 | only) ;; *) log "BENCH_STORE is 0, 1 or only"; exit 2 ;; esac
if [ "$store" != 0 ]; then
  for f in bench_store.exe bench_notify.exe; do
    [ -f "$bin/$f" ] || { log "$bin/$f is missing: build the Windows tree first"; exit 2; }
  done
  [ -f "$here/run-store.sh" ] || { log "bench/run-store.sh is missing"; exit 2; }
fi
[ "$small" = only ] && clients=
[ "$store" = only ] && clients=
[ -x "$httpd" ] || { log "no HTTP test server (bgc-testhttpd) under $build"; exit 2; }
[ -f "$src/tests/wine/wine-env.sh" ] || { log "tests/wine/wine-env.sh is missing"; exit 2; }

BGCW_NAME=bench
# shellcheck source=../tests/wine/wine-env.sh
. "$src/tests/wine/wine-env.sh"
for fn in bgcw_run_create bgcw_register bgcw_httpd_start bgcw_teardown bgcw_wine; do
  declare -F "$fn" >/dev/null || { log "tests/wine/wine-env.sh does not define $fn"; exit 2; }
done

# sha256 FILE: lowercase hex digest (openssl uses the CPU's SHA instructions; sha256sum as fallback).
sha256() {
  if command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" 2>/dev/null | cut -d' ' -f1
  else
    sha256sum "$1" | cut -d' ' -f1
  fi
}

BGCW_RUN=
rc_final=125
# shellcheck disable=SC2317 # called through trap
on_exit() {
  trap - EXIT INT TERM HUP
  [ -n "$BGCW_RUN" ] && bgcw_teardown "$BGCW_RUN"
  exit "$rc_final"
}
trap on_exit EXIT
trap 'rc_final=130; exit' INT
trap 'rc_final=143; exit' TERM
trap 'rc_final=129; exit' HUP

# ---- setup: prefix, HTTP server, bgcopy registration -----------------------------------------
t_setup=$SECONDS
bgcw_run_create "$win/wine-cache" || { log "could not create the Wine prefix"; exit 125; }
bgcw_httpd_start "$httpd" $((deadline - SECONDS + 120)) || exit 125
have_bgcopy=0
if [ -f "$bin/bgcopysvc.exe" ]; then
  bgcw_register "$bin" || { log "registering bgcopy failed"; exit 125; }
  # wine-env.sh configures the test setup (LogLevel TRACE); benchmark what users run.
  bgcw_wine reg add 'HKCU\Software\bgcopy' /v LogLevel /t REG_DWORD /d "$loglevel" /f >/dev/null 2>&1 ||
    { log "setting LogLevel failed"; exit 125; }
  have_bgcopy=1
else
  log "warning: $bin/bgcopysvc.exe not built; the bgcopy runs will be reported as missing"
fi
temp_win=$(bgcw_wine winepath -w "$BGCW_TEMP" 2>/dev/null) || { log "winepath failed"; exit 125; }
raw=$BGCW_RUN/bench-raw.txt
: >"$raw"
log "setup took $((SECONDS - t_setup)) s; HTTP server on 127.0.0.1:$BGCW_HTTP_PORT"

expect=$(bgcw_wine "$bin/bench_gen_sha256.exe" --seed "$seed" --size "$size" 2>/dev/null |
  tr -d '\r' | sed -n 's/^EXPECT sha256=\([0-9a-f]*\) .*/\1/p')
[ ${#expect} = 64 ] || { log "bench_gen_sha256.exe failed"; exit 125; }

# ---- conditions before each run (invariant 6) ----------------------------------------------
# cpu_sample: "busy total" jiffies of all CPUs together, from /proc/stat.
cpu_sample() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
ncpu=$(nproc)
# settle: waits BENCH_SETTLE seconds, then until one quiet second (at most BENCH_QUIET_MAX more);
# sets SETTLE_INFO to "settle=<s> busy=<CPUs over the last second> load=<1-min load average>".
settle() {
  local waited=0 b0 t0 b1 t1 busy=0
  while :; do
    read -r b0 t0 < <(cpu_sample)
    sleep 1
    read -r b1 t1 < <(cpu_sample)
    waited=$((waited + 1))
    busy=$(LC_ALL=C awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v n="$ncpu" 'BEGIN { printf "%.2f", t ? n * b / t : 0 }')
    [ "$waited" -lt "$settle" ] && continue
    LC_ALL=C awk -v x="$busy" 'BEGIN { exit !(x < 0.15) }' && break
    [ "$waited" -ge $((settle + quiet_max)) ] && break
    [ $((deadline - SECONDS)) -lt 30 ] && break
  done
  SETTLE_INFO="settle=$waited busy=$busy load=$(cut -d' ' -f1 /proc/loadavg)"
}

# ---- one run ------------------------------------------------------------------------------
# run_one CLIENT ROUND: runs one download, checks it, appends one line to $raw:
#   RUN client=C round=R status=ok|fail <the program's RESULT fields> [reason=...]
run_one() {
  local client=$1 round=$2 name limit left out err rc result reason=
  name=$client-$round.bin
  local file=$BGCW_TEMP/$name winfile="$temp_win\\$name"
  local url="http://127.0.0.1:$BGCW_HTTP_PORT/gen/$size/$name?seed=$seed"
  local extra=() prime_bytes=$((size + 67108864))
  [ "$warmup" = 1 ] && extra=(--warmup-url "http://127.0.0.1:$BGCW_HTTP_PORT/gen/65536/warmup?seed=$seed")
  [ "$prime" = 1 ] && extra+=(--prime "$prime_bytes")
  case $client in
    curl) limit=${BENCH_TIMEOUT_CURL:-120} ;;
    bgcopy) limit=${BENCH_TIMEOUT_BGCOPY:-300} ;;
    platform) limit=${BENCH_TIMEOUT_PLATFORM:-300} ;;
    native) limit=${BENCH_TIMEOUT_CURL:-120} ;;
  esac
  left=$((deadline - SECONDS))
  if [ "$left" -lt 10 ]; then
    echo "RUN client=$client round=$round status=fail reason=skipped-deadline" >>"$raw"
    log "$client #$round: skipped (BENCH_DEADLINE reached)"
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  out=$BGCW_RUN/out.txt err=$BGCW_RUN/err.txt
  rm -f "$file"
  settle
  case $client in
    curl)
      timeout -k 5 "$limit" wine "$bin/bench_curl.exe" --url "$url" --out "$winfile" --expect-size "$size" \
        "${extra[@]}" >"$out" 2>"$err"
      rc=$? ;;
    bgcopy | platform)
      if [ "$client" = bgcopy ] && [ $have_bgcopy = 0 ]; then
        echo "RUN client=$client round=$round status=fail reason=bgcopysvc.exe-not-built" >>"$raw"
        return
      fi
      # shellcheck disable=SC2086 # BENCH_BITS_ARGS is a word list on purpose
      timeout -k 5 "$limit" wine "$bin/bench_bits.exe" --clsid "$client" --url "$url" --out "$winfile" \
        --expect-size "$size" --timeout $((limit > 15 ? limit - 10 : limit > 3 ? limit - 2 : 1)) "${extra[@]}" ${BENCH_BITS_ARGS:-} \
        >"$out" 2>"$err"
      rc=$? ;;
    native)
      # Linux's curl outside Wine: what the loopback and the disk allow (reference only).
      TIMEFORMAT='%U %S'
      if [ "$prime" = 1 ]; then # invariant 6, as the Windows programs do it
        dd if=/dev/zero of="$file.prime" bs=1M count=$((prime_bytes / 1048576)) status=none
        rm -f "$file.prime"
      fi
      { time timeout -k 5 "$limit" curl -sS --fail --noproxy '*' -o "$file" -w '%{time_total}' "$url" \
        >"$out.secs" 2>"$err"; } 2>"$out.times"
      rc=$?
      : >"$out"
      if [ $rc = 0 ]; then
        printf 'RESULT name=native bytes=%s seconds=%s cpu=%s\n' "$(stat -c %s "$file")" "$(cat "$out.secs")" \
          "$(awk '{ print $1 + $2 }' "$out.times")" >"$out"
      fi ;;
  esac
  result=$(tr -d '\r' <"$out" | grep -m1 '^RESULT ' | sed 's/^RESULT //')
  # --callback adds "CALLBACK transferred=N errors=M": keep it as callback_* fields.
  [ -n "$result" ] && result="$result$(tr -d '\r' <"$out" | grep -m1 '^CALLBACK ' |
    sed 's/^CALLBACK / /; s/ \([a-z_]*\)=/ callback_\1=/g')"
  if [ $rc != 0 ] || [ -z "$result" ]; then
    if [ $rc = 124 ] || [ $rc = 137 ]; then reason=timeout-${limit}s; else reason=exit-$rc; fi
  elif [ "$(sha256 "$file")" != "$expect" ]; then
    reason=sha256-mismatch
  fi
  rm -f "$file"
  if [ -n "$reason" ]; then
    echo "RUN client=$client round=$round status=fail reason=$reason $result $SETTLE_INFO" >>"$raw"
    log "$client #$round: FAILED ($reason)"
    sed 's/^/    /' "$err" | tr -d '\r' | tail -n 20 >&2
    if [ "$client" = bgcopy ]; then bgcw_print_logs >&2 2>/dev/null; fi
  else
    echo "RUN client=$client round=$round status=ok $result sha256=ok $SETTLE_INFO" >>"$raw"
    log "$client #$round: $result"
  fi
}

read -r -a order <<<"$clients"
for ((round = 1; round <= runs; round++)); do
  for ((i = 0; i < ${#order[@]}; i++)); do # invariant 7: rotated by round - 1
    run_one "${order[(i + round - 1) % ${#order[@]}]}" "$round"
  done
done

# ---- report -------------------------------------------------------------------------------
# field KEY: the values of KEY= in the lines on stdin, one per line.
field() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { n = index($i, "="); if (substr($i, 1, n - 1) == k) print substr($i, n + 1) } }'; }
# median: the median of the numbers on stdin ("" when there are none).
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) printf "%.6f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# med CLIENT KEY: median of KEY over the good runs of CLIENT; lo / hi: the smallest / largest.
med() { grep " client=$1 " "$raw" | grep ' status=ok ' | field "$2" | median; }
lo() { grep " client=$1 " "$raw" | grep ' status=ok ' | field "$2" | sort -g | head -n 1; }
hi() { grep " client=$1 " "$raw" | grep ' status=ok ' | field "$2" | sort -g | tail -n 1; }
# fmt VALUE FORMAT: printf FORMAT VALUE, or "-" when VALUE is empty.
# shellcheck disable=SC2059 # the format is the argument on purpose
fmt() { if [ -n "$1" ]; then LC_ALL=C printf "$2" "$1"; else printf -- '-'; fi; }
calc() { LC_ALL=C awk "BEGIN { printf \"%.6f\", $1 }"; }

label() {
  case $1 in
    curl) echo "bare libcurl (bench_curl.exe)" ;;
    bgcopy) echo "bgcopy (bench_bits.exe --clsid bgcopy)" ;;
    platform) echo "platform BITS (bench_bits.exe --clsid platform)" ;;
    native) echo "Linux curl, outside Wine (reference)" ;;
  esac
}

curl_s=$(med curl seconds)
gb=$(calc "$size / 1e9")
{
  echo "# bgcopy download benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(wine --version 2>/dev/null), $(nproc) CPUs" \
    "($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1))," \
    "bgcopy $(git -C "$src" describe --always --dirty 2>/dev/null || echo '?')."
  echo "One download of $size bytes ($(fmt "$(calc "$size / 1048576")" %.1f) MiB, /gen content, seed $seed) from a loopback" \
    "HTTP server, $runs run(s) per client, interleaved (order rotated each round), each after a pause of at" \
    "least $settle s and a quiet second; warm-up request/job: $([ "$warmup" = 1 ] && echo yes || echo no);" \
    "file system cache primed before each download: $([ "$prime" = 1 ] && echo yes || echo no)." \
    "Medians of the good runs. MB = 10^6 bytes, GB = 10^9 bytes. Every good run's file matched the" \
    "generator's SHA-256. Load average during the runs: $(grep '^RUN ' "$raw" | field load | sort -g | head -n 1)" \
    "to $(grep '^RUN ' "$raw" | field load | sort -g | tail -n 1)."
  echo
  echo "| Client | Good runs | Median s | Min-max s | MB/s | vs bare libcurl | Client CPU s/GB | Server CPU s/GB | wineserver CPU s/GB | Activation s |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for c in $clients; do
    n_ok=$(grep " client=$c " "$raw" | grep -c ' status=ok ')
    n_all=$(grep -c " client=$c " "$raw")
    s=$(med "$c" seconds)
    mbs='' ratio='' cpu='' srv='' ws='' act=''
    if [ -n "$s" ]; then
      mbs=$(calc "$size / 1e6 / $s")
      [ -n "$curl_s" ] && ratio=$(calc "$curl_s / $s")
      cpu=$(calc "$(med "$c" cpu) / $gb")
      [ -n "$(med "$c" server_cpu)" ] && srv=$(calc "$(med "$c" server_cpu) / $gb")
      [ -n "$(med "$c" wineserver_cpu)" ] && ws=$(calc "$(med "$c" wineserver_cpu) / $gb")
      act=$(med "$c" activation)
    fi
    echo "| $(label "$c") | $n_ok/$n_all | $(fmt "$s" %.3f) | $(fmt "$(lo "$c" seconds)" %.3f)-$(fmt "$(hi "$c" seconds)" %.3f) |" \
      "$(fmt "$mbs" %.1f) | $(fmt "$ratio" %.2fx) |" \
      "$(fmt "$cpu" %.2f) | $(fmt "$srv" %.2f) | $(fmt "$ws" %.2f) | $(fmt "$act" %.3f) |"
  done
  echo
  bg_s=$(med bgcopy seconds) pf_s=$(med platform seconds)
  if [ -n "$bg_s" ] && [ -n "$pf_s" ]; then
    echo "**bgcopy vs platform BITS:** $(fmt "$(calc "$pf_s / $bg_s")" %.2f)x the throughput" \
      "(median $(fmt "$bg_s" %.3f) s vs $(fmt "$pf_s" %.3f) s)."
  else
    echo "**bgcopy vs platform BITS:** not available (a client had no good run)."
  fi
  if [ -n "$bg_s" ] && [ -n "$curl_s" ]; then
    echo "**bgcopy vs bare libcurl:** $(fmt "$(calc "$curl_s / $bg_s")" %.2f)x the throughput."
  fi
  echo
  echo "Seconds, the same interval for every client: from the start of the request to the file fully" \
    "written and closed. bare libcurl: CreateFile(CREATE_NEW) + curl_easy_perform + CloseHandle; BITS" \
    "clients: Resume to the GetState that returns TRANSFERRED (polled every 20 ms, every 1 ms once the" \
    "last bytes are due; cold COM activation excluded, shown as Activation; Complete excluded, in the raw" \
    "lines as complete=); Linux curl: its time_total. CPU per GB: client = the benchmark process; server =" \
    "bgcopysvc.exe or Wine's \`svchost.exe -k netsvcs\` (qmgr); wineserver = the prefix's wineserver, which" \
    "does part of Wine's socket and file work; all over the same interval."
  echo
  echo "<details><summary>Raw runs</summary>"
  echo
  echo '```'
  cat "$raw"
  echo '```'
  echo "</details>"
} >"$report.new"
[ "$small" = only ] && echo "# bgcopy small-job benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(wine --version 2>/dev/null))" >"$report.new"
[ "$store" = only ] && [ "$small" != only ] &&
  echo "# bgcopy issue-4 measures ($(date -u '+%Y-%m-%d %H:%M UTC'), $(wine --version 2>/dev/null))" >"$report.new"
mv "$report.new" "$report"
small_ok=1
if [ "$small" != 0 ]; then
  # shellcheck source=run-small.sh
  . "$here/run-small.sh"
fi
store_ok=1
if [ "$store" != 0 ]; then
  # shellcheck source=run-store.sh
  . "$here/run-store.sh"
fi
cat "$report"

rc_final=0
for c in $clients; do
  grep " client=$c " "$raw" | grep -q ' status=ok ' || rc_final=1
done
[ "$small_ok" = 1 ] || rc_final=1
[ "$store_ok" = 1 ] || rc_final=1
exit "$rc_final"
