"""A light Streamlit client for load tests: the app's own websocket protocol, no browser.

It does what the frontend of streamlit 1.67 does when a page is opened, and nothing else:

1. open ``ws://HOST/_stcore/stream`` offering the subprotocols ``["streamlit", XSRF token]``. The server selects
   the first; the second only matters for login cookies, so a first visit sends the frontend's placeholder, and a
   third entry (a previous session id) would ask to resume a session. No HTTP request, cookie or XSRF token is
   needed before that: the server creates the session on connect, and runs nothing until asked;
2. send a ``BackMsg`` whose ``rerun_script`` ``ClientState`` names the page as the frontend does: ``page_name`` is
   the URL path ("" for Home, "gradient_descent" for ``/gradient_descent``), ``page_script_hash`` is empty (the
   server resolves the name), plus the query string, no widget states (defaults), no cached message hashes (so
   every message comes in full, as for a fresh browser tab) and the browser's context info;
3. read ``ForwardMsg``s — ``new_session``, deltas, ... — until ``script_finished``, counting the bytes and the
   elements by type, and keeping the text of ``exception`` elements. ``FINISHED_EARLY_FOR_RERUN`` is followed by
   another run, which is awaited too.

Behind a load balancer (``deploy/serve-local``), ``Session(url, like_browser=True)`` first fetches the page's HTML
as a browser does, keeps the cookie the proxy sets (its replica) and sends it with the websocket; each run
records which replica served it (HAProxy's ``X-Replica`` header).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

if TYPE_CHECKING:
    from .server import Proxy

Status = ForwardMsg.ScriptFinishedStatus
SUCCESS = Status.Name(Status.FINISHED_SUCCESSFULLY)
SUBPROTOCOLS = ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]  # what the frontend offers on a first visit


@dataclass
class Run:
    """One script run as the client saw it."""

    page: str
    status: str = "not finished"
    """The ``ScriptFinishedStatus`` name, or "timeout" / "closed" when no script_finished came."""
    seconds: float = 0.0
    """From sending the request to receiving script_finished."""
    bytes: int = 0
    messages: int = 0
    elements: Counter[str] = field(default_factory=Counter)
    """How many elements of each type were received ("markdown", "plotly_chart", ...)."""
    exceptions: list[str] = field(default_factory=list)
    """``type: message`` of each exception element received."""
    page_not_found: bool = False
    replica: str = ""
    """The replica that served the websocket (the proxy's ``X-Replica`` header; "" without a proxy)."""
    texts: list[str] = field(default_factory=list)
    """The body of every markdown element, in order."""
    widgets: dict[str, str] = field(default_factory=dict)
    """Label to shown value of each number input and slider (a select slider's option text)."""

    @property
    def clean(self) -> bool:
        return self.status == SUCCESS and not self.exceptions and not self.page_not_found


def _count(run: Run, element: Element) -> None:
    kind = element.WhichOneof("type")
    run.elements[kind] += 1
    if kind == "exception":
        run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
    elif kind == "markdown":
        run.texts.append(element.markdown.body)
    elif kind == "number_input":
        widget = element.number_input
        value = widget.value if widget.set_value else widget.default
        run.widgets[widget.label] = str(int(value) if widget.data_type == widget.INT else value)
    elif kind == "slider":
        widget = element.slider
        if widget.set_value and widget.raw_value:  # a select slider set from session state: the option's text
            shown = list(widget.raw_value)
        else:
            values = list(widget.value if widget.set_value else widget.default)
            shown = [widget.options[int(v)] for v in values] if widget.options else [f"{v:g}" for v in values]
        run.widgets[widget.label] = " – ".join(shown)


async def fetch_cookie(url: str, path: str, cookie: str = "", timeout: float = 60) -> tuple[str, str]:
    """GET ``url/path`` as a browser would before opening the websocket; the cookie to keep, and X-Replica.

    ``cookie`` is sent with the request (a returning browser); the answer's ``Set-Cookie`` replaces it.
    """
    parts = urlsplit(url)
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        try:
            request = f"GET /{path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
            request += f"Cookie: {cookie}\r\n" if cookie else ""
            writer.write((request + "\r\n").encode())
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            await reader.read()  # the page's HTML: read and dropped, as the load is the server's
        finally:
            writer.close()
    status, *lines = head.split("\r\n")
    if " 200 " not in status + " ":
        raise OSError(f"GET /{path}: {status}")
    headers = [line.partition(":") for line in lines if ":" in line]
    jar = SimpleCookie(cookie)
    for name, _, value in headers:
        if name.strip().lower() == "set-cookie":
            jar.load(value.strip())
    replica = next((value.strip() for name, _, value in headers if name.strip().lower() == "x-replica"), "")
    return "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items()), replica


class Session:
    """One browser tab's websocket session: ``async with Session(url) as tab: await tab.run("gradient_descent")``."""

    def __init__(self, url: str, *, page: str = "", like_browser: bool = False, cookie: str = "") -> None:
        self.url = url.rstrip("/")
        self.page = page
        """The URL path a browser would load first (``like_browser``)."""
        self.like_browser = like_browser
        self.cookie = cookie
        """The cookies sent with the page and the websocket (the proxy's replica cookie, once known)."""
        self.replica = ""
        """The replica that accepted the websocket (``X-Replica``), "" without a proxy."""
        self._socket: ClientConnection | None = None

    async def __aenter__(self) -> Session:
        if self.like_browser:
            self.cookie, _ = await fetch_cookie(self.url, self.page, self.cookie)
        stream = "ws" + self.url.removeprefix("http") + "/_stcore/stream"
        self._socket = await connect(
            stream,
            subprotocols=SUBPROTOCOLS,
            origin=self.url,
            additional_headers={"Cookie": self.cookie} if self.cookie else None,
            max_size=None,
            ping_interval=None,
            open_timeout=60,
        )
        response = self._socket.response
        self.replica = response.headers.get("X-Replica", "") if response is not None else ""
        return self

    @property
    def closed(self) -> bool:
        """Whether the websocket has been closed (by either side, or by a dead replica)."""
        return self._socket is None or self._socket.close_code is not None or self._socket.state.name != "OPEN"

    async def __aexit__(self, *exc: object) -> None:
        if self._socket is not None:
            await self._socket.close()

    async def run(self, page: str, query: str = "", timeout: float = 120) -> Run:
        """Ask for a run of ``page`` (a URL path: "" is Home) with ``query`` (no "?"), and read it to the end."""
        assert self._socket is not None, "use the session in `async with`"
        state = ClientState(
            query_string=query,
            page_name=page,
            page_script_hash="",
            context_info=ContextInfo(
                timezone="UTC",
                timezone_offset=0,
                locale="en-US",
                url=f"{self.url}/{page}" + (f"?{query}" if query else ""),
                is_embedded=False,
                color_scheme="light",
            ),
        )
        run = Run(page, replica=self.replica)
        start = time.perf_counter()
        await self._socket.send(BackMsg(rerun_script=state).SerializeToString())
        try:
            async with asyncio.timeout(timeout):
                async for data in self._socket:
                    assert isinstance(data, bytes), "the server sends binary protobufs only"
                    run.bytes += len(data)
                    run.messages += 1
                    msg = ForwardMsg.FromString(data)
                    kind = msg.WhichOneof("type")
                    if kind == "delta":
                        if msg.delta.WhichOneof("type") == "new_element":
                            _count(run, msg.delta.new_element)
                        elif msg.delta.WhichOneof("type") == "new_transient":
                            for element in msg.delta.new_transient.elements:
                                _count(run, element)
                    elif kind == "page_not_found":
                        run.page_not_found = True
                    elif kind == "script_finished" and msg.script_finished != Status.FINISHED_EARLY_FOR_RERUN:
                        run.status = Status.Name(msg.script_finished)
                        break
                else:
                    run.status = "closed"
        except TimeoutError:
            run.status = "timeout"
        except ConnectionClosed:
            run.status = "closed"
        run.seconds = time.perf_counter() - start
        return run


async def open_page(
    url: str, page: str, query: str = "", timeout: float = 120, *, like_browser: bool = False, cookie: str = ""
) -> Run:
    """A fresh session's first run of ``page``: what a student's new tab costs the server."""
    try:
        async with Session(url, page=page, like_browser=like_browser, cookie=cookie) as tab:
            return await tab.run(page, query, timeout)
    except (OSError, TimeoutError, WebSocketException) as exc:  # refused, reset, handshake refused: no run
        return Run(page, status=f"connection failed: {exc!r}")


async def crowd(
    url: str, page: str, sessions: int, query: str = "", timeout: float = 120, *, like_browser: bool = False
) -> list[Run]:
    """``sessions`` fresh sessions opening ``page`` at the same moment (each fetching the page first if
    ``like_browser``, as a browser behind the proxy does)."""
    runs = (open_page(url, page, query, timeout, like_browser=like_browser) for _ in range(sessions))
    return list(await asyncio.gather(*runs))


@dataclass
class FaultDrill:
    """What :func:`fault_drill` saw: one replica killed under load, and what the sessions and HAProxy did."""

    sessions: int
    victim: str = ""
    on_victim: int = 0
    """Sessions the killed replica was serving."""
    first_runs_clean: int = 0
    down_after: float | None = None
    """Seconds from SIGKILL until HAProxy's stats said DOWN (None: not within the time allowed)."""
    victim_closed: int = 0
    """Sessions of the killed replica whose websocket was closed (a browser then reconnects)."""
    reconnected_clean: int = 0
    reconnected_elsewhere: int = 0
    """Reconnected sessions served by a replica other than the victim."""
    same_settings: int = 0
    """Reconnected sessions whose page shows the widget values and texts it showed before the kill."""
    survivors_open: int = 0
    survivors_clean: int = 0
    """Sessions of the other replicas, still open, whose rerun after the kill was clean with the same texts."""
    up_after: float | None = None
    """Seconds from SIGKILL until the restarted replica was UP again (None: not within the time allowed)."""
    newcomers: int = 0
    newcomers_clean: int = 0
    newcomers_on_victim: int = 0
    """New sessions opened after the rejoin that the restarted replica served."""
    problems: list[str] = field(default_factory=list)


def _same_page(before: Run, after: Run) -> bool:
    return after.widgets == before.widgets and after.texts == before.texts


async def fault_drill(
    proxy: Proxy,
    sessions: int,
    page: str,
    query: str,
    *,
    newcomers: int = 20,
    down_within: float = 30,
    up_within: float = 120,
) -> FaultDrill:
    """Open ``sessions`` sessions of ``page?query`` through the proxy, SIGKILL the replica serving the most, and
    follow what happens: HAProxy marks it DOWN; its sessions reconnect (as a browser does: the websocket again,
    with the cookie naming the dead replica) and rerun the page from the URL; the others rerun in place; the
    replica, restarted by serve-local, comes back UP and takes ``newcomers`` new sessions. Every wait is bounded.
    """
    drill = FaultDrill(sessions)
    async with contextlib.AsyncExitStack() as stack:

        async def first(tab: Session) -> Run:
            await stack.enter_async_context(tab)
            return await tab.run(page, query)

        tabs = [Session(proxy.url, page=page, like_browser=True) for _ in range(sessions)]
        before = list(await asyncio.gather(*(first(tab) for tab in tabs)))
        drill.first_runs_clean = sum(run.clean for run in before)
        served = [tab.replica for tab in tabs]
        drill.victim = max(set(served), key=served.count)
        drill.on_victim = served.count(drill.victim)

        killed = time.monotonic()
        os.kill(proxy.pids()[drill.victim], signal.SIGKILL)
        while drill.down_after is None and time.monotonic() - killed < down_within:
            if proxy.stats().get(drill.victim, "").startswith("DOWN"):
                drill.down_after = time.monotonic() - killed
            else:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # let the websockets' close frames arrive
        drill.victim_closed = sum(tab.closed for tab, name in zip(tabs, served, strict=True) if name == drill.victim)

        async def recover(tab: Session, name: str, earlier: Run) -> None:
            if name == drill.victim:  # the frontend reconnects the websocket with its cookie and reruns from the URL
                try:
                    again = await stack.enter_async_context(Session(proxy.url, page=page, cookie=tab.cookie))
                    run = await again.run(page, query)
                except (OSError, TimeoutError, WebSocketException) as exc:
                    drill.problems.append(f"reconnect failed: {exc!r}")
                    return
                drill.reconnected_clean += run.clean
                drill.reconnected_elsewhere += bool(run.replica) and run.replica != drill.victim
                drill.same_settings += _same_page(earlier, run)
                if not run.clean:
                    drill.problems.append(f"reconnected run: {run.status} {run.exceptions}")
            else:  # a session elsewhere: still open, and a rerun (a moved widget) still works
                is_open = not tab.closed
                drill.survivors_open += is_open
                run = await tab.run(page, query) if is_open else Run(page, status="closed")
                drill.survivors_clean += run.clean and run.texts == earlier.texts  # the frontend keeps the widgets
                if not run.clean:
                    drill.problems.append(f"surviving session: {run.status} {run.exceptions}")

        await asyncio.gather(*(recover(tab, name, run) for tab, name, run in zip(tabs, served, before, strict=True)))

        # The class stays connected (every session now on the other replicas) while the killed one restarts.
        while drill.up_after is None and time.monotonic() - killed < up_within:
            if proxy.stats().get(drill.victim) == "UP":
                drill.up_after = time.monotonic() - killed
            else:
                await asyncio.sleep(0.2)
        if drill.up_after is not None and newcomers:
            runs = await crowd(proxy.url, page, newcomers, query, like_browser=True)
            drill.newcomers = len(runs)
            drill.newcomers_clean = sum(run.clean for run in runs)
            drill.newcomers_on_victim = sum(run.replica == drill.victim for run in runs)
    return drill
