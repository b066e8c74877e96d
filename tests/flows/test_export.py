"""The committed flow diagrams (docs/flows) must match what the code generates."""

from pathlib import Path

from flows.app import REGISTRY
from flows.export import export
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


def test_menu_chart_is_generated_from_the_registry():
    chart = REGISTRY.menus.chart
    states = set(chart.states_map)
    assert {"menu", "help", "support", "settings", "browse", "wizard", "balance", "money", "admin"} <= states
    events = {e for s in chart.states_map.values() for t in s.transitions for e in t.events}
    assert events == {r.name for r in REGISTRY.routes if r.target is not None}
