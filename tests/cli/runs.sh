#!/usr/bin/env bash
# Cases of the fault suite that need a run (tests/cli/CMakeLists.txt):
#   runs.sh ICGD SCRATCH CASE
#   force-replaces               a forced run replaces the previous run as a whole (no stale files)
#   force-interrupted-keeps-old  a forced run interrupted by SIGINT leaves the previous run intact
#   sigint, sigterm              one line, exit 130 / 143, partial run marked INCOMPLETE, checkpoint kept
#   resume-bits                  a run killed by SIGINT and resumed with --resume ends with the same
#                                bits (weights, CSVs, results.json numbers) as an uninterrupted run
set -u
icgd=$1 s=$2 case=$3
rm -rf "$s" && mkdir -p "$s"
cd "$s" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
small=(--quick --no-plots --no-progress --threads 2 --eval-tasks 200 --ood-tasks 20)
# A one-layer run long enough (a few seconds) to be interrupted in the middle of its training.
# No --threads in it: the cases add their own (1 where stderr must be one line, so that no
# "capped at" warning can appear on a one-core machine).
long=(--quick --no-plots --no-progress --seeds 2 --steps 12000 --eval-every 200 --eval-tasks 300 --ood-tasks 20)
hashes() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum); }
one_line() {  # one_line FILE: exactly one line
  [ "$(wc -l <"$1")" = 1 ] || fail "expected one line on stderr, got: $(cat "$1")"
}
# start_and_signal SIGNAL OUT ARGS...: starts a run, waits for its first checkpoint, signals it;
# sets rc to the exit status.
start_and_signal() {
  local sig=$1 out=$2
  shift 2
  "$icgd" "$@" >"$s/run.stdout" 2>"$s/run.stderr" &
  local pid=$! waited=0
  until compgen -G "$out.partial/checkpoints/*.ckpt" >/dev/null; do
    sleep 0.05
    waited=$((waited + 1))
    if ! kill -0 $pid 2>/dev/null || [ $waited -gt 1200 ]; then break; fi
  done
  kill -"$sig" $pid 2>/dev/null
  wait $pid
  rc=$?
}
strip_times() { grep -v -E '"(wall_seconds|seconds|started_utc)"' "$1"; }

