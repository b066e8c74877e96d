"""A flat chart's transitions as a lookup table, for charts whose events are routes or job steps."""

from __future__ import annotations

from statemachine import StateChart


class Transitions:
    """A flat chart's unguarded transitions as a table: (state, event) → target, read off the class once.
    For charts whose events are routes (menus, top-up, admin panel): looking up is what firing would do,
    without positioning a machine on every update."""

    def __init__(self, chart: type[StateChart]) -> None:
        self.chart = chart
        self._table: dict[tuple[str, str], str] = {}
        for state in chart.states:
            for transition in state.transitions:
                if transition.target is None:
                    continue
                for event in transition.events:
                    self._table.setdefault((state.id, str(event)), transition.target.id)

    def lead(self, state: str, event: str) -> str | None:
        """Where `event` leads from `state`; None when the chart has no such transition."""
        return self._table.get((state, event))

    def allows(self, state: str, event: str) -> bool:
        return (state, event) in self._table
