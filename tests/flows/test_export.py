"""The committed flow diagrams (docs/flows) must match what the code generates."""

from pathlib import Path

from flows.export import export
from flows.menus_chart import menu_chart
from tests.flows.driver import CATALOG, POLICY

DOCS = Path(__file__).resolve().parents[2] / "docs" / "flows"


def test_committed_diagrams_are_up_to_date():
    files = export(CATALOG, POLICY)
    stale = [
        path
        for path, content in files.items()
        if not (DOCS / path).exists() or (DOCS / path).read_text() != content
    ]
    extra = sorted(
        str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if str(p.relative_to(DOCS)) not in files
    )
    assert not stale and not extra, (
        f"docs/flows is out of date (run `trt flows export`): changed {stale[:5]}, removed {extra[:5]}"
    )


def test_one_diagram_per_enabled_model_plus_menus_and_index():
    files = export(CATALOG, POLICY)
    assert len([p for p in files if p.startswith("models/")]) == len(CATALOG.enabled())
    assert {"index.md", "menus.md"} <= set(files)


def test_menu_chart_has_every_section_and_no_dead_end():
    states = {s.id for s in menu_chart().states}
    assert {
        "main_menu",
        "help",
        "support",
        "settings",
        "list_image",
        "list_free",
        "model_card",
        "done",
    } <= states
