from __future__ import annotations

import pytest

from flows.catalog import load_catalog, load_policy
from flows.chat.context import ContextTooLong, ContextTurn, context_budget, trim_context
from flows.chat.tokens import IMAGE_TOKENS, MESSAGE_OVERHEAD, fair_tokens, upper_tokens
from flows.chat.turn import ChatAccount, ChatTurnRequest, DialogView, TurnRefusal, plan_turn

CATALOG = load_catalog()
POLICY = load_policy()


def turn(role, tokens):
    return ContextTurn(role=role, text=f"{role}{tokens}", tokens=tokens)


def test_oldest_turns_leave_first_and_the_system_prompt_stays():
    history = [turn("user", 100), turn("assistant", 300), turn("user", 100), turn("assistant", 200)]
    new = turn("user", 50)
    kept = trim_context(system_tokens=40, history=history, new=new, budget=500)
    # 40 + 50 + 300 = 390 fits; the first pair (400) does not
    assert kept.turns == (history[2], history[3], new)
    assert (kept.dropped, kept.tokens) == (2, 390)


def test_everything_fits_within_the_budget():
    history = [turn("user", 10), turn("assistant", 10)]
    kept = trim_context(5, history, turn("user", 5), budget=100)
    assert kept.dropped == 0 and kept.tokens == 30


def test_turns_leave_in_pairs_so_the_context_never_starts_with_an_answer():
    history = [turn("user", 10), turn("assistant", 1000), turn("user", 10), turn("assistant", 10)]
    kept = trim_context(0, history, turn("user", 10), budget=100)
    assert kept.turns[0].role == "user" and kept.dropped == 2


def test_a_message_over_the_budget_alone_is_refused():
    with pytest.raises(ContextTooLong):
        trim_context(100, [], turn("user", 950), budget=1000)


def test_token_estimates():
    assert upper_tokens("abc") == 1 + MESSAGE_OVERHEAD
    assert upper_tokens("привет", images=2) == 4 + 2 * IMAGE_TOKENS + MESSAGE_OVERHEAD  # 12 bytes
    assert fair_tokens("12345678") == 2


def test_budget_is_the_policy_cap_within_the_window():
    haiku = CATALOG.text.get("claude-haiku-4-5")
    assert context_budget(haiku, POLICY, 2048) == POLICY.text_context_budget_tokens


ACCOUNT = ChatAccount(available_kopecks=10_000, free_left=3, free_quota=20)


def plan(model_id, text="Привет", **kw):
    args = dict(
        model=CATALOG.text.get(model_id),
        dialog=None,
        text=text,
        account=ACCOUNT,
        policy=POLICY,
        free_model_id="gemini-2.5-flash",
        request_id="R-AAAAAA",
        user_id=7,
        chat_id=7,
        lang="ru",
    )
    args.update(kw)
    return plan_turn(**args)


def test_a_message_becomes_a_held_request():
    request = plan("gpt-5-2")
    assert isinstance(request, ChatTurnRequest)
    assert request.hold_kopecks > 0 and not request.free and request.mode == "assistant"


def test_the_free_model_answers_free_while_the_quota_lasts():
    assert plan("gemini-2.5-flash").free
    assert plan("gemini-2.5-flash").hold_kopecks == 0
    spent = ChatAccount(available_kopecks=10_000, free_left=0, free_quota=20)
    assert not plan("gemini-2.5-flash", account=spent).free


def test_refusals_say_why():
    poor = ChatAccount(available_kopecks=5, free_left=0, free_quota=20)
    refusal = plan("gpt-5-2", account=poor)
    assert isinstance(refusal, TurnRefusal) and refusal.code == "funds" and refusal.needed_kopecks > 5
    assert plan("gpt-5-2", text="  ").code == "empty"
    assert plan("claude-sonnet-4-6", photo_file_ids=("f1",)).code == "no_vision"
    assert plan("gpt-5-2", photo_file_ids=tuple("abcde")).code == "too_many_photos"
    assert plan("gpt-5-2", text="я" * 100_000).code == "too_long"


def test_the_hold_grows_with_the_dialog_up_to_the_budget():
    short = plan("gpt-5-2").hold_kopecks
    dialog = DialogView(dialog_id=1, model_id="gpt-5-2", mode="coder", turns=10, context_tokens=10_000)
    longer = plan("gpt-5-2", dialog=dialog)
    huge = plan(
        "gpt-5-2",
        dialog=DialogView(dialog_id=1, model_id="gpt-5-2", mode="coder", turns=99, context_tokens=10**7),
    )
    assert short < longer.hold_kopecks < huge.hold_kopecks
    assert longer.mode == "coder"  # the dialog's mode
    assert plan("gpt-5-2", mode="poet").mode == "assistant"  # an unknown mode falls back to the default
