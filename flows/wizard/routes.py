"""The wizard's routes: a model card opened from a list, a deep link or a repeat; its buttons; the
messages typed at its steps."""

from __future__ import annotations

from collections.abc import Callable

from flows.catalog.follow_ups import is_follow_up
from flows.incoming import Incoming
from flows.menus.screens import main_menu
from flows.outcome import Outcome, show
from flows.payloads.wizard import OpenCard, WizardButton
from flows.preload import NOTHING, Needs
from flows.routing.registry import Declaration, OnCallback, OnCommand, OnMessage, Request, Route
from flows.session import Session
from flows.texts import t
from flows.wizard.flow import WizardFlow, leave
from flows.wizard.messages import on_message
from flows.wizard.render import PLACE
from flows.wizard.screens.follow_link import deep_link_screen

DEEP_LINK_PREFIX = "m-"


def _album_needs(event: Incoming, payload: object, session: Session) -> Needs:
    media = event.media
    return Needs(album=media.media_group_id) if media is not None and media.media_group_id else NOTHING


# Another catalog's card behind a deep link (💬 Тексты: the chat models share the slug space), and
# what it needs loaded; None from the handler: not one of its models either.
OtherCard = Callable[[Request, str], Outcome | None]
OtherNeeds = Callable[[str], Needs]


def declarations(
    flow: WizardFlow, other_card: OtherCard | None = None, other_needs: OtherNeeds | None = None
) -> tuple[Declaration, ...]:
    def open_model(req: Request, slug: str) -> Outcome:
        catalog = req.ctx.catalog
        entry = catalog.by_slug(slug) if catalog is not None else None
        if entry is not None and entry.enabled and is_follow_up(entry):
            # It needs a parent job: say where it opens from instead of a card that cannot run.
            return show(req.event, leave(req.session, "menu"), deep_link_screen(entry, req.event.lang))
        if entry is not None and entry.enabled:
            return flow.open_card(req, entry)
        other = other_card(req, slug) if other_card is not None else None
        if other is not None:
            return other
        lang = req.event.lang
        screen = main_menu(lang, req.ctx, notice=t(lang, "browse.unknown_model"))
        return show(req.event, leave(req.session, "menu"), screen)

    open_card = Route(
        "open_card", lambda req: open_model(req, req.payload.slug), target=PLACE, label="a model from a list"
    )

    def deep_link_needs(event: Incoming, payload: object, session: Session) -> Needs:
        slug = event.args[len(DEEP_LINK_PREFIX) :]
        return other_needs(slug) if other_needs is not None else NOTHING

    deep_link = Route(
        "deep_link",
        lambda req: open_model(req, req.event.args[len(DEEP_LINK_PREFIX) :]),
        needs=deep_link_needs,
        target=PLACE,
        label="/start m-<slug>",
    )
    return (
        OnCallback(OpenCard, open_card),
        OnCommand(("start",), deep_link, args_prefix=DEEP_LINK_PREFIX),
        OnCallback(WizardButton, Route("wizard_button", flow.on_button)),
        OnMessage(PLACE, Route("wizard_input", lambda req: on_message(flow, req), needs=_album_needs)),
    )
