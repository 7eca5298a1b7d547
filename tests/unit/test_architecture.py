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
