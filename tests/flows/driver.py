"""Drive conversations without Telegram: the pure router with an in-memory session, plus a walker
that fills any model's wizard from an example input (used by pure and end-to-end tests alike)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from flows.app import REGISTRY
from flows.book import Book
from flows.catalog import load_catalog, load_policy
from flows.catalog.follow_ups import is_follow_up
from flows.catalog.types import BooleanField, EnumField, FileListField, ModelEntry
from flows.context import FlowContext
from flows.incoming import AccountView, Incoming, MediaInput
from flows.jobs.model import Job, JobState
from flows.outcome import Outcome
from flows.payloads.follow import FollowUpAction as FollowUpButton
from flows.preload import Loaded
from flows.screens import AnswerCallback, EditScreen, Screen, SendScreen
from flows.session import Session
from flows.wizard import chart
from flows.wizard.render import current_snapshot
from flows.wizard.review import duration_fields

_TELEGRAM_KIND = {"image": "photo", "video": "video", "audio": "audio"}


def media_kind(spec) -> str:
    return spec.accept[0]


CATALOG = load_catalog()
POLICY = load_policy()
CTX = FlowContext(
    support_text="Поддержка 24/7",
    support_telegram="@trt_support",
    catalog=CATALOG,
    policy=POLICY,
    book=Book(),
)


@dataclass
class View:
    text: str
    buttons: list[tuple[str, str]]  # (label, callback data)

    def data_for(self, label_prefix: str) -> str:
        for label, data in self.buttons:
            if label.startswith(label_prefix):
                return data
        raise LookupError(f"no button starting with {label_prefix!r} in {[b[0] for b in self.buttons]}")

    def has(self, label_prefix: str) -> bool:
        return any(label.startswith(label_prefix) for label, _ in self.buttons)


def view_of(screen: Screen) -> View:
    return View(screen.text, [(b.text, b.data or b.url or "") for row in screen.buttons for b in row])


def decide(
    incoming: Incoming, session: Session, ctx: FlowContext, loaded: Loaded, account: AccountView | None
) -> Outcome:
    """What the runtime does with an update, minus the database: match, (pretend to) load, decide."""
    matched = REGISTRY.match(incoming, session)
    if account is not None:
        loaded = msgspec.structs.replace(loaded, account=account)
    return REGISTRY.decide(matched, incoming, session, loaded, ctx)


@dataclass
class Driver:
    """One chat talking to the pure flows."""

    chat_id: int = 1001
    lang: str = "ru"
    session: Session = field(default_factory=Session)
    ctx: FlowContext = CTX
    outcomes: list[Outcome] = field(default_factory=list)
    next_message_id: int = 100
    # Plenty of money unless a test says otherwise.
    account: AccountView | None = field(
        default_factory=lambda: AccountView(available_kopecks=1_000_000_00, free_left=5, free_quota=5)
    )
    is_admin: bool = False
    # What the runtime would have loaded for the next update (besides the account).
    loaded: Loaded = field(default_factory=Loaded)
    # Fresh characters for the ids the next update creates (the runtime draws them at random).
    entropy: str = "7K2F9Q00000000AB"
    last_event: Incoming | None = None

    def _handle(self, **kw: Any) -> View:
        incoming = Incoming(
            chat_id=self.chat_id,
            user_id=self.chat_id,
            lang=self.lang,
            is_admin=self.is_admin,
            entropy=self.entropy,
            **kw,
        )
        self.last_event = incoming
        outcome = decide(incoming, self.session, self.ctx, self.loaded, self.account)
        self.outcomes.append(outcome)
        session = outcome.session
        for action in outcome.actions:
            if isinstance(action, SendScreen) and action.control:
                self.next_message_id += 1
                session = Session(session.place, self.next_message_id, session.flow, session.seq)
        self.session = session
        return self.view

    @property
    def screens(self) -> list[Screen]:
        return [
            a.screen
            for o in self.outcomes
            for a in o.actions
            if isinstance(a, SendScreen | EditScreen) and a.chat_id == self.chat_id
        ]

    @property
    def view(self) -> View:
        return view_of(self.screens[-1])

    @property
    def notices(self) -> list[str | None]:
        return [a.text for o in self.outcomes for a in o.actions if isinstance(a, AnswerCallback)]

    @property
    def snapshot(self):
        return current_snapshot(self.session)

    @property
    def effects(self) -> list:
        return [e for o in self.outcomes for e in o.effects]

    def command(self, text: str) -> View:
        head, _, args = text.partition(" ")
        return self._handle(kind="command", command=head.lstrip("/"), args=args, text=text)

    def text(self, text: str) -> View:
        return self._handle(kind="text", text=text)

    def press(self, label_prefix: str, *, on: View | None = None, message_id: int | None = None) -> View:
        data = (on or self.view).data_for(label_prefix)
        return self.tap(data, message_id=message_id)

    def tap(self, data: str, *, message_id: int | None = None) -> View:
        return self._handle(
            kind="callback",
            callback_id=f"cb{len(self.outcomes)}",
            callback_data=data,
            message_id=message_id if message_id is not None else self.session.control_message_id,
        )

    def media(
        self,
        kind: str = "photo",
        *,
        file_id: str = "F1",
        size: int = 100_000,
        caption: str | None = None,
        **kw: Any,
    ) -> View:
        return self._handle(
            kind="media", media=MediaInput(kind=kind, file_id=file_id, file_size=size, **kw), text=caption
        )

    def inline(self, query: str, query_id: str = "iq-1") -> Outcome:
        """`@bot <query>` typed in some chat: no screen, one answer (the last outcome's action)."""
        incoming = Incoming(
            kind="inline",
            chat_id=self.chat_id,
            user_id=self.chat_id,
            lang=self.lang,
            chat_type="inline",
            text=query,
            inline_query_id=query_id,
            entropy=self.entropy,
        )
        outcome = decide(incoming, self.session, self.ctx, self.loaded, self.account)
        self.outcomes.append(outcome)
        self.session = outcome.session
        return outcome

    def other(self, what: str = "sticker") -> View:
        return self._handle(kind="other", other=what)


# --- the example walker -----------------------------------------------------------------------------


Act = Callable[..., Awaitable[View]]
CurrentField = Callable[[], Awaitable[str | None]]


async def fill_from_example(
    entry: ModelEntry,
    example: dict[str, Any],
    act: Act,
    current_field: CurrentField,
    view: View,
    *,
    from_card: bool = True,
) -> View:
    """From the model card to the review, answering each step with the example's value.

    `act(kind, value)` performs one user action and returns the screen after it: kind "tap" (callback
    data) or "text" (a message); `current_field()` names the field of the current step (None: review).
    """
    needs_file = set(duration_fields(entry))
    sent: dict[str, list[str]] = {}
    if from_card:
        view = await act("tap", view.data_for("🚀"))
    for _ in range(60):
        name = await current_field()
        if name is None:
            for field_name, values in sent.items():
                spec = entry.schema.properties[field_name]
                example[field_name] = values if isinstance(spec, FileListField) else values[0]
            return view
        spec = entry.schema.properties[name]
        value = example.get(name)
        if value is None:
            view = await act("tap", view.data_for("✅ Продолжить"))
        elif name in needs_file:
            # Priced per second of this input: it must come as a file (a link has no known length).
            for index, _ in enumerate(value if isinstance(value, list) else [value]):
                file_id = f"{name}-{index}"
                sent[name] = [*sent.get(name, []), f"tgfile:{file_id}"]
                view = await act("media", file_id, media_kind(spec))
            if isinstance(spec, FileListField):
                view = await act("tap", view.data_for("✅ Продолжить"))
        elif isinstance(spec, EnumField):
            index = [str(v) for v in spec.values].index(str(value))
            view = await act("tap", _data_ending(view, f":choose:{index}"))
        elif isinstance(spec, BooleanField):
            if _toggle_is_on(view) != bool(value):
                view = await act("tap", _data_ending(view, ":toggle"))
            view = await act("tap", view.data_for("✅ Продолжить"))
        elif isinstance(spec, FileListField):
            for item in value:
                view = await act("text", str(item))
            view = await act("tap", view.data_for("✅ Продолжить"))
        else:
            view = await act("text", _as_text(value))
    raise AssertionError(f"{entry.id}: the wizard did not reach the review")


def _data_ending(view: View, suffix: str) -> str:
    for _, data in view.buttons:
        if data.endswith(suffix):
            return data
    raise LookupError(f"no button ending with {suffix!r} in {view.buttons}")


def _toggle_is_on(view: View) -> bool:
    return any(data.endswith(":toggle") and label.startswith("🟢") for label, data in view.buttons)


def _as_text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


async def drive_example(driver: Driver, entry: ModelEntry, example: dict[str, Any]) -> View:
    """The pure walk: open the card by deep link and fill it in up to the review."""

    async def act(kind: str, value: str, media: str = "video") -> View:
        if kind == "media":
            return driver.media(_TELEGRAM_KIND[media], file_id=value, duration=5)
        return driver.tap(value) if kind == "tap" else driver.text(value)

    async def current_field() -> str | None:
        snap = driver.snapshot
        return chart.field_of(snap.state) if snap else None

    view, from_card = open_for_example(driver, entry, example)
    return await fill_from_example(entry, example, act, current_field, view, from_card=from_card)


def open_for_example(driver: Driver, entry: ModelEntry, example: dict[str, Any]) -> tuple[View, bool]:
    """Open a model's wizard: its card by deep link, or — for a follow-up, which opens only from a
    result — the action's button on a parent whose facts are the example's (past the card)."""
    if not is_follow_up(entry):
        return driver.command(f"/start m-{entry.slug}"), True
    parent, action = follow_up_parent(entry, example, driver.chat_id)
    driver.loaded = Loaded(job=parent)
    view = driver.tap(FollowUpButton(parent.request_id, action).data())
    driver.loaded = Loaded()
    return view, False


PARENT_REQUEST_ID = "R-PARENT"


def follow_up_parent(entry: ModelEntry, example: dict[str, Any], user_id: int = 1001) -> tuple[Job, str]:
    """A finished job of this user whose facts give `entry` the example's hidden values, and the action
    on it that opens `entry`."""
    action = next(a for a in CATALOG.follow_ups.actions if a.model == entry.id)
    facts: dict[str, Any] = {"input": {}}
    candidates = list(action.of)
    for name, spec in entry.schema.properties.items():
        if spec.parent is None or name not in example:
            continue
        value = example[name]
        if spec.parent == "model_id":
            candidates = [c for c in candidates if spec.parent_map.get(c, c) == value]
        elif spec.parent.startswith("input."):
            facts["input"][spec.parent.removeprefix("input.")] = value
        else:
            facts[spec.parent] = value
    for name, allowed in action.when.items():
        facts["input"].setdefault(name, allowed[0])
    parent = Job(
        request_id=PARENT_REQUEST_ID,
        user_id=user_id,
        chat_id=user_id,
        model_id=candidates[0],
        input=facts["input"],
        price_kopecks=1000,
        state=JobState.SUCCEEDED,
        kie_task_id=facts.get("task_id", "parent-task"),
        result_ids=[facts["audio_id"]] if "audio_id" in facts else None,
        result_urls=[facts.get("result_url", "https://example.com/result.bin")],
        result_file_ids=["parent-result"],
    )
    return parent, action.action
