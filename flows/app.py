"""The bot's routes, assembled: every feature declares its own (flows/*/routes.py); this module puts
them into the one registry the runtime dispatches through, and wires the few hand-overs between
features (the wizard's top-up exit, a stale button's redraw of the current screen)."""

from __future__ import annotations

from flows.broadcast import compose as broadcast_compose
from flows.broadcast import routes as broadcast
from flows.chat import navigation as chat_navigation
from flows.chat import routes as chat
from flows.follow import routes as follow
from flows.growth import routes as growth
from flows.margin import routes as margin
from flows.menus import routes as menus
from flows.menus.screens import place_screen
from flows.money import plan_routes
from flows.money import routes as money
from flows.money.topup import open_amount
from flows.outcome import Outcome, show
from flows.results_routes import declarations as results_declarations
from flows.routing.registry import OnEvent, Registry, Request, Route
from flows.texts import t
from flows.wizard import routes as wizard_routes
from flows.wizard.flow import WizardFlow, redraw
from flows.wizard.render import PLACE as WIZARD


def _stale(req: Request) -> Outcome:
    """A button this version no longer knows (or a forged one): say so and show where the user is."""
    lang = req.event.lang
    notice = t(lang, "stale.button")
    if req.session.place == WIZARD:
        outcome = redraw(req, notice=notice)
        if outcome is not None:
            return outcome
    if req.session.place == broadcast_compose.PLACE:
        outcome = broadcast_compose.redraw(req, notice)
        if outcome is not None:
            return outcome
    if req.session.place == chat_navigation.PLACE:
        outcome = chat_navigation.redraw(req, notice=notice)
        if outcome is not None:
            return outcome
    return show(req.event, req.session, place_screen(req.session.place, lang, req.ctx), notice=notice)


def build_registry() -> Registry:
    wizard = WizardFlow(to_topup=lambda req, snap: open_amount(req, resume=snap))
    return Registry(
        (
            *menus.DECLARATIONS,
            *wizard_routes.declarations(wizard, chat_navigation.open_by_slug, chat.deep_link_needs),
            *chat.DECLARATIONS,
            *money.declarations(wizard),
            *margin.DECLARATIONS,
            *plan_routes.declarations(),
            *results_declarations(wizard),
            *follow.DECLARATIONS,
            *growth.declarations(),
            *broadcast.DECLARATIONS,
            OnEvent("stale", Route("stale", _stale)),
        )
    )


# Built once at import; read-only afterwards.
REGISTRY = build_registry()
