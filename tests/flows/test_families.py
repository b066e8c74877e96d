"""Families are catalog data (flows/catalog/data/families.json): the loader refuses a file the menus
could not show honestly, naming what is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows.catalog import CatalogError, load_catalog
from flows.catalog.families import FAMILIES_FILE, SECTIONS
from flows.catalog.follow_ups import listed
from flows.catalog.loader import DATA_DIR, DATA_FILES
from flows.catalog.text import TEXT_FILE
from tests.flows.driver import CATALOG


def test_every_enabled_model_of_a_section_is_in_exactly_one_family():
    placed: dict[str, str] = {}
    for family in CATALOG.families.families:
        for version in family.versions:
            for model_id in version.models:
                assert model_id not in placed, model_id
                placed[model_id] = family.id
    for entry in CATALOG.enabled():
        if entry.type in SECTIONS and listed(entry):
            assert entry.id in placed, entry.id
            assert CATALOG.families.of_model(entry.id).section == entry.type


def test_pairs_are_a_text_variant_and_its_image_variant():
    pairs = [(v.text, v.image) for f in CATALOG.families.families for v in f.versions if v.text]
    assert ("kling-2.6/text-to-video", "kling-2.6/image-to-video") in pairs
    for text, image in pairs:
        assert "image" not in CATALOG.get(text).supports.inputs
        assert CATALOG.families.image_variant(text) == image
        assert CATALOG.families.text_variant(image) == text


def _planted(tmp_path: Path, mutate) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for name in (*DATA_FILES, TEXT_FILE, FAMILIES_FILE):
        shutil.copy(DATA_DIR / name, target / name)
    path = target / FAMILIES_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


def _family(data: dict, family_id: str) -> dict:
    return next(f for f in data["families"] if f["id"] == family_id)


@pytest.mark.parametrize(
    ("mutate", "says"),
    [
        (lambda d: _family(d, "veo")["versions"].append({"model": "veo4"}), "unknown model 'veo4'"),
        (
            lambda d: _family(d, "veo")["versions"].append({"model": "z-image"}),
            "'z-image' is a image model, the family is in video",
        ),
        (
            lambda d: _family(d, "kling")["versions"].append({"model": "kling-2.6/text-to-video"}),
            "already in family 'kling'",
        ),
        (
            lambda d: _family(d, "veo")["versions"].append(
                {"text": "kling-3.0/video", "image": "kling-2.6/motion-control"}
            ),
            "'kling-3.0/video' takes images, so it cannot be the pair's text variant",
        ),
        (
            lambda d: _family(d, "veo")["versions"].append({"text": "kling-2.6/text-to-video"}),
            "either `model` or both `text` and `image`",
        ),
        (
            lambda d: _family(d, "veo").update(versions=[{"model": "veo3"}]),
            "'veo3_fast' (video) is in no family",
        ),
        (lambda d: d["sections"]["audio"]["popular"].append("z-image"), "popular model 'z-image'"),
        (lambda d: d["families"].append(dict(_family(d, "suno"))), "duplicate id"),
        (lambda d: _family(d, "suno").update(id="Suno!"), "families"),
    ],
)
def test_planted_mistakes_are_refused_with_their_reason(tmp_path, mutate, says):
    with pytest.raises(CatalogError) as caught:
        load_catalog(_planted(tmp_path, mutate))
    message = str(caught.value)
    assert message.startswith("flows/catalog/data/families.json") or "families.json" in message
    assert says in message, message


def test_a_catalog_without_families_shows_the_flat_lists(tmp_path):
    target = tmp_path / "data"
    target.mkdir()
    for name in (*DATA_FILES, TEXT_FILE):
        shutil.copy(DATA_DIR / name, target / name)
    catalog = load_catalog(target)
    assert not catalog.families
    from flows.book import Book
    from flows.context import FlowContext
    from tests.flows.driver import POLICY, Driver

    driver = Driver(
        ctx=FlowContext(support_text="", support_telegram="@x", catalog=catalog, policy=POLICY, book=Book())
    )
    view = driver.press("🎨", on=driver.command("/start"))
    assert "Выберите модель" in view.text and view.has("Дальше")
