"""The API's documentation pages, served offline: Swagger UI at `/docs` and ReDoc at `/redoc`,
from assets vendored in the package (`static/README.md` names the npm packages, versions and
licences) instead of FastAPI's default public CDN, which a bank's intranet cannot reach.

The pages and their assets hold no data (what they show is `/openapi.json`), so they need no
credential. Each page is sent with a Content-Security-Policy that lets the browser load nothing
from outside the server, so nothing on them can reach the Internet.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).with_name("static")
DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/static-docs"
# Served without a credential: documentation, no data (the description itself is the app's openapi_url).
PUBLIC_PATHS = (DOCS_PATH, REDOC_PATH, ASSETS_PATH)

SWAGGER_JS = "swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui/swagger-ui.css"
SWAGGER_FAVICON = "swagger-ui/favicon-32x32.png"
REDOC_JS = "redoc/redoc.standalone.js"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",  # FastAPI's pages start the UI from an inline script
        "style-src 'self' 'unsafe-inline'",  # both UIs set styles inline
        "img-src 'self' data:",  # ReDoc's menu links a logo on the Internet: not loaded, hidden
        "font-src 'self' data:",
        "connect-src 'self'",  # the description, and "Try it out" requests, go to this server only
        "worker-src 'self' blob:",  # ReDoc's search runs in a worker made from a blob
        "frame-ancestors 'self'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)


def install_docs(app: FastAPI) -> None:
    """Serve the vendored assets under `ASSETS_PATH` and the `/docs` and `/redoc` pages over them.

    The app must be made with `FastAPI(docs_url=None, redoc_url=None)`: FastAPI's own pages
    (which load from a CDN) would otherwise answer those paths first.
    """
    if app.docs_url is not None or app.redoc_url is not None:
        raise ValueError("make the app with FastAPI(docs_url=None, redoc_url=None): its own pages load from a CDN")
    if app.openapi_url is None:
        raise ValueError("the documentation pages need the app's openapi_url")
    openapi_url = app.openapi_url
    app.mount(ASSETS_PATH, StaticFiles(directory=STATIC_DIR, check_dir=True), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_PATH}/{SWAGGER_JS}",
            swagger_css_url=f"{root}{ASSETS_PATH}/{SWAGGER_CSS}",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/{SWAGGER_FAVICON}",
            oauth2_redirect_url=None,
            # No badge from the public validator (it would send it the description's address).
            swagger_ui_parameters={"validatorUrl": None},
        )
        return _confined(page)

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_PATH}/{REDOC_JS}",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/{SWAGGER_FAVICON}",
            with_google_fonts=False,
        )
        return _confined(page)


def _root(request: Request) -> str:
    """The prefix a reverse proxy serves the app under (uvicorn --root-path), as FastAPI's pages use it."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _confined(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    page.headers["X-Content-Type-Options"] = "nosniff"
    page.headers["Referrer-Policy"] = "no-referrer"
    return page
