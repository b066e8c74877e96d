"""Screens and texts of 💬 Тексты as pure functions. Callback data is passed in by the caller (the
route registry owns its format), so these functions know nothing about routing."""

from __future__ import annotations

import html
from collections.abc import Callable

from flows.catalog.pricing import PricingPolicy, format_rub
from flows.catalog.text import TextCatalog, TextModel
from flows.chat.modes import MODES, mode_name
from flows.chat.pricing import per_1000_words_kopecks, typical_answer_kopecks
from flows.chat.turn import MAX_PHOTOS, DialogItem, TurnRefusal
from flows.screens import Button, Screen
from flows.texts import keys, t

Rows = tuple[tuple[Button, ...], ...]


def model_title(lang: str, model: TextModel) -> str:
    return t(lang, f"chat.model.{model.id}.title")


def free_left_text(lang: str, left: int, quota: int) -> str:
    """`осталось 17 из 20` (the same wording as the image quota)."""
    return t(lang, "chat.free_left", left=left, quota=quota)


def model_line(
    lang: str, model: TextModel, policy: PricingPolicy, *, free_left: int | None = None, quota: int = 0
) -> str:
    """`GPT-5.2 · ~0,40 ₽`; the free model with quota left: `Gemini 2.5 Flash · бесплатно, осталось 17 из 20`."""
    title = model_title(lang, model)
    if free_left:
        return t(lang, "chat.list.free_line", title=title, left=free_left_text(lang, free_left, quota))
    return t(lang, "chat.list.line", title=title, price=format_rub(typical_answer_kopecks(model, policy)))


def model_list_screen(
    lang: str,
    text: TextCatalog,
    policy: PricingPolicy,
    *,
    model_data: Callable[[TextModel], str],
    back: Rows,
    free_model_id: str | None = None,
    free_left: int = 0,
) -> Screen:
    """All enabled chat models, most useful first, one button each with its typical price."""
    quota = policy.text_free_daily_quota
    rows = tuple(
        (
            Button(
                model_line(
                    lang, m, policy, free_left=free_left if m.id == free_model_id else None, quota=quota
                ),
                data=model_data(m),
            ),
        )
        for m in text.enabled()
    )
    return Screen(text=t(lang, "chat.list.title"), buttons=rows + back)


def model_card(
    lang: str,
    model: TextModel,
    policy: PricingPolicy,
    *,
    mode: str,
    start_data: str,
    mode_data: str,
    back: Rows,
    free_left: int | None = None,
) -> Screen:
    """What the model is good at, its price per 1 000 words in and out, `💬 Начать диалог`."""
    price_in, price_out = per_1000_words_kopecks(model, policy)
    free = t(lang, "chat.card.free", left=free_left_text(lang, free_left, policy.text_free_daily_quota))
    vision = t(lang, "chat.card.vision") if model.supports.vision else ""
    text = t(
        lang,
        "chat.card",
        title=html.escape(model_title(lang, model)),
        good_at=html.escape(t(lang, f"chat.model.{model.id}.good_at")) + vision,
        price_in=format_rub(price_in),
        price_out=format_rub(price_out),
        typical=format_rub(typical_answer_kopecks(model, policy)),
        free=free if free_left else "",
        mode=mode_name(lang, mode),
    )
    buttons = (
        (Button(t(lang, "chat.button.start"), data=start_data),),
        (Button(t(lang, "chat.button.mode", mode=mode_name(lang, mode)), data=mode_data),),
    )
    return Screen(text=text, buttons=buttons + back)


def mode_picker(
    lang: str, model: TextModel, current: str, *, mode_data: Callable[[str], str], back: Rows
) -> Screen:
    rows = tuple(
        (Button(("✅ " if mode == current else "") + mode_name(lang, mode), data=mode_data(mode)),)
        for mode in MODES
    )
    return Screen(
        text=t(lang, "chat.mode.title", title=html.escape(model_title(lang, model))), buttons=rows + back
    )


def dialog_started_text(lang: str, model: TextModel, mode: str, *, hint: str = "") -> str:
    return t(
        lang,
        "chat.dialog.started",
        title=html.escape(model_title(lang, model)),
        mode=mode_name(lang, mode),
        hint=hint,
    )


def new_dialog_text(lang: str, model: TextModel) -> str:
    return t(lang, "chat.dialog.new", title=html.escape(model_title(lang, model)))


def answer_footer(
    lang: str,
    *,
    cost_kopecks: int,
    balance_kopecks: int,
    free_left: int | None = None,
    quota: int = 0,
    stopped: bool = False,
    cut: bool = False,
) -> str:
    """The line under an answer: `· 0,42 ₽ · на балансе 281,58 ₽` (a free one: `· бесплатно · осталось 17 из 20`)."""
    if free_left is not None:
        line = t(lang, "chat.footer.free", left=free_left_text(lang, free_left, quota))
    else:
        line = t(lang, "chat.footer", cost=format_rub(cost_kopecks), balance=format_rub(balance_kopecks))
    notes = [t(lang, "chat.footer.stopped")] if stopped else []
    notes += [t(lang, "chat.footer.cut")] if cut else []
    return "\n".join([*notes, line])


