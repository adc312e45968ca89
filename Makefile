# The two commands of the README, and a few helpers.
.PHONY: run test bench invoke fmt lint

## run: local stack + local API on 127.0.0.1:$(PORT) (default 3000); prints a token and a curl example
run:
	@infra/local/run.sh

## test: fmt and clippy gates, unit tests, integration tests against DynamoDB Local and s3s-fs
test:
	@infra/local/test.sh

## bench: release build, then cold starts, warm overhead, capacity, load, search and cost (target/bench/report.json)
bench:
	@infra/local/bench.sh

## invoke: FUNCTION=<name> [EVENT=tests/events/<file>]: that function's real binary, once, under a local Lambda Runtime API against the local stack
invoke:
	@test -n "$(FUNCTION)" || { echo "usage: make invoke FUNCTION=<name> [EVENT=tests/events/<file>]" >&2; exit 2; }
	@cargo build --quiet -p glchat-functions --bin $(FUNCTION) && cargo build --quiet -p glchat-tests --bin invoke
	@infra/local/stack.sh -- target/debug/invoke $(FUNCTION) $(EVENT)

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings
