"""The Bot API emulator with people on the other side: what the web chat of `trt demo` talks to.

`LiveTelegram` is the faithful fake (sandbox.telegram) plus what real Telegram does for a person:
it turns what they type, tap, upload and pay into updates and POSTs them to the bot's webhook in order
(retrying, as Telegram does, while the bot is down); it downloads result URLs the bot sends, like
Telegram does, but only from this machine (the demo never contacts the internet); and it tells the
page about every change a person would see (messages, edits, deletes, toasts, typing, commands, the
streamed drafts of a chat answer, with their stop button).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from sandbox import media
from sandbox.telegram import (
    DEFAULT_TOKEN,
    MAX_UPLOAD_SIZE,
    Call,
    FakeTelegram,
    Upload,
    _bad,
    make_callback_update,
    make_message_update,
    make_pre_checkout_update,
    make_stopped_generation_update,
    make_successful_payment_update,
)

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
URL_FAILED = "failed to get HTTP URL content"
# Telegram's own limits for files it downloads from a URL a bot gives it.
URL_PHOTO_LIMIT = 5 * 1024 * 1024
URL_FILE_LIMIT = 20 * 1024 * 1024
_URL_MEDIA_KEYS = ("photo", "video", "audio", "animation", "document", "voice", "video_note", "sticker")
PRE_CHECKOUT_TIMEOUT = 10.0  # Telegram waits this long for answerPreCheckoutQuery
_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


class ChatError(Exception):
    """A person's action the chat refuses (unknown message or button); `text` is shown to them."""

    def __init__(self, text: str, status: int = 400) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


@dataclass(frozen=True)
class Person:
    """Someone chatting with the bot in a private chat (chat id = user id)."""

    user_id: int
    first_name: str
    username: str | None = None
    language_code: str = "ru"


@dataclass
class _Invoice:
    payload: str
    currency: str
    total_amount: int


