"""The compose conversation of 📣 Рассылка as a chart, exported to docs/flows/broadcast.md: its step is
the `step` of the session's BroadcastFlow, and every button is a route that looks up here where it leads."""

from __future__ import annotations

from statemachine import StateChart
from statemachine.io.class_factory import create_machine_class_from_definition

from flows.transitions import Transitions


def _go(target: str) -> list[dict]:
    return [{"target": target}]


BROADCAST_STATES: dict[str, dict] = {
    "compose": {
        "initial": True,
        "name": "The post: a text (Telegram HTML) or a photo with a caption",
        "on": {"typed": _go("button"), "back": _go("closed"), "cancel": _go("closed")},
    },
    "button": {
        "name": "One URL button «Текст | https://…», or ✅ Продолжить without",
        "on": {
            "typed": _go("audience"),
            "skip": _go("audience"),
            "back": _go("compose"),
            "cancel": _go("closed"),
        },
    },
    "audience": {
        "name": "The preview sent to the admin; who gets it: all / active 30 days / paid",
        "on": {"pick": _go("review"), "back": _go("button"), "cancel": _go("closed")},
    },
    "review": {
        "name": "Send to N users? (the recipients are fixed on ✅)",
        "on": {"send": _go("started"), "back": _go("audience"), "cancel": _go("closed")},
    },
    "started": {"final": True, "name": "Queued: runtime/broadcasts.py sends, the admin sees progress"},
    "closed": {"final": True, "name": "Back to the admin panel"},
}


def broadcast_chart() -> type[StateChart]:
    return create_machine_class_from_definition(
        "BroadcastCompose",
        states=BROADCAST_STATES,
        catch_errors_as_events=False,
        allow_event_without_transition=False,
    )


# Built once at import and read-only afterwards.
BROADCAST = Transitions(broadcast_chart())
