"""What a decision changed, shown word by word on the review and owner pages."""

from __future__ import annotations

import re

import pytest

from reviewqueue.models import Draft
from reviewqueue.web.changes import word_diff
from tests.conftest import signed_in
from tests.reviewqueue.review_helpers import make_drafts
from tests.workflows.test_feedback import review


def test_a_one_word_fix_is_one_word_struck_and_one_added():
    html = word_diff("The claim is for 4,600 EUR.\nPaid.", "The claim is for 4,800 EUR.\nPaid.")
    assert html == "The claim is for 4,<del>600</del><ins>800</ins> EUR.\nPaid."


def test_the_texts_are_escaped_not_rendered():
    html = word_diff('<script>alert("x")</script> ok', "<b>bold</b> ok")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;" in html and "&quot;x&quot;" in html and html.endswith(" ok")


def test_a_very_long_text_is_compared_by_lines():
    before = "\n".join(f"Line {n} of the claim." for n in range(12_000))
    after = before.replace("Line 7000 of", "Line 7000, amended, of")
    html = word_diff(before, after)
    assert html.count("<del>") == 1 and "<ins>Line 7000, amended, of the claim.\n</ins>" in html


@pytest.mark.django_db
def test_each_edit_shows_what_it_changed_in_the_text_before_it(claims):
    [draft] = make_drafts(claims, 1, consequence="critical")
    Draft.objects.filter(pk=draft.pk).update(content="Water damage in the kitchen.")
    review(
        draft,
        "senior_adjuster",
        "edit",
        content="Water damage in the bathroom.",
        error_category="hallucinated_fact",
    )
    review(
        draft,
        "senior_adjuster2",
        "edit",
        content="Water damage in the upstairs bathroom.",
        error_category="missing_information",
    )
    review(draft, "admin", "approve")  # the text as it stands, approved by someone else

    for who, path in [
        ("claims_owner", f"/workflows/claims-intake-summary/drafts/{draft.pk}/"),
        ("senior_adjuster", f"/drafts/{draft.pk}/"),
    ]:
        html = signed_in(who).get(path).content.decode()
        changes = re.findall(r'data-testid="changes">(.*?)</div>', html, re.S)
        assert changes == [
            "Water damage in the <del>kitchen</del><ins>bathroom</ins>.",
            "Water damage in the <ins>upstairs </ins>bathroom.",
        ], who
