# The two commands the README opens with, and the steps behind them.
.PHONY: run test bootstrap lint typecheck layers unit web web-deps web-check web-unit browser bench bench-capacity hooks

run: bootstrap
	@scripts/build-web --optional
	.venv/bin/ignacio serve

test: bootstrap lint typecheck layers unit web-check web-unit browser

bootstrap:
	@scripts/bootstrap

lint:
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

typecheck:
	.venv/bin/mypy

layers:
	.venv/bin/lint-imports

unit:
	.venv/bin/pytest

# The web app (web/): built into web/dist when missing or older than its sources.
web:
	@scripts/build-web

web-deps:
	@cd web && { [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; } \
		|| npm ci --no-audit --no-fund --loglevel=error

# Types, lint, and the generated client in step with web/openapi.json.
web-check: web-deps
	cd web && npm run --silent typecheck && npm run --silent lint && npm run --silent check:api

# Component tests (Vitest, jsdom).
web-unit: web-deps
	cd web && npm test

# Browser tests: Chromium (Debian's /usr/bin/chromium) against a real `ignacio serve`.
browser: bootstrap web
	cd web && npm run test:browser

# Every benchmark, into bench/RESULTS.md; IGNACIO_BENCH_MESSAGES=100000 (and _MEMBERS) and
# IGNACIO_BENCH_QUICK=1 (bench/capacity.py --quick) for a quick run.
bench: bootstrap
	.venv/bin/python bench/run.py

# Answering capacity alone (bench/capacity.py): `make bench-capacity QUICK=1` for its short rows,
# CHECKOUT=/path/to/another/clone to measure that tree's code, PROFILE=1 for py-spy's top frames.
bench-capacity: bootstrap
	.venv/bin/python bench/capacity.py $(if $(QUICK),--quick) $(if $(PROFILE),--profile) \
		$(if $(CHECKOUT),--checkout $(CHECKOUT))

# The lint steps of `make test` before every commit (.githooks/pre-commit), in this clone.
hooks:
	git config core.hooksPath .githooks
	@echo "pre-commit checks installed: ruff, mypy, import-linter, and the web app's lint when web/ changes"