class LiveTelegram(FakeTelegram):
    """`people` maps a role ("user", "admin") to a Person; `listen()` gives a queue of page events."""

    def __init__(
        self,
        people: dict[str, Person],
        token: str = DEFAULT_TOKEN,
        *,
        bot_first_name: str = "TRT",
        **kwargs: Any,
    ) -> None:
        super().__init__(token, bot_first_name=bot_first_name, **kwargs)
        self.people = dict(people)
        self.bot_status = "starting"
        self._listeners: set[asyncio.Queue[dict[str, Any]]] = set()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._webhook_set = asyncio.Event()
        self._deliverer: asyncio.Task[None] | None = None
        self._fetcher: ClientSession | None = None
        self._callback_chats: dict[str, int] = {}
        self._checkouts: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.invoices: dict[tuple[int, int], _Invoice] = {}

    def reset(self) -> None:
        super().reset()
        # The bot stores every update_id it has seen (duplicates are dropped), and the demo's database
        # outlives this process: ids must keep growing across runs, so they start from the clock.
        self._update_seq = itertools.count(int(time.time() * 1000))

    async def start(self) -> None:
        await super().start()
        self._fetcher = ClientSession(timeout=ClientTimeout(total=30))
        self._deliverer = asyncio.create_task(self._deliver_forever(), name="telegram-webhook-delivery")

    async def stop(self) -> None:
        if self._deliverer is not None:
            self._deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deliverer
        if self._fetcher is not None:
            await self._fetcher.close()
        await super().stop()

    # --- the page side -----------------------------------------------------------------------------

    def listen(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        self._listeners.add(queue)
        return queue

    def unlisten(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._listeners.discard(queue)

    def publish(self, event: dict[str, Any]) -> None:
        for queue in list(self._listeners):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled page reloads its state anyway
                queue.put_nowait(event)

    def history(self, role: str) -> list[dict[str, Any]]:
        return list(self.messages.get(self.person(role).user_id, {}).values())

    def person(self, role: str) -> Person:
        try:
            return self.people[role]
        except KeyError:
            raise ChatError(f"no such chat: {role}", 404) from None

    def menu(self, role: str) -> list[dict[str, Any]]:
        """The command menu a person sees: their language's list, else the default one."""
        language = self.person(role).language_code
        return self.commands.get(f"default::{language}") or self.commands.get("default::", [])

    # --- what people do ----------------------------------------------------------------------------

    def send_text(self, role: str, text: str) -> dict[str, Any]:
        person = self.person(role)
        if not text.strip():
            raise ChatError("message text is empty")
        if len(text) > 4096:
            raise ChatError("message is too long (4096 characters at most)")
        return self._from_person(person, text=text)

    def send_files(self, role: str, files: list[Upload], caption: str | None = None) -> list[dict[str, Any]]:
        """Files from the person's computer: images as photos, videos and audio as such, the rest as
        documents; several at once become an album, as in the Telegram apps."""
        person = self.person(role)
        if not files:
            raise ChatError("no file in the request")
        group = f"{int(time.time() * 1000)}{person.user_id % 1000:03d}" if len(files) > 1 else None
        sent = []
        for index, upload in enumerate(files):
            if upload.size == 0:
                raise ChatError("file must be non-empty")
            kind, spec = self._file_spec(upload)
            sent.append(
                self._from_person(
                    person,
                    caption=caption if index == 0 and caption else None,
                    media_group_id=group,
                    **{kind: spec},
                )
            )
        return sent

    def tap(self, role: str, message_id: int, data: str) -> dict[str, Any]:
        person = self.person(role)
        message = self.messages.get(person.user_id, {}).get(message_id)
        if message is None:
            raise ChatError("message not found", 404)
        if not any(button.get("callback_data") == data for button in self.buttons(message)):
            raise ChatError("no such button under that message")
        update = make_callback_update(
            self.next_update_id(),
            person.user_id,
            data,
            message_id,
            user_id=person.user_id,
            username=person.username,
            language_code=person.language_code,
            message=message,
            bot_id=self.bot_id,
        )
        update["callback_query"]["from"]["first_name"] = person.first_name
        self._callback_chats[update["callback_query"]["id"]] = person.user_id
        self._outbox.put_nowait(update)
        return update

    async def pay(self, role: str, message_id: int) -> dict[str, Any]:
        """Pay an invoice with a click: pre_checkout_query → the bot's answer → successful_payment."""
        person = self.person(role)
        invoice = self.invoices.get((person.user_id, message_id))
        if invoice is None:
            raise ChatError("no invoice under that message", 404)
        update = make_pre_checkout_update(
            self.next_update_id(),
            person.user_id,
            payload=invoice.payload,
            total_amount=invoice.total_amount,
            currency=invoice.currency,
            username=person.username,
            language_code=person.language_code,
        )
        query_id = update["pre_checkout_query"]["id"]
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._checkouts[query_id] = answer
        self._outbox.put_nowait(update)
        try:
            params = await asyncio.wait_for(answer, PRE_CHECKOUT_TIMEOUT)
        except TimeoutError:
            raise ChatError(
                "the bot did not confirm the payment in 10 seconds; no Stars were taken", 504
            ) from None
        finally:
            self._checkouts.pop(query_id, None)
        if not params.get("ok"):
            raise ChatError(str(params.get("error_message") or "the bot declined the payment"), 402)
        message_id = self._next_id(person.user_id)
        paid = make_successful_payment_update(
            self.next_update_id(),
            person.user_id,
            payload=invoice.payload,
            total_amount=invoice.total_amount,
            currency=invoice.currency,
            message_id=message_id,
            username=person.username,
        )
        self._show(person.user_id, paid["message"])
        self._outbox.put_nowait(paid)
        return paid

    def stop_generation(self, role: str) -> dict[str, Any]:
        """The stop button on a streamed draft (sendMessageDraft with can_stop): Telegram tells the bot
        with a `stopped_message_generation` update; the draft stays until the bot's final message."""
        person = self.person(role)
        draft = self.drafts.get(person.user_id)
        if draft is None:
            raise ChatError("nothing is being written right now", 409)
        update = make_stopped_generation_update(self.next_update_id(), person.user_id, draft["draft_id"])
        self._outbox.put_nowait(update)
        self.publish({"type": "draft_stopped", "chat": person.user_id})
        return update

    def _from_person(self, person: Person, **fields: Any) -> dict[str, Any]:
        photo_size = fields["photo"].pop("_size", None) if "photo" in fields else None
        update = make_message_update(
            self.next_update_id(),
            person.user_id,
            fields.pop("text", None),
            user_id=person.user_id,
            username=person.username,
            first_name=person.first_name,
            language_code=person.language_code,
            message_id=self._next_id(person.user_id),
            **fields,
        )
        message = update["message"]
        message["chat"]["first_name"] = person.first_name
        if photo_size:
            message["photo"][-1]["width"], message["photo"][-1]["height"] = photo_size
        self._show(person.user_id, message)
        self._outbox.put_nowait(update)
        return message

    def _file_spec(self, upload: Upload) -> tuple[str, dict[str, Any]]:
        content_type = media.sniff(upload.data, upload.content_type or "application/octet-stream")
        seq = next(self._seq)
        if content_type.startswith("image/") and content_type != "image/gif":
            kind = "photo"
        elif content_type.startswith("video/"):
            kind = "video"
        elif content_type.startswith("audio/"):
            kind = "audio"
        else:
            kind = "document"
        file_id = f"{kind[:2].upper()}demo{seq:08d}{upload.size:x}"
        unique = f"AQADdemo{seq:08d}"
        extension = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
        self.add_file(file_id, upload.data, f"{kind}s/file_{seq}.{extension}", file_unique_id=unique)
        spec: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique, "file_size": upload.size}
        if kind == "photo":
            spec["_size"] = media.image_size(upload.data)
            return kind, spec
        spec["mime_type"] = content_type
        spec["file_name"] = upload.filename or f"file.{extension}"
        if kind in ("video", "audio"):
            spec["duration"] = media.duration(upload.data) or 1
        return kind, spec

    def _next_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _show(self, chat_id: int, message: dict[str, Any]) -> None:
        self._store(chat_id, message)
        self.publish({"type": "message", "chat": chat_id, "message": message})

    # --- delivery to the bot -----------------------------------------------------------------------

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        result = super()._api_setWebhook(params)
        if self.webhook_url:
            self._webhook_set.set()
            if self.bot_status == "starting":
                self._set_status("ok", "")  # the bot is up: the page stops saying "starting"
        else:
            self._webhook_set.clear()
        return result

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self._webhook_set.clear()
        return super()._api_deleteWebhook(params)

    async def _deliver_forever(self) -> None:
        while True:
            update = await self._outbox.get()
            attempt = 0
            while True:
                await self._webhook_set.wait()
                status, detail = await self._post(update)
                if status == 200:
                    self._set_status("ok", "")
                    break
                self._set_status("down", detail)
                await asyncio.sleep(_RETRY_DELAYS[min(attempt, len(_RETRY_DELAYS) - 1)])
                attempt += 1

    async def _post(self, update: dict[str, Any]) -> tuple[int, str]:
        try:
            status = await self.deliver_webhook(update)
        except (ClientError, OSError, TimeoutError) as exc:
            return 0, f"the bot's webhook is unreachable ({type(exc).__name__})"
        return status, "" if status == 200 else f"the bot's webhook answered HTTP {status}"

    def _set_status(self, status: str, detail: str) -> None:
        if (status, detail) != (self.bot_status, getattr(self, "_status_detail", "")):
            self.bot_status, self._status_detail = status, detail
            self.publish({"type": "status", "status": status, "detail": detail})

    # --- what the bot does, as a person sees it ----------------------------------------------------

    def _record(self, call: Call) -> None:
        super()._record(call)
        if call.ok:
            with contextlib.suppress(Exception):  # the page is a view: never fail the API call for it
                self._announce(call)

    def _announce(self, call: Call) -> None:
        method, params, result = call.method, call.params, call.result
        if method == "answerCallbackQuery":
            chat = self._callback_chats.pop(str(params.get("callback_query_id")), None)
            if chat is not None:
                text = params.get("text")
                self.publish(
                    {
                        "type": "toast",
                        "chat": chat,
                        "text": text or "",
                        "alert": bool(params.get("show_alert")),
                    }
                )
        elif method == "answerPreCheckoutQuery":
            answer = self._checkouts.get(str(params.get("pre_checkout_query_id")))
            if answer is not None and not answer.done():
                answer.set_result(params)
        elif method == "sendMessageDraft":
            chat = params.get("chat_id")
            draft = self.drafts.get(chat) if isinstance(chat, int) else None
            if draft is not None:
                self.publish(
                    {
                        "type": "draft",
                        "chat": chat,
                        "draft_id": draft["draft_id"],
                        "text": draft["text"],
                        "entities": draft["entities"],
                        "can_stop": bool(params.get("can_stop")),
                    }
                )
        elif method == "sendChatAction":
            self.publish({"type": "action", "chat": params.get("chat_id"), "action": params.get("action")})
        elif method in ("setMyCommands", "deleteMyCommands"):
            self.publish({"type": "commands"})
        elif method in ("deleteMessage", "deleteMessages"):
            ids = params.get("message_ids") or [params.get("message_id")]
            for message_id in ids:
                self.publish({"type": "delete", "chat": params.get("chat_id"), "message_id": message_id})
        elif method.startswith(("send", "edit")) and result is not None:
            for message in result if isinstance(result, list) else [result]:
                if isinstance(message, dict):
                    if method.startswith("send"):
                        # A message from the bot replaces its draft, as in the Telegram apps.
                        self.drafts.pop(message["chat"]["id"], None)
                    self.publish({"type": "message", "chat": message["chat"]["id"], "message": message})

    def _find(self, params: dict[str, Any], action: str = "edit") -> tuple[int | str, dict[str, Any]]:
        chat_id, message = super()._find(params, action)
        if action == "edit" and message.get("from", {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")  # a person's own message, as on Telegram
        return chat_id, message

    def _media_object(
        self, kind: str, source: Any, params: dict[str, Any]
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """As the fake, but what Telegram reads from a real file is read from it: type, size, length."""
        described = super()._media_object(kind, source, params)
        if not isinstance(source, Upload):
            return described
        if isinstance(described, list):
            size = media.image_size(source.data)
            if size:
                described[-1]["width"], described[-1]["height"] = size
            return described
        if "mime_type" in described:
            described["mime_type"] = media.sniff(source.data, described["mime_type"])
        if "duration" in described and "duration" not in params:
            described["duration"] = media.duration(source.data) or described["duration"]
        return described

    def _api_sendInvoice(self, params: dict[str, Any]) -> dict[str, Any]:
        message = super()._api_sendInvoice(params)
        self.invoices[(message["chat"]["id"], message["message_id"])] = _Invoice(
            str(params["payload"]), str(params["currency"]), message["invoice"]["total_amount"]
        )
        return message

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params = await super()._read_params(request)
        # Telegram downloads the files a bot gives by URL; here only from this machine.
        for key in _URL_MEDIA_KEYS:
            if _is_url(params.get(key)):
                params[key] = await self._download(params[key], key)
        media_param = params.get("media")
        items = media_param if isinstance(media_param, list) else [media_param]
        for item in items:
            if isinstance(item, dict) and _is_url(item.get("media")):
                item["media"] = await self._download(item["media"], str(item.get("type")))
        return params

    async def _download(self, url: str, kind: str) -> Upload:
        if urlsplit(url).hostname not in LOOPBACK_HOSTS or self._fetcher is None:
            log.warning("refused to fetch a non-local URL for the bot (the demo stays offline)")
            raise _bad(URL_FAILED)
        limit = URL_PHOTO_LIMIT if kind == "photo" else URL_FILE_LIMIT
        try:
            async with self._fetcher.get(url) as response:
                if response.status != 200:
                    raise _bad(URL_FAILED)
                content_type = response.content_type
                data = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > limit:
                        raise _bad(URL_FAILED)
        except (ClientError, OSError, TimeoutError):
            raise _bad(URL_FAILED) from None
        if not data:
            raise _bad(URL_FAILED)
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "file"
        return Upload(name, content_type, bytes(data))


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


# Re-exported for the web server: the Bot API answers 413 above this size for uploads.
UPLOAD_LIMIT = MAX_UPLOAD_SIZE
