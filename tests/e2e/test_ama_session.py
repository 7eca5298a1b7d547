"""A whole AMA through the real `porch run --script` on the terminal chat: scheduled, reminded,
opened, asked anonymously and by name, reviewed, voted three ways, restarted, answered, declined,
ended, answered late by the host from a DM, and exported."""

import subprocess

import pytest

from tests.e2e.golden import assert_golden, run_script

WHOLE_AMA = """\
# dana schedules an AMA with lee; Porch reminds the channel 24 h and 15 min ahead, then opens it.
:say dana #general /ama schedule "Roadmap 2027" --at "2026-01-06 15:00" --host @lee --for 45m --moderated
:advance 1d
:advance 5h45m
:advance 15m
# Questions: anonymous by default, one by name through a DM; all wait for review.
:say alice #general /ama ask How will pricing change?
:dm bob /ama ask --named Will the API stay free for open source?
:say carol #general /ama ask Who gets fired next?
:say dave #general /ama ask --named Can we get a public roadmap page?
# mo approves with one click, lee by command; the decline reason goes to carol alone.
:react mo m8 1️⃣
:say lee #general /ama approve 2
:say lee #general /ama approve 4
:say lee #general /ama decline 3 Please ask HR about personnel matters.
# Votes: by command, by 👍 on the question, by its button; alice may not vote for her own.
:say bob #general /ama vote 1
:react carol m19 👍
:react erin m21 1️⃣
:react carol m24 👍
:say alice #general /ama vote 1
:advance 5s
# A restart changes nothing anyone can see.
:restart
:say lee #general /ama next
:say lee #general /ama answer 1 Prices stay as they are for 2027.
:say lee #general /ama merge 2 4
:advance 5s
# --for 45m: Porch closes it on time, with a summary, and sends lee what is left unanswered.
:advance 45m
# lee answers the rest later from the DM list; the answer goes into the question's thread.
:click lee 1
:dm lee Yes: free for open-source projects, always.
:advance 5s
:say lee #general /ama export
:say alice #general /ama export
"""


@pytest.fixture(scope="module")
def transcript(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return run_script(WHOLE_AMA, tmp_path_factory.mktemp("ama"))


def test_a_whole_ama_produces_the_expected_transcript(
    transcript: subprocess.CompletedProcess[str],
) -> None:
    assert transcript.returncode == 0, transcript.stdout + transcript.stderr
    assert_golden("ama-session", transcript.stdout)


def _porch_messages(stdout: str) -> list[str]:
    """Porch's messages with their continuation lines, each as one block of text."""
    blocks: list[str] = []
    for line in stdout.splitlines():
        if line.startswith((" ", "\t")) and blocks:
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return [b for b in blocks if "] porch " in b.split("\n", 1)[0]]


def test_porch_never_names_an_anonymous_asker_except_to_themselves(
    transcript: subprocess.CompletedProcess[str],
) -> None:
    messages = _porch_messages(transcript.stdout)
    assert len(messages) > 30
    for asker in ("alice", "carol"):
        private = (f"[#general, only {asker}]", f"[dm {asker}]")
        naming = [m for m in messages if asker in m and not m.startswith(private)]
        assert naming == [], asker
