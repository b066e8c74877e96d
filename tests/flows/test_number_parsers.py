"""Numbers are ASCII digits everywhere: typed amounts, field values and the numbers in button data.

Regression (issue 13, item 8: "Unicode digits"): `str.isdigit()` is true for «²», «١» and «１», and
`int()` then crashed on «²» (a forged button failed its update three times and was parked), while
amounts accepted «١٠٠» and «１００» because `\\d` and `int()` read any script's digits.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.catalog.types import IntegerField, NumberField
from flows.catalog.validate import InputError, validate_value
from flows.money.common import parse_amount
from flows.numbers import ascii_uint
from tests.flows.driver import CATALOG, Driver

ASCII = set("0123456789")
UNICODE_DIGITS = ["²", "١٠٠", "１００", "٣", "߁", "𝟗", "১২"]


def _only_ascii_digits(text: str) -> bool:
    return all(ch in ASCII for ch in text if ch.isdigit() or ch.isdecimal() or ch.isnumeric())


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_unicode_digits_are_not_numbers(text):
    assert ascii_uint(text) is None
    assert parse_amount(text) is None
    for field in (IntegerField(), NumberField()):
        with pytest.raises(InputError):
            validate_value(field, text)


def test_ascii_numbers_still_parse():
    assert ascii_uint("0042") == 42
    assert parse_amount("1 000,50 ₽") == 100_050
    assert validate_value(IntegerField(), " 12 ") == 12
    assert validate_value(NumberField(), "2,5") == 2.5


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=24))
def test_every_number_parser_reads_ascii_digits_only(text):
    found = [ascii_uint(text), parse_amount(text)]
    for field in (IntegerField(), NumberField()):
        try:
            found.append(validate_value(field, text))
        except InputError:
            pass
    if any(value is not None for value in found):
        assert _only_ascii_digits(text), (text, found)


def _wizard_driver() -> Driver:
    driver = Driver()
    driver.command("/start m-z-image")
    driver.press("🚀")
    return driver


@pytest.mark.parametrize("digits", ["²", "١", "１"])
def test_unicode_digits_crash_the_button_parsers(digits):
    """Forged callback data with non-ASCII digits gets the stale-button answer, never an exception."""
    for data in (
        f"w{digits}:next",
        f"cat:image:{digits}",
        f"free:{digits}",
        f"top:a:{digits}00",
        f"st:{digits}00",
    ):
        _wizard_driver().tap(data)
    driver = _wizard_driver()
    version = driver.snapshot.version
    for data in (f"w{version}:set:{digits}", f"w{version}:pg:{digits}", f"w{version}:edit:{digits}"):
        driver.tap(data)
    admin = Driver(is_admin=True)
    admin.command("/admin")
    for data in (f"adm:cr:{digits}", f"adm:db:{digits}", f"tp:r:T-AAAAAA:{digits}"):
        admin.tap(data)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(
        [
            "w:1:",
            "w:1:choose:",
            "w:1:page:",
            "w:1:edit:",
            "cat:image:",
            "free:",
            "top:a:",
            "st:",
            "adm:cr:",
            "h:",
        ]
    ),
    st.text(max_size=8),
)
def test_random_button_data_never_crashes_the_router(prefix, tail):
    _wizard_driver().tap(prefix + tail)


def test_z_image_is_in_the_catalog():
    assert CATALOG.get("z-image") is not None


def test_kie_numbers_and_admin_user_ids_read_ascii_digits_only():
    from integrations.kie.types import as_float, as_int
    from runtime.jobs.poll import failure_cause

    assert as_int("١٠") is None and as_int("10") == 10 and as_int(10) == 10
    assert as_float("１.５") is None and as_float("nan") is None and as_float("1.5") == 1.5
    from integrations.kie.types import TaskStatus

    fields = {f: None for f in TaskStatus.__struct_fields__}
    status = TaskStatus(
        **{**fields, "task_id": "t", "state": "failed", "raw_state": "fail", "fail_code": "²"}
    )
    assert failure_cause(status) == "generation_failed"


async def test_admin_user_search_reads_ascii_digits_only(db):
    from persistence import users

    await users.touch(db, 123, "digits", "D", "ru")
    assert (await users.find_user(db, "123"))["id"] == 123
    assert await users.find_user(db, "²") is None
    assert await users.find_user(db, "١٢٣") is None