case $case in
force-replaces)
  "$icgd" demo one-layer "${small[@]}" --seed 1 --out "$s/out" >/dev/null || fail "first run failed"
  "$icgd" demo recurrent-damped --quick --no-plots --no-progress --threads 2 --eval-tasks 200 --seed 5 --force --out "$s/out" >/dev/null 2>"$s/err" || fail "forced run failed: $(cat "$s/err")"
  [ -e "$s/out/weights-seed1" ] && fail "the forced run left the previous run's weights-seed1"
  [ -e "$s/out/alignment.csv" ] && fail "the forced run left the previous run's alignment.csv"
  grep -q '"demo": "recurrent-damped"' "$s/out/results.json" || fail "results.json is not the forced run's"
  grep -q '"demo": "recurrent-damped"' "$s/out/config.json" || fail "config.json is not the forced run's"
  for entry in "$s"/out/*; do
    name=$(basename "$entry")
    case $name in config.json | results.json | plots.gp) continue ;; esac
    grep -q "\"$name\"" "$s/out/results.json" || fail "$name is in the folder but not among the run's files"
  done
  compgen -G "$s/out*.partial*" >/dev/null && fail "a staging folder was left behind"
  [ -n "$(find "$s" -name '*.tmp*')" ] && fail "a .tmp file was left behind"
  [ -e "$s/out/INCOMPLETE" ] && fail "a finished run is marked INCOMPLETE"
  ;;
force-interrupted-keeps-old)
  "$icgd" demo one-layer "${small[@]}" --seed 1 --out "$s/out" >/dev/null || fail "first run failed"
  before=$(hashes "$s/out")
  start_and_signal INT "$s/out" demo one-layer "${long[@]}" --threads 1 --seed 7 --force --out "$s/out"
  [ "$rc" = 130 ] || fail "exit status $rc after SIGINT, expected 130"
  one_line "$s/run.stderr"
  [ "$(hashes "$s/out")" = "$before" ] || fail "the interrupted forced run changed the previous run"
  [ -e "$s/out.partial/INCOMPLETE" ] || fail "the interrupted run is not marked INCOMPLETE"
  ;;
sigint | sigterm)
  sig=INT want=130
  [ "$case" = sigterm ] && sig=TERM want=143
  start_and_signal $sig "$s/out" demo one-layer "${long[@]}" --threads 1 --seed 3 --out "$s/out"
  [ "$rc" = $want ] || fail "exit status $rc after SIG$sig, expected $want"
  one_line "$s/run.stderr"
  grep -q -- "--resume" "$s/run.stderr" || fail "the message does not say how to resume: $(cat "$s/run.stderr")"
  [ -e "$s/out.partial/INCOMPLETE" ] || fail "the partial run is not marked INCOMPLETE"
  compgen -G "$s/out.partial/checkpoints/*.ckpt" >/dev/null || fail "no checkpoint kept"
  [ -e "$s/out/results.json" ] && fail "an interrupted run left a results.json that looks complete"
  [ -n "$(find "$s" -name '*.tmp*')" ] && fail "a .tmp file was left behind"
  echo "message: $(cat "$s/run.stderr")"
  ;;
resume-bits)
  start=$(date +%s%N)
  "$icgd" demo one-layer "${long[@]}" --threads 2 --seed 2 --out "$s/ref" >/dev/null 2>&1
  ref_rc=$?
  start_and_signal INT "$s/run" demo one-layer "${long[@]}" --threads 2 --seed 2 --out "$s/run"
  [ "$rc" = 130 ] || fail "exit status $rc after SIGINT, expected 130 (the run ended before the signal?)"
  echo "interrupted: $(cat "$s/run.stderr")"
  "$icgd" demo one-layer "${long[@]}" --seed 2 --threads 1 --resume --out "$s/run" >/dev/null 2>"$s/resume.stderr"
  res_rc=$?
  [ "$res_rc" = "$ref_rc" ] || fail "resumed run exit status $res_rc, uninterrupted $ref_rc: $(cat "$s/resume.stderr")"
  (cd "$s/ref" && find . | LC_ALL=C sort) >"$s/ref.list"
  (cd "$s/run" && find . | LC_ALL=C sort) >"$s/run.list" 2>/dev/null
  cmp -s "$s/ref.list" "$s/run.list" || fail "the file lists differ: $(diff "$s/ref.list" "$s/run.list" | head -5)"
  for f in $(cd "$s/ref" && find . -type f \( -name '*.npy' -o -name '*.csv' \)); do
    cmp -s "$s/ref/$f" "$s/run/$f" || fail "$f differs between the uninterrupted and the resumed run"
  done
  for f in results.json config.json; do
    diff <(strip_times "$s/ref/$f" | grep -v '"threads"') <(strip_times "$s/run/$f" | grep -v '"threads"') >/dev/null ||
      fail "$f differs: $(diff <(strip_times "$s/ref/$f") <(strip_times "$s/run/$f") | head -6)"
  done
  for w in "$s"/ref/weights-*; do
    diff <(strip_times "$w/manifest.json") <(strip_times "$s/run/$(basename "$w")/manifest.json") >/dev/null ||
      fail "$(basename "$w")/manifest.json differs"
  done
  compgen -G "$s/run.partial*" >/dev/null && fail "the staging folder was left behind after the resumed run"
  echo "resume-bits: $(ls "$s/ref" | wc -l) entries compared; $(( ($(date +%s%N) - start) / 1000000 )) ms"
  ;;
*) fail "unknown case $case" ;;
esac
[ $failures = 0 ] && echo "$case: ok"
rm -rf "$s"
exit $((failures > 0))
