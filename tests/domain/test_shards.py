"""Shard routing (bot/domain/shards.py) and the SHARD_COUNT / SHARD_IDS settings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.shards import ShardSet, shard_of
from bot.settings import SettingsError, load_settings

SNOWFLAKES = st.integers(min_value=0, max_value=2**63 - 1)


def test_a_server_goes_to_the_shard_of_its_creation_time_modulo_the_count() -> None:
    assert shard_of(197038439483310086, 1000) == 770  # 46977955119 ms after the Discord epoch
    assert shard_of(5 << 22, 2) == 1
    assert shard_of((4 << 22) | 0x3FFFFF, 2) == 0  # the low 22 bits (worker, process, increment) do not count


@given(SNOWFLAKES)
def test_one_shard_owns_every_server(guild_id: int) -> None:
    assert ShardSet.everything().owns(guild_id)
    assert ShardSet.from_settings(None, None) == ShardSet.everything()


@given(
    SNOWFLAKES,
    st.integers(min_value=1, max_value=64).flatmap(
        lambda count: st.tuples(st.just(count), st.lists(st.integers(0, 7), min_size=count, max_size=count))
    ),
)
def test_processes_that_split_the_shards_between_them_own_each_server_exactly_once(
    guild_id: int, split: tuple[int, list[int]]
) -> None:
    count, process_of_shard = split  # shard i runs in process process_of_shard[i]
    processes = [
        ShardSet.from_settings(count, [i for i in range(count) if process_of_shard[i] == p])
        for p in sorted(set(process_of_shard))
    ]
    owners = [p for p in processes if p.owns(guild_id)]
    assert len(owners) == 1
    assert shard_of(guild_id, count) in owners[0].ids


@given(SNOWFLAKES, st.integers(min_value=1, max_value=64))
def test_a_count_without_ids_runs_every_shard(guild_id: int, count: int) -> None:
    shards = ShardSet.from_settings(count, None)
    assert shards.ids == frozenset(range(count)) and shards.is_everything
    assert shards.owns(guild_id)


def test_a_shard_set_refuses_what_discord_would() -> None:
    with pytest.raises(ValueError, match="outside"):
        ShardSet(2, frozenset({2}))
    with pytest.raises(ValueError, match="at least 1"):
        ShardSet(0, frozenset({0}))
    with pytest.raises(ValueError, match="at least one"):
        ShardSet(2, frozenset())
    with pytest.raises(ValueError, match="SHARD_COUNT"):
        ShardSet.from_settings(None, [0])


def test_shard_settings_become_the_process_shard_set() -> None:
    assert load_settings(require_token=False, _env_file=None).shards == ShardSet.everything()
    both = load_settings(require_token=False, _env_file=None, shard_count=2)
    assert both.shards == ShardSet(2, frozenset({0, 1}))
    one = load_settings(require_token=False, _env_file=None, shard_count="3", shard_ids="2, 0")
    assert one.shards == ShardSet(3, frozenset({0, 2})) and not one.shards.is_everything
    assert load_settings(require_token=False, _env_file=None, shard_count="", shard_ids="").shards.is_everything


@pytest.mark.parametrize(
    ("values", "named", "reason"),
    [
        ({"shard_ids": "0"}, "SHARD_IDS", "needs SHARD_COUNT"),
        ({"shard_count": "0"}, "SHARD_COUNT", "greater than or equal to 1"),
        ({"shard_count": "two"}, "SHARD_COUNT", "integer"),
        ({"shard_count": "2", "shard_ids": "2"}, "SHARD_IDS", "from 0 to SHARD_COUNT-1 (1)"),
        ({"shard_count": "2", "shard_ids": "-1"}, "SHARD_IDS", "shard numbers"),
        ({"shard_count": "2", "shard_ids": "0,x"}, "SHARD_IDS", "shard numbers"),
        ({"shard_count": "4", "shard_ids": "1,1"}, "SHARD_IDS", "twice"),
    ],
)
def test_bad_shard_settings_are_one_line_naming_the_setting(values: dict[str, str], named: str, reason: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(require_token=False, _env_file=None, **values)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"Invalid setting {named}:") and reason in message
