#!/usr/bin/env bash
# Installs the Helm CLI as a Go module into .local/bin (git-ignored), so the chart tests need no
# prebuilt download: only the Go toolchain and the Go module proxy.
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.local/bin"
# A `go install`ed helm reports only "v3.22" itself (its full version is a link-time flag), so
# the module version recorded in the binary says whether it is the wanted one.
if [ -x "$bin/helm" ] && go version -m "$bin/helm" 2>/dev/null \
    | grep -qE "^\s+mod\s+helm.sh/helm/v3\s+${HELM_VERSION}\b"; then
  exit 0
fi
mkdir -p "$bin"
# What helm's own Makefile links in: its version, and the Kubernetes version it assumes when
# rendering offline (else v1.20, which the chart's kubeVersion refuses). 1.37 = its k8s.io
# modules (v0.37).
pkg=helm.sh/helm/v3
ldflags="-s -w -X $pkg/internal/version.version=${HELM_VERSION}"
for p in pkg/lint/rules pkg/chartutil; do
  ldflags+=" -X $pkg/$p.k8sVersionMajor=1 -X $pkg/$p.k8sVersionMinor=${HELM_K8S_MINOR:-37}"
done
# -mod=mod lets `go install pkg@version` resolve helm's own go.mod even under a workspace GOFLAGS.
GOBIN="$bin" GOFLAGS=-mod=mod go install -ldflags "$ldflags" "$pkg/cmd/helm@${HELM_VERSION}"
"$bin/helm" version --short
