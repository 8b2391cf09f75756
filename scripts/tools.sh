#!/usr/bin/env bash
# Builds the chart tools into <repo>/.cache/tools (HERALD_TOOLS_DIR moves it) from Go modules:
#   bin/helm, bin/kubeconform            (go install, pinned versions)
#   schemas/v<kube>-standalone-strict/   (Kubernetes JSON schemas for kubeconform, offline)
#   schemas/crds/<group>/                (schemas of the CRDs the chart uses: ServiceMonitor)
#   tools.env                            (paths and versions for the chart checks, plus the
#                                         Compose specification's JSON schema)
# Each part is skipped when it is already there at the right version, so a second run takes
# about a second. Needs Go (1.24 or newer) and Node; reaches only the Go module proxy.
set -euo pipefail

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.7.0
# The Kubernetes release whose OpenAPI document the schemas come from; the chart checks render
# with `helm template --kube-version` of the same release.
KUBERNETES_VERSION=1.33.13
PROMETHEUS_OPERATOR_VERSION=v0.85.0
# Its schema/compose-spec.json checks deploy/docker-compose.yml.
COMPOSE_GO_VERSION=v2.16.2

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${HERALD_TOOLS_DIR:-$root/.cache/tools}"
bin="$tools/bin"
schemas="$tools/schemas"

command -v go >/dev/null || {
  echo "tools.sh: Go is needed to build helm and kubeconform (https://go.dev/dl/)" >&2
  exit 1
}
mkdir -p "$bin"
# Two test runs at once must not build into the same folder together.
exec 9>"$tools/.lock"
flock 9

say() { echo "[tools] $*"; }

# A field of `go mod download -json <module@version>` (Dir, GoMod, …); downloads when missing.
module_field() {
  (cd "$tools" && go mod download -json "$1") |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const m = JSON.parse(s); if (m.Error || !m[process.argv[1]]) { console.error(m.Error); process.exit(1); }
      console.log(m[process.argv[1]]); });' "$2"
}

# The module version a Go binary was built from (`go version -m`); empty when absent.
built_version() {
  [ -x "$1" ] || return 0
  go version -m "$1" 2>/dev/null | awk -v mod="$2" '$1 == "mod" && $2 == mod { print $3 }'
}

# Helm's release builds stamp its version and the Kubernetes version it defaults to (the minor of
# its client-go) with -ldflags; a plain go install would say v1.20 and make charts needing newer
# Kubernetes fail `helm install --dry-run`.
helm_ldflags() {
  local gomod minor
  gomod="$(module_field "helm.sh/helm/v3@$HELM_VERSION" GoMod)"
  minor="$(awk '$1 == "k8s.io/client-go" { split($2, v, "."); print v[2] }' "$gomod")"
  [ -n "$minor" ] || {
    echo "tools.sh: no k8s.io/client-go in $gomod" >&2
    exit 1
  }
  local x="-X helm.sh/helm/v3"
  echo "-s -w $x/internal/version.version=$HELM_VERSION" \
    "$x/pkg/chartutil.k8sVersionMajor=1 $x/pkg/chartutil.k8sVersionMinor=$minor" \
    "$x/pkg/lint/rules.k8sVersionMajor=1 $x/pkg/lint/rules.k8sVersionMinor=$minor"
}

# The version a tool reports itself (stamped by -ldflags).
reported_version() {
  case "$1" in
    helm) "$bin/helm" version --template '{{.Version}}' 2>/dev/null || true ;;
    kubeconform) "$bin/kubeconform" -v 2>/dev/null || true ;;
  esac
}

# usage: install_tool NAME MODULE PACKAGE VERSION LDFLAGS
install_tool() {
  local name="$1" module="$2" package="$3" version="$4" ldflags="$5" started
  if [ "$(built_version "$bin/$name" "$module")" = "$version" ] &&
    [ "$(reported_version "$name")" = "$version" ]; then
    say "$name $version present"
    return
  fi
  started=$SECONDS
  say "building $name $version (go install; a few minutes the first time)…"
  GOBIN="$bin" go install -ldflags "$ldflags" "$package@$version"
  [ "$(built_version "$bin/$name" "$module")" = "$version" ] &&
    [ "$(reported_version "$name")" = "$version" ] || {
    echo "tools.sh: $bin/$name is not $module $version after go install" >&2
    exit 1
  }
  say "$name $version built in $((SECONDS - started)) s"
}

install_tool helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm "$HELM_VERSION" "$(helm_ldflags)"
install_tool kubeconform github.com/yannh/kubeconform \
  github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" \
  "-s -w -X main.version=$KUBECONFORM_VERSION"

# The schemas are regenerated when a source version or the converter changes.
stamp="k8s.io/kubernetes@v$KUBERNETES_VERSION prometheus-operator@$PROMETHEUS_OPERATOR_VERSION \
$(sha256sum "$root/scripts/k8s-schemas.js" | cut -d' ' -f1)"
if [ -f "$schemas/.stamp" ] && [ "$(cat "$schemas/.stamp")" = "$stamp" ]; then
  say "schemas for Kubernetes $KUBERNETES_VERSION present"
else
  started=$SECONDS
  say "writing schemas for Kubernetes $KUBERNETES_VERSION…"
  kubernetes="$(module_field "k8s.io/kubernetes@v$KUBERNETES_VERSION" Dir)"
  operator="$(module_field "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" Dir)"
  fresh="$(mktemp -d "$tools/schemas.XXXXXX")"
  node "$root/scripts/k8s-schemas.js" \
    --swagger "$kubernetes/api/openapi-spec/swagger.json" \
    --kube-version "$KUBERNETES_VERSION" \
    --crd "$operator/jsonnet/prometheus-operator/servicemonitors-crd.json" \
    --out "$fresh"
  echo "$stamp" >"$fresh/.stamp"
  rm -rf "$schemas"
  mv "$fresh" "$schemas"
  say "schemas written in $((SECONDS - started)) s"
fi

compose_schema="$(module_field "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" Dir)/schema/compose-spec.json"
[ -f "$compose_schema" ] || {
  echo "tools.sh: $compose_schema is missing" >&2
  exit 1
}

# Read by the chart checks (test/helm-chart.e2e-spec.ts), so the versions live in this file only;
# also `source`-able: kubeconform -schema-location "$SCHEMA_LOCATION_BUILTIN" …
cat >"$tools/tools.env" <<EOF
HELM='$bin/helm'
KUBECONFORM='$bin/kubeconform'
KUBERNETES_VERSION='$KUBERNETES_VERSION'
SCHEMA_LOCATION_BUILTIN='$schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json'
SCHEMA_LOCATION_CRDS='$schemas/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'
COMPOSE_SCHEMA='$compose_schema'
EOF
say "ready: $tools/tools.env"
