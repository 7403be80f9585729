#!/usr/bin/env bash
# run-bench.sh: Hyperproxy next to the C reflector (the kernel UDP limit) and Kamailio 5.6, all
# in one run on this machine, driven by native/udpgen. Prints one markdown table and saves
# perf/results/DATE.{json,md} (raw generator output and server logs in perf/results/DATE.logs/).
#
#   ./run-bench.sh [--quick] [--rounds N] [--duration S] [--warmup S] [--window N]
#                  [--scenarios options,forward,rr-forward,register,register-sync,stateful-call,stateless-call,dispatch,stateful-hold,
#                               options-polled,options-traced,tcp-options,tcp-latency,tls-options,tls-handshakes,tcp-idle,
#                               register-auth,flood,register-cluster,lookup-cluster,natping,stateful-overload]
#                  [--systems reflector,hyperproxy,kamailio] [--base-port P] [--readme] [--no-build]
#
# --quick: 5 s per run, under 6 minutes in all. Default: 10 s per run plus open-loop latency
# rows, under ~14 minutes. Every server runs pinned to CPU 0 (taskset: all its processes and
# threads), the generator to CPU 1. A system that cannot run gets a "skipped: why" row.
# --rounds N: the whole sequence N times over (systems interleaved, so a VM that drifts affects
# all alike); each row reports its median round with the range, each ratio the median of the
# ratios of the same round. One round by default.
# register-sync: durable REGISTERs (--durability sync) at 16, 64 and 256 in flight, the generator
# spinning on CPU 1, Hyperproxy three ways — worker pinned (--cpus 0, its other threads free), the
# whole process on CPU 0 (taskset), unpinned — next to Kamailio's in-memory registrar (on CPU 0);
# each Hyperproxy row also reports its WAL commit and parked-reply wait percentiles from its log.
# stateful-call: whole calls (INVITE/100/180/200/ACK/BYE/200) through tm's t_relay() with
# record_route(), Hyperproxy (perf/hyperproxy/stateful-call.cfg) next to Kamailio's tm
# (perf/kamailio/stateful-call.cfg) and udpgen's own caller + callee with no proxy (its ceiling);
# udpgen plays the caller and the callee (-s call), a window of calls in flight.
# stateless-call: the stateful-call job — the very same udpgen -s call flow — proxied statelessly
# (record_route() + forward(), ACK/BYE by loose_route() + forward(); perf/{hyperproxy,kamailio}/stateless-call.cfg).
# The report's "stateful / own stateless" column is stateful-call calls/s divided by stateless-call
# calls/s of the same system in the same round: like for like (a call is 6 datagrams in for both; out,
# 7 stateful with tm's 100 Trying, 6 stateless), so it is the cost of tm alone. The issue's target is
# ≥ 0.60 for Hyperproxy. (rr-forward is another job — one request and its 200 per unit — and is no
# longer what the stateful row is divided by.)
# dispatch: the stateful-call job with the next hop chosen by the dispatcher module — ds_select_dst
# (round-robin, failover list in AVPs) + t_relay() to udpgen's callee, the set's only destination —
# Hyperproxy (perf/hyperproxy/dispatch.cfg, OpenSIPS's db_text dispatcher table) next to Kamailio's
# dispatcher (perf/kamailio/dispatch.cfg, list_file); both tables are written per row with the
# responder's port. Probing is off in both.
# stateful-hold: BENCH_HOLD_CALLS calls (default 200000) whose callee answers 180 and holds, so
# every one leaves an INVITE transaction in flight; the row reports the server's RSS and PSS before
# the first call and once all are held (udpgen -s call --hold N), and the bytes per held call.
# stateful-overload (not in the default list): the stateful-call job against Hyperproxy twice — closed loop
# (its calls/s is the capacity C), then open loop (udpgen --rate) offering 3 x C calls/s for the same time. The
# report sets the open-loop goodput (calls whose BYE got its 2xx, per second) against C (the issue's target: goodput
# stays >= C, no livelock from retransmission storms), with the retransmissions udpgen's callee saw (the proxy's Timer
# A/E copies of INVITEs and BYEs of calls still going on), replies that came after their call had ended here, and the
# server's RSS before the first call and at the end (bounded: max_transactions, fr_timeout).
# options-polled: the options job with httpd, mi_http and prometheus loaded (perf/hyperproxy/options-polled.cfg),
# once alone and once while perf/poller.py (on the generator's CPU) fetches /metrics and POSTs MI
# get_statistics(["all"]) 100 times a second each; options-traced: the options job with trace("tid", "t") on
# every request (perf/hyperproxy/options-traced.cfg: the request and its 200 as HEPv3 to a UDP socket bound
# here and never read). Both are reported as ratios to the plain options row of the same run (target: polled
# ≥ 0.97x, traced ≥ 0.85x); Hyperproxy only.
# natping (not in the default list): one Hyperproxy worker with BENCH_NATPING_CONTACTS (default 1000000)
# NAT'ed contacts loaded by udpgen's REGISTERs, nathelper pinging each once per BENCH_NATPING_INTERVAL
# (default 30) seconds (about 33k pings/s for 1M contacts), and the OPTIONS throughput of the same worker,
# next to the same server with pinging off; each row records the pings the server sent (natpings_sent).
# register-auth: every REGISTER challenged (401, qop=auth) and sent again with MD5 digest credentials (udpgen -s
# register-auth computes each response: nc 00000001, its own cnonce, the user's HA1 precomputed) over BENCH_USERS users
# of a db_text subscriber table written here (perf/results/DATE.logs/authdb); Hyperproxy's auth_db
# (perf/hyperproxy/register-auth.cfg) next to Kamailio two ways: the same users in memory (htable loaded from that
# directory, pv_www_authenticate: perf/kamailio/register-auth-htable.cfg) and auth_db over the same db_text files
# (perf/kamailio/register-auth.cfg; Kamailio's db_text scans every row per query).
# One unit of the window is the pair; ok/s counts pairs whose authorized REGISTER got its 2xx.
# flood: one source (127.0.0.1) sends OPTIONS at the generator's full rate, a second one (127.0.0.2) 1% of that;
# both proxies run pike (perf/{hyperproxy,kamailio}/flood.cfg, the same parameters) before a stateless 200. The
# report shows the share of the second source's requests answered (second_answer_pct) beside the flooder's answers.
# register-cluster (not in the default list; needs redis-server): the register job against Hyperproxy
# with its embedded FASTER store (durability none) and then with --location-store on a redis-server
# started here (unpinned, --save '' --appendonly no, flushed before the row), whose CPU time during
# the row is added to it (redis_cpu_s), once with the whole process on CPU 0 and once with only the worker pinned
# (the client's threads free), next to Kamailio 5.6's in-memory usrloc (perf/kamailio/registrar.cfg).
# lookup-cluster (not in the default list; needs redis-server): the delivery side. BENCH_LOOKUP_USERS (default
# 20000, few enough that the load phase registers them all on a slow row; a user not registered shows as a 4xx) are
# registered first (udpgen -s register -r at its responder: every contact is the responder, no Path; for
# BENCH_LOOKUP_LOAD_S seconds, default 8), then udpgen -s lookup sends MESSAGE sip:uN@... to users in turn:
# lookup() + record_route() + forward() to the contact, whose 200 comes back through the registrar. Rows: the
# FASTER store, the redis-server store (its CPU time in redis_cpu_s) and Kamailio 5.6's in-memory usrloc.
# tcp-options / tls-options: OPTIONS over BENCH_STREAM_CONNECTIONS (default 16) persistent TCP / TLS connections,
# BENCH_STREAM_WINDOW (default 16) pipelined on each, driven by native/streamgen (replies cut by Content-Length);
# the C stream reflector (echo, sl 200; native/streamreflector, OpenSSL for TLS) is the ceiling, then Hyperproxy and
# Kamailio 5.6 (perf/kamailio/options-stream.cfg, tls.so for TLS) answering 200 statelessly. TLS uses a certificate
# openssl makes for the run (EC P-256; in the logs folder), the same for every server.
# tls-handshakes: 64 sessions in parallel, each connect + full TLS handshake (no resumption) + one OPTIONS + close;
# ok/s = sessions/s, each system's handshakes/s next to the stream reflector's.
# tcp-latency: one OPTIONS at a time on one TCP connection (streamgen -n 1 -w 1, sleeping between replies): the
# round-trip latency of a lone message (p50/p99). Hyperproxy also listens on UDP, so its idle worker waits as a mixed
# UDP+TCP server's does (in the UDP poll, woken by the connection's reader); the C reflector and Kamailio as the others.
# tcp-idle: BENCH_IDLE_CONNECTIONS (default 50000) idle TCP connections to Hyperproxy (perf/hyperproxy/tcp-idle.cfg
# raises tcp_max_connections), 250 per source address 127.0.0.2.., CRLFCRLF pings on 1000 of them; reports the
# server's RSS/PSS growth per connection. The open files limit is raised to fit (capped by the hard limit when
# this process may not raise it: the row then says how many connections it held).
# --readme: also keep this run as the one the README quotes: perf/readme-run.json (the raw results,
# committed) and the README's table printed from it (perf/results/DATE.readme.md is written anyway).
# --base-port P: the first UDP port on 127.0.0.1 (default $BENCH_BASE_PORT, else 15100); each row
# takes the next two (server, responder), so a run uses about 2 x rows ports from P up. Pick
# another base when something else on the machine listens there.
#
# Environment:
#   HYPERPROXY_BIN             server executable (default perf/bin/hyperproxy/hyperproxy, built here)
#   HYPERPROXY_ARGS            its arguments; {PORT} is replaced by the listen port
#                              (default: run --listen udp:127.0.0.1:{PORT} --workers 1 --cpus 0)
#   HYPERPROXY_ARGS_OPTIONS / _FORWARD / _RR_FORWARD / _REGISTER / _STATEFUL_CALL / _STATELESS_CALL / _STATEFUL_HOLD
#                              per-scenario override of
#                              HYPERPROXY_ARGS (rr-forward appends --config perf/hyperproxy/rr-forward.cfg
#                              to HYPERPROXY_ARGS unless HYPERPROXY_ARGS_RR_FORWARD is set; stateful-call
#                              and stateful-hold append --config perf/hyperproxy/stateful-call.cfg likewise,
#                              stateless-call perf/hyperproxy/stateless-call.cfg;
#                              dispatch appends --config with perf/hyperproxy/dispatch.cfg filled in)
#   HYPERPROXY_ARGS_REGISTER   default: run --config {CONFIG} --durability {DURABILITY}
#                              --data-dir {DATA_DIR} --cpus 0; {CONFIG} is perf/hyperproxy/registrar.cfg
#                              with its port filled in, {DURABILITY} is none for one row and sync for
#                              the other, {DATA_DIR} a fresh folder per row (removed when the script ends)
#   BENCH_BASE_PORT            first UDP port (default 15100); --base-port wins
#   BENCH_USERS                distinct AoRs in the register and register-auth scenarios (default 100000)
#   BENCH_HOLD_CALLS           calls held in flight in the stateful-hold scenario (default 200000)
#   BENCH_NATPING_CONTACTS     NAT'ed contacts in the natping scenario (default 1000000); BENCH_NATPING_INTERVAL
#                              its natping_interval (default 30 s), BENCH_NATPING_LOAD_S the seconds of
#                              REGISTERs that load them (default 40)
#   BENCH_STREAM_CONNECTIONS   tcp-options/tls-options: persistent connections (default 16)
#   BENCH_STREAM_WINDOW        requests in flight on each (default 16)
#   BENCH_HANDSHAKE_PARALLEL   tls-handshakes: sessions in parallel (default 64)
#   BENCH_IDLE_CONNECTIONS     tcp-idle: connections held (default 50000)
#   HYPERPROXY_ARGS_TCP_OPTIONS / _TCP_LATENCY / _TLS_OPTIONS / _TLS_HANDSHAKES / _TCP_IDLE  per-scenario command of the stream
#                              scenarios (default: run --listen tcp:127.0.0.1:{PORT} --workers 1 --cpus 0; TLS:
#                              --listen tls:... --tls-cert {CERT} --tls-key {KEY}; tcp-idle adds
#                              --config perf/hyperproxy/tcp-idle.cfg); HYPERPROXY_ARGS is not used for them
#   BENCH_QUIET_BUDGET         seconds in all to wait for other processes' load to pass before
#                              runs (default 20 with --quick, 90 otherwise); rows measured on a
#                              busy machine are flagged in the table
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

