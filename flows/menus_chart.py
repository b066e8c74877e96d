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
                "open_balance": [{"target": "balance"}],
                "open_history": [{"target": "history"}],
                "admin_command": [{"target": "admin"}],
                "deep_link": [{"target": "model_card"}],
            },
        },
        "balance": {
            "name": "Balance (/balance): money, free runs left, pending top-ups",
            "on": {
                "top_up": [{"target": "topup_amount"}],
                "open_history": [{"target": "history"}],
                "back": to_menu,
            },
        },
        "topup_amount": {
            "name": "Top-up amount (presets or typed) or Stars pack",
            "on": {
                "transfer": [{"target": "topup_details"}],
                "stars": [{"target": "stars_invoice"}],
                "back": [{"target": "balance"}],
            },
        },
        "topup_details": {
            "name": "Transfer details + code; 'Я оплатил' (screenshot optional)",
            "on": {"paid": [{"target": "topup_waiting"}], "back": [{"target": "topup_amount"}]},
        },
        "topup_waiting": {
            "name": "Waiting for an admin: ✅ Подтвердить credits once / 🚫 Отклонить with a reason",
            "on": {"back": [{"target": "balance"}]},
        },
        "stars_invoice": {
            "name": "Stars invoice → pre_checkout → successful_payment credits once",
            "on": {"back": [{"target": "balance"}]},
        },
        "history": {
            "name": "History (/history): results again by file_id, 🔁 repeat",
            "on": {"repeat": [{"target": "model_card"}], "back": to_menu},
        },
        "admin": {
            "name": "/admin (admins only): stats, pending top-ups, users, jobs, audit",
            "on": {"back": to_menu},
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
