# Business Placement Scheme platform. `make run` starts everything, `make test` tests everything.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11
PY ?= python3.11
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen
ROLE ?= hr
SUB ?= dev-user

.PHONY: help setup infra run stop test test-fast contracts contracts-check token bench chaos simulate fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install what is missing: uv, the locked Python env, Kafka and OIDC provider jars, PostgreSQL, Chromium, GOV.UK Frontend
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is missing: install python3.11 and retry"; exit 1; }
	@test -x "$(UV)" || { echo "installing uv..."; $(PY) -m pip install -q --user uv 2>/dev/null || $(PY) -m pip install -q uv; }
	@$(UV) sync --frozen --quiet
	@$(PY) deploy/local/kafka.py fetch
	@$(PY) deploy/local/postgres.py ensure >/dev/null
	@$(PY) deploy/local/chromium.py ensure
	@cd services/web && { test -d node_modules/govuk-frontend || npm ci --silent --no-audit --no-fund; }
	@$(RUN) python -m web.devoidc fetch

infra: setup ## start (or reuse) Kafka and PostgreSQL and create the topics
	@$(RUN) python deploy/local/kafka.py ensure
	@$(RUN) python deploy/local/kafka.py topics
	@$(PY) deploy/local/postgres.py ensure

run: infra ## start Kafka, PostgreSQL, every service and demo data; Ctrl-C stops all
	@$(RUN) python deploy/local/run.py

stop: ## stop the local broker(s) and database
	-@$(RUN) python deploy/local/kafka.py stop
	-@$(RUN) python deploy/local/kafka.py cluster stop
	-@$(PY) deploy/local/postgres.py stop

test: infra ## run the whole test suite against real Kafka and PostgreSQL
	@$(RUN) pytest -q -m "not chaos and not fuzz_long"

contracts: ## regenerate JSON Schemas and the AsyncAPI document from the models
	@$(RUN) python -m contracts.generate

contracts-check: ## fail on schema drift or a breaking change; validate asyncapi.yaml
	@$(RUN) python -m contracts.generate --check
	@cd contracts/tools && { test -d node_modules || npm ci --silent; } && node validate-asyncapi.mjs ../asyncapi.yaml

token: ## mint a dev JWT: make token ROLE=hr SUB=alice [ORG=dept-x]
	@$(RUN) python -m shared.auth --role $(ROLE) --sub $(SUB) $(if $(ORG),--org $(ORG))

bench: infra ## benchmarks; results in bench-results/
	@$(RUN) python -m tests.perf.run

chaos: infra ## the long fault-tolerance run (5,000 journeys, services SIGKILLed); prints counts
	@$(RUN) pytest -q -s -m chaos tests/e2e

simulate: ## drive N journeys against `make run`, approvers acting on their own: make simulate N=500
	@$(RUN) python deploy/local/simulate.py --journeys $(or $(N),100)

fuzz: infra ## the long schemathesis run
	@$(RUN) pytest -q -m fuzz_long

clean: stop ## delete local data (.local) and the venv
	rm -rf .local .venv
