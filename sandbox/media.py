"""Real-looking results drawn locally, for the simulated Kie of `trt demo`.

A picture shows the prompt's words at the chosen aspect ratio and size; a clip animates such a
picture (H.264 MP4, playable in every browser and Telegram client); a track is a short melody in
WAV. Everything is deterministic for the same request and takes well under a second, so the demo
never contacts the internet and never needs a GPU.

Pillow and imageio-ffmpeg (which ships an ffmpeg binary in its wheel) come with the `demo` extra;
they are imported on first use so the test suite's fakes never pay for them.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import struct
import subprocess
import tempfile
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
)
# Named sizes some Kie models take instead of a ratio (Flux, Seedream, Qwen…).
_NAMED_RATIOS = {
    "square": (1, 1),
    "square_hd": (1, 1),
    "portrait_4_3": (3, 4),
    "portrait_3_2": (2, 3),
    "portrait_16_9": (9, 16),
    "landscape_4_3": (4, 3),
    "landscape_3_2": (3, 2),
    "landscape_16_9": (16, 9),
    "landscape_21_9": (21, 9),
    "portrait": (9, 16),
    "landscape": (16, 9),
}
_RATIO_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:x*×/]\s*(\d+(?:\.\d+)?)\s*$")
SAMPLE_RATE = 22_050


@dataclass(frozen=True)
class Rendered:
    data: bytes = field(repr=False)
    content_type: str
    extension: str


def ratio_of(value: Any) -> tuple[float, float]:
    """'16:9', '1024x768', 'landscape_16_9', 'square_hd' → (w, h); anything else (auto, None) → 1:1."""
    if isinstance(value, str):
        named = _NAMED_RATIOS.get(value.strip().lower())
        if named:
            return named
        match = _RATIO_RE.match(value)
        if match and float(match.group(1)) > 0 and float(match.group(2)) > 0:
            return float(match.group(1)), float(match.group(2))
    return 1.0, 1.0


def frame_size(ratio: tuple[float, float], long_side: int) -> tuple[int, int]:
    """Pixel size of that ratio with the given long side, both even (H.264 needs even sizes)."""
    w, h = ratio
    if w >= h:
        width, height = long_side, long_side * h / w
    else:
        width, height = long_side * w / h, long_side
    return max(2, int(width) // 2 * 2), max(2, int(height) // 2 * 2)


def _seed(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()


def _palette(seed: bytes) -> list[tuple[int, int, int]]:
    import colorsys

    hue = seed[0] / 255
    colors = []
    for shift, (light, sat) in enumerate(((0.28, 0.65), (0.52, 0.75), (0.40, 0.55), (0.68, 0.60))):
        r, g, b = colorsys.hls_to_rgb((hue + shift * 0.09 + seed[shift + 1] / 2550) % 1.0, light, sat)
        colors.append((int(r * 255), int(g * 255), int(b * 255)))
    return colors


def _font(size: int):
    from PIL import ImageFont

    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def _canvas(size: tuple[int, int], seed: bytes, base_image: bytes | None):
    """A smooth four-colour gradient with soft shapes, or the user's own image when one was sent."""
    from PIL import Image, ImageDraw, ImageFilter, ImageOps

    if base_image:
        try:
            with Image.open(io.BytesIO(base_image)) as source:
                picture = ImageOps.fit(source.convert("RGB"), size)
            return ImageOps.autocontrast(picture, cutoff=2)
        except Exception:  # noqa: BLE001 - not an image Pillow reads: draw one instead
            pass
    c = _palette(seed)
    corners = Image.new("RGB", (2, 2))
    corners.putdata([c[0], c[1], c[2], c[3]])
    picture = corners.resize(size, Image.Resampling.BICUBIC)
    shapes = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    width, height = size
    for index in range(5):
        cx = seed[8 + index] / 255 * width
        cy = seed[14 + index] / 255 * height
        radius = (0.12 + seed[20 + index] / 255 * 0.25) * min(width, height)
        tint = c[(index + 1) % 4]
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*tint, 110))
    shapes = shapes.filter(ImageFilter.GaussianBlur(min(width, height) / 30))
    return Image.alpha_composite(picture.convert("RGBA"), shapes).convert("RGB")


