#!/bin/sh
# Build-time benchmark: the README's release build (`cmake --preset release` + build, proofs,
# tests and demos included) from clean, in a temporary folder, then the test suite. Prints
#   - the machine: CPU model, core count, load average before and after,
#   - configure and build: wall time and CPU time (user + sys of the compiler processes),
#   - the sum of the compile steps' wall times and the 15 slowest steps (from .ninja_log),
#   - the CPU time of every compile step (each compiler runs under /usr/bin/time, a compiler
#     launcher): their sum, the sum by target, and the 15 most expensive units,
#   - ctest on the fresh build: wall time and the number of tests.
# CPU time is the figure to compare on a shared machine: wall time grows with other processes'
# load, CPU time much less so.
# Usage: sh scripts/bench_build.sh [--jobs N] [--keep]   (from the repository root; N defaults
# to 2, the build preset's -j; --keep leaves the build folder and prints its path)
set -eu
cd "$(dirname "$0")/.."
jobs=2
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) [ $# -ge 2 ] || { echo "bench_build: --jobs needs a number" >&2; exit 2; }
            jobs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "bench_build: unknown option '$1' (usage: sh scripts/bench_build.sh [--jobs N] [--keep])" >&2
       exit 2 ;;
  esac
done
case "$jobs" in ''|*[!0-9]*|0) echo "bench_build: --jobs needs a positive integer, got '$jobs'" >&2; exit 2 ;; esac
[ -x /usr/bin/time ] || { echo "bench_build: /usr/bin/time is missing (Debian package 'time')" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/icgd-bench-build.XXXXXX")
if [ "$keep" -eq 0 ]; then
  trap 'rm -rf "$dir"' EXIT
fi
trap 'exit 130' INT TERM
times="$dir/.times"

# The figures of one timed command: "<wall> <user> <sys>" in seconds.
timed() { /usr/bin/time -f "%e %U %S" -o "$times" "$@"; }
report() {  # report <label>: the last timed command's wall and CPU time
  awk -v label="$1" '{ printf "%-10s %7.1f s wall  %7.1f s CPU (user %.1f + sys %.1f)  = %d min %02d s wall\n",
                       label, $1, $2 + $3, $2, $3, int($1 / 60), int($1 % 60 + 0.5) }' "$times"
}

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "machine: ${model:-unknown CPU}, $(nproc) cores online; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "compiler: $(c++ --version | head -n 1); build -j$jobs in $dir"

# The release preset's configuration, in the temporary folder (-B overrides the binaryDir).
# Each compile step runs under /usr/bin/time (a compiler launcher, which does not change the
# command): "<user> <sys> <command line>" per step, appended to .unit_cpu.
timed cmake --preset release -B "$dir" \
  "-DCMAKE_CXX_COMPILER_LAUNCHER=/usr/bin/time;-a;-o;$dir/.unit_cpu;-f;%U %S %C" \
  >"$dir/.configure.log" 2>&1 ||
  { cat "$dir/.configure.log" >&2; echo "bench_build: configure failed" >&2; exit 1; }
report configure
timed cmake --build "$dir" -j "$jobs" >"$dir/.build.log" 2>&1 ||
  { tail -n 40 "$dir/.build.log" >&2; echo "bench_build: build failed" >&2; exit 1; }
report build
build_wall=$(cut -d' ' -f1 "$times")
build_cpu=$(awk '{ print $2 + $3 }' "$times")
awk -v w="$build_wall" -v c="$build_cpu" -v j="$jobs" \
  'BEGIN { if (w > 0) printf "parallelism: CPU/wall = %.2f of %d jobs\n", c / w, j }'

# .ninja_log (v5): start ms, end ms, mtime, output, hash. One line per step of this build.
awk -F'\t' '!/^#/ { ms = $2 - $1; n++; total += ms; if ($4 ~ /\.o$/) { units++; compile += ms }
                    else if ($4 !~ /\.(gch|pch)$/) { links += ms } }
            END { printf "steps: %d (%d compiled units, %.1f s summed; other steps %.1f s summed)\n",
                  n, units, compile / 1000, links / 1000 }' "$dir/.ninja_log"
echo "15 slowest steps (wall s, from .ninja_log):"
awk -F'\t' '!/^#/ { printf "%8.1f  %s\n", ($2 - $1) / 1000, $4 }' "$dir/.ninja_log" |
  sort -rn | head -n 15

# The unit a compile step produced is the argument after -o (an object or a precompiled header).
awk '{ for (i = 3; i < NF; ++i) if ($i == "-o") { print $1 + $2, $(i + 1); break } }' "$dir/.unit_cpu" |
  sed "s#$dir/##" >"$dir/.unit_cpu.by_unit"
awk '{ total += $1; n++; target = "other"
       if (match($2, /[^\/]+\.dir\//)) target = substr($2, RSTART, RLENGTH - 5)
       by[target] += $1 }
     END { printf "compile steps: %d, %.1f s CPU in all; by target:", n, total
           for (t in by) printf " %s %.0f s;", t, by[t]; printf "\n" }' "$dir/.unit_cpu.by_unit"
echo "15 most expensive compile steps (CPU s):"
sort -rn "$dir/.unit_cpu.by_unit" | head -n 15 | awk '{ printf "%8.1f  %s\n", $1, $2 }'

timed ctest --test-dir "$dir" -j "$jobs" --output-on-failure >"$dir/.ctest.log" 2>&1 ||
  { tail -n 40 "$dir/.ctest.log" >&2; echo "bench_build: ctest failed" >&2; exit 1; }
report ctest
grep -E "tests passed|Total Test time" "$dir/.ctest.log" | sed 's/^ *//'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$keep" -eq 1 ]; then
  echo "kept: $dir"
fi