def answer_buttons(lang: str, *, new_data: str, other_data: str) -> Rows:
    """Under the last part of an answer: `🧹 Новый диалог`, `🧭 Другая модель`."""
    return (
        (
            Button(t(lang, "chat.button.new"), data=new_data),
            Button(t(lang, "chat.button.other"), data=other_data),
        ),
    )


def stop_buttons(lang: str, *, stop_data: str) -> Rows:
    return ((Button(t(lang, "chat.button.stop"), data=stop_data),),)


def thinking_text(lang: str, model: TextModel) -> str:
    return t(lang, "chat.thinking", title=html.escape(model_title(lang, model)))


def refusal_text(lang: str, refusal: TurnRefusal, model: TextModel, text: TextCatalog) -> str:
    match refusal.code:
        case "too_long":
            # ~2 tokens a word (the policy's measure); the budget is in upper-bound tokens.
            return t(lang, "chat.refuse.too_long", words=max(1, refusal.budget_tokens // 2 // 100 * 100))
        case "no_vision":
            names = ", ".join(model_title(lang, m) for m in text.with_vision()[:3])
            return t(
                lang,
                "chat.refuse.no_vision",
                title=html.escape(model_title(lang, model)),
                models=html.escape(names),
            )
        case "too_many_photos":
            return t(lang, "chat.refuse.too_many_photos", count=MAX_PHOTOS)
        case "funds":
            return t(
                lang,
                "chat.refuse.funds",
                needed=format_rub(refusal.needed_kopecks),
                available=format_rub(refusal.available_kopecks),
            )
    return t(lang, "chat.refuse.empty")


def voice_hint(lang: str) -> str:
    """Kie documents a speech-to-text task (elevenlabs/speech-to-text) but neither its price unit nor
    its result shape, so voice is not transcribed yet: the user is asked for text (docs/chat.md)."""
    return t(lang, "chat.voice_hint")


FAILURES = ("kie_credits", "timeout", "busy", "rejected", "empty", "generic")


def failure_text(lang: str, code: str, request_id: str, reason: str = "") -> str:
    return t(
        lang,
        f"chat.fail.{code if code in FAILURES else 'generic'}",
        request_id=request_id,
        reason=html.escape(reason[:200]),
    )


def dialog_screen(
    lang: str,
    model: TextModel,
    mode: str,
    *,
    mode_data: str,
    other_data: str,
    history_data: str,
    menu_data: str,
    new_data: str | None = None,
    hint: str = "",
    notice: str | None = None,
) -> Screen:
    """The dialog's own message: which model and mode, what to do; 🧹 only when there is context."""
    text = dialog_started_text(lang, model, mode, hint=hint)
    if notice:
        text = f"{notice}\n\n{text}"
    rows: list[tuple[Button, ...]] = [
        (Button(t(lang, "chat.button.mode", mode=mode_name(lang, mode)), data=mode_data),)
    ]
    if new_data is not None:
        rows.append((Button(t(lang, "chat.button.new"), data=new_data),))
    rows.append(
        (
            Button(t(lang, "chat.button.other"), data=other_data),
            Button(t(lang, "chat.button.history"), data=history_data),
        )
    )
    rows.append((Button(t(lang, "menu.back_to_menu"), data=menu_data),))
    return Screen(text=text, buttons=tuple(rows))


def history_line(lang: str, item: DialogItem, moment: str) -> str:
    """`• GPT-5.2 · Как устроен двигатель… · 12.05` (• marks the dialog a new message continues)."""
    topic = item.title or t(lang, "chat.history.untitled")
    short = topic if len(topic) <= 28 else topic[:27] + "…"
    return t(
        lang,
        "chat.history.line",
        open="• " if item.open else "",
        title=_title_of(lang, item),
        topic=short,
        when=moment,
    )


def _title_of(lang: str, item: DialogItem) -> str:
    key = f"chat.model.{item.model_id}.title"
    return t(lang, key) if key in keys(lang) else item.model_id


def history_screen(
    lang: str, lines: list[tuple[str, str]], *, back: Rows, notice: str | None = None
) -> Screen:
    """🗂 История: one button a dialog, (label, callback data) given, newest first."""
    text = t(lang, "chat.history.title" if lines else "chat.history.empty")
    if notice:
        text = f"{notice}\n\n{text}"
    rows = tuple((Button(label, data=data),) for label, data in lines)
    return Screen(text=text, buttons=rows + back)


def media_hint(lang: str) -> str:
    return t(lang, "chat.refuse.media")