def _caption(picture, prompt: str, footer: str) -> None:
    from PIL import ImageDraw

    width, height = picture.size
    draw = ImageDraw.Draw(picture, "RGBA")
    size = max(14, min(width, height) // 12)
    font = _font(size)
    lines = _wrap(draw, " ".join(prompt.split()) or "…", font, width * 0.88)
    if len(lines) > 5:
        lines = lines[:5]
        lines[-1] = lines[-1].rstrip(" ,.;:") + "…"
    block = len(lines) * int(size * 1.25)
    top = (height - block) // 2
    for number, line in enumerate(lines):
        y = top + number * int(size * 1.25)
        text_width = draw.textlength(line, font=font)
        x = (width - text_width) / 2
        draw.text((x + 2, y + 2), line, font=font, fill=(0, 0, 0, 150))
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
    small = _font(max(10, size // 2))
    bar = int(size * 0.9)
    draw.rectangle((0, height - bar, width, height), fill=(0, 0, 0, 120))
    draw.text((size // 3, height - bar + bar // 6), footer, font=small, fill=(255, 255, 255, 230))


def _wrap(draw, text: str, font, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def picture(
    prompt: str,
    *,
    model: str,
    ratio: Any = None,
    resolution: Any = None,
    index: int = 0,
    base_image: bytes | None = None,
    long_side: int = 1024,
) -> Rendered:
    """A PNG that shows the prompt at the requested ratio, labelled with the model, ratio and size."""
    size = frame_size(ratio_of(ratio), long_side)
    seed = _seed(model, prompt, ratio, resolution, index)
    image = _canvas(size, seed, base_image)
    label = " · ".join(str(p) for p in (model, ratio or "1:1", resolution) if p)
    _caption(image, prompt, f"{label} · demo")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return Rendered(out.getvalue(), "image/png", "png")


def clip(
    prompt: str,
    *,
    model: str,
    ratio: Any = None,
    resolution: Any = None,
    seconds: float = 3.0,
    fps: int = 12,
    base_image: bytes | None = None,
    long_side: int = 640,
) -> Rendered:
    """An H.264 MP4: the prompt's picture with a light sweeping across it and a running timecode."""
    from PIL import ImageDraw

    size = frame_size(ratio_of(ratio), long_side)
    seed = _seed(model, prompt, ratio, resolution, "clip")
    still = _canvas(size, seed, base_image)
    label = " · ".join(str(p) for p in (model, ratio or "16:9", resolution) if p)
    _caption(still, prompt, f"{label} · demo video")
    width, height = size
    frames = max(1, int(seconds * fps))
    raw = bytearray()
    for number in range(frames):
        frame = still.copy()
        draw = ImageDraw.Draw(frame, "RGBA")
        phase = number / frames
        x = int(phase * (width + 200)) - 100
        draw.ellipse((x - 60, height // 3 - 60, x + 60, height // 3 + 60), fill=(255, 255, 255, 70))
        draw.rectangle((0, 0, int(width * (number + 1) / frames), 4), fill=(255, 255, 255, 200))
        draw.text((8, 10), f"00:0{int(number / fps)}.{number % fps:02d}", fill=(255, 255, 255, 220))
        raw += frame.tobytes()
    return Rendered(_encode_mp4(bytes(raw), size, fps), "video/mp4", "mp4")


def _encode_mp4(raw: bytes, size: tuple[int, int], fps: int) -> bytes:
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory(prefix="trt-demo-clip-") as folder:
        target = Path(folder) / "clip.mp4"
        command = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{size[0]}x{size[1]}",
            "-r",
            str(fps),
            "-i",
            "-",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(target),
        ]
        subprocess.run(command, input=raw, check=True, capture_output=True, timeout=60)
        return target.read_bytes()


def melody(prompt: str, *, seconds: float = 5.0, index: int = 0, voice: bool = False) -> Rendered:
    """A mono 16-bit WAV: a pentatonic tune (or, for speech models, a voice-like warble) from the prompt."""
    seed = _seed(prompt, index, voice)
    scale = (0, 2, 4, 7, 9, 12, 14, 16)
    base = 196.0 if voice else 261.63
    note_length = 0.18 if voice else 0.32
    samples = array("h")
    total = int(seconds * SAMPLE_RATE)
    per_note = int(note_length * SAMPLE_RATE)
    for start in range(0, total, per_note):
        step = scale[seed[(start // per_note) % len(seed)] % len(scale)]
        frequency = base * 2 ** (step / 12)
        count = min(per_note, total - start)
        for n in range(count):
            t = n / SAMPLE_RATE
            envelope = min(1.0, n / 400) * max(0.0, 1 - n / count) ** 0.6
            wobble = 1 + (0.03 * math.sin(2 * math.pi * 5 * t) if voice else 0)
            value = math.sin(2 * math.pi * frequency * wobble * t) + 0.3 * math.sin(
                4 * math.pi * frequency * t
            )
            samples.append(int(9000 * envelope * value))
    return Rendered(_wav(samples), "audio/wav", "wav")


def _wav(samples: array) -> bytes:
    data = samples.tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(data)) + data


def sniff(data: bytes, fallback: str = "application/octet-stream") -> str:
    """The content type of a file by its first bytes (what a browser needs to play or show it)."""
    head = data[:16]
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"GIF8"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3"):
        return "audio/mpeg"
    if head.startswith(b"%PDF"):
        return "application/pdf"
    return fallback


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an image, or None when it is not one Pillow reads."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # noqa: BLE001 - any unreadable upload is simply "not an image"
        return None


def duration(data: bytes) -> int | None:
    """Whole seconds (rounded up) of an audio or video file, read by ffmpeg from its header; or None."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    with tempfile.NamedTemporaryFile(prefix="trt-demo-probe-") as probe:
        probe.write(data)
        probe.flush()
        try:
            result = subprocess.run(
                [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", probe.name],
                capture_output=True,
                text=True,
                timeout=20,
            )
        except (OSError, subprocess.SubprocessError):
            return None
    match = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", result.stderr)
    if not match:
        return None
    hours, minutes, seconds = int(match.group(1)), int(match.group(2)), float(match.group(3))
    return max(1, math.ceil(hours * 3600 + minutes * 60 + seconds))
