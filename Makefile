# The two commands the README opens with, and the steps behind them.
.PHONY: run test bootstrap lint typecheck layers unit bench

run: bootstrap
	.venv/bin/ignacio serve

test: bootstrap lint typecheck layers unit

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

bench: bootstrap
	.venv/bin/python bench/message_reads.py
	.venv/bin/python bench/webhook_ingest.py
