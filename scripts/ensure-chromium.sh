#!/bin/sh
# Prints the path of a Chromium binary ($HERALD_CHROMIUM_BIN, `chromium` on PATH, else Debian's
# `chromium` package, installed; see ensure-debian-binary.sh): the browser the console's tests drive
# through playwright-core, since Playwright's own browser download needs hosts that CI and
# developers' machines cannot reach.
exec "$(dirname "$0")/ensure-debian-binary.sh" chromium HERALD_CHROMIUM_BIN "Chromium"
