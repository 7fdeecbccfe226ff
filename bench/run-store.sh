# shellcheck shell=bash disable=SC2154 # sourced by run.sh, which sets bin, deadline, temp_win ...
# bench/run-store.sh - the issue-4 measures (job persistence, recovery, the CLSID fallback),
# sourced by bench/run.sh when BENCH_STORE=1 (after the other benchmarks) or BENCH_STORE=only
# (instead of them), in the same Wine prefix, HTTP server and bgcopy registration. Not runnable
# on its own. See bench/README.md, "Persistence, recovery and the CLSID fallback (issue 4)".
#
# Uses from run.sh: $bin $BGCW_TEMP $BGCW_DATA $temp_win $BGCW_HTTP_PORT $BGCW_RUN $report
# $deadline and the functions log, settle, field, median, fmt, calc.
#
# Environment (all optional):
#   BENCH_STORE_RUNS=3            runs per client of the churn and notify measures; recoveries
#   BENCH_STORE_CLIENTS="bgcopy platform"
#   BENCH_STORE_JOBS=500          jobs per churn run (CreateJob + AddFile + Cancel each)
#   BENCH_RECOVERY_JOBS=10000     persisted jobs the recovery starts with (0: skip recovery)
#   BENCH_RECOVERY_THREADS=8      client threads creating them
#   BENCH_NOTIFY_STALL_MS=1500    the pause of the notify measure's transfer after the kill
#   BENCH_STORE_TIMEOUT=300       seconds per program run (populate: 3x)
#
# Invariants:
#  1. Every run is bounded by its timeout and by run.sh's BENCH_DEADLINE.
#  2. A run counts only if its program printed RESULT (every call succeeded; the notify
#     measure: bgcopynotify.exe logged JobTransferred for that very job).
#  3. Churn and notify runs take turns (round R rotates the clients by R-1) after settle().
#  4. The recovery runs last: its persisted jobs stay in the prefix (run.sh removes it).
#  5. Whether bgcopy's jobs were durable is read from bgcopysvc.log ("load: job store ...
#     (durable)"), never assumed: until jobs/store.c exists the table says "not durable".

store_runs=${BENCH_STORE_RUNS:-3}
store_clients=${BENCH_STORE_CLIENTS:-bgcopy platform}
store_jobs=${BENCH_STORE_JOBS:-500}
recovery_jobs=${BENCH_RECOVERY_JOBS:-10000}
recovery_threads=${BENCH_RECOVERY_THREADS:-8}
notify_stall=${BENCH_NOTIFY_STALL_MS:-1500}
store_timeout=${BENCH_STORE_TIMEOUT:-300}
store_raw=$BGCW_RUN/bench-store-raw.txt
: >"$store_raw"
store_dir=$BGCW_TEMP/store
mkdir -p "$store_dir"
store_windir="$temp_win\\store"
data_win=$(bgcw_wine winepath -w "$BGCW_DATA" 2>/dev/null)
notify_log_win="$data_win\\bench-notify.log"
svc_log=$BGCW_DATA/bgcopysvc.log

# store_one KIND CLIENT ROUND ARGS...: one program run; appends
#   STORE kind=K client=C round=R status=ok|fail|unsupported <RESULT fields> [reason=..] settle..
store_one() {
  local kind=$1 client=$2 round=$3 limit=$store_timeout left out err rc result prog=bench_store.exe
  shift 3
  [ "$kind" = notify ] && prog=bench_notify.exe
  [ "$kind" = populate ] && limit=$((store_timeout * 3))
  left=$((deadline - SECONDS))
  if [ "$left" -lt 10 ]; then
    echo "STORE kind=$kind client=$client round=$round status=fail reason=skipped-deadline" >>"$store_raw"
    return 1
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  out=$BGCW_RUN/store-out.txt err=$BGCW_RUN/store-err.txt
  if [ "$kind" = populate ]; then SETTLE_INFO=; else settle; fi
  timeout -k 5 "$limit" wine "$bin/$prog" --clsid "$client" "$@" --timeout $((limit > 15 ? limit - 10 : 1)) \
    >"$out" 2>"$err"
  rc=$?
  result=$(tr -d '\r' <"$out" | grep -m1 -E '^(RESULT|UNSUPPORTED) ' | sed -E 's/^(RESULT|UNSUPPORTED) //')
  if [ $rc = 3 ] && grep -q '^UNSUPPORTED ' <(tr -d '\r' <"$out"); then
    echo "STORE kind=$kind client=$client round=$round status=unsupported $result" >>"$store_raw"
    log "store $kind $client #$round: unsupported ($result)"
    return 0
  fi
  if [ $rc != 0 ] || [ -z "$result" ]; then
    echo "STORE kind=$kind client=$client round=$round status=fail reason=exit-$rc $result ${SETTLE_INFO:-}" >>"$store_raw"
    log "store $kind $client #$round: FAILED (exit $rc)"
    tr -d '\r' <"$err" | tail -n 10 | sed 's/^/    /' >&2
    return 1
  fi
  echo "STORE kind=$kind client=$client round=$round status=ok $result ${SETTLE_INFO:-}" >>"$store_raw"
  log "store $kind $client #$round: $result"
}

