#!/usr/bin/env python3
"""Semantic checks of the deployment files that no off-the-shelf linter makes (run by scripts/check-deployment.sh).

    check_deployment.py compose RENDERED_COMPOSE_YAML      the compose file as `docker-compose config` prints it
    check_deployment.py env-example                         .env.example covers every variable compose and docs use
    check_deployment.py kubernetes RENDERED_DIR             base, dev and production as `kubectl kustomize` renders them
    check_deployment.py alerts                              labels, annotations, runbook links, unit-test coverage
    check_deployment.py metrics                             every metric in rules and dashboards is in alert-metrics.txt
    check_deployment.py dashboards                          dashboard JSON, provisioning and the generator agree

Each prints what it checked and exits 1 with one line per problem.
"""
import json
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
INFRA = ROOT / "infrastructure"
SERVICES = {"gateway": 8080, "engine": 8081, "marketdata": 8082, "signals": 8083}
problems = []


def problem(text):
    problems.append(text)


def load_all(path):
    return [doc for doc in yaml.safe_load_all(pathlib.Path(path).read_text()) if doc]


# ------------------------------------------------------------------------------------------------ compose
def check_compose(rendered):
    config = yaml.safe_load(pathlib.Path(rendered).read_text())
    services = config.get("services", {})
    postgres = services.get("postgres")
    if not postgres:
        problem("compose: no postgres service")
    else:
        if not str(postgres.get("image", "")).startswith("postgres:15"):
            problem("compose: postgres is not PostgreSQL 15")
        if "healthcheck" not in postgres:
            problem("compose: postgres has no healthcheck")
        volumes = [str(v.get("source") if isinstance(v, dict) else v) for v in postgres.get("volumes", [])]
        if not any(v.startswith("pgdata") for v in volumes):
            problem("compose: postgres data is not on the named volume pgdata")
    for name, port in SERVICES.items():
        service = services.get(name)
        if not service:
            problem(f"compose: no {name} service")
            continue
        command = service.get("command") or []
        if command != [f"keelson-{name}"]:
            problem(f"compose: {name} runs {command}, not keelson-{name}")
        depends = service.get("depends_on", {})
        if not isinstance(depends, dict) or depends.get("postgres", {}).get("condition") != "service_healthy":
            problem(f"compose: {name} does not wait for postgres to be healthy")
        if not isinstance(depends, dict) or depends.get("migrate", {}).get("condition") != "service_completed_successfully":
            problem(f"compose: {name} does not wait for the migration")
        if service.get("restart") not in ("unless-stopped", "always", "on-failure"):
            problem(f"compose: {name} has no restart policy")
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        if "memory" not in limits or "cpus" not in limits:
            problem(f"compose: {name} has no cpu/memory limits")
        env = service.get("environment", {})
        if str(env.get("KEELSON_PORT")) != str(port):
            problem(f"compose: {name} does not listen on {port}")
        if env.get("KEELSON_HOST") != "0.0.0.0":
            problem(f"compose: {name} does not listen on 0.0.0.0")
        for other, other_port in SERVICES.items():
            if env.get(f"KEELSON_{other.upper()}_URL") != f"http://{other}:{other_port}":
                problem(f"compose: {name} has no KEELSON_{other.upper()}_URL pointing at {other}")
        published = service.get("ports", [])
        if name == "gateway" and not published:
            problem("compose: the gateway is not published")
        if name != "gateway" and published:
            problem(f"compose: {name} is published; only the gateway should be")
    migrate = services.get("migrate", {})
    if migrate.get("command") != ["keelson", "db", "migrate", "up"]:
        problem("compose: the migrate service does not run `keelson db migrate up`")
    for name in ("prometheus", "alertmanager", "grafana"):
        if "monitoring" not in services.get(name, {}).get("profiles", []):
            problem(f"compose: {name} is not in the monitoring profile")
    print(f"  compose: {len(services)} services checked")


