"""What the follow-up actions look like: the buttons under a Result View, each with its price (the
answer to a deep link to a follow-up model is the wizard's: flows/wizard/screens/follow_link.py)."""

from __future__ import annotations

from typing import Any

from flows.catalog.follow_ups import FollowUpAction, item_facts, parent_values
from flows.catalog.pricing import PricingError, format_rub, from_price, price_kopecks, reachable_combinations
from flows.catalog.types import FileListField, ModelEntry
from flows.payloads.follow import FollowUpAction as ActionButton
from flows.payloads.menus import OpenMenu
from flows.screens import Button, Screen
from flows.texts import t

PER_ROW = 2
MAX_ITEMS = 10


def start_values(
    action: FollowUpAction, entry: ModelEntry, job: Any, parent: ModelEntry | None, item: int = 0
) -> dict | None:
    """The values the action's wizard starts with (a file list gets the parent's result as its item)."""
    values = parent_values(action, entry, job, parent, item)
    if values is None:
        return None
    props = entry.schema.properties
    return {
        name: [value] if isinstance(props[name], FileListField) and not isinstance(value, list) else value
        for name, value in values.items()
    }


def action_price(entry: ModelEntry, values: dict[str, Any], policy: Any) -> str | None:
    """The price the action will cost: exact when nothing left to choose changes it, else "от X ₽"."""
    prices = set()
    for combo in reachable_combinations(entry) or [{}]:
        if any(name in values and values[name] != value for name, value in combo.items()):
            continue  # the parent decided this one
        try:
            prices.add(price_kopecks(entry, {**values, **combo}, policy))
        except PricingError:
            continue
    if not prices:
        return None
    low = min(prices)
    return format_rub(low) if len(prices) == 1 else from_price(low)


def offered(
    job: Any, catalog: Any, policy: Any, item: int = 0
) -> list[tuple[FollowUpAction, ModelEntry, dict, str]]:
    """The actions a finished job offers on its result number `item`: (action, its model, start
    values, price text)."""
    if catalog is None or job is None:
        return []
    parent = catalog.get(job.model_id)
    found = []
    for action in catalog.follow_ups.of(parent):
        entry = catalog.get(action.model)
        if entry is None or not entry.enabled:
            continue
        values = start_values(action, entry, job, parent, item)
        price = action_price(entry, values, policy) if values is not None else None
        if values is not None and price is not None:
            found.append((action, entry, values, price))
    return found


def action_rows(lang: str, job: Any, catalog: Any, policy: Any) -> tuple[tuple[Button, ...], ...]:
    buttons = [
        Button(
            t(lang, f"follow.action.{action.action}", price=price),
            data=ActionButton(job.request_id, action.action).data(),
        )
        for action, _, _, price in offered(job, catalog, policy)
    ]
    return tuple(tuple(buttons[i : i + PER_ROW]) for i in range(0, len(buttons), PER_ROW))


def item_count(action: FollowUpAction, entry: ModelEntry, job: Any, catalog: Any) -> int:
    """How many of the job's results the action can work on (1 when it works on the task as a whole)."""
    if not item_facts(action, entry):
        return 1
    parent = catalog.get(job.model_id)
    return sum(1 for i in range(MAX_ITEMS) if start_values(action, entry, job, parent, i) is not None)


def item_picker(lang: str, job: Any, action: FollowUpAction, kind: str, count: int) -> Screen:
    """Several results (Suno's two tracks): which one the action works on."""
    buttons = [
        Button(
            t(lang, f"follow.item.{kind}", n=i + 1),
            data=ActionButton(job.request_id, action.action, i).data(),
        )
        for i in range(count)
    ]
    rows = [tuple(buttons[i : i + PER_ROW]) for i in range(0, len(buttons), PER_ROW)]
    label = t(lang, f"follow.action.{action.action}", price="").rstrip(" ·")
    return Screen(
        text=t(lang, "follow.pick", action=label, request_id=job.request_id),
        buttons=(*rows, (Button(t(lang, "menu.back_to_menu"), data=OpenMenu().data()),)),
    )
