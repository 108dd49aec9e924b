# Keelson: the commands operators and developers type. `make run` and `make test` need nothing set up by hand.
.PHONY: build run start stop test bench health urls logs clean

build:
	swift build

run:
	scripts/run.sh

start:
	scripts/run.sh --detach

stop:
	scripts/stop.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

health:
	@for port in 8080 8081 8082 8083; do printf '%s ' "127.0.0.1:$$port"; curl -fsS "http://127.0.0.1:$$port/health" || printf 'unreachable'; echo; done

urls:
	@echo "gateway     $${KEELSON_GATEWAY_URL:-http://127.0.0.1:8080}"
	@echo "engine      $${KEELSON_ENGINE_URL:-http://127.0.0.1:8081}"
	@echo "marketdata  $${KEELSON_MARKETDATA_URL:-http://127.0.0.1:8082}"
	@echo "signals     $${KEELSON_SIGNALS_URL:-http://127.0.0.1:8083}"

logs:
	tail -n 50 -F logs/*.log

clean:
	rm -rf .build
