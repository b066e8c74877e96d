"""The persisted conversation state of one chat: where the user is (a place of the menus chart) and
the typed state of the flow they are in (a wizard, a top-up, the admin panel)."""

from __future__ import annotations

from typing import Any

import msgspec

from flows.states import FlowState, WizardSnapshot


class Session(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # Where the user is: a place of the menus chart ("menu", "help", "wizard", "money", …).
    place: str = "menu"
    # The message TRT keeps editing; None until the first screen is sent.
    control_message_id: int | None = None
    # The state of the flow the user is in; None at plain menu screens.
    flow: FlowState | None = None
    # Grows with every screen that carries versioned buttons; a button with an older number is stale.
    seq: int = 0

    def at(self, place: str, flow: FlowState | None = None) -> Session:
        """The same chat at another place (the control message and the button counter stay)."""
        return Session(place=place, control_message_id=self.control_message_id, flow=flow, seq=self.seq)


def session_from_state(state: dict[str, Any] | None) -> Session:
    """The stored session, or a fresh one when there is none or it no longer fits the current shape
    (a deploy changed the format): the user lands in the menu instead of hitting a crash."""
    if not state:
        return Session()
    try:
        return msgspec.convert(state, Session)
    except msgspec.ValidationError:
        return _from_untyped(state)


def _from_untyped(state: dict[str, Any]) -> Session:
    """Sessions stored before flows were typed (untagged dicts): keep a wizard in progress, since
    that is typed input a redeploy must not lose; anything else restarts at the menu."""
    flow = state.get("flow")
    if state.get("place") == "wizard" and isinstance(flow, dict):
        legacy = dict(flow)
        if legacy.pop("editing", False) and str(legacy.get("state", "")).startswith("f_"):
            legacy["state"] = "e_" + legacy["state"][2:]
        try:
            snapshot = msgspec.convert({**legacy, "flow": "wizard"}, WizardSnapshot)
            return msgspec.convert({**state, "flow": None}, Session).at("wizard", snapshot)
        except msgspec.ValidationError:
            pass
    keep = {k: state[k] for k in ("control_message_id", "seq") if k in state}
    try:
        return msgspec.convert(keep, Session)
    except msgspec.ValidationError:
        return Session()


def session_to_state(session: Session) -> dict[str, Any]:
    return msgspec.to_builtins(session)
