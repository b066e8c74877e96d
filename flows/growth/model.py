"""Referrals' and promo codes' data: the views the runtime loads, the rules from the pricing policy,
the effects the flows decide, and the pure checks (a code's shape, why a promo code is refused)."""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from flows.views import PromoLookup, PromoView

# `/start r-<code>`: the deep link of an invite (the router's argument prefix, like `m-<slug>`).
REF_PREFIX = "r-"
REF_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{8}$")
PROMO_CODE = re.compile(r"^[A-Z0-9_-]{3,32}$")


def ref_code(args: str) -> str | None:
    """The invite code of `/start r-<code>` (case-insensitive), or None when it cannot be one."""
    code = args[len(REF_PREFIX) :].strip().upper() if args.startswith(REF_PREFIX) else ""
    return code if REF_CODE.match(code) else None


def promo_code(text: str) -> str:
    """A promo code as typed ("spring25 ", "/promo Spring25"): upper-cased, at most 32 characters."""
    return text.strip().upper()[:32]


class GrowthRules(msgspec.Struct, frozen=True):
    referral_percent: int = 10  # of each paid top-up of an invitee, floored to a kopeck
    referral_days: int = 90  # … during this many days after the invitee was bound
    welcome_kopecks: int = 0  # the invitee's bonus on their first paid top-up


def rules_of(policy: object) -> GrowthRules:
    if policy is None:
        return GrowthRules()
    return GrowthRules(
        referral_percent=getattr(policy, "referral_percent", 10),
        referral_days=getattr(policy, "referral_days", 90),
        welcome_kopecks=getattr(policy, "referral_welcome_rub", 0) * 100,
    )


def share(amount_kopecks: int, percent: int) -> int:
    """A percent of an amount, floored to a whole kopeck (never more than promised)."""
    return amount_kopecks * percent // 100


Refusal = Literal["unknown", "expired", "used_up", "already", "new_only", "too_many"]

# Guessing is slowed down: after this many unknown codes in an hour every code gets the same answer.
PROMO_MISSES_PER_HOUR = 10


def refusal(lookup: PromoLookup) -> Refusal | None:
    """Why this user may not use this code now, or None. The database's clock decides expiry."""
    promo = lookup.promo
    if lookup.misses >= PROMO_MISSES_PER_HOUR:
        return "too_many"
    if promo is None:
        return "unknown"
    if lookup.used_by_user:
        return "already"
    if promo.expires_at is not None and promo.expires_at <= lookup.now:
        return "expired"
    if promo.max_uses is not None and promo.used >= promo.max_uses:
        return "used_up"
    if promo.new_users_only and lookup.topped_up:
        return "new_only"
    return None


# --- effects (runtime/growth.py applies them in the update's transaction) ----------------------------


class BindReferral(msgspec.Struct, frozen=True, tag="growth.bind"):
    invitee_id: int
    inviter_id: int


class RedeemPromo(msgspec.Struct, frozen=True, tag="growth.redeem"):
    code: str
    user_id: int
    credit_kopecks: int  # fixed codes: credited now; 0 for a % code (pending until the next top-up)


class RecordPromoMiss(msgspec.Struct, frozen=True, tag="growth.miss"):
    user_id: int


class CreatePromo(msgspec.Struct, frozen=True, tag="growth.create"):
    promo: PromoView
    admin_id: int


class EndPromo(msgspec.Struct, frozen=True, tag="growth.end"):
    """Nobody can redeem the code from now on; who already did keeps it (a pending % still applies)."""

    code: str


GROWTH_EFFECTS = (BindReferral, RedeemPromo, RecordPromoMiss, CreatePromo, EndPromo)
DEFAULT_RULES = GrowthRules()
