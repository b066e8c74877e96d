"""The ledger's bonus operations and the audit of bonuses, on a real PostgreSQL."""

from __future__ import annotations

import pytest

from persistence import ledger, users


async def test_bonus_kinds_signs_and_the_audit_of_bonuses(db):
    await users.touch(db, 8101, "anna", "Anna", "ru")
    await ledger.credit_topup(db, 8101, 100_00, "T-AAAAAA", "transfer")
    given = await ledger.bonus(db, 8101, 10_00, "referral_bonus", "ref:T-AAAAAA", "referral", note="T-AAAAAA")
    again = await ledger.bonus(db, 8101, 10_00, "referral_bonus", "ref:T-AAAAAA", "referral", note="T-AAAAAA")
    assert given.applied and not again.applied
    assert (await ledger.balance(db, 8101)).available == 110_00
    with pytest.raises(ledger.LedgerError):
        await ledger.bonus(db, 8101, -1_00, "referral_bonus", "x", "referral")
    with pytest.raises(ledger.LedgerError):
        await ledger.bonus(db, 8101, 1_00, "adjustment", "x", "referral")
    with pytest.raises(ledger.InsufficientFunds):
        await ledger.bonus(db, 8101, -200_00, "referral_bonus_reversal", "rev", "refund", note="T-AAAAAA")
    assert await ledger.audit(db) == []
    # Taking back more than was given, or a bonus on a top-up that does not exist, is reported.
    await ledger.bonus(
        db, 8101, -11_00, "referral_bonus_reversal", "referral-rev:T-AAAAAA", "refund", note="T-AAAAAA"
    )
    await ledger.bonus(db, 8101, 1_00, "promo_bonus", "welcome:8101", "welcome", note="T-NOPE00")
    problems = await ledger.audit(db)
    assert len(problems) == 2, problems
    assert any("T-AAAAAA" in p and "net -100" in p for p in problems)
    assert any("T-NOPE00" in p and "no such top-up" in p for p in problems)
