"""The navigator's entries, built in Python for the question page and the autosave's out-of-band swap."""

from assessments.exams.selectors import NavigatorItem
from assessments.templatetags.exam_navigator import navigator_entries


def test_entries_mark_state_and_the_current_question_and_escape_the_url():
    slots = [
        NavigatorItem(position=1, is_answered=True, flagged=False),
        NavigatorItem(position=2, is_answered=False, flagged=True),
    ]
    html = navigator_entries(slots, current_position=2, page_url='/a/"x"/')
    first, second = html.split("\n<li")
    assert 'class="nav-q is-answered"' in first and ", answered</span>" in first
    assert "aria-current" not in first and "hx-swap-oob" not in html
    assert 'class="nav-q is-flagged"' in second and ", not answered, flagged</span>" in second
    assert 'href="/a/&quot;x&quot;/?q=2" aria-current="step"' in second


def test_an_out_of_band_entry_says_so():
    html = navigator_entries(
        [NavigatorItem(position=12, is_answered=False, flagged=False)], current_position=3, page_url="/p/", oob=True
    )
    assert html.startswith('<li id="nav-12" hx-swap-oob="true">')