QUICK=0
DURATION=""
WARMUP=""
WINDOW=256
SCENARIOS="options,forward,rr-forward,register,register-sync,stateful-call,stateless-call,dispatch,stateful-hold,options-polled,options-traced,tcp-options,tcp-latency,tls-options,tls-handshakes,tcp-idle,register-auth,flood"
SYSTEMS="reflector,hyperproxy,kamailio"
ROUNDS=1
ROUND=1
BUILD=1
BASE_PORT=${BENCH_BASE_PORT:-15100}
KEEP_FOR_README=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --duration) DURATION="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --window) WINDOW="$2"; shift ;;
        --rounds)
            [[ ${2:-} =~ ^[1-9][0-9]?$ ]] || { echo "run-bench.sh: --rounds takes a whole number from 1 to 99, not '${2:-}'" >&2; exit 2; }
            ROUNDS="$2"; shift ;;
        --scenarios) SCENARIOS="$2"; shift ;;
        --systems) SYSTEMS="$2"; shift ;;
        --base-port) BASE_PORT="${2:-}"; shift ;;
        --readme) KEEP_FOR_README=1 ;;
        --no-build) BUILD=0 ;;
        -h|--help) sed -n '2,129p' "$0"; exit 0 ;;
        *) echo "run-bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if ! [[ $BASE_PORT =~ ^[0-9]{1,5}$ ]] || (( BASE_PORT < 1024 || BASE_PORT > 64000 )); then
    echo "run-bench.sh: --base-port '$BASE_PORT': not a port from 1024 to 64000 (BENCH_BASE_PORT or --base-port)" >&2
    exit 2
fi
if [[ $QUICK -eq 1 ]]; then
    DURATION=${DURATION:-5}; WARMUP=${WARMUP:-2}; LATENCY_ROWS=0; MODE=quick
else
    DURATION=${DURATION:-10}; WARMUP=${WARMUP:-3}; LATENCY_ROWS=1; MODE=full
fi
# the registrar's table must be full before measuring steady updates: ~100k REGISTERs of warm-up
REGISTER_WARMUP=$(( WARMUP > 4 ? WARMUP : 4 ))
USERS=${BENCH_USERS:-100000}
NATPING_CONTACTS=${BENCH_NATPING_CONTACTS:-1000000}
NATPING_INTERVAL=${BENCH_NATPING_INTERVAL:-30}
NATPING_LOAD_S=${BENCH_NATPING_LOAD_S:-40}
LOOKUP_LOAD_S=${BENCH_LOOKUP_LOAD_S:-8}
LOOKUP_USERS=${BENCH_LOOKUP_USERS:-20000}
HOLD_CALLS=${BENCH_HOLD_CALLS:-200000}
STREAM_CONNS=${BENCH_STREAM_CONNECTIONS:-16}
STREAM_WINDOW=${BENCH_STREAM_WINDOW:-16}
HANDSHAKE_PARALLEL=${BENCH_HANDSHAKE_PARALLEL:-64}
IDLE_CONNS=${BENCH_IDLE_CONNECTIONS:-50000}
HP_ARGS_STREAM_DEFAULT='run --listen {PROTO}:127.0.0.1:{PORT} --workers 1 --cpus 0'
SRV_PROTO=udp        # the transport the next server listens on (udp, tcp, tls)
GEN_BIN=""           # the generator of the next rows (udpgen unless a stream scenario sets streamgen)
LATENCY_RATE=20000
QUIET_PCT=10         # a CPU busier than this before a run means someone else is using it
QUIET_WAITED=0       # seconds spent waiting for quiet so far (each wait turn is ~1 s)
RETRY_BUDGET=$(( QUICK == 1 ? 20 : 90 ))   # seconds in all for measuring flagged rows again
RETRY_SPENT=0
QUIET_BUDGET=${BENCH_QUIET_BUDGET:-$(( QUICK == 1 ? 20 : 90 ))}
HP_ARGS_DEFAULT='run --listen udp:127.0.0.1:{PORT} --workers 1 --cpus 0'
HP_ARGS_REGISTER_DEFAULT='run --config {CONFIG} --durability {DURABILITY} --data-dir {DATA_DIR} --cpus 0'
HP_DURABILITY=none   # the register scenario runs Hyperproxy once per durability (none, sync)
HP_PIN=process       # process: taskset CPU 0 + --cpus 0; worker: --cpus 0 only; none: neither (register-sync)
SYNC_WINDOWS=(16 64 256)
read -r -a SYNC_PINS <<< "${BENCH_SYNC_PINS:-worker process none}"   # register-sync rows, e.g. BENCH_SYNC_PINS=worker
HP_DATA_DIRS=()
HELPER=""           # options-polled: "poller" runs perf/poller.py against the row's server while it is measured
POLL_RATE=100       # polls of /metrics and of MI get_statistics per second each
SINK_PID=""         # options-traced: the UDP socket the HEP packets go to

has() { [[ ",$1," == *",$2,"* ]]; }
log() { printf '%s\n' "run-bench: $*" >&2; }

SERVER_CPU=0
GEN_CPU=1
if [[ $(nproc --all) -lt 2 ]]; then
    GEN_CPU=0
    log "WARNING: one CPU only: server and generator share CPU 0, figures are not comparable to peers"
fi

RESULTS="$ROOT/perf/results"
STAMP="$(date +%Y-%m-%dT%H-%M-%S)"
LOGS="$RESULTS/$STAMP.logs"
JSONL="$LOGS/runs.jsonl"
mkdir -p "$LOGS"
: > "$JSONL"
CSEQ_FILE="$RESULTS/.register-cseq"   # CSeq keeps rising from one run to the next
AUTH_CSEQ_FILE="$RESULTS/.register-auth-cseq"
AUTH_DB="$LOGS/authdb"                # register-auth's db_text directory (written when that scenario runs)
RUN_TAG="hp-bench-$$"

