"""integrations/media/probe.py reads real files: kind, MIME type, length and size from the bytes."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from integrations.media import UNREADABLE, probe, probe_bytes

DATA = Path(__file__).resolve().parents[1] / "data" / "media"


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(rate * seconds))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "kind", "mime"),
    [
        ("clip.mp4", "video", "video/mp4"),
        ("clip.mov", "video", "video/mp4"),
        ("clip.webm", "video", "video/webm"),
        ("clip.mkv", "video", "video/x-matroska"),
        ("tone.mp3", "audio", "audio/mpeg"),
        ("tone.m4a", "audio", "audio/mp4"),
        ("tone.ogg", "audio", "audio/ogg"),
    ],
)
def test_probe_reads_kind_mime_and_length_of_real_containers(name, kind, mime):
    facts = probe_bytes((DATA / name).read_bytes())
    assert facts.kind == kind
    assert facts.mime_type == mime
    assert facts.duration_seconds == pytest.approx(3.0, abs=0.1)
    assert facts.has_length
    if kind == "video":
        assert (facts.width, facts.height) == (64, 48)
    else:
        assert (facts.width, facts.height) == (None, None)


def test_probe_reads_a_wav_written_here():
    facts = probe_bytes(wav_bytes(2.5))
    assert (facts.kind, facts.mime_type, facts.container) == ("audio", "audio/wav", "Wave")
    assert facts.duration_seconds == pytest.approx(2.5)


def test_an_empty_wav_has_no_length():
    facts = probe_bytes(wav_bytes(0))
    assert facts.kind == "audio" and not facts.has_length


@pytest.mark.parametrize("junk", [b"", b"not a media file " * 50, bytes(range(256)) * 40])
def test_junk_is_unreadable_not_an_error(junk):
    assert probe_bytes(junk) == UNREADABLE
    assert not UNREADABLE.has_length


def test_a_cut_off_file_does_not_claim_a_length():
    head = (DATA / "clip.mp4").read_bytes()[:4000]
    assert not probe_bytes(head).has_length


async def test_async_probe_gives_the_same_facts():
    data = (DATA / "tone.ogg").read_bytes()
    assert await probe(data) == probe_bytes(data)
