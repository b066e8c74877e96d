"""Results drawn for the demo: real files of the requested shape, deterministic, browser-playable."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sandbox import media


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("16:9", (16.0, 9.0)),
        ("9:16", (9.0, 16.0)),
        ("1024x768", (1024.0, 768.0)),
        ("landscape_16_9", (16, 9)),
        ("portrait_4_3", (3, 4)),
        ("square_hd", (1, 1)),
        ("auto", (1.0, 1.0)),
        (None, (1.0, 1.0)),
        ("0:5", (1.0, 1.0)),
    ],
)
def test_ratio_of_reads_every_spelling_kie_models_use(value, expected):
    assert media.ratio_of(value) == expected


def test_a_picture_has_the_chosen_ratio_and_differs_by_prompt():
    wide = media.picture("Рыжий кот над Луной", model="google/nano-banana", ratio="16:9", resolution="2K")
    tall = media.picture("Рыжий кот над Луной", model="google/nano-banana", ratio="9:16")
    other = media.picture("Собака в шляпе", model="google/nano-banana", ratio="16:9", resolution="2K")
    assert (wide.content_type, wide.extension) == ("image/png", "png")
    assert Image.open(io.BytesIO(wide.data)).size == (1024, 576)
    assert Image.open(io.BytesIO(tall.data)).size == (576, 1024)
    assert other.data != wide.data
    # The same request draws the same picture (a demo run is repeatable).
    assert (
        media.picture("Рыжий кот над Луной", model="google/nano-banana", ratio="16:9", resolution="2K")
        == wide
    )


def test_a_picture_from_the_users_own_image_keeps_it_as_the_background():
    red = io.BytesIO()
    Image.new("RGB", (300, 300), (220, 10, 10)).save(red, format="PNG")
    edited = media.picture("make it pop", model="edit", ratio="1:1", base_image=red.getvalue(), long_side=256)
    corner = Image.open(io.BytesIO(edited.data)).convert("RGB").getpixel((5, 5))
    assert corner[0] > 150 and corner[1] < 80  # still the user's red, not a generated gradient


def test_a_clip_is_an_mp4_of_the_requested_length():
    clip = media.clip("Кот летит к Луне", model="veo3_fast", ratio="16:9", seconds=2.0)
    assert clip.content_type == "video/mp4" and media.sniff(clip.data) == "video/mp4"
    assert media.duration(clip.data) == 2


def test_a_melody_is_a_wav_of_the_requested_length():
    track = media.melody("песня про кота", seconds=3.0)
    assert track.data[:4] == b"RIFF" and track.data[8:12] == b"WAVE"
    assert media.sniff(track.data) == "audio/wav"
    assert media.duration(track.data) == 3


def test_sniff_and_probe_refuse_what_they_do_not_know():
    assert media.sniff(b"plain text") == "application/octet-stream"
    assert media.duration(b"not a media file") is None
    assert media.image_size(b"not an image") is None
