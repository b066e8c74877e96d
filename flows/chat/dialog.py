"""A message in the dialog: decided here (pure), answered by the runtime.

Text, or photos with a caption, become a turn: `plan_turn` either refuses it with a reason, or asks for
the money (the free answer or a hold) in this update's transaction with a pending run, and hands the
answer to the runtime (`RunChatTurn`), which streams it after the commit. A message the balance does
not cover is kept in the session; the top-up offer leads to 💳 and the message goes out on return
(`resume`). Voice and other files get a hint; nothing the user typed is lost.
"""

from __future__ import annotations

import msgspec

from flows import ids
from flows.catalog.text import TextModel
from flows.chat import screens
from flows.chat.chart import TOPPING_UP, chat_flow, chat_step
from flows.chat.navigation import at, dialog_screen, enabled_model, model_gone, start, text_catalog
from flows.chat.pricing import free_text_model
from flows.chat.turn import ChatAccount, ChatTurnRequest, ReserveChatTurn, RunChatTurn, plan_turn, turn_key
from flows.outcome import Outcome, show
from flows.payloads.chat import OpenChatModel, OpenTexts
from flows.payloads.money import StartTopup
from flows.routing.registry import Request
from flows.screens import AnswerCallback, Button, Screen
from flows.states import ChatFlow, TopupFlow
from flows.texts import t

VOICE_KINDS = ("voice", "audio", "video_note")


def on_message(req: Request) -> Outcome | None:
    """Whatever is sent while the user is at the chat place (the card, the picker or the dialog)."""
    flow = chat_flow(req.session)
    if flow is None:
        return None
    model = enabled_model(req, flow.model_id)
    if model is None:
        return model_gone(req)
    event = req.event
    lang = event.lang
    flow = msgspec.structs.replace(flow, kept_text=None, kept_photos=())
    if event.kind == "text":
        return turn(req, model, flow, event.text or "", ())
    media = event.media
    if event.kind == "media" and media is not None and media.kind == "photo":
        return _photo(req, model, flow)
    key = "chat.voice_hint" if media is not None and media.kind in VOICE_KINDS else "chat.refuse.media"
    return _say(req, flow, t(lang, key))


def _photo(req: Request, model: TextModel, flow: ChatFlow) -> Outcome:
    """A photo, or one part of an album: parts wait in the session until the last one arrives."""
    media = req.event.media
    assert media is not None
    caption = (req.event.text or "").strip()
    group = media.media_group_id
    photos: tuple[str, ...] = (media.file_id,)
    if group is not None and flow.album == group:
        photos = (*flow.album_photos, media.file_id)
        caption = caption or flow.album_text or ""
    if group is not None and req.loaded.album_pending:
        kept = msgspec.structs.replace(flow, album=group, album_photos=photos, album_text=caption or None)
        return Outcome(session=at(req, kept, "typed"))
    flow = msgspec.structs.replace(flow, album=None, album_photos=(), album_text=None)
    return turn(req, model, flow, caption, photos)


def turn(req: Request, model: TextModel, flow: ChatFlow, text: str, photos: tuple[str, ...]) -> Outcome:
    """Decide one message: the run to start, or why not (the message kept when money is missing)."""
    event, ctx = req.event, req.ctx
    account = req.loaded.chat or ChatAccount(
        available_kopecks=req.loaded.account.available_kopecks,
        free_left=0,
        free_quota=ctx.policy.text_free_daily_quota,
    )
    free = free_text_model(text_catalog(req), ctx.policy)
    dialog = req.loaded.dialog
    decided = plan_turn(
        model=model,
        dialog=dialog if dialog is not None and dialog.model_id == model.id else None,
        text=text,
        account=account,
        policy=ctx.policy,
        free_model_id=free.id if free is not None else None,
        request_id=ids.request_id(event.entropy),
        user_id=event.user_id,
        chat_id=event.chat_id,
        lang=event.lang,
        mode=flow.mode,
        photo_file_ids=photos,
    )
    resuming = chat_step(req.session) == TOPPING_UP
    if isinstance(decided, ChatTurnRequest):
        session = at(req, flow, "resume" if resuming else "typed")
        key = turn_key(decided.request_id, decided.user_id, decided.model_id)
        toast = t(event.lang, "chat.resumed") if resuming else None
        actions = (AnswerCallback(event.callback_id, text=toast),) if event.callback_id else ()
        return Outcome(
            session=session,
            actions=(*actions, RunChatTurn(key=key, chat_id=event.chat_id)),
            effects=(ReserveChatTurn(decided),),
        )
    lang = event.lang
    notice = screens.refusal_text(lang, decided, model, text_catalog(req))
    rows: tuple[tuple[Button, ...], ...] = ()
    if decided.code == "funds":
        # The message waits in the session: 💳 keeps it in the top-up, and it goes out on return.
        flow = msgspec.structs.replace(flow, kept_text=text, kept_photos=photos)
        rows = (
            (Button(t(lang, "money.topup"), data=StartTopup().data()),),
            (Button(t(lang, "chat.button.other"), data=OpenTexts().data()),),
        )
    elif decided.code == "no_vision":
        seeing = text_catalog(req).with_vision()[:2]
        rows = tuple(
            (
                Button(
                    t(lang, "chat.button.vision_model", title=screens.model_title(lang, m)),
                    data=OpenChatModel(m.id).data(),
                ),
            )
            for m in seeing
        )
    return _say(req, flow, notice, rows)


def _say(req: Request, flow: ChatFlow, text: str, rows: tuple[tuple[Button, ...], ...] = ()) -> Outcome:
    """A short answer in the dialog (a refusal, a hint); the session moves as a typed message does."""
    event = "typed" if chat_step(req.session) != TOPPING_UP else "resume"
    return show(req.event, at(req, flow, event), Screen(text=text, buttons=rows))


def resume(req: Request) -> Outcome:
    """Back from a top-up: the message kept for it goes to the model now (or the dialog, if none)."""
    session = req.session
    topup = session.flow if isinstance(session.flow, TopupFlow) else None
    kept = topup.resume if topup is not None and session.place == "money" else None
    if not isinstance(kept, ChatFlow) or kept.model_id != req.payload.model:
        return start(req, req.payload.model)
    model = enabled_model(req, kept.model_id)
    if model is None:
        return model_gone(req)
    if kept.kept_text is None and not kept.kept_photos:
        return _back_to_dialog(req, model, kept)
    flow = msgspec.structs.replace(kept, kept_text=None, kept_photos=())
    return turn(req, model, flow, kept.kept_text or "", kept.kept_photos)


def _back_to_dialog(req: Request, model: TextModel, flow: ChatFlow) -> Outcome:
    session = at(req, flow, "resume")
    return show(req.event, session, dialog_screen(req, model, flow.mode))


def stop(req: Request) -> Outcome:
    """❌ Остановить: the answer was flagged when this update was stored (runtime/chat/stop.py); here
    the tap is only answered."""
    text = t(req.event.lang, "chat.stopping")
    return Outcome(session=req.session, actions=(AnswerCallback(req.event.callback_id or "", text=text),))
