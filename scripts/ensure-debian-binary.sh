#!/bin/sh
# Prints the path of a tool's binary, installing the Debian package of the same name when there is
# none: ensure-debian-binary.sh <binary> <override variable> <what to install by hand otherwise>.
# Order: $<override variable>, <binary> on PATH or in /usr/bin, then apt-get (as root, or with sudo).
# Everything but the path goes to stderr, so callers can use "$(scripts/ensure-<tool>.sh)".
set -eu

binary=$1
override_var=$2
by_hand=$3

fail() {
  echo "ensure-$binary: $*" >&2
  exit 1
}

eval "override=\${$override_var:-}"
if [ -n "$override" ]; then
  [ -x "$override" ] || fail "$override_var=$override is not an executable file"
  echo "$override"
  exit 0
fi

# /usr/bin is where the package puts it; a PATH without it should not trigger a second install.
for candidate in "$(command -v "$binary" 2>/dev/null || true)" "/usr/bin/$binary"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done

command -v apt-get >/dev/null 2>&1 ||
  fail "no $binary binary found and no apt-get to install one; install $by_hand and set $override_var to its path"

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  fail "no $binary binary found; installing Debian's $binary package needs root or passwordless sudo (or set $override_var)"
fi

echo "ensure-$binary: installing Debian's $binary package" >&2
$as_root apt-get update >&2 || fail "apt-get update failed"
$as_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "$binary" >&2 ||
  fail "apt-get install $binary failed"

[ -x "/usr/bin/$binary" ] || fail "the $binary package installed no /usr/bin/$binary"
echo "/usr/bin/$binary"
