"""Callback payloads of the money section: balance, history, top-ups, Stars, the admin panel."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from flows.routing.payloads import Payload

RequestId = Annotated[str, Meta(max_length=8, pattern=r"^R-[0-9A-HJKMNP-TV-Z]{6}$")]
TopupCode = Annotated[str, Meta(max_length=8, pattern=r"^T-[0-9A-HJKMNP-TV-Z]{6}$")]
OrderCode = Annotated[str, Meta(max_length=8, pattern=r"^S-[0-9A-HJKMNP-TV-Z]{6}$")]
UserId = Annotated[int, Meta(ge=1, le=10**15)]
Kopecks = Annotated[int, Meta(ge=1, le=10**9)]


class OpenBalance(Payload, frozen=True):
    prefix = "m:balance"


class OpenHistory(Payload, frozen=True):
    prefix = "m:history"


class HistoryItem(Payload, frozen=True):
    prefix = "h"
    request_id: RequestId


class StartTopup(Payload, frozen=True):
    prefix = "top:start"


class TopupAmount(Payload, frozen=True):
    prefix = "top:a"
    kopecks: Kopecks


class TopupPaid(Payload, frozen=True):
    prefix = "top:paid"
    code: TopupCode


class TopupCancel(Payload, frozen=True):
    prefix = "top:x"
    code: TopupCode


class TopupStars(Payload, frozen=True):
    prefix = "top:stars"


class TopupResume(Payload, frozen=True):
    prefix = "top:resume"


class StarsPack(Payload, frozen=True):
    prefix = "st"
    rubles: Annotated[int, Meta(ge=1, le=10**6)]


# --- the admin panel (ADMIN_ID only) ---


class AdminHome(Payload, frozen=True):
    prefix = "adm:home"


class AdminPending(Payload, frozen=True):
    prefix = "adm:pend"


class AdminFindUser(Payload, frozen=True):
    prefix = "adm:fu"


class AdminFindJob(Payload, frozen=True):
    prefix = "adm:fj"


class AdminTopup(Payload, frozen=True):
    prefix = "adm:t"
    code: TopupCode


class AdminUser(Payload, frozen=True):
    prefix = "adm:u"
    user_id: UserId


class AdminBlock(Payload, frozen=True):
    prefix = "adm:b"
    user_id: UserId
    block: Literal[0, 1]


class AdminCredit(Payload, frozen=True):
    prefix = "adm:cr"
    user_id: UserId


class AdminDebit(Payload, frozen=True):
    prefix = "adm:db"
    user_id: UserId


class AdminAdjustConfirm(Payload, frozen=True):
    prefix = "adm:adj"
    token: Annotated[str, Meta(max_length=16, pattern=r"^[0-9a-z]+$")]


class AdminJob(Payload, frozen=True):
    prefix = "adm:j"
    request_id: RequestId


class AdminJobRefund(Payload, frozen=True):
    prefix = "adm:jr"
    request_id: RequestId


class AdminStarsRefund(Payload, frozen=True):
    prefix = "adm:sr"
    order: OrderCode


# --- decisions on a transfer request (in the request message every admin gets) ---


class DecideApprove(Payload, frozen=True):
    prefix = "tp:ok"
    code: TopupCode


class DecideReject(Payload, frozen=True):
    prefix = "tp:no"
    code: TopupCode


class DecideReason(Payload, frozen=True):
    prefix = "tp:r"
    code: TopupCode
    reason: Annotated[int, Meta(ge=0, le=9)]