def check_env_example():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.M))
    compose = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose))
    for name in sorted(used - listed):
        problem(f".env.example: {name} (used in docker-compose.yml) is missing")
    configuration = (ROOT / "docs/CONFIGURATION.md").read_text()
    main_table = configuration.split("Used only by the scripts")[0]
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", main_table, re.M))
    # Fixed by the deployment itself rather than chosen in .env: where services listen and find each other,
    # the database URL (built from POSTGRES_PASSWORD) and the log format (always JSON in containers).
    fixed = {"DATABASE_URL", "KEELSON_HOST", "KEELSON_PORT", "KEELSON_GATEWAY_URL", "KEELSON_ENGINE_URL",
             "KEELSON_MARKETDATA_URL", "KEELSON_SIGNALS_URL", "LOG_FORMAT"}
    # A variable documented after this file was written is a warning, not a failure: docs/CONFIGURATION.md is
    # edited by others, and their `make test` must not fail on files they do not own.
    for name in sorted(documented - listed - fixed):
        print(f"  warning: .env.example: {name} (docs/CONFIGURATION.md) is missing; add it there and to docker-compose.yml")
    for name in sorted((documented - fixed - used) - (documented - listed - fixed)):
        print(f"  warning: docker-compose.yml: {name} (docs/CONFIGURATION.md) is not passed to the services")
    if "keelson secrets generate" not in example:
        problem(".env.example does not say how to generate the secrets (keelson secrets generate)")
    print(f"  .env.example: {len(listed)} variables, {len(documented)} documented, {len(used)} used by compose")


# --------------------------------------------------------------------------------------------- kubernetes
def containers(obj):
    spec = obj["spec"]["template"]["spec"] if obj["kind"] != "CronJob" else obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return spec, spec.get("containers", [])


def check_workload_security(where, obj):
    pod, items = containers(obj)
    if obj["kind"] in ("Deployment", "StatefulSet", "Job") and pod.get("automountServiceAccountToken") is not False:
        problem(f"{where}: mounts a service account token")
    psc = pod.get("securityContext", {})
    if not psc.get("runAsNonRoot") or psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problem(f"{where}: pod securityContext is not restricted (runAsNonRoot, seccomp RuntimeDefault)")
    for c in items:
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False or sc.get("readOnlyRootFilesystem") is not True \
                or not sc.get("runAsNonRoot") or "ALL" not in sc.get("capabilities", {}).get("drop", []):
            problem(f"{where}/{c['name']}: container securityContext is not restricted")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(res.get(kind, {})):
                problem(f"{where}/{c['name']}: no cpu/memory {kind}")


