from __future__ import annotations

from datetime import UTC, datetime

from bot.render.announcements import kind_label, posted_late
from bot.render.limits import CONTENT_MAX
from bot.render.message import Outgoing

WHEN = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
STAMP = f"<t:{int(WHEN.timestamp())}:f>"


def test_a_late_message_says_when_it_happened_on_a_line_of_its_own() -> None:
    late = posted_late(Outgoing(content="🎉 <@1> reached the target", ping=[1]), WHEN)
    assert late.content is not None
    first, note = late.content.split("\n")
    assert first == "🎉 <@1> reached the target"
    assert STAMP in note and f"<t:{int(WHEN.timestamp())}:R>" in note
    assert late.ping == [1]


def test_a_late_message_stays_within_discords_limit_and_one_without_text_gets_the_note_alone() -> None:
    long = posted_late(Outgoing(content="x" * CONTENT_MAX), WHEN)
    assert long.content is not None and len(long.content) == CONTENT_MAX and STAMP in long.content
    bare = posted_late(Outgoing(), WHEN)
    assert bare.content is not None and STAMP in bare.content


def test_admins_read_what_kind_of_announcement_failed() -> None:
    assert kind_label("challenge_result") == "challenge result"
    assert kind_label("challenge_milestone_100") == "milestone"
    assert kind_label("challenge_total_milestone_50") == "team milestone"
    assert kind_label("something_new") == "something new"
