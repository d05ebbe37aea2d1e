#!/bin/sh
# Installs what icgd needs from Debian 12 packages, and nothing when everything is there.
# Run as root, or as a user with sudo. Usage: sh scripts/setup.sh
set -eu

PACKAGES="g++ cmake ninja-build git pkg-config \
  libeigen3-dev libboost-dev doctest-dev libfmt-dev libcli11-dev nlohmann-json3-dev \
  librandom123-dev libbenchmark-dev gnuplot-nox \
  python3-sphinx python3-myst-parser doxygen graphviz libjs-mathjax fonts-dejavu-core chromium python3-pil"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "setup: all dependencies are installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "setup: missing packages:$missing — run this script as root or install sudo" >&2
  exit 1
fi

echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086
$as_root apt-get install -y -q --no-install-recommends $missing
