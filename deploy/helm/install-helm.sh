#!/usr/bin/env bash
# Installs the Helm CLI as a Go module into .local/bin (git-ignored), so the chart tests need no
# prebuilt download: only the Go toolchain and the Go module proxy.
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.local/bin"
if [ -x "$bin/helm" ] && "$bin/helm" version --short 2>/dev/null | grep -q "^${HELM_VERSION}"; then
  exit 0
fi
mkdir -p "$bin"
# -mod=mod lets `go install pkg@version` resolve helm's own go.mod even under a workspace GOFLAGS.
GOBIN="$bin" GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
"$bin/helm" version --short
