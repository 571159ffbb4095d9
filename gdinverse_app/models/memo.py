"""What the page models share: a cache of answers by request, figures made ready to send, progress reports, and
user text made safe inside Markdown (:func:`plain`).

:func:`memo` keeps a model function's last answers by their exact arguments (frozen requests), one copy for every
session of the server: answers (frozen dataclasses, tensors nobody writes to, :class:`ReadyFigure`) are never
changed, so sharing them is safe. :func:`progress` lets a long run report how far it got to whoever draws a
progress bar, outside the cache (a cached answer reports nothing).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import plotly.graph_objects as go

P = ParamSpec("P")
R = TypeVar("R")

ENTRIES = 64
"""Answers each function keeps (the most recently used): a few kB each at the defaults, a few MB at the caps."""

_FIELDS: dict[type, tuple[str, ...]] = {}


def exact_key(value: object) -> Hashable:
    """A key equal for two arguments only if every computation gives the same result for both: types count
    (1, 1.0 and True differ) and floats by their bits (0.0 and −0.0 differ, every NaN the same). Handles str,
    int, bool, float, None, tuples of these and frozen dataclasses of these (the requests)."""
    kind = type(value)
    if kind is float:
        return (float, value.hex())  # type: ignore[attr-defined]
    if kind is str or kind is int or kind is bool or value is None:
        return (kind, value)
    if kind is tuple:
        return (tuple, tuple(exact_key(item) for item in value))  # type: ignore[attr-defined]
    names = _FIELDS.get(kind)
    if names is None:
        if not (dataclasses.is_dataclass(value) and kind.__dataclass_params__.frozen):  # type: ignore[attr-defined]
            raise TypeError(f"cannot key a {kind.__name__}: give plain values or a frozen dataclass")
        names = _FIELDS[kind] = tuple(field.name for field in dataclasses.fields(value))
    return (kind, tuple(exact_key(getattr(value, name)) for name in names))


_ALL: list[Any] = []


def memo(func: Callable[P, R]) -> Callable[P, R]:
    """Keep the last :data:`ENTRIES` answers of ``func`` by its exact arguments (:func:`exact_key`, with defaults
    filled in and keywords by name). An exception is not kept: a call that raised raises again, computing again."""
    kept: OrderedDict[Hashable, Any] = OrderedDict()
    lock = threading.Lock()
    signature = inspect.signature(func)

    @functools.wraps(func)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)  # f(spec) and f(spec, "float64") are one call: one answer
        bound.apply_defaults()
        key = exact_key(tuple(bound.arguments.items()))
        with lock:
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
        value = func(*args, **kwargs)
        with lock:
            kept[key] = value
            while len(kept) > ENTRIES:
                kept.popitem(last=False)
        return value

    def clear() -> None:
        with lock:
            kept.clear()

    cached.clear = clear  # type: ignore[attr-defined]
    cached.entries = lambda: len(kept)  # type: ignore[attr-defined]
    _ALL.append(cached)
    return cached


def clear_all() -> None:
    """Forget every model's answers (tests count decompositions from a cold start)."""
    for cached in _ALL:
        cached.clear()


def entries() -> int:
    """How many answers the models keep now, all together."""
    return sum(cached.entries() for cached in _ALL)


# ---------------------------------------------------------------------------- figures


class ReadyFigure(go.Figure):
    """A figure whose dict (what ``st.plotly_chart`` serialises) is made once: ``to_dict`` returns the dict made
    when the figure was built (plotly would deep-copy the figure and encode its arrays on every call). Never
    changed after it is made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sent = super().to_dict()

    def to_dict(self) -> dict[str, Any]:
        """The figure as a dict, arrays in plotly's base64 form; the same dict every call: do not change it."""
        return self._sent


def ready(figure: go.Figure) -> ReadyFigure:
    """``figure`` as a :class:`ReadyFigure`, its arrays already in plotly's base64 form."""
    return ReadyFigure(figure.to_dict())


@dataclass(frozen=True)
class Chart:
    """A figure and its text alternative (the caption drawn under it)."""

    figure: go.Figure
    caption: str

    @classmethod
    def of(cls, figure: go.Figure, caption: str | None = None) -> Chart:
        """``figure`` made ready (for a cached figure, sent many times), captioned by ``caption`` or else its own
        text alternative."""
        return cls(ready(figure), _caption(figure, caption))

    @classmethod
    def once(cls, figure: go.Figure, caption: str | None = None) -> Chart:
        """``figure`` as it is, for a figure made anew every rerun and sent once (made ready, it would be turned
        into a dict one more time for nothing), captioned as :meth:`of` captions it."""
        return cls(figure, _caption(figure, caption))


def _caption(figure: go.Figure, caption: str | None) -> str:
    """``caption``, or else the figure's own text alternative (``layout.meta.description``, or "")."""
    if caption is not None:
        return caption
    meta = figure.layout.meta
    return str(meta["description"]) if isinstance(meta, dict) and meta.get("description") else ""


# ---------------------------------------------------------------------------- text

_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~$:"})


def plain(text: str) -> str:
    """``text`` with Markdown's special characters escaped, so user text shows as typed (no links, images, HTML)."""
    return str(text).translate(_MARKDOWN)


# ---------------------------------------------------------------------------- progress


_progress: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar("progress", default=None)


def report(done: int, total: int) -> None:
    """Tell whoever listens (:func:`progress`) that ``done`` of ``total`` parts of a computation are done."""
    callback = _progress.get()
    if callback is not None:
        callback(done, total)


@contextlib.contextmanager
def progress(callback: Callable[[int, int], None]) -> Iterator[None]:
    """Call ``callback(done, total)`` for every :func:`report` made inside this block."""
    token = _progress.set(callback)
    try:
        yield
    finally:
        _progress.reset(token)
