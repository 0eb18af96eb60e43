"""A small WebDAV client (RFC 4918) with conditional requests (RFC 9110), over httpx.

It assumes nothing beyond the RFCs: an ETag may be weak (``W/"…"``, which never
matches ``If-Match``), may be missing from a PUT's answer (then it is read back), and
any call may time out, be cut mid-body, or meet a 5xx with ``Retry-After``. Every
failure becomes one of the errors below, each with words a user can act on.
"""

from __future__ import annotations

import email.utils
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from app.errors import AppError

if TYPE_CHECKING:
    import httpx

DAV = "{DAV:}"
PROPFIND_ETAGS = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>'
)


class SyncError(AppError):
    exit_code = 80
    code = "sync_error"


class ServerUnavailable(SyncError):
    """The server cannot be reached now, or said to come back later; retried with backoff."""

    exit_code = 80
    code = "sync_unavailable"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthFailed(SyncError):
    """The server refused our credentials: not retried until the user changes them."""

    exit_code = 81
    code = "sync_auth"


class ServerRefused(SyncError):
    """The server answered in a way we cannot go on from (a 4xx other than 401/412)."""

    exit_code = 84
    code = "sync_refused"


class PreconditionFailed(Exception):  # noqa: N818 - HTTP's own name
    """412: the server's copy is not the one we thought (someone else changed it)."""


@dataclass(frozen=True)
class Entry:
    name: str
    etag: str | None
    collection: bool


def is_weak(etag: str | None) -> bool:
    return bool(etag) and etag.startswith("W/")  # type: ignore[union-attr]


def quoted(etag: str | None) -> str | None:
    """An ETag as HTTP headers carry it: some servers list it in PROPFIND without quotes."""
    if not etag:
        return None
    etag = etag.strip()
    weak = etag.startswith("W/")
    bare = etag[2:] if weak else etag
    if not bare.startswith('"'):
        bare = f'"{bare}"'
    return ("W/" if weak else "") + bare


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class DavClient:
    """One server root (a collection URL); paths are relative to it."""

    def __init__(
        self,
        url: str,
        user: str | None = None,
        password: str | None = None,
        *,
        ca_bundle: str | None = None,
        client_cert: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise SyncError(f"the sync server's address must start with https:// ({url!r})")
        self.root = url if url.endswith("/") else url + "/"
        verify: Any = True
        if ca_bundle:
            if not Path(ca_bundle).is_file():
                raise SyncError(f"the CA bundle {ca_bundle} does not exist")
            import ssl

            verify = ssl.create_default_context(cafile=ca_bundle)
        import httpx  # on first use: the GUI imports this module on its own thread

        auth = httpx.BasicAuth(user, password or "") if user else None
        self.requests = 0
        self._http = httpx.Client(
            auth=auth,
            verify=verify,
            cert=client_cert or None,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            headers={"User-Agent": "Open-AutoGLM sync"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DavClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        return urljoin(self.root, path)

    # --- requests ---------------------------------------------------------------------

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        import httpx

        self.requests += 1
        where = urlsplit(self.root).netloc
        try:
            response = self._http.request(method, self.url(path), **kw)
        except httpx.TimeoutException:
            raise ServerUnavailable(f"the sync server {where} did not answer in time") from None
        except httpx.TransportError as exc:
            raise ServerUnavailable(f"the sync server {where} cannot be reached ({exc})") from None
        status = response.status_code
        if status == 412:
            raise PreconditionFailed(path)
        if status == 401:
            raise AuthFailed(
                f"the sync server {where} refused the user name or password; "
                "check them in Settings → Sync (or autoglm sync setup)"
            )
        if status in (408, 425, 429) or status >= 500:
            raise ServerUnavailable(
                f"the sync server {where} is unavailable (HTTP {status})",
                _retry_after(response.headers.get("Retry-After")),
            )
        return response

    def _refused(self, method: str, path: str, response: httpx.Response) -> SyncError:
        return ServerRefused(
            f"the sync server refused {method} {path} (HTTP {response.status_code})"
        )

    def options(self) -> set[str]:
        """The DAV compliance classes the server announces (e.g. {"1", "2"})."""
        response = self._send("OPTIONS", "")
        return {c.strip() for c in response.headers.get("DAV", "").split(",") if c.strip()}

    def mkcol(self, path: str) -> None:
        """Make a collection; one that exists already is fine."""
        response = self._send("MKCOL", path)
        if response.status_code in (201, 405):  # 405: it exists
            return
        raise self._refused("MKCOL", path, response)

    def propfind(self, path: str) -> list[Entry]:
        """The members of a collection (Depth: 1), with their ETags; [] if it is missing."""
        response = self._send(
            "PROPFIND",
            path,
            content=PROPFIND_ETAGS,
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        )
        if response.status_code == 404:
            return []
        if response.status_code != 207:
            raise self._refused("PROPFIND", path, response)
        try:
            tree = ET.fromstring(response.content)
        except ET.ParseError:
            raise ServerUnavailable("the sync server's listing was cut short") from None
        base = urlsplit(self.url(path)).path.rstrip("/")
        entries = []
        for item in tree.iter(f"{DAV}response"):
            href = unquote(urlsplit(item.findtext(f"{DAV}href") or "").path).rstrip("/")
            if href == base or not href:
                continue
            etag = None
            collection = False
            for propstat in item.iter(f"{DAV}propstat"):
                if "200" not in (propstat.findtext(f"{DAV}status") or ""):
                    continue
                etag = propstat.findtext(f"{DAV}prop/{DAV}getetag") or etag
                if propstat.find(f"{DAV}prop/{DAV}resourcetype/{DAV}collection") is not None:
                    collection = True
            entries.append(Entry(href.rsplit("/", 1)[-1], quoted(etag), collection))
        return entries

    def get(self, path: str) -> tuple[bytes, str | None] | None:
        """The body and ETag of a resource, or None if there is none."""
        response = self._send("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._refused("GET", path, response)
        expected = response.headers.get("Content-Length")
        if expected is not None and int(expected) != len(response.content):
            raise ServerUnavailable("the connection to the sync server was cut mid-transfer")
        return response.content, response.headers.get("ETag")

    def head_etag(self, path: str) -> str | None:
        response = self._send("HEAD", path)
        if response.status_code != 200:
            raise self._refused("HEAD", path, response)
        return response.headers.get("ETag")

    def put(self, path: str, body: bytes, *, if_match: str | None) -> str | None:
        """Create (``if_match=None``: ``If-None-Match: *``) or replace the copy whose ETag
        is ``if_match``; PreconditionFailed when the server's copy is another. Returns the
        new ETag, read back when the answer carries none; a weak ETag is returned as is."""
        headers = {"Content-Type": "application/octet-stream"}
        if if_match is None:
            headers["If-None-Match"] = "*"
        elif not is_weak(if_match):
            headers["If-Match"] = if_match
        response = self._send("PUT", path, content=body, headers=headers)
        if response.status_code not in (200, 201, 204):
            raise self._refused("PUT", path, response)
        etag = response.headers.get("ETag")
        return etag if etag else self.head_etag(path)

    def delete(self, path: str, *, if_match: str | None = None) -> bool:
        """Remove a resource or collection; False if it was not there."""
        headers = {"If-Match": if_match} if if_match else {}
        response = self._send("DELETE", path, headers=headers)
        if response.status_code == 404:
            return False
        if response.status_code not in (200, 204):
            raise self._refused("DELETE", path, response)
        return True
