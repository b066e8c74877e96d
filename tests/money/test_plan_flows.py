"""Stars packs and the monthly plan as pure decisions: the kopeck arithmetic and the refund window."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from flows.context import FlowContext
from flows.money.plan import refundable, renewing
from flows.money.stars import pack_value
from flows.views import PlanView
from tests.flows.driver import POLICY

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def ctx(**policy) -> FlowContext:
    return FlowContext(
        support_text="", support_telegram="@s", policy=msgspec.structs.replace(POLICY, **policy)
    )


def test_pack_values_are_exact_kopecks_rounded_down():
    c = ctx(stars_per_rub=0.77, stars_packs=(100, 500, 1000), stars_pack_bonus_percent=(0, 5, 10))
    assert pack_value(100, c) == (100, 129_87, 0)
    assert pack_value(500, c) == (500, 649_35, 32_46)
    assert pack_value(1000, c).total_kopecks == 1_298_70 + 129_87
    assert pack_value(250, c) is None  # not offered
    # No float drift: 3 ⭐ at 0.03 ⭐/₽ is exactly 100 ₽.
    assert (
        pack_value(3, ctx(stars_per_rub=0.03, stars_packs=(3,), stars_pack_bonus_percent=(0,))).value_kopecks
        == 100_00
    )


def test_the_policy_needs_one_bonus_per_pack():
    with pytest.raises(msgspec.ValidationError, match="one value per pack"):
        msgspec.convert({**msgspec.to_builtins(POLICY), "stars_pack_bonus_percent": [0]}, type(POLICY))


def _plan(**kw) -> PlanView:
    base = dict(
        status="active",
        paid_until=NOW + dt.timedelta(days=30),
        active=True,
        periods=1,
        last_order_id="S-AAAAAA",
        last_charge_id="c1",
        last_amount_kopecks=650_00,
        last_stars=500,
        last_status="paid",
        last_paid_at=NOW,
    )
    return PlanView(**{**base, **kw})


def test_refund_window_and_renewing():
    c = ctx(plan_refund_hours=48)
    assert refundable(_plan(), NOW + dt.timedelta(hours=48), c)
    assert not refundable(_plan(), NOW + dt.timedelta(hours=48, seconds=1), c)
    assert not refundable(_plan(last_status="refunded"), NOW, c)
    assert not refundable(_plan(status="refunded"), NOW, c)
    assert not refundable(None, NOW, c)
    assert renewing(_plan()) and not renewing(_plan(status="canceled")) and not renewing(_plan(active=False))
