"""The web app and the API docs, served by the gateway itself (same origin as ``/v1``, no CORS).

``web/dist`` is what ``make setup`` builds with Vite. Hashed files under ``/assets`` never change
under one name, so browsers keep them a year; ``index.html`` names the current hashes, so it is
never cached. Any other path a person might bookmark (``/videos/abc``) answers ``index.html`` and
the app's router shows the page. ``/docs`` loads Swagger UI from ``/swagger`` (copied from npm's
``swagger-ui-dist`` at build time): the default CDN is unreachable offline and the page was blank.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.convertors import Convertor, register_url_convertor

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
HASHED = "public, max-age=31536000, immutable"


class PagePath(Convertor[str]):
    """Any path but the API's: ``/v1/nothing`` stays a 404 (405 for a wrong method), never the
    app's page."""

    regex = r"(?!v1(?:/|$)|health$|openapi\.json$|docs$|redoc$|assets/|swagger/).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("page", PagePath())
NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>YTEmpire</title>
</head><body><main><h1>The web app is not built</h1><p>Run <code>make setup</code> (it builds
<code>web/</code> with npm), then reload. The API is up: see <a href="/docs">/docs</a>.</p>
</main></body></html>"""


def mount(app: FastAPI, dist: Path = DIST, docs: bool = True) -> None:
    """Add ``/docs`` (unless ``docs`` is off), ``/swagger/*``, ``/assets/*`` and the app's
    fallback page to ``app``.

    Call after the API routers: the fallback matches every other GET path."""
    dist = dist.resolve()

    if docs:
        @app.get("/docs", include_in_schema=False)
        def api_docs() -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="YTEmpire API",
                                       swagger_js_url="/swagger/swagger-ui-bundle.js",
                                       swagger_css_url="/swagger/swagger-ui.css",
                                       swagger_favicon_url="/favicon.svg")

    # Never the app's page: the fallback below would answer these with index.html.
    for path in ["/redoc"] + ([] if docs else ["/docs", "/openapi.json"]):
        app.add_api_route(path, _no_docs, include_in_schema=False)

    @app.get("/assets/{name:path}", include_in_schema=False)
    def asset(name: str) -> Response:
        return FileResponse(_inside(dist / "assets", name), headers={"Cache-Control": HASHED})

    @app.get("/swagger/{name:path}", include_in_schema=False)
    def swagger(name: str) -> Response:
        return FileResponse(_inside(dist / "swagger", name),
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/{path:page}", include_in_schema=False)
    def page(path: str) -> Response:
        if path and "/" not in path and "." in path:  # favicon.svg, robots.txt at the root
            return FileResponse(_inside(dist, path), headers={"Cache-Control": "no-cache"})
        index = dist / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
        return FileResponse(index, media_type="text/html",
                            headers={"Cache-Control": "no-cache"})


def _no_docs() -> Response:
    raise HTTPException(404, "the API's documentation is not served here")


def _inside(root: Path, name: str) -> Path:
    """``root/name`` when it is a file under ``root``; 404 for anything else (``..``, folders)."""
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, "Not Found")
    return path
