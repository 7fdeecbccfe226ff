# shellcheck shell=bash disable=SC2154 # sourced by run.sh, which sets bin, deadline, temp_win ...
# bench/run-small.sh - the small-job benchmarks (issue 3), sourced by bench/run.sh when
# BENCH_SMALL=1 (after the 512 MiB benchmark) or BENCH_SMALL=only (instead of it), in the same
# Wine prefix, HTTP server and bgcopy registration. Not runnable on its own.
# See bench/README.md, "Small jobs".
#
# Uses from run.sh: $bin $BGCW_TEMP $temp_win $BGCW_HTTP_PORT $BGCW_RUN $report $deadline
# and the functions log, settle, field, median, fmt, calc.
#
# Environment (all optional):
#   BENCH_SMALL_RUNS=3          runs per client and file set (medians)
#   BENCH_SMALL_CLIENTS="curl bgcopy bgcopy-normal platform"
#   BENCH_SMALL_SETS="200x5 1000x1"   JOBSxFILES, files of BENCH_SMALL_SIZE bytes
#   BENCH_SMALL_SIZE=65536
#   BENCH_SMALL_CONNS=16        bench_small_curl.exe's connection / transfer cap
#   BENCH_SMALL_TIMEOUT=120     seconds per run; BENCH_SMALL_TIMEOUT_PLATFORM=120
#   BENCH_SMALL_ARGS=           extra bench_small.exe arguments (e.g. --poll)
#   BENCH_SMALL_FALLBACK_JOBS=50  when Wine's BITS cannot finish a set in time, it is measured
#                               again with this many jobs (the table says so)
#
# Invariants:
#  1. Every run is bounded by its timeout and by run.sh's BENCH_DEADLINE.
#  2. A run counts only if its program printed RESULT: every job TRANSFERRED and Completed, every
#     file of the right size and content (the programs check each file against the generator).
#  3. Clients take turns (round R rotates the client list by R-1) and each run starts after
#     run.sh's settle(): the same conditions for all.
#  4. Peak server memory: before a bgcopy / platform run, VmHWM of the server process (if one
#     is running) is reset through /proc/PID/clear_refs; after the run it is read from
#     /proc/PID/status (bgcopysvc.exe, or Wine's svchost.exe -k netsvcs hosting qmgr).
#  5. After a failed bgcopy run, every job of the user is cancelled (bench_small.exe
#     --cancel-all), so the jobs a killed client left behind do not fail the next run
#     (MaxJobsPerUser).

small_runs=${BENCH_SMALL_RUNS:-3}
small_clients=${BENCH_SMALL_CLIENTS:-curl bgcopy bgcopy-normal platform}
small_sets=${BENCH_SMALL_SETS:-200x5 1000x1}
small_size=${BENCH_SMALL_SIZE:-65536}
small_conns=${BENCH_SMALL_CONNS:-16}
small_timeout=${BENCH_SMALL_TIMEOUT:-120}
small_timeout_pf=${BENCH_SMALL_TIMEOUT_PLATFORM:-120}
small_fallback=${BENCH_SMALL_FALLBACK_JOBS:-50}
small_raw=$BGCW_RUN/bench-small-raw.txt
: >"$small_raw"
small_dir=$BGCW_TEMP/small
mkdir -p "$small_dir"
small_windir="$temp_win\\small"

# server_pids CLIENT: PIDs of this prefix's server processes for CLIENT (bgcopy*, platform).
server_pids() {
  local needle p
  case $1 in bgcopy*) needle=bgcopysvc.exe ;; platform) needle='svchost.exe -k netsvcs' ;; *) return ;; esac
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qiF -- "$needle" || continue
    { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "WINEPREFIX=$WINEPREFIX" || continue
    echo "${p#/proc/}"
  done
}
# hwm_kib CLIENT: the largest VmHWM (KiB) of CLIENT's server processes, or nothing.
hwm_kib() {
  local p m='' v
  for p in $(server_pids "$1"); do
    v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status" 2>/dev/null)
    [ -n "$v" ] && { [ -z "$m" ] || [ "$v" -gt "$m" ]; } && m=$v
  done
  echo "$m"
}

