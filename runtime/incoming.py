"""Telegram update → flows.Incoming: the one place that reads Telegram's update shapes."""

from __future__ import annotations

import datetime as dt

from flows.broadcast.entities import FORMATTING, TextEntity, to_html
from flows.incoming import Incoming, MediaInput, PaymentInfo
from persistence.users import UserRow
from runtime.updates import TgMessage, TgUpdate, TgUser

_BLOCKED = {"kicked", "left"}


def actor_of(update: TgUpdate) -> TgUser | None:
    if update.message is not None:
        return update.message.from_
    if update.callback_query is not None:
        return update.callback_query.from_
    if update.my_chat_member is not None:
        return update.my_chat_member.from_
    if update.pre_checkout_query is not None:
        return update.pre_checkout_query.from_
    if update.inline_query is not None:
        return update.inline_query.from_
    return None


def to_incoming(
    update: TgUpdate, user: UserRow, admin_ids: tuple[int, ...], *, now: dt.datetime, entropy: str
) -> Incoming | None:
    base = {
        "user_id": user.id,
        "lang": user.language,
        "is_admin": user.id in admin_ids,
        "username": user.username,
        "now": now,
        "entropy": entropy,
    }
    if update.callback_query is not None:
        cq = update.callback_query
        message = cq.message
        return Incoming(
            kind="callback",
            chat_id=message.chat.id if message else user.id,
            chat_type=message.chat.type if message else "private",
            callback_id=cq.id,
            callback_data=cq.data,
            message_id=message.message_id if message else None,
            **base,
        )
    if update.my_chat_member is not None:
        member = update.my_chat_member
        status = member.new_chat_member.status if member.new_chat_member else ""
        return Incoming(
            kind="blocked" if status in _BLOCKED else "unblocked",
            chat_id=member.chat.id,
            chat_type=member.chat.type,
            **base,
        )
    if update.pre_checkout_query is not None:
        query = update.pre_checkout_query
        payment = PaymentInfo(query.currency, query.total_amount, query.invoice_payload, query_id=query.id)
        return Incoming(kind="pre_checkout", chat_id=user.id, payment=payment, **base)
    if update.message is not None:
        return _from_message(update.message, base)
    if update.inline_query is not None:
        query = update.inline_query
        return Incoming(
            kind="inline",
            chat_id=user.id,
            chat_type="inline",
            text=query.query,
            inline_query_id=query.id,
            **base,
        )
    return None


def _html(text: str, entities: list[TextEntity] | None) -> str | None:
    if not entities or not any(e.type in FORMATTING for e in entities):
        return None
    return to_html(text, entities)


def _from_message(message: TgMessage, base: dict) -> Incoming:
    common = {"chat_id": message.chat.id, "chat_type": message.chat.type, **base}
    paid = message.successful_payment
    if paid is not None:
        expires = paid.subscription_expiration_date
        payment = PaymentInfo(
            paid.currency,
            paid.total_amount,
            paid.invoice_payload,
            charge_id=paid.telegram_payment_charge_id,
            is_recurring=paid.is_recurring,
            is_first_recurring=paid.is_first_recurring,
            subscription_expiration=dt.datetime.fromtimestamp(expires, dt.UTC) if expires else None,
        )
        return Incoming(kind="payment", payment=payment, **common)
    text = message.text
    if text is not None:
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            command = head[1:].split("@", 1)[0].lower()
            return Incoming(kind="command", command=command, args=args.strip(), text=text, **common)
        return Incoming(kind="text", text=text, html=_html(text, message.entities), **common)
    media = _media_of(message)
    if media is not None:
        caption = message.caption
        html = _html(caption, message.caption_entities) if caption else None
        return Incoming(kind="media", media=media, text=caption, html=html, **common)
    other = next(
        (name for name in ("sticker", "location", "contact") if getattr(message, name) is not None),
        "unsupported",
    )
    return Incoming(kind="other", other=other, **common)


def _media_of(message: TgMessage) -> MediaInput | None:
    group = message.media_group_id
    if message.photo:
        # Telegram sends several sizes of one photo; the last is the largest.
        best = message.photo[-1]
        return MediaInput("photo", best.file_id, best.file_size, "image/jpeg", None, group)
    for kind in ("video", "audio", "voice", "animation", "video_note", "document"):
        item = getattr(message, kind)
        if item is not None:
            return MediaInput(
                kind, item.file_id, item.file_size, item.mime_type, item.file_name, group, item.duration
            )
    return None
