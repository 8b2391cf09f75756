#!/bin/sh
# Prints the path of a Prometheus server binary ($HERALD_PROMETHEUS_BIN, `prometheus` on PATH, else
# Debian's `prometheus` package, installed; see ensure-debian-binary.sh). The package's maintainer
# scripts may start a system service on :9090 where an init system runs; callers start their own
# server on a port of their choosing, so that one is never relied on.
exec "$(dirname "$0")/ensure-debian-binary.sh" prometheus HERALD_PROMETHEUS_BIN "Prometheus >= 2.x"
