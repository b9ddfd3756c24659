"""The gateway serves the built web app at / (client routes fall back to index.html), caches
hashed assets for a year and index.html never, and serves /docs without a CDN."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway import web


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "swagger").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "swagger" / "swagger-ui.css").write_text("body{}")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("not for you")
    return tmp_path


@pytest.fixture
def client(dist: Path) -> TestClient:
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.get("/v1/things")
    def things() -> list[str]:
        return []

    web.mount(app, dist)
    return TestClient(app)


def test_client_routes_get_index_html_uncached(client: TestClient) -> None:
    for path in ("/", "/videos/0b7c", "/costs?since=2026-12-01"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "id=root" in response.text
        assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year(client: TestClient) -> None:
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/assets/index-missing.js").status_code == 404


def test_unknown_api_paths_stay_api_errors(client: TestClient) -> None:
    assert client.get("/v1/nothing").status_code == 404
    assert client.get("/v1/nothing").json() == {"detail": "Not Found"}
    assert client.post("/v1/nothing").status_code == 404
    assert client.delete("/v1/things").status_code == 405


def test_paths_outside_dist_are_not_served(client: TestClient) -> None:
    for path in ("/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
                 "/swagger/..%2f..%2fsecret.txt", "/secret.txt"):
        response = client.get(path)
        assert "not for you" not in response.text, path


def test_root_files_are_served(client: TestClient) -> None:
    assert client.get("/favicon.svg").text == "<svg/>"


def test_missing_build_says_how_to_build(tmp_path: Path) -> None:
    app = FastAPI()
    web.mount(app, tmp_path / "nothing")
    response = TestClient(app).get("/")
    assert response.status_code == 503
    assert "make setup" in response.text


def test_docs_load_swagger_from_the_gateway_not_a_cdn(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/swagger/swagger-ui-bundle.js" in page and "/swagger/swagger-ui.css" in page
    assert "cdn" not in page.lower()
    assert client.get("/swagger/swagger-ui.css").status_code == 200
