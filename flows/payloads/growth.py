"""Callback payloads of referrals (`rf:`) and promo codes (`pr:`)."""

from __future__ import annotations

from flows.routing.payloads import Payload


class OpenInvite(Payload, frozen=True):
    prefix = "rf:open"


class AskPromo(Payload, frozen=True):
    prefix = "pr:ask"


class AdminPromos(Payload, frozen=True):
    prefix = "pr:adm"
