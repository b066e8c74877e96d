"""The persisted conversation state of one chat."""

from __future__ import annotations

from typing import Any

import msgspec


class Session(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # Where the user is: "menu", "help", "support", "settings", or a flow's own place name.
    place: str = "menu"
    # The message TRT keeps editing; None until the first screen is sent.
    control_message_id: int | None = None
    # State owned by the active flow (a wizard snapshot, a top-up in progress…), opaque here.
    flow: dict[str, Any] | None = None
    # Grows with every screen that carries versioned buttons; a button with an older number is stale.
    seq: int = 0


def session_from_state(state: dict[str, Any] | None) -> Session:
    """The stored session, or a fresh one when there is none or it no longer fits the current shape
    (a deploy changed the format): the user lands in the menu instead of hitting a crash."""
    if not state:
        return Session()
    try:
        return msgspec.convert(state, Session)
    except msgspec.ValidationError:
        return Session()


def session_to_state(session: Session) -> dict[str, Any]:
    return msgspec.to_builtins(session)
