"""Text (chat) models: `type: text` catalog entries, loaded from data/text.json and checked at startup.

A chat model is not a task: Kie answers synchronously over one of three wire protocols, bills by the
token and reports `credits_consumed`. The entry keeps the same contract as the task models (id, slug,
type, schema, examples, pricing, supports, source), with what a dialog needs instead of a task's
fields: the protocol and endpoint, the context window, timeouts and prices per million tokens.
Facts come from the Kie chat reference (each entry's `source` names where).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from flows.catalog.problems import CatalogError
from flows.catalog.types import InputSchema, IntegerField, NonNegInt, PositiveInt, Slug, TextField
from flows.catalog.validate import InputError, validate_value

TEXT_FILE = "text.json"

# OpenAI chat completions, Anthropic messages, OpenAI responses (Gemini's native protocol is not used).
ChatProtocol = Literal["openai_chat", "anthropic_messages", "openai_responses"]
CreditsPerMillion = Annotated[float, Meta(ge=0)]


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class TokenPricing(_Struct, frozen=True, kw_only=True):
    """Kie's price in credits per million tokens (credits = US$ × 200)."""

    unit: Literal["1m_tokens"] = "1m_tokens"
    input: CreditsPerMillion
    output: CreditsPerMillion
    # Cached input tokens where Kie publishes a price; None: billed as ordinary input.
    cached_input: CreditsPerMillion | None = None
    source: Annotated[tuple[str, ...], Meta(min_length=1)]


class TextSupports(_Struct, frozen=True, kw_only=True):
    vision: bool  # photos go to the model as image parts
    files: bool  # documents (PDF…) as file parts
    streaming: bool


class TextModel(_Struct, frozen=True, kw_only=True):
    id: Annotated[str, Meta(min_length=1, max_length=64)]
    slug: Slug
    type: Literal["text"]
    enabled: bool
    disabled_reason: str | None = None
    rank: NonNegInt
    protocol: ChatProtocol
    # Path under KIE_API_BASE; OpenAI chat paths select the model themselves (no `model` in the body).
    endpoint: Annotated[str, Meta(pattern=r"^/[A-Za-z0-9._/-]+$")]
    send_model: bool
    context_tokens: PositiveInt
    max_output_tokens: PositiveInt
    # Tokens Kie adds to every request on its own (an injected system prompt): billed, never shown.
    hidden_prompt_tokens: NonNegInt = 0
    # The whole answer, and the longest silence between two bytes of a stream (Claude batches output).
    timeout_seconds: PositiveInt
    idle_timeout_seconds: PositiveInt
    # The dialog parameters: `prompt` (the user's message) and the request knobs (max_tokens, …).
    schema: InputSchema
    examples: tuple[dict[str, Any], ...] = ()
    pricing: TokenPricing
    supports: TextSupports
    source: Annotated[tuple[str, ...], Meta(min_length=1)]

    @property
    def max_tokens_default(self) -> int:
        field = self.schema.properties.get("max_tokens")
        default = field.default if isinstance(field, IntegerField) else None
        return default or self.max_output_tokens

    def param_default(self, name: str) -> Any:
        field = self.schema.properties.get(name)
        return getattr(field, "default", None) if field is not None else None


class TextCatalog:
    """The chat models, indexed; immutable once loaded."""

    def __init__(self, models: tuple[TextModel, ...] = ()) -> None:
        self.models = models
        self._by_id = {m.id: m for m in models}
        self._by_slug = {m.slug: m for m in models}
        self._enabled = sorted((m for m in models if m.enabled), key=lambda m: (m.rank, m.id))

    def __len__(self) -> int:
        return len(self.models)

    def get(self, model_id: str) -> TextModel | None:
        return self._by_id.get(model_id)

    def by_slug(self, slug: str) -> TextModel | None:
        return self._by_slug.get(slug)

    def enabled(self) -> list[TextModel]:
        """Most useful first (rank)."""
        return list(self._enabled)

    def with_vision(self) -> list[TextModel]:
        return [m for m in self._enabled if m.supports.vision]