# ---------------------------------------------------------------- process bookkeeping
STARTED=()
cleanup() {
    local p
    for p in "${STARTED[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        local alive=0
        for p in "${STARTED[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [[ $alive -eq 0 ]] && break
        sleep 0.2
    done
    for p in "${STARTED[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    rm -f /tmp/"$RUN_TAG"-*.ctl
    for p in "${HP_DATA_DIRS[@]}"; do rm -rf "$p"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_redis: a redis-server for register-cluster on the next free port pair; REDIS_PID/REDIS_PORT, or
# returns 1 with SKIP_WHY
REDIS_PID=""
REDIS_PORT=0
start_redis() {
    command -v redis-server >/dev/null 2>&1 || { SKIP_WHY="redis-server not installed (apt-get install redis-server)"; return 1; }
    REDIS_PORT=$PORT_NEXT
    PORT_NEXT=$((PORT_NEXT + 2))
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --protected-mode no \
        --dir "$LOGS" --logfile "$LOGS/redis-$REDIS_PORT.log" > /dev/null 2>&1 &
    REDIS_PID=$!
    STARTED+=("$REDIS_PID")
    local i
    for i in $(seq 50); do
        redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    SKIP_WHY="redis-server did not answer on port $REDIS_PORT (see $LOGS/redis-$REDIS_PORT.log)"
    return 1
}

# redis_cpu: user + system CPU seconds of REDIS_PID so far
redis_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$REDIS_PID/stat" 2>/dev/null || echo 0
}

udp_port_bound() {
    local hex
    hex=$(printf ':%04X ' "$1")
    grep -q -- "$hex" /proc/net/udp /proc/net/udp6 2>/dev/null
}

