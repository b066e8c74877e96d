"""Callback payloads of the menus (global navigation: valid on any message, so never stale)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from flows.routing.payloads import Payload

Page = Annotated[int, Meta(ge=0, le=999)]
Category = Literal["image", "video", "audio", "utility"]


class OpenMenu(Payload, frozen=True):
    prefix = "m:menu"


class OpenHelp(Payload, frozen=True):
    prefix = "m:help"


class OpenSupport(Payload, frozen=True):
    prefix = "m:support"


class OpenSettings(Payload, frozen=True):
    prefix = "m:settings"


class ChooseLanguage(Payload, frozen=True):
    prefix = "lang"
    lang: Literal["ru", "en"]


class OpenCategory(Payload, frozen=True):
    prefix = "cat"
    kind: Category
    page: Page = 0


class OpenFree(Payload, frozen=True):
    prefix = "free"
    page: Page = 0


class OpenFamily(Payload, frozen=True):
    """A family's versions and modes (flows/catalog/data/families.json names the families)."""

    prefix = "fam"
    family: Annotated[str, Meta(min_length=1, max_length=24, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class OpenPopular(Payload, frozen=True):
    """⭐ Популярное of a section."""

    prefix = "pop"
    kind: Category


class OpenModelList(Payload, frozen=True):
    """The flat per-model list of a section (reachable from the section and family screens)."""

    prefix = "list"
    kind: Category
    page: Page = 0


PAYLOADS = (
    OpenMenu,
    OpenHelp,
    OpenSupport,
    OpenSettings,
    ChooseLanguage,
    OpenCategory,
    OpenFree,
    OpenFamily,
    OpenPopular,
    OpenModelList,
)
