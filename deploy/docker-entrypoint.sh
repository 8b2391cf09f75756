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
# The role's heap cap and semi-space (libs/local-infra/src/service-heap.ts says why, and checks these
# numbers), unless NODE_OPTIONS is set (the chart's extraEnv): then it is the operator's, whole.
if [ -z "${NODE_OPTIONS:-}" ]; then
  case "$role" in
    deliverer) semi_space=16 ;;
    *) semi_space=8 ;;
  esac
  export NODE_OPTIONS="--max-old-space-size=144 --max-semi-space-size=$semi_space"
fi
# glibc maps allocations from 128 KiB up on their own and gives them back when freed (service-heap.ts).
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
exec node -r ./scripts/register-aliases.js "$main" "$@"
