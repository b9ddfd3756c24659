"""docker-compose.yml, checked without Docker: the service graph, pinned images, every stage as
its own scalable service, health checks, volumes, and environment names that are real settings."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from gateway.config import GatewaySettings
from ytempire.core.manifest import PIPELINE
from ytempire.core.settings import PROJECT_ROOT, Settings

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
INFRA = {"kafka", "clickhouse", "grafana", "postgres", "redis"}
ONE_SHOTS = {"topics-apply", "analytics-migrate"}
SERVICES = {"analytics-sink", "gateway", "scheduler-clock"}
STAGES = PIPELINE.names
PINNED = re.compile(r"^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _active(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Services `docker compose up` starts (not those behind a profile, like `ops`)."""
    return {n: s for n, s in services.items() if not s.get("profiles")}


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _healthy(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck")
    return bool(check) and not check.get("disable") and bool(check.get("test"))


def test_every_part_of_the_deployment_is_a_service(services: dict[str, Any]) -> None:
    assert set(services) >= INFRA | ONE_SHOTS | SERVICES | set(STAGES)


def test_every_stage_runs_its_worker_and_can_scale(services: dict[str, Any]) -> None:
    for stage in STAGES:
        service = services[stage]
        assert service["command"] == ["worker", stage]
        assert "container_name" not in service, f"{stage} could not be scaled"
        assert "ports" not in service, f"{stage} binds a host port: replicas would clash"
        assert service["restart"] == "unless-stopped"


def test_images_are_pinned(services: dict[str, Any]) -> None:
    version = re.search(r'^version = "([^"]+)"', (PROJECT_ROOT / "pyproject.toml").read_text(),
                        re.M)
    assert version
    for name, service in services.items():
        assert PINNED.match(service["image"]), f"{name}: {service['image']} is not pinned"
        if "build" in service:
            assert service["image"] == f"ytempire:{version.group(1)}", name
    base = re.search(r"^FROM (\S+)", DOCKERFILE.read_text(), re.M)
    assert base and PINNED.match(base.group(1))


def test_the_service_graph_starts_in_order(services: dict[str, Any]) -> None:
    active = _active(services)
    for name, service in active.items():
        for dep, rule in (service.get("depends_on") or {}).items():
            assert dep in active, f"{name} depends on unknown or optional service {dep}"
            condition = rule["condition"]
            if condition == "service_completed_successfully":
                assert dep in ONE_SHOTS and services[dep]["restart"] == "no", (name, dep)
            else:
                assert condition == "service_healthy" and _healthy(services[dep]), (name, dep)
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle {' -> '.join((*path, name))}"
        if name in order:
            return
        for dep in active[name].get("depends_on") or {}:
            visit(dep, (*path, name))
        order.append(name)

    for name in active:
        visit(name, ())
    for app in [*STAGES, *SERVICES]:  # nothing reads or writes Kafka before topics exist
        assert order.index("topics-apply") < order.index(app)
        assert "topics-apply" in active[app]["depends_on"]
    assert "analytics-migrate" in active["analytics-sink"]["depends_on"]
    assert {"postgres", "redis"} <= set(active["gateway"]["depends_on"])


def test_every_long_running_service_has_a_health_check(services: dict[str, Any]) -> None:
    for name, service in _active(services).items():
        if name in ONE_SHOTS:
            assert service["restart"] == "no"
        else:
            assert _healthy(service), f"{name} has no health check"
    gateway = services["gateway"]
    port = _env(gateway)["YTEMPIRE_GATEWAY_PORT"]
    assert f":{port}/health" in " ".join(gateway["healthcheck"]["test"])
    health = (PROJECT_ROOT / "gateway" / "routes" / "health.py").read_text()
    assert '"/health"' in health


def test_state_lives_in_declared_volumes(compose: dict[str, Any],
                                         services: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = set()
    for name, service in services.items():
        for mount in service.get("volumes") or []:
            source = mount.split(":", 1)[0]
            if source.startswith("."):
                assert (PROJECT_ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                used.add(source)
    assert used == declared
    stateful = {"kafka": "/var/lib/kafka/data", "clickhouse": "/var/lib/clickhouse",
                "postgres": "/var/lib/postgresql/data", "redis": "/data"}
    for name, path in stateful.items():
        assert any(m.split(":")[1] == path for m in services[name]["volumes"]), name
    assert _env(services["kafka"])["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"


def _known_env() -> set[str]:
    names = {f"YTEMPIRE_{f.upper()}" for f in Settings.model_fields}
    names |= {f"YTEMPIRE_GATEWAY_{f.upper()}" for f in GatewaySettings.model_fields}
    return names


def test_environment_names_are_real_settings(services: dict[str, Any]) -> None:
    known = _known_env()
    seen = set()
    for name, service in services.items():
        for key in _env(service):
            if key.startswith("YTEMPIRE_"):
                assert key in known, f"{name}: {key} is not a Settings/GatewaySettings field"
                seen.add(key)
    docker_env = re.findall(r"\b(YTEMPIRE_\w+)=", DOCKERFILE.read_text())
    assert docker_env and set(docker_env) <= known
    assert {"YTEMPIRE_KAFKA_BOOTSTRAP", "YTEMPIRE_DATA_DIR", "YTEMPIRE_DATABASE_URL",
            "YTEMPIRE_CLICKHOUSE_DSN", "YTEMPIRE_GATEWAY_REDIS_URL"} <= seen


def test_app_containers_agree_on_broker_and_stores(services: dict[str, Any]) -> None:
    apps = {n: _env(s) for n, s in services.items() if "build" in s}
    for key in ("YTEMPIRE_KAFKA_BOOTSTRAP", "YTEMPIRE_DATA_DIR", "YTEMPIRE_CLICKHOUSE_DSN",
                "YTEMPIRE_DATABASE_URL"):
        assert len({env[key] for env in apps.values()}) == 1, key
    env = next(iter(apps.values()))
    assert env["YTEMPIRE_KAFKA_BOOTSTRAP"].split(":")[0] == "kafka"
    assert env["YTEMPIRE_CLICKHOUSE_DSN"].startswith("http://") and "@clickhouse:8123" in \
        env["YTEMPIRE_CLICKHOUSE_DSN"]
    assert "@postgres:5432/" in env["YTEMPIRE_DATABASE_URL"]
    assert all("data:/data" in s["volumes"] for s in services.values() if "build" in s)


def test_the_image_holds_what_the_processes_read() -> None:
    text = DOCKERFILE.read_text()
    for path in re.findall(r"^COPY (\S+)", text, re.M):
        assert (PROJECT_ROOT / path).exists(), f"Dockerfile copies missing {path}"
    for needed in ("schemas", "topics.yaml", "processors", "analytics", "gateway"):
        assert re.search(rf"^COPY {needed}\b", text, re.M), needed
    assert "YTEMPIRE_SCHEMAS_DIR=/app/schemas" in text and \
        "YTEMPIRE_TOPICS_FILE=/app/topics.yaml" in text
    assert re.search(r"^USER (?!root)", text, re.M), "the app should not run as root"


def test_secrets_are_required_and_nothing_internal_is_published(
        services: dict[str, Any]) -> None:
    text = COMPOSE.read_text()
    for secret in ("POSTGRES_PASSWORD", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_GRAFANA_PASSWORD",
                   "GRAFANA_ADMIN_PASSWORD"):
        uses = re.findall(rf"\$\{{{secret}(:?[-?])?", text)
        assert uses and all(use == ":?" for use in uses), f"{secret} has a default: {uses}"
    published = {n: s["ports"] for n, s in services.items() if s.get("ports")}
    assert set(published) == {"gateway", "grafana"}
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("${") and ":-127.0.0.1}:" in str(port), (name, port)
    grafana = _env(services["grafana"])
    assert grafana["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")
    assert grafana["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    source = yaml.safe_load((PROJECT_ROOT / "analytics/grafana/provisioning/datasources/"
                                             "clickhouse.yaml").read_text())["datasources"][0]
    assert source["jsonData"]["username"] == "grafana"
    users = (PROJECT_ROOT / "analytics/clickhouse/users.d/grafana.xml").read_text()
    assert "<grafana>" in users and "<readonly>2</readonly>" in users
    assert _env(services["gateway"])["YTEMPIRE_GATEWAY_DOCS"].endswith(":-false}")
