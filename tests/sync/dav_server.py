"""A real WebDAV server on 127.0.0.1 for the sync tests: wsgidav's filesystem provider
under cheroot, with basic authentication; it can be stopped and started again on the
same port, and made to answer 503 with Retry-After for a number of requests.

With AUTOGLM_TEST_WEBDAV_URL set, tests use that server instead (a fresh collection
under it, removed afterwards); what needs to stop the server is then skipped, saying so.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

USER, PASSWORD = "analyst", "correct horse battery"
URL_ENV = "AUTOGLM_TEST_WEBDAV_URL"


class Faults:
    """Answer the next ``count`` requests with ``status`` (and Retry-After), then behave."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0
        self.status = 503
        self.retry_after = "1"
        self.seen = 0
        # Behave like servers the RFCs allow but wsgidav is not: weak ETags everywhere
        # (which must never be sent in If-Match), no ETag in a PUT's answer.
        self.weak_etags = False
        self.no_etag_on_put = False
        self.weak_if_match = 0  # If-Match headers that carried a weak tag (a client's mistake)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            self.seen += 1
            fail = self.count > 0
            if fail:
                self.count -= 1
        if fail:
            start_response(
                f"{self.status} Unavailable",
                [("Retry-After", self.retry_after), ("Content-Length", "0")],
            )
            return [b""]
        if not (self.weak_etags or self.no_etag_on_put):
            return self.app(environ, start_response)
        return self._rewritten(environ, start_response)

    def _rewritten(self, environ: dict[str, Any], start_response: Any) -> Any:
        method = environ["REQUEST_METHOD"]
        if self.weak_etags:
            for header in ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH"):
                value = environ.get(header, "")
                if value.startswith("W/"):
                    self.weak_if_match += header == "HTTP_IF_MATCH"
                    # A weak tag never matches If-Match (strong comparison): as a server must.
                    environ[header] = '"weak-never-matches"' if header == "HTTP_IF_MATCH" else value[2:]
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            out = []
            for name, value in headers:
                if name.lower() == "etag":
                    if self.no_etag_on_put and method == "PUT":
                        continue
                    if self.weak_etags:
                        value = "W/" + value
                if name.lower() == "content-length" and self.weak_etags and method == "PROPFIND":
                    continue
                out.append((name, value))
            captured["status"], captured["headers"] = status, out
            return start_response(status, out, exc_info)

        body = b"".join(self.app(environ, start))
        if self.weak_etags and method == "PROPFIND":
            body = re.sub(rb"(<D:getetag>)(?!<)", rb'\1W/', body)
        return [body]


@dataclass
class DavServer:
    url: str
    user: str
    password: str
    folder: Path | None  # where the server keeps its files (None: an external server)
    _server: Any = None
    _thread: threading.Thread | None = None
    port: int = 0
    faults: Faults | None = None
    external: bool = False
    _cleanup: list[Any] = field(default_factory=list)

    @property
    def can_stop(self) -> bool:
        return not self.external

    def start(self) -> None:
        from cheroot import wsgi
        from wsgidav.wsgidav_app import WsgiDAVApp

        assert self.folder is not None
        config = {
            "host": "127.0.0.1",
            "port": self.port,
            "provider_mapping": {"/": {"root": str(self.folder), "readonly": False}},
            "simple_dc": {"user_mapping": {"*": {self.user: {"password": self.password}}}},
            "http_authenticator": {
                "accept_basic": True,
                "accept_digest": False,
                "default_to_digest": False,
                "trusted_auth_header": None,
            },
            "verbose": 0,
            "logging": {"enable_loggers": []},
            "lock_storage": True,
            "property_manager": True,
        }
        if not self.port:
            # A fixed port from the start: cheroot then sets SO_REUSEADDR, so the server can
            # be started again on it while its old connections linger.
            with socket.create_server(("127.0.0.1", 0)) as probe:
                self.port = probe.getsockname()[1]
            config["port"] = self.port
        app = WsgiDAVApp(config)
        self.faults = Faults(app) if self.faults is None else self.faults
        self.faults.app = app
        server = wsgi.Server(("127.0.0.1", self.port), self.faults, numthreads=8)
        server.prepare()
        self.port = server.bind_addr[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._server = server
        self._thread = threading.Thread(target=server.serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            assert self._thread is not None
            self._thread.join(10)
            self._server = None

    def files(self) -> list[Path]:
        assert self.folder is not None
        return [p for p in self.folder.rglob("*") if p.is_file()]

    def client(self) -> httpx.Client:
        return httpx.Client(auth=(self.user, self.password), timeout=10)


def running_server(folder: Path) -> Iterator[DavServer]:
    external = os.environ.get(URL_ENV)
    if external:
        base = external if external.endswith("/") else external + "/"
        user = os.environ.get("AUTOGLM_TEST_WEBDAV_USER", "")
        password = os.environ.get("AUTOGLM_TEST_WEBDAV_PASSWORD", "")
        url = f"{base}autoglm-test-{uuid.uuid4().hex[:12]}/"
        with httpx.Client(auth=(user, password), timeout=30) as http:
            assert http.request("MKCOL", url).status_code == 201
        server = DavServer(url, user, password, None, external=True)
        try:
            yield server
        finally:
            with httpx.Client(auth=(user, password), timeout=30) as http:
                http.request("DELETE", url)
        return
    folder.mkdir(parents=True, exist_ok=True)
    server = DavServer("", USER, PASSWORD, folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
