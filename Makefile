# Business Placement Scheme platform. `make run` starts everything, `make test` tests everything.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11
PY ?= python3.11
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen
ROLE ?= hr
SUB ?= dev-user

.PHONY: help setup infra run stop test test-fast helm chart contracts contracts-check token bench chaos simulate fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install what is missing: uv, the locked Python env, Kafka and OIDC provider jars, PostgreSQL, Chromium, GOV.UK Frontend
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is missing: install python3.11 and retry"; exit 1; }
	@test -x "$(UV)" || { echo "installing uv..."; $(PY) -m pip install -q --user uv 2>/dev/null || $(PY) -m pip install -q uv; }
	@$(UV) sync --frozen --quiet
	@$(RUN) python -m bps_local.kafka fetch >/dev/null
	@$(RUN) python -m bps_local.postgres install >/dev/null
	@$(RUN) python -m bps_local.chromium ensure
	@cd services/web && { test -d node_modules/govuk-frontend || npm ci --silent --no-audit --no-fund; }
	@$(RUN) python -m web.devoidc fetch

infra: setup ## start (or reuse, saying so) Kafka and PostgreSQL and create the topics
	@$(RUN) python -m bps_local.kafka ensure >/dev/null
	@$(RUN) python -m bps_local.kafka topics
	@$(RUN) python -m bps_local.postgres ensure >/dev/null

run: infra ## start Kafka, PostgreSQL, every service and demo data; restarts a crashed service; Ctrl-C stops all
	@$(RUN) python -m bps_local.run

stop: ## stop this checkout's broker(s) and database (never one it did not start)
	-@$(RUN) python -m bps_local.kafka stop
	-@$(RUN) python -m bps_local.kafka cluster stop
	-@$(RUN) python -m bps_local.postgres stop

test: infra helm ## run the whole test suite against real Kafka and PostgreSQL
	@$(RUN) pytest -q -m "not chaos and not fuzz_long"

test-fast: ## the pure tests that need no broker or database (contracts, each service's domain rules)
	@$(RUN) pytest -q contracts/tests $(wildcard services/*/tests/test_domain.py) -m "not slow"

helm: ## build Helm from the Go module proxy into .local/bin (the chart tests use it)
	@bash deploy/helm/install-helm.sh >/dev/null

chart: helm ## regenerate the chart's Kafka topics and users from contracts, and lint it
	@$(RUN) python -m deploy.helm.generate
	@.local/bin/helm lint --strict deploy/helm/bps

contracts: ## regenerate JSON Schemas and the AsyncAPI document from the models
	@$(RUN) python -m contracts.generate

contracts-check: ## fail on schema drift or a breaking change; validate asyncapi.yaml
	@$(RUN) python -m contracts.generate --check
	@cd contracts/tools && { test -d node_modules || npm ci --silent; } && node validate-asyncapi.mjs ../asyncapi.yaml

token: ## mint a dev JWT: make token ROLE=hr SUB=alice [ORG=dept-x]
	@$(RUN) python -m shared.auth --role $(ROLE) --sub $(SUB) $(if $(ORG),--org $(ORG))

bench: infra ## benchmarks; results in bench-results/
	@$(RUN) python -m tests.perf.run

chaos: infra ## the long fault runs (5,000 journeys, services, broker and database SIGKILLed); prints counts
	@$(RUN) pytest -q -s -m chaos tests/e2e

simulate: ## drive N journeys against `make run`, approvers acting on their own: make simulate N=500
	@$(RUN) python -m bps_local.simulate --journeys $(or $(N),100)

fuzz: infra ## the long schemathesis run
	@$(RUN) pytest -q -m fuzz_long

clean: stop ## delete local data (.local) and the venv
	rm -rf .local .venv
