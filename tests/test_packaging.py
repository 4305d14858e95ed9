"""A normal install works: the wheel built from this checkout, installed (not editable) into a fresh virtual
environment, gives the ``followthrough`` command, finds its default policy inside the installed package, and
installs no top-level ``app`` module and none of the sandbox, tests or benchmarks.

The wheel is built from a copy of the checkout (so no ``build/`` or ``*.egg-info`` lands in the working tree) with
the development environment's setuptools and no network (``--no-build-isolation``). The fresh environment gets the
wheel alone (``--no-deps``); its dependencies are borrowed from the development environment through a ``.pth``
file, which adds their directory to ``sys.path`` without running its editable-install hook, so ``followthrough``
can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOT_COPIED = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
              ".hypothesis", ".import_linter_cache", ".demo", "test-output")  # fmt: skip


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def site_packages(self) -> Path:
        (found,) = (self.venv / "lib").glob("python3*/site-packages")
        return found

    def run(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TMPDIR")}
        return subprocess.run(
            list(args),
            cwd=cwd,
            env={**base, "PATH": f"{self.bin}:/usr/bin:/bin", **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
        )


def build_wheel(into: Path) -> Path:
    source = into / "checkout"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(into), "."],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = into.glob("followthrough-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("packaging")
    wheel = build_wheel(root)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-deps",
         "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    result = Installed(wheel=wheel, venv=venv)
    (result.site_packages / "development-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return result


def test_the_installed_command_says_its_version(installed: Installed, tmp_path: Path) -> None:
    done = installed.run("followthrough", "--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "followthrough 0.1.0"


def test_the_installed_command_checks_the_default_policy_it_ships(installed: Installed, tmp_path: Path) -> None:
    done = installed.run("followthrough", "policy", "check", cwd=tmp_path)  # no FILE: FOLLOWTHROUGH_POLICY's default
    assert done.returncode == 0, done.stderr
    packaged = installed.site_packages / "followthrough" / "data" / "default.yml"
    assert done.stdout.startswith(f"{packaged}: OK"), done.stdout
    assert packaged.read_text() == (REPO / "policies" / "default.yml").read_text()


def test_the_installed_command_has_every_subcommand(installed: Installed, tmp_path: Path) -> None:
    done = installed.run("followthrough", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("bot", "worker", "doctor", "policy", "audit", "shadow"):
        assert command in done.stdout
    # The bot without settings: one clear refusal from the installed code, not an import error.
    refused = installed.run("followthrough", "bot", cwd=tmp_path)
    assert refused.returncode == 1 and "SLACK_BOT_TOKEN: is not set" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr


def test_no_top_level_app_module_is_installed(installed: Installed, tmp_path: Path) -> None:
    assert not (installed.site_packages / "app.py").exists() and not (installed.site_packages / "app").exists()
    done = installed.run(str(installed.bin / "python"), "-c", "import app", cwd=tmp_path)
    assert done.returncode == 1 and "No module named 'app'" in done.stderr


def test_the_wheel_holds_the_product_and_not_the_sandbox_tests_or_benchmarks(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert top == {"followthrough", "approvals", "bot", "connectors", "understanding", "followthrough-0.1.0.dist-info"}
    assert {"followthrough/data/default.yml", "followthrough/data/manifest.yml"} <= set(names)
    assert not any(name.endswith(("app.py", "conftest.py")) for name in names)
    packages = {str(path.parent.relative_to(REPO)) for path in REPO.glob("[a-z]*/**/__init__.py")}
    product = {p for p in packages if p.split("/", 1)[0] in top}
    assert product == {name.rsplit("/", 1)[0] for name in names if name.endswith("/__init__.py")}


def test_entry_points_name_the_console_script(installed: Installed) -> None:
    (entry_points,) = (n for n in zipfile.ZipFile(installed.wheel).namelist() if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(installed.wheel).read(entry_points).decode()
    assert "[console_scripts]\nfollowthrough = followthrough.cli:main" in text
