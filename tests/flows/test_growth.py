"""Referrals and promo codes, the pure parts: the invite code of a deep link, the admin's promo syntax,
why a code is refused (in the order a user needs to hear it), the share floored to a kopeck."""

from __future__ import annotations

import datetime as dt

from flows.growth.model import PromoLookup, PromoView, ref_code, refusal, share
from flows.growth.routes import invite_link, parse_new_promo

NOW = dt.datetime(2026, 5, 12, 11, 0, tzinfo=dt.UTC)


def test_ref_code_of_a_deep_link():
    assert ref_code("r-7k2f9qab") == "7K2F9QAB"
    assert ref_code("r-7K2F9QA") is None  # 7 characters
    assert ref_code("r-7K2F9QAU") is None  # U is not Crockford
    assert ref_code("m-z-image") is None
    assert invite_link("trt_bot", "7K2F9QAB") == "https://t.me/trt_bot?start=r-7K2F9QAB"


def test_parse_new_promo():
    fixed = parse_new_promo("spring 150,50 uses=3 days=2 new", NOW)
    assert isinstance(fixed, PromoView)
    assert (fixed.code, fixed.kind, fixed.amount_kopecks, fixed.percent) == ("SPRING", "fixed", 150_50, None)
    assert (fixed.max_uses, fixed.expires_at, fixed.new_users_only) == (3, NOW + dt.timedelta(days=2), True)
    percent = parse_new_promo("PLUS 15%", NOW)
    assert isinstance(percent, PromoView) and (percent.kind, percent.percent) == ("percent", 15)
    assert percent.max_uses is None and percent.expires_at is None
    assert parse_new_promo("X", NOW) == "growth.admin_bad_syntax"
    assert parse_new_promo("AB 10", NOW) == "growth.admin_bad_code"
    assert parse_new_promo("ГОД 10", NOW) == "growth.admin_bad_code"
    assert parse_new_promo("CODE 0", NOW) == "growth.admin_bad_value"
    assert parse_new_promo("CODE 101%", NOW) == "growth.admin_bad_value"
    assert parse_new_promo("CODE ten", NOW) == "growth.admin_bad_value"
    assert parse_new_promo("CODE 10 uses=0", NOW) == "growth.admin_bad_value"
    assert parse_new_promo("CODE 10 forever", NOW) == "growth.admin_bad_syntax"


def _promo(**kw) -> PromoView:
    base = dict(
        code="C",
        kind="fixed",
        amount_kopecks=100,
        percent=None,
        max_uses=None,
        used=0,
        expires_at=None,
        new_users_only=False,
    )
    return PromoView(**{**base, **kw})


def _why(promo: PromoView | None, used_by_user: bool = False, topped_up: bool = False):
    return refusal(PromoLookup("C", promo, used_by_user, topped_up, NOW))


def test_refusals():
    assert _why(None) == "unknown"
    assert _why(_promo()) is None
    assert _why(_promo(expires_at=NOW)) == "expired"
    assert _why(_promo(expires_at=NOW + dt.timedelta(seconds=1))) is None
    assert _why(_promo(max_uses=2, used=2)) == "used_up"
    assert _why(_promo(max_uses=2, used=1)) is None
    assert _why(_promo(max_uses=1, used=1), used_by_user=True) == "already"
    assert _why(_promo(new_users_only=True), topped_up=True) == "new_only"
    assert _why(_promo(new_users_only=True)) is None


def test_guessing_is_slowed_down_the_same_way_for_every_code():
    many = PromoLookup("C", _promo(), False, False, NOW, misses=10)
    assert refusal(many) == "too_many"
    assert refusal(PromoLookup("C", None, False, False, NOW, misses=10)) == "too_many"
    assert refusal(PromoLookup("C", _promo(), False, False, NOW, misses=9)) is None


def test_share_is_floored_to_a_kopeck():
    assert share(333_33, 10) == 33_33
    assert share(333_33, 15) == 49_99
    assert share(9, 10) == 0