# tcp_port_listening PORT: a socket listens on the TCP port (state 0A in /proc/net/tcp*)
tcp_port_listening() {
    local hex
    hex=$(printf ':%04X' "$1")
    awk -v p="$hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# wait_ready PID PORT: the process is alive and the port bound (UDP, or listening on TCP for stream rows), within 20 s
wait_ready() {
    local i
    for i in $(seq 1 200); do
        kill -0 "$1" 2>/dev/null || return 1
        if [[ $SRV_PROTO == udp ]]; then udp_port_bound "$2" && return 0; else tcp_port_listening "$2" && return 0; fi
        sleep 0.1
    done
    return 1
}

stop_server() {
    local pids=("$@") p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [[ $alive -eq 0 ]] && break
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait "${pids[0]}" 2>/dev/null || true
}

# cpu_busy CPU...: busy % of each CPU over 0.5 s, before a run: load that is not ours
cpu_busy() {
    local a b cpu out=()
    a=$(grep -E '^cpu[0-9]+ ' /proc/stat)
    sleep 0.5
    b=$(grep -E '^cpu[0-9]+ ' /proc/stat)
    for cpu in "$@"; do
        out+=("$(printf '%s\n%s\n' "$(grep "^cpu$cpu " <<<"$a")" "$(grep "^cpu$cpu " <<<"$b")" |
            awk '{ idle = $5 + $6; tot = 0; for (i = 2; i <= NF; i++) tot += $i;
                   if (NR == 1) { i0 = idle; t0 = tot } else { d = tot - t0; printf "%.0f", (d > 0 ? 100 * (1 - (idle - i0) / d) : 0) } }')")
    done
    echo "${out[*]}"
}

skip_row() { # system scenario_key why
    log "skipped $1 / $2: $3"
    jq -cn --arg s "$1" --arg k "$2" --arg w "$3" --argjson rd "$ROUND" '{system:$s, scenario_key:$k, skipped:$w, round:$rd}' >> "$JSONL"
}

# ---------------------------------------------------------------- builds
if [[ $BUILD -eq 1 ]]; then
    log "building native/ (cmake, Release -O2)"
    cmake -S native -B native/build -DCMAKE_BUILD_TYPE=Release > "$LOGS/native-build.log" 2>&1
    cmake --build native/build -j 2 >> "$LOGS/native-build.log" 2>&1 || { cat "$LOGS/native-build.log" >&2; exit 1; }
fi
REFLECTOR="$ROOT/native/build/reflector"
UDPGEN="$ROOT/native/build/udpgen"
STREAMGEN="$ROOT/native/build/streamgen"
SREFLECTOR="$ROOT/native/build/streamreflector"
[[ -x $UDPGEN && -x $REFLECTOR && -x $STREAMGEN && -x $SREFLECTOR ]] ||
    { log "native/build has no udpgen/reflector/streamgen/streamreflector (run without --no-build)"; exit 1; }
command -v jq >/dev/null || { log "jq is needed (apt-get install jq)"; exit 1; }
command -v python3 >/dev/null || { log "python3 is needed for the report"; exit 1; }

HP_SKIP=""
HP_BIN="${HYPERPROXY_BIN:-$ROOT/perf/bin/hyperproxy/hyperproxy}"
if has "$SYSTEMS" hyperproxy; then
    if [[ -z ${HYPERPROXY_BIN:-} && $BUILD -eq 1 ]]; then
        if ! command -v dotnet >/dev/null; then
            HP_SKIP="dotnet not found"
        elif [[ ! -f src/Hyperproxy/Hyperproxy.csproj ]]; then
            HP_SKIP="src/Hyperproxy/Hyperproxy.csproj not found"
        else
            log "publishing Hyperproxy (Release) to perf/bin/hyperproxy"
            if ! dotnet publish src/Hyperproxy -c Release -o perf/bin/hyperproxy \
                    --artifacts-path "${TMPDIR:-/tmp}/hyperproxy-bench-artifacts" > "$LOGS/hyperproxy-build.log" 2>&1; then
                HP_SKIP="Release build failed (perf/results/$STAMP.logs/hyperproxy-build.log)"
            fi
        fi
    fi
    if [[ -z $HP_SKIP && ! -x $HP_BIN ]]; then HP_SKIP="no executable at $HP_BIN"; fi
fi

KAM_SKIP=""
if has "$SYSTEMS" kamailio; then
    if ! command -v kamailio >/dev/null; then
        KAM_SKIP="kamailio not installed"
    else
        # the Debian service must not be running next to the benchmark (its own pid file only:
        # other kamailio processes on this machine belong to someone else and are left alone)
        svc_pid=$(cat /run/kamailio/kamailio.pid 2>/dev/null || true)
        if [[ -n $svc_pid ]] && kill -0 "$svc_pid" 2>/dev/null && [[ -x /etc/init.d/kamailio ]]; then
            log "stopping the Debian kamailio service (pid $svc_pid)"
            /etc/init.d/kamailio stop >/dev/null 2>&1 || true
        fi
        if command -v systemctl >/dev/null && systemctl is-active --quiet kamailio 2>/dev/null; then
            log "stopping the kamailio systemd service"
            systemctl stop kamailio || true
        fi
    fi
fi

# TLS rows: one certificate for every server of the run (EC P-256, made by openssl here), Kamailio's tls.cfg naming it
TLS_CERT=""
TLS_KEY=""
KAM_TLS_CFG=""
TLS_SKIP=""
KAM_TLS_SKIP=""
if has "$SCENARIOS" tls-options || has "$SCENARIOS" tls-handshakes; then
    if ! command -v openssl >/dev/null; then
        TLS_SKIP="openssl not installed"
    else
        mkdir -p "$LOGS/tls"
        if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$LOGS/tls/key.pem" \
                -out "$LOGS/tls/cert.pem" -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 > "$LOGS/tls/openssl.log" 2>&1; then
            TLS_CERT="$LOGS/tls/cert.pem"
            TLS_KEY="$LOGS/tls/key.pem"
            # tls.so's default method is TLSv1.0 only, which current clients refuse; absolute paths (its cwd is not ours)
            KAM_TLS_CFG="$LOGS/kamailio-tls.cfg"
            printf '[server:default]\nmethod = TLSv1.2+\ncertificate = %s\nprivate_key = %s\nverify_certificate = no\nrequire_certificate = no\n' \
                "$TLS_CERT" "$TLS_KEY" > "$KAM_TLS_CFG"
        else
            TLS_SKIP="openssl could not make the test certificate: $(tail -n 1 "$LOGS/tls/openssl.log")"
        fi
    fi
    if has "$SYSTEMS" kamailio && [[ -z $KAM_SKIP && ! -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ]]; then
        KAM_TLS_SKIP="Kamailio's tls.so not installed (apt-get install kamailio-tls-modules)"
    fi
fi

# ---------------------------------------------------------------- one measured run
PORT_NEXT=$BASE_PORT
SRV_PIDS=()
SRV_PORT=0
SRV_CTL=""
SRV_LOG=""

# start_sink PORT: a UDP socket bound on 127.0.0.1:PORT that never reads (HEP packets queue, then the kernel
# drops them; nothing answers with ICMP); SINK_PID
start_sink() {
    python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(3600)' "$1" > /dev/null 2>&1 &
    SINK_PID=$!
    STARTED+=("$SINK_PID")
    local i
    for i in $(seq 1 50); do
        udp_port_bound "$1" && return 0
        sleep 0.1
    done
    return 1
}

# stop_sink PORT: JSON {queued_bytes, drops} of the sink's socket (from /proc/net/udp), then the sink stopped
stop_sink() {
    local hex line
    hex=$(printf '%04X' "$1")
    line=$(awk -v p=":$hex" '$2 ~ p"$" { print; exit }' /proc/net/udp 2>/dev/null || true)
    kill -TERM "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true
    SINK_PID=""
    if [[ -z $line ]]; then echo '{}'; return 0; fi
    local f
    read -r -a f <<<"$line"
    echo "{\"queued_bytes\":$((16#${f[4]#*:})),\"drops\":${f[-1]}}"
}

# start_server SYSTEM SCENARIO: sets SRV_PIDS (main first) and SRV_PORT, or returns 1 with SKIP_WHY
start_server() {
    local system=$1 scenario=$2 log="$LOGS/$1-$2.log"
    [[ $system == hyperproxy && $scenario == register ]] && log="$LOGS/$1-$2-$HP_DURABILITY-$HP_PIN${LOG_TAG:-}.log"
    [[ $system == kamailio ]] && log="$LOGS/$1-$2${LOG_TAG:-}.log"
    [[ $system == hyperproxy && $scenario != register ]] && log="$LOGS/$1-$2${LOG_TAG:-}.log"
    log=${log// /_}
    SRV_LOG=$log
    SRV_PORT=$PORT_NEXT
    PORT_NEXT=$((PORT_NEXT + 2))
    SRV_PIDS=()
    SRV_CTL=""
    case "$system" in
        none)
            SKIP_WHY=""
            return 0 ;;
        reflector-echo)
            taskset -c "$SERVER_CPU" "$REFLECTOR" -l 127.0.0.1 -p "$SRV_PORT" -c "$SERVER_CPU" -t 600 > "$log" 2>&1 & ;;
        reflector-sl)
            taskset -c "$SERVER_CPU" "$REFLECTOR" -l 127.0.0.1 -p "$SRV_PORT" -c "$SERVER_CPU" -r -t 600 > "$log" 2>&1 & ;;
        sreflector-echo|sreflector-sl)
            local sr=()
            [[ $system == sreflector-sl ]] && sr+=(-r)
            [[ $SRV_PROTO == tls ]] && sr+=(--tls --cert "$TLS_CERT" --key "$TLS_KEY")
            taskset -c "$SERVER_CPU" "$SREFLECTOR" -l 127.0.0.1 -p "$SRV_PORT" -c "$SERVER_CPU" -t 600 "${sr[@]}" > "$log" 2>&1 & ;;
        kamailio)
            local cfg="$LOGS/kamailio-$scenario.cfg" tmpl
            case "$scenario" in
                options) tmpl=perf/kamailio/options.cfg ;;
                forward) tmpl=perf/kamailio/forward.cfg ;;
                rr-forward) tmpl=perf/kamailio/rr-forward.cfg ;;
                register) tmpl=perf/kamailio/registrar.cfg ;;
                register-auth) tmpl=perf/kamailio/register-auth.cfg ;;
                register-auth-htable) tmpl=perf/kamailio/register-auth-htable.cfg ;;
                flood) tmpl=perf/kamailio/flood.cfg ;;
                stateful-call|stateful-hold) tmpl=perf/kamailio/stateful-call.cfg ;;
                stateless-call) tmpl=perf/kamailio/stateless-call.cfg ;;
                dispatch) tmpl=perf/kamailio/dispatch.cfg
                    # the set's one destination: udpgen's callee on the port after the server's
                    echo "1 sip:127.0.0.1:$((SRV_PORT + 1)) 0 0" > "$LOGS/kamailio-dispatch.list" ;;
                tcp-options|tcp-latency|tls-options|tls-handshakes) tmpl=perf/kamailio/options-stream.cfg ;;
            esac
            local defs=()
            [[ $SRV_PROTO == tls ]] && defs=(-A WITH_TLS)
            # tm keeps every transaction in shared memory: 200k held INVITEs need far more than 512 MB
            # (about 16 KB of PSS per held call was seen)
            local shm=512
            [[ $scenario == stateful-hold ]] && shm=6144
            SRV_CTL="/tmp/$RUN_TAG-$SRV_PORT.ctl"
            sed -e "s/@PORT@/$SRV_PORT/g" -e "s,@CTL@,$SRV_CTL,g" -e "s/@PROTO@/$SRV_PROTO/g" -e "s,@TLSCFG@,$KAM_TLS_CFG,g" -e "s,@LIST@,$LOGS/kamailio-dispatch.list,g" -e "s,@DB@,$AUTH_DB,g" "$tmpl" > "$cfg"
            taskset -c "$SERVER_CPU" kamailio -f "$cfg" -DD -E -n 1 -m "$shm" -P "$LOGS/kamailio-$scenario.pid" "${defs[@]}" > "$log" 2>&1 & ;;
        hyperproxy)
            local var="HYPERPROXY_ARGS_${scenario^^}" args
            var=${var//-/_}
            args="${HYPERPROXY_ARGS:-$HP_ARGS_DEFAULT}"
            # rr-forward runs the same job as Kamailio's rr-forward.cfg: a script, not the default one
            [[ $scenario == rr-forward ]] && args="$args --config $ROOT/perf/hyperproxy/rr-forward.cfg"
            [[ $scenario == stateful-call || $scenario == stateful-hold || $scenario == stateful-overload ]] && args="$args --config $ROOT/perf/hyperproxy/stateful-call.cfg"
            [[ $scenario == stateless-call ]] && args="$args --config $ROOT/perf/hyperproxy/stateless-call.cfg"
            if [[ $scenario == dispatch ]]; then
                # OpenSIPS's db_text dispatcher table: set 1, udpgen's callee (the port after the server's)
                local db="$LOGS/hyperproxy-dispatch-db"
                mkdir -p "$db"
                printf '%s\n%s\n' \
                    'id(int,auto) setid(int) destination(string) socket(string,null) state(int) probe_mode(int) weight(string) priority(int) attrs(string,null) description(string,null)' \
                    "1:1:sip\\:127.0.0.1\\:$((SRV_PORT + 1))::0:0:1:0::udpgen callee" > "$db/dispatcher"
                sed -e "s,@DBURL@,text://$db,g" perf/hyperproxy/dispatch.cfg > "$LOGS/hyperproxy-dispatch.cfg"
                args="$args --config $LOGS/hyperproxy-dispatch.cfg"
            fi
            if [[ $scenario == options-polled || $scenario == options-traced ]]; then
                # httpd (TCP) or the HEP sink (UDP) on the row's second port
                local cfg="$LOGS/hyperproxy-$scenario.cfg"
                sed -e "s/@HTTP_PORT@/$((SRV_PORT + 1))/g" -e "s/@HEP_PORT@/$((SRV_PORT + 1))/g" "perf/hyperproxy/$scenario.cfg" > "$cfg"
                args="$args --config $cfg"
                if [[ $scenario == options-traced ]] && ! start_sink "$((SRV_PORT + 1))"; then
                    SKIP_WHY="the HEP sink (python3) did not bind 127.0.0.1:$((SRV_PORT + 1))"
                    return 1
                fi
            fi
            if [[ $scenario == natping || $scenario == natping-off ]]; then
                # pings go to the port after the responder's: nothing listens there, the kernel drops them
                local cfg="$LOGS/hyperproxy-$scenario.cfg" data interval=$NATPING_INTERVAL
                [[ $scenario == natping-off ]] && interval=0
                sed -e "s/@INTERVAL@/$interval/g" -e "s/@SINK@/$((SRV_PORT + 1))/g" perf/hyperproxy/natping.cfg > "$cfg"
                data=$(mktemp -d "${TMPDIR:-/tmp}/$RUN_TAG-location-XXXXXX")
                HP_DATA_DIRS+=("$data")
                args="$args --config $cfg --durability none --data-dir $data"
            fi
            [[ $scenario == flood ]] && args="$args --config $ROOT/perf/hyperproxy/flood.cfg"
            if [[ $scenario == register || $scenario == register-auth ]]; then
                # the registrar script with the port filled in; a fresh location folder per row
                local cfg="$LOGS/hyperproxy-$scenario.cfg" data src=perf/hyperproxy/registrar.cfg
                [[ $scenario == register-auth ]] && src=perf/hyperproxy/register-auth.cfg
                sed -e "s/@PORT@/$SRV_PORT/g" -e "s,@DB@,$AUTH_DB,g" "$src" > "$cfg"
                data=$(mktemp -d "${TMPDIR:-/tmp}/$RUN_TAG-location-XXXXXX")
                HP_DATA_DIRS+=("$data")
                args="${!var:-$HP_ARGS_REGISTER_DEFAULT}"
                # register-cluster's Redis row: the table on the redis-server, no durability of our own
                [[ $HP_DURABILITY == redis ]] && args="${args//--durability \{DURABILITY\}/--location-store redis://127.0.0.1:$REDIS_PORT/}"
                args="${args//\{CONFIG\}/$cfg}"
                args="${args//\{DURABILITY\}/$HP_DURABILITY}"
                args="${args//\{DATA_DIR\}/$data}"
            elif [[ $SRV_PROTO != udp ]]; then
                # stream rows: a TCP or TLS listener only (HYPERPROXY_ARGS names a UDP one)
                args="$HP_ARGS_STREAM_DEFAULT"
                [[ $SRV_PROTO == tls ]] && args="$args --tls-cert {CERT} --tls-key {KEY}"
                [[ $scenario == tcp-idle ]] && args="$args --config $ROOT/perf/hyperproxy/tcp-idle.cfg"
                [[ $scenario == tcp-latency ]] && args="$args --listen udp:127.0.0.1:{PORT}"
                args="${!var:-$args}"
                args="${args//\{PROTO\}/$SRV_PROTO}"
                args="${args//\{CERT\}/$TLS_CERT}"
                args="${args//\{KEY\}/$TLS_KEY}"
            else
                args="${!var:-$args}"
            fi
            args="${args//\{PORT\}/$SRV_PORT}"
            local pin=(taskset -c "$SERVER_CPU")
            [[ $HP_PIN != process ]] && pin=()
            [[ $HP_PIN == none ]] && args="${args// --cpus $SERVER_CPU/}"
            # shellcheck disable=SC2086 # the arguments are a word list on purpose
            "${pin[@]}" "$HP_BIN" $args > "$log" 2>&1 & ;;
    esac
    local pid=$!
    STARTED+=("$pid")
    if ! wait_ready "$pid" "$SRV_PORT"; then
        SKIP_WHY="did not start listening on 127.0.0.1:$SRV_PORT: $(tail -n 2 "$log" | tr '\n|' '  ' | cut -c1-160)"
        stop_server "$pid"
        return 1
    fi
    sleep 0.3 # let multi-process servers finish forking their workers
    if [[ $system == kamailio ]]; then
        # Kamailio binds its port before its modules load their tables (htable's 100k rows take seconds) and forks
        # its workers after: wait (bounded) for them
        local w
        for w in $(seq 600); do
            [[ -n $(ps -o pid= --ppid "$pid" 2>/dev/null) ]] && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
    fi
    SRV_PIDS=("$pid")
    local kids
    kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
    for k in $kids; do SRV_PIDS+=("$k"); STARTED+=("$k"); done
    return 0
}

