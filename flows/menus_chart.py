"""The menu navigation as a statechart, for review next to the wizards (exported to docs/flows/menus.md).

It mirrors flows/router.py: every screen the router shows is a state, every button an event.
"""

from __future__ import annotations

from statemachine import StateChart
from statemachine.io.class_factory import create_machine_class_from_definition

from flows.browse import CATEGORIES


def menu_definition() -> dict[str, dict]:
    to_menu = [{"target": "main_menu"}]
    states: dict[str, dict] = {
        "main_menu": {
            "initial": True,
            "name": "Main menu (/start, /models, /cancel)",
            "on": {
                **{f"open_{kind}": [{"target": f"list_{kind}"}] for kind, _ in CATEGORIES},
                "open_free": [{"target": "list_free"}],
                "open_help": [{"target": "help"}],
                "open_settings": [{"target": "settings"}],
                "open_support": [{"target": "support"}],
                "deep_link": [{"target": "model_card"}],
            },
        },
        "help": {"name": "Help (/help)", "on": {"back": to_menu}},
        "support": {"name": "Support", "on": {"back": to_menu}},
        "settings": {
            "name": "Settings",
            "on": {"back": to_menu, "choose_language": [{"target": "settings"}]},
        },
        "model_card": {
            "name": "Model card → its wizard (docs/flows/models)",
            "on": {"back": to_menu, "finish": [{"target": "done"}]},
        },
        "done": {"final": True, "name": "Wizard finished (result, failure or cancel)"},
    }
    for kind, _ in (*CATEGORIES, ("free", "menu.free")):
        states[f"list_{kind}"] = {
            "name": f"Models: {kind} (paged)",
            "on": {"page": [{"target": f"list_{kind}"}], "pick": [{"target": "model_card"}], "back": to_menu},
        }
    return states


def menu_chart() -> type[StateChart]:
    return create_machine_class_from_definition(
        "MenuNavigation",
        states=menu_definition(),
        catch_errors_as_events=False,
        allow_event_without_transition=False,
    )
