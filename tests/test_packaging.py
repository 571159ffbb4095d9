"""Packaging: the README's commands, CI, the two dependency files, and what the wheel and the sdist hold."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LIBRARY = PROJECT["dependencies"]
APP = PROJECT["optional-dependencies"]["app"]
IMPORT_NAMES = {"torch": "torch", "numpy": "numpy", "plotly": "plotly", "streamlit": "streamlit", "pandas": "pandas"}
IMPORT_NAMES["nbformat"] = "nbformat"
"""Top-level module -> the distribution that provides it, for every third-party module the code imports."""


def readme_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def requirement_lines() -> list[str]:
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_readme_opens_with_the_app_and_the_test_command():
    app, tests = readme_commands()[:2]
    assert app.endswith("streamlit run streamlit_app.py")
    assert tests == (
        "python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 && .venv/bin/pip install -e '.[app,test]'"
        " && .venv/bin/python -m pytest"
    )


def test_ci_runs_the_readme_test_command_ruff_the_avx2_path_the_floors_and_the_wheel():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci
    assert ".venv/bin/ruff check ." in ci and ".venv/bin/ruff format --check ." in ci
    avx2 = next(line for line in ci if line.startswith("ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 "))
    for name in re.findall(r"tests/\S+\.py", avx2):
        assert (ROOT / name).is_file(), f".ci/run runs {name} on the AVX2 path, but there is no such file"
    assert any(line.startswith(".ci/floors") for line in ci) and any(line.startswith(".ci/wheel") for line in ci)
    assert not any("playwright install" in line for line in ci)


def test_the_library_declares_floors_only():
    """`name>=X` and nothing else: no exact pin, no upper bound, for the package and its [app] extra."""
    for line in LIBRARY + APP:
        assert re.fullmatch(r"[a-z][a-z0-9-]*>=\d+(\.\d+)*", line), f"{line!r} in pyproject.toml is not `name>=X`"
    assert {Requirement(line).name for line in LIBRARY} == {"torch", "numpy", "plotly"}
    assert {Requirement(line).name for line in APP} == {"streamlit", "pandas", "nbformat", "orjson"}


def test_every_pin_in_requirements_satisfies_the_range_in_pyproject():
    declared = {Requirement(line).name: Requirement(line).specifier for line in LIBRARY + APP}
    pins = [Requirement(line) for line in requirement_lines() if not line.startswith("-")]
    assert sorted(pin.name for pin in pins) == sorted(declared), "requirements.txt pins exactly what pyproject lists"
    for pin in pins:
        (spec,) = pin.specifier
        assert spec.operator == "==", f"requirements.txt: {pin} is not an exact pin"
        assert declared[pin.name].contains(Version(spec.version)), f"{pin} is outside pyproject's {declared[pin.name]}"
    # Community Cloud must get torch's CPU build (see requirements.txt)
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirement_lines()


def third_party_imports(package: str) -> set[str]:
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"gdinverse", "gdinverse_app"}


@pytest.mark.parametrize(("package", "declared"), [("gdinverse", LIBRARY), ("gdinverse_app", LIBRARY + APP)])
def test_everything_the_code_imports_is_declared(package, declared):
    imported = third_party_imports(package)
    assert imported <= set(IMPORT_NAMES), f"{package} imports {imported - set(IMPORT_NAMES)}: declare it"
    assert {IMPORT_NAMES[name] for name in imported} <= {Requirement(line).name for line in declared}


def test_the_floor_run_holds_every_package_test_file():
    """.ci/floor-tests lists every test of the package itself (one that imports no app, browser or server)."""
    listed = [line for line in (ROOT / ".ci" / "floor-tests").read_text().splitlines() if not line.startswith("#")]
    for name in listed:
        assert (ROOT / name).is_file(), f".ci/floor-tests names {name}: no such file"
    app_side = re.compile(r"^(from|import) (streamlit|gdinverse_app|playwright|benchmarks|\.test_app)", re.M)
    package_tests = {
        f"tests/{path.name}"
        for path in (ROOT / "tests").glob("test_*.py")
        if path.name != "test_packaging.py" and not app_side.search(path.read_text())
    }
    missing = package_tests - set(listed)
    assert not missing, f"add {sorted(missing)} to .ci/floor-tests (or, if they test the app, import it there)"


def test_no_file_that_streamlit_cloud_would_read_first():
    for name in ("uv.lock", "Pipfile", "environment.yml"):
        assert not (ROOT / name).exists()


def wheel_metadata(names: list[str], wheel: zipfile.ZipFile) -> dict[str, list[str]]:
    (path,) = [name for name in names if name.endswith(".dist-info/METADATA")]
    message = Parser().parsestr(wheel.read(path).decode())
    return {key: message.get_all(key) for key in set(message.keys())}


@pytest.mark.slow
def test_the_wheel_holds_the_package_the_app_the_license_and_py_typed_and_imports_elsewhere(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)], check=True
    )
    (wheel_path,) = tmp_path.glob("gdinverse-*.whl")
    wheel = zipfile.ZipFile(wheel_path)
    names = wheel.namelist()
    dist_info = wheel_path.name.split("-py3")[0] + ".dist-info"
    assert {name.split("/")[0] for name in names} == {"gdinverse", "gdinverse_app", dist_info}
    assert {"gdinverse/plots.py", "gdinverse/py.typed", f"{dist_info}/licenses/LICENSE"} <= set(names)
    assert wheel.read(f"{dist_info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    for app_file in ("streamlit_app.py", "launch.py", "pages/gradient_descent.py", "ui/frame.py"):
        assert f"gdinverse_app/{app_file}" in names
    assert "gdinverse_app/.streamlit/config.toml" in names
    meta = wheel_metadata(names, wheel)
    assert meta["License-Expression"] == ["MIT"] and meta["License-File"] == ["LICENSE"]
    assert meta["Requires-Python"] == [">=3.11"]
    assert {"Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12"} <= set(
        meta["Classifier"]
    )
    assert "Typing :: Typed" in meta["Classifier"]
    extras = [
        f'{line}; extra == "{extra}"' for extra, lines in PROJECT["optional-dependencies"].items() for line in lines
    ]
    assert sorted(meta["Requires-Dist"]) == sorted(LIBRARY + extras)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "-t", str(target), str(wheel_path)], check=True
    )
    out = subprocess.run(
        [sys.executable, "-c", "import gdinverse; print(gdinverse.__file__, gdinverse.__version__)"],
        cwd=tmp_path,
        env=os.environ | {"PYTHONPATH": str(target), "PATH": ""},  # inherits the CPU code path (ATEN_CPU_CAPABILITY)
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith(str(target))


@pytest.mark.slow
def test_the_sdist_builds_the_wheel_and_holds_no_tests(tmp_path):
    """The tests need the repository (fixtures, the seed's numbers, a browser): they are run from a clone."""
    subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools.build_meta import build_sdist; build_sdist(sys.argv[1])",
         str(tmp_path)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    (sdist,) = tmp_path.glob("gdinverse-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "README.md", "pyproject.toml", "gdinverse/py.typed", "gdinverse_app/.streamlit/config.toml"} <= (
        names
    )
    assert {"gdinverse/cli.py", "gdinverse_app/launch.py", "gdinverse_app/pages/compare.py"} <= names
    assert not {name for name in names if name.startswith(("tests", "benchmarks", "deploy", ".ci"))}