# measure LABEL SCENARIO_KEY GENERATOR-ARGS...: runs udpgen, appends its JSON to runs.jsonl
measure() {
    local label=$1 key=$2
    shift 2
    local name="${label// /_}-${key// /_}"
    if (( ROUNDS > 1 )); then name="$name-round$ROUND"; fi
    name=${name//[()@\/]/}
    local cpu_pids
    cpu_pids=$(IFS=,; echo "${SRV_PIDS[*]:-}")
    local bg
    read -r -a bg <<<"$(cpu_busy "$SERVER_CPU" "$GEN_CPU")"
    # a shared machine: wait (within a bounded budget for the whole run) for other load to pass
    while (( bg[0] >= QUIET_PCT || bg[1] >= QUIET_PCT )) && (( QUIET_WAITED < QUIET_BUDGET )); do
        (( QUIET_WAITED % 5 == 0 )) && log "other processes keep CPU $SERVER_CPU ${bg[0]}% / CPU $GEN_CPU ${bg[1]}% busy: waiting (${QUIET_WAITED}s of ${QUIET_BUDGET}s)"
        sleep 0.5
        QUIET_WAITED=$((QUIET_WAITED + 1))
        read -r -a bg <<<"$(cpu_busy "$SERVER_CPU" "$GEN_CPU")"
    done
    log "measuring $label / $key (CPU $SERVER_CPU ${bg[0]}% and CPU $GEN_CPU ${bg[1]}% busy before start)"
    MEASURED=""
    MEASURE_FAIL=""
    local gen=${GEN_BIN:-$UDPGEN}
    if ! taskset -c "$GEN_CPU" "$gen" -c "$GEN_CPU" -d "$DURATION" --label "$label" \
            --cpu-pids "$cpu_pids" "$@" > "$LOGS/$name.json" 2> "$LOGS/$name.gen.log"; then
        MEASURE_FAIL="$(basename "$gen") failed: $(tail -n 1 "$LOGS/$name.gen.log")"
        return 0
    fi
    MEASURED=$(jq -c --arg s "$label" --arg k "$key" --argjson b0 "${bg[0]}" --argjson b1 "${bg[1]}" --argjson rd "$ROUND" \
        '. + {system:$s, scenario_key:$k, round:$rd, background_busy_pct:{server_cpu:$b0, gen_cpu:$b1}}' "$LOGS/$name.json")
    tail -n 1 "$LOGS/$name.gen.log" >&2
}

# flagged JSON: true when other processes likely took CPU from this row (same rules as perf/report.py)
flagged() {
    jq -e --argjson q "$QUIET_PCT" --argjson sc "$SERVER_CPU" '
        (.background_busy_pct.server_cpu >= $q or .background_busy_pct.gen_cpu >= $q)
        or (.rate_target == 0 and (.hold_target // 0) == 0 and (.idle_target // 0) == 0 and .server_cpu_pct != null and .server_cpu_pct < 85 and .gen_busy_pct < 85)
        or (.server_cpu_pct != null and (.cpu_busy_pct | length) > $sc and .cpu_busy_pct[$sc] - .server_cpu_pct > 25)
    ' <<<"$1" >/dev/null
}

# run_case SYSTEM LABEL SCENARIO_KEY SCENARIO GENERATOR-ARGS...
run_case() {
    local system=$1 label=$2 key=$3 scenario=$4
    shift 4
    if ! start_server "$system" "$scenario"; then
        skip_row "$label" "$key" "$SKIP_WHY"
        SKIPPED=1
        return 0
    fi
    local gen_args=("$@")
    local i
    for i in "${!gen_args[@]}"; do
        gen_args[$i]=${gen_args[$i]//\{PORT\}/$SRV_PORT}
        gen_args[$i]=${gen_args[$i]//\{RPORT\}/$((SRV_PORT + 1))}
    done
    local poller_pid="" poller_out="$LOGS/poller-$SRV_PORT.json"
    if [[ $HELPER == poller ]]; then
        # on the generator's CPU: the server's side of every poll (HTTP, MI, rendering) is what is measured. It
        # polls through udpgen's warm-up and measured seconds (and one more) and ends by itself (timeout: a bound).
        taskset -c "$GEN_CPU" timeout "$((WARMUP + DURATION + 20))" python3 "$ROOT/perf/poller.py" --url "http://127.0.0.1:$((SRV_PORT + 1))" \
            --rate "$POLL_RATE" --duration "$((WARMUP + DURATION + 1))" > "$poller_out" 2> "$LOGS/poller-$SRV_PORT.log" &
        poller_pid=$!
        STARTED+=("$poller_pid")
    fi
    measure "$label" "$key" "${gen_args[@]}"
    if [[ -n $poller_pid ]]; then
        wait "$poller_pid" 2>/dev/null || true
        if [[ -n $MEASURED ]] && jq -e . "$poller_out" >/dev/null 2>&1; then
            MEASURED=$(jq -c --slurpfile p "$poller_out" '. + {poller: $p[0]}' <<<"$MEASURED")
        fi
    fi
    if [[ -n $SINK_PID ]]; then
        local sink
        sink=$(stop_sink "$((SRV_PORT + 1))")
        [[ -n $MEASURED ]] && MEASURED=$(jq -c --argjson h "$sink" '. + {hep_sink: $h}' <<<"$MEASURED")
    fi
    if [[ -n $SRV_CTL ]]; then
        timeout 5 kamcmd -s "unix:$SRV_CTL" stats.get_statistics all > "$LOGS/kamailio-$scenario.stats" 2>&1 || true
    fi
    if [[ ${#SRV_PIDS[@]} -gt 0 ]]; then stop_server "${SRV_PIDS[@]}"; fi
    SRV_PIDS=()
    # Hyperproxy with a WAL logs its commit and parked-reply figures when it stops: keep them with the row
    if [[ -n $MEASURED && $system == hyperproxy ]] && grep -q "WAL commits" "$SRV_LOG"; then
        MEASURED=$(wal_figures "$SRV_LOG" "$MEASURED")
    fi
}

# natping_rows: the OPTIONS job against one Hyperproxy worker holding NATPING_CONTACTS NAT'ed contacts, with
# nathelper pinging them (natping) and without (natping-off); the contacts are loaded by udpgen's REGISTERs
# for NATPING_LOAD_S seconds first (long enough for a ping round to have listed them all).
natping_rows() {
    local scenario label key="natping $NATPING_CONTACTS contacts"
    for scenario in natping natping-off; do
        label="Hyperproxy, pinging every ${NATPING_INTERVAL} s"
        [[ $scenario == natping-off ]] && label="Hyperproxy, no pinging"
        if [[ -n $HP_SKIP ]]; then skip_row "$label" "$key" "$HP_SKIP"; continue; fi
        if ! start_server hyperproxy "$scenario"; then skip_row "$label" "$key" "$SKIP_WHY"; continue; fi
        log "loading $NATPING_CONTACTS NAT'ed contacts for ${NATPING_LOAD_S}s"
        taskset -c "$GEN_CPU" "$UDPGEN" -c "$GEN_CPU" -s register -t "127.0.0.1:$SRV_PORT" -w "$WINDOW" -W 0 -d "$NATPING_LOAD_S" \
            -u "$NATPING_CONTACTS" --label load > "$LOGS/$scenario-load.json" 2> "$LOGS/$scenario-load.gen.log" || true
        measure "$label" "$key" -s options -t "127.0.0.1:$SRV_PORT" -w "$WINDOW" -W "$WARMUP"
        stop_server "${SRV_PIDS[@]}"
        SRV_PIDS=()
        if [[ -n $MEASURED ]]; then
            local sent
            sent=$(grep -o 'nat pings sent [0-9]*' "$SRV_LOG" | grep -o '[0-9]*$' | tail -n 1 || true)
            echo "$MEASURED" | jq -c --argjson n "${sent:-0}" --argjson c "$NATPING_CONTACTS" '. + {natpings_sent: $n, nated_contacts: $c}' >> "$JSONL"
        else
            skip_row "$label" "$key" "${MEASURE_FAIL:-no result}"
        fi
    done
}

# lookup_rows: lookup-cluster. Per system: a fresh server, BENCH_LOOKUP_USERS users registered with their contact at the
# generator's responder, then MESSAGEs to the users in turn, delivered by lookup(); the Redis row adds redis_cpu_s.
lookup_rows() {
    local store label system key="lookup-cluster" cpu_before
    for store in faster redis kamailio; do
        system=hyperproxy
        HP_DURABILITY=none
        case $store in
            faster) label="Hyperproxy (FASTER store)" ;;
            redis) label="Hyperproxy (Redis store)" ;;
            kamailio) label="Kamailio 5.6 (usrloc in memory)"; system=kamailio ;;
        esac
        if [[ $system == hyperproxy && -n $HP_SKIP ]]; then skip_row "$label" "$key" "$HP_SKIP"; continue; fi
        if [[ $system == kamailio ]] && { ! has "$SYSTEMS" kamailio || [[ -n $KAM_SKIP ]]; }; then
            has "$SYSTEMS" kamailio && skip_row "$label" "$key" "$KAM_SKIP"
            continue
        fi
        if [[ $store == redis ]]; then
            if ! start_redis; then skip_row "$label" "$key" "$SKIP_WHY"; continue; fi
            HP_DURABILITY=redis
        fi
        if ! start_server "$system" register; then
            skip_row "$label" "$key" "$SKIP_WHY"
            [[ $store == redis ]] && { kill -TERM "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; }
            HP_DURABILITY=none
            continue
        fi
        log "registering $LOOKUP_USERS users at the responder for ${LOOKUP_LOAD_S}s ($label)"
        taskset -c "$GEN_CPU" "$UDPGEN" -c "$GEN_CPU" -s register -t "127.0.0.1:$SRV_PORT" -w "$WINDOW" -W 0 -d "$LOOKUP_LOAD_S" \
            -u "$LOOKUP_USERS" -r "127.0.0.1:$((SRV_PORT + 1))" --cseq-file "$CSEQ_FILE" --label load \
            > "$LOGS/lookup-$store-load.json" 2> "$LOGS/lookup-$store-load.gen.log" || true
        [[ $store == redis ]] && cpu_before=$(redis_cpu)
        measure "$label" "$key" -s lookup -m MESSAGE -t "127.0.0.1:$SRV_PORT" -w "$WINDOW" -W "$WARMUP" -u "$LOOKUP_USERS" \
            -R "$((SRV_PORT + 1))"
        stop_server "${SRV_PIDS[@]}"
        SRV_PIDS=()
        if [[ -z $MEASURED ]]; then
            skip_row "$label" "$key" "${MEASURE_FAIL:-no result}"
        elif [[ $store == redis ]]; then
            echo "$MEASURED" | jq -c --argjson c "$(awk -v a="$cpu_before" -v b="$(redis_cpu)" 'BEGIN { printf "%.2f", b - a }')" \
                '. + {redis_cpu_s: $c}' >> "$JSONL"
        else
            echo "$MEASURED" >> "$JSONL"
        fi
        if [[ $store == redis ]]; then
            kill -TERM "$REDIS_PID" 2>/dev/null || true
            wait "$REDIS_PID" 2>/dev/null || true
        fi
        HP_DURABILITY=none
    done
}

# wal_figures LOG JSON: JSON plus the "location store: N WAL commits ..." line's figures
wal_figures() {
    local line
    line=$(grep -m1 "WAL commits" "$1")
    jq -c --arg l "$line" '. + {wal: ($l | capture("(?<commits>[0-9]+) WAL commits.* p50 (?<commit_p50_us>[0-9]+) us p99 (?<commit_p99_us>[0-9]+) us p99.9 (?<commit_p999_us>[0-9]+) us max (?<commit_max_us>[0-9]+) us.*; (?<released>[0-9]+) parked replies released, wait p50 (?<wait_p50_us>[0-9]+) us p99 (?<wait_p99_us>[0-9]+) us max (?<wait_max_us>[0-9]+) us, (?<deferred>[0-9]+) deferred") | map_values(tonumber))}' <<<"$2"
}

# run_row: run_case, once more (fresh server) when the row shared the CPUs with other processes
# and the time budget allows; the last attempt is the one reported
run_row() {
    local attempt started=$SECONDS
    for attempt in 1 2; do
        MEASURED=""
        MEASURE_FAIL=""
        SKIPPED=0
        run_case "$@"
        [[ $attempt -eq 2 ]] && RETRY_SPENT=$((RETRY_SPENT + SECONDS - started))
        [[ $SKIPPED -eq 1 || -z $MEASURED || $attempt -eq 2 ]] && break
        flagged "$MEASURED" || break
        (( RETRY_SPENT < RETRY_BUDGET )) || break
        log "$2 / $3 shared the CPUs with other processes: measuring it again"
        started=$SECONDS
    done
    if [[ $SKIPPED -eq 0 ]]; then
        if [[ -n $MEASURED ]]; then echo "$MEASURED" >> "$JSONL"; else skip_row "$2" "$3" "${MEASURE_FAIL:-no result}"; fi
    fi
}

OPT=(-s options -t '127.0.0.1:{PORT}' -w "$WINDOW" -W "$WARMUP")
RAUTH=(-s register-auth -t '127.0.0.1:{PORT}' -w "$WINDOW" -W "$REGISTER_WARMUP" -u "$USERS" -T 5000 --cseq-file "$AUTH_CSEQ_FILE")
FLOOD=(-s flood -t '127.0.0.1:{PORT}' -W "$WARMUP" -T 1000 --second-local 127.0.0.2 --second-share 0.01)
REG=(-s register -t '127.0.0.1:{PORT}' -w "$WINDOW" -W "$REGISTER_WARMUP" -u "$USERS" --path --cseq-file "$CSEQ_FILE")
LAT=(-s options -t '127.0.0.1:{PORT}' --rate "$LATENCY_RATE" -W "$WARMUP")
# forward: udpgen answers as the responder on {RPORT} (= the proxy's port + 1) and names it in the R-URI
FWD=(-s forward -t '127.0.0.1:{PORT}' -w "$WINDOW" -W "$WARMUP" -R '{RPORT}' -r '127.0.0.1:{RPORT}')
# stateful-call: udpgen is caller and callee (responder on {RPORT}); a call is one unit of the window
# (a call is three round trips: a call unfinished after 5 s counts as a timeout)
CALL=(-s call -t '127.0.0.1:{PORT}' -w "$WINDOW" -W "$WARMUP" -T 5000 -R '{RPORT}' -r '127.0.0.1:{RPORT}')
# stateful-hold: HOLD_CALLS calls answered 180 only; ends when all are held (bounded by 120 s), the
# server's memory read 1 s after the last 180
HOLD=(-s call --hold "$HOLD_CALLS" -t '127.0.0.1:{PORT}' -w "$WINDOW" -W 0 -R '{RPORT}' -r '127.0.0.1:{RPORT}'
      -T 120000 --drain-ms 1000)

# write_auth_db: register-auth's db_text directory, once per run: BENCH_USERS subscribers u00000000.. at 127.0.0.1
# (udpgen's AoRs), password "secret" (udpgen's default) in the password column, ha1 filled in too; the column
# layout and version are the ones both auth_db modules read (Kamailio's db_text, OpenSIPS 3.0/3.1's subscriber 7)
write_auth_db() {
    [[ -f $AUTH_DB/subscriber ]] && return 0
    mkdir -p "$AUTH_DB"
    python3 - "$AUTH_DB" "$USERS" <<'PY'
import hashlib, os, sys
d, n = sys.argv[1], int(sys.argv[2])
with open(os.path.join(d, "subscriber"), "w") as f:
    f.write("id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string)\n")
    for i in range(n):
        u = "u%08d" % i
        ha1 = hashlib.md5(f"{u}:127.0.0.1:secret".encode()).hexdigest()
        ha1b = hashlib.md5(f"{u}@127.0.0.1:127.0.0.1:secret".encode()).hexdigest()
        f.write(f"{i + 1}:{u}:127.0.0.1:secret:{ha1}:{ha1b}\n")
with open(os.path.join(d, "htable"), "w") as f:  # the same users for Kamailio's htable (key: user, value: password)
    f.write("id(int,auto) key_name(string) key_type(int) value_type(int) key_value(string) expires(int)\n")
    for i in range(n):
        f.write(f"{i + 1}:u{i:08d}:0:0:secret:0\n")
with open(os.path.join(d, "version"), "w") as f:
    f.write("table_name(string) table_version(int)\nsubscriber:7\nlocation:9\nhtable:2\n")
PY
    log "wrote $USERS subscribers to $AUTH_DB"
}

system_rows() { # SYSTEM LABEL SKIP-REASON SCENARIO_KEY SCENARIO ARGS...
    local system=$1 label=$2 why=$3
    shift 3
    if [[ -n $why ]]; then skip_row "$label" "$1" "$why"; return 0; fi
    run_row "$system" "$label" "$@"
}

for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
if (( ROUNDS > 1 )); then log "round $ROUND of $ROUNDS"; fi
if has "$SCENARIOS" options; then
    if has "$SYSTEMS" reflector; then
        run_row reflector-echo "C reflector (echo)" options options "${OPT[@]}"
        run_row reflector-sl "C reflector (sl 200)" options options "${OPT[@]}"
    fi
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" options options "${OPT[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" options options "${OPT[@]}"; fi
fi
if has "$SCENARIOS" forward; then
    if has "$SYSTEMS" reflector; then
        # no proxy: udpgen sends straight to its own responder, all on the generator's CPU
        run_row none "udpgen + responder, no proxy" forward forward -s forward -t '127.0.0.1:{RPORT}' \
            -w "$WINDOW" -W "$WARMUP" -R '{RPORT}' -r '127.0.0.1:{RPORT}'
    fi
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" forward forward "${FWD[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" forward forward "${FWD[@]}"; fi
fi
if has "$SCENARIOS" rr-forward; then
    # the forward job plus record_route() on every request (the "no proxy" ceiling is the forward one)
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" rr-forward rr-forward "${FWD[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" rr-forward rr-forward "${FWD[@]}"; fi
fi
if has "$SCENARIOS" register; then
    if has "$SYSTEMS" reflector; then run_row reflector-sl "C reflector (sl 200)" register register "${REG[@]}"; fi
    if has "$SYSTEMS" hyperproxy; then
        for HP_DURABILITY in none sync; do
            system_rows hyperproxy "Hyperproxy (durability $HP_DURABILITY)" "$HP_SKIP" register register "${REG[@]}"
        done
        HP_DURABILITY=none
    fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" register register "${REG[@]}"; fi
fi
if has "$SCENARIOS" register-sync; then
    for w in "${SYNC_WINDOWS[@]}"; do
        key="register-sync w$w"
        REGW=(-s register -t '127.0.0.1:{PORT}' -w "$w" -W "$REGISTER_WARMUP" -u "$USERS" --path --cseq-file "$CSEQ_FILE" --busy)
        LOG_TAG="-w$w"
        if has "$SYSTEMS" hyperproxy; then
            HP_DURABILITY=sync
            for HP_PIN in "${SYNC_PINS[@]}"; do
                case $HP_PIN in
                    worker) label="Hyperproxy sync, worker pinned" ;;
                    process) label="Hyperproxy sync, process on CPU $SERVER_CPU" ;;
                    none) label="Hyperproxy sync, unpinned" ;;
                esac
                system_rows hyperproxy "$label" "$HP_SKIP" "$key" register "${REGW[@]}"
            done
            HP_PIN=process
            HP_DURABILITY=none
        fi
        if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" "$key" register "${REGW[@]}"; fi
        LOG_TAG=""
    done
fi
if has "$SCENARIOS" natping && has "$SYSTEMS" hyperproxy; then
    natping_rows
fi
if has "$SCENARIOS" register-cluster && has "$SYSTEMS" hyperproxy; then
    HP_DURABILITY=none
    system_rows hyperproxy "Hyperproxy (FASTER store)" "$HP_SKIP" register-cluster register "${REG[@]}"
    if [[ -n $HP_SKIP ]]; then
        skip_row "Hyperproxy (Redis store)" register-cluster "$HP_SKIP"
    elif start_redis; then
        HP_DURABILITY=redis
        for HP_PIN in process worker; do
            # worker: only the worker on CPU 0 (--cpus 0), the client's threads (socket manager, completions) free to
            # run on either CPU: what the profile says takes the worker's core in the pinned row
            label="Hyperproxy (Redis store)"
            [[ $HP_PIN == worker ]] && label="Hyperproxy (Redis store, only the worker pinned)"
            redis-cli -p "$REDIS_PORT" flushall > /dev/null
            cpu_before=$(redis_cpu)
            rows_before=$(wc -l < "$JSONL")
            system_rows hyperproxy "$label" "" register-cluster register "${REG[@]}"
            cpu_after=$(redis_cpu)
            if (( $(wc -l < "$JSONL") > rows_before )); then
                last=$(tail -n 1 "$JSONL" | jq -c --argjson c "$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { printf "%.2f", b - a }')" '. + {redis_cpu_s: $c}')
                sed -i '$ d' "$JSONL"
                echo "$last" >> "$JSONL"
            fi
        done
        HP_PIN=process
        kill -TERM "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
        HP_DURABILITY=none
    else
        skip_row "Hyperproxy (Redis store)" register-cluster "$SKIP_WHY"
    fi
    # the target of the Redis row: Kamailio's own in-memory usrloc rate, same job, same run
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6 (usrloc in memory)" "$KAM_SKIP" register-cluster register "${REG[@]}"; fi
fi
if has "$SCENARIOS" lookup-cluster && has "$SYSTEMS" hyperproxy; then
    lookup_rows
fi
if has "$SCENARIOS" stateful-call; then
    if has "$SYSTEMS" reflector; then
        # no proxy: udpgen's caller calls its own callee straight, all on the generator's CPU
        run_row none "udpgen caller + callee, no proxy" stateful-call stateful-call -s call -t '127.0.0.1:{RPORT}' \
            -w "$WINDOW" -W "$WARMUP" -T 5000 -R '{RPORT}' -r '127.0.0.1:{RPORT}'
    fi
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" stateful-call stateful-call "${CALL[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" stateful-call stateful-call "${CALL[@]}"; fi
fi
if has "$SCENARIOS" stateless-call; then
    # the same calls through a stateless record_route() + forward() script: the denominator of "stateful / own stateless"
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" stateless-call stateless-call "${CALL[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" stateless-call stateless-call "${CALL[@]}"; fi
fi
if has "$SCENARIOS" dispatch; then
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" dispatch dispatch "${CALL[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" dispatch dispatch "${CALL[@]}"; fi
fi
if has "$SCENARIOS" stateful-hold; then
    key="stateful-hold $HOLD_CALLS"
    SAVED_DURATION=$DURATION
    DURATION=120 # an upper bound: the run ends once every call is held
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" "$key" stateful-hold "${HOLD[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" "$key" stateful-hold "${HOLD[@]}"; fi
    DURATION=$SAVED_DURATION
fi
if has "$SCENARIOS" stateful-overload && has "$SYSTEMS" hyperproxy; then
    # closed loop first: its calls/s is the capacity; then open loop at three times that, as long
    key="stateful-overload"
    rows_before=$(wc -l < "$JSONL")
    system_rows hyperproxy "Hyperproxy closed loop (capacity)" "$HP_SKIP" "$key" stateful-overload "${CALL[@]}"
    capacity=0
    if (( $(wc -l < "$JSONL") > rows_before )); then
        capacity=$(tail -n 1 "$JSONL" | jq -r 'if .skipped then 0 else ((.by_class["2xx"] // 0) / (if .duration_s > 0 then .duration_s else 1 end) | floor) end')
    fi
    if (( capacity > 0 )); then
        OVER=(-s call -t '127.0.0.1:{PORT}' --rate "$((3 * capacity))" -W "$WARMUP" -T 5000 -R '{RPORT}' -r '127.0.0.1:{RPORT}')
        rows_before=$(wc -l < "$JSONL")
        system_rows hyperproxy "Hyperproxy open loop 3x capacity" "" "$key" stateful-overload "${OVER[@]}"
        if (( $(wc -l < "$JSONL") > rows_before )); then
            last=$(tail -n 1 "$JSONL" | jq -c --argjson c "$capacity" '. + {capacity_calls_s: $c}')
            sed -i '$ d' "$JSONL"
            echo "$last" >> "$JSONL"
        fi
    else
        skip_row "Hyperproxy open loop 3x capacity" "$key" "no closed-loop capacity measured"
    fi
fi
if has "$SCENARIOS" options-polled && has "$SYSTEMS" hyperproxy; then
    # the management side loaded, then polled: the ratio of each to the plain options row is the cost
    LOG_TAG="-idle"
    system_rows hyperproxy "Hyperproxy (httpd loaded, not polled)" "$HP_SKIP" options-polled options-polled "${OPT[@]}"
    LOG_TAG="-polled"
    HELPER=poller
    system_rows hyperproxy "Hyperproxy (polled ${POLL_RATE}/s)" "$HP_SKIP" options-polled options-polled "${OPT[@]}"
    HELPER=""
    LOG_TAG=""
fi
if has "$SCENARIOS" options-traced && has "$SYSTEMS" hyperproxy; then
    system_rows hyperproxy "Hyperproxy (trace() to HEP)" "$HP_SKIP" options-traced options-traced "${OPT[@]}"
fi
# ---- stream transports: streamgen drives every row, each server listens on TCP or TLS only
GEN_BIN=$STREAMGEN
for proto in tcp tls; do
    key="$proto-options"
    has "$SCENARIOS" "$key" || continue
    SRV_PROTO=$proto
    STR=(-s options -t '127.0.0.1:{PORT}' -n "$STREAM_CONNS" -w "$STREAM_WINDOW" -W "$WARMUP" --busy)
    tls_why=""
    kam_why=$KAM_SKIP
    if [[ $proto == tls ]]; then
        STR+=(--tls)
        tls_why=$TLS_SKIP
        kam_why=${KAM_SKIP:-${TLS_SKIP:-$KAM_TLS_SKIP}}
    fi
    if has "$SYSTEMS" reflector; then
        if [[ -n $tls_why ]]; then
            skip_row "C reflector (echo)" "$key" "$tls_why"
        else
            run_row sreflector-echo "C reflector (echo)" "$key" "$key" "${STR[@]}"
            run_row sreflector-sl "C reflector (sl 200)" "$key" "$key" "${STR[@]}"
        fi
    fi
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "${HP_SKIP:-$tls_why}" "$key" "$key" "${STR[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$kam_why" "$key" "$key" "${STR[@]}"; fi
done
if has "$SCENARIOS" tls-handshakes; then
    # connect + full handshake + one OPTIONS + close, HANDSHAKE_PARALLEL at once, from 64 source addresses
    SRV_PROTO=tls
    HS=(-s handshake --tls -t '127.0.0.1:{PORT}' -n "$HANDSHAKE_PARALLEL" -W "$WARMUP" -T 5000 --sources 127.0.0.2-127.0.0.65)
    if has "$SYSTEMS" reflector; then
        if [[ -n $TLS_SKIP ]]; then skip_row "C reflector (sl 200)" tls-handshakes "$TLS_SKIP"
        else run_row sreflector-sl "C reflector (sl 200)" tls-handshakes tls-handshakes "${HS[@]}"; fi
    fi
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "${HP_SKIP:-$TLS_SKIP}" tls-handshakes tls-handshakes "${HS[@]}"; fi
    if has "$SYSTEMS" kamailio; then
        system_rows kamailio "Kamailio 5.6" "${KAM_SKIP:-${TLS_SKIP:-$KAM_TLS_SKIP}}" tls-handshakes tls-handshakes "${HS[@]}"
    fi
fi
if has "$SCENARIOS" tcp-latency; then
    # one request in flight on one connection, the generator sleeping in epoll between replies
    SRV_PROTO=tcp
    LAT=(-s options -t '127.0.0.1:{PORT}' -n 1 -w 1 -W "$WARMUP" --no-busy)
    if has "$SYSTEMS" reflector; then run_row sreflector-sl "C reflector (sl 200)" tcp-latency tcp-latency "${LAT[@]}"; fi
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" tcp-latency tcp-latency "${LAT[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" tcp-latency tcp-latency "${LAT[@]}"; fi
fi
if has "$SCENARIOS" tcp-idle && has "$SYSTEMS" hyperproxy; then
    # the server and streamgen each hold one descriptor per connection: raise the open files limit to fit
    SRV_PROTO=tcp
    want=$((IDLE_CONNS + 2048))
    if [[ $(ulimit -Hn) != unlimited ]] && (( $(ulimit -Hn) < want )); then ulimit -Hn "$want" 2>/dev/null || true; fi
    hard=$(ulimit -Hn)
    if [[ $hard == unlimited ]] || (( hard >= want )); then ulimit -Sn "$want"; else ulimit -Sn "$hard"; fi
    conns=$IDLE_CONNS
    limit=$(ulimit -Sn)
    if [[ $limit != unlimited ]] && (( limit - 2048 < conns )); then
        conns=$((limit - 2048))
        log "tcp-idle: the open files limit stays at $limit (no CAP_SYS_RESOURCE to raise it): $conns connections instead of $IDLE_CONNS"
    fi
    # at most 256 connections per source address are accepted (StreamOptions.MaxConnectionsPerSource): 250 each
    last=$((2 + (conns + 249) / 250 - 1))
    IDLE=(-s idle -t '127.0.0.1:{PORT}' -n "$conns" --sources "127.0.0.2-127.$((last >> 16 & 255)).$((last >> 8 & 255)).$((last & 255))"
          --warm 1000 --ping 1000 --settle-ms 3000 -T 5000)
    SAVED_DURATION=$DURATION
    DURATION=120 # a bound on opening them all
    system_rows hyperproxy "Hyperproxy" "$HP_SKIP" tcp-idle tcp-idle "${IDLE[@]}"
    DURATION=$SAVED_DURATION
fi
SRV_PROTO=udp
GEN_BIN=""
if has "$SCENARIOS" register-auth; then
    write_auth_db
    if has "$SYSTEMS" hyperproxy; then
        HP_DURABILITY=none
        system_rows hyperproxy "Hyperproxy" "$HP_SKIP" register-auth register-auth "${RAUTH[@]}"
    fi
    if has "$SYSTEMS" kamailio; then
        system_rows kamailio "Kamailio 5.6 (htable)" "$KAM_SKIP" register-auth register-auth-htable "${RAUTH[@]}"
        system_rows kamailio "Kamailio 5.6 (auth_db, db_text)" "$KAM_SKIP" register-auth register-auth "${RAUTH[@]}"
    fi
fi
if has "$SCENARIOS" flood; then
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy (pike)" "$HP_SKIP" flood flood "${FLOOD[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6 (pike)" "$KAM_SKIP" flood flood "${FLOOD[@]}"; fi
fi
if [[ $LATENCY_ROWS -eq 1 ]] && has "$SCENARIOS" options; then
    key="options @ $LATENCY_RATE/s"
    if has "$SYSTEMS" reflector; then run_row reflector-echo "C reflector (echo)" "$key" options "${LAT[@]}"; fi
    if has "$SYSTEMS" hyperproxy; then system_rows hyperproxy "Hyperproxy" "$HP_SKIP" "$key" options "${LAT[@]}"; fi
    if has "$SYSTEMS" kamailio; then system_rows kamailio "Kamailio 5.6" "$KAM_SKIP" "$key" options "${LAT[@]}"; fi
fi
done

# ---------------------------------------------------------------- report
jq -n --arg date "$STAMP" --arg mode "$MODE" --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
    --arg kernel "$(uname -r)" --argjson cpus "$(nproc --all)" --argjson d "$DURATION" --argjson w "$WARMUP" \
    --argjson rw "$REGISTER_WARMUP" --argjson win "$WINDOW" --argjson sc "$SERVER_CPU" --argjson gc "$GEN_CPU" \
    --argjson users "$USERS" --argjson rounds "$ROUNDS" --arg hp "${HYPERPROXY_ARGS:-$HP_ARGS_DEFAULT}" \
    --arg kam "$(kamailio -v 2>/dev/null | head -n 1 || true)" \
    '{date:$date, mode:$mode, cpu_model:$cpu, kernel:$kernel, cpus:$cpus, duration_s:$d, warmup_s:$w,
      register_warmup_s:$rw, window:$win, server_cpu:$sc, gen_cpu:$gc, register_users:$users, rounds:$rounds,
      hyperproxy_args:$hp, kamailio_version:$kam}' > "$LOGS/meta.json"
python3 perf/report.py "$JSONL" "$LOGS/meta.json" "$RESULTS/$STAMP.json" "$RESULTS/$STAMP.md" "$RESULTS/$STAMP.readme.md"
log "saved perf/results/$STAMP.json, perf/results/$STAMP.md and the README table perf/results/$STAMP.readme.md"
if [[ $KEEP_FOR_README -eq 1 ]]; then
    cp "$RESULTS/$STAMP.json" perf/readme-run.json
    log "kept as perf/readme-run.json (commit it with the README); the README's table:"
    cat "$RESULTS/$STAMP.readme.md" >&2
fi
