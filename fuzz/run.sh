#!/usr/bin/env bash
# fuzz/run.sh: coverage-guided fuzzing of one Hyperproxy target with AFL++ and SharpFuzz.
#
#   fuzz/run.sh TARGET [SECONDS]     fuzz TARGET for SECONDS (default 600), niced, then print the figures
#   fuzz/run.sh --minimise TARGET    the last run's coverage-raising inputs into fuzz/corpus/TARGET (kept in git)
#   fuzz/run.sh --replay TARGET      run fuzz/corpus/TARGET and the crashes of the last run once each
#
# TARGET: parser | pipeline | stream | digest (fuzz/Hyperproxy.Fuzz/Targets). Needs the Debian package afl++ and the
# SharpFuzz.CommandLine dotnet tool (fuzz/dotnet-tools.json, restored here). The harness is published once to
# fuzz/out/base and copied per target to fuzz/out/TARGET, where SharpFuzz instruments the target's assemblies. afl-fuzz
# starts from fuzz/corpus/TARGET when present, else from the seeds fuzz/seed.py writes (the torture messages of
# tests/Corpus). Findings: fuzz/findings/TARGET/default/{queue,crashes,hangs,fuzzer_stats} (git-ignored).
# Every crash found goes into fuzz/crashers/TARGET/ (replayed by FuzzCorpusTests) once fixed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$HERE"

MODE=fuzz
case "${1:-}" in
    --minimise) MODE=minimise; shift ;;
    --replay) MODE=replay; shift ;;
    -h|--help|"") sed -n '2,15p' "$0"; exit 0 ;;
esac
TARGET="$1"
SECONDS_TO_RUN="${2:-600}"
case "$TARGET" in parser|pipeline|stream|digest) ;; *) echo "run.sh: unknown target '$TARGET'" >&2; exit 2 ;; esac

command -v afl-fuzz >/dev/null || { echo "run.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1

OUT="$HERE/out/$TARGET"
if [[ ! -f $OUT/.instrumented || ${REBUILD:-0} == 1 ]]; then
    echo "run.sh: publishing the harness (Release)" >&2
    dotnet publish "$HERE/Hyperproxy.Fuzz" -c Release -o "$HERE/out/base" -nologo -clp:ErrorsOnly >&2
    dotnet tool restore >/dev/null
    rm -rf "$OUT"
    cp -r "$HERE/out/base" "$OUT"
    for asm in $(dotnet "$OUT/hyperproxy-fuzz.dll" --assemblies "$TARGET"); do
        echo "run.sh: instrumenting $asm" >&2
        dotnet sharpfuzz "$OUT/$asm.dll" >&2
    done
    touch "$OUT/.instrumented"
fi
DOTNET="$(command -v dotnet)"   # afl-cmin wants a path
HARNESS=("$DOTNET" "$OUT/hyperproxy-fuzz.dll" "$TARGET")
PLAIN=(dotnet "$HERE/out/base/hyperproxy-fuzz.dll" "$TARGET")   # not instrumented: runs without afl's shared map

# dotnet is not an AFL binary; the machine is shared (no CPU binding, no core_pattern or governor changes).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_FORKSRV_INIT_TMOUT=60000 AFL_TRY_AFFINITY=0

FINDINGS="$HERE/findings/$TARGET"
case "$MODE" in
    replay)
        paths=("$HERE/corpus/$TARGET")
        [[ -d $HERE/crashers/$TARGET ]] && paths+=("$HERE/crashers/$TARGET")
        [[ -d $FINDINGS/default/crashes ]] && paths+=("$FINDINGS/default/crashes")
        exec "${PLAIN[@]}" --replay "${paths[@]}"
        ;;
    minimise)
        # The queue entries afl marked as reaching new coverage (+cov) and the seeds (orig:), up to 4 KB each and
        # 200 in all (afl-cmin, which would pick the smallest set keeping every edge, restarts the .NET process per
        # input here and takes hours): small enough for git, and what the regression test replays.
        rm -rf "$HERE/corpus/$TARGET"
        mkdir -p "$HERE/corpus/$TARGET"
        i=0
        while IFS= read -r f; do
            [[ $(stat -c %s "$f") -le 4096 ]] || continue
            cp "$f" "$HERE/corpus/$TARGET/$(printf '%04d' $i)"
            i=$((i + 1))
            [[ $i -lt 200 ]] || break
        done < <(find "$FINDINGS/default/queue" -maxdepth 1 -type f \( -name '*+cov*' -o -name '*orig:*' \) | sort)
        echo "run.sh: $i inputs, $(du -sb "$HERE/corpus/$TARGET" | cut -f1) bytes in fuzz/corpus/$TARGET" >&2
        exit 0
        ;;
esac

INPUT="$HERE/corpus/$TARGET"
if [[ ! -d $INPUT ]] || [[ -z $(ls -A "$INPUT") ]]; then
    python3 "$HERE/seed.py" "$HERE/seeds" >&2
    INPUT="$HERE/seeds/$TARGET"
fi
resume=()
if [[ -f $FINDINGS/default/fuzzer_stats && ${FRESH:-0} != 1 ]]; then
    resume=(-i -)   # continue the last run's queue
else
    resume=(-i "$INPUT")
fi
mkdir -p "$FINDINGS"
echo "run.sh: afl-fuzz $TARGET for ${SECONDS_TO_RUN}s (nice 19), findings in fuzz/findings/$TARGET" >&2
nice -n 19 afl-fuzz "${resume[@]}" -o "$FINDINGS" -x "$HERE/sip.dict" -t 10000 -m none -V "$SECONDS_TO_RUN" -- "${HARNESS[@]}" \
    > "$FINDINGS/afl.log" 2>&1 || { tail -n 30 "$FINDINGS/afl.log" >&2; exit 1; }

stats="$FINDINGS/default/fuzzer_stats"
val() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "target $TARGET: $(val execs_done) executions in $(val run_time) s ($(val execs_per_sec)/s), paths $(val corpus_count)" \
    "(found $(val corpus_found)), edges $(val edges_found)/$(val total_edges) ($(val bitmap_cvg)), crashes $(val saved_crashes), hangs $(val saved_hangs)"
crashes=$(find "$FINDINGS/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
if [[ $crashes -gt 0 ]]; then
    echo "run.sh: $crashes crashing inputs; their exceptions:" >&2
    "${PLAIN[@]}" --replay "$FINDINGS/default/crashes" >&2 || true
    exit 3
fi
