"""Follow-up actions as pure flows: which actions a result offers and at what price, the models that
open only from a result staying out of every list, the parent check, repeat keeping the parent, and
the catalog refusing a follow_ups.json that does not hold together."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from fractions import Fraction

import msgspec
import pytest

from flows.catalog import CatalogError, load_catalog
from flows.catalog.follow_ups import is_follow_up, listed, parent_values
from flows.catalog.loader import DATA_DIR
from flows.catalog.pricing import credits_to_kopecks, format_rub
from flows.follow.screens import action_rows, offered
from flows.jobs.model import CreateJob, Job, JobState
from flows.menus import sections
from flows.money.admin.jobs import job_screen
from flows.payloads.follow import FollowUpAction
from flows.payloads.jobs import Repeat
from flows.payloads.money import HistoryItem
from flows.preload import Loaded
from flows.screens import AnswerCallback, AnswerInlineQuery
from flows.wizard import chart
from tests.flows.driver import CATALOG, CTX, POLICY, Driver

FOLLOW_UPS = [e for e in CATALOG.enabled() if is_follow_up(e)]


def kopecks(credits: float) -> int:
    return credits_to_kopecks(Fraction(str(credits)), POLICY)


def parent(model_id: str, **kw) -> Job:
    fields = {
        "request_id": "R-PARENT",
        "user_id": 1001,
        "chat_id": 1001,
        "model_id": model_id,
        "input": {},
        "price_kopecks": 10_00,
        "state": JobState.SUCCEEDED,
        "kie_task_id": "task-123",
        "result_urls": ["https://tempfile.example/r0"],
        "result_file_ids": ["F-result"],
        "created_at": dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC),
        **kw,
    }
    return Job(**fields)


def test_the_agreed_follow_up_models_exist_and_the_grok_ones_are_enabled():
    assert {e.id for e in FOLLOW_UPS} == {
        "suno-extend",
        "suno-upload-cover",
        "suno-vocal-removal",
        "suno-wav",
        "veo3-extend",
        "veo/get-1080p-video",
        "veo/get-4k-video",
        "grok-imagine/extend",
        "grok-imagine/upscale",
    }
    # Their parent fields are never asked, shown or edited.
    for entry in FOLLOW_UPS:
        hidden = {n for n, s in entry.schema.properties.items() if s.parent}
        assert hidden and not hidden & set(chart.ask_order(entry) + chart.advanced_order(entry)), entry.id


# --- what a result offers -------------------------------------------------------------------------------


def test_a_suno_result_offers_four_actions_each_with_its_price_and_the_parent_id():
    job = parent("suno", result_ids=["trk-0"], input={"model": "V4_5"})
    rows = action_rows("ru", job, CATALOG, POLICY)
    buttons = [b for row in rows for b in row]
    assert [b.text for b in buttons] == [
        f"➕ Продлить · {format_rub(kopecks(12))}",
        f"🎤 Кавер · {format_rub(kopecks(12))}",
        f"🎚 Разделить на дорожки · от {format_rub(kopecks(10))}",
        f"🎼 WAV · {format_rub(kopecks(0.4))}",
    ]
    assert all(len(row) <= 2 for row in rows)
    assert buttons[0].data == FollowUpAction("R-PARENT", "extend").data()
    (extend,) = [o for o in offered(job, CATALOG, POLICY) if o[0].action == "extend"]
    assert extend[2] == {"audioId": "trk-0", "model": "V4_5"}


def test_an_extended_or_covered_song_offers_the_suno_actions_again():
    for model_id in ("suno-extend", "suno-upload-cover"):
        job = parent(model_id, result_ids=["trk-1"], input={"model": "V5", "audioId": "trk-0"})
        found = {o[0].action: o[2] for o in offered(job, CATALOG, POLICY)}
        assert list(found) == ["extend", "cover", "stems", "wav"], model_id
        assert found["extend"] == {"audioId": "trk-1", "model": "V5"}
        assert found["wav"] == {"taskId": "task-123", "audioId": "trk-1"}


def test_actions_are_not_offered_when_the_parent_lacks_what_they_need():
    # No track ids (an old job): neither extend nor stems nor WAV; the cover needs only the result.
    job = parent("suno", result_ids=None)
    assert [o[0].action for o in offered(job, CATALOG, POLICY)] == ["cover"]
    # A Veo video made in 1080p is neither extended nor upgraded to 1080p; 4K still is.
    job = parent("veo3", input={"resolution": "1080p"})
    assert [o[0].action for o in offered(job, CATALOG, POLICY)] == ["uhd"]
    # 4K only for 16:9 and 9:16.
    job = parent("veo3_lite", input={"resolution": "720p", "aspectRatio": "Auto"})
    assert [o[0].action for o in offered(job, CATALOG, POLICY)] == ["extend", "hd"]
    # Grok's upscale makes 720p of a smaller clip: a 720p clip offers only the extension.
    assert [o[0].action for o in offered(parent("grok-imagine/image-to-video"), CATALOG, POLICY)] == [
        "extend",
        "upscale",
    ]
    job = parent("grok-imagine/text-to-video", input={"resolution": "720p"})
    assert [o[0].action for o in offered(job, CATALOG, POLICY)] == ["extend"]
    # The extension is priced by the parent's tier.
    prices = {o[0].action: o[3] for o in offered(parent("veo3", input={}), CATALOG, POLICY)}
    assert prices["extend"] == format_rub(kopecks(250))
    # A text answer, a chat model or an unknown model offers nothing.
    assert offered(parent("elevenlabs/speech-to-text"), CATALOG, POLICY) == []
    assert offered(parent("no-such-model"), CATALOG, POLICY) == []


def test_images_offer_upscale_and_animate_with_the_delivered_image_prefilled():
    job = parent("google/nano-banana")
    found = {o[0].action: o for o in offered(job, CATALOG, POLICY)}
    assert list(found) == ["upscale", "animate"]
    assert found["upscale"][1].id == "topaz/image-upscale"
    assert found["upscale"][2] == {"image_url": "tgfile:F-result"}
    assert found["animate"][2] == {"image_urls": ["tgfile:F-result"]}  # a file list gets a list
    assert offered(parent("google/nano-banana", result_file_ids=None), CATALOG, POLICY) == []


def test_an_action_opens_the_wizard_past_the_answered_steps_and_the_job_links_its_parent():
    driver = Driver()
    job = parent("google/nano-banana")
    driver.loaded = Loaded(job=job)
    view = driver.tap(FollowUpAction(job.request_id, "animate").data())
    driver.loaded = Loaded()
    snap = driver.snapshot
    assert snap.model_id == "kling-2.6/image-to-video" and snap.parent == "R-PARENT"
    assert snap.state == chart.step_state("prompt"), view.text  # the photo step is already answered
    assert snap.files["F-result"].kind == "image"
    driver.text("Облака плывут, волосы развевает ветер")
    while driver.snapshot.state != chart.REVIEW:
        driver.press("✅ Продолжить")
    assert "↳ К результату <code>R-PARENT</code>" in driver.view.text
    driver.press("✅ Запустить")
    (created,) = [e for e in driver.effects if isinstance(e, CreateJob)]
    assert created.job.parent_job_id == "R-PARENT"
    assert created.job.input["image_urls"] == ["tgfile:F-result"]
    assert created.job.price_kopecks == kopecks(55)


def test_a_foreign_unknown_or_unfinished_parent_is_refused_without_a_wizard():
    cases = [
        (None, "нет в вашей истории"),
        (parent("suno", user_id=2002, result_ids=["t"]), "нет в вашей истории"),
        (parent("suno", state=JobState.FAILED, result_ids=["t"]), "недоступно"),
        (parent("suno", state=JobState.RUNNING, result_ids=["t"]), "недоступно"),
        (parent("google/nano-banana"), "недоступно"),  # an action images do not have
    ]
    for job, words in cases:
        driver = Driver()
        driver.command("/start")
        driver.loaded = Loaded(job=job)
        driver.tap(FollowUpAction("R-PARENT", "wav").data())
        outcome = driver.outcomes[-1]
        (answer,) = outcome.actions
        assert isinstance(answer, AnswerCallback) and answer.alert and words in (answer.text or ""), job
        assert driver.snapshot is None and not outcome.effects


def test_repeat_of_a_follow_up_keeps_its_parent():
    entry = CATALOG.get("suno-wav")
    job = parent(
        "suno-wav",
        request_id="R-CH1D00",
        input={"taskId": "task-123", "audioId": "trk-0"},
        wizard_values={"taskId": "task-123", "audioId": "trk-0"},
        parent_job_id="R-PARENT",
    )
    driver = Driver()
    driver.loaded = Loaded(job=job)
    driver.tap(Repeat("R-CH1D00").data())
    driver.loaded = Loaded()
    assert driver.snapshot.model_id == entry.id and driver.snapshot.parent == "R-PARENT"
    driver.press("✅ Запустить")
    (created,) = [e for e in driver.effects if isinstance(e, CreateJob)]
    assert created.job.parent_job_id == "R-PARENT"
    assert created.job.input == {"taskId": "task-123", "audioId": "trk-0"}


def test_a_finished_result_in_history_offers_its_actions_a_failed_one_does_not():
    for job, offered_there in (
        (parent("google/nano-banana"), True),
        (parent("google/nano-banana", state=JobState.FAILED, result_file_ids=None), False),
        (parent("google/nano-banana", refund_how="released"), False),
    ):
        driver = Driver()
        driver.loaded = Loaded(job=job)
        view = driver.tap(HistoryItem(job.request_id).data())
        assert view.has("🔍 Улучшить") == offered_there and view.has("🎬 Оживить") == offered_there, job.state


def test_a_catalog_change_under_an_open_follow_up_sends_back_to_the_result_not_to_a_card():
    driver = Driver()
    job = parent("suno", result_ids=["trk-0"], input={"model": "V5"})
    driver.loaded = Loaded(job=job)
    view = driver.tap(FollowUpAction(job.request_id, "cover").data())
    driver.loaded = Loaded()
    stale = msgspec.structs.replace(driver.snapshot, schema_hash="000000000000")
    driver.session = msgspec.structs.replace(driver.session, flow=stale)
    view = driver.text("Акустическая версия")
    assert "Откройте действие заново" in view.text and driver.snapshot is None
    assert driver.session.place == "menu"


def test_with_two_tracks_the_user_picks_the_one_to_work_on():
    job = parent(
        "suno",
        result_ids=["trk-0", "trk-1"],
        result_urls=["https://f/0.mp3", "https://f/1.mp3"],
        input={"model": "V5"},
    )
    driver = Driver()
    driver.command("/start")
    driver.loaded = Loaded(job=job)
    view = driver.tap(FollowUpAction(job.request_id, "wav").data())
    assert "«🎼 WAV»" in view.text and driver.snapshot is None
    assert [label for label, _ in view.buttons] == ["🎵 Трек 1", "🎵 Трек 2", "🏠 В меню"]
    view = driver.press("🎵 Трек 2")
    driver.loaded = Loaded()
    assert driver.snapshot.values == {"taskId": "task-123", "audioId": "trk-1"}
    driver.press("✅ Запустить")
    (created,) = [e for e in driver.effects if isinstance(e, CreateJob)]
    assert created.job.input == {"taskId": "task-123", "audioId": "trk-1"}
    # A track that is not there is refused like an unknown result.
    driver.loaded = Loaded(job=job)
    driver.tap(FollowUpAction(job.request_id, "wav", 5).data())
    assert "недоступно" in (driver.notices[-1] or "")
    # An action on the task as a whole asks nothing (Veo's 1080p of a task with two videos).
    driver = Driver()
    driver.loaded = Loaded(job=parent("veo3_fast", result_urls=["https://f/0.mp4", "https://f/1.mp4"]))
    driver.tap(FollowUpAction("R-PARENT", "hd").data())
    assert driver.snapshot.state == chart.REVIEW


def test_the_admin_job_card_names_the_parent():
    child = parent("suno-wav", request_id="R-CH1D00", parent_job_id="R-PARENT")
    assert "↳ из <code>R-PARENT</code>" in job_screen(child).text
    assert "↳ из" not in job_screen(parent("suno")).text


# --- never listed -----------------------------------------------------------------------------------------


def test_follow_ups_are_in_no_list_search_inline_answer_popular_or_recents():
    ids = {e.id for e in FOLLOW_UPS}
    slugs = {e.slug for e in FOLLOW_UPS}
    for entry in FOLLOW_UPS:
        assert not listed(entry)
        assert entry not in CATALOG.by_type(entry.type) and entry not in CATALOG.free()
    index = CTX.book.search_index(CATALOG)
    for query in ("suno", "veo", "grok", "wav", "продление", "extend", "4k", "1080p", "upscale", "дорожки"):
        assert not {h.entry.id for h in index.search(query) if h.entry is not None} & ids, query
        driver = Driver()
        (answer,) = driver.inline(query).actions
        assert isinstance(answer, AnswerInlineQuery)
        assert not {a.id for a in answer.articles} & slugs, query
    ranking = tuple(ids) + ("suno", "veo3_fast")
    for section in ("audio", "video", "utility"):
        chosen, _ = sections.popular_models(section, ranking, CTX)
        assert not {e.id for e in chosen} & ids, section
    driver = Driver()
    driver.loaded = Loaded(recent=("suno-wav", "veo3-extend", "grok-imagine/upscale", "suno"))
    view = driver.command("/start")
    recent = [label for label, _ in view.buttons if label.startswith("🕘")]
    assert len(recent) == 1 and "Suno" in recent[0]


def test_a_deep_link_to_a_follow_up_says_where_it_opens_from_and_the_ways_on():
    for entry in FOLLOW_UPS:
        driver = Driver()
        view = driver.command(f"/start m-{entry.slug}")
        assert "открывается из результата" in view.text, entry.id
        assert [label for label, _ in view.buttons] == ["🗂 История", "🏠 В меню"]
        assert driver.snapshot is None and driver.session.place == "menu"


# --- the data holds together -------------------------------------------------------------------------------


def _catalog_with(tmp_path, change):
    directory = tmp_path / "data"
    shutil.copytree(DATA_DIR, directory)
    path = directory / "follow_ups.json"
    actions = json.loads(path.read_text())
    change(actions)
    path.write_text(json.dumps(actions))
    return directory


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a[0].update(model="no-such-model"), "unknown model 'no-such-model'"),
        (lambda a: a[0].update(of=["no-such-parent"]), "unknown parent"),
        (lambda a: a[0].update(of=[]), "no parents"),
        (lambda a: a[9].update(prefill={}), "takes nothing from the parent"),
        (
            lambda a: a[9].update(prefill={"upscale": "result_file"}),
            "prefill 'upscale' is not a visible field",
        ),
        (lambda a: a.pop(3), "'suno-wav' needs a parent but no action opens it"),
        (lambda a: a[0].update(action="remix"), "Invalid enum value 'remix'"),
    ],
)
def test_a_follow_ups_file_that_does_not_hold_together_is_refused_at_load(tmp_path, change, message):
    with pytest.raises(CatalogError) as refused:
        load_catalog(_catalog_with(tmp_path, change))
    assert "follow_ups.json" in str(refused.value) and message in str(refused.value)


def test_parent_values_follow_the_parents_input_defaults_and_the_tier_map():
    entry = CATALOG.get("veo3-extend")
    action = CATALOG.follow_ups.find(CATALOG.get("veo3_lite"), "extend")
    job = parent("veo3_lite", input={})  # resolution left at its default, 720p
    assert parent_values(action, entry, job, CATALOG.get("veo3_lite")) == {
        "taskId": "task-123",
        "model": "lite",
    }
    no_task = msgspec.structs.replace(job, kie_task_id=None)
    assert parent_values(action, entry, no_task, CATALOG.get("veo3_lite")) is None
