#!/usr/bin/env bash
# perf/randtrash.sh: the randtrash soak — `hypersak -R -e COUNT` (REGISTER/OPTIONS/INVITE with 1..16 random bytes
# overwritten each) against a running Hyperproxy with the registrar script (perf/hyperproxy/registrar.cfg: save,
# lookup, record_route, forward). Reports datagrams sent, what the server received and answered, its fault counters
# (core datagram faults, batch faults) and its RSS before, after a warm-up, during (max) and after; exit 0 when the
# server is still up and answering with 0 faults.
#
#   perf/randtrash.sh [--count N] [--trash T] [--seed S] [--port P] [--no-build]
#
# --count: datagrams of the measured run (default 10000000), after a warm-up of 200000 (the location table, the JIT
# and the pools reach their working size, so the RSS after it is the baseline that "flat" is measured against).
# --trash: the most characters trashed per datagram (default 16). The whole run (server and hypersak) is in a network
# namespace of its own with only a loopback: a trashed Contact or Via can name any host, and forward() must not send
# anything off this machine. Needs unshare (util-linux) and ip (iproute2); both run niced (10, 15).
# HYPERPROXY_BIN / HYPERSAK_BIN: executables to use (default: published to perf/bin/ here).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COUNT=10000000
WARMUP=200000
TRASH=16
SEED=4475
PORT=15060
BUILD=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --count) COUNT="$2"; shift ;;
        --trash) TRASH="$2"; shift ;;
        --seed) SEED="$2"; shift ;;
        --port) PORT="$2"; shift ;;
        --no-build) BUILD=0 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "randtrash.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
log() { printf 'randtrash: %s\n' "$*" >&2; }

HP_BIN="${HYPERPROXY_BIN:-$ROOT/perf/bin/hyperproxy/hyperproxy}"
SAK_BIN="${HYPERSAK_BIN:-$ROOT/perf/bin/hypersak/hypersak}"
if [[ -z ${RANDTRASH_IN_NETNS:-} ]]; then
    if [[ $BUILD -eq 1 ]]; then
        if [[ -z ${HYPERPROXY_BIN:-} ]]; then
            log "publishing Hyperproxy (Release) to perf/bin/hyperproxy"
            dotnet publish src/Hyperproxy -c Release -o perf/bin/hyperproxy -nologo -clp:ErrorsOnly \
                --artifacts-path "${TMPDIR:-/tmp}/hyperproxy-bench-artifacts" >&2
        fi
        if [[ -z ${HYPERSAK_BIN:-} ]]; then
            log "publishing hypersak (Release) to perf/bin/hypersak"
            dotnet publish src/Hyperproxy.Sak -c Release -o perf/bin/hypersak -nologo -clp:ErrorsOnly \
                --artifacts-path "${TMPDIR:-/tmp}/hypersak-bench-artifacts" >&2
        fi
    fi
    [[ -x $HP_BIN && -x $SAK_BIN ]] || { log "no executables at $HP_BIN / $SAK_BIN (run without --no-build)"; exit 1; }
    command -v unshare >/dev/null && command -v ip >/dev/null || { log "unshare and ip are needed (util-linux, iproute2)"; exit 1; }
    exec unshare --net env RANDTRASH_IN_NETNS=1 HYPERPROXY_BIN="$HP_BIN" HYPERSAK_BIN="$SAK_BIN" "$0" --no-build \
        --count "$COUNT" --trash "$TRASH" --seed "$SEED" --port "$PORT"
fi

