#!/bin/sh
# Prints the path of a Prometheus server binary, installing Debian's `prometheus` package when there
# is none. Order: $HERALD_PROMETHEUS_BIN, `prometheus` on PATH, then apt-get (as root, or with sudo).
# Everything but the path goes to stderr, so callers can use "$(scripts/ensure-prometheus.sh)".
set -eu

fail() {
  echo "ensure-prometheus: $*" >&2
  exit 1
}

if [ -n "${HERALD_PROMETHEUS_BIN:-}" ]; then
  [ -x "$HERALD_PROMETHEUS_BIN" ] || fail "HERALD_PROMETHEUS_BIN=$HERALD_PROMETHEUS_BIN is not an executable file"
  echo "$HERALD_PROMETHEUS_BIN"
  exit 0
fi

# /usr/bin is where the package puts it; a PATH without it should not trigger a second install.
for candidate in "$(command -v prometheus 2>/dev/null || true)" /usr/bin/prometheus; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done

command -v apt-get >/dev/null 2>&1 ||
  fail "no prometheus binary found and no apt-get to install one; install Prometheus >= 2.x and set HERALD_PROMETHEUS_BIN to its path"

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  fail "no prometheus binary found; installing Debian's prometheus package needs root or passwordless sudo (or set HERALD_PROMETHEUS_BIN)"
fi

echo "ensure-prometheus: installing Debian's prometheus package" >&2
# The package's maintainer scripts may start a system service on :9090 where an init system runs;
# callers start their own server on a port of their choosing, so that one is never relied on.
$as_root apt-get update >&2 || fail "apt-get update failed"
$as_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends prometheus >&2 ||
  fail "apt-get install prometheus failed"

[ -x /usr/bin/prometheus ] || fail "the prometheus package installed no /usr/bin/prometheus"
echo /usr/bin/prometheus
