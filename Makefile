# The two commands of the README, and a few helpers.
.PHONY: run test bench fmt lint

## run: local stack + local API on 127.0.0.1:$(PORT) (default 3000); prints a token and a curl example
run:
	@infra/local/run.sh

## test: fmt and clippy gates, unit tests, integration tests against DynamoDB Local and s3s-fs
test:
	@infra/local/test.sh

## bench: release build, then cold starts, warm overhead, capacity, load, search and cost (target/bench/report.json)
bench:
	@infra/local/bench.sh

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings
