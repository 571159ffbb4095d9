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
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

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

    @property
    def clean(self) -> bool:
        return self.status == SUCCESS and not self.exceptions and not self.page_not_found


def _count(run: Run, element: Element) -> None:
    kind = element.WhichOneof("type")
    run.elements[kind] += 1
    if kind == "exception":
        run.exceptions.append(f"{element.exception.type}: {element.exception.message}")


class Session:
    """One browser tab's websocket session: ``async with Session(url) as tab: await tab.run("gradient_descent")``."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._socket: ClientConnection | None = None

    async def __aenter__(self) -> Session:
        stream = "ws" + self.url.removeprefix("http") + "/_stcore/stream"
        self._socket = await connect(
            stream, subprotocols=SUBPROTOCOLS, origin=self.url, max_size=None, ping_interval=None, open_timeout=60
        )
        return self

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
        run = Run(page)
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


async def open_page(url: str, page: str, query: str = "", timeout: float = 120) -> Run:
    """A fresh session's first run of ``page``: what a student's new tab costs the server."""
    try:
        async with Session(url) as tab:
            return await tab.run(page, query, timeout)
    except (OSError, WebSocketException) as exc:  # refused, reset, handshake refused: the run never happened
        return Run(page, status=f"connection failed: {exc!r}")


async def crowd(url: str, page: str, sessions: int, query: str = "", timeout: float = 120) -> list[Run]:
    """``sessions`` fresh sessions opening ``page`` at the same moment."""
    return list(await asyncio.gather(*(open_page(url, page, query, timeout) for _ in range(sessions))))
