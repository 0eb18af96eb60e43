"""Tools from local MCP servers: programs the user configured by command line, started on
this machine and spoken to over their standard input and output (never over a network).

Each server's tools are offered under the server's name (``files.read`` for the tool
``read`` of the server ``files``), so none can shadow a built-in tool, and they count as
having effects (the user approves each call) unless the configuration says otherwise.
The ``mcp`` client is asyncio code: it runs on one private event-loop thread, and the
functions here block their caller until the server answers or its time is up. A server
that will not start, dies or does not answer in time becomes a ToolFailed whose message
says so; nothing else is lost.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import IO, Any

from app.errors import ConfigError
from app.tools.builtin import Tool, ToolFailed

log = logging.getLogger(__name__)

SETTING = "mcp_servers"
DEFAULT_TIMEOUT_S = 30.0
START_TIMEOUT_S = 20.0
_SERVER_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")
_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,31}")


@dataclass(frozen=True)
class McpServer:
    """One configured server: how to start it, and how its tools are treated."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    effects: bool = True  # its tools change things: each call needs the user's approval
    timeout: float = DEFAULT_TIMEOUT_S  # seconds a call may take

    def describe(self) -> str:
        return " ".join([self.command, *self.args])


def servers_from(raw: Any) -> list[McpServer]:
    """The servers of the ``mcp_servers`` setting (a list of objects with name, command,
    and optionally args, effects and timeout); ConfigError names the first mistake."""
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{SETTING} must be a list of servers, each "
                          '{"name": …, "command": …, "args": [...]}')
    out: list[McpServer] = []
    for i, entry in enumerate(raw):
        where = f"{SETTING}[{i}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} must be an object with name and command")
        unknown = set(entry) - {"name", "command", "args", "effects", "timeout"}
        if unknown:
            raise ConfigError(f"{where}: unknown field {sorted(unknown)[0]!r} (fields: name, "
                              "command, args, effects, timeout)")
        name, command = entry.get("name"), entry.get("command")
        if not isinstance(name, str) or not _SERVER_NAME.fullmatch(name):
            raise ConfigError(f"{where}.name must be 1 to 32 letters, digits, '_' or '-'")
        if any(s.name == name for s in out):
            raise ConfigError(f"{where}: two servers are named {name!r}")
        if not isinstance(command, str) or not command.strip():
            raise ConfigError(f"{where}.command must be the program to start (a path or a "
                              "name on PATH)")
        if "://" in command:
            raise ConfigError(f"{where}.command is an address; only local programs spoken to "
                              "over standard input and output are supported")
        args = entry.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise ConfigError(f"{where}.args must be a list of strings")
        effects = entry.get("effects", True)
        if not isinstance(effects, bool):
            raise ConfigError(f"{where}.effects must be true or false")
        timeout = entry.get("timeout", DEFAULT_TIMEOUT_S)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) \
                or not 0 < timeout <= 3600:
            raise ConfigError(f"{where}.timeout must be a number of seconds between 0 and 3600")
        out.append(McpServer(name, command, tuple(args), effects, float(timeout)))
    return out


# -- the private event loop --------------------------------------------------------------------

