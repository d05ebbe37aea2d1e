#!/usr/bin/env bash
# `icgd zfb` with full matrices (their ';' cannot travel through tests/cli/cases.txt) and the
# command's good path: bad input exits 2 with one line on stderr; a good call exits 0 and its
# numbers agree (the moment engine's exact value = the closed form; Monte Carlo within 4 s.e.).
set -u
icgd=$1 scratch=$2
rm -rf "$scratch" && mkdir -p "$scratch"
fail=0
bad() {
  "$icgd" "$@" >"$scratch/out" 2>"$scratch/err"
  local rc=$? lines
  lines=$(wc -l <"$scratch/err")
  if [ "$rc" != 2 ] || [ "$lines" != 1 ]; then
    echo "FAIL (status $rc, $lines stderr lines): icgd $*"; cat "$scratch/err"; fail=1
  fi
}
bad zfb error --lambda "1,0.5;0.2,2" --n 4 --m 6          # not symmetric
bad zfb error --lambda "1,0.5;0.5" --n 4 --m 6            # not square
bad zfb error --lambda "1,2;2,1" --n 4 --m 6              # symmetric, not positive definite
bad zfb minimiser --lambda "1,0.5;0.5,2;1,1" --n 4        # 3 rows of 2
bad zfb error --lambda "1,0.5;0.5,2" --n 4 --m 6 --omega "1,0;0,1;0,0"

"$icgd" zfb error --lambda "2,0.5;0.5,1" --n 5 --m 8 --task-cov 0.5,2 --noise 0.5 --mc 20000 \
  --json "$scratch/e.json" >"$scratch/good" 2>&1 || { echo "FAIL: good call"; cat "$scratch/good"; fail=1; }
python3 - "$scratch/e.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
closed, exact = r["closed_form"]["value"], r["moment_engine"]["value"]
mc = r["monte_carlo"]
assert abs(closed - exact) <= 1e-12 * abs(exact), (closed, exact)
assert abs(mc["mean"] - closed) <= 4 * mc["standard_error"], mc
PY
"$icgd" zfb minimiser --lambda "1,0.5;0.5,2" --n 8 >"$scratch/min" 2>&1 || { echo "FAIL: minimiser"; fail=1; }
grep -q "exact over Rational" "$scratch/min" || { echo "FAIL: no exact Gamma^-1"; cat "$scratch/min"; fail=1; }
exit $fail
