#!/usr/bin/env bash
# perf/randtrash.sh: the randtrash soak — `hypersak -R -e COUNT` (REGISTER/OPTIONS/INVITE with 1..16 random bytes
# overwritten each) against a running Hyperproxy with the registrar script (perf/hyperproxy/registrar.cfg: save,
# lookup, record_route, forward; plus httpd/mi_http on the next port for the samples). Reports datagrams sent, what the
# server received and answered, its fault counters (core datagram faults, batch faults) and its memory: a sample every
# --sample-every datagrams the server received (RSS, the GC heap, the location store's AoRs/contacts and its FASTER
# log, the workers' allocated bytes) read over MI; exit 0 when the server is still up and answering with 0 faults.
#
#   perf/randtrash.sh [--count N] [--trash T] [--seed S] [--port P] [--sample-every N] [--no-build]
#
# --count: datagrams of the measured run (default 10000000), after a warm-up of 200000 (the location table, the JIT
# and the pools reach their working size, so the sample after it is the baseline). --sample-every: datagrams between
# samples (default 1000000). --trash: the most characters trashed per datagram (default 16). The whole run (server
# and hypersak) is in a network namespace of its own with only a loopback: a trashed Contact or Via can name any host,
# and forward() must not send anything off this machine. Needs unshare (util-linux), ip (iproute2), curl and jq; both
# processes run niced (10, 15).
# HYPERPROXY_BIN / HYPERSAK_BIN: executables to use (default: published to perf/bin/ here).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COUNT=10000000
WARMUP=200000
TRASH=16
SEED=4475
PORT=15060
SAMPLE_EVERY=1000000
BUILD=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --count) COUNT="$2"; shift ;;
        --trash) TRASH="$2"; shift ;;
        --seed) SEED="$2"; shift ;;
        --port) PORT="$2"; shift ;;
        --sample-every) SAMPLE_EVERY="$2"; shift ;;
        --no-build) BUILD=0 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
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
    for tool in unshare ip curl jq; do
        command -v $tool >/dev/null || { log "unshare, ip, curl and jq are needed (util-linux, iproute2, curl, jq)"; exit 1; }
    done
    exec unshare --net env RANDTRASH_IN_NETNS=1 HYPERPROXY_BIN="$HP_BIN" HYPERSAK_BIN="$SAK_BIN" "$0" --no-build \
        --count "$COUNT" --trash "$TRASH" --seed "$SEED" --port "$PORT" --sample-every "$SAMPLE_EVERY"
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
HTTP_PORT=$((PORT + 1))
# The registrar script plus the management interface (MI over HTTP) the samples are read through.
sed -e "s/@PORT@/$PORT/g" -e "/^loadmodule \"registrar.so\"/a loadmodule \"httpd.so\"\nloadmodule \"mi_http.so\"\nmodparam(\"httpd\", \"port\", $HTTP_PORT)" \
    perf/hyperproxy/registrar.cfg > "$WORK/registrar.cfg"
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
# One sample: the server's figures over MI, one JSON object per line. RSS from /proc (kB); the GC heap (shmem:used_size:
# bytes the managed heap holds now, heap_size/committed_size at the last collection, gc_collections); the location store
# (usrloc:registered_users, location-contacts, and the FASTER log: log_bytes between begin and tail, log_memory_bytes of
# pages allocated in memory); pkmem: bytes the workers' threads allocated since they started (summed).
mi_stats() {
    curl -s -m 10 -H 'Content-Type: application/json' "http://127.0.0.1:$HTTP_PORT/mi" \
        -d '{"jsonrpc":"2.0","method":"get_statistics","params":[["shmem:","usrloc:","pkmem:","net:datagrams_in","core:datagram_faults"]],"id":1}'
}
sample() { # sample LABEL -> one JSON line on stdout (empty when MI did not answer)
    local stats
    stats=$(mi_stats) || return 0
    jq -c --arg tag "$1" --argjson rss "$(rss)" '.result as $r | {sample: $tag,
        datagrams_in: $r["net:datagrams_in"], rss_kb: $rss,
        gc_used_kb: (($r["shmem:used_size"] // 0) / 1024 | floor), gc_heap_kb: (($r["shmem:heap_size"] // 0) / 1024 | floor),
        gc_committed_kb: (($r["shmem:committed_size"] // 0) / 1024 | floor), gc_collections: $r["shmem:gc_collections"],
        aors: $r["usrloc:registered_users"], contacts: $r["usrloc:location-contacts"],
        log_kb: (($r["usrloc:log_bytes"] // 0) / 1024 | floor), log_memory_kb: (($r["usrloc:log_memory_bytes"] // 0) / 1024 | floor),
        worker_allocated_kb: ([$r | to_entries[] | select(.key | startswith("pkmem:")) | .value] | add // 0 | . / 1024 | floor),
        datagram_faults: $r["core:datagram_faults"]}' <<<"$stats" 2>/dev/null || true
}
RSS_START=$(rss)
sample start > "$WORK/samples.jsonl"
URI="sip:trash@127.0.0.1:$PORT"
log "warm-up: $WARMUP datagrams"
nice -n 15 "$SAK_BIN" -R -e "$WARMUP" -t "$TRASH" --seed "$((SEED + 1))" -s "$URI" > "$WORK/warmup.out" 2>&1 || true
RSS_WARM=$(rss)
sample warm >> "$WORK/samples.jsonl"
BASE_IN=$(tail -n 1 "$WORK/samples.jsonl" | jq -r '.datagrams_in // 0')
# While the run goes: RSS every second (its maximum), and a full sample each time the server has received another
# SAMPLE_EVERY datagrams of the run (polled once a second, so a sample lands within a second's traffic of its mark).
(
    next=$SAMPLE_EVERY
    while kill -0 "$SRV" 2>/dev/null; do
        rss >> "$WORK/rss.samples"
        line=$(sample run)
        if [[ -n $line ]]; then
            got=$(jq -r '.datagrams_in // 0' <<<"$line")
            if (( got - BASE_IN >= next )); then
                jq -c --argjson n "$next" '.sample = "run \($n / 1000000)M"' <<<"$line" >> "$WORK/samples.jsonl"
                next=$((next + SAMPLE_EVERY))
            fi
        fi
        sleep 1
    done
) &
SAMPLER=$!
log "run: $COUNT datagrams, 1-$TRASH trashed characters each, seed $SEED; a sample every $SAMPLE_EVERY"
set +e
nice -n 15 "$SAK_BIN" -R -e "$COUNT" -t "$TRASH" --seed "$SEED" -s "$URI" | tee "$WORK/run.out" >&2
SAK_RC=${PIPESTATUS[0]}
set -e
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
SAMPLER=""
RSS_END=$(rss)
sample end >> "$WORK/samples.jsonl"
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
# The samples as a table, then what grew between the warm-up and the end, and over the run's second half (from the
# sample nearest COUNT/2 to the end): RSS against the FASTER log's memory and the GC heap, and RSS less the log pages.
printf '\n%-10s %12s %9s %9s %9s %9s %6s %7s %8s %9s %9s %10s\n' sample datagrams_in rss_kB gc_used gc_heap gc_commit gcs aors contacts log_kB logmem_kB wrk_alloc
jq -r '[.sample, .datagrams_in, .rss_kb, .gc_used_kb, .gc_heap_kb, .gc_committed_kb, .gc_collections, .aors, .contacts, .log_kb, .log_memory_kb, .worker_allocated_kb] | @tsv' \
    "$WORK/samples.jsonl" | awk -F'\t' '{ printf "%-10s %12s %9s %9s %9s %9s %6s %7s %8s %9s %9s %10s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }'
HALF=$(( COUNT / 2 ))
SUMMARY=$(jq -s --argjson half "$HALF" '
    def at(l): map(select(.sample == l)) | first;
    (at("warm")) as $w | (at("end")) as $e | ($w.datagrams_in // 0) as $b
    | (map(select(.sample | startswith("run"))) | min_by(((.datagrams_in - $b) - $half) | if . < 0 then -. else . end)) as $m
    | def d($x; $y; $f): (($y[$f] // 0) - ($x[$f] // 0));
      { half_sample: ($m.sample // "none"),
        run: { rss_kb: d($w; $e; "rss_kb"), log_memory_kb: d($w; $e; "log_memory_kb"), gc_used_kb: d($w; $e; "gc_used_kb"),
               gc_heap_kb: d($w; $e; "gc_heap_kb"), aors: d($w; $e; "aors"), contacts: d($w; $e; "contacts"),
               rss_less_log_kb: (d($w; $e; "rss_kb") - d($w; $e; "log_memory_kb")) },
        second_half: (if $m == null then null else
            { rss_kb: d($m; $e; "rss_kb"), rss_pct: ((d($m; $e; "rss_kb") * 10000 / $m.rss_kb | floor) / 100),
              log_memory_kb: d($m; $e; "log_memory_kb"), gc_used_kb: d($m; $e; "gc_used_kb"), aors: d($m; $e; "aors"),
              rss_less_log_kb: (d($m; $e; "rss_kb") - d($m; $e; "log_memory_kb")),
              rss_less_log_pct: (((d($m; $e; "rss_kb") - d($m; $e; "log_memory_kb")) * 10000 / ($m.rss_kb - $m.log_memory_kb) | floor) / 100) } end) }' \
    "$WORK/samples.jsonl" 2>/dev/null || echo '{}')
printf '\nwarm-up to end: %s\n' "$(jq -c .run <<<"$SUMMARY")"
printf 'second half (%s to end): %s\n' "$(jq -r .half_sample <<<"$SUMMARY")" "$(jq -c .second_half <<<"$SUMMARY")"
jq -cn --argjson sent "${SENT:-0}" --argjson rate "${RATE:-0}" --argjson received "${RECEIVED:-0}" --argjson faults "${FAULTS:--1}" \
    --argjson batch_faults "${BATCH_FAULTS:--1}" --argjson rss_start "$RSS_START" --argjson rss_warm "$RSS_WARM" \
    --argjson rss_max "${RSS_MAX:-0}" --argjson rss_end "$RSS_END" --argjson alive "$ALIVE" --arg answers "${ANSWERS:-}" \
    --argjson summary "$SUMMARY" --slurpfile samples "$WORK/samples.jsonl" \
    '{sent:$sent, rate:$rate, server_received:$received, datagram_faults:$faults, batch_faults:$batch_faults,
      rss_kb_start:$rss_start, rss_kb_after_warmup:$rss_warm, rss_kb_max:$rss_max, rss_kb_end:$rss_end, alive:($alive == 1), answers:$answers,
      memory:$summary, samples:$samples}' \
    2>/dev/null || true
grep -E "ERROR|fault" "$LOG" | head -n 20 >&2 || true
[[ $ALIVE -eq 1 && $SAK_RC -eq 0 && ${FAULTS:-1} == 0 && ${BATCH_FAULTS:-1} == 0 ]]
