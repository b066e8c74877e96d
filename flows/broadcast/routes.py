"""📣 Рассылка's routes: admins only. A forged or old button from anyone else is a stale button (the
registry checks `admin_only` before any handler runs)."""

from __future__ import annotations

from flows.broadcast import compose
from flows.broadcast.compose import PLACE, flow_of
from flows.incoming import Incoming
from flows.payloads.broadcast import BcAudience, BcBack, BcCancel, BcConfirm, BcSkip, BcStart
from flows.preload import NOTHING, Needs
from flows.routing.registry import OnCallback, OnCommand, OnMessage, Route
from flows.session import Session

_AUDIENCES = Needs(audiences=True)
_HOME = Needs(stats=True)


def _always(needs: Needs):
    return lambda event, payload, session: needs


def _message_needs(event: Incoming, payload: object, session: Session) -> Needs:
    flow = flow_of(session)
    return _AUDIENCES if flow is not None and flow.step == "button" else NOTHING


def _back_needs(event: Incoming, payload: object, session: Session) -> Needs:
    flow = flow_of(session)
    if flow is None or flow.step == "compose":
        return _HOME
    return _AUDIENCES if flow.step == "review" else NOTHING


def _confirm_needs(event: Incoming, payload, session: Session) -> Needs:
    # The panel's figures (Kie's balance among them) only when the tap is stale and lands there.
    flow = flow_of(session)
    fresh = flow is not None and flow.step == "review" and flow.token == payload.token
    return _AUDIENCES if fresh else _HOME


start = Route(
    "bc_start", compose.open_compose, target=PLACE, admin_only=True, label="📣 Рассылка, /broadcast"
)

DECLARATIONS = (
    OnCommand(("broadcast",), start),
    OnCallback(BcStart, start),
    OnMessage(PLACE, Route("bc_input", compose.on_message, needs=_message_needs, admin_only=True)),
    OnCallback(BcSkip, Route("bc_skip", compose.skip, needs=_always(_AUDIENCES), admin_only=True)),
    OnCallback(BcAudience, Route("bc_pick", compose.pick, needs=_always(_AUDIENCES), admin_only=True)),
    OnCallback(BcConfirm, Route("bc_confirm", compose.confirm, needs=_confirm_needs, admin_only=True)),
    OnCallback(BcBack, Route("bc_back", compose.back, needs=_back_needs, admin_only=True)),
    OnCallback(BcCancel, Route("bc_cancel", compose.cancel, needs=_always(_HOME), admin_only=True)),
)
