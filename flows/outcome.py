"""What handling one update decided: the new session, the replies, and the side effects to store."""

from __future__ import annotations

import msgspec

from flows.incoming import Incoming
from flows.jobs.model import CancelQueuedJob, CreateJob
from flows.screens import Action, AnswerCallback, EditScreen, Screen, SendScreen
from flows.session import Session


class SetLanguage(msgspec.Struct, frozen=True, tag="set_language"):
    lang: str


class MarkInactive(msgspec.Struct, frozen=True, tag="mark_inactive"):
    pass


Effect = SetLanguage | MarkInactive | CreateJob | CancelQueuedJob


class Outcome(msgspec.Struct, frozen=True):
    session: Session
    actions: tuple[Action, ...] = ()
    effects: tuple[Effect, ...] = ()


def show(incoming: Incoming, session: Session, screen: Screen, *, notice: str | None = None) -> Outcome:
    """Show `screen` as the control message: edit it in place when the user tapped a button on it,
    otherwise send it anew at the bottom of the chat (a typed message would push an edit out of sight)."""
    actions: list[Action] = []
    if incoming.kind == "callback" and incoming.callback_id:
        actions.append(AnswerCallback(incoming.callback_id, text=notice))
    if (
        incoming.kind == "callback"
        and incoming.message_id is not None
        and incoming.message_id == session.control_message_id
    ):
        actions.append(EditScreen(incoming.chat_id, incoming.message_id, screen))
    else:
        actions.append(SendScreen(incoming.chat_id, screen, control=True))
    return Outcome(session=session, actions=tuple(actions))
