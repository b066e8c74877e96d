"""What every admin screen shares: the operator's language, the home row, the panel's place."""

from __future__ import annotations

from flows.money import common as c
from flows.outcome import Outcome, show
from flows.payloads.money import AdminHome
from flows.routing.registry import Request
from flows.screens import Action, AnswerCallback, Button, EditScreen, Screen
from flows.session import Session
from flows.states import AdminFlow
from flows.texts import t

LANG = "ru"  # the operator's language
MAX_REASON = 300
MAX_ADJUST = 100_000_00


def home_row() -> tuple[Button, ...]:
    return (Button(t(LANG, "admin.home"), data=AdminHome().data()),)


def panel(session: Session, flow: AdminFlow | None = None) -> Session:
    return session.at(c.ADMIN_PLACE, flow or AdminFlow())


def state_of(flow: AdminFlow) -> str:
    """The admin chart's state that a stored question stands for."""
    return {
        "user": "find_user",
        "job": "find_job",
        "reject": "reason",
        "adjust": "adjust",
        "confirm": "adjust_confirm",
    }.get(flow.ask or "", "home")


def edit_or_show(req: Request, session: Session, screen: Screen, notice: str | None = None) -> Outcome:
    """Change the message the admin tapped (a request message is not the control message)."""
    event = req.event
    if event.kind == "callback" and event.message_id is not None:
        actions: list[Action] = []
        if event.callback_id:
            actions.append(AnswerCallback(event.callback_id, text=notice))
        actions.append(EditScreen(event.chat_id, event.message_id, screen))
        return Outcome(session=session, actions=tuple(actions))
    return show(event, session, screen, notice=notice)
