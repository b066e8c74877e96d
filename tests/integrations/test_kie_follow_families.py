"""The Kie client on the follow-up endpoints (integrations/kie/follow_families.py) against the fake:
Suno extend, upload-cover, WAV and vocal separation on a generated track, Veo extend with the parent's
tier; the track ids a Suno result carries; Kie's answers about unknown or unfinished parents."""

from __future__ import annotations

import json

import pytest

from integrations.kie import KieError
from integrations.kie.callbacks import parse_callback
from integrations.kie.families import get_family
from integrations.kie.follow_families import extra_status, stem_urls, wav_urls
from integrations.kie.types import SunoExtraRecord
from tests.integrations.kie_support import poll_until_done

CALLBACK = "https://bot.example/kie/cb"


async def _song(client) -> tuple[str, list[str], list[str]]:
    task_id = await client.create_task(
        "suno",
        "suno",
        {"prompt": "a song", "customMode": False, "instrumental": False, "model": "V5"},
        CALLBACK,
    )
    status, _ = await poll_until_done(client, "suno", task_id)
    return task_id, list(status.result_ids), list(status.result_urls)


async def test_a_suno_result_carries_its_track_ids_in_the_order_of_its_urls(client, kie):
    task_id, ids, urls = await _song(client)
    assert len(ids) == len(urls) == 1 and ids[0].startswith(task_id[:8])


async def test_suno_extend_cover_wav_and_stems_run_on_the_parents_track(client, kie):
    task_id, ids, urls = await _song(client)
    extend = await client.create_task(
        "suno-extend", "suno-extend", {"audioId": ids[0], "model": "V5", "defaultParamFlag": False}, CALLBACK
    )
    assert kie.requests[-1].path == "/api/v1/generate/extend"
    assert (await poll_until_done(client, "suno-extend", extend))[0].state == "succeeded"
    cover = await client.create_task(
        "suno-cover",
        "suno-upload-cover",
        {
            "uploadUrl": urls[0],
            "model": "V5",
            "prompt": "acoustic",
            "instrumental": False,
            "customMode": False,
        },
        CALLBACK,
    )
    assert (await poll_until_done(client, "suno-cover", cover))[0].state == "succeeded"
    wav = await client.create_task("suno-wav", "suno-wav", {"taskId": task_id, "audioId": ids[0]}, CALLBACK)
    status, _ = await poll_until_done(client, "suno-wav", wav)
    assert status.state == "succeeded" and status.result_urls[0].endswith(".wav")
    assert kie.queries_per_task[wav] and status.raw_state == "SUCCESS"
    stems = await client.create_task(
        "suno-stems",
        "suno-vocal-removal",
        {"taskId": task_id, "audioId": ids[0], "type": "separate_vocal"},
        CALLBACK,
    )
    status, _ = await poll_until_done(client, "suno-stems", stems)
    assert status.state == "succeeded" and len(status.result_urls) == 2


async def test_operations_on_unknown_tracks_are_refused_as_kie_does(client, kie):
    task_id, ids, _ = await _song(client)
    with pytest.raises(KieError) as refused:
        await client.create_task("suno-wav", "suno-wav", {"taskId": task_id, "audioId": "nope"}, CALLBACK)
    assert refused.value.code == 422
    with pytest.raises(KieError) as refused:
        await client.create_task("suno-extend", "suno-extend", {"audioId": ids[0], "model": "V4"}, CALLBACK)
    assert refused.value.code == 422  # the model must match the source track's
    await client.create_task("suno-wav", "suno-wav", {"taskId": task_id, "audioId": ids[0]}, CALLBACK)
    with pytest.raises(KieError) as refused:
        await client.create_task("suno-wav", "suno-wav", {"taskId": task_id, "audioId": ids[0]}, CALLBACK)
    assert refused.value.code == 409  # WAV record already exists


async def test_veo_extend_sends_the_parents_tier_not_a_catalog_id(client, kie):
    parent = await client.create_task("veo", "veo3_fast", {"prompt": "a wave"}, None)
    await poll_until_done(client, "veo", parent)
    child = await client.create_task(
        "veo-extend", "veo3-extend", {"taskId": parent, "model": "fast", "prompt": "on"}, None
    )
    body = kie.requests[-1].json
    assert kie.requests[-1].path == "/api/v1/veo/extend" and body["model"] == "fast"
    assert (await poll_until_done(client, "veo-extend", child))[0].state == "succeeded"
    with pytest.raises(KieError) as refused:
        await client.create_task(
            "veo-extend", "veo3-extend", {"taskId": "unknown", "model": "fast", "prompt": "x"}, None
        )
    assert refused.value.code == 422


def test_wav_and_stem_records_in_kies_words():
    done = SunoExtraRecord(task_id="t", success_flag="SUCCESS")
    assert extra_status(done, ("u",)).state == "succeeded"
    for word in ("CREATE_TASK_FAILED", "GENERATE_WAV_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION"):
        status = extra_status(SunoExtraRecord(task_id="t", success_flag=word, error_message=None), ("u",))
        assert status.state == "failed" and status.result_urls == () and status.fail_message == word
    assert extra_status(SunoExtraRecord(task_id="t", success_flag="PENDING"), ()).state == "running"
    body = (
        b'{"code":200,"msg":"success","data":{"taskId":"t","musicId":"m","response":{"id":null,"originUrl":null,'
        b'"originData":[{"duration":245.6,"audio_url":"https://f/v.mp3","stem_type_group_name":"Vocals","id":"a"},'
        b'{"duration":245.6,"audio_url":"https://f/i.mp3","stem_type_group_name":"Instrumental","id":"b"}],'
        b'"instrumentalUrl":"https://f/i.mp3","vocalUrl":"https://f/v.mp3","drumsUrl":null},'
        b'"successFlag":"SUCCESS","errorCode":null,"errorMessage":null}}'
    )
    status = get_family("suno-stems").parse_status(body)
    assert status.result_urls == ("https://f/v.mp3", "https://f/i.mp3")
    wav = b'{"code":200,"data":{"taskId":"t","response":{"audioWavUrl":"https://f/a.wav"},"successFlag":"SUCCESS"}}'
    assert get_family("suno-wav").parse_status(wav).result_urls == ("https://f/a.wav",)
    assert wav_urls(SunoExtraRecord()) == () and stem_urls(SunoExtraRecord()) == ()


async def test_wav_and_stems_callbacks_name_their_task(client, kie, receiver):  # noqa: F811 (the fixture)
    url, bodies = receiver
    task_id, ids, _ = await _song(client)
    wav = await client.create_task("suno-wav", "suno-wav", {"taskId": task_id, "audioId": ids[0]}, url)
    stems = await client.create_task(
        "suno-stems",
        "suno-vocal-removal",
        {"taskId": task_id, "audioId": ids[0], "type": "separate_vocal"},
        url,
    )
    await poll_until_done(client, "suno-wav", wav)
    await poll_until_done(client, "suno-stems", stems)
    await kie.wait_callbacks()
    hints = {parse_callback(b).task_id: json.loads(b) for b in bodies}
    assert {wav, stems} <= set(hints)
    assert hints[wav]["data"]["audio_wav_url"].endswith(".wav")
    assert hints[stems]["data"]["vocal_removal_info"]["vocal_url"]
