"""Packaging: the README's commands, CI, the two dependency files, and what the wheel holds."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def requirement_name(line: str) -> str:
    return re.split(r"[=<>~!\[; ]", line, maxsplit=1)[0].lower()


def test_readme_opens_with_the_app_and_the_test_command():
    app, tests = readme_commands()[:2]
    assert app.endswith("streamlit run streamlit_app.py")
    assert tests.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_and_ruff():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()
    assert "ruff check" in ci and "ruff format --check" in ci
    assert "playwright install" not in ci


def test_requirements_and_pyproject_agree_on_every_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["app"]
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    required = [line for line in lines if line and not line.startswith(("#", "-"))]
    assert sorted(required) == sorted(declared)
    pins = {requirement_name(r): r for r in declared if "==" in r}
    assert pins["torch"] == "torch==2.13.0" and "streamlit" in pins
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines


def test_no_file_that_streamlit_cloud_would_read_first():
    for name in ("uv.lock", "Pipfile", "environment.yml"):
        assert not (ROOT / name).exists()


@pytest.mark.slow
def test_the_wheel_holds_the_package_and_the_app_and_imports_elsewhere(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)], check=True
    )
    (wheel,) = tmp_path.glob("gdinverse-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {"gdinverse", "gdinverse_app", wheel.name.split("-py3")[0] + ".dist-info"}
    assert {name.split("/")[0] for name in names} == tops
    assert "gdinverse/plots.py" in names
    for app_file in ("streamlit_app.py", "pages/gradient_descent.py", "ui/frame.py", ".streamlit/config.toml"):
        assert f"gdinverse_app/{app_file}" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "-t", str(target), str(wheel)], check=True
    )
    out = subprocess.run(
        [sys.executable, "-c", "import gdinverse; print(gdinverse.__file__, gdinverse.__version__)"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith(str(target))
