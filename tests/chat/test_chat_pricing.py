"""Token prices → kopecks, worked examples exact to the kopeck (policy: 1 credit = $0.005 × 95 ₽ × 2 = 95 kop)."""

from __future__ import annotations

import json
import shutil

import pytest

from flows.catalog import CatalogError, load_catalog, load_policy
from flows.catalog.loader import DATA_DIR, DATA_FILES
from flows.chat.pricing import (
    TurnUsage,
    charge_kopecks,
    free_text_model,
    hold_kopecks,
    per_1000_words_kopecks,
    typical_answer_kopecks,
)

CATALOG = load_catalog()
POLICY = load_policy()
GPT = CATALOG.text.get("gpt-5-2")  # 88 / 700 credits per million, 100 hidden prompt tokens
GPT55 = CATALOG.text.get("gpt-5-5")  # 280 / 1680, cached 28


def test_usage_times_price_rounds_up_to_a_kopeck():
    # (1200 × 88 + 400 × 700) / 1e6 = 0.3856 credits × 95 = 36.632 kop → 37
    assert charge_kopecks(GPT, TurnUsage(input_tokens=1200, output_tokens=400), POLICY, hold=10_000) == 37


def test_kies_own_bill_wins_over_usage():
    # credits_consumed 0.48 × 95 = 45.6 → 46, whatever the usage says
    usage = TurnUsage(input_tokens=1, output_tokens=1, credits=0.48)
    assert charge_kopecks(GPT, usage, POLICY, hold=10_000) == 46
    # Kie's minimum bill, 0.01 credits = 0.95 kop → 1 kop
    assert charge_kopecks(GPT, TurnUsage(credits=0.01), POLICY, hold=10_000) == 1


def test_cached_input_is_billed_at_the_cached_price():
    # (859 × 280 + 3584 × 28 + 137 × 1680) / 1e6 = 0.571032 credits × 95 = 54.248 → 55
    usage = TurnUsage(input_tokens=4443, cached_input_tokens=3584, output_tokens=137)
    assert charge_kopecks(GPT55, usage, POLICY, hold=10_000) == 55
    # A model without a cached price bills cached tokens as ordinary input.
    assert charge_kopecks(GPT, TurnUsage(input_tokens=1000, cached_input_tokens=900), POLICY, 10_000) == 9


def test_hold_covers_the_context_the_hidden_prompt_and_max_tokens():
    # ((2000 + 100) × 88 + 2048 × 700) / 1e6 = 1.6184 credits × 95 = 153.748 → 154
    assert hold_kopecks(GPT, 2000, 2048, POLICY) == 154


def test_charge_never_exceeds_the_hold():
    assert charge_kopecks(GPT, TurnUsage(credits=5.0), POLICY, hold=154) == 154


def test_card_prices():
    # 1 000 words = 2 000 tokens: in 2000 × 88 / 1e6 × 95 = 16.72 → 17; out 2000 × 700 → 133
    assert per_1000_words_kopecks(GPT, POLICY) == (17, 133)
    # typical: (600 + 100) × 88 + 400 × 700 = 341 600 → 0.3416 × 95 = 32.452 → 33
    assert typical_answer_kopecks(GPT, POLICY) == 33


def test_the_free_model_is_the_cheapest_enabled_one():
    assert free_text_model(CATALOG.text, POLICY).id == "gemini-2.5-flash"


def test_text_models_load_apart_from_task_models():
    assert CATALOG.text.get("gpt-5-2").protocol == "openai_chat"
    assert CATALOG.get("gpt-5-2") is None  # the task catalog (wizards, menus) never sees them
    assert all(m.type == "text" for m in CATALOG.text.models)
    assert not CATALOG.text.get("gpt-5-6-luna").enabled
    enabled = CATALOG.text.enabled()
    assert [m.rank for m in enabled] == sorted(m.rank for m in enabled)
    assert all(m.source and m.pricing.source for m in enabled)


def _copy(tmp_path, mutate):
    for name in (*DATA_FILES, "text.json"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    models = json.loads((tmp_path / "text.json").read_text())
    mutate(models)
    (tmp_path / "text.json").write_text(json.dumps(models))
    return tmp_path


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda ms: ms[1].update(protocol="gemini_native"), "text.json"),
        (lambda ms: ms[1].update(slug="gpt-52"), "'slug': must be 'gpt-5-2'"),
        (lambda ms: ms[1]["pricing"].update(output=0), "'pricing'"),
        (lambda ms: ms[1]["schema"]["properties"]["max_tokens"].update(maximum=10**6), "max_tokens.maximum"),
        (
            lambda ms: ms[1].update(slug="google-nano-banana", id="google-nano-banana"),
            "also 'google/nano-banana'",
        ),
        # The id rides in callback data: short and without the ":" separator.
        (lambda ms: ms[1].update(slug="x" * 49, id="x" * 49), "'id': at most 48 characters"),
        (lambda ms: ms[2].update(send_model=False), "'send_model'"),
        (lambda ms: ms[1]["examples"][0].update(prompt=""), "examples[0].prompt"),
    ],
)
def test_a_bad_text_entry_stops_the_start(tmp_path, mutate, expected):
    with pytest.raises(CatalogError) as caught:
        load_catalog(_copy(tmp_path, mutate))
    assert expected in str(caught.value)