def check_kubernetes(rendered_dir):
    rendered = pathlib.Path(rendered_dir)
    for overlay in ("dev", "production"):
        docs = load_all(rendered / f"{overlay}.yaml")
        by_kind = {}
        for d in docs:
            by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
            if d["kind"] != "Namespace" and d["metadata"].get("namespace") in (None, "default"):
                problem(f"{overlay}: {d['kind']}/{d['metadata']['name']} has no namespace")
        where = lambda kind, name: f"{overlay}: {kind}/{name}"
        backup = by_kind.get("CronJob", {}).get("keelson-backup")
        if not backup:
            problem(f"{overlay}: no CronJob keelson-backup (the scheduled backup)")
        else:
            check_workload_security(where("CronJob", "keelson-backup"), backup)
            if backup["spec"].get("concurrencyPolicy") != "Forbid":
                problem(f"{overlay}: the backup may run twice at once (concurrencyPolicy is not Forbid)")
            _, backup_containers = containers(backup)
            arguments = " ".join(backup_containers[0].get("args", [])) if backup_containers else ""
            for word in ("backup schedule", "--once", "--keep-days", "--keep-count"):
                if word not in arguments:
                    problem(f"{overlay}: the backup CronJob does not run {word}")
            if "keelson-backups" not in by_kind.get("PersistentVolumeClaim", {}):
                problem(f"{overlay}: no PersistentVolumeClaim keelson-backups for the backups")
        deployments = by_kind.get("Deployment", {})
        for service, port in SERVICES.items():
            name = f"keelson-{service}"
            d = deployments.get(name)
            if not d:
                problem(f"{overlay}: no Deployment {name}")
                continue
            check_workload_security(where("Deployment", name), d)
            pod, items = containers(d)
            c = items[0]
            if c.get("command") != [name]:
                problem(f"{where('Deployment', name)}: runs {c.get('command')}")
            ready = c.get("readinessProbe", {}).get("httpGet", {}).get("path")
            live = c.get("livenessProbe", {}).get("httpGet", {}).get("path")
            # The gateway's /health is the whole system's health; its process liveness is /ping.
            expected_live = "/ping" if service == "gateway" else "/health"
            if ready != "/ready" or live != expected_live:
                problem(f"{where('Deployment', name)}: probes are readiness {ready}, liveness {live}; expected /ready and {expected_live}")
            annotations = d["spec"]["template"]["metadata"].get("annotations", {})
            if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/port") != str(port):
                problem(f"{where('Deployment', name)}: no Prometheus scrape annotations for port {port}")
            if name not in by_kind.get("Service", {}):
                problem(f"{overlay}: no Service {name}")
            if service == "engine":
                if d["spec"].get("replicas") != 2:
                    problem(f"{where('Deployment', name)}: runs {d['spec'].get('replicas')} replicas, not 2 (leader + standby)")
                if name in by_kind.get("HorizontalPodAutoscaler", {}):
                    problem(f"{overlay}: the engine must not autoscale (one leader, one standby)")
            else:
                hpa = by_kind.get("HorizontalPodAutoscaler", {}).get(name)
                if not hpa or hpa["spec"]["scaleTargetRef"]["name"] != name:
                    problem(f"{overlay}: no HorizontalPodAutoscaler for {name}")
                if "replicas" in d["spec"]:
                    problem(f"{where('Deployment', name)}: sets replicas although its HPA owns them")
                if name not in by_kind.get("PodDisruptionBudget", {}):
                    problem(f"{overlay}: no PodDisruptionBudget for {name}")
        job = by_kind.get("Job", {}).get("keelson-migrate")
        if not job or containers(job)[1][0].get("command") != ["keelson", "db", "migrate", "up"]:
            problem(f"{overlay}: no migration Job running `keelson db migrate up`")
        else:
            check_workload_security(where("Job", "keelson-migrate"), job)
        if "keelson-config" not in "".join(by_kind.get("ConfigMap", {})):
            problem(f"{overlay}: no keelson-config ConfigMap")
        if by_kind.get("Secret"):
            problem(f"{overlay}: renders a Secret; secrets are created out of band from kubernetes/secret.template.yaml")
        # Network policies: default deny, the gateway open, each internal service only from named pods.
        policies = by_kind.get("NetworkPolicy", {})
        deny = [p for p in policies.values() if p["spec"].get("podSelector") == {} and not p["spec"].get("ingress")]
        if not deny:
            problem(f"{overlay}: no default-deny ingress NetworkPolicy")
        for service in SERVICES:
            name = f"keelson-{service}"
            mine = [p for p in policies.values() if p["spec"].get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == name]
            if not mine:
                problem(f"{overlay}: no NetworkPolicy for {name}")
                continue
            sources = [src for p in mine for rule in p["spec"].get("ingress", []) for src in (rule.get("from") or [None])]
            if service == "gateway":
                if None not in sources:
                    problem(f"{overlay}: the gateway is not reachable from outside")
            elif None in sources or any(s.get("ipBlock") for s in sources if s):
                problem(f"{overlay}: {name} is reachable from anywhere; only the other services may call it")
        stateful = by_kind.get("StatefulSet", {})
        if overlay == "dev":
            pg = stateful.get("keelson-postgres")
            if not pg or not pg["spec"].get("volumeClaimTemplates"):
                problem("dev: no PostgreSQL StatefulSet with a volume")
            else:
                check_workload_security(where("StatefulSet", "keelson-postgres"), pg)
        elif stateful:
            problem("production: runs a StatefulSet; production uses an external PostgreSQL")
        print(f"  kubernetes {overlay}: {len(docs)} objects checked")
    template = load_all(ROOT / "kubernetes/secret.template.yaml")
    for d in template:
        for key, value in d.get("stringData", {}).items():
            if not str(value).startswith("REPLACE_WITH"):
                problem(f"kubernetes/secret.template.yaml: {key} holds a value, not a REPLACE_WITH placeholder")


