"""The menus chart, generated from the route registry: every place a route leads to is a state, every
route with a target is a transition (global navigation from the enclosing `bot` state, so any place
takes it; a route limited to some places starts from those).

The registry builds this chart once and reads where a route leads from it — a lookup table taken
from the generated class, because positioning and firing a machine costs about a third of a
millisecond and this is on every update's path. `trt flows export` draws the same class.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from statemachine import StateChart
from statemachine.io.class_factory import create_machine_class_from_definition

ROOT = "bot"
HOME = "menu"


class RouteLike(Protocol):
    name: str
    target: str | None
    sources: tuple[str, ...]
    label: str


def menus_definition(routes: Iterable[RouteLike], places: Iterable[str]) -> dict[str, dict]:
    routes = [r for r in routes if r.target is not None]
    names = [HOME, *places, *(r.target for r in routes), *(s for r in routes for s in r.sources)]
    states: dict[str, dict] = {}
    for place in dict.fromkeys(names):  # ordered, unique
        states[place] = {"name": place.replace("_", " ").capitalize()}
    states[HOME]["initial"] = True
    global_on: dict[str, list[dict]] = {}
    for route in routes:
        transition = {"target": route.target}
        if route.sources:
            for source in route.sources:
                states[source].setdefault("on", {})[route.name] = [transition]
        else:
            global_on[route.name] = [transition]
    return {ROOT: {"initial": True, "name": "TRT", "states": states, "on": global_on}}


def menus_chart(routes: Iterable[RouteLike], places: Iterable[str]) -> type[StateChart]:
    return create_machine_class_from_definition(
        "MenuNavigation",
        states=menus_definition(routes, places),
        catch_errors_as_events=False,
        allow_event_without_transition=False,
    )


class Leads:
    """(place, route name) → the place the menus chart leads to, read off the chart class once."""

    def __init__(self, chart: type[StateChart]) -> None:
        self.chart = chart
        root = chart.states_map[ROOT]
        global_leads = {str(event): t.target.id for t in root.transitions for event in t.events if t.target}
        self._table: dict[tuple[str, str], str] = {}
        self.places = tuple(s.id for s in root.states)
        for state in root.states:
            for event, target in global_leads.items():
                self._table[(state.id, event)] = target
            for transition in state.transitions:
                for event in transition.events:
                    if transition.target is not None:
                        self._table[(state.id, str(event))] = transition.target.id

    def lead(self, place: str, route_name: str) -> str | None:
        """Where `route_name` leads from `place`; None when the chart has no such transition."""
        if place not in self.places:
            place = HOME
        return self._table.get((place, route_name))
