#!/bin/sh
# Prints the path of a Chromium binary, installing Debian's `chromium` package when there
# is none. Order: $HERALD_CHROMIUM_BIN, `chromium` on PATH, then apt-get (as root, or with sudo).
# Everything but the path goes to stderr, so callers can use "$(scripts/ensure-chromium.sh)".
set -eu

fail() {
  echo "ensure-chromium: $*" >&2
  exit 1
}

if [ -n "${HERALD_CHROMIUM_BIN:-}" ]; then
  [ -x "$HERALD_CHROMIUM_BIN" ] || fail "HERALD_CHROMIUM_BIN=$HERALD_CHROMIUM_BIN is not an executable file"
  echo "$HERALD_CHROMIUM_BIN"
  exit 0
fi

# /usr/bin is where the package puts it; a PATH without it should not trigger a second install.
for candidate in "$(command -v chromium 2>/dev/null || true)" /usr/bin/chromium; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done

command -v apt-get >/dev/null 2>&1 ||
  fail "no chromium binary found and no apt-get to install one; install Chromium and set HERALD_CHROMIUM_BIN to its path"

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  fail "no chromium binary found; installing Debian's chromium package needs root or passwordless sudo (or set HERALD_CHROMIUM_BIN)"
fi

echo "ensure-chromium: installing Debian's chromium package" >&2
# Debian's chromium is the browser the console's browser tests drive through playwright-core:
# Playwright's own browser download needs hosts that CI and developers' machines cannot reach.
$as_root apt-get update >&2 || fail "apt-get update failed"
$as_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends chromium >&2 ||
  fail "apt-get install chromium failed"

[ -x /usr/bin/chromium ] || fail "the chromium package installed no /usr/bin/chromium"
echo /usr/bin/chromium
