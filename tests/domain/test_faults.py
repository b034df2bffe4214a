from __future__ import annotations

import pytest

from bot import faults
from bot.settings import SettingsError, load_settings


def test_crash_points_parse_with_an_optional_hit_count() -> None:
    assert faults.parse("post:after_send") == ("post:after_send", 1)
    assert faults.parse("post:after_send:3") == ("post:after_send", 3)
    with pytest.raises(ValueError, match="unknown crash point"):
        faults.parse("post:nowhere")
    with pytest.raises(ValueError, match="unknown crash point"):
        faults.parse("post:after_send:0")


def test_an_unknown_crash_point_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="TEST_CRASH_AT"):
        load_settings(require_token=False, _env_file=None, test_crash_at="finish:sometime")


def test_unarmed_points_do_nothing() -> None:
    faults.arm(None)
    for name in faults.POINTS:
        faults.point(name)  # still here
