"""The dialog conversation of 💬 Тексты as a statechart, exported to docs/flows/chat.md.

Its states are where the user is with one chat model: elsewhere in the bot (`outside`), its card,
the mode picker opened from the card or from the dialog, the dialog itself, and a top-up taken with
a message kept for after it (`topping_up`: the session is at the money place then, the dialog waits
in the top-up's `resume`). The step inside the chat place is the session's `ChatFlow.step`.

Ways in are buttons that carry the model (a card from the list or a deep link, 💬 Начать диалог,
🧹 Новый диалог under an answer, a dialog from 🗂 История): they work from anywhere, so they are
transitions of every state. Every other route of the bot leaves (`leave`). Each handler asks this
chart where its event leads (flows/chat/routes.py), so the chart — not an if-chain — decides.
"""

from __future__ import annotations

from statemachine import StateChart
from statemachine.io.class_factory import create_machine_class_from_definition

from flows.session import Session
from flows.states import ChatFlow, TopupFlow
from flows.transitions import Transitions

PLACE = "chat"
OUTSIDE = "outside"
TOPPING_UP = "topping_up"

# Buttons that carry their model: from anywhere into the chat.
ENTRIES = {"open_card": "card", "start": "dialog", "new": "dialog", "reopen": "dialog"}
INSIDE = ("card", "card_modes", "dialog", "dialog_modes", TOPPING_UP)

_LOCAL: dict[str, dict[str, str]] = {
    "card": {"pick_mode": "card_modes", "typed": "dialog"},
    "card_modes": {"choose_mode": "card", "back": "card", "typed": "dialog"},
    "dialog": {"typed": "dialog", "pick_mode": "dialog_modes", "topup": TOPPING_UP},
    "dialog_modes": {"choose_mode": "dialog", "back": "dialog", "typed": "dialog"},
    TOPPING_UP: {"resume": "dialog"},
}

_NAMES = {
    OUTSIDE: "Elsewhere in the bot",
    "card": "Model card: good at, price per 1 000 words, 💬 Начать диалог, 🎭 Режим",
    "card_modes": "Mode picker (from the card)",
    "dialog": "Dialog: every message goes to the model with the context; answers streamed",
    "dialog_modes": "Mode picker (/mode in the dialog)",
    TOPPING_UP: "Topping up; the message the balance did not cover is kept",
}


def chat_states() -> dict[str, dict]:
    states: dict[str, dict] = {}
    for state in (OUTSIDE, *INSIDE):
        on: dict[str, list[dict]] = {event: [{"target": target}] for event, target in ENTRIES.items()}
        if state != OUTSIDE:
            on["leave"] = [{"target": OUTSIDE}]
        for event, target in _LOCAL.get(state, {}).items():
            on[event] = [{"target": target}]
        states[state] = {"name": _NAMES[state], "on": on}
    states[OUTSIDE]["initial"] = True
    return states


def chat_chart() -> type[StateChart]:
    return create_machine_class_from_definition(
        "TextDialog", states=chat_states(), catch_errors_as_events=False, allow_event_without_transition=False
    )


# Built once at import and read-only afterwards.
CHAT = Transitions(chat_chart())


def chat_step(session: Session) -> str:
    """Where the session is in the chat chart."""
    flow = session.flow
    if session.place == PLACE and isinstance(flow, ChatFlow):
        return flow.step
    if session.place == "money" and isinstance(flow, TopupFlow) and isinstance(flow.resume, ChatFlow):
        return TOPPING_UP
    return OUTSIDE


def chat_flow(session: Session) -> ChatFlow | None:
    flow = session.flow
    return flow if session.place == PLACE and isinstance(flow, ChatFlow) else None
