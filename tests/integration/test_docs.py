"""The documentation pages work offline: /docs (Swagger UI) and /redoc (ReDoc) load their assets
from the package itself, refer to nothing outside the server, and need no credential."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fengkong.api.docs import ASSETS_PATH, PUBLIC_PATHS, STATIC_DIR, install_docs

PAGES = ("/docs", "/redoc")
# Every address an HTML page can load or point at.
ADDRESS = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']*)["']|\burl:\s*["']([^"']*)["']""")
VENDORED = {
    # folder: (npm package, version as the bundle states it, bundle)
    "swagger-ui": ("swagger-ui-dist", "5.35.0", "swagger-ui-bundle.js"),
    "redoc": ("redoc", "2.5.4", "redoc.standalone.js"),
}


def docs_app() -> FastAPI:
    app = FastAPI(title="fengkong", docs_url=None, redoc_url=None)
    install_docs(app)
    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(docs_app()) as test_client:
        yield test_client


def addresses(html: str) -> list[str]:
    return [a or b for a, b in ADDRESS.findall(html)]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_loads_only_from_the_server(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "http://" not in html and "https://" not in html and "cdn" not in html.lower()
    found = addresses(html)
    assert any(a.startswith(ASSETS_PATH + "/") and a.endswith(".js") for a in found), found
    for address in found:
        assert address.startswith("/") and not address.startswith("//"), address
        served = client.get(address)
        assert served.status_code == 200, address
        assert len(served.content) > 0


@pytest.mark.parametrize("page", PAGES)
def test_the_browser_may_load_nothing_from_outside(client: TestClient, page: str) -> None:
    policy = client.get(page).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    for sources in directives.values():
        assert "http" not in sources and "*" not in sources, policy


def test_the_vendored_assets_are_served_with_their_types(client: TestClient) -> None:
    js = client.get(f"{ASSETS_PATH}/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "SwaggerUIBundle" in js.text
    css = client.get(f"{ASSETS_PATH}/swagger-ui/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    redoc = client.get(f"{ASSETS_PATH}/redoc/redoc.standalone.js")
    assert redoc.status_code == 200 and "javascript" in redoc.headers["content-type"]
    assert client.get(f"{ASSETS_PATH}/../docs.py").status_code == 404
    assert client.get(f"{ASSETS_PATH}/nothing.js").status_code == 404


def test_each_package_is_vendored_with_its_licence_and_named_version() -> None:
    readme = (STATIC_DIR / "README.md").read_text(encoding="utf-8")
    for folder, (package, version, bundle) in VENDORED.items():
        assert (STATIC_DIR / folder / "LICENSE").is_file(), folder
        assert (STATIC_DIR / folder / f"{bundle}.LICENSE.txt").is_file(), folder
        assert f"`{package}` | {version} |" in readme, package
        # The README names the version the bundle really is.
        assert f'"{version}"' in (STATIC_DIR / folder / bundle).read_text(encoding="utf-8"), bundle
    assert "Apache License" in (STATIC_DIR / "swagger-ui" / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in (STATIC_DIR / "redoc" / "LICENSE").read_text(encoding="utf-8")


def test_the_pages_follow_the_app_behind_a_proxy_prefix() -> None:
    with TestClient(docs_app(), root_path="/risk") as client:
        html = client.get("/docs").text
    found = addresses(html)
    assert "/risk/openapi.json" in found and f"/risk{ASSETS_PATH}/swagger-ui/swagger-ui-bundle.js" in found


def test_an_app_with_fastapis_own_pages_is_refused() -> None:
    """FastAPI's pages (from a CDN) would answer /docs first: the app must be made without them."""
    with pytest.raises(ValueError, match="docs_url=None"):
        install_docs(FastAPI())


def test_the_api_serves_the_offline_pages_without_a_credential() -> None:
    """The served application (create_app) uses these pages; they, their assets and the
    description hold no data and answer without a credential."""
    from fengkong import in_memory
    from fengkong.api.app import create_app

    with TestClient(create_app(in_memory())) as client:
        for page in PAGES:
            response = client.get(page)
            assert response.status_code == 200, page
            assert "https://" not in response.text and ASSETS_PATH in response.text, page
            for address in addresses(response.text):
                assert client.get(address).status_code == 200, address
        assert client.get("/openapi.json").status_code == 200
    assert set(PAGES) <= set(PUBLIC_PATHS)
