"""What flows build once and reuse across updates: wizard chart classes, one positioned machine per
chart, the models' price summaries and the search index.

Building a chart class takes milliseconds, a machine binds every callback, and a price summary walks
every option combination, while a transition or a lookup is a fraction of that. The runtime makes
one Book per process and passes it in FlowContext; flows keep no mutable state at module level.
Safe without locks because a transition never awaits.
"""

from __future__ import annotations

from typing import Any

from statemachine import StateChart

from flows.catalog.pricing import PriceSummary, PricingPolicy, price_summary
from flows.catalog.types import ModelEntry
from flows.menus.search import SearchIndex
from flows.wizard.chart import WizardModel, build_chart, schema_hash


class Book:
    def __init__(self) -> None:
        # Generated classes by (model id, schema hash): a catalog change builds new ones.
        self._charts: dict[tuple[str, str], type[StateChart]] = {}
        self._machines: dict[tuple[str, str], tuple[StateChart, WizardModel]] = {}
        # schema hash and price summary per entry object (entries are immutable, live with the catalog).
        self._hashes: dict[int, tuple[ModelEntry, str]] = {}
        self._summaries: dict[tuple[int, int], tuple[ModelEntry, PricingPolicy, PriceSummary]] = {}
        # The search index of the catalog it was built for (a new catalog builds a new one).
        self._search: tuple[Any, SearchIndex] | None = None

    def entry_hash(self, entry: ModelEntry) -> str:
        cached = self._hashes.get(id(entry))
        if cached is None or cached[0] is not entry:
            cached = (entry, schema_hash(entry))
            self._hashes[id(entry)] = cached
        return cached[1]

    def chart(self, entry: ModelEntry) -> type[StateChart]:
        """The generated chart class of a model, built once per schema version."""
        key = (entry.id, self.entry_hash(entry))
        cls = self._charts.get(key)
        if cls is None:
            cls = self._charts[key] = build_chart(entry)
        return cls

    def machine(
        self, entry: ModelEntry, values: dict[str, Any], state: str
    ) -> tuple[StateChart, WizardModel]:
        """The chart's machine positioned at `state` with these values; read the new state from the model."""
        key = (entry.id, self.entry_hash(entry))
        cached = self._machines.get(key)
        if cached is not None and cached[0].is_terminated:
            # A machine that entered a final state has stopped its engine: it must not be reused.
            cached = None
        if cached is None:
            model = WizardModel(entry, values)
            cached = self._machines[key] = (self.chart(entry)(model), model)
        machine, model = cached
        model.entry, model.values, model.state = entry, values, state
        return machine, model

    def search_index(self, catalog: Any) -> SearchIndex:
        """Names, families and aliases of `catalog` to search in, built once per catalog (~20 ms)."""
        if self._search is None or self._search[0] is not catalog:
            self._search = (catalog, SearchIndex(catalog))
        return self._search[1]

    def price_summary(self, entry: ModelEntry, policy: PricingPolicy) -> PriceSummary:
        cached = self._summaries.get((id(entry), id(policy)))
        if cached is not None and cached[0] is entry and cached[1] is policy:
            return cached[2]
        summary = price_summary(entry, policy)
        self._summaries[(id(entry), id(policy))] = (entry, policy, summary)
        return summary
