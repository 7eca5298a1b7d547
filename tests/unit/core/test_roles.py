from bot.core.roles import Role, allows, expand, identity_matches


def test_a_manager_may_do_what_a_moderator_may() -> None:
    assert allows({Role.MANAGER}, frozenset({Role.MODERATOR}))


def test_a_host_is_not_a_moderator() -> None:
    assert not allows({Role.HOST}, frozenset({Role.MODERATOR}))
    assert Role.MODERATOR not in expand({Role.HOST})


def test_an_admin_may_do_everything() -> None:
    assert allows({Role.ADMIN}, frozenset({Role.HOST}))


def test_a_bare_identity_matches_on_any_platform_and_a_prefixed_one_on_its_own() -> None:
    assert identity_matches("dana", "shell", "dana")
    assert identity_matches("slack:U1", "slack", "U1")
    assert not identity_matches("slack:U1", "matrix", "U1")
    assert identity_matches("matrix:@dana:example.org", "matrix", "@dana:example.org")


def test_the_ids_on_a_platform_come_from_bare_and_pinned_entries() -> None:
    from bot.core.roles import ids_on_platform

    entries = ("dana", "slack:U1", "matrix:@lee:example.org")
    assert ids_on_platform(entries, "matrix") == ["dana", "@lee:example.org"]
    assert ids_on_platform(entries, "slack") == ["dana", "U1"]
