# Shared helpers for the integration tiers (sourced, not run). Every tier reports one line per
# check so scripts/test can count them:
#   ok: <check>            the check ran and passed
#   FAIL: <check>: <why>   the check ran and failed
#   skipped: <check>: <why> the machine lacks what the check needs (never a silent pass)
# TANDEM_BIN (the tandem binary), TANDEM_VENV (python venv with python-linstor) and TANDEM_LOGS
# (a folder for this tier's process logs) come from scripts/test; defaults let a tier run alone.

TANDEM_ROOT=${TANDEM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TANDEM_BIN=${TANDEM_BIN:-$TANDEM_ROOT/.build/debug/tandem}
TANDEM_VENV=${TANDEM_VENV:-$TANDEM_ROOT/.venv}
TANDEM_LOGS=${TANDEM_LOGS:-$TANDEM_ROOT/out/test-logs/$(basename "$(dirname "$0")")}
mkdir -p "$TANDEM_LOGS"

tier_failed=0
ok()   { echo "ok: $*"; }
fail() { echo "FAIL: $*"; tier_failed=1; }
skip() { echo "skipped: $*"; }

# check NAME COMMAND...: runs the command, ok if it exits 0, FAIL with its output otherwise.
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then ok "$name"; else fail "$name: $(echo "$out" | tail -5 | tr '\n' ' ')"; fi
}

# need CMD...: true if every command exists; otherwise false, and the caller prints skipped.
need() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || { echo "missing $c"; return 1; }; done; }

# wait_for_port HOST PORT [SECONDS]: until something accepts TCP connections there.
wait_for_port() {
  local host=$1 port=$2 deadline=$((SECONDS + ${3:-20}))
  while [ $SECONDS -lt $deadline ]; do
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Background processes started through start_bg are killed when the tier exits, whatever happens.
# Their pids go to a file as well as to stdout, so `pid=$(start_bg …)` (a subshell, which cannot
# change this shell's variables) still gets them cleaned up.
_bg_pidfile=$(mktemp /tmp/tandem-tier-pids.XXXXXX)
start_bg() { local log=$1; shift; "$@" >"$log" 2>&1 & echo $! >>"$_bg_pidfile"; echo $!; }
# Tiers that start processes their own way may add pids to _bg_pids; those are killed too.
_bg_pids=()
_cleanup_bg() {
  local p
  while read -r p; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done < "$_bg_pidfile" 2>/dev/null
  for p in "${_bg_pids[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  rm -f "$_bg_pidfile"
}
trap _cleanup_bg EXIT

tier_exit() { exit $tier_failed; }