# ------------------------------------------------------------------------------------------------- alerts
def alert_rules():
    rules = []
    for path in sorted((INFRA / "prometheus/rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules += group["rules"]
    return rules


def check_alerts():
    rules = alert_rules()
    alerts = [r for r in rules if "alert" in r]
    anchors = set()
    for r in alerts:
        name = r["alert"]
        if r.get("labels", {}).get("severity") not in ("critical", "warning"):
            problem(f"alert {name}: severity must be critical or warning")
        ann = r.get("annotations", {})
        if not ann.get("summary"):
            problem(f"alert {name}: no summary annotation")
        match = re.fullmatch(r"docs/RUNBOOK\.md#([a-z0-9-]+)", ann.get("runbook_url", ""))
        if not match:
            problem(f"alert {name}: runbook_url is not docs/RUNBOOK.md#<anchor>")
        else:
            anchors.add(match.group(1))
    # Unit-test coverage: each alert name is expected to fire somewhere and to stay quiet somewhere.
    fired, quiet = set(), set()
    for path in sorted((INFRA / "prometheus/tests").glob("*.test.yml")):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else quiet).add(case["alertname"])
    for name in sorted({r["alert"] for r in alerts}):
        if name not in fired:
            problem(f"alert {name}: no unit test where it fires")
        if name not in quiet:
            problem(f"alert {name}: no unit test where it stays quiet")
    check_alert_table(alerts)
    print(f"  alerts: {len(alerts)} rules, {len({r['alert'] for r in alerts})} names, runbook anchors: {', '.join(sorted(anchors))}")


def check_alert_table(alerts):
    """docs/DEPLOYMENT.md's alert table names every alert once, with the rules' severities and runbook anchor."""
    documented = {}
    for line in (ROOT / "docs/DEPLOYMENT.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"Keelson[A-Za-z]+", cells[0]):
            if cells[0] in documented:
                problem(f"docs/DEPLOYMENT.md: alert {cells[0]} is listed twice")
            documented[cells[0]] = (set(s.strip() for s in cells[1].split("/")), cells[3].strip("`"))
    by_name = {}
    for r in alerts:
        entry = by_name.setdefault(r["alert"], (set(), set()))
        entry[0].add(r.get("labels", {}).get("severity"))
        entry[1].add("#" + r.get("annotations", {}).get("runbook_url", "").split("#")[-1])
    for name, (severities, anchors) in sorted(by_name.items()):
        if name not in documented:
            problem(f"docs/DEPLOYMENT.md: alert {name} is missing from the alert table")
            continue
        listed, anchor = documented[name]
        if listed != severities:
            problem(f"docs/DEPLOYMENT.md: alert {name} is listed as {' / '.join(sorted(listed))}, the rules say {' / '.join(sorted(severities))}")
        if anchor not in anchors:
            problem(f"docs/DEPLOYMENT.md: alert {name} points at {anchor}, the rules at {', '.join(sorted(anchors))}")
    for name in sorted(set(documented) - set(by_name)):
        problem(f"docs/DEPLOYMENT.md: alert {name} is in the alert table but no rule defines it")


# ------------------------------------------------------------------------------------------------ metrics
PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan", "le"}


def metric_names(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)                     # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)                               # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                              # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        word, rest = m.group(0), expr[m.end():].lstrip()
        if rest.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        if re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def inventory():
    listed = {}
    for line in (INFRA / "prometheus/alert-metrics.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            parts = line.split()
            if parts[1] not in ("exists", "lazy", "proposed"):
                problem(f"alert-metrics.txt: {parts[0]} has status {parts[1]}; expected exists, lazy or proposed")
            listed[parts[0]] = parts[1]
    return listed


def dashboards():
    return {p.name: json.loads(p.read_text()) for p in sorted((INFRA / "grafana/dashboards").glob("*.json"))}


def panels(board):
    for p in board["panels"]:
        yield p
        yield from p.get("panels", [])


def check_metrics():
    listed = inventory()
    rules = alert_rules()
    recorded = {r["record"] for r in rules if "record" in r}
    used = {}
    for r in rules:
        for name in metric_names(r["expr"]):
            used.setdefault(name, set()).add(f"rule {r.get('alert') or r.get('record')}")
    for file, board in dashboards().items():
        for p in panels(board):
            for t in p.get("targets", []):
                for name in metric_names(t["expr"]):
                    used.setdefault(name, set()).add(f"{file}: {p['title']}")
    for name, where in sorted(used.items()):
        if name not in listed and name not in recorded:
            problem(f"metric {name} (used by {sorted(where)[0]}) is not listed in infrastructure/prometheus/alert-metrics.txt")
    for name in sorted(set(listed) - set(used)):
        if not name.endswith(("_count", "_sum")):
            problem(f"alert-metrics.txt lists {name}, which no rule or dashboard uses")
    counts = {s: sum(1 for v in listed.values() if v == s) for s in ("exists", "lazy", "proposed")}
    print(f"  metrics: {len(used)} names used, listed as {counts}")


# --------------------------------------------------------------------------------------------- dashboards
def check_dashboards():
    boards = dashboards()
    titles = {b["title"] for b in boards.values()}
    for wanted in ("System overview", "Trading", "Market data", "Execution quality"):
        if not any(wanted in t for t in titles):
            problem(f"grafana: no {wanted} dashboard")
    uids = [b["uid"] for b in boards.values()]
    if len(set(uids)) != len(uids):
        problem("grafana: dashboard uids are not unique")
    datasource = yaml.safe_load((INFRA / "grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"][0]["uid"]
    for file, board in boards.items():
        ids = [p["id"] for p in panels(board)]
        if len(set(ids)) != len(ids):
            problem(f"grafana {file}: panel ids are not unique")
        for p in panels(board):
            if p["type"] == "row":
                continue
            if p.get("datasource", {}).get("uid") != datasource:
                problem(f"grafana {file}: panel {p['title']} does not use the provisioned data source {datasource}")
            if not p.get("targets") or not all(t.get("expr") for t in p["targets"]):
                problem(f"grafana {file}: panel {p['title']} has no query")
    # The committed JSON is what the generator writes.
    generated = subprocess.run([sys.executable, "-c", (
        "import importlib.util, json, sys;"
        f"spec = importlib.util.spec_from_file_location('g', {str(INFRA / 'grafana/generate-dashboards.py')!r});"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m);"
        "print(json.dumps({n: b for n, b in [('overview', m.overview), ('trading', m.trading), ('marketdata', m.marketdata), ('execution', m.execution)]}, sort_keys=True))"
    )], capture_output=True, text=True, check=True)
    for name, board in json.loads(generated.stdout).items():
        if boards.get(f"keelson-{name}.json") != board:
            problem(f"grafana: dashboards/keelson-{name}.json differs from generate-dashboards.py; run python3 infrastructure/grafana/generate-dashboards.py")
    print(f"  grafana: {len(boards)} dashboards, {sum(1 for b in boards.values() for p in panels(b) if p['type'] != 'row')} panels")


def check_optimize_job(rendered_file):
    """kubernetes/jobs: an Indexed Job whose pods each take their shard of the search (docs/OPTIMIZER.md)."""
    docs = load_all(pathlib.Path(rendered_file))
    jobs = [d for d in docs if d["kind"] == "Job" and d["metadata"]["name"] == "keelson-optimize"]
    if not jobs:
        problem("jobs: no Job keelson-optimize")
        return
    job = jobs[0]
    check_workload_security("jobs: Job/keelson-optimize", job)
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        problem("jobs: keelson-optimize is not an Indexed Job")
    shards = next((d["data"].get("KEELSON_OPTIMIZE_SHARDS") for d in docs if d["kind"] == "ConfigMap" and "KEELSON_OPTIMIZE_SHARDS" in d.get("data", {})), None)
    if not (str(spec.get("completions")) == str(spec.get("parallelism")) == str(shards)):
        problem(f"jobs: completions {spec.get('completions')}, parallelism {spec.get('parallelism')} and KEELSON_OPTIMIZE_SHARDS {shards} differ")
    _, items = containers(job)
    args = items[0].get("args", []) if items else []
    if "--shard" not in args or args[args.index("--shard") + 1] != "$(JOB_COMPLETION_INDEX)/$(KEELSON_OPTIMIZE_SHARDS)":
        problem("jobs: keelson-optimize does not pass --shard $(JOB_COMPLETION_INDEX)/$(KEELSON_OPTIMIZE_SHARDS)")
    if "--run" not in args:
        problem("jobs: keelson-optimize does not pass --run")
    print(f"  jobs: keelson-optimize, {spec.get('completions')} shards")


SCHEDULES = {
    # CronJob: what its command must run (the decision rules live in those options).
    "keelson-reoptimize": ("keelson optimize", "--apply-to", "--walk-forward", "--margin", "--every-trades", "--every-hours"),
    "keelson-retrain-model": ("keelson model retrain", "--name", "--walk-forward", "--margin"),
    "keelson-db-maintenance": ("db maintenance", "--vacuum", "--report"),
}


def check_schedules(rendered_file):
    """kubernetes/schedules: the re-optimisation (every 24 hours or 50 trades) and the weekly retraining, each one at a time, each deciding
    through its margin, and the nightly database maintenance."""
    docs = load_all(pathlib.Path(rendered_file))
    for name, needed in SCHEDULES.items():
        jobs = [d for d in docs if d["kind"] == "CronJob" and d["metadata"]["name"] == name]
        if not jobs:
            problem(f"schedules: no CronJob {name}")
            continue
        job = jobs[0]
        check_workload_security(f"schedules: CronJob/{name}", job)
        if job["spec"].get("concurrencyPolicy") != "Forbid":
            problem(f"schedules: {name} may run twice at once (concurrencyPolicy is not Forbid)")
        _, items = containers(job)
        command = " ".join(items[0].get("args", [])) if items else ""
        for word in needed:
            if word not in command:
                problem(f"schedules: {name} does not run {word}")
        print(f"  schedules: {name} at '{job['spec']['schedule']}'")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"compose": check_compose, "env-example": check_env_example, "kubernetes": check_kubernetes, "alerts": check_alerts,
     "metrics": check_metrics, "dashboards": check_dashboards, "optimize-job": check_optimize_job,
     "schedules": check_schedules}[command](*args)
    for p in problems:
        print(f"  ✘ {p}")
    sys.exit(1 if problems else 0)
