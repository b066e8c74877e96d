"""The typed state a session keeps for the flow the user is in: a wizard's snapshot, a top-up in
progress, the admin panel's open question, the dialog of 💬 Тексты. Leaves: the features import them,
not each other."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from flows.files import FileRef


class WizardSnapshot(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="flow", tag="wizard"):
    """Which model, where in its chart, what was collected."""

    model_id: str
    schema_hash: str
    state: str
    # Values as Kie expects them; files are "tgfile:<file_id>" until uploaded (or a pasted https URL).
    values: dict[str, Any] = {}
    files: dict[str, FileRef] = {}
    # Bumped on every change; buttons carry it, so a tap on an old screen is recognised as stale.
    version: int = 1
    # The last problem to show on the current step (cleared by the next successful action).
    error: str | None = None
    error_params: dict[str, Any] = {}
    request_id: str | None = None
    # (field, page) of a long option list the user paged through.
    enum_page: tuple[str, int] | None = None
    # The album whose caption filled the description: when its last part arrives, the wizard moves on.
    album_caption: str | None = None
    # A follow-up action's parent job (its request id): the job created at confirm links to it.
    parent: str | None = None


ChatStep = Literal["card", "card_modes", "dialog", "dialog_modes"]


class ChatFlow(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="flow", tag="chat"):
    """💬 Тексты: which model, where in the chat chart (flows/chat/chart.py), the mode of the next
    messages. The dialog itself (its turns, its context) lives in PostgreSQL, not here."""

    model_id: str
    step: ChatStep = "card"
    mode: str = "assistant"
    # A message the balance could not cover, kept while the user tops up and sent on return.
    kept_text: str | None = None
    kept_photos: tuple[str, ...] = ()
    # An album still arriving (Telegram sends each photo as an update of its own): its parts so far.
    album: str | None = None
    album_photos: tuple[str, ...] = ()
    album_text: str | None = None


TopupStep = Literal["amount", "stars", "details", "sent"]


class Screenshot(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    file_id: str
    kind: Literal["photo", "document"]


class TopupFlow(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="flow", tag="topup"):
    step: TopupStep = "amount"
    topup_id: str | None = None
    amount_kopecks: int | None = None
    screenshot: Screenshot | None = None
    # The confirm step (or the dialog) the user left for a top-up: everything they entered comes back
    # on return.
    resume: WizardSnapshot | ChatFlow | None = None


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


BroadcastStep = Literal["compose", "button", "audience", "review"]
BroadcastAudience = Literal["all", "active30", "paid"]


class BroadcastFlow(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="flow", tag="broadcast"
):
    """📣 Рассылка being composed by an admin (flows/broadcast/chart.py): the step, the post so far."""

    step: BroadcastStep = "compose"
    text: str | None = None  # Telegram HTML
    photo: str | None = None  # a photo's file_id (then `text` is its caption)
    button_text: str | None = None
    button_url: str | None = None
    audience: BroadcastAudience | None = None
    token: str | None = None  # the confirm button's; a tap with another one is stale


FlowState = WizardSnapshot | TopupFlow | AdminFlow | ChatFlow | BroadcastFlow
