"""`ListMembers` on a real Synapse: who is in a room, with display names, Porch excepted."""

from __future__ import annotations

import nio
import pytest

from bot.core.actions import ListMembers
from bot.core.adapter import DeliveryContext
from bot.core.events import MemberPresent
from tests.integration.matrix.test_matrix_adapter import driver
from tests.integration.matrix.test_matrix_contract import MatrixDriver, ok

pytestmark = pytest.mark.slow


__all__ = ["driver"]  # the fixture: a started adapter in a room, people played by nio clients


async def test_list_members_reports_everyone_in_the_room_but_porch_with_display_names(
    driver: MatrixDriver,
) -> None:
    await driver.join("carol")
    await driver.join("dave")
    carol = driver.people["carol"]
    await ok(carol.set_displayname("Carol Example"), nio.ProfileSetDisplayNameResponse)
    await driver.join("erin")
    await ok(driver.people["erin"].room_leave(driver.channel), nio.RoomLeaveResponse)

    action = ListMembers(platform="matrix", channel=driver.channel, reason="onboard-existing")
    adapter = driver.adapter.inner
    assert "list_members" in {c.value for c in adapter.capabilities}
    await adapter.execute(action, DeliveryContext(key="list:1", outbox_id=41))

    present = {e.member: e for e in driver.sink.of(MemberPresent)}
    assert isinstance(present[carol.user_id], MemberPresent)
    assert set(present) == {driver.owner.user_id, carol.user_id, driver.user_id("dave")}
    assert present[carol.user_id].display_name == "Carol Example"
    assert {(e.channel, e.reason, e.platform) for e in present.values()} == {
        (driver.channel, "onboard-existing", "matrix")
    }
    assert present[carol.user_id].dedupe_key == f"matrix:present:41:{carol.user_id}"

    # A retry of the same Outbox item repeats the keys, so the Inbox drops what it already took.
    await adapter.execute(action, DeliveryContext(key="list:1", outbox_id=41))
    keys = [e.dedupe_key for e in driver.sink.of(MemberPresent)]
    assert len(keys) == 6 and len(set(keys)) == 3