NO_TEXT = TextCatalog()
_decoder = msgspec.json.Decoder(list[TextModel])


def load_text_models(directory: Path, taken_slugs: dict[str, str]) -> TextCatalog:
    """Decode and check data/text.json; raises CatalogError naming the model and field. `taken_slugs`
    (slug → model id of the task catalog) keeps deep links unambiguous across both catalogs."""
    try:
        return _load(directory / TEXT_FILE, taken_slugs)
    except ValueError as error:
        raise CatalogError(str(error)) from None


def _load(path: Path, taken_slugs: dict[str, str]) -> TextCatalog:
    try:
        models = _decoder.decode(path.read_bytes())
    except OSError as error:
        raise ValueError(f"{TEXT_FILE}: cannot read ({error.strerror})") from None
    except msgspec.DecodeError as error:  # ValidationError included: msgspec names the path
        raise ValueError(f"{TEXT_FILE}: {error}") from None
    seen: dict[str, str] = dict(taken_slugs)
    ids: set[str] = set()
    for model in models:
        for field, message in check_text_model(model):
            raise ValueError(f"{TEXT_FILE}: model {model.id!r}, field {field!r}: {message}")
        if model.id in ids:
            raise ValueError(f"{TEXT_FILE}: model {model.id!r}, field 'id': duplicate")
        if model.slug in seen:
            raise ValueError(
                f"{TEXT_FILE}: model {model.id!r}, field 'slug': {model.slug!r} is also {seen[model.slug]!r}"
            )
        ids.add(model.id)
        seen[model.slug] = model.id
    return TextCatalog(tuple(models))


def check_text_model(model: TextModel) -> Iterator[tuple[str, str]]:
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,48}", model.id):
        # The id rides in callback data (flows/payloads/chat.py): short, and no ":" separator.
        yield "id", "at most 48 characters of [A-Za-z0-9._-]"
    expected = re.sub(r"[/.]", "-", model.id)
    if model.slug != expected:
        yield "slug", f"must be {expected!r} (the id with '/' and '.' turned into '-')"
    if model.enabled == bool(model.disabled_reason):
        yield "disabled_reason", "needed exactly when the model is disabled"
    if model.enabled and not model.examples:
        yield "examples", "an enabled model needs at least one example"
    if model.enabled and (model.pricing.input <= 0 or model.pricing.output <= 0):
        yield "pricing", "an enabled model needs positive input and output prices"
    if model.max_output_tokens >= model.context_tokens:
        yield "max_output_tokens", "must be below context_tokens"
    if model.protocol != "openai_chat" and not model.send_model:
        yield "send_model", "Anthropic and Responses endpoints need the model in the body"
    props = model.schema.properties
    prompt = props.get("prompt")
    if not isinstance(prompt, TextField) or model.schema.required != ("prompt",):
        yield "schema", "the dialog schema needs exactly one required text field 'prompt'"
    max_tokens = props.get("max_tokens")
    if not isinstance(max_tokens, IntegerField) or max_tokens.default is None:
        yield "schema.properties.max_tokens", "an integer field with a default is needed"
    elif (max_tokens.maximum or 0) > model.max_output_tokens:
        yield "schema.properties.max_tokens.maximum", "above the model's max_output_tokens"
    for name, field in props.items():
        default = getattr(field, "default", None)
        if default is not None:
            try:
                validate_value(field, default)
            except InputError as error:
                yield f"schema.properties.{name}.default", f"invalid ({error.code})"
    for i, example in enumerate(model.examples):
        for name, value in example.items():
            if name not in props:
                yield f"examples[{i}].{name}", "unknown field"
                continue
            try:
                validate_value(props[name], value)
            except InputError as error:
                yield f"examples[{i}].{name}", f"invalid ({error.code})"
        if "prompt" not in example:
            yield f"examples[{i}]", "an example needs a prompt"
