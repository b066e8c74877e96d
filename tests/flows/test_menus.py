"""The menus of issue 14: sections list families, a family lists its versions, ⭐ Популярное, search by
name/alias/transliteration/typo, inline answers with deep links, recent models on the main menu —
and every screen keeps a way back."""

from __future__ import annotations

import pytest

from flows.catalog.follow_ups import is_follow_up, listed
from flows.menus import browse, found, sections
from flows.menus.screens import back_to_menu_row
from flows.payloads.menus import OpenCategory, OpenFamily, OpenModelList, OpenPopular
from flows.preload import Loaded
from flows.screens import AnswerInlineQuery, Screen
from tests.flows.driver import CATALOG, CTX, Driver

SECTIONS = ["image", "video", "audio", "utility"]
REPRESENTATIVE_FAMILIES = ["kling", "nano-banana", "veo", "avatars"]


def render(screen: Screen) -> str:
    lines = [screen.text, "---"]
    for row in screen.buttons:
        lines.append(" | ".join(f"[{b.text}] <{b.data}>" for b in row))
    return "\n".join(lines)


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("section", SECTIONS)
def test_section_screen(section, lang, snapshot):
    driver = Driver(lang=lang)
    view = driver.tap(OpenCategory(section).data())  # type: ignore[arg-type]
    assert driver.session.place == "browse"
    assert view.buttons[0][1] == OpenPopular(section).data()  # ⭐ first
    assert render(driver.screens[-1]) == snapshot


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("family", REPRESENTATIVE_FAMILIES)
def test_family_screen(family, lang, snapshot):
    driver = Driver(lang=lang)
    driver.tap(OpenFamily(family).data())
    assert render(driver.screens[-1]) == snapshot


def test_every_enabled_model_is_one_tap_from_its_family_and_its_family_two_from_the_menu():
    driver = Driver()
    reachable: set[str] = set()
    for section in SECTIONS:
        view = driver.tap(OpenCategory(section).data())  # type: ignore[arg-type]
        for _, data in view.buttons:
            if data.startswith("fam:"):
                family = driver.tap(data)
                reachable |= {d.removeprefix("c:") for _, d in family.buttons if d.startswith("c:")}
                driver.tap(OpenCategory(section).data())  # type: ignore[arg-type]
    image_variants = {m for f in CATALOG.families.families for v in f.versions for m in [v.image] if m}
    expected = {e.slug for e in CATALOG.enabled() if e.id not in image_variants and listed(e)}
    assert expected <= reachable
    # Follow-ups open only from a result: no list leads to them.
    assert not {e.slug for e in CATALOG.enabled() if is_follow_up(e)} & reachable
    # The image variant of a pair is reached through its text variant's card (a photo picks it).
    for model_id in image_variants:
        entry = CATALOG.get(model_id)
        if not entry.enabled:
            continue
        text_variant = CATALOG.get(CATALOG.families.text_variant(model_id))
        assert entry.slug in reachable or (text_variant.enabled and text_variant.slug in reachable)


def test_family_price_is_the_cheapest_of_its_models():
    kling = CATALOG.families.get("kling")
    prices = [
        CTX.book.price_summary(e, CTX.policy).min_kopecks
        for _, entries in sections.shown_versions(kling, CTX)
        for e in entries
    ]
    lowest = min(prices)
    rubles = f"{lowest // 100} ₽" if lowest % 100 == 0 else None
    assert rubles and sections.family_price(kling, "ru", CTX) == f"от {rubles}"


def test_the_flat_list_stays_reachable_from_section_and_family():
    driver = Driver()
    driver.tap(OpenFamily("kling").data())
    view = driver.press("📋")
    assert "Выберите модель" in view.text and view.has("Дальше")
    assert driver.view.buttons[-1][1] == OpenCategory("video").data()  # back to the section


