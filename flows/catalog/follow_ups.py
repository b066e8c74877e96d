"""Follow-up actions on a result: what a finished job offers next (➕ Продлить a Suno track, 🖥 1080p of a
Veo video, 🔍 Улучшить an image…), as catalog data (data/follow_ups.json).

An action opens a model's wizard with what it takes from the parent job already filled in:
- a follow-up model (Suno extend, Veo upgrade, Grok extend…) has fields marked `parent` in its schema —
  the parent's Kie task id, track id or result — that are never asked, shown or edited; such a model is
  never listed anywhere (menus, search, inline mode, popular, recents) and opens only from a result;
- an ordinary model (an upscaler, an image-to-video model) gets the parent's result in a visible field
  (`prefill`), so its first step is already answered, as a photo sent on its card would be.

Pure data and functions of plain values: the runtime passes the parent job, these pick what it offers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from flows.catalog.problems import CatalogError
from flows.catalog.types import FieldName, ModelEntry, OutputKind, ParentFact, Scalar
from flows.files import telegram_file_value

FOLLOW_UPS_FILE = "follow_ups.json"

# The button of each action (texts: follow.action.<name>), in the order they are shown.
ActionName = Literal["extend", "cover", "stems", "wav", "hd", "uhd", "upscale", "animate"]
ACTIONS: tuple[str, ...] = ActionName.__args__  # type: ignore[attr-defined]


class FollowUpAction(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    action: ActionName
    model: Annotated[str, Meta(min_length=1, max_length=128)]
    # The parents: these model ids, and/or every listed model with this output.
    of: tuple[str, ...] = ()
    of_output: OutputKind | None = None
    # Visible fields of `model` filled from the parent (their steps are skipped, they stay editable).
    prefill: dict[FieldName, ParentFact] = {}
    # Offered only when the parent's input holds one of these values (an absent value: its default).
    when: dict[FieldName, tuple[Scalar, ...]] = {}


_decoder = msgspec.json.Decoder(list[FollowUpAction])


def is_follow_up(entry: ModelEntry) -> bool:
    """A model that needs a parent job: opened only from a result, never listed."""
    return any(spec.parent is not None for spec in entry.schema.properties.values())


def listed(entry: ModelEntry) -> bool:
    """Shown in menus, search, inline answers, popular and recents."""
    return entry.enabled and not is_follow_up(entry)


class FollowUps:
    def __init__(self, actions: tuple[FollowUpAction, ...] = ()) -> None:
        self.actions = actions

    def of(self, parent: ModelEntry | None) -> list[FollowUpAction]:
        """The actions a result of `parent` may offer, in button order (before the facts are checked)."""
        if parent is None:
            return []
        found = [
            a
            for a in self.actions
            if parent.id in a.of or (a.of_output is not None and a.of_output == parent.supports.output)
        ]
        return sorted(found, key=lambda a: ACTIONS.index(a.action))

    def find(self, parent: ModelEntry | None, action: str) -> FollowUpAction | None:
        return next((a for a in self.of(parent) if a.action == action), None)

    def targets(self) -> set[str]:
        return {a.model for a in self.actions}


NO_FOLLOW_UPS = FollowUps()


def load_follow_ups(data: bytes, shown: str, entries: Mapping[str, ModelEntry]) -> FollowUps:
    try:
        actions = tuple(_decoder.decode(data))
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise CatalogError(f"{shown}: {error}") from None
    problem = next(iter(_problems(actions, entries)), None)
    if problem is not None:
        raise CatalogError(f"{shown}: {problem}")
    return FollowUps(actions)


def _problems(actions: tuple[FollowUpAction, ...], entries: Mapping[str, ModelEntry]) -> Iterator[str]:
    opened = set()
    for index, action in enumerate(actions):
        where = f"action {index} ({action.action})"
        entry = entries.get(action.model)
        if entry is None:
            yield f"{where}: unknown model {action.model!r}"
            continue
        opened.add(entry.id)
        if not action.of and action.of_output is None:
            yield f"{where}: no parents (`of` or `of_output`)"
        # A follow-up may follow a follow-up (an extended song is extended again, converted to WAV…).
        for parent_id in action.of:
            if parent_id not in entries:
                yield f"{where}: unknown parent {parent_id!r}"
        for name in action.prefill:
            spec = entry.schema.properties.get(name)
            if spec is None or spec.parent is not None:
                yield f"{where}: prefill {name!r} is not a visible field of {entry.id!r}"
        if not is_follow_up(entry) and not action.prefill:
            yield f"{where}: {entry.id!r} takes nothing from the parent"
    for entry in entries.values():
        if is_follow_up(entry) and entry.enabled and entry.id not in opened:
            yield f"model {entry.id!r} needs a parent but no action opens it"


# --- what a parent job gives -------------------------------------------------------------------------


# Facts that name one of the job's results (a track, a file): an action using one works on one item.
ITEM_FACTS = frozenset({"audio_id", "result_url", "result_file"})


def _nth(items: Any, item: int) -> Any:
    items = list(items or ())
    return items[item] if 0 <= item < len(items) else None


def parent_fact(fact: str, job: Any, parent: ModelEntry | None, item: int = 0) -> Any:
    """The value of `fact` for a parent job (flows.jobs.model.Job) and its result number `item`, None
    when it has none."""
    if fact == "task_id":
        return job.kie_task_id or None
    if fact == "audio_id":
        return _nth(job.result_ids, item)
    if fact == "result_url":
        return _nth(job.result_urls, item)
    if fact == "result_file":
        file_id = _nth(job.result_file_ids, item)
        return telegram_file_value(file_id) if file_id else None
    if fact == "model_id":
        return job.model_id
    name = fact.removeprefix("input.")
    value = (job.input or {}).get(name)
    if value is None and parent is not None:
        spec = parent.schema.properties.get(name)
        value = getattr(spec, "default", None) if spec is not None else None
    return value


def item_facts(action: FollowUpAction, entry: ModelEntry) -> bool:
    """Whether the action works on one of the parent's results (so the user may pick which)."""
    facts = {spec.parent for spec in entry.schema.properties.values() if spec.parent}
    return bool((facts | set(action.prefill.values())) & ITEM_FACTS)


def parent_values(
    action: FollowUpAction, entry: ModelEntry, job: Any, parent: ModelEntry | None, item: int = 0
) -> dict[str, Any] | None:
    """The wizard values `entry` starts with for this parent job: its hidden parent fields and the
    action's prefills. None when the parent lacks something the action needs (no track id, no result,
    an input the action does not apply to)."""
    for name, allowed in action.when.items():
        if parent_fact(f"input.{name}", job, parent) not in allowed:
            return None
    values: dict[str, Any] = {}
    wanted = {name: spec.parent for name, spec in entry.schema.properties.items() if spec.parent}
    wanted.update(action.prefill)
    for name, fact in wanted.items():
        value = parent_fact(fact, job, parent, item)
        mapping = entry.schema.properties[name].parent_map
        if mapping:
            value = mapping.get(str(value))
        if value is None:
            return None
        values[name] = value
    return values
