#!/usr/bin/env bash
# perf/wal-io.sh: who writes to the disk during a durable REGISTER run (docs/durability.md, "Where the disk
# writes come from"). Starts perf/bin/hyperproxy/hyperproxy with perf/hyperproxy/registrar.cfg, --durability sync,
# the worker pinned (--cpus 0), a fresh data folder under ${TMPDIR:-/tmp}; runs native/build/udpgen on CPU 1
# (spinning, 100k users with Path) at the window given; samples every 100 ms the bytes each of the server's threads
# had written (/proc/PID/task/*/io: write_bytes, and wchar, the bytes given to write calls — on ext4 an overwrite of a
# preallocated file's clean pages counts far more write_bytes than reach the disk, so wchar says who writes what and
# the disk's own counters how much) and the disk's sectors written and flushes
# (/sys/block/DEV/stat), and prints the totals per thread name, per second, and the server's stop line.
# WALIO_STRACE=S: strace the server's file writes and syncs for S seconds (to WALIO_STRACE_OUT, /tmp/wal-io.strace);
# WALIO_REPLAY=1: end with kill -9 and start again on the same folder, printing the load and WAL replay time.
# Take it under the bench lock: flock /work/wt/bench.lock perf/wal-io.sh 16 [seconds] [extra server args...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-16}
SECS=${2:-8}
shift $(( $# >= 2 ? 2 : $# ))
HP_BIN=${HYPERPROXY_BIN:-$ROOT/perf/bin/hyperproxy/hyperproxy}
UDPGEN=$ROOT/native/build/udpgen
[[ -x $HP_BIN && -x $UDPGEN ]] || { echo "wal-io.sh: needs $HP_BIN and $UDPGEN (run-bench.sh builds both)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d "${TMPDIR:-/tmp}/hp-walio-XXXXXX")
dev=$(basename "$(df --output=source "$work" | tail -n 1)")
stat=/sys/block/$dev/stat
sed -e "s/@PORT@/$port/g" "$ROOT/perf/hyperproxy/registrar.cfg" > "$work/registrar.cfg"
"$HP_BIN" run --config "$work/registrar.cfg" --durability sync --data-dir "$work/data" --cpus 0 "$@" > "$work/server.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    grep -q "location store: loaded" "$work/server.log" 2>/dev/null && ss -uln | grep -q ":$port " && break
    kill -0 $pid 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done
sample() { # prints: t sectors_written flushes then "name bytes" per thread
    local t
    t=$(date +%s.%N)
    if [[ -r $stat ]]; then
        awk -v t="$t" '{ print "DISK", t, $7, ($16 == "" ? 0 : $16) }' "$stat"
    else
        echo "DISK $t 0 0"
    fi
    # one awk over every thread's comm and io: fast enough for a 100 ms period
    awk 'FNR == 1 && FILENAME ~ /comm$/ { gsub(/ /, "_"); name = $0; next }
         $1 == "wchar:" { wc = $2 } $1 == "syscw:" { sw = $2 } $1 == "write_bytes:" { wb = $2 }
         $1 == "cancelled_write_bytes:" { print "T", name, wb, wc, sw, $2 }' $(for d in /proc/$pid/task/*; do echo "$d/comm $d/io"; done) 2>/dev/null || true
}
taskset -c 1 "$UDPGEN" -c 1 -d "$SECS" -W 2 -s register -t "127.0.0.1:$port" -w "$W" -u 100000 --path \
    --cseq-file "$work/cseq" --busy --label walio > "$work/gen.json" 2> "$work/gen.log" &
gen=$!
: > "$work/samples"
if [[ -n ${WALIO_STRACE:-} ]]; then
    # the server's file writes and syncs for WALIO_STRACE seconds, from the 3rd second of load on (slows it: attribution only)
    ( sleep 3; timeout "$WALIO_STRACE" strace -f -tt -T -e trace=openat,pwrite64,pwritev,write,fdatasync,fsync,sync_file_range,renameat,rename,ftruncate,fallocate \
        -p $pid -o "$work/strace" 2>/dev/null || true; cp "$work/strace" "${WALIO_STRACE_OUT:-/tmp/wal-io.strace}" ) &
fi
while kill -0 $gen 2>/dev/null; do
    sample >> "$work/samples"
    echo "END" >> "$work/samples"
    sleep 0.1
done
wait $gen || true
tail -n 1 "$work/gen.log"
if [[ -n ${WALIO_REPLAY:-} ]]; then
    # kill -9, then start again on the same folder: the start-up line says how long loading and the WAL replay took
    kill -KILL $pid
    wait $pid 2>/dev/null || true
    # the frames written (segments hold zeros or old frames past them: count up to the first zero frame is the
    # replay's job; the files' written part is what the stop line would call WAL bytes): the folder's size as a bound
    echo "WAL folder at the kill: $(du -sb "$work/data/location/journal" | cut -f1) bytes in $(ls "$work/data/location/journal" | grep -c '\.wal$') segments"
    "$HP_BIN" run --config "$work/registrar.cfg" --durability sync --data-dir "$work/data" --cpus 0 "$@" > "$work/restart.log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        grep -q "location store: loaded" "$work/restart.log" 2>/dev/null && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    grep -o "location store: loaded.*replayed: [0-9]*" "$work/restart.log" || tail -n 3 "$work/restart.log"
fi
kill -TERM $pid
wait $pid 2>/dev/null || true
grep -E "WAL commits|counters:" "$work/server.log" | sed -e "s/.*NOTICE //"
python3 - "$work/samples" <<'EOF'
import sys, collections
samples, cur = [], None
for line in open(sys.argv[1]):
    p = line.split()
    if p[0] == 'DISK':
        cur = {'t': float(p[1]), 'sect': int(p[2]), 'flush': int(p[3]), 'thr': collections.Counter()}
    elif p[0] == 'T' and len(p) == 6 and cur is not None:
        cur['thr'][p[1]] += int(p[2])
        cur['thr'][p[1] + ':wchar'] += int(p[3])
        cur['thr'][p[1] + ':syscw'] += int(p[4])
        cur['thr'][p[1] + ':cancelled'] += int(p[5])
    elif p[0] == 'END' and cur is not None:
        samples.append(cur)
if len(samples) < 2:
    sys.exit("too few samples")
a, b = samples[0], samples[-1]
dt = b['t'] - a['t']
print(f"over {dt:.1f} s: disk {(b['sect'] - a['sect']) * 512 / dt / 1e6:.2f} MB/s written, {(b['flush'] - a['flush']) / dt:.0f} flushes/s")
names = set(a['thr']) | set(b['thr'])
for n in sorted(names, key=lambda n: -(b['thr'][n] - a['thr'][n])):
    d = b['thr'][n] - a['thr'][n]
    if d > 0:
        print(f"  {n:28s} {d / dt / 1e6:8.2f} M/s" + (" (syscalls)" if n.endswith(':syscw') else ""))
print("per second (disk MB written | bytes by thread name):")
x = a
for y in samples[1:]:
    if y['t'] - x['t'] < 1.0 and y is not b:
        continue
    s = ' '.join(f"{n}={(y['thr'][n] - x['thr'][n]) / 1e6:.1f}M" for n in sorted(names) if ':' not in n and y['thr'][n] - x['thr'][n] > 0)
    print(f"  t+{x['t'] - a['t']:4.1f}s {y['t'] - x['t']:.1f}s: disk {(y['sect'] - x['sect']) * 512 / 1e6:6.1f}M flushes {y['flush'] - x['flush']:5d} | {s}")
    x = y
EOF