def test_popular_falls_back_to_the_curated_list_and_then_follows_runs():
    driver = Driver()
    view = driver.tap(OpenPopular("video").data())
    curated = [CATALOG.get(m).slug for m in CATALOG.families.curated_popular("video")]
    assert [d.removeprefix("c:") for _, d in view.buttons if d.startswith("c:")] == curated
    assert "обычно начинают" in view.text
    driver.loaded = Loaded(popular=("z-image", "runway", "suno", "kling-2.6/text-to-video"))
    view = driver.tap(OpenPopular("video").data())
    cards = [d.removeprefix("c:") for _, d in view.buttons if d.startswith("c:")]
    # Runs first (only this section's), then the curated ones not already there, 8 at most.
    assert cards[:2] == ["runway", "kling-2-6-text-to-video"] and len(cards) == 8
    assert "7 дней" in view.text


# --- search -----------------------------------------------------------------------------------------


def _cards(view) -> list[str]:
    return [d for _, d in view.buttons if d.startswith(("c:", "fam:"))]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Kling 2.6", "c:kling-2-6-text-to-video"),  # exact name
        ("veo", "fam:veo"),  # family
        ("банан", "fam:nano-banana"),  # alias
        ("клинг", "fam:kling"),  # Cyrillic transliteration
        ("клинг 2.6", "c:kling-2-6-text-to-video"),
        ("hailou", "fam:hailuo"),  # one letter swapped
        ("seedanse", "fam:seedance"),  # one letter wrong
        ("runwy", "fam:runway"),  # one letter missing
    ],
)
def test_search_finds_by_name_alias_transliteration_and_typo(query, first):
    driver = Driver()
    driver.command("/start")
    view = driver.text(query)
    assert driver.session.place == "search"
    cards = _cards(view)
    assert cards and cards[0] == first, (query, cards)
    assert len(cards) <= 8
    assert view.buttons[-1][0] == "🏠 В меню"


def test_search_without_a_match_shows_the_sections():
    driver = Driver()
    driver.command("/start")
    view = driver.text("нарисуй кота в шляпе")
    assert not _cards(view)
    assert "не нашлось" in view.text
    assert [label for label, _ in view.buttons] == [
        "🎨 Изображения",
        "🎬 Видео",
        "🎵 Аудио",
        "🧰 Инструменты",
        "🏠 В меню",
    ]


def test_search_for_a_switched_off_model_says_so():
    driver = Driver()
    view = driver.text("сора")
    assert view.text.startswith("ℹ️ Sora 2 сейчас недоступна.") and not _cards(view)


def test_search_works_at_every_menu_place_and_again_from_the_results():
    driver = Driver()
    for open_place in ("/help", "/start"):
        driver.command(open_place)
        assert _cards(driver.text("suno"))
    assert _cards(driver.text("flux"))[0] == "fam:flux"


def test_text_inside_a_wizard_is_never_searched():
    driver = Driver()
    driver.command("/start m-z-image")
    driver.press("🚀")
    view = driver.text("kling")  # the prompt of this wizard, not a search
    assert driver.session.place == "wizard"
    assert driver.snapshot.values["prompt"] == "kling"
    assert not _cards(view)
    driver.command("/start m-z-image")
    driver.text("veo")  # on the card: the description
    assert driver.snapshot.values == {"prompt": "veo"}


def test_media_at_a_menu_place_still_gets_the_hint():
    driver = Driver()
    driver.command("/start")
    view = driver.media("photo")
    assert "не жду файлов" in view.text and driver.session.place == "menu"


def test_search_screen_is_fast_enough_to_build_per_message():
    """Not a timing test: the index is built once per catalog and reused (flows/book.py)."""
    index = CTX.book.search_index(CATALOG)
    assert CTX.book.search_index(CATALOG) is index


# --- inline mode ------------------------------------------------------------------------------------


def _inline(query: str, lang: str = "ru", loaded: Loaded | None = None) -> AnswerInlineQuery:
    driver = Driver(lang=lang)
    if loaded is not None:
        driver.loaded = loaded
    (answer,) = driver.inline(query).actions
    assert isinstance(answer, AnswerInlineQuery) and answer.query_id == "iq-1"
    return answer


