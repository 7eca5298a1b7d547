"""The `ama` playbook: reminders and the question limit per community, validated like every playbook."""

from datetime import timedelta
from pathlib import Path

from bot.features.ama.settings import AmaPlaybook, AmaSettings
from bot.playbooks.loader import load_playbook
from bot.testing.builders import command
from tests.unit.features.ama.kit import ama_config, harness, keys


def test_an_ama_playbook_loads_and_a_misspelt_field_is_reported_with_its_line(
    tmp_path: Path,
) -> None:
    good = tmp_path / "ama-settings.yaml"
    good.write_text("kind: ama\nreminders: [2h, 10m]\nquestion_limit: 1\n", encoding="utf-8")
    loaded, problems = load_playbook(good)
    assert problems == [] and loaded is not None
    assert loaded.model == AmaPlaybook(kind="ama", reminders=["2h", "10m"], question_limit=1)
    bad = tmp_path / "typo.yaml"
    bad.write_text("kind: ama\nreminder: [2h]\n", encoding="utf-8")
    loaded, problems = load_playbook(bad)
    assert loaded is None
    assert [(p.line, p.field) for p in problems] == [(2, "reminder")]


def test_the_shipped_ama_playbook_loads_and_holds_the_defaults() -> None:
    shipped = Path(__file__).parents[4] / "playbooks" / "ama-settings.yaml"
    loaded, problems = load_playbook(shipped)
    assert problems == [] and loaded is not None and isinstance(loaded.model, AmaPlaybook)
    assert loaded.model.settings() == AmaSettings()


async def test_a_community_with_an_ama_playbook_uses_its_reminders_and_limit(
    sqlite_url: str,
) -> None:
    playbook = AmaPlaybook(kind="ama", reminders=["2h", "10m"], question_limit=1)
    config = ama_config(playbooks=("ama-settings",))
    async with harness(sqlite_url, config=config, playbooks={"ama-settings": playbook}) as h:
        await h.send(command("dana", '/ama schedule "Roadmap" --in 1d'))
        await h.advance(timedelta(days=1))
        assert keys(h, "ama:1:remind") == ["ama:1:remind:2h", "ama:1:remind:10m"]
        await h.send(command("alice", "/ama ask One?"), command("alice", "/ama ask Two?"))
        assert h.adapter.texts()[-1] == (
            "You have reached the question limit of this AMA (1 per member)."
        )
