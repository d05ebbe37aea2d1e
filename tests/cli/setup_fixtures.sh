#!/usr/bin/env bash
# Prepares the fixtures of the bad-input suite (tests/cli): a complete quick run, its weights,
# and damaged copies of them (NaN / inf weights, a truncated .npy, a corrupt or incomplete
# manifest), plus a plain file where a folder is expected.
#   setup_fixtures.sh ICGD FIXTURES
set -eu
icgd=$1 f=$2
rm -rf "$f" && mkdir -p "$f"
"$icgd" demo one-layer --quick --seeds 1 --steps 30 --eval-tasks 200 --ood-tasks 20 --no-plots --no-progress \
  --threads 2 --seed 1 --out "$f/run" >/dev/null
w="$f/run/weights-seed1"
test -f "$w/manifest.json"
npy=$(ls "$w"/*.npy | head -1)
damage() {  # damage NAME BYTES: a copy of the weights whose first .npy ends with BYTES (4, float32)
  cp -r "$w" "$f/$1"
  local file="$f/$1/$(basename "$npy")" size
  size=$(stat -c %s "$file")
  printf "$2" | dd of="$file" bs=1 seek=$((size - 4)) conv=notrunc status=none
}
damage nan-weights '\x00\x00\xc0\x7f'
damage inf-weights '\x00\x00\x80\x7f'
cp -r "$w" "$f/truncated-weights" && truncate -s 100 "$f/truncated-weights/$(basename "$npy")"
cp -r "$w" "$f/missing-array" && rm "$f/missing-array/$(basename "$npy")"
cp -r "$w" "$f/garbage-manifest" && printf '{"model": [1, 2' >"$f/garbage-manifest/manifest.json"
cp -r "$w" "$f/negative-width" && sed -i 's/"input_half_width": [0-9.e+-]*/"input_half_width": -1.0/' "$f/negative-width/manifest.json"
grep -q '"input_half_width": -1.0' "$f/negative-width/manifest.json"
cp -r "$w" "$f/nan-width" && sed -i 's/"input_half_width": [0-9.e+-]*/"input_half_width": NaN/' "$f/nan-width/manifest.json"
cp -r "$w" "$f/no-task" && sed -i 's/"task"/"not_the_task"/' "$f/no-task/manifest.json"
cp -r "$w" "$f/huge-dim" && sed -i 's/"x_dim": [0-9]*/"x_dim": 100000000/' "$f/huge-dim/manifest.json"
mkdir -p "$f/empty-folder"
printf 'not a folder\n' >"$f/a-file"
printf 'ICGDCKPT garbage' >"$f/garbage.ckpt"
echo "fixtures ready in $f"