# ---- inside the namespace: only lo exists
ip link set lo up
WORK="$(mktemp -d "${TMPDIR:-/tmp}/hp-randtrash-XXXXXX")"
SRV=""
cleanup() {
    if [[ -n $SRV ]] && kill -0 "$SRV" 2>/dev/null; then
        kill -TERM "$SRV" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SRV" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SRV" 2>/dev/null || true
    fi
    [[ -n ${SAMPLER:-} ]] && kill "$SAMPLER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
sed "s/@PORT@/$PORT/g" perf/hyperproxy/registrar.cfg > "$WORK/registrar.cfg"
LOG="$WORK/server.log"
nice -n 10 "$HP_BIN" run --config "$WORK/registrar.cfg" --durability none --data-dir "$WORK/data" > "$LOG" 2>&1 &
SRV=$!
READY_BY=$((SECONDS + 300)) # a busy machine starts a niced server slowly
while (( SECONDS < READY_BY )); do
    grep -q "hyperproxy: ready" "$LOG" 2>/dev/null && break
    kill -0 "$SRV" 2>/dev/null || { cat "$LOG" >&2; log "the server did not start"; exit 1; }
    sleep 0.2
done
grep -q "hyperproxy: ready" "$LOG" || { cat "$LOG" >&2; log "the server did not get ready in 300 s"; exit 1; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SRV/status" 2>/dev/null || echo 0; }
counters() { # the SIGUSR1 counters line: "received faults batchfaults"
    local before
    before=$(grep -c "SIGUSR1: counters" "$LOG" || true)
    kill -USR1 "$SRV"
    for _ in $(seq 50); do
        [[ $(grep -c "SIGUSR1: counters" "$LOG" || true) -gt $before ]] && break
        sleep 0.1
    done
    grep "SIGUSR1: counters" "$LOG" | tail -n 1 | sed -E 's/.*datagrams in ([0-9]+),.*datagram faults ([0-9]+), batch faults ([0-9]+).*/\1 \2 \3/'
}
RSS_START=$(rss)
URI="sip:trash@127.0.0.1:$PORT"
log "warm-up: $WARMUP datagrams"
nice -n 15 "$SAK_BIN" -R -e "$WARMUP" -t "$TRASH" --seed "$((SEED + 1))" -s "$URI" > "$WORK/warmup.out" 2>&1 || true
RSS_WARM=$(rss)
# RSS every 5 s while the run goes
( while kill -0 "$SRV" 2>/dev/null; do rss >> "$WORK/rss.samples"; sleep 5; done ) &
SAMPLER=$!
log "run: $COUNT datagrams, 1-$TRASH trashed characters each, seed $SEED"
set +e
nice -n 15 "$SAK_BIN" -R -e "$COUNT" -t "$TRASH" --seed "$SEED" -s "$URI" | tee "$WORK/run.out" >&2
SAK_RC=${PIPESTATUS[0]}
set -e
kill "$SAMPLER" 2>/dev/null || true
SAMPLER=""
RSS_END=$(rss)
RSS_MAX=$(sort -n "$WORK/rss.samples" 2>/dev/null | tail -n 1)
ALIVE=0
kill -0 "$SRV" 2>/dev/null && ALIVE=1
read -r RECEIVED FAULTS BATCH_FAULTS < <(counters)
SENT=$(sed -nE 's/^randtrash: sent ([0-9]+) datagrams.*/\1/p' "$WORK/run.out")
RATE=$(sed -nE 's/^randtrash: sent [0-9]+ datagrams in ([0-9.]+) s \(([0-9]+)\/s\).*/\2/p' "$WORK/run.out")
ANSWERS=$(sed -nE 's/^answers: (.*)/\1/p' "$WORK/run.out")
CLEAN=$(sed -nE 's/^randtrash: the server still answers a clean OPTIONS: (.*)/\1/p' "$WORK/run.out")
GROWTH=$(( RSS_END - RSS_WARM ))
printf '\nrandtrash soak: %s datagrams sent (%s/s, 1-%s trashed characters, seed %s), %s received by the server (warm-up included)\n' \
    "${SENT:-0}" "${RATE:-0}" "$TRASH" "$SEED" "${RECEIVED:-?}"
printf 'answers: %s\n' "${ANSWERS:-none}"
printf 'faults: %s datagram faults, %s batch faults; server %s; clean OPTIONS after: %s\n' "${FAULTS:-?}" "${BATCH_FAULTS:-?}" \
    "$([[ $ALIVE -eq 1 ]] && echo "alive" || echo "GONE")" "${CLEAN:-no answer}"
printf 'RSS: %s kB at start, %s kB after the warm-up, %s kB max during the run, %s kB at the end (%+d kB over the run)\n' \
    "$RSS_START" "$RSS_WARM" "${RSS_MAX:-?}" "$RSS_END" "$GROWTH"
jq -cn --argjson sent "${SENT:-0}" --argjson rate "${RATE:-0}" --argjson received "${RECEIVED:-0}" --argjson faults "${FAULTS:--1}" \
    --argjson batch_faults "${BATCH_FAULTS:--1}" --argjson rss_start "$RSS_START" --argjson rss_warm "$RSS_WARM" \
    --argjson rss_max "${RSS_MAX:-0}" --argjson rss_end "$RSS_END" --argjson alive "$ALIVE" --arg answers "${ANSWERS:-}" \
    '{sent:$sent, rate:$rate, server_received:$received, datagram_faults:$faults, batch_faults:$batch_faults,
      rss_kb_start:$rss_start, rss_kb_after_warmup:$rss_warm, rss_kb_max:$rss_max, rss_kb_end:$rss_end, alive:($alive == 1), answers:$answers}' \
    2>/dev/null || true
grep -E "ERROR|fault" "$LOG" | head -n 20 >&2 || true
[[ $ALIVE -eq 1 && $SAK_RC -eq 0 && ${FAULTS:-1} == 0 && ${BATCH_FAULTS:-1} == 0 ]]
