"""The money conversations as statecharts, exported to docs/flows with the wizards:

- the top-up conversation (amount → method → transfer details → «Я оплатил» → waiting), whose steps
  are the `step` of the session's TopupFlow;
- a transfer request's life (open → submitted → approved / rejected / cancelled / expired): what the
  user and the admins may still do with it is what this chart allows from its stored status;
- the admin panel (home, waiting requests, a request, a user, a job, and the questions it types
  answers to), whose question is the `ask` of the session's AdminFlow.

Every button of these screens is a route whose handler looks up the target here (flows/routing/chart.py
`Transitions`), so the chart — not an if-chain — says where it leads.
"""

from __future__ import annotations

from statemachine import StateChart
from statemachine.io.class_factory import create_machine_class_from_definition

from flows.transitions import Transitions


def _build(name: str, states: dict[str, dict]) -> type[StateChart]:
    return create_machine_class_from_definition(
        name, states=states, catch_errors_as_events=False, allow_event_without_transition=False
    )


def _go(target: str) -> list[dict]:
    return [{"target": target}]


TOPUP_STATES: dict[str, dict] = {
    "amount": {
        "initial": True,
        "name": "Amount: presets or typed, or Stars",
        "on": {
            "choose_amount": _go("details"),
            "typed": _go("details"),
            "choose_stars": _go("stars"),
            "back": _go("left"),
            "resume": _go("resumed"),
        },
    },
    "stars": {
        "name": "Stars packs → invoice (credited on successful_payment)",
        "on": {"pack": _go("stars"), "back": _go("amount"), "resume": _go("resumed")},
    },
    "details": {
        "name": "Transfer details + payment code; a screenshot may be attached",
        "on": {
            "screenshot": _go("details"),
            "typed": _go("details"),
            "paid": _go("sent"),
            "cancel_request": _go("left"),
            "back": _go("amount"),
        },
    },
    "sent": {
        "name": "Waiting for an admin (the request chart decides)",
        "on": {"resume": _go("resumed"), "balance": _go("left")},
    },
    "left": {"final": True, "name": "Balance"},
    "resumed": {"final": True, "name": "Back to the confirm step the user left"},
}

REQUEST_STATES: dict[str, dict] = {
    "open": {
        "initial": True,
        "name": "Open: details shown",
        "on": {
            "submit": _go("submitted"),
            "approve": _go("approved"),
            "reject": _go("rejected"),
            "cancel": _go("cancelled"),
            "expire": _go("expired"),
        },
    },
    "submitted": {
        "name": "«Я оплатил»: every admin got it",
        "on": {
            "approve": _go("approved"),
            "reject": _go("rejected"),
            "cancel": _go("cancelled"),
            "expire": _go("expired"),
        },
    },
    "approved": {"final": True, "name": "Approved: credited once"},
    "rejected": {"final": True, "name": "Rejected with a reason"},
    "cancelled": {"final": True, "name": "Cancelled by the user"},
    "expired": {"final": True, "name": "Expired after a day"},
}

_HOME = _go("home")

ADMIN_STATES: dict[str, dict] = {
    "home": {
        "initial": True,
        "name": "/admin: figures",
        "on": {
            "open_pending": _go("pending"),
            "ask_user": _go("find_user"),
            "ask_job": _go("find_job"),
            "open_margin": _go("margin"),
            "menu": _go("closed"),
        },
    },
    "pending": {
        "name": "Waiting top-ups",
        "on": {"open_topup": _go("topup_card"), "go_home": _HOME},
    },
    "topup_card": {
        "name": "A top-up request (also the message every admin gets): ✅ Подтвердить / 🚫 Отклонить",
        "on": {"approve": _go("decided"), "reject": _go("reason"), "back": _go("pending")},
    },
    "reason": {
        "name": "Why rejected: a preset or typed",
        "on": {"pick_reason": _go("decided"), "typed": _go("decided"), "back": _go("topup_card")},
    },
    "decided": {
        "name": "Decided: who and how, the user told",
        "on": {"go_home": _HOME},
    },
    "find_user": {
        "name": "Which user? (id or @name typed)",
        "on": {"typed": _go("user_card"), "back": _HOME},
    },
    "user_card": {
        "name": "A user: balance, operations, block, credit/debit, Stars refund",
        "on": {
            "block": _go("user_card"),
            "credit": _go("adjust"),
            "debit": _go("adjust"),
            "stars_refund": _go("user_card"),
            "go_home": _HOME,
        },
    },
    "adjust": {
        "name": "Amount and reason typed",
        "on": {"typed": _go("adjust_confirm"), "back": _go("user_card")},
    },
    "adjust_confirm": {
        "name": "Confirm the credit/debit",
        "on": {"confirm": _go("user_card"), "back": _go("user_card")},
    },
    "find_job": {
        "name": "Which request id? (typed)",
        "on": {"typed": _go("job_card"), "back": _HOME},
    },
    "job_card": {
        "name": "A job: state, hold, refund",
        "on": {"refund": _go("job_card"), "open_user": _go("user_card"), "go_home": _HOME},
    },
    "margin": {
        "name": "📊 Маржа: revenue, Kie cost, refunds, bonuses by day and model (flows/margin)",
        "on": {"period": _go("margin"), "export_csv": _go("margin"), "go_home": _HOME},
    },
    "closed": {"final": True, "name": "Left the panel (🏠 Меню)"},
}


def topup_chart() -> type[StateChart]:
    return _build("TopupConversation", TOPUP_STATES)


def request_chart() -> type[StateChart]:
    return _build("TopupRequest", REQUEST_STATES)


def admin_chart() -> type[StateChart]:
    return _build("AdminPanel", ADMIN_STATES)


# Built once at import and read-only afterwards.
TOPUP = Transitions(topup_chart())
REQUEST = Transitions(request_chart())
ADMIN = Transitions(admin_chart())
