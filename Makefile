# Keelson: the commands operators and developers type. `make run` and `make test` need nothing set up by hand.
.PHONY: build run start stop test bench soak chaos format format-check health urls logs clean

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

# The four services under load for SOAK_MINUTES (30): memory, descriptors, connections and latency (docs/BENCHMARKS.md).
soak:
	scripts/soak.sh

# swift format (shipped with the toolchain) with .swift-format; FILES=... limits it to some files.
FORMAT_FILES ?= $(or $(FILES),Package.swift Shared Services Tools Tests Benchmarks)
format:
	swift format --in-place --recursive --parallel $(FORMAT_FILES)

format-check:
	swift format lint --recursive --parallel $(FORMAT_FILES)

health:
	@for port in 8080 8081 8082 8083; do printf '%s ' "127.0.0.1:$$port"; curl -sS "http://127.0.0.1:$$port/health" || printf 'unreachable'; echo; done

urls:
	@echo "gateway     $${KEELSON_GATEWAY_URL:-http://127.0.0.1:8080}"
	@echo "engine      $${KEELSON_ENGINE_URL:-http://127.0.0.1:8081}"
	@echo "marketdata  $${KEELSON_MARKETDATA_URL:-http://127.0.0.1:8082}"
	@echo "signals     $${KEELSON_SIGNALS_URL:-http://127.0.0.1:8083}"

logs:
	tail -n 50 -F logs/*.log

clean:
	rm -rf .build

# Deployment: the image, the Kubernetes manifests, and the checks of everything in infrastructure/ and kubernetes/.
.PHONY: docker-build k8s-render lint-deploy check-scrape check-outage check-dashboard check-contract fuzz
KEELSON_IMAGE ?= keelson:local

docker-build:
	@command -v docker >/dev/null 2>&1 || { echo "error: docker is not installed; the image is built by 'docker build -f infrastructure/Dockerfile .'" >&2; exit 1; }
	DOCKER_BUILDKIT=1 docker build -f infrastructure/Dockerfile -t $(KEELSON_IMAGE) \
		--build-arg VERSION=$$(sed -n 's/.*current = "\(.*\)"/\1/p' Shared/KeelsonServiceKit/Configuration/KeelsonVersion.swift) \
		--build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
		--build-arg CREATED=$$(date -u +%Y-%m-%dT%H:%M:%SZ) .

k8s-render:
	@bash -c 'source scripts/deploy-lib.sh && ensure_kubectl' && mkdir -p .build-tools/rendered
	@for overlay in dev production; do \
		kubectl kustomize kubernetes/overlays/$$overlay > .build-tools/rendered/$$overlay.yaml || exit 1; \
		echo "kubernetes/overlays/$$overlay -> .build-tools/rendered/$$overlay.yaml ($$(grep -c '^kind:' .build-tools/rendered/$$overlay.yaml) objects)"; \
	done

lint-deploy:
	scripts/check-deployment.sh

check-scrape:
	scripts/check-scrape.sh $(or $(BIN_DIR),.build/debug)

# Contract fuzzing of every service with schemathesis: 20 s a service in `make test`, 120 s here.
check-contract:
	scripts/check-contract.sh $(or $(BIN_DIR),.build/debug)

fuzz:
	KEELSON_FUZZ_SECONDS=$${KEELSON_FUZZ_SECONDS:-120} scripts/check-contract.sh $(or $(BIN_DIR),.build/debug)

# PostgreSQL stopped and SIGKILLed under the running services (10 s each in `make test`, 30 s in `make chaos`).
check-outage:
	scripts/check-outage.sh $(or $(BIN_DIR),.build/debug)

# The random kill -9 tests with KILLS (default 100) kills of the engine, the collector and the signal service
# (SEED=N another run), then the outage check with 30-second outages.
chaos:
	scripts/chaos.sh
	KEELSON_OUTAGE_SECONDS=$${KEELSON_OUTAGE_SECONDS:-30} scripts/check-outage.sh $(or $(BIN_DIR),.build/debug)

# The web dashboard and the HTML reports in headless Chromium (screenshots in .build-tools/dashboard/).
check-dashboard:
	scripts/check-dashboard.sh $(or $(BIN_DIR),.build/debug)
