"""Export a lesson: the page's current settings as a Jupyter notebook or a Python script that uses gdinverse.

A lesson is a list of cells: ("markdown", text), ("code", source) and ("figure", source). Figures go into
the notebook only (a script would open browser windows). Everything user-typed enters the code as a
``repr`` string literal, so it is data, never code.
"""

from __future__ import annotations

from collections.abc import Callable

import nbformat
import streamlit as st

from gdinverse_app import state
from gdinverse_app.requests import MatrixSpec

Cell = tuple[str, str]


def matrix_code(spec: MatrixSpec, dtype: str | None = None) -> str:
    """The expression that builds the page's matrix: a preset call with the arguments it uses, or parse_matrix(text).

    ``dtype`` is the source of a dtype argument, e.g. ``"'float64'"`` or a variable name; None leaves it out.
    """
    tail = "" if dtype is None else f", dtype={dtype}"
    if spec.source == "preset":
        args = "".join(f", {key}={value!r}" for key, value in spec.preset_arguments.items())
        return f"g.preset({spec.preset!r}{args}{tail})"
    return f"g.parse_matrix({spec.text!r}{tail})"


def header(title: str, what: str) -> list[Cell]:
    return [
        ("markdown", f"# {title}: a gdinverse lesson\n\n{what}\n\nIt needs the `gdinverse` package (`pip install .` "
         "in its repository). Every number it prints is one the app showed with the same settings."),
        ("code", "import gdinverse as g\nfrom gdinverse import plots"),
    ]  # fmt: skip


def to_notebook(cells: list[Cell]) -> str:
    """The cells as an .ipynb document (nbformat 4)."""
    notebook = nbformat.v4.new_notebook()
    for kind, text in cells:
        if kind == "markdown":
            notebook.cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            notebook.cells.append(nbformat.v4.new_code_cell(text))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(notebook)


def to_script(cells: list[Cell]) -> str:
    """The cells as a Python script: markdown as comments, figures left out."""
    parts = []
    for kind, text in cells:
        if kind == "markdown":
            parts.append("\n".join(f"# {line}".rstrip() for line in text.splitlines()))
        elif kind == "code":
            parts.append(text)
    return "\n\n".join(parts) + "\n"


OPEN = "show_downloads"
"""The key of the downloads expander, and its name in a link."""


def section(cells: Callable[[], list[Cell]], name: str, *, data: Callable[[], object] | None = None) -> None:
    """The page's downloads, in an expander drawn only once opened: the page's data first (``data()`` draws its
    buttons), then the lesson (``cells()``) as a notebook and a script."""
    label = "Downloads: " + ("the data, and " if data else "") + "this page as a notebook or a script"
    with state.expander(label, name=OPEN, icon=":material/download:") as box:
        if box.open:
            if data is not None:
                data()
            buttons(cells(), name)


def buttons(cells: list[Cell], name: str) -> None:
    """Two download buttons: the lesson as a notebook and as a script."""
    st.caption(
        "Take this page home: the same computation, with these settings, as code that uses the gdinverse package."
    )
    left, right = st.columns(2)
    # the files are built when clicked, not on every run of the page
    notebook, script = (lambda: to_notebook(cells)), (lambda: to_script(cells))
    left.download_button(
        "Download as notebook", notebook, f"{name}.ipynb", "application/x-ipynb+json", key=state.key(f"nb_{name}")
    )
    right.download_button("Download as script", script, f"{name}.py", "text/x-python", key=state.key(f"py_{name}"))
