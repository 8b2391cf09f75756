#!/bin/sh
# Prints the path of a schemathesis binary (the OpenAPI fuzzer of the API fuzz test), installing the
# pinned version from PyPI into a virtualenv under <repo>/.cache/schemathesis (HERALD_SCHEMATHESIS_DIR
# moves it) when it is not there yet; a second run takes well under a second. Needs python3 with
# venv and pip, and reaches only PyPI. Everything but the path goes to stderr, so callers can use
# "$(scripts/ensure-schemathesis.sh)".
set -eu

SCHEMATHESIS_VERSION=4.32.5

fail() {
  echo "ensure-schemathesis: $*" >&2
  exit 1
}

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${HERALD_SCHEMATHESIS_DIR:-$root/.cache/schemathesis}"
venv="$dir/venv-$SCHEMATHESIS_VERSION"
bin="$venv/bin/schemathesis"

mkdir -p "$dir"
# Two test runs at once must not install into the same folder together.
exec 9>"$dir/.lock"
flock 9

# The marker is written last, so an install that was cut short is made again, not used half-done.
if [ -x "$bin" ] && [ -f "$venv/.installed" ]; then
  echo "$bin"
  exit 0
fi

command -v python3 >/dev/null 2>&1 ||
  fail "python3 (3.9 or newer, with venv and pip) is needed to install schemathesis"
rm -rf "$venv"
echo "ensure-schemathesis: installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
python3 -m venv "$venv" >&2 || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "schemathesis==$SCHEMATHESIS_VERSION" >&2 || fail "pip install schemathesis==$SCHEMATHESIS_VERSION failed"
[ -x "$bin" ] || fail "the schemathesis package installed no $bin"
touch "$venv/.installed"
echo "$bin"
