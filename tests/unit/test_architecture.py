"""The invariants a reviewer would otherwise have to remember."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "nio")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_core_never_imports_a_platform_sdk() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & set(PLATFORM_SDKS))
        for p in (ROOT / "bot").rglob("*.py")
        if _imports(p) & set(PLATFORM_SDKS)
    }
    assert offenders == {}


def test_the_architecture_check_can_see_an_sdk_import(tmp_path: Path) -> None:
    leaked = tmp_path / "leak.py"
    leaked.write_text("from slack_sdk.errors import SlackApiError\nimport nio\n", encoding="utf-8")
    assert _imports(leaked) >= {"slack_sdk", "nio"}


def test_features_never_read_the_wall_clock() -> None:
    offenders = []
    for path in (ROOT / "bot" / "features").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("datetime.now(", "datetime.utcnow(", "time.time(", "date.today("):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


def test_the_dockerfile_is_multi_stage_non_root_health_checked_and_runs_porch() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile")
        .read_text(encoding="utf-8")
        .replace("\\\n", " ")
        .splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    stages = [line for line in lines if line.upper().startswith("FROM ")]
    users = [line.split()[1] for line in lines if line.upper().startswith("USER ")]
    health = [line for line in lines if line.upper().startswith("HEALTHCHECK ")]
    (entrypoint,) = [line for line in lines if line.upper().startswith("ENTRYPOINT ")]
    assert len(stages) >= 2 and any("COPY --from=" in line for line in lines)
    assert users and users[-1] not in ("root", "0")
    assert len(health) == 1 and "/healthz" in health[0]
    assert entrypoint.startswith('ENTRYPOINT ["porch", "run"')


def test_the_quick_start_is_two_make_commands_that_run_porch_and_the_suite() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nrun: $(STAMP)\n\t$(BIN)/porch run\n" in makefile
    assert "\ntest: $(STAMP)\n\t$(BIN)/pytest\n" in makefile


def test_ci_runs_the_readmes_test_command_and_the_linters_with_postgresql_required() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "export PORCH_TEST_POSTGRES_URL=" in ci
    assert "\nmake test\nmake lint\n" in ci and "set -euo pipefail" in ci
    lint = makefile.split("\nlint: $(STAMP)\n", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/ruff check ." in lint and "$(BIN)/mypy" in lint