# small_one CLIENT SET ROUND [JOBS]: one run; appends a line to $small_raw:
#   SMALL set=S client=C round=R status=ok|fail <RESULT fields> [hwm_kib=..] [reason=..]
# Returns 3 when the run timed out.
small_one() {
  local i client=$1 set=$2 round=$3 jobs=${4:-${2%x*}} files=${2#*x} limit left out err rc result reason='' hwm='' p
  local seed_base=$(( ${set%x*} * 100 + ${set#*x} * 100000 ))
  limit=$small_timeout
  [ "$client" = platform ] && limit=$small_timeout_pf
  left=$((deadline - SECONDS))
  if [ "$left" -lt 10 ]; then
    echo "SMALL set=$set client=$client round=$round status=fail reason=skipped-deadline" >>"$small_raw"
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  out=$BGCW_RUN/small-out.txt err=$BGCW_RUN/small-err.txt
  settle
  for p in $(server_pids "$client"); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null; done
  local common=(--base-url "http://127.0.0.1:$BGCW_HTTP_PORT" --dir "$small_windir" --jobs "$jobs"
    --files "$files" --size "$small_size" --seed-base "$seed_base"
    --warmup-url "http://127.0.0.1:$BGCW_HTTP_PORT/gen/65536/warmup?seed=1")
  # shellcheck disable=SC2086 # BENCH_SMALL_ARGS is a word list on purpose
  case $client in
    curl) timeout -k 5 "$limit" wine "$bin/bench_small_curl.exe" "${common[@]}" --max-conns "$small_conns" \
      --timeout $((limit > 5 ? limit - 3 : 1)) >"$out" 2>"$err" ;;
    bgcopy) timeout -k 5 "$limit" wine "$bin/bench_small.exe" --clsid bgcopy "${common[@]}" ${BENCH_SMALL_ARGS:-} \
      --timeout $((limit > 5 ? limit - 3 : 1)) >"$out" 2>"$err" ;;
    bgcopy-normal) timeout -k 5 "$limit" wine "$bin/bench_small.exe" --clsid bgcopy --priority normal \
      "${common[@]}" ${BENCH_SMALL_ARGS:-} --timeout $((limit > 5 ? limit - 3 : 1)) >"$out" 2>"$err" ;;
    platform) timeout -k 5 "$limit" wine "$bin/bench_small.exe" --clsid platform "${common[@]}" ${BENCH_SMALL_ARGS:-} \
      --timeout $((limit > 15 ? limit - 10 : 1)) >"$out" 2>"$err" ;;
  esac
  rc=$?
  hwm=$(hwm_kib "$client")
  result=$(tr -d '\r' <"$out" | grep -m1 '^RESULT ' | sed 's/^RESULT //')
  if [ $rc != 0 ] || [ -z "$result" ]; then
    if [ $rc = 124 ] || [ $rc = 137 ] || grep -q 'not TRANSFERRED after' "$err"; then reason=timeout-${limit}s; else reason=exit-$rc; fi
    echo "SMALL set=$set client=$client round=$round status=fail reason=$reason $result ${hwm:+hwm_kib=$hwm} $SETTLE_INFO" >>"$small_raw"
    log "small $set $client #$round: FAILED ($reason)"
    tr -d '\r' <"$err" | tail -n 10 | sed 's/^/    /' >&2
    # the programs delete their files; a killed one may not have
    rm -f "$small_dir"/s*.bin
    # A killed client leaves its jobs in bgcopy's server, where they would count against
    # MaxJobsPerUser in the next run: cancel them. (Killing the server instead leaves its
    # class registration behind under Wine: the next activation fails with 0x800706ba.)
    case $client in
      bgcopy*)
        timeout -k 5 60 wine "$bin/bench_small.exe" --clsid bgcopy --cancel-all 2>&1 | tr -d '\r' |
          sed 's/^/    cleanup: /' >&2 ;;
    esac
    case $reason in timeout-*) return 3 ;; esac
    return 0
  fi
  echo "SMALL set=$set client=$client round=$round status=ok $result ${hwm:+hwm_kib=$hwm} $SETTLE_INFO" >>"$small_raw"
  log "small $set $client #$round: $result ${hwm:+hwm_kib=$hwm}"
}

