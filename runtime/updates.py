"""Telegram update types: only the fields TRT reads, decoded with msgspec (Telegram adds fields freely,
so unknown fields are ignored here, unlike our own data types)."""

from __future__ import annotations

import msgspec

from flows.broadcast.entities import TextEntity


class TgUser(msgspec.Struct, frozen=True):
    id: int
    is_bot: bool = False
    first_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class TgChat(msgspec.Struct, frozen=True):
    id: int
    type: str = "private"


class TgFile(msgspec.Struct, frozen=True):
    file_id: str
    file_unique_id: str | None = None
    file_size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None
    duration: int | None = None
    width: int | None = None
    height: int | None = None


class TgSuccessfulPayment(msgspec.Struct, frozen=True):
    currency: str
    total_amount: int
    invoice_payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str | None = None
    subscription_expiration_date: int | None = None
    is_recurring: bool = False
    is_first_recurring: bool = False


class TgMessage(msgspec.Struct, frozen=True):
    message_id: int
    chat: TgChat
    date: int = 0
    from_: TgUser | None = msgspec.field(default=None, name="from")
    text: str | None = None
    caption: str | None = None
    entities: list[TextEntity] | None = None
    caption_entities: list[TextEntity] | None = None
    photo: list[TgFile] | None = None
    video: TgFile | None = None
    audio: TgFile | None = None
    voice: TgFile | None = None
    video_note: TgFile | None = None
    animation: TgFile | None = None
    document: TgFile | None = None
    sticker: dict | None = None
    location: dict | None = None
    contact: dict | None = None
    media_group_id: str | None = None
    successful_payment: TgSuccessfulPayment | None = None


class TgCallbackQuery(msgspec.Struct, frozen=True):
    id: str
    from_: TgUser = msgspec.field(name="from")
    data: str | None = None
    message: TgMessage | None = None


class TgPreCheckoutQuery(msgspec.Struct, frozen=True):
    id: str
    from_: TgUser = msgspec.field(name="from")
    currency: str
    total_amount: int
    invoice_payload: str


class TgInlineQuery(msgspec.Struct, frozen=True):
    id: str
    from_: TgUser = msgspec.field(name="from")
    query: str = ""
    offset: str = ""


class TgChatMemberStatus(msgspec.Struct, frozen=True):
    status: str


class TgMyChatMember(msgspec.Struct, frozen=True):
    chat: TgChat
    from_: TgUser = msgspec.field(name="from")
    new_chat_member: TgChatMemberStatus | None = None


class TgMessageGenerationStopped(msgspec.Struct, frozen=True):
    """The user pressed stop on a streamed draft (sendMessageDraft with can_stop)."""

    chat: TgChat
    draft_id: int = 0


class TgUpdate(msgspec.Struct, frozen=True):
    update_id: int
    message: TgMessage | None = None
    callback_query: TgCallbackQuery | None = None
    pre_checkout_query: TgPreCheckoutQuery | None = None
    my_chat_member: TgMyChatMember | None = None
    inline_query: TgInlineQuery | None = None
    stopped_message_generation: TgMessageGenerationStopped | None = None


# The update kinds TRT handles; also what setWebhook/getUpdates ask Telegram for.
ALLOWED_UPDATES = (
    "message",
    "callback_query",
    "pre_checkout_query",
    "my_chat_member",
    "inline_query",
    "stopped_message_generation",
)

_decode_update = msgspec.json.Decoder(TgUpdate).decode


class UpdateHead(msgspec.Struct, frozen=True):
    update_id: int
    kind: str
    chat_key: int
    # For flood control (runtime/flood.py): who sent it, when it may be dropped at all (never money or
    # a block), and how to answer "slow down" (a callback is answered, a message gets a message).
    user_id: int | None = None
    limited: bool = False
    callback_id: str | None = None
    language_code: str | None = None
    # A button's data: ❌ Остановить is acted on when it is stored (runtime/chat/stop.py).
    callback_data: str | None = None


class MalformedUpdate(ValueError):
    """The body is not a Telegram update (bad JSON, or no integer update_id)."""


def parse_update(raw: bytes) -> TgUpdate:
    try:
        return _decode_update(raw)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise MalformedUpdate(str(exc)) from exc


def head_of(update: TgUpdate) -> UpdateHead | None:
    """Kind and ordering key of an update TRT handles; None for kinds it ignores (edited_message, …)."""
    if update.message is not None:
        message = update.message
        sender = message.from_
        return UpdateHead(
            update.update_id,
            "message",
            message.chat.id,
            user_id=sender.id if sender is not None else None,
            limited=sender is not None and message.successful_payment is None,
            language_code=sender.language_code if sender is not None else None,
        )
    if update.callback_query is not None:
        cq = update.callback_query
        key = cq.message.chat.id if cq.message is not None else cq.from_.id
        return UpdateHead(
            update.update_id,
            "callback_query",
            key,
            user_id=cq.from_.id,
            limited=True,
            callback_id=cq.id,
            language_code=cq.from_.language_code,
            callback_data=cq.data,
        )
    if update.pre_checkout_query is not None:
        return UpdateHead(update.update_id, "pre_checkout_query", update.pre_checkout_query.from_.id)
    if update.my_chat_member is not None:
        return UpdateHead(update.update_id, "my_chat_member", update.my_chat_member.chat.id)
    if update.inline_query is not None:
        # Ordered with the user's private chat (its key is the user's id): an inline query reads the
        # user's language and nothing else, and never changes the chat's state.
        sender = update.inline_query.from_
        return UpdateHead(
            update.update_id,
            "inline_query",
            sender.id,
            user_id=sender.id,
            limited=True,
            language_code=sender.language_code,
        )
    if update.stopped_message_generation is not None:
        stopped = update.stopped_message_generation
        return UpdateHead(update.update_id, "stopped_message_generation", stopped.chat.id)
    return None


def convert_update(payload: dict) -> TgUpdate:
    return msgspec.convert(payload, TgUpdate)
