#!/bin/sh
# `icgd report` refuses bad input with one line on stderr and exit status 2, and writes nothing:
# a missing --runs folder, a corrupt results.json, a folder without runs, a corrupt or foreign
# --verify-json, an --out folder that no report wrote. Usage: bad_input.sh ICGD SOURCE SCRATCH
set -u
icgd=$1 source=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch/run" "$scratch/empty" "$scratch/corrupt" "$scratch/foreign"
printf '{"demo": "one-layer", "seed": 1, "quick": true, "checks": []}\n' > "$scratch/run/results.json"
printf '{"demo": "one-layer", "checks": [' > "$scratch/corrupt/results.json"
printf '{"claims": [' > "$scratch/broken-verify.json"
printf '{"claims": [{"id": "NO-SUCH-CLAIM", "status": "held", "results": []}]}\n' > "$scratch/foreign-verify.json"
printf 'not a site\n' > "$scratch/foreign/notes.txt"
failures=0
expect_refusal() {  # expect_refusal WHAT PATTERN ARGS...
  what=$1 pattern=$2
  shift 2
  "$icgd" report --source "$source" "$@" > "$scratch/stdout" 2> "$scratch/stderr"
  status=$?
  lines=$(wc -l < "$scratch/stderr")
  if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$pattern" "$scratch/stderr"; then
    echo "FAIL ($what): exit $status, $lines lines on stderr, wanted exit 2 and one line matching '$pattern':" >&2
    cat "$scratch/stderr" >&2
    failures=$((failures + 1))
  fi
  if [ -e "$scratch/site" ] || [ -e "$scratch/site.partial" ]; then
    echo "FAIL ($what): something was written" >&2
    failures=$((failures + 1))
    rm -rf "$scratch/site" "$scratch/site.partial"
  fi
}
expect_refusal "missing runs folder" "is not a folder" --runs "$scratch/no-such-folder" --out "$scratch/site"
expect_refusal "corrupt results.json" "not valid JSON" --runs "$scratch/corrupt" --out "$scratch/site"
expect_refusal "no run below" "no results.json" --runs "$scratch/empty" --out "$scratch/site"
expect_refusal "corrupt verify JSON" "not valid JSON" --runs "$scratch/run" --verify-json "$scratch/broken-verify.json" --out "$scratch/site"
expect_refusal "foreign verify JSON" "NO-SUCH-CLAIM" --runs "$scratch/run" --verify-json "$scratch/foreign-verify.json" --out "$scratch/site"
expect_refusal "missing verify JSON" "cannot read" --runs "$scratch/run" --verify-json "$scratch/none.json" --out "$scratch/site"
expect_refusal "missing option" "--out" --runs "$scratch/run"
# An --out folder that holds something else is never replaced.
"$icgd" report --source "$source" --runs "$scratch/run" --out "$scratch/foreign" > /dev/null 2> "$scratch/stderr"
if [ $? -ne 2 ] || [ ! -f "$scratch/foreign/notes.txt" ] || ! grep -q "no .icgd report. wrote" "$scratch/stderr"; then
  echo "FAIL (foreign --out): not refused, or its files were touched" >&2
  failures=$((failures + 1))
fi
[ "$failures" -eq 0 ] && echo "bad_input: all refusals as expected"
exit "$failures"
