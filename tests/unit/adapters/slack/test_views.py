"""The answer modal and the App Home, built within Slack's view limits."""

from __future__ import annotations

from adapters.slack.views import CommunityCard, answer_modal, home_view, managed_by, question_of

CARD = CommunityCard("Excel Explained", "C0EXCEL01", ("slack:U0DANA001", "lee"))


def test_the_answer_modal_carries_its_prompt_and_fits_slacks_title_limit() -> None:
    for locale in ("en", "de"):
        view = answer_modal("intro:1", "What do you do?", locale)
        assert view["private_metadata"] == "intro:1"
        assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
        assert view["blocks"][-1]["type"] == "input"


def test_managers_are_recognized_by_the_cores_identity_rules() -> None:
    assert managed_by("U0DANA001", (CARD,)) == (CARD,)
    assert managed_by("lee", (CARD,)) == (CARD,)
    assert managed_by("U0OTHER01", (CARD,)) == ()


def test_the_home_shows_the_manager_section_only_to_managers() -> None:
    member = home_view("U0OTHER01", (CARD,))
    manager = home_view("U0DANA001", (CARD,), "de")
    assert all(b["type"] != "divider" for b in member["blocks"])
    assert any("<#C0EXCEL01>" in str(b) for b in manager["blocks"])


def test_the_question_is_the_prompts_first_section() -> None:
    message = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Why?"}}]}
    assert question_of(message) == "Why?"
    assert question_of(None) == ""
