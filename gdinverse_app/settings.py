"""Every page's settings as data: each one's name (its link parameter: links teachers have shared keep working),
default and range. ``gdinverse_app.state`` keeps them in the link and the session; the models read the names to
write links (the lecture's links into the full pages)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import gdinverse as g

MAX_WIDGET_SEED = 2**31 - 1
"""Largest seed the app's number inputs take (Streamlit's widgets hold 32-bit integers); the package takes up to
``gdinverse.MAX_SEED``."""
MAX_URL_TEXT = 2000
"""Longest text written into a link; longer text stays in the session only."""
MAX_N = 128
"""Largest number of rows or columns the app accepts: beyond it figures and runs stop being interactive."""
MAX_STEPS = 20_000
"""Most steps of a whole run in the app: enough for float32 to stall on a κ = 50 matrix (about 20,000 steps)."""
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Setting:
    """One widget value that a link can carry, under its link name ``name``."""

    name: str
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    options: tuple[float, ...] | None = None
    """For a select slider over numbers: a value from a link snaps to the nearest option."""
    flag: bool = False
    """A switch written "1" when on and left out when off, read from 1/true/yes/on and 0/false/no/off (``present``)."""

    def read(self, raw: str) -> tuple[Any, str | None]:
        """The value a link gives, and a notice if it had to be changed."""
        kind = type(self.default)
        if self.flag:
            text = raw.strip().lower()
            if text in _TRUE + _FALSE:
                return text in _TRUE, None
            return self.default, f"{self.name}={_shown(raw)} is not 1 or 0; it is left off"
        if kind is tuple:  # several of the choices, comma-separated
            picked = tuple(dict.fromkeys(part for part in raw.split(",") if part))
            wrong = [part for part in picked if part not in (self.choices or ())]
            if wrong or not picked:
                return self.default, f"{self.name}={_shown(raw)} is not a list of {', '.join(self.choices or ())}"
            return picked, None
        if self.choices is not None:
            if raw in self.choices:
                return raw, None
            return self.default, f"{self.name}={_shown(raw)} is not one of {', '.join(self.choices)}"
        if kind is str:
            return raw, None
        if kind is bool:
            if raw in ("true", "false"):
                return raw == "true", None
            return self.default, f"{self.name}={_shown(raw)} is not true or false"
        try:
            value = kind(float(raw)) if kind is int and float(raw).is_integer() else kind(raw)
        except (ValueError, OverflowError):
            return self.default, f"{self.name}={_shown(raw)} is not a {'whole ' if kind is int else ''}number"
        if isinstance(value, float) and not math.isfinite(value):
            return self.default, f"{self.name}={_shown(raw)} is not a finite number"
        return self.clamp(value)

    def clamp(self, value: Any) -> tuple[Any, str | None]:
        """``value`` within [low, high], and a notice if it was outside."""
        if self.options is not None and value not in self.options:
            nearest = min(self.options, key=lambda option: abs(math.log(option / value)) if value > 0 else option)
            return nearest, f"{self.name}={value} is not offered; using the nearest, {nearest:g}"
        if self.low is not None and value < self.low:
            return type(self.default)(self.low), f"{self.name}={value} is below the lowest value {_number(self.low)}"
        if self.high is not None and value > self.high:
            return type(self.default)(self.high), f"{self.name}={value} is above the cap {_number(self.high)}"
        return value, None

    def write(self, value: Any) -> str | None:
        """The text of ``value`` in a link, or None to leave it out."""
        if self.flag:
            return "1" if value else None
        if value == self.default or value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple | list):
            return None if tuple(value) == self.default else ",".join(value)
        text = repr(value) if isinstance(value, float) else str(value)
        return text if len(text) <= MAX_URL_TEXT else None


def _number(value: float) -> str:
    """A bound as the user would type it: whole numbers in full (2147483647, not 2.14748e+09)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 20 else raw[:17] + "...")


PRESENT = Setting("present", False, flag=True)
"""Projector mode, on every page (``?present=1``)."""
TEACHER = Setting("teacher", False, flag=True)
"""The Exercises page's teacher view (``?teacher=1``): every answer, hint and explanation, the answer sheet, the
Moodle quiz and the lesson notebook. A convenience, not a lock: it keeps the answers off the students' screens."""

CONDITION_NUMBERS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0, 300.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e10, 1e12)
MATRIX_SOURCES = {"preset": "Preset", "grid": "Type in a grid", "text": "Paste text"}
DEFAULT_TEXT = "1 0 0 0\n0 2 0 0\n0 0 3 0\n0 0 0 4"
MATRIX = (
    Setting("source", "preset", choices=tuple(MATRIX_SOURCES)),
    Setting("preset", "diag1234", choices=tuple(g.PRESETS)),
    Setting("n", 4, low=1, high=MAX_N),
    Setting("cond", 10.0, options=CONDITION_NUMBERS),
    Setting("mseed", 0, low=0, high=MAX_WIDGET_SEED),
    Setting("angle", 30.0, low=-360.0, high=360.0),
    Setting("matrix", DEFAULT_TEXT),
    Setting("rows", ""),
    Setting("cols", ""),
)
"""The matrix chooser's settings, shared by Exact inverse, Gradient descent and Compare."""

RUN = (
    Setting("steps", 100, low=1, high=MAX_STEPS),
    Setting("seed", 314, low=0, high=MAX_WIDGET_SEED),
    Setting("every", 20, low=1, high=MAX_STEPS),
    Setting("init", "rand", choices=("rand", "zeros")),
    Setting("dtype", "float32", choices=("float32", "float64")),
    Setting("mode", "run", choices=("run", "step")),
    Setting("colours", "auto", choices=("auto", "signed", "log")),
)
"""The Gradient descent page's run settings (the learning rate is a setting too, whose options follow the matrix)."""

TOLERANCES = (0.2, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12)
ADAM_LRS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
RACE = (
    Setting("methods", tuple(g.METHODS), choices=tuple(g.METHODS)),
    Setting("rsteps", 500, low=1, high=3000),
    Setting("tol", 1e-6, options=TOLERANCES),
    Setting("adam_lr", 0.1, options=ADAM_LRS),
    Setting("sweep_count", 40, low=5, high=200),
    Setting("sweep_steps", 100, low=1, high=2000),
    Setting("rseed", 314, low=0, high=MAX_WIDGET_SEED),
    Setting("rinit", "rand", choices=("rand", "zeros")),
    Setting("rdtype", "float32", choices=("float32", "float64")),
)
"""Compare's race and sweep settings."""

MAX_DOCUMENTS = 500
MAX_WORDS = 200
EXAMPLE = "The cat sat on the mat\nThe dog sat on the log\nA cat and a dog\nThe mat"
INDICATOR = (
    Setting("isource", "random", choices=("random", "text")),
    Setting("docs", 17, low=1, high=MAX_DOCUMENTS),
    Setting("words", 3, low=1, high=MAX_WORDS),
    Setting("p", 0.2, low=0.0, high=1.0),
    Setting("iseed", 123, low=0, high=MAX_WIDGET_SEED),
    Setting("documents", EXAMPLE),
)
"""The Indicator matrix page's settings."""

OPEN_DIRECTIONS = "show_directions"
"""The link parameter that opens the singular-direction view (``?show_directions=true``)."""
