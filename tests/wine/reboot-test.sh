#!/usr/bin/env bash
# reboot-test.sh - the simulated reboot (issue 4 item 5): a job transferring a paced file, the
# whole prefix stopped (`wineserver -k`, a power cut: every process of the prefix dies, the
# server included, without any shutdown), then the prefix booted and "logged on" again; with
# the per-user autostart or the service registered, the job finishes with no client and its
# notify command line runs.
#
# Usage (CTest runs it through wine-run.sh --shell, which gives it a prefix with bgcopy
# registered, the HTTP test server and WINEPREFIX/BGC_* in the environment):
#   wine-run.sh --bin B --httpd H --cache C --shell reboot-test.sh MODE REBOOT_CLIENT.exe
#     MODE   autostart | service
#
# Steps:
#   1. wine reboot_client.exe start MODE   (registers MODE, starts the job, exits mid-transfer)
#   2. wineserver -k; wineserver -w        (the power cut)
#   3. wine reboot_client.exe verify MODE  in the background: the first process of the new
#      session (Wine then runs `wineboot --init`, and services.exe starts the auto-start
#      services: the service mode's restart); it also keeps the session alive, as a logged-on
#      user would (WINE-NOTES.md: services stop with the session), and makes no COM call
#      until the notification has arrived.
#   4. wineboot (no option): the "logon". Measured with Wine 8.0: the implicit
#      `wineboot --init` of a prefix start does not run the Run keys, `wineboot -r` does not
#      either, and a plain `wineboot` runs HKLM and HKCU ...\CurrentVersion\Run (without
#      waiting for the programs): so this step is what starts `bgcopysvc.exe /autostart`.
#   5. wait for step 3's result; check in the HTTP server's request log (GET /_log) that the
#      last request for the file resumed it with a Range request (bytes=N-, N > 0).
# Every step is bounded by `timeout`. Exit status: 0 when all passed, else non-zero.
set -uo pipefail

mode=${1:-}
client=${2:-}
case $mode in autostart | service) ;; *) echo "usage: $0 autostart|service REBOOT_CLIENT.exe" >&2; exit 2 ;; esac
[ -f "$client" ] || { echo "reboot-test.sh: $client not found" >&2; exit 2; }
: "${WINEPREFIX:?run through wine-run.sh --shell}"
log() { printf 'reboot-test.sh: %s\n' "$*" >&2; }

log "step 1: start a job ($mode)"
timeout -k 5 180 wine "$client" start "$mode" || { log "start phase failed"; exit 1; }

log "step 2: power cut (wineserver -k)"
timeout -k 5 30 wineserver -k
timeout -k 5 60 wineserver -w

log "step 3: boot (session kept by reboot_client.exe verify)"
timeout -k 5 240 wine "$client" verify "$mode" &
verify_pid=$!
sleep 2

log "step 4: logon (wineboot runs the Run keys)"
timeout -k 5 120 wineboot >/dev/null 2>&1 || log "warning: wineboot exited with $?"

wait "$verify_pid"
rc=$?
if [ $rc != 0 ]; then
  log "verify phase failed (exit $rc)"
  exit 1
fi

log "step 5: the transfer resumed with a Range request after the restart"
# The HTTP server's request log (GET /_log): "<n> GET /gen/... range=<Range or -> status=..."
fetch() {
  if command -v curl >/dev/null; then
    curl -s --max-time 20 "$1"
  else
    timeout -k 5 30 python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode())' "$1"
  fi
}
last=$(fetch "http://127.0.0.1:$BGC_HTTP_PORT/_log" | grep ' /gen/2000000/reboot' | tail -n 1)
case $last in
  *'range=bytes='[1-9]*) log "last request: $last" ;;
  *) log "the last request for the job's URL is not a resumed Range request: ${last:-none}"; exit 1 ;;
esac
log "passed ($mode)"
exit 0