def test_inline_query_answers_articles_with_deep_links_to_cards():
    answer = _inline("клинг")
    assert answer.articles and len(answer.articles) <= found.MAX_ARTICLES
    first = answer.articles[0]
    entry = CATALOG.by_slug(first.id)
    assert entry.id == "kling-3.0/video"
    assert first.start == f"m-{entry.slug}" and first.button == "🚀 Открыть в боте"
    assert first.title.startswith("Kling 3.0 · ") and "<b>Kling 3.0</b>" in first.text
    assert all(CATALOG.by_slug(a.id).enabled for a in answer.articles)
    assert len({a.id for a in answer.articles}) == len(answer.articles)


def test_inline_query_in_english_and_empty_and_unknown():
    english = _inline("banana", "en")
    assert english.articles[0].button == "🚀 Open in the bot"
    assert "from" in english.articles[1].title or "🆓" in english.articles[0].title
    assert len(_inline("").articles) == found.MAX_ARTICLES  # the curated popular models
    assert _inline("zzzzqqq").articles == ()


def test_inline_query_of_a_blocked_user_gets_no_results():
    assert _inline("kling", loaded=Loaded(blocked=True)).articles == ()


def test_inline_deep_link_opens_the_card():
    slug = _inline("veo").articles[0].start.removeprefix("m-")
    driver = Driver()
    driver.command(f"/start m-{slug}")
    assert driver.snapshot.model_id == CATALOG.by_slug(slug).id


# --- recents --------------------------------------------------------------------------------------


def test_main_menu_shows_the_last_three_models_that_still_run():
    driver = Driver()
    driver.loaded = Loaded(recent=("kling-2.6/text-to-video", "midjourney", "z-image", "suno"))
    view = driver.command("/start")
    recent = [(label, data) for label, data in view.buttons if label.startswith("🕘")]
    # midjourney is switched off: left out; at most three.
    assert recent == [
        ("🕘 Kling 2.6", "c:kling-2-6-text-to-video"),
        ("🕘 Z-Image", "c:z-image"),
        ("🕘 Suno · музыка", "c:suno"),
    ]
    # 💬 Тексты first, then the recents, then the sections.
    assert [label for label, _ in view.buttons[:5]] == [
        "💬 Тексты",
        "🕘 Kling 2.6",
        "🕘 Z-Image",
        "🕘 Suno · музыка",
        "🎨 Изображения",
    ]


def test_no_recent_row_for_a_new_user():
    view = Driver().command("/start")
    assert not any(label.startswith("🕘") for label, _ in view.buttons)


# --- a way back everywhere --------------------------------------------------------------------------

BACK_LABELS = ("⬅️", "🏠")


def _screens_of_the_menus() -> list[Screen]:
    ctx = CTX
    out = []
    for lang in ("ru", "en"):
        for section in SECTIONS:
            out.append(sections.section_screen(section, lang, ctx))
            out.append(sections.popular_screen(section, (), lang, ctx))
            out.append(browse.model_list_screen(section, 0, lang, ctx))
        for family in CATALOG.families.families:
            if sections.shown_versions(family, ctx):
                out.append(sections.family_screen(family, lang, ctx))
        for query in ("kling", "qqqq", "sora"):
            out.append(found.found_screen(query, lang, ctx, menu_row=back_to_menu_row(lang)))
    return out


def test_every_menus_screen_has_a_way_back():
    for screen in _screens_of_the_menus():
        labels = screen.button_texts()
        assert any(label.startswith(BACK_LABELS) for label in labels), labels


def test_every_menus_button_fits_telegram_and_is_a_declared_payload():
    from flows.app import REGISTRY

    for screen in _screens_of_the_menus():
        for row in screen.buttons:
            assert len(row) <= 4
            for button in row:
                assert button.data and REGISTRY.codec.decode(button.data) is not None, button


def test_model_list_payload_round_trip():
    assert OpenModelList("video", 2).data() == "list:video:2"
