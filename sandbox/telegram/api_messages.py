"""The Bot API methods on messages (``_api_<methodName>``): getMe, the sends, invoices and invoice links,
Star subscriptions, edits, deletes and callback answers.
"""

from __future__ import annotations

from typing import Any

from sandbox.telegram.formatting import _format_text
from sandbox.telegram.wire import (
    _MEDIA_FIELDS,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_TEXT_LENGTH,
    SUBSCRIPTION_PERIOD,
    _bad,
)


class _MessageMethods:
    """Bot API methods on messages, payments and callbacks."""

    # ---- Bot API methods (``_api_<methodName>``) ----------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send(params, lambda message: self._apply_text(message, params))

    def _api_sendMessageDraft(self, params: dict[str, Any]) -> bool:
        # A streamed preview (private chats): empty text shows "Thinking…"; nothing is stored as a message.
        chat_id = self._chat_id(params)
        if not isinstance(params.get("draft_id"), int) or params["draft_id"] == 0:
            raise _bad("draft_id must be a non-zero integer")
        text, entities = _format_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        self.drafts[chat_id] = {"draft_id": params["draft_id"], "text": text, "entities": entities}
        return True

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("photo", params)

    def _api_sendVideo(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("video", params)

    def _api_sendAudio(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("audio", params)

    def _api_sendAnimation(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("animation", params)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("document", params)

    def _api_sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("voice", params)

    def _api_sendVideoNote(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("video_note", params)

    def _api_sendSticker(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media("sticker", params)

    def _api_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = self._chat_id(params)
        media = params.get("media")
        if not isinstance(media, list):
            raise _bad("can't parse media JSON object")
        if len(media) < 2:
            raise _bad("MEDIA_GROUP_INVALID: too few media in the album")
        if len(media) > 10:
            raise _bad("too many messages to send as an album")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if len(kinds & {"audio", "document"}) and len(kinds) > 1:
            raise _bad("MEDIA_GROUP_INVALID: audio and documents can't be mixed with other media types")
        group_id = str(next(self._media_group_seq))
        messages = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "video", "audio", "document"):
                raise _bad("MEDIA_INVALID")
            message = self._new_message(chat_id)
            message["media_group_id"] = group_id
            self._apply_caption(message, item)
            message[kind] = self._media_object(kind, item.get("media"), item)
            if item.get("has_spoiler"):
                message["has_media_spoiler"] = True
            messages.append(message)
        for message in messages:
            self._store(chat_id, message)
        return messages

    def _api_sendInvoice(self, params: dict[str, Any]) -> dict[str, Any]:
        for key in ("title", "description", "currency"):
            if not params.get(key):
                raise _bad(f"parameter {key!r} is required")
        payload = str(params.get("payload") or "")
        if not 1 <= len(payload.encode()) <= 128:
            raise _bad("INVOICE_PAYLOAD_INVALID")
        prices = params.get("prices")
        if not isinstance(prices, list) or not prices:
            raise _bad("can't parse prices JSON object")
        if params["currency"] == "XTR" and (len(prices) != 1 or params.get("provider_token")):
            raise _bad("STARS_INVOICE_INVALID")
        total = sum(int(price.get("amount", 0)) for price in prices)
        if total <= 0:
            raise _bad("CURRENCY_TOTAL_AMOUNT_INVALID")

        def build(message: dict[str, Any]) -> None:
            message["invoice"] = {
                "title": params["title"],
                "description": params["description"],
                "start_parameter": params.get("start_parameter", ""),
                "currency": params["currency"],
                "total_amount": total,
            }

        return self._send(params, build)

    def _api_createInvoiceLink(self, params: dict[str, Any]) -> str:
        payload = str(params.get("payload") or "")
        if not 1 <= len(payload.encode()) <= 128:
            raise _bad("INVOICE_PAYLOAD_INVALID")
        prices = params.get("prices")
        if not isinstance(prices, list) or not prices:
            raise _bad("can't parse prices JSON object")
        total = sum(int(price.get("amount", 0)) for price in prices)
        if params.get("currency") == "XTR" and (len(prices) != 1 or params.get("provider_token")):
            raise _bad("STARS_INVOICE_INVALID")
        period = params.get("subscription_period")
        if period is not None:
            # Subscriptions: Stars only, exactly 30 days, at most 10000 Stars a period.
            if period != SUBSCRIPTION_PERIOD or params.get("currency") != "XTR":
                raise _bad("SUBSCRIPTION_PERIOD_INVALID")
            if total > 10_000:
                raise _bad("SUBSCRIPTION_PRICE_INVALID")
        link = f"https://t.me/$FakeInvoice{next(self._seq):08d}"
        self.invoice_links[link] = {**params, "total_amount": total}
        return link

    def _api_editUserStarSubscription(self, params: dict[str, Any]) -> bool:
        if not isinstance(params.get("user_id"), int) or not params.get("telegram_payment_charge_id"):
            raise _bad("CHARGE_ID_INVALID")
        if not isinstance(params.get("is_canceled"), bool):
            raise _bad("parameter 'is_canceled' is required")
        key = (params["user_id"], params["telegram_payment_charge_id"])
        if params["is_canceled"]:
            self.canceled_subscriptions.add(key)
        else:
            self.canceled_subscriptions.discard(key)
        return True

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        def change(message: dict[str, Any]) -> None:
            if "text" not in message:
                raise _bad("there is no text in the message to edit")
            message.pop("entities", None)
            message.pop("link_preview_options", None)
            self._apply_text(message, params)

        return self._edit(params, change)

    def _api_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        def change(message: dict[str, Any]) -> None:
            if "text" in message:
                raise _bad("there is no caption in the message to edit")
            self._apply_caption(message, params)

        return self._edit(params, change)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        return self._edit(params, lambda message: None)

    def _api_editMessageMedia(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") not in (
            "photo",
            "video",
            "audio",
            "document",
            "animation",
        ):
            raise _bad("can't parse InputMedia JSON object")

        def change(message: dict[str, Any]) -> None:
            if "text" in message:
                raise _bad("there is no media in the message to edit")
            for key in _MEDIA_FIELDS:
                message.pop(key, None)
            kind = media["type"]
            self._apply_caption(message, media)
            message[kind] = self._media_object(kind, media.get("media"), media)

        return self._edit(params, change)

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        if (chat_id, message_id) in self._deleted:
            raise _bad("message to delete not found")
        self._deleted.add((chat_id, message_id))
        # Messages the fake never saw (the user's own) are deletable too, as in a private chat.
        self.messages.get(chat_id, {}).pop(message_id, None)
        return True

    def _api_deleteMessages(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        for message_id in params.get("message_ids") or []:
            self._deleted.add((chat_id, message_id))
            self.messages.get(chat_id, {}).pop(message_id, None)
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise _bad("QUERY_ID_INVALID")
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        return True