# bgcopy enforces BITS's MaxJobsPerUser (60) and MaxJobsPerMachine (300) policy defaults
# (registry/README.md); Wine's qmgr enforces none. Raise both above the largest set (+ the
# warm-up job), then wait for a running server to exit (IdleTimeoutMs) so the next activation
# reads them.
small_max=0
for set in $small_sets; do [ "${set%x*}" -gt "$small_max" ] 2>/dev/null && small_max=${set%x*}; done
small_max=$((small_max + 10))
for v in MaxJobsPerUser MaxJobsPerMachine; do
  bgcw_wine reg add 'HKCU\Software\bgcopy' /v "$v" /t REG_DWORD /d "$small_max" /f >/dev/null 2>&1 ||
    log "warning: setting $v failed; bgcopy runs over 60 jobs will fail"
done
for ((i = 0; i < 30; i++)); do [ -z "$(server_pids bgcopy)" ] && break; sleep 1; done

read -r -a small_order <<<"$small_clients"
declare -A small_jobs_for=()   # "set client" -> jobs actually used (fallback for platform)
for set in $small_sets; do
  case $set in *[!0-9x]* | x* | *x) log "bad BENCH_SMALL_SETS entry '$set'"; continue ;; esac
  for ((round = 1; round <= small_runs; round++)); do
    for ((i = 0; i < ${#small_order[@]}; i++)); do
      c=${small_order[(i + round - 1) % ${#small_order[@]}]}
      j=${small_jobs_for["$set $c"]:-${set%x*}}
      small_one "$c" "$set" "$round" "$j"
      if [ $? = 3 ] && [ "$c" = platform ] && [ "$j" -gt "$small_fallback" ]; then
        # Invariant 1 / issue 3: Wine's BITS could not finish; measure a smaller count instead.
        log "small $set platform: no result within the timeout; measuring $small_fallback jobs instead"
        small_jobs_for["$set $c"]=$small_fallback
        small_one "$c" "$set" "$round" "$small_fallback"
      fi
    done
  done
done

# ---- the table -----------------------------------------------------------------------------
# smed SET CLIENT KEY: median of KEY over the good runs.
smed() { grep " set=$1 client=$2 " "$small_raw" | grep ' status=ok ' | field "$3" | median; }
slabel() {
  case $1 in
    curl) echo "bare libcurl multi ($small_conns conns)" ;;
    bgcopy) echo "bgcopy, FOREGROUND" ;;
    bgcopy-normal) echo "bgcopy, NORMAL" ;;
    platform) echo "platform BITS (Wine qmgr), FOREGROUND" ;;
  esac
}
{
  echo
  echo "## Small jobs"
  echo
  echo "Files of $small_size bytes (/gen, a distinct seed per file) from the loopback server; sets JOBSxFILES;" \
    "$small_runs run(s) per client and set, interleaved, medians of the good runs. bgcopy / platform:" \
    "\`bench_small.exe\` (CreateJob + SetPriority + one AddFileSet + callback per job; Resume all; wait for" \
    "every JobTransferred, confirmed by GetState; Complete all). bare libcurl: \`bench_small_curl.exe\`, one" \
    "multi handle, at most $small_conns transfers/connections at a time. Every file's size and content were checked."
  echo
  echo "| Set | Client | Good runs | Jobs | Files | Seconds (all) | Jobs/s | Files/s | Transfer s | Transfer jobs/s | Client CPU s | Server CPU s | wineserver CPU s | Server peak MiB | vs bare libcurl | vs platform BITS |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for set in $small_sets; do
    curl_fps=
    cs=$(smed "$set" curl seconds)
    [ -n "$cs" ] && curl_fps=$(calc "$(smed "$set" curl files) / $cs")
    pf_jps=
    ps=$(smed "$set" platform seconds)
    [ -n "$ps" ] && pf_jps=$(calc "$(smed "$set" platform jobs) / $ps")
    for c in $small_clients; do
      n_ok=$(grep " set=$set client=$c " "$small_raw" | grep -c ' status=ok ')
      n_all=$(grep -c " set=$set client=$c " "$small_raw")
      s=$(smed "$set" "$c" seconds)
      jobs='' files='' jps='' fps='' ts='' tjps='' cpu='' srv='' ws='' hw='' r1='' r2=''
      if [ -n "$s" ]; then
        jobs=$(smed "$set" "$c" jobs) files=$(smed "$set" "$c" files)
        jps=$(calc "$jobs / $s") fps=$(calc "$files / $s")
        ts=$(smed "$set" "$c" transfer)
        tjps=$(calc "$jobs / $ts")
        cpu=$(smed "$set" "$c" cpu) srv=$(smed "$set" "$c" server_cpu) ws=$(smed "$set" "$c" wineserver_cpu)
        hw=$(smed "$set" "$c" hwm_kib)
        [ -n "$hw" ] && hw=$(calc "$hw / 1024")
        [ -n "$curl_fps" ] && r1=$(calc "$fps / $curl_fps")
        [ -n "$pf_jps" ] && r2=$(calc "$jps / $pf_jps")
      fi
      echo "| $set | $(slabel "$c") | $n_ok/$n_all | $(fmt "$jobs" %.0f) | $(fmt "$files" %.0f) | $(fmt "$s" %.3f) |" \
        "$(fmt "$jps" %.1f) | $(fmt "$fps" %.1f) | $(fmt "$ts" %.3f) | $(fmt "$tjps" %.1f) | $(fmt "$cpu" %.2f) |" \
        "$(fmt "$srv" %.2f) | $(fmt "$ws" %.2f) | $(fmt "$hw" %.1f) | $(fmt "$r1" %.2fx) | $(fmt "$r2" %.1fx) |"
    done
  done
  echo
  echo "Seconds (all): BITS clients from the first CreateJob to the last Complete returned (create + transfer +" \
    "complete; cold activation excluded); bare libcurl: from the first transfer added to the last file closed." \
    "Transfer s: BITS clients from the first Resume to the GetState sweep that found every job TRANSFERRED." \
    "vs bare libcurl: files/s relative to bench_small_curl.exe (goal >= 0.9x); vs platform BITS: jobs/s" \
    "relative to Wine's qmgr in the same set (goal >= 10x). When the platform's row shows fewer jobs than the set," \
    "it could not finish the full set within its timeout and the smaller count was measured instead."
  echo
  echo "Where a BITS client's time goes: mean microseconds per call (medians over the good runs), and the"
  echo "server's per-call floor (GetState of a completed job, 1000 times after the timed phases: a"
  echo "cross-process COM call that does no work). Ceiling = 1e6 / (floor x 8): the jobs/s that this"
  echo "client, with its 7 calls per job plus one GetState, could reach against a server whose every"
  echo "call cost only the floor."
  echo
  echo "| Set | Client | CreateJob | SetPriority | AddFileSet | SetNotifyFlags | SetNotifyInterface | Resume | Complete | floor | ceiling jobs/s |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for set in $small_sets; do
    for c in $small_clients; do
      [ "$c" = curl ] && continue
      fl=$(smed "$set" "$c" us_floor)
      ceil=
      [ -n "$fl" ] && ceil=$(calc "1000000 / ($fl * 8)")
      echo "| $set | $(slabel "$c") | $(fmt "$(smed "$set" "$c" us_create_job)" %.0f) |" \
        "$(fmt "$(smed "$set" "$c" us_set_priority)" %.0f) | $(fmt "$(smed "$set" "$c" us_add_file_set)" %.0f) |" \
        "$(fmt "$(smed "$set" "$c" us_set_notify_flags)" %.0f) | $(fmt "$(smed "$set" "$c" us_set_notify_interface)" %.0f) |" \
        "$(fmt "$(smed "$set" "$c" us_resume)" %.0f) | $(fmt "$(smed "$set" "$c" us_complete)" %.0f) |" \
        "$(fmt "$fl" %.0f) | $(fmt "$ceil" %.0f) |"
    done
  done
  echo
  echo "<details><summary>Raw small-job runs</summary>"
  echo
  echo '```'
  cat "$small_raw"
  echo '```'
  echo "</details>"
} >>"$report"
small_ok=1 # read by run.sh
# shellcheck disable=SC2034
for set in $small_sets; do
  for c in $small_clients; do
    grep " set=$set client=$c " "$small_raw" | grep -q ' status=ok ' || small_ok=0
  done
done
