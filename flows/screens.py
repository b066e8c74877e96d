"""Screens are data: what the user should see, with no knowledge of how Telegram draws it.

Flows return these values; one renderer (integrations/telegram) turns them into Bot API calls, and
snapshot tests cover them without Telegram.
"""

from __future__ import annotations

from typing import Literal

import msgspec

MediaKind = Literal["photo", "video", "audio", "animation", "document", "voice"]


class Button(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: str
    # Exactly one of these is set: callback data (1..64 bytes) or an external link.
    data: str | None = None
    url: str | None = None


class Media(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: MediaKind
    # A URL Telegram can fetch, or a file_id already on Telegram.
    source: str
    caption: str | None = None


class Screen(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One message the user sees. `text` is HTML (parse_mode=HTML); keyboards are rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    media: tuple[Media, ...] = ()

    def button_texts(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]


def grid(
    buttons: list[Button], *, widths: tuple[tuple[int, int], ...], measure: list[str] | None = None
) -> list[tuple[Button, ...]]:
    """Rows sized to the labels, in order: `widths` pairs (label length up to, buttons a row), the
    first that fits a label says how much of a row it takes (longer labels take a whole row); a row
    is filled while its buttons fit. `measure`: the labels to size by (without the mark of the
    current value, so choosing another option does not reflow the keyboard)."""
    row_units = 12  # divisible by 1, 2, 3 and 4 buttons a row
    rows: list[tuple[Button, ...]] = []
    current: list[Button] = []
    used = 0
    for button, label in zip(buttons, measure or [b.text for b in buttons], strict=True):
        per_row = next((count for limit, count in widths if len(label) <= limit), 1)
        cost = row_units // per_row
        if current and used + cost > row_units:
            rows.append(tuple(current))
            current, used = [], 0
        current.append(button)
        used += cost
    if current:
        rows.append(tuple(current))
    return rows


# --- What the runtime must do after an update (stored with the update, sent after the commit) ---


class SendScreen(msgspec.Struct, frozen=True, tag="send", forbid_unknown_fields=True):
    chat_id: int
    screen: Screen
    # A control message is the one the wizard keeps editing; its id is remembered in the session.
    control: bool = True


class EditScreen(msgspec.Struct, frozen=True, tag="edit", forbid_unknown_fields=True):
    chat_id: int
    message_id: int
    screen: Screen


class AnswerCallback(msgspec.Struct, frozen=True, tag="answer", forbid_unknown_fields=True):
    callback_query_id: str
    text: str | None = None
    alert: bool = False


class SendFile(msgspec.Struct, frozen=True, tag="file", forbid_unknown_fields=True):
    """A file already on Telegram, sent again by its file_id (a stored result, a payment screenshot)."""

    chat_id: int
    kind: MediaKind
    file_id: str
    caption: str | None = None


class SendDocument(msgspec.Struct, frozen=True, tag="document", forbid_unknown_fields=True):
    """A file made by the bot (the ledger's CSV export, flows/margin), uploaded with sendDocument
    (multipart). `content` is text, sent as UTF-8."""

    chat_id: int
    filename: str
    content: str
    caption: str | None = None


# --- Telegram Stars (flows/money/stars.py) ---


class SendInvoice(msgspec.Struct, frozen=True, tag="invoice", forbid_unknown_fields=True):
    """A Stars invoice: currency XTR, no provider token, one price; payload is the order id."""

    chat_id: int
    title: str
    description: str
    payload: str
    label: str
    stars: int


class SendPlanInvoice(msgspec.Struct, frozen=True, tag="plan_invoice", forbid_unknown_fields=True):
    """A Stars subscription: the renderer makes the invoice link (createInvoiceLink with
    subscription_period) and sends `screen` with a first button `button` opening that link."""

    chat_id: int
    title: str
    description: str
    payload: str
    label: str
    stars: int
    period_seconds: int
    button: str
    screen: Screen


class EditStarSubscription(
    msgspec.Struct, frozen=True, tag="edit_star_subscription", forbid_unknown_fields=True
):
    """editUserStarSubscription: cancel (or re-enable) the renewals of a user's Stars subscription."""

    user_id: int
    charge_id: str
    is_canceled: bool


class AnswerPreCheckout(msgspec.Struct, frozen=True, tag="pre_checkout", forbid_unknown_fields=True):
    query_id: str
    ok: bool
    error_message: str | None = None


class RefundStarPayment(msgspec.Struct, frozen=True, tag="refund_stars", forbid_unknown_fields=True):
    user_id: int
    charge_id: str


# --- Inline mode (`@bot kling` in any chat, flows/menus/inline.py) ---


class InlineArticle(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One result: a message the user can send to a chat, with a button that opens the bot at
    `/start <start>` (the renderer knows the bot's username and makes the t.me link)."""

    id: str
    title: str
    description: str
    text: str  # HTML
    button: str
    start: str  # the deep-link parameter, e.g. "m-kling-2-6-text-to-video"


class AnswerInlineQuery(msgspec.Struct, frozen=True, tag="inline", forbid_unknown_fields=True):
    query_id: str
    articles: tuple[InlineArticle, ...] = ()
    cache_time: int = 300
    # Answers depend on the user's language, so Telegram must not share them between users.
    personal: bool = True


# --- 💬 Тексты (flows/chat) ---


class RunChatTurn(msgspec.Struct, frozen=True, tag="run_chat_turn", forbid_unknown_fields=True):
    """Run the pending chat answer with this hold key (flows/chat/turn.py): the runtime streams it to
    Telegram after the commit, while the update stays in progress, so the chat's next message waits."""

    key: str
    chat_id: int


Action = (
    SendScreen
    | EditScreen
    | AnswerCallback
    | SendFile
    | SendDocument
    | SendInvoice
    | AnswerPreCheckout
    | RefundStarPayment
    | AnswerInlineQuery
    | RunChatTurn
    | SendPlanInvoice
    | EditStarSubscription
)