class _Loop:
    """An asyncio loop on a daemon thread of its own, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="mcp-client", daemon=True).start()
                self._loop = loop
            return self._loop


_LOOP = _Loop()


# -- one running server ------------------------------------------------------------------------

@dataclass
class McpConnection:
    """A started server and its client session, held open until closed."""

    server: McpServer
    listed: list[Any] = field(default_factory=list)  # the server's own tool descriptions
    _session: Any = None
    _task: Any = None
    _stop: asyncio.Event | None = None
    _stderr: IO[str] | None = None
    _ended: str | None = None  # why the connection ended, once it has

    @property
    def alive(self) -> bool:
        return self._session is not None and self._ended is None

    def start(self) -> None:
        """Start the server and list its tools; ToolFailed says why it could not."""
        loop = _LOOP.get()
        ready: Future[list[Any]] = Future()
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        self._task = asyncio.run_coroutine_threadsafe(self._hold(ready), loop)
        try:
            self.listed = ready.result(START_TIMEOUT_S)
        except FutureTimeout:
            self.close()
            raise ToolFailed(f"the tool server {self.server.name!r} did not start within "
                             f"{START_TIMEOUT_S:g} s ({self.server.describe()})") from None
        except ToolFailed:
            self.close()
            raise

    async def _hold(self, ready: Future[list[Any]]) -> None:
        self._stop = asyncio.Event()
        try:
            from mcp import ClientSession, StdioServerParameters, stdio_client
        except ImportError:
            ready.set_exception(ToolFailed(
                f"the tool server {self.server.name!r} cannot be started: the mcp package is "
                "not installed (pip install 'open-autoglm[tools]')"))
            return
        params = StdioServerParameters(command=self.server.command, args=list(self.server.args))
        try:
            async with stdio_client(params, errlog=self._stderr) as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                tools: list[Any] = []
                cursor = None
                while True:
                    page = await session.list_tools(
                        params=None if cursor is None else _page(cursor))
                    tools += page.tools
                    cursor = page.next_cursor
                    if not cursor:
                        break
                self._session = session
                ready.set_result(tools)
                await self._stop.wait()
        except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - every way a server fails
            why = self._why(exc)
            if not ready.done():
                ready.set_exception(ToolFailed(f"the tool server {self.server.name!r} could not "
                                               f"start ({self.server.describe()}): {why}"))
            else:
                log.info("tool server %s ended: %s", self.server.name, why)
        finally:
            self._ended = self._ended or "closed"
            self._session = None
            if not ready.done():
                ready.set_exception(ToolFailed(f"the tool server {self.server.name!r} stopped "
                                               f"before it was ready ({self.server.describe()})"))

    def _why(self, exc: BaseException) -> str:
        """What went wrong, in one line: the server's last line on stderr where it said
        something, else the error."""
        said = self._last_stderr_line()
        text = str(exc).strip() or type(exc).__name__
        if isinstance(exc, BaseExceptionGroup):
            leaves = [e for e in _leaves(exc)]
            text = "; ".join(dict.fromkeys(str(e).strip() or type(e).__name__ for e in leaves))
        if isinstance(exc, FileNotFoundError | PermissionError):
            text = f"{exc.strerror}: {exc.filename or self.server.command}"
        return f"{text} (it said: {said})" if said else text

    def _last_stderr_line(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            lines = [ln.strip() for ln in self._stderr.read()[-4000:].splitlines() if ln.strip()]
        except (OSError, ValueError):
            return ""
        return lines[-1][:200] if lines else ""

    def call(self, tool: str, arguments: Mapping[str, Any]) -> str:
        """The text of the server's answer to ``tool(arguments)``; ToolFailed when the
        server reports an error, has stopped, or does not answer in time."""
        name, timeout = self.server.name, self.server.timeout
        session = self._session
        if session is None or self._ended is not None:
            raise ToolFailed(f"the tool server {name!r} has stopped")
        future = asyncio.run_coroutine_threadsafe(
            session.call_tool(tool, dict(arguments), read_timeout_seconds=timeout), _LOOP.get())
        try:
            result = future.result(timeout + 5)
        except FutureTimeout:
            future.cancel()
            raise ToolFailed(f"the tool server {name!r} did not answer within {timeout:g} s") \
                from None
        except Exception as exc:  # noqa: BLE001 - the client's errors vary by version and cause
            message = getattr(getattr(exc, "error", None), "message", None) or str(exc)
            if "timed out" in message.lower() or "timeout" in type(exc).__name__.lower():
                raise ToolFailed(f"the tool server {name!r} did not answer within "
                                 f"{timeout:g} s") from None
            if "closed" in message.lower():
                self._ended = "stopped"
                said = self._last_stderr_line()
                raise ToolFailed(f"the tool server {name!r} stopped during the call"
                                 + (f" (it said: {said})" if said else "")) from None
            raise ToolFailed(f"the tool server {name!r} refused the call: {message}") from None
        text = _result_text(result)
        if getattr(result, "is_error", False):
            raise ToolFailed(text or "the tool reported an error")
        return text

    def close(self) -> None:
        """Stop the server (the client closes its input and ends the process)."""
        loop = _LOOP.get()
        stop, task = self._stop, self._task
        if stop is not None:
            loop.call_soon_threadsafe(stop.set)
        if task is not None:
            try:
                task.result(10)
            except Exception:  # noqa: BLE001 - already reported where it happened
                task.cancel()
        self._session, self._ended = None, self._ended or "closed"
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _page(cursor: str) -> Any:
    from mcp.types import PaginatedRequestParams

    return PaginatedRequestParams(cursor=cursor)


def _leaves(group: BaseExceptionGroup) -> Iterable[BaseException]:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _leaves(exc)
        else:
            yield exc


def _result_text(result: Any) -> str:
    parts = []
    for block in getattr(result, "content", None) or []:
        text = getattr(block, "text", None)
        if isinstance(text, str):
            parts.append(text)
        else:
            parts.append(f"[{getattr(block, 'type', 'content')}]")
    if not parts and getattr(result, "structured_content", None) is not None:
        import json

        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)


# -- the servers of this process ---------------------------------------------------------------

RETRY_AFTER_S = 30.0  # a server that would not start is not tried again sooner

_pool_lock = threading.Lock()
_pool: dict[McpServer, McpConnection] = {}
_failed: dict[McpServer, tuple[float, str]] = {}  # when it last failed to start, and why


def connection(server: McpServer) -> McpConnection:
    """The running connection to ``server``, started (again) when it is not running; a
    server that failed to start moments ago fails again at once, with the same message
    (so that listing tools does not wait on it every time)."""
    with _pool_lock:
        conn = _pool.get(server)
        if conn is not None and conn.alive:
            return conn
        if conn is not None:
            conn.close()
        failed = _failed.get(server)
        if failed is not None and time.monotonic() - failed[0] < RETRY_AFTER_S:
            raise ToolFailed(failed[1])
        conn = McpConnection(server)
        try:
            conn.start()
        except ToolFailed as exc:
            _failed[server] = (time.monotonic(), str(exc))
            raise
        _failed.pop(server, None)
        _pool[server] = conn
        return conn


def close_all() -> None:
    """Stop every server this process started."""
    with _pool_lock:
        conns = list(_pool.values())
        _pool.clear()
        _failed.clear()
    for conn in conns:
        conn.close()


atexit.register(close_all)


def server_tools(server: McpServer) -> list[Tool]:
    """``server``'s tools, named ``<server>.<tool>``; ToolFailed when it cannot be started."""
    tools = []
    for listed in connection(server).listed:
        name = getattr(listed, "name", "")
        if not _TOOL_NAME.fullmatch(name):
            log.warning("tool server %s: skipping tool %r (name not usable)", server.name, name)
            continue
        schema = getattr(listed, "input_schema", None) or {"type": "object", "properties": {}}
        tools.append(Tool(f"{server.name}.{name}", getattr(listed, "description", None) or name,
                          dict(schema), _runner(server, name), effects=server.effects,
                          server=server.name))
    return tools


def _runner(server: McpServer, tool: str) -> Any:
    def run(arguments: Mapping[str, Any]) -> str:
        return connection(server).call(tool, arguments)

    return run