# bgcopy's limits (MaxJobsPerUser 60, MaxJobsPerMachine 300, registry/README.md) must allow the
# recovery's jobs; Wine's qmgr has none. A running server reads them at its next start.
store_max=$((recovery_jobs > store_jobs ? recovery_jobs : store_jobs))
store_max=$((store_max + 100))
for v in MaxJobsPerUser MaxJobsPerMachine; do
  bgcw_wine reg add 'HKCU\Software\bgcopy' /v "$v" /t REG_DWORD /d "$store_max" /f >/dev/null 2>&1 ||
    log "warning: setting $v failed"
done
# store_server_running: a bgcopysvc.exe of this prefix is running (other prefixes do not count).
store_server_running() {
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qiF -- bgcopysvc.exe || continue
    { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "WINEPREFIX=$WINEPREFIX" && return 0
  done
  return 1
}
for ((i = 0; i < 30; i++)); do
  store_server_running || break
  sleep 1
done

# ---- (a) churn: CreateJob + AddFile + Cancel ----------------------------------------------------
read -r -a store_order <<<"$store_clients"
for ((round = 1; round <= store_runs; round++)); do
  for ((i = 0; i < ${#store_order[@]}; i++)); do
    c=${store_order[(i + round - 1) % ${#store_order[@]}]}
    store_one churn "$c" "$round" --mode churn --jobs "$store_jobs" --dir "$store_windir"
  done
done

# ---- (c) a killed client, JobTransferred through the CLSID -------------------------------------
notify_ok=0
if [ -f "$bin/bgcopynotify.exe" ]; then
  if bgcw_wine "$bin/bgcopynotify.exe" /RegServer /complete /log "$notify_log_win" >/dev/null 2>&1; then
    notify_ok=1
  else
    log "bgcopynotify.exe /RegServer failed: the notify measure is skipped"
  fi
else
  log "$bin/bgcopynotify.exe is missing: the notify measure is skipped"
fi
if [ "$notify_ok" = 1 ]; then
  for ((round = 1; round <= store_runs; round++)); do
    for ((i = 0; i < ${#store_order[@]}; i++)); do
      c=${store_order[(i + round - 1) % ${#store_order[@]}]}
      store_one notify "$c" "$round" --base-url "http://127.0.0.1:$BGCW_HTTP_PORT" --dir "$store_windir" \
        --notify-log "$notify_log_win" --stall-ms "$notify_stall"
    done
  done
fi

# ---- (b) recovery with RECOVERY_JOBS persisted jobs (bgcopy only; invariant 4) -----------------
durable=unknown
if [ "$recovery_jobs" -gt 0 ] && [[ " $store_clients " == *" bgcopy "* ]]; then
  ids_win="$data_win\\bench-recovery-ids.txt"
  if store_one populate bgcopy 1 --mode populate --jobs "$recovery_jobs" --threads "$recovery_threads" \
    --base-url "http://127.0.0.1:$BGCW_HTTP_PORT" --dir "$store_windir" --ids-file "$ids_win"; then
    for ((round = 1; round <= store_runs; round++)); do
      store_one recover bgcopy "$round" --mode recover --ids-file "$ids_win"
      # The server's own view of this start (invariant 5): process start to store loaded, and to
      # the first transfer started, from its log (local time, ms).
      if [ -f "$svc_log" ]; then
        python3 - "$svc_log" >>"$store_raw" <<'EOF' || true
import re, sys
from datetime import datetime
lines = open(sys.argv[1], errors="replace").read().splitlines()
start = max((i for i, l in enumerate(lines) if " starting (" in l and "bgcopysvc" in l), default=None)
if start is not None:
    t = lambda l: datetime.strptime(l[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()
    t0 = t(lines[start])
    load = next((l for l in lines[start:] if "load: job store" in l), None)
    first = next((l for l in lines[start:] if re.search(r"QUEUED -> (CONNECTING|TRANSFERRING)", l)), None)
    jobs = re.search(r"(\d+) non-final job", load).group(1) if load else "-"
    dur = "yes" if load and "(durable)" in load else "no"
    print("STORE kind=serverlog client=bgcopy status=ok load=%s first_start=%s jobs_loaded=%s durable=%s" % (
        "%.3f" % (t(load) - t0) if load else "-", "%.3f" % (t(first) - t0) if first else "-", jobs, dur))
EOF
      fi
    done
  fi
fi
grep -q ' kind=serverlog .*durable=yes' "$store_raw" && durable=yes
grep -q ' kind=serverlog .*durable=no' "$store_raw" && durable=no
if [ "$durable" = unknown ] && [ -f "$svc_log" ]; then
  grep 'load: job store' "$svc_log" | tail -n 1 | grep -q '(durable)' && durable=yes || durable=no
fi

# ---- the table ---------------------------------------------------------------------------------
# smd KIND CLIENT KEY: median of KEY over the good runs; slo / shi: smallest / largest.
smd() { grep " kind=$1 client=$2 " "$store_raw" | grep ' status=ok ' | field "$3" | median; }
slo() { grep " kind=$1 client=$2 " "$store_raw" | grep ' status=ok ' | field "$3" | sort -g | head -n 1; }
shi() { grep " kind=$1 client=$2 " "$store_raw" | grep ' status=ok ' | field "$3" | sort -g | tail -n 1; }
sgood() { grep " kind=$1 client=$2 " "$store_raw" | grep -c ' status=ok '; }
sall() { grep " kind=$1 client=$2 " "$store_raw" | grep -vc ' kind=serverlog '; }
sunsup() { grep " kind=$1 client=$2 " "$store_raw" | grep -q ' status=unsupported '; }
slabel() { case $1 in bgcopy) echo "bgcopy" ;; platform) echo "platform BITS (Wine qmgr)" ;; *) echo "$1" ;; esac; }
{
  echo
  echo "## Persistence, recovery and the CLSID fallback (issue 4)"
  echo
  echo "bgcopy's job store: **$([ "$durable" = yes ] && echo "durable (jobs/store.c, SQLite WAL)" || echo "not durable (jobs in memory only)")**," \
    "as bgcopysvc.log reported at the last start. Wine's qmgr keeps its jobs in memory only."
  echo "$store_runs run(s) per client and measure, interleaved, medians of the good runs."
  echo
  echo "| Measure | Client | Good runs | Median | Min-max | Detail |"
  echo "|---|---|---|---|---|---|"
  for c in $store_clients; do
    v=$(smd churn "$c" jobs_per_s)
    echo "| (a) CreateJob + AddFile + Cancel, jobs/s ($store_jobs jobs per run) | $(slabel "$c") |" \
      "$(sgood churn "$c")/$(sall churn "$c") | $(fmt "$v" %.1f) | $(fmt "$(slo churn "$c" jobs_per_s)" %.1f)-$(fmt "$(shi churn "$c" jobs_per_s)" %.1f) |" \
      "per job: CreateJob $(fmt "$(calc "$(smd churn "$c" create) * 1000 / $store_jobs" 2>/dev/null)" %.2f) ms," \
      "AddFile $(fmt "$(calc "$(smd churn "$c" addfile) * 1000 / $store_jobs" 2>/dev/null)" %.2f) ms," \
      "Cancel $(fmt "$(calc "$(smd churn "$c" cancel) * 1000 / $store_jobs" 2>/dev/null)" %.2f) ms |"
  done
  bg=$(smd churn bgcopy jobs_per_s) pf=$(smd churn platform jobs_per_s)
  if [ -n "$bg" ] && [ -n "$pf" ]; then
    churn_ratio=$(calc "$bg / $pf")
  else
    churn_ratio=
  fi
  if grep -q ' kind=recover ' "$store_raw"; then
    echo "| (b) recovery: kill, restart with $(fmt "$(smd recover bgcopy jobs_after)" %.0f) persisted jobs, until one is TRANSFERRING, s | bgcopy |" \
      "$(sgood recover bgcopy)/$(sall recover bgcopy) | $(fmt "$(smd recover bgcopy seconds)" %.3f) |" \
      "$(fmt "$(slo recover bgcopy seconds)" %.3f)-$(fmt "$(shi recover bgcopy seconds)" %.3f) |" \
      "activation (CoCreateInstance, store load included) $(fmt "$(smd recover bgcopy activation)" %.3f) s;" \
      "server log: start to store loaded $(fmt "$(smd serverlog bgcopy load)" %.3f) s, to first transfer started" \
      "$(fmt "$(smd serverlog bgcopy first_start)" %.3f) s, jobs loaded $(fmt "$(smd serverlog bgcopy jobs_loaded)" %.0f);" \
      "populating took $(fmt "$(smd populate bgcopy seconds)" %.1f) s ($(fmt "$(smd populate bgcopy jobs_per_s)" %.1f) jobs/s, $recovery_threads threads) |"
  fi
  echo "| (b) recovery | platform BITS (Wine qmgr) | - | n/a | - | persists nothing: after a restart it has no jobs to recover |"
  for c in $store_clients; do
    [ "$notify_ok" = 1 ] || break
    if sunsup notify "$c" && [ "$(sgood notify "$c")" = 0 ]; then
      echo "| (c) killed client to JobTransferred through the CLSID, s | $(slabel "$c") | - | unsupported | - |" \
        "$(grep " kind=notify client=$c " "$store_raw" | grep -m1 -o 'reason=[^ ]*') |"
      continue
    fi
    echo "| (c) killed client to JobTransferred through the CLSID, s | $(slabel "$c") |" \
      "$(sgood notify "$c")/$(sall notify "$c") | $(fmt "$(smd notify "$c" kill_to_callback)" %.3f) |" \
      "$(fmt "$(slo notify "$c" kill_to_callback)" %.3f)-$(fmt "$(shi notify "$c" kill_to_callback)" %.3f) |" \
      "of which the transfer's remaining pause (stall ${notify_stall} ms): kill to TRANSFERRED" \
      "$(fmt "$(smd notify "$c" kill_to_transferred)" %.3f) s; TRANSFERRED to the callback logged by bgcopynotify.exe" \
      "$(fmt "$(smd notify "$c" transferred_to_callback)" %.3f) s |"
  done
  echo
  echo "**(a) bgcopy vs platform BITS:** $([ -n "$churn_ratio" ] && echo "$(fmt "$churn_ratio" %.2f)x the jobs/s" || echo "not available") (goal: no slower, i.e. >= 1.00x)."
  echo
  echo "(a): one job after the other, each CreateJob, AddFile (of a URL never fetched) and Cancel, timed from" \
    "the first CreateJob to the last Cancel. (b): bench_store.exe --mode recover kills bgcopysvc.exe" \
    "(TerminateProcess) and the prefix's rpcss.exe (WINE-NOTES.md), then times from the start of CoCreateInstance" \
    "(which starts the server; it loads the store before it serves) until GetState shows TRANSFERRING for one" \
    "of the oldest queued jobs (polled every 5 ms); the jobs are NORMAL, one paced file each, so none" \
    "finishes. (c): bench_notify.exe's child sets a callback object and NOTIFICATION_CLSID = CLSID_BgCopyNotify," \
    "resumes a job whose file the test server pauses for ${notify_stall} ms half-way, and is killed" \
    "(TerminateProcess) during the pause; times from the kill to the JobTransferred line of bgcopynotify.exe's" \
    "log (bgcopynotify.exe /RegServer /complete /log), which it writes after three calls to the job."
  echo
  echo "<details><summary>Raw issue-4 runs</summary>"
  echo
  echo '```'
  cat "$store_raw"
  echo '```'
  echo "</details>"
} >>"$report"
store_ok=1 # read by run.sh
# shellcheck disable=SC2034
for c in $store_clients; do
  grep " kind=churn client=$c " "$store_raw" | grep -q ' status=ok ' || store_ok=0
done
