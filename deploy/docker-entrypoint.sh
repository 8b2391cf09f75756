#!/bin/sh
# Runs one Herald role in the foreground, as PID 1 (the services handle SIGTERM themselves):
#   docker-entrypoint.sh subscription-api|event-ingest|deliverer|migrate [node arguments]
# or with no argument the role named by HERALD_ROLE. Also works from a checkout after `npm run build`.
set -eu

role="${1:-${HERALD_ROLE:-}}"
[ "$#" -gt 0 ] && shift
cd "$(dirname "$0")/.."

case "$role" in
  subscription-api | event-ingest | deliverer) main="dist/apps/$role/src/main.js" ;;
  migrate) main="dist/deploy/migrate.js" ;;
  *)
    echo "docker-entrypoint.sh: unknown role '$role'; give one of subscription-api, event-ingest," \
      "deliverer, migrate (as the argument or HERALD_ROLE)" >&2
    exit 64
    ;;
esac
[ -f "$main" ] || {
  echo "docker-entrypoint.sh: $main is missing (not built?)" >&2
  exit 1
}
exec node -r ./scripts/register-aliases.js "$main" "$@"
