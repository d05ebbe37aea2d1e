#!/usr/bin/env bash
# One bad-input / fault case of the command line (tests/cli/CMakeLists.txt):
#   run_case.sh ICGD FIXTURES SCRATCH EXPECT_STATUS ARGS...
# ARGS may use @F@ (the fixtures folder, prepared by setup_fixtures.sh) and @S@ (this case's
# scratch folder, the working directory of the command). Passes when the command exits with
# EXPECT_STATUS, writes exactly one line on stderr, and leaves the fixtures and the scratch
# folder exactly as they were (same entries, same content hashes): nothing created, changed or
# left half-written.
set -u
icgd=$1 fixtures=$2 scratch=$3 expect=$4
shift 4
rm -rf "$scratch" && mkdir -p "$scratch"
args=()
for a in "$@"; do
  [ "$a" = "@E@" ] && a=""
  a=${a//@F@/$fixtures}
  a=${a//@S@/$scratch}
  args+=("$a")
done
snapshot() {
  (cd "$1" && find . -mindepth 1 -printf '%y %m %p\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
before_f=$(snapshot "$fixtures") before_s=$(snapshot "$scratch")
cd "$scratch" || exit 1
timeout -s KILL 60 "$icgd" "${args[@]}" >"$scratch.stdout" 2>"$scratch.stderr"
rc=$?
cd / || exit 1
fail=0
if [ "$rc" != "$expect" ]; then
  echo "FAIL: exit status $rc, expected $expect"
  fail=1
fi
lines=$(wc -l <"$scratch.stderr")
if [ "$lines" != 1 ] || [ "$(tail -c1 "$scratch.stderr" | od -An -c | tr -d ' ')" != '\n' ]; then
  echo "FAIL: expected exactly one line on stderr, got $lines:"
  head -c 2000 "$scratch.stderr"
  fail=1
fi
after_f=$(snapshot "$fixtures") after_s=$(snapshot "$scratch")
if [ "$before_f" != "$after_f" ]; then
  echo "FAIL: the fixtures changed:"
  diff <(echo "$before_f") <(echo "$after_f") | head -20
  fail=1
fi
if [ "$before_s" != "$after_s" ]; then
  echo "FAIL: files were created in the working folder:"
  diff <(echo "$before_s") <(echo "$after_s") | head -20
  fail=1
fi
echo "icgd ${args[*]} -> $rc: $(head -c 300 "$scratch.stderr")"
rm -rf "$scratch" "$scratch.stdout" "$scratch.stderr"
exit $fail
