#!/bin/sh
# Benchmark of the foundation's figures (docs/verification.md): prints
#   - the whole build from clean on 2 cores, proofs included (only with --clean-build),
#   - `icgd verify` with its defaults (wall time),
#   - runtime symbolic VO-1 at Nx=16, Ny=1, N=32 (the claim alone, and with its control),
#   - the Eigen double check at Nx=256, N=1024: relative error and time.
# Usage: sh scripts/bench_verify.sh [--clean-build]   (from the repository root)
set -eu
BUILD=build/bench-verify
now() { date +%s.%N; }
if [ "${1:-}" = "--clean-build" ]; then
  rm -rf "$BUILD"
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  t0=$(now); cmake --build "$BUILD" -j2 >/dev/null; t1=$(now)
  echo "build from clean (-j2, proofs, tests, demos): $(awk "BEGIN{printf \"%.2f\", $t1-$t0}") s"
  ICGD="$BUILD/icgd"
else
  ICGD=${ICGD:-build/release/icgd}
fi
[ -x "$ICGD" ] || { echo "bench: $ICGD not built (build the release preset, or pass --clean-build)" >&2; exit 2; }
t0=$(now); "$ICGD" verify --json /tmp/icgd-bench-verify.json >/dev/null; t1=$(now)
echo "icgd verify (defaults): $(awk "BEGIN{printf \"%.2f\", $t1-$t0}") s wall"
for i in 1 2 3; do
  "$ICGD" verify --claim VO-1 --engine symbolic --nx 16 --ny 1 --n 32 | grep "runtime symbolic" |
    sed 's/.*held *\([0-9.]*s\).*claim alone \([0-9.]*s\).*/runtime symbolic VO-1 Nx=16 Ny=1 N=32: claim alone \2, with control \1/'
done
"$ICGD" verify --claim VO-1 --claim VO-2 --engine numeric --numeric-nx 256 --numeric-n 1024 | grep "numeric double" |
  awk '{printf "numeric double %s Nx=256 Ny=1 N=1024: relative error %s, time %s\n", $1, $11, $8}'
