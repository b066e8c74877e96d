"""The route registry: every feature declares here, once, what it answers — its typed callback
payloads, its commands, the messages of its place — with what it needs loaded and its handler.

The runtime asks the registry to `match` an update (pure: which route, which payload, what to load),
loads what the match needs, then asks it to `decide` (pure: the route's handler → an Outcome). No
other code parses callback data or commands. Unknown or malformed callback data is answered as a
stale button; an unknown command or an unexpected message gets a hint.

Routes that lead somewhere in the menus are transitions of the menus chart (flows/routing/chart.py),
which is generated from these declarations: the chart says where a route leads, the route's handler
draws that place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from flows.context import FlowContext
from flows.incoming import Incoming
from flows.outcome import Outcome
from flows.preload import NOTHING, Loaded, Needs
from flows.routing.chart import Leads, menus_chart
from flows.routing.payloads import Codec, Payload
from flows.session import Session


class Request(NamedTuple):
    """Everything a handler may look at: what happened, where the user is, what was loaded."""

    event: Incoming
    session: Session
    loaded: Loaded
    ctx: FlowContext
    payload: Any = None
    # Where the menus chart says this route leads (None for routes outside the menus chart).
    place: str | None = None


# A handler returns None when the update turns out not to be its business (e.g. a message in a
# finished wizard): the registry then answers with the fallback of that kind (stale button / hint).
Handler = Callable[[Request], Outcome | None]
NeedsFn = Callable[[Incoming, Any, Session], Needs]


def no_needs(event: Incoming, payload: Any, session: Session) -> Needs:
    return NOTHING


@dataclass(frozen=True)
class Route:
    name: str
    handle: Handler
    needs: NeedsFn = no_needs
    # The menus-chart place this route leads to; None: the route stays within its own flow's chart.
    target: str | None = None
    # Places the route may be taken from (empty: anywhere — global navigation).
    sources: tuple[str, ...] = ()
    admin_only: bool = False
    # Runs for blocked users too (money that already arrived must be credited).
    for_blocked: bool = False
    # Explains the transition in the exported menus chart.
    label: str = ""


# --- declarations ------------------------------------------------------------------------------------

EventKind = Literal[
    "payment",  # successful_payment, in any chat type
    "pre_checkout",
    "membership",  # the user blocked or unblocked the bot
    "group",  # anything said to the bot outside a private chat
    "blocked",  # a blocked user's update
    "stale",  # callback data no route declares, or a button that no longer applies
    "unknown_command",
    "unexpected",  # a message where nothing is expected
    "inline",  # an inline query (`@bot kling` in any chat)
]


@dataclass(frozen=True)
class OnCallback:
    payload: type[Payload]
    route: Route


@dataclass(frozen=True)
class OnCommand:
    names: tuple[str, ...]
    route: Route
    # Only when the command's arguments start with this (a deep link: "/start m-<slug>"); the route
    # without a prefix takes the rest.
    args_prefix: str | None = None


@dataclass(frozen=True)
class OnMessage:
    """Messages (text, media, other) while the session is at `place`."""

    place: str
    route: Route


@dataclass(frozen=True)
class OnEvent:
    kind: EventKind
    route: Route


Declaration = OnCallback | OnCommand | OnMessage | OnEvent


class RegistryError(ValueError):
    """Two features claim the same thing, or a needed route is missing."""


class Match(NamedTuple):
    route: Route
    payload: Any
    needs: Needs


class Registry:
    """Read-only after construction."""

    def __init__(self, declarations: Iterable[Declaration]) -> None:
        callbacks: dict[type[Payload], Route] = {}
        commands: dict[tuple[str, str | None], Route] = {}
        messages: dict[str, Route] = {}
        events: dict[str, Route] = {}
        names: dict[str, Route] = {}
        for item in declarations:
            taken = names.get(item.route.name)
            if taken is not None and taken is not item.route:
                raise RegistryError(f"two routes are named {item.route.name!r}")
            names[item.route.name] = item.route
            match item:
                case OnCallback(payload=payload, route=route):
                    _claim(callbacks, payload, route, f"payload {payload.__name__}")
                case OnCommand(names=command_names, route=route, args_prefix=prefix):
                    for command in command_names:
                        _claim(commands, (command, prefix), route, f"command /{command} {prefix or ''}")
                case OnMessage(place=place, route=route):
                    _claim(messages, place, route, f"messages at {place!r}")
                case OnEvent(kind=kind, route=route):
                    _claim(events, kind, route, f"event {kind!r}")
        missing = set(EventKind.__args__) - set(events)  # type: ignore[attr-defined]
        if missing:
            raise RegistryError(f"no route for {sorted(missing)}")
        self.codec = Codec(tuple(callbacks))
        self._callbacks = callbacks
        self._commands = commands
        self._messages = messages
        self._events = events
        self.routes: tuple[Route, ...] = tuple(names.values())
        self.menus = Leads(menus_chart(self.routes, messages))

    # --- reading --------------------------------------------------------------------------------

    def data(self, payload: Payload) -> str:
        """The callback data of a button carrying `payload`."""
        return self.codec.encode(payload)

    def event_route(self, kind: EventKind) -> Route:
        return self._events[kind]

    def command_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for name, _ in self._commands))

    def message_places(self) -> tuple[str, ...]:
        return tuple(self._messages)

    def callback_routes(self) -> dict[type[Payload], Route]:
        return dict(self._callbacks)

    # --- matching and deciding -------------------------------------------------------------------

    def match(self, event: Incoming, session: Session) -> Match:
        route, payload = self._route_of(event, session)
        return Match(route, payload, route.needs(event, payload, session))

    def _route_of(self, event: Incoming, session: Session) -> tuple[Route, Any]:
        kind = event.kind
        if kind in ("blocked", "unblocked"):
            return self._events["membership"], None
        if kind == "payment":
            return self._events["payment"], None
        if kind == "pre_checkout":
            return self._events["pre_checkout"], None
        if kind == "inline":
            return self._events["inline"], None
        if event.chat_type != "private":
            return self._events["group"], None
        if kind == "callback":
            payload = self.codec.decode(event.callback_data or "")
            route = self._callbacks.get(type(payload)) if payload is not None else None
            if route is None or (route.admin_only and not event.is_admin):
                return self._events["stale"], None
            return route, payload
        if kind == "command":
            route = self._command(event.command or "", event.args)
            if route is None or (route.admin_only and not event.is_admin):
                return self._events["unknown_command"], None
            return route, None
        route = self._messages.get(session.place)
        if route is None or (route.admin_only and not event.is_admin):
            return self._events["unexpected"], None
        return route, None

    def _command(self, name: str, args: str) -> Route | None:
        for (command, prefix), route in self._commands.items():
            if command == name and prefix is not None and args.startswith(prefix):
                return route
        return self._commands.get((name, None))

    def decide(
        self, matched: Match, event: Incoming, session: Session, loaded: Loaded, ctx: FlowContext
    ) -> Outcome:
        route, place = matched.route, None
        if loaded.blocked and not event.is_admin and not route.for_blocked:
            route = self._events["blocked"]
        elif route.target is not None:
            place = self.menus.lead(session.place, route.name)
            if place is None:  # not a way out of where the user is now
                route = self._events["stale"]
        request = Request(event, session, loaded, ctx, matched.payload, place)
        outcome = route.handle(request)
        if outcome is None:
            fallback = self._events["stale" if event.kind == "callback" else "unexpected"]
            outcome = fallback.handle(request._replace(payload=None, place=None))
        assert outcome is not None, f"fallback route {route.name} must always answer"
        return outcome


def _claim(table: dict[Any, Route], key: Any, route: Route, what: str) -> None:
    if key in table and table[key] is not route:
        raise RegistryError(f"{what} is claimed by {table[key].name!r} and {route.name!r}")
    table[key] = route
