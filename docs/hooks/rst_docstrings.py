"""A griffe extension: gdinverse's docstrings, written in Sphinx's reStructuredText, rendered as Markdown.

The docstrings stay the one home of each derivation; this converts, once the whole package is loaded:

- ``:math:`x``` to ``$x$`` and ``.. math::`` blocks to ``$$ … $$`` (pymdownx.arithmatex renders them);
- ``:func:``, ``:class:``, ``:meth:``, ``:attr:``, ``:data:``, ``:mod:`` roles to cross-references where the
  target has an entry on the site (the API reference renders every name of ``gdinverse.__all__``; the maths pages
  render the modules in ``RENDERED_MODULES``), else to code; a role naming nothing in the package stays a
  cross-reference, so that ``mkdocs build --strict`` fails on it;
- doctest examples (``>>>`` lines and their output) and ``::`` literal blocks to fenced code.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

ROLE = re.compile(r":(func|class|meth|attr|data|mod|obj|exc):`~?([^`]+)`")
INLINE_MATH = re.compile(r":math:`([^`]+)`")
MATH_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)$")
RENDERED_MODULES = ("theory", "directions", "exact", "descent", "verdict")
"""The modules whose docstrings the maths pages render (docs/maths/*.md)."""


class RstDocstrings(griffe.Extension):
    """Convert every docstring of the package once it is loaded (:meth:`on_package`)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        paths: set[str] = set()
        aliases: dict[str, str] = {}
        objects = list(_walk(pkg, paths, aliases))
        public = {f"{pkg.path}.{module}": f"{pkg.path}.{module}" for module in RENDERED_MODULES}
        for name in pkg.exports or ():
            member = pkg.members[name]
            target = member.target_path if member.is_alias else member.path  # type: ignore[union-attr]
            public[target] = public[f"{pkg.path}.{name}"] = f"{pkg.path}.{name}"
        for obj in objects:
            if obj.docstring is not None:
                obj.docstring.value = to_markdown(obj.docstring.value, _resolver(obj, pkg.path, paths, aliases, public))


def _walk(obj: griffe.Object, paths: set[str], aliases: dict[str, str]):
    """Every object defined in the package (no aliases), recording each path in ``paths`` and each alias's target
    in ``aliases``."""
    paths.add(obj.path)
    yield obj
    for member in obj.members.values():
        if member.is_alias:
            aliases[member.path] = member.target_path  # type: ignore[union-attr]
        else:
            yield from _walk(member, paths, aliases)  # type: ignore[arg-type]


def _canonical(path: str, paths: set[str], aliases: dict[str, str]) -> str | None:
    """``path`` with every imported name on the way replaced by what it names, if that exists in the package."""
    for _ in range(5):  # an alias of an alias, at most a few deep
        if path in paths:
            return path
        parts = path.split(".")
        prefixes = (".".join(parts[:cut]) for cut in range(len(parts), 0, -1))
        prefix = next((prefix for prefix in prefixes if prefix in aliases), None)
        if prefix is None:
            return None
        path = aliases[prefix] + path[len(prefix) :]
    return None


def _resolver(obj: griffe.Object, package: str, paths: set[str], aliases: dict[str, str], public: dict[str, str]):
    """A function from a role's target to its Markdown: a cross-reference to its entry on the site, or code.

    ``public`` maps the path of every object the site renders (and its canonical path) to its entry's identifier;
    a member of a rendered class is rendered under that class's entry."""
    module = obj.module.path
    owner = obj.path if obj.is_class else (obj.parent.path if obj.parent is not None else module)

    def resolve(target: str) -> str:
        shown = target if target.startswith(f"{package}.") else target.rsplit(".", 1)[-1]
        candidates = [target, f"{owner}.{target}", f"{module}.{target}", f"{package}.{target}"]
        found = next(filter(None, (_canonical(path, paths, aliases) for path in candidates)), None)
        if found is None:
            return f"[`{shown}`][{target}]"  # names nothing: the strict build reports it
        modules = {f"{package}.{name}" for name in RENDERED_MODULES}  # rendered without their members
        for path, entry in public.items():
            if found == path or (found.startswith(f"{path}.") and path not in modules):
                return f"[`{shown}`][{entry}{found[len(path) :]}]"
        return f"`{shown}`"

    return resolve


def to_markdown(text: str, resolve=lambda target: f"`{target}`") -> str:
    """One docstring in reStructuredText to Markdown (see the module docstring)."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        block = MATH_BLOCK.match(line)
        if block:
            indent = block["indent"]
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > len(indent)):
                body.append(lines[i])
                i += 1
            math = "\n".join(filter(None, [block["first"].strip(), textwrap.dedent("\n".join(body)).strip()]))
            _blank_line(out)
            out += [f"{indent}$$", *(f"{indent}{row}" for row in math.splitlines()), f"{indent}$$", ""]
            continue
        if line.lstrip().startswith(">>>"):
            indent = line[: _indent(line)]
            example = []
            while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
                example.append(lines[i][len(indent) :])
                i += 1
            out += [f"{indent}```pycon", *(f"{indent}{row}" for row in example), f"{indent}```"]
            continue
        if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            out.append(line.rstrip()[:-1])  # "holds::" -> "holds:" and a code block
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > _indent(line)):
                body.append(lines[i])
                i += 1
            code = textwrap.dedent("\n".join(body)).strip("\n")
            indent = line[: _indent(line)]
            _blank_line(out)
            out += [f"{indent}```text", *(f"{indent}{row}" for row in code.splitlines()), f"{indent}```", ""]
            continue
        out.append(_inline(line, resolve))
        i += 1
    return "\n".join(out)


def _inline(line: str, resolve) -> str:
    line = INLINE_MATH.sub(lambda match: f"${match[1].strip()}$", line)
    return ROLE.sub(lambda match: resolve(match[2].strip()), line)


def _blank_line(out: list[str]) -> None:
    """End the paragraph before a block (Markdown needs a blank line there), unless one is already there."""
    if out and out[-1].strip():
        out.append("")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())
