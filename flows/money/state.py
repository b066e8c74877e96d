"""The typed state of the money conversations kept in the session: a top-up in progress and the
admin panel's pending question. Their charts are in flows/money/charts.py."""

from __future__ import annotations

from typing import Literal

import msgspec

from flows.wizard.snapshot import WizardSnapshot

TopupStep = Literal["amount", "stars", "details", "sent"]


class Screenshot(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    file_id: str
    kind: Literal["photo", "document"]


class TopupFlow(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="flow", tag="topup"):
    step: TopupStep = "amount"
    topup_id: str | None = None
    amount_kopecks: int | None = None
    screenshot: Screenshot | None = None
    # The confirm step the user left for a top-up: everything they entered comes back on return.
    resume: WizardSnapshot | None = None


AdminAsk = Literal["user", "job", "reject", "adjust", "confirm"]


class Adjustment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    user_id: int
    amount_kopecks: int  # + credit, - debit
    reason: str
    key: str


class AdminFlow(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="flow", tag="admin"):
    # What the panel waits for the admin to type (None: nothing, buttons only).
    ask: AdminAsk | None = None
    topup_id: str | None = None  # ask == "reject": the request being rejected
    user_id: int | None = None  # ask == "adjust": whose balance
    sign: Literal[1, -1] = 1  # ask == "adjust": credit or debit
    adjustment: Adjustment | None = None  # ask == "confirm": waiting for the admin's ✅
