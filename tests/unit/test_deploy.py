"""deploy/ stays in step with the code: every process runs in two replicas with the settings it
reads, the gateway, Caddy and Prometheus name replicas that exist, the NATS nodes route to each
other, the tracing and metrics wiring names services and files that exist, alerts and the
dashboard use only metrics the code exports, and the image is pinned, non-root and checked.
The Kubernetes manifests (deploy/k8s) render, are valid objects, and give each process the
same command and settings as compose, with secrets only by reference.
Nothing here needs a container engine or a cluster. hadolint, check-jsonschema and
kubernetes-validate are dev dependencies and always run; promtool, caddy and nats-server add
their checks where installed."""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import msgspec
import pytest
import yaml

from shared import messaging
from shared.ai import AISettings
from shared.dev.stack import ROOT, SERVICES
from shared.migrate import MigrateSettings, installed_binary
from shared.settings import env_name

DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SPECS = COMPOSE["services"]
PROCESSES = ("gateway", *SERVICES)
REPLICAS = 2
NATS_NODES = ("nats-1", "nats-2", "nats-3")
APP_PORT = 8000
# Read by the OpenTelemetry SDK itself, not by a settings struct.
SDK_VARIABLES = {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME"}

# The metrics contract: what shared/metrics.py exports, with its labels. Alert rules and the
# dashboard may use these and nothing else; a histogram also answers to _bucket, _sum, _count.
METRICS: dict[str, tuple[str, frozenset[str]]] = {
    "http_requests_total": ("counter", frozenset({"service", "route", "method", "status"})),
    "http_request_duration_seconds": ("histogram", frozenset({"service", "route", "method"})),
    "event_consumer_pending": ("gauge", frozenset({"service", "durable"})),
    "events_handled_total": ("counter", frozenset({"service", "durable", "outcome"})),
    "event_redeliveries_total": ("counter", frozenset({"service", "durable"})),
    "outbox_oldest_age_seconds": ("gauge", frozenset({"service"})),
    "outbox_backlog": ("gauge", frozenset({"service"})),
    "dead_letters_total": ("counter", frozenset({"service", "subject"})),
    "credits_spent_total": ("counter", frozenset({"type"})),
    "credits_low_total": ("counter", frozenset()),
    "ai_request_duration_seconds": ("histogram", frozenset({"operation", "model", "provider"})),
    "ai_errors_total": ("counter", frozenset({"operation", "reason"})),
    "gateway_page_cache_requests_total": ("counter", frozenset({"result"})),
    "gateway_rate_limited_total": ("counter", frozenset({"scope"})),
}
PROMETHEUS_OWN = {"up"}  # made by Prometheus for every target
TARGET_LABELS = {"job", "instance"}  # added by Prometheus to every scraped series
ALERTED = {"http_requests_total", "http_request_duration_seconds", "event_consumer_pending",
           "outbox_oldest_age_seconds", "dead_letters_total", "credits_low_total", "ai_errors_total",
           "ai_request_duration_seconds"}


def replicas(process: str) -> list[str]:
    return [f"{process}-{n}" for n in range(1, REPLICAS + 1)]


def settings_of(process: str) -> list[type[msgspec.Struct]]:
    """The settings structs a process loads: its own, and AISettings where its app loads them."""
    structs: list[type[msgspec.Struct]] = [importlib.import_module(f"services.{process}.settings").Settings]
    if "load_or_exit(AISettings)" in (ROOT / "services" / process / "app.py").read_text():
        structs.append(AISettings)
    return structs


def required(struct: type[msgspec.Struct]) -> set[str]:
    return {env_name(field.name) for field in msgspec.structs.fields(struct) if field.required}


def known(struct: type[msgspec.Struct]) -> set[str]:
    return {env_name(field.name) for field in msgspec.structs.fields(struct)}


def bind_sources(spec: dict) -> dict[str, str]:
    """Bind mounts of a compose service: target in the container -> source file in deploy/."""
    mounts = {}
    for volume in spec.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            mounts[target] = source
    return mounts


def deploy_file(spec: dict, target: str) -> Path:
    path = DEPLOY / bind_sources(spec)[target]
    assert path.is_file(), f"{path} is mounted at {target} but does not exist"
    return path


# processes and their replicas -------------------------------------------------------------


@pytest.mark.parametrize("process", PROCESSES)
def test_each_process_runs_as_identical_replicas_and_not_alone(process: str) -> None:
    names = replicas(process)
    assert set(names) <= set(SPECS)
    assert process not in SPECS
    assert all(SPECS[name] == SPECS[names[0]] for name in names), "replicas must share one definition"
    assert not [name for name in SPECS if name.startswith(f"{process}-") and name not in names]


@pytest.mark.parametrize("process", PROCESSES)
def test_each_replica_runs_its_own_app_under_granian(process: str) -> None:
    command = SPECS[f"{process}-1"]["command"]
    assert command[0] == "granian"
    assert command[-1] == f"services.{process}.app:create_app_from_env"


@pytest.mark.parametrize("process", PROCESSES)
def test_each_replica_gets_the_settings_it_requires_and_only_settings_it_reads(process: str) -> None:
    environment = SPECS[f"{process}-1"]["environment"]
    structs = settings_of(process)
    assert set().union(*map(required, structs)) <= set(environment)
    unread = set(environment) - set().union(*map(known, structs)) - SDK_VARIABLES
    assert not unread, f"{process}: nothing reads {sorted(unread)} (a typo?)"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_connects_as_its_own_role_with_streams_on_every_nats_node(service: str) -> None:
    environment = SPECS[f"{service}-1"]["environment"]
    url = urlsplit(environment["DATABASE_URL"])
    assert (url.username, url.hostname, url.path) == (f"{service}_svc", "postgres", "/platform")
    assert int(environment["STREAM_REPLICAS"]) == len(NATS_NODES)
    depends = SPECS[f"{service}-1"]["depends_on"]
    assert depends["migrate"] == {"condition": "service_completed_successfully"}
    assert all(depends[node] == {"condition": "service_healthy"} for node in NATS_NODES)


def test_every_replica_sends_traces_to_the_collector() -> None:
    for process in PROCESSES:
        for name in replicas(process):
            assert SPECS[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"


def test_the_gateway_round_robins_over_every_replica_of_every_service() -> None:
    environment = SPECS["gateway-1"]["environment"]
    for service in SERVICES:
        urls = environment[f"{service.upper()}_URL"].split(",")
        assert urls == [f"http://{name}:{APP_PORT}" for name in replicas(service)]
        assert all(urlsplit(url).hostname in SPECS for url in urls)


def test_the_gateway_trusts_only_the_network_it_shares_with_caddy() -> None:
    edge = [name for name, network in COMPOSE["networks"].items() if network and network.get("ipam")]
    assert len(edge) == 1
    subnet = COMPOSE["networks"][edge[0]]["ipam"]["config"][0]["subnet"]
    assert SPECS["gateway-1"]["environment"]["TRUSTED_PROXIES"] == subnet
    assert SPECS["caddy"]["networks"] == edge
    on_edge = {name for name, spec in SPECS.items() if edge[0] in spec.get("networks", [])}
    assert on_edge == {*replicas("gateway"), "caddy"}


def test_nats_url_names_cluster_nodes_in_a_form_the_client_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    from nats.aio.client import Client

    given = []

    async def connect(servers: str | list[str], **options: object) -> None:
        given.append(servers)

    monkeypatch.setattr(messaging.nats, "connect", connect)
    for process in PROCESSES:
        asyncio.run(messaging.connect_nats(SPECS[f"{process}-1"]["environment"]["NATS_URL"], name=process))
        servers = given[-1] if isinstance(given[-1], list) else [given[-1]]
        Client()._setup_server_pool(servers)  # what nats-py does first: refuses e.g. a comma list
        assert {urlsplit(server).hostname for server in servers} <= set(NATS_NODES)


# infrastructure ---------------------------------------------------------------------------


def test_the_nats_cluster_has_three_nodes_routing_to_each_other_each_with_its_own_volume() -> None:
    volumes = set()
    for node in NATS_NODES:
        spec = SPECS[node]
        assert spec["environment"]["NATS_SERVER_NAME"] == node
        config = deploy_file(spec, "/etc/nats/nats.conf")
        assert spec["command"] == ["--config", "/etc/nats/nats.conf"]
        data = [volume.split(":")[0] for volume in spec["volumes"] if volume.split(":")[1] == "/data"]
        assert len(data) == 1 and data[0] in COMPOSE["volumes"]
        volumes.add(data[0])
    assert len(volumes) == len(NATS_NODES)
    text = config.read_text()
    assert set(re.findall(r"nats-route://([\w-]+):6222", text)) == set(NATS_NODES)
    assert re.search(r"^jetstream\s*\{[^}]*store_dir:\s*/data", text, re.M)
    assert re.search(r"^\s*sync_interval:\s*always\b", text, re.M), "billing's events must be fsynced before ack"
    assert "server_name: $NATS_SERVER_NAME" in text


def test_the_nats_config_is_valid_for_nats_server(tmp_path: Path) -> None:
    binary = installed_binary("nats-server")
    if binary is None:
        pytest.skip("nats-server is not installed")
    result = subprocess.run([binary, "-t", "-c", str(DEPLOY / "nats" / "nats.conf")], capture_output=True,
                            text=True, env={"NATS_SERVER_NAME": "nats-1"}, timeout=30)
    assert result.returncode == 0, result.stderr


def test_migrations_run_once_before_the_services() -> None:
    spec = SPECS["migrate"]
    assert spec["command"] == ["python", "-m", "shared.migrate"]
    assert spec["restart"] == "no"
    assert required(MigrateSettings) <= set(spec["environment"]) <= known(MigrateSettings)
    assert spec["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "pgvector" in SPECS["postgres"]["image"]


def test_everything_named_in_compose_exists() -> None:
    for name, spec in SPECS.items():
        depends = spec.get("depends_on", [])
        assert set(depends) <= set(SPECS), name
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which does not exist"
            else:
                assert source in COMPOSE["volumes"], f"{name} uses an undeclared volume {source}"


def test_every_image_is_pinned_to_a_release() -> None:
    for name, spec in SPECS.items():
        if "build" in spec:
            assert spec["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
            continue
        image = spec["image"]
        assert re.search(r":v?\d+\.\d+\.\d+", image) and "latest" not in image, f"{name}: {image} is not pinned"


def test_operator_ports_are_published_on_loopback_only() -> None:
    for name, spec in SPECS.items():
        for port in spec.get("ports", []):
            if name != "caddy":
                assert port.startswith("127.0.0.1:"), f"{name} publishes {port} to the world"


# traces and metrics -----------------------------------------------------------------------


def test_the_collector_receives_otlp_http_and_exports_to_jaeger() -> None:
    config = yaml.safe_load(deploy_file(SPECS["otel-collector"], "/etc/otelcol-contrib/config.yaml").read_text())
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    pipeline = config["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"]
    assert "batch" in pipeline["processors"]
    assert set(pipeline["processors"]) <= set(config["processors"])
    for exporter in pipeline["exporters"]:
        host, port = config["exporters"][exporter]["endpoint"].rsplit(":", 1)
        assert host == "jaeger" and port == "4317" and host in SPECS
    assert "jaeger" in SPECS["otel-collector"]["depends_on"]


def prometheus_config() -> dict:
    return yaml.safe_load(deploy_file(SPECS["prometheus"], "/etc/prometheus/prometheus.yml").read_text())


def test_prometheus_scrapes_every_replica_and_loads_the_alert_rules() -> None:
    config = prometheus_config()
    mounts = bind_sources(SPECS["prometheus"])
    assert [mounts[path] for path in config["rule_files"]] == ["./prometheus/alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == set(PROCESSES)
    for process, job in jobs.items():
        assert job.get("metrics_path", "/metrics") == "/metrics"
        targets = [target for group in job["static_configs"] for target in group["targets"]]
        # The gateway's metrics have a listener of their own, apart from the public port.
        port = SPECS["gateway-1"]["environment"]["METRICS_PORT"] if process == "gateway" else APP_PORT
        assert targets == [f"{name}:{port}" for name in replicas(process)]
        assert all(not group.get("labels") for group in job["static_configs"]), "would rename `service`"


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard() -> None:
    spec = SPECS["grafana"]
    provisioning = DEPLOY / bind_sources(spec)["/etc/grafana/provisioning"]
    datasources = yaml.safe_load((provisioning / "datasources" / "datasources.yaml").read_text())["datasources"]
    by_uid = {source["uid"]: source for source in datasources}
    for uid in ("prometheus", "jaeger"):
        assert urlsplit(by_uid[uid]["url"]).hostname == uid and uid in SPECS
    providers = yaml.safe_load((provisioning / "dashboards" / "dashboards.yaml").read_text())["providers"]
    folder = providers[0]["options"]["path"]
    dashboards = [target for target in bind_sources(spec) if target.startswith(folder + "/")]
    assert dashboards and all(deploy_file(spec, target).suffix == ".json" for target in dashboards)
    used = {target["datasource"]["uid"] for panel in dashboard_panels() for target in panel.get("targets", [])}
    assert used <= set(by_uid)


# alerts and the dashboard use the metrics the code exports ----------------------------------

PROMQL_WORDS = {"and", "or", "unless", "bool"}
LABEL_CLAUSE = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


def promql_metrics(expr: str) -> set[str]:
    """The metric names an expression selects (functions, labels, strings, ranges left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\$\w+|\boffset\s+\w+", " ", text)
    text = LABEL_CLAUSE.sub(" ", text)
    names = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", text))
    return names - PROMQL_WORDS


def promql_labels(expr: str) -> set[str]:
    """Label names an expression matches on or groups by."""
    labels = set()
    for clause in LABEL_CLAUSE.findall(expr):
        labels |= {label.strip() for label in clause.split(",") if label.strip()}
    for matchers in re.findall(r"\{([^}]*)\}", re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)):
        labels |= set(re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", matchers))
    return labels


def contract_name(name: str) -> str | None:
    """The contract metric `name` belongs to, if any."""
    if name in METRICS or name in PROMETHEUS_OWN:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name.removesuffix(suffix)
        if base != name and METRICS.get(base, ("",))[0] == "histogram":
            return base
    return None


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard() -> dict:
    return json.loads((DEPLOY / "grafana" / "platform-dashboard.json").read_text())


def dashboard_panels() -> list[dict]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def expressions() -> list[tuple[str, str]]:
    found = [(f"alert {rule['alert']}", rule["expr"]) for rule in alert_rules()]
    return found + [(f"panel {panel['title']!r}", target["expr"])
                    for panel in dashboard_panels() for target in panel["targets"]]


def test_alerts_and_the_dashboard_use_only_metrics_and_labels_of_the_contract() -> None:
    for where, expr in expressions():
        names = promql_metrics(expr)
        assert names, f"{where}: no metric found in {expr!r}"
        unknown = {name for name in names if contract_name(name) is None}
        assert not unknown, f"{where} uses {sorted(unknown)}, which no process exports"
        labels = set(TARGET_LABELS) | {"le"}
        for name in names:
            base = contract_name(name)
            labels |= METRICS[base][1] if base in METRICS else set()
        assert promql_labels(expr) <= labels, f"{where}: labels {sorted(promql_labels(expr) - labels)}"


def test_every_metric_of_the_contract_is_alerted_on_or_shown() -> None:
    used = {contract_name(name) for _, expr in expressions() for name in promql_metrics(expr)}
    assert set(METRICS) <= used
    alerted = {contract_name(name) for rule in alert_rules() for name in promql_metrics(rule["expr"])}
    assert alerted >= ALERTED


def test_the_contract_is_what_shared_metrics_exports() -> None:
    module = pytest.importorskip("shared.metrics")
    exported = {}
    for value in vars(module).values():
        if hasattr(value, "describe") and hasattr(value, "_labelnames"):
            (family,) = value.describe()
            name = family.name + ("_total" if family.type == "counter" else "")
            exported[name] = (family.type, frozenset(value._labelnames))
    assert {name: exported.get(name) for name in METRICS} == METRICS


def test_every_alert_says_how_bad_it_is_and_what_to_do() -> None:
    rules = alert_rules()
    assert len({rule["alert"] for rule in rules}) == len(rules)
    for rule in rules:
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert len(rule["annotations"]["description"].splitlines()) >= 2, f"{rule['alert']}: a runbook, please"


def test_every_alert_has_promtool_cases_and_its_runbook_names_panels_that_exist() -> None:
    cases = yaml.safe_load((DEPLOY / "prometheus" / "alerts.test.yml").read_text())["tests"]
    tested = {check["alertname"] for case in cases for check in case["alert_rule_test"]}
    assert tested == {rule["alert"] for rule in alert_rules()}
    titles = [panel["title"] for panel in dashboard_panels()]
    for rule in alert_rules():
        for panel in re.findall(r'"([A-Z][^"{]*)"', rule["annotations"]["description"]):
            assert any(title.startswith(panel) for title in titles), f"{rule['alert']}: no panel {panel!r}"


def test_the_dashboard_is_a_grafana_dashboard_with_unique_panels() -> None:
    board = dashboard()
    assert board["uid"] and board["title"] and 36 <= board["schemaVersion"] <= 41
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard_panels():
        assert panel["targets"] and panel["datasource"]["uid"] == "prometheus", panel["title"]
        assert [target["refId"] for target in panel["targets"]] == [chr(65 + i) for i in range(len(panel["targets"]))]
    (variable,) = board["templating"]["list"]
    assert re.fullmatch(r"label_values\((\w+), service\)", variable["query"]["query"])


# the image ----------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_image_is_pinned_multi_stage_non_root_and_checks_its_health() -> None:
    instructions = dockerfile()
    stages: list[str] = []
    for instruction, args in instructions:
        if instruction == "FROM":
            image, *alias = args.split()
            assert image in stages or re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?", image), \
                f"{image} is not pinned to a release"
            stages.append(alias[-1] if alias else image)
    assert len(stages) >= 2
    final = instructions[max(i for i, (instruction, _) in enumerate(instructions) if instruction == "FROM"):]
    users = [args for instruction, args in final if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    (healthcheck,) = [args for instruction, args in final if instruction == "HEALTHCHECK"]
    assert f"http://127.0.0.1:{APP_PORT}/health" in healthcheck and "urllib" in healthcheck
    assert any(instruction == "RUN" and "requirements.lock" in args and "pip install" in args
               for instruction, args in instructions)
    env = " ".join(args for instruction, args in final if instruction == "ENV")
    assert f"GRANIAN_PORT={APP_PORT}" in env and "GRANIAN_FACTORY=true" in env and "GRANIAN_HOST=0.0.0.0" in env
    assert ("EXPOSE", str(APP_PORT)) in final
    assert json.loads(dict(final)["CMD"])[0] == "granian"


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert "*" in ignored  # everything out, then only what the image copies back in
    copied = {source for instruction, args in dockerfile() if instruction == "COPY" and not args.startswith("--")
              for source in args.split()[:-1]}
    assert copied
    for path in copied:  # the path itself, or a folder holding it, is let back in
        let_in = [path, *("/".join(path.split("/")[:depth]) for depth in range(1, path.count("/") + 1))]
        assert any(f"!{p}" in ignored or f"!{p}/" in ignored for p in let_in), \
            f"{path} is copied but not let into the context"
    assert "**/node_modules" in ignored  # the studio's packages are installed in the image, from its lockfile


# the edge -----------------------------------------------------------------------------------


def test_caddy_balances_both_gateways_asks_before_certificates_and_hides_internals() -> None:
    text = (DEPLOY / bind_sources(SPECS["caddy"])["/etc/caddy/Caddyfile"]).read_text()
    (ask,) = re.findall(r"^\s*ask\s+(\S+)", text, re.M)
    url = urlsplit(ask)
    assert url.path == "/__tls/ask"
    # Caddy asks its own loopback listener, which balances over the gateways.
    assert url.hostname == "127.0.0.1" and re.search(rf"^http://:{url.port} \{{\n\s*bind 127.0.0.1$", text, re.M)
    (upstreams,) = re.findall(r"reverse_proxy ([^{]+)\{", text)
    assert upstreams.split() == [f"{name}:{APP_PORT}" for name in replicas("gateway")]
    assert re.search(r"^\s*health_uri /health\s", text, re.M)
    for internal in ("/metrics", "/__tls/ask", "/api/*/metrics", "/api/*/metrics/"):
        assert re.search(rf"^\s*respond {re.escape(internal)} 404$", text, re.M), f"{internal} is public"
    assert set(SPECS["caddy"]["depends_on"]) == set(replicas("gateway"))


# Kubernetes (deploy/k8s) --------------------------------------------------------------------

K8S = DEPLOY / "k8s"
OVERLAYS = {"base": K8S / "base", "production": K8S / "overlays" / "production"}
K8S_VERSIONS = ("1.31.0", "1.37.0")  # the oldest release still supported upstream, the newest known
# The gateway has no /ready (every other path is a tenant's site): it is ready when it serves.
READINESS = {process: "/ready" for process in SERVICES} | {"gateway": "/health"}
# Read by obstore for s3:// storage, not by a settings struct.
STORAGE_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
# Settings whose values are secrets: they come from Secrets, never from a ConfigMap or a literal.
SECRET_VARIABLES = {"INTERNAL_SECRET", "DATABASE_URL", "DB_ROLE_PASSWORD", "JWT_PRIVATE_KEY",
                    "JWT_PREVIOUS_PRIVATE_KEY", "SMTP_URL", "OPENAI_API_KEY", "STRIPE_SECRET_KEY",
                    "STRIPE_WEBHOOK_SECRET", *STORAGE_VARIABLES}
SECRET_LIKE = re.compile(r"SECRET|PASSWORD|PRIVATE_KEY|API_KEY|TOKEN|DATABASE_URL")
KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "namespace", "images", "replicas", "patches"}


def strategic_merge(target: object, patch: object) -> object:
    """A strategic-merge patch as kustomize applies one to the fields these manifests patch:
    maps merge, lists of named items (containers, env) merge by name, other lists are replaced,
    and null deletes."""
    if isinstance(target, dict) and isinstance(patch, dict):
        merged = dict(target)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = strategic_merge(target[key], value) if key in target else value
        return merged
    named = isinstance(target, list) and isinstance(patch, list) and all(
        isinstance(item, dict) and "name" in item for item in [*target, *patch])
    if named:
        by_name = {item["name"]: item for item in target}
        merged_items = [strategic_merge(by_name[item["name"]], item) if item["name"] in by_name else item
                        for item in patch]
        patched = {item["name"] for item in patch}
        return [item for item in target if item["name"] not in patched] + merged_items
    return patch


def pod_spec(obj: dict) -> dict | None:
    return obj["spec"]["template"]["spec"] if obj["kind"] in {"Deployment", "Job"} else None


def kustomize(folder: Path) -> list[dict]:
    """`kustomize build folder` for the subset deploy/k8s uses: resources (files and folders),
    strategic-merge patches that name their target, then the images, replicas and namespace
    transformers. Anything else in a kustomization fails here rather than render wrongly."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(kustomization) <= KUSTOMIZATION_FIELDS, f"{folder}: the test's kustomize does not know " \
        f"{sorted(set(kustomization) - KUSTOMIZATION_FIELDS)}"
    objects: list[dict] = []
    for resource in kustomization.get("resources", []):
        path = folder / resource
        objects += kustomize(path) if path.is_dir() else [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    index = {(obj["kind"], obj["metadata"]["name"]): i for i, obj in enumerate(objects)}
    assert len(index) == len(objects), f"{folder}: two objects share a kind and name"
    for entry in kustomization.get("patches", []):
        assert set(entry) <= {"path", "patch"}, f"{folder}: only patches that name their target"
        (patch,) = yaml.safe_load_all(entry["patch"] if "patch" in entry else (folder / entry["path"]).read_text())
        key = (patch["kind"], patch["metadata"]["name"])
        assert key in index, f"{folder}: a patch for {key}, which is not there"
        objects[index[key]] = strategic_merge(objects[index[key]], patch)
    for image in kustomization.get("images", []):
        found = [container for obj in objects if (spec := pod_spec(obj))
                 for container in spec.get("initContainers", []) + spec["containers"]
                 if re.split(r"[:@]", container["image"])[0] == image["name"]]
        assert found, f"{folder}: no container runs {image['name']}"
        for container in found:
            container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    for replicas_ in kustomization.get("replicas", []):
        key = ("Deployment", replicas_["name"])
        assert key in index, f"{folder}: replicas for {key}, which is not there"
        objects[index[key]]["spec"]["replicas"] = replicas_["count"]
    if "namespace" in kustomization:
        for obj in objects:
            obj["metadata"]["namespace"] = kustomization["namespace"]
    return objects


RENDERED = {name: kustomize(folder) for name, folder in OVERLAYS.items()}


def objects_of(overlay: str, kind: str) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in RENDERED[overlay] if obj["kind"] == kind}


def container_of(obj: dict) -> dict:
    (container,) = pod_spec(obj)["containers"]
    return container


def environment_names(overlay: str, container: dict) -> set[str]:
    """Every variable a container gets: its ConfigMaps' keys and its own env entries."""
    config_maps = objects_of(overlay, "ConfigMap")
    names = {entry["name"] for entry in container.get("env", [])}
    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, "secrets come by single key, so each is visible"
        names |= set(config_maps[source["configMapRef"]["name"]]["data"])
    return names


def secret_references(container: dict) -> list[dict]:
    return [entry["valueFrom"]["secretKeyRef"] for entry in container.get("env", [])
            if "secretKeyRef" in entry.get("valueFrom", {})]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_rendered_object_is_valid_for_kubernetes(overlay: str, version: str) -> None:
    problems = []
    for obj in RENDERED[overlay]:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:  # its str() is the whole schema: too long
            problems.append(f"{obj['kind']} {obj['metadata']['name']}: {exc.message} at {list(exc.path)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_process_has_a_deployment_a_service_a_disruption_budget_and_an_autoscaler(overlay: str) -> None:
    deployments, services = objects_of(overlay, "Deployment"), objects_of(overlay, "Service")
    budgets, autoscalers = objects_of(overlay, "PodDisruptionBudget"), objects_of(overlay, "HorizontalPodAutoscaler")
    assert set(deployments) == set(services) == set(budgets) == set(autoscalers) == set(PROCESSES)
    for process in PROCESSES:
        deployment = deployments[process]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items()
        assert services[process]["spec"]["selector"] == selector
        (port,) = services[process]["spec"]["ports"]
        assert port["port"] == APP_PORT and port["targetPort"] in {APP_PORT, "http"}
        assert budgets[process]["spec"]["selector"]["matchLabels"] == selector
        assert budgets[process]["spec"]["maxUnavailable"] == 1, "a drain takes one replica at a time"
        autoscaler = autoscalers[process]["spec"]
        assert autoscaler["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": process}
        (metric,) = autoscaler["metrics"]
        assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
        assert REPLICAS <= autoscaler["minReplicas"] <= autoscaler["maxReplicas"]
        assert deployment["spec"]["replicas"] == autoscaler["minReplicas"], "apply starts at the HPA's minimum"
        strategy = deployment["spec"]["strategy"]["rollingUpdate"]
        assert strategy["maxUnavailable"] == 0, "a rollout never runs below the current count"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("process", PROCESSES)
def test_each_deployment_runs_its_app_with_probes_sizes_and_no_root(overlay: str, process: str) -> None:
    deployment = objects_of(overlay, "Deployment")[process]
    spec, container = pod_spec(deployment), container_of(deployment)
    assert container["command"] == SPECS[f"{process}-1"]["command"], "the same command as in compose"
    (port,) = container["ports"]
    assert port["containerPort"] == APP_PORT
    for probe, path in (("readinessProbe", READINESS[process]), ("livenessProbe", "/health"),
                        ("startupProbe", "/health")):
        assert container[probe]["httpGet"]["path"] == path, probe
        assert container[probe]["httpGet"]["port"] in {APP_PORT, port.get("name")}, probe
    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] != 0
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}}
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    assert {mount["mountPath"]: "emptyDir" in volumes[mount["name"]] for mount in container["volumeMounts"]} \
        == {"/tmp": True}, "a read-only root needs a writable /tmp"
    assert spec["terminationGracePeriodSeconds"] > 30, "granian has 30 s to finish requests"
    assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("process", PROCESSES)
def test_each_deployment_gets_the_settings_it_requires_and_only_settings_it_reads(overlay: str, process: str) -> None:
    container = container_of(objects_of(overlay, "Deployment")[process])
    names = environment_names(overlay, container)
    structs = settings_of(process)
    assert set().union(*map(required, structs)) <= names
    extra = STORAGE_VARIABLES if process == "assets" else set()
    unread = names - set().union(*map(known, structs)) - SDK_VARIABLES - extra
    assert not unread, f"{process}: nothing reads {sorted(unread)} (a typo?)"
    assert names & SECRET_VARIABLES == {entry["name"] for entry in container["env"]
                                        if "secretKeyRef" in entry.get("valueFrom", {})}
    # What compose sets to a fixed value, Kubernetes sets the same (hosts differ, and secrets).
    config = {key: value for ref in container["envFrom"]
              for key, value in objects_of(overlay, "ConfigMap")[ref["configMapRef"]["name"]]["data"].items()}
    fixed = {key: value for key, value in SPECS[f"{process}-1"]["environment"].items()
             if key in {"STREAM_REPLICAS", "OTEL_EXPORTER_OTLP_ENDPOINT"}}
    assert {key: config[key] for key in fixed} == fixed


def test_the_gateway_reaches_each_service_through_its_kubernetes_service() -> None:
    config = objects_of("production", "ConfigMap")["gateway-config"]["data"]
    services = objects_of("production", "Service")
    for service in SERVICES:
        url = urlsplit(config[f"{service.upper()}_URL"])
        assert url.hostname in services and url.port == APP_PORT


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_only_referenced_and_each_is_documented(overlay: str) -> None:
    assert not objects_of(overlay, "Secret"), "secret values do not belong in the repository"
    for name, config_map in objects_of(overlay, "ConfigMap").items():
        leaked = {key for key in config_map["data"] if key in SECRET_VARIABLES or SECRET_LIKE.search(key)}
        assert not leaked, f"ConfigMap {name} holds {sorted(leaked)}"
    documented = (K8S / "README.md").read_text()
    for obj in RENDERED[overlay]:
        if spec := pod_spec(obj):
            for container in spec["containers"]:
                assert all("value" not in entry for entry in container.get("env", [])
                           if entry["name"] in SECRET_VARIABLES or SECRET_LIKE.search(entry["name"]))
                for ref in secret_references(container):
                    assert f"`{ref['name']}`" in documented and f"`{ref['key']}`" in documented, \
                        f"deploy/k8s/README.md does not tell operators to create {ref['name']}/{ref['key']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_migrations_job_runs_shared_migrate_once_with_its_settings(overlay: str) -> None:
    job = objects_of(overlay, "Job")["migrate"]
    spec, container = pod_spec(job), container_of(job)
    assert container["command"] == SPECS["migrate"]["command"] == ["python", "-m", "shared.migrate"]
    assert spec["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] <= 3
    names = {entry["name"] for entry in container["env"]}
    assert required(MigrateSettings) <= names <= known(MigrateSettings)
    assert all(entry["valueFrom"]["secretKeyRef"] for entry in container["env"])
    assert container["image"] == container_of(objects_of(overlay, "Deployment")["gateway"])["image"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # README: `kubectl apply -k ... -l app.kubernetes.io/component=migrations` applies the Job alone.
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrations"
    assert all(obj["metadata"]["labels"].get("app.kubernetes.io/component") != "migrations"
               for obj in RENDERED[overlay] if obj is not job)


def test_production_runs_a_released_image_in_its_namespace() -> None:
    images = {container_of(obj)["image"] for obj in RENDERED["production"] if pod_spec(obj)}
    (image,) = images
    assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+", image), f"{image} is not a release"
    assert {obj["metadata"].get("namespace") for obj in RENDERED["production"]} == {"sitebuilder"}
    base = {process: container_of(obj)["resources"] for process, obj in objects_of("base", "Deployment").items()}
    production = {process: container_of(obj)["resources"]
                  for process, obj in objects_of("production", "Deployment").items()}
    assert all(production[process] != base[process] for process in PROCESSES), "production sizes its pods"

# checks by the real tools, where installed --------------------------------------------------


def installed(name: str) -> str | None:
    """The venv's own program first: make runs pytest without activating the venv."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def tool(name: str) -> str:
    path = installed(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def dev_tool(name: str) -> str:
    """A program `pip install -e .[dev]` installs: missing is a broken setup, not a skip."""
    path = installed(name)
    assert path, f"{name} is missing: run `make setup` (a dev dependency in pyproject.toml)"
    return path


def run(*command: str | Path, cwd: Path | None = None) -> None:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_config_and_the_rules(tmp_path: Path) -> None:
    promtool = tool("promtool")
    config = prometheus_config()
    config["rule_files"] = [str(DEPLOY / "prometheus" / "alerts.yml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    run(promtool, "check", "config", tmp_path / "prometheus.yml")
    # The dashboard's queries, as recording rules, with Grafana's variables filled in.
    queries = [{"record": f"dashboard:query{i}",
                "expr": expr.replace("$__rate_interval", "5m").replace("$service", ".*")}
               for i, (_, expr) in enumerate(expressions())]
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": queries}]}))
    run(promtool, "check", "rules", tmp_path / "dashboard.yml")


def test_the_alerts_fire_on_their_signal_and_not_on_its_twin(tmp_path: Path) -> None:
    promtool = tool("promtool")
    groups = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    for rule in (rule for group in groups["groups"] for rule in group["rules"]):
        rule.pop("annotations")  # promtool compares them in full; the cases give labels only
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(groups))
    shutil.copy(DEPLOY / "prometheus" / "alerts.test.yml", tmp_path / "alerts.test.yml")
    run(promtool, "test", "rules", "alerts.test.yml", cwd=tmp_path)


def test_caddy_accepts_the_caddyfile() -> None:
    run(tool("caddy"), "adapt", "--config", DEPLOY / "Caddyfile")


def test_hadolint_accepts_the_dockerfile() -> None:
    run(dev_tool("hadolint"), DEPLOY / "Dockerfile")


def test_the_compose_file_follows_the_compose_specification() -> None:
    # The compose-spec schema ships inside check-jsonschema: no network needed.
    run(dev_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", DEPLOY / "compose.yaml")
