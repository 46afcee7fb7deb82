"""The one reading of a posted form field (service/web/forms.py)."""

from __future__ import annotations

import pytest

from service.errors import InvalidInput
from service.web.forms import MAX_FORM_TEXT, as_list, checked, text


def test_the_last_value_sent_wins_stripped():
    assert text({"a": ["first", "  last  "]}, "a") == "last"
    assert text({"a": "  only "}, "a") == "only"
    assert text({"a": []}, "a") == "" and text({}, "a") == ""


def test_an_upload_or_other_object_reads_as_empty():
    assert text({"cover": object()}, "cover") == ""


def test_long_texts_are_kept_whole_and_only_absurd_ones_refused_by_name():
    long = "长" * 4000  # a project summary's limit: never cut silently
    assert text({"summary": long}, "summary") == long
    with pytest.raises(InvalidInput) as refused:
        text({"summary": "x" * (MAX_FORM_TEXT + 1)}, "summary")
    assert refused.value.errors[0].field == "summary"


def test_checkboxes_and_lists():
    assert checked({"c": ["0", "on"]}, "c") and not checked({}, "c")
    assert as_list(None) == [] and as_list("x") == ["x"] and as_list(["x"]) == ["x"]
