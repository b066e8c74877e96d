"""One-off converter: flows/catalog/sources/models.json (the vendored capture) →
flows/catalog/data/{images,video,audio,utilities}.json.

Committed for reproducibility only. The data files are the truth and may be hand-edited after; rerunning
this script overwrites such edits. Generic mapping rules live in `map_field`; everything the machine
extraction cannot know (prices per option, enum fixes from api.md, runtime-filled fields) lives in the
tables below, one place per model.

Usage: python scripts/import_kie_models.py [path/to/models.json]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT / "flows" / "catalog" / "sources" / "models.json"  # vendored capture
DATA_DIR = ROOT / "flows" / "catalog" / "data"
MB = 1024 * 1024

FILES = {"image": "images.json", "video": "video.json", "audio": "audio.json", "utility": "utilities.json"}

# --- field classification -----------------------------------------------------------------------------

RUNTIME = {"callBackUrl"}  # filled by the runtime
DEPRECATED = {"fileUrl", "enableFallback", "fallbackModel"}
# Optional fields that point at an earlier Kie task or an account-side object the bot does not manage.
PREVIOUS_TASK = {"task_id", "index"}
FOREIGN_IDS = {"character_id_list", "audio_ids", "character_ids", "personaId", "personaModel"}

ADVANCED = {
    "seed",
    "seeds",
    "guidance_scale",
    "num_inference_steps",
    "nsfw_checker",
    "enable_safety_checker",
    "acceleration",
    "watermark",
    "waterMark",
    "sync_mode",
    "shift",
    "cfg_scale",
    "negative_prompt",
    "enable_prompt_expansion",
    "prompt_extend",
    "prompt_optimizer",
    "expand_prompt",
    "promptUpsampling",
    "enableTranslation",
    "uploadCn",
    "safetyTolerance",
    "isEnhance",
    "timestamps",
    "previous_text",
    "next_text",
    "language_code",
    "stability",
    "similarity_boost",
    "style_exaggeration",
    "speed",
    "styleWeight",
    "weirdnessConstraint",
    "audioWeight",
    "negativeTags",
    "return_last_frame",
    "web_search",
    "thinking_mode",
    "enable_sequential",
    "pe_fast_mode",
    "output_format",
    "outputFormat",
    "camera_fixed",
    "fixed_lens",
    "strength",
    "separate_vocal",
    "open_scenedet",
    "align_audio",
    "align_audio_reverse",
    "templ_start_seconds",
    "upload_method",
    "version",
    "variety",
    "stylization",
    "weirdness",
    "ow",
}
# JSON "number" fields that only ever hold whole numbers.
INT_LIKE = {
    "duration",
    "num_frames",
    "frames_per_second",
    "max_images",
    "extend_at",
    "templ_start_seconds",
    "seed",
    "num_inference_steps",
}
FILE_LIST_NAMES = {"image_input", "reference_image", "reference_video", "mask_url", "fileUrls", "filesUrl"}
SINGLE_FILE_NAMES = {
    "image",
    "inputImage",
    "referenceImage",
    "first_frame",
    "reference_voice",
    "reference_image",
    "reference_mask_urls",
}


def accept_from_name(name: str) -> list[str]:
    low = name.lower()
    if "audio" in low or "voice" in low:
        return ["audio"]
    if "video" in low or "clip" in low:
        return ["video"]
    return ["image"]


def is_file_name(name: str) -> bool:
    low = name.lower()
    return name in SINGLE_FILE_NAMES or low.endswith("_url") or low.endswith("url") or low.endswith("_urls")


def map_field(inp: dict[str, Any]) -> dict[str, Any] | None:
    """models.json input → catalog Field (as JSON); None when the field is not a user field."""
    name, typ = inp["name"], inp["type"]
    out: dict[str, Any]
    if typ == "array":
        if inp.get("items_type") in ("object", "array"):
            return None
        out = {"kind": "file_list", "accept": accept_from_name(name)}
        if inp.get("minItems"):
            out["min_items"] = inp["minItems"]
        elif inp.get("required"):
            out["min_items"] = 1
        if inp.get("maxItems"):
            out["max_items"] = inp["maxItems"]
    elif inp.get("enum") is not None:
        out = {"kind": "enum", "values": inp["enum"]}
        if inp.get("default") in inp["enum"]:
            out["default"] = inp["default"]
    elif typ == "string" and is_file_name(name):
        out = {"kind": "file", "accept": accept_from_name(name)}
    elif typ == "string":
        out = {"kind": "text"}
        if inp.get("minLength"):
            out["min_length"] = inp["minLength"]
        if inp.get("maxLength"):
            out["max_length"] = inp["maxLength"]
        if inp.get("default"):
            out["default"] = inp["default"]
        if name in ("prompt", "text"):
            out["multiline"] = True
    elif typ == "integer" or (typ == "number" and name in INT_LIKE):
        out = {"kind": "integer"}
        for src, dst in (("min", "minimum"), ("max", "maximum"), ("default", "default")):
            if inp.get(src) is not None:
                out[dst] = int(inp[src])
    elif typ == "number":
        out = {"kind": "number"}
        for src, dst in (("min", "minimum"), ("max", "maximum"), ("default", "default")):
            if inp.get(src) is not None:
                out[dst] = float(inp[src])
    elif typ == "boolean":
        out = {"kind": "boolean"}
        if inp.get("default") is not None:
            out["default"] = inp["default"]
    else:
        raise ValueError(f"unknown type {typ} for {name}")
    if name == "style" and out["kind"] == "number":  # ElevenLabs style exaggeration, not a style choice
        out["advanced"] = True
    if name in ADVANCED and not inp.get("required"):
        out["advanced"] = True
    return out


# --- pricing helpers ------------------------------------------------------------------------------------


def flat(credits: float, unit: str = "request", **kw: Any) -> dict[str, Any]:
    return {"unit": unit, **kw, "by": [], "table": [{"when": {}, "credits": credits}]}


def by(fields: list[str], rows: list[tuple[tuple[Any, ...], float]], unit: str = "request", **kw: Any):
    table = [{"when": dict(zip(fields, values, strict=True)), "credits": c} for values, c in rows]
    return {"unit": unit, **kw, "by": fields, "table": table}


def by1(field: str, prices: dict[Any, float], unit: str = "request", **kw: Any):
    return by([field], [((v,), c) for v, c in prices.items()], unit=unit, **kw)


def dur_res(durations: list[str], resolutions: list[str], prices: dict[str, float]) -> list:
    """Rows for keys like '5s 720p' over duration × resolution; missing keys are left out."""
    rows = []
    for d in durations:
        for r in resolutions:
            key = f"{d}s {r.lower()}"
            if key in prices:
                rows.append(((d, r), prices[key]))
    return rows


NE, EM = "__nonempty__", "__empty__"
SEEDANCE2 = {
    "bytedance/seedance-2": {
        "480p": (19.0, 11.4),
        "720p": (41.0, 25.0),
        "1080p": (102.0, 62.0),
        "4k": (208.0, 128.0),
    },
    "bytedance/seedance-2-fast": {"480p": (15.5, 9.0), "720p": (33.0, 20.0)},
    "bytedance/seedance-2-mini": {"480p": (9.5, 6.0), "720p": (20.5, 12.5)},
}
QWEN_MP = {  # fal-style sizes, billed per started megapixel (rounded up)
    "square": 1.0,
    "square_hd": 2.0,
    "portrait_4_3": 1.0,
    "portrait_16_9": 1.0,
    "landscape_4_3": 1.0,
    "landscape_16_9": 1.0,
}
IDEO_SPEED = {"TURBO": 3.5, "BALANCED": 7.0, "QUALITY": 10.0}
IDEO_CHAR = {"TURBO": 12.0, "BALANCED": 18.0, "QUALITY": 24.0}


def wan26_rows(durations):
    p = {
        "5s 720p": 70.0,
        "10s 720p": 140.0,
        "15s 720p": 210.0,
        "5s 1080p": 104.5,
        "10s 1080p": 209.5,
        "15s 1080p": 315.0,
    }
    return by(["duration", "resolution"], dur_res(durations, ["720p", "1080p"], p))


def per_second(unit_field: str, rows_by: list[str] | None = None, prices: dict | None = None, **kw):
    if rows_by:
        return by(rows_by, [((k,), v) for k, v in prices.items()], unit="second", unit_field=unit_field, **kw)
    return {
        "unit": "second",
        "unit_field": unit_field,
        **kw,
        "by": [],
        "table": [{"when": {}, "credits": prices}],
    }


PRICING: dict[str, dict[str, Any]] = {
    "flux-2/pro-image-to-image": by1("resolution", {"1K": 5.0, "2K": 7.0}),
    "flux-2/pro-text-to-image": by1("resolution", {"1K": 5.0, "2K": 7.0}),
    "flux-2/flex-image-to-image": by1("resolution", {"1K": 14.0, "2K": 24.0}),
    "flux-2/flex-text-to-image": by1("resolution", {"1K": 14.0, "2K": 24.0}),
    "gpt-image/1.5-text-to-image": by1("quality", {"medium": 4.0, "high": 22.0}),
    "gpt-image/1.5-image-to-image": by1("quality", {"medium": 4.0, "high": 22.0}),
    "gpt-image-2-text-to-image": by1("resolution", {"1K": 6.0, "2K": 10.0, "4K": 16.0}),
    "gpt-image-2-image-to-image": by1("resolution", {"1K": 6.0, "2K": 10.0, "4K": 16.0}),
    "nano-banana-2": by1("resolution", {"1K": 8.0, "2K": 12.0, "4K": 18.0}),
    "google/imagen4-fast": flat(4.0),
    "google/imagen4-ultra": flat(12.0),
    "google/imagen4": flat(8.0),
    "google/nano-banana-edit": flat(4.0),
    "google/nano-banana": flat(4.0),
    "nano-banana-pro": by1("resolution", {"1K": 18.0, "2K": 18.0, "4K": 24.0}),
    "grok-imagine/text-to-image": by1("enable_pro", {False: 4.0, True: 5.0}),
    "grok-imagine/image-to-image": flat(4.0),
    "ideogram/character-edit": by1("rendering_speed", IDEO_CHAR, unit="image", unit_field="num_images"),
    "ideogram/character-remix": by1("rendering_speed", IDEO_CHAR, unit="image", unit_field="num_images"),
    "ideogram/character": by1("rendering_speed", IDEO_CHAR, unit="image", unit_field="num_images"),
    "ideogram/v3-text-to-image": by1("rendering_speed", IDEO_SPEED),
    "ideogram/v3-edit": by1("rendering_speed", IDEO_SPEED),
    "ideogram/v3-remix": by1(
        "rendering_speed", IDEO_SPEED, unit="image", unit_field="num_images", default_units=1
    ),
    "qwen/text-to-image": flat(4.0, unit="megapixel", unit_field="image_size", unit_table=QWEN_MP),
    # No size field: the output follows the input photo; bill up to 4 MP (a Telegram HD photo is ≤ 4.9 MP).
    "qwen/image-to-image": flat(4.0, unit="megapixel", default_units=4.0),
    "qwen/image-edit": flat(
        6.0, unit="megapixel", unit_field="image_size", unit_table=QWEN_MP, count_field="num_images"
    ),
    "qwen2/image-edit": flat(5.6),
    "qwen2/text-to-image": flat(5.6),
    "recraft/remove-background": flat(1.0),
    "recraft/crisp-upscale": flat(0.5),
    # "standard" 3.5 vs "high/fast" 5.0 with no field choosing between them: bill the higher price.
    "bytedance/seedream": flat(5.0),
    "bytedance/seedream-v4-text-to-image": flat(5.0, unit="image", unit_field="max_images"),
    "bytedance/seedream-v4-edit": flat(5.0, unit="image", unit_field="max_images"),
    "seedream/4.5-text-to-image": flat(6.5),
    "seedream/4.5-edit": flat(6.5),
    "seedream/5-lite-text-to-image": flat(5.5),
    "seedream/5-lite-image-to-image": flat(5.5),
    # Output size = input size × factor and the input size is unknown: bill the bucket a Telegram HD
    # photo (≤ 2560 px) reaches: 1× ≤ 4K, 2× and more → 8K.
    "topaz/image-upscale": by1("upscale_factor", {"1": 20.0, "2": 40.0, "4": 40.0, "8": 40.0}),
    "wan/2-7-image": flat(4.8, unit="image", unit_field="n"),
    "wan/2-7-image-pro": flat(12.0, unit="image", unit_field="n"),
    "z-image": flat(0.8),
    "elevenlabs/text-to-dialogue-v3": flat(14.0, unit="1000_chars", default_units=1),
    "elevenlabs/text-to-speech-turbo-2-5": flat(6.0, unit="1000_chars", unit_field="text"),
    "elevenlabs/text-to-speech-multilingual-v2": flat(12.0, unit="1000_chars", unit_field="text"),
    "elevenlabs/audio-isolation": per_second("audio_url", prices=0.2),
    "bytedance/seedance-1.5-pro": by(
        ["resolution", "generate_audio"],
        [
            (("480p", False), 1.75),
            (("480p", True), 3.5),
            (("720p", False), 3.5),
            (("720p", True), 7.0),
            (("1080p", False), 7.5),
            (("1080p", True), 15.0),
        ],
        unit="second",
        unit_field="duration",
    ),
    "bytedance/v1-pro-fast-image-to-video": by(
        ["duration", "resolution"],
        dur_res(
            ["5", "10"],
            ["720p", "1080p"],
            {"5s 720p": 16.0, "10s 720p": 36.0, "5s 1080p": 36.0, "10s 1080p": 72.0},
        ),
    ),
    "gemini-omni-video": by(
        ["duration", "resolution"],
        [
            ((d, r), c)
            for d, c in (("4", 90.0), ("6", 120.0), ("8", 150.0), ("10", 180.0))
            for r in ("720p", "1080p")
        ]
        + [((d, "4k"), c) for d, c in (("4", 210.0), ("6", 240.0), ("8", 270.0), ("10", 300.0))],
    ),
    "grok-imagine/text-to-video": per_second("duration", ["resolution"], {"480p": 1.6, "720p": 3.0}),
    "grok-imagine/image-to-video": per_second("duration", ["resolution"], {"480p": 1.6, "720p": 3.0}),
    "grok-imagine/upscale": flat(10.0),
    "grok-imagine/extend": by(["extend_times"], [(("6",), 20.0), (("10",), 30.0)]),
    "grok-imagine-video-1-5-preview": per_second("duration", ["resolution"], {"480p": 1.6, "720p": 3.0}),
    "hailuo/2-3-image-to-video-pro": by(
        ["duration", "resolution"], [(("6", "768P"), 45.0), (("10", "768P"), 90.0), (("6", "1080P"), 80.0)]
    ),
    "hailuo/2-3-image-to-video-standard": by(
        ["duration", "resolution"], [(("6", "768P"), 30.0), (("10", "768P"), 50.0), (("6", "1080P"), 50.0)]
    ),
    "hailuo/02-text-to-video-pro": flat(57.0),
    "hailuo/02-image-to-video-pro": flat(57.0),
    "hailuo/02-text-to-video-standard": by1("duration", {"6": 30.0, "10": 50.0}),
    "hailuo/02-image-to-video-standard": by(
        ["duration", "resolution"], [(("6", "512P"), 12.0), (("10", "512P"), 20.0), (("10", "768P"), 50.0)]
    ),
    "happyhorse/text-to-video": per_second("duration", ["resolution"], {"720p": 28.0, "1080p": 48.0}),
    "happyhorse/image-to-video": per_second("duration", ["resolution"], {"720p": 28.0, "1080p": 48.0}),
    "happyhorse/reference-to-video": per_second("duration", ["resolution"], {"720p": 28.0, "1080p": 48.0}),
    # No duration: the output is as long as the input video.
    "happyhorse/video-edit": per_second("video_url", ["resolution"], {"720p": 28.0, "1080p": 48.0}),
    "happyhorse-1-1/image-to-video": per_second("duration", ["resolution"], {"720p": 22.5, "1080p": 29.0}),
    "happyhorse-1-1/text-to-video": per_second("duration", ["resolution"], {"720p": 22.5, "1080p": 29.0}),
    "happyhorse-1-1/reference-to-video": per_second(
        "duration", ["resolution"], {"720p": 22.5, "1080p": 29.0}
    ),
    "infinitalk/from-audio": per_second(
        "audio_url", ["resolution"], {"480p": 3.0, "720p": 12.0}, max_units=15
    ),
    "kling-2.6/text-to-video": by(
        ["duration", "sound"],
        [(("5", False), 55.0), (("10", False), 110.0), (("5", True), 110.0), (("10", True), 220.0)],
    ),
    "kling-2.6/image-to-video": by(
        ["duration", "sound"],
        [(("5", False), 55.0), (("10", False), 110.0), (("5", True), 110.0), (("10", True), 220.0)],
    ),
    "kling/v2-5-turbo-image-to-video-pro": by1("duration", {"5": 42.0, "10": 84.0}),
    "kling/v2-5-turbo-text-to-video-pro": by1("duration", {"5": 42.0, "10": 84.0}),
    "kling/ai-avatar-standard": per_second("audio_url", prices=8.0, max_units=15),
    "kling/ai-avatar-pro": per_second("audio_url", prices=16.0, max_units=15),
    "kling/v2-1-master-image-to-video": by1("duration", {"5": 160.0, "10": 320.0}),
    "kling/v2-1-master-text-to-video": by1("duration", {"5": 160.0, "10": 320.0}),
    "kling/v2-1-pro": by1("duration", {"5": 50.0, "10": 100.0}),
    "kling/v2-1-standard": by1("duration", {"5": 25.0, "10": 50.0}),
    "kling-2.6/motion-control": per_second("video_urls", ["mode"], {"720p": 11.0, "1080p": 18.0}),
    "kling-3.0/motion-control": per_second("video_urls", ["mode"], {"720p": 20.0, "1080p": 27.0}),
    "kling-3.0/video": by(
        ["mode", "sound"],
        [
            (("std", False), 14.0),
            (("std", True), 20.0),
            (("pro", False), 18.0),
            (("pro", True), 27.0),
            (("4K", False), 67.0),
            (("4K", True), 67.0),
        ],
        unit="second",
        unit_field="duration",
    ),
    "kling/v3-turbo-text-to-video": per_second("duration", ["resolution"], {"720p": 18.0, "1080p": 22.5}),
    "kling/v3-turbo-image-to-video": per_second("duration", ["resolution"], {"720p": 18.0, "1080p": 22.5}),
    "omnihuman-1-5": per_second("audio_url", prices=27.0),
    "topaz/video-upscale": per_second("video_url", ["upscale_factor"], {"1": 8.0, "2": 8.0, "4": 14.0}),
    "volcengine/video-to-video-lip-sync": per_second("video_url", prices=8.0),
    "wan/2-6-image-to-video": wan26_rows(["5", "10", "15"]),
    "wan/2-6-text-to-video": wan26_rows(["5", "10", "15"]),
    "wan/2-6-video-to-video": wan26_rows(["5", "10"]),
    "wan/2-2-a14b-image-to-video-turbo": by1("resolution", {"480p": 40.0, "720p": 80.0}),
    "wan/2-2-a14b-text-to-video-turbo": by1("resolution", {"480p": 40.0, "720p": 80.0}),
    # Output seconds = num_frames / frames_per_second, both fixed at Kie's defaults (80 / 16 = 5 s).
    "wan/2-2-a14b-speech-to-video-turbo": by1(
        "resolution", {"480p": 12.0, "580p": 18.0, "720p": 24.0}, unit="second", default_units=5
    ),
    "wan/2-2-animate-move": per_second("video_url", ["resolution"], {"480p": 6.0, "580p": 9.5, "720p": 12.5}),
    "wan/2-2-animate-replace": per_second(
        "video_url", ["resolution"], {"480p": 6.0, "580p": 9.5, "720p": 12.5}
    ),
    "wan/2-5-image-to-video": by(
        ["duration", "resolution"],
        dur_res(
            ["5", "10"],
            ["720p", "1080p"],
            {"5s 720p": 60.0, "10s 720p": 120.0, "5s 1080p": 100.0, "10s 1080p": 200.0},
        ),
    ),
    "wan/2-5-text-to-video": by(
        ["duration", "resolution"],
        dur_res(
            ["5", "10"],
            ["720p", "1080p"],
            {"5s 720p": 60.0, "10s 720p": 120.0, "5s 1080p": 100.0, "10s 1080p": 200.0},
        ),
    ),
    "wan/2-7-text-to-video": per_second("duration", ["resolution"], {"720p": 16.0, "1080p": 24.0}),
    "wan/2-7-image-to-video": per_second("duration", ["resolution"], {"720p": 16.0, "1080p": 24.0}),
    "wan/2-7-videoedit": per_second("video_url", ["resolution"], {"720p": 16.0, "1080p": 24.0}),
    "wan/2-7-r2v": per_second("duration", ["resolution"], {"720p": 16.0, "1080p": 24.0}),
    "sora-2-image-to-video": by1("n_frames", {"10": 20.0, "15": 25.0}),
    "sora-2-text-to-video": by1("n_frames", {"10": 20.0, "15": 25.0}),
    "sora-2-pro-text-to-video": by(
        ["size", "n_frames"],
        [
            (("standard", "10"), 150.0),
            (("standard", "15"), 270.0),
            (("high", "10"), 330.0),
            (("high", "15"), 630.0),
        ],
    ),
    "sora-2-pro-image-to-video": by(
        ["size", "n_frames"],
        [
            (("standard", "10"), 150.0),
            (("standard", "15"), 270.0),
            (("high", "10"), 330.0),
            (("high", "15"), 630.0),
        ],
    ),
    "sora-watermark-remover": flat(10.0),
    "wan/3-0-video": per_second(
        "duration",
        ["resolution"],
        {"480P": 8.0, "720P": 16.0, "1080P": 32.0},
        plus_media_seconds_of=["reference_video_urls"],
    ),
    "wan/3-0-video-prime": per_second(
        "duration",
        ["resolution"],
        {"480P": 12.24, "720P": 25.2, "1080P": 50.4},
        plus_media_seconds_of=["reference_video_urls"],
    ),
    "veo3": by1("resolution", {"720p": 250.0, "1080p": 255.0, "4k": 370.0}),
    "veo3_fast": by1("resolution", {"720p": 60.0, "1080p": 65.0, "4k": 180.0}),
    "veo3_lite": by1("resolution", {"720p": 30.0, "1080p": 35.0, "4k": 150.0}),
    "suno": flat(12.0),
    "4o-image": flat(6.0, unit="image", unit_field="nVariants"),
    "flux-kontext-pro": flat(5.0),
    "flux-kontext-max": flat(10.0),
    "runway": by(["duration", "quality"], [((5, "720p"), 12.0), ((10, "720p"), 30.0), ((5, "1080p"), 30.0)]),
    "runway-aleph": flat(110.0),
    "midjourney": by1("speed", {"relaxed": 3.0, "fast": 8.0, "turbo": 16.0}),
}
for _mid, _prices in SEEDANCE2.items():
    PRICING[_mid] = by(
        ["resolution", "reference_video_urls"],
        [((r, EM), a) for r, (a, _) in _prices.items()] + [((r, NE), b) for r, (_, b) in _prices.items()],
        unit="second",
        unit_field="duration",
    )

# --- per-model fixes ------------------------------------------------------------------------------------
# `fields`: patches merged into the mapped field (None = drop the field); `drop`: names to leave out;
# `add`: new fields (appended); `required`/`order`: replace; `fixed`, `rules`, `disabled`.

UNCERTAIN = "availability uncertain in 2026"
PREV_TASK = "needs a previous Kie task"
NO_PRICE = "no documented price"
VEO_RULES = [
    {
        "rule": "derive_from_count",
        "field": "generationType",
        "count_of": "imageUrls",
        "mapping": {
            "0": "TEXT_2_VIDEO",
            "1": "FIRST_AND_LAST_FRAMES_2_VIDEO",
            "2": "FIRST_AND_LAST_FRAMES_2_VIDEO",
        },
    }
]
SEEDANCE_EXCLUSIVE = {
    "rule": "exclusive",
    "groups": [
        ["first_frame_url", "last_frame_url"],
        ["reference_image_urls", "reference_video_urls", "reference_audio_urls"],
    ],
}
HAILUO_NO_10S_1080P = {
    "rule": "forbid_combination",
    "when": {"duration": "10", "resolution": "1080P"},
    "message": "hailuo_10s_1080p",
}
# Seedance 2 / Wan 3: everything is optional, but Kie needs something to start from.
NEEDS_A_START = {
    "rule": "at_least_one",
    "fields": ["prompt", "first_frame_url", "reference_image_urls", "reference_video_urls"],
}
KIE_10MB = {"max_bytes": 10 * MB}


def veo(model: str) -> dict[str, Any]:
    return {
        "fields": {
            "imageUrls": {"max_items": 2},
            "resolution": {"send_default": True},
            "enableTranslation": {"advanced": True},
            "watermark": {"advanced": True},
        },
        "drop": ["model", "generationType"],
        "fixed": {"model": model},
        "rules": VEO_RULES,
    }


def flux_kontext(model: str) -> dict[str, Any]:
    return {"drop": ["model"], "fixed": {"model": model}}


OVERRIDES: dict[str, dict[str, Any]] = {
    "gpt-image-2-text-to-image": {"fields": {"resolution": {"default": "1K"}}},
    "gpt-image-2-image-to-image": {
        "fields": {"resolution": {"default": "1K"}, "prompt": {"max_length": 20000}}
    },
    # Both fields exist on the page; asking twice for the same thing confuses: image_size goes to settings.
    "google/nano-banana": {"fields": {"image_size": {"advanced": True}}},
    "google/nano-banana-edit": {"fields": {"image_size": {"advanced": True}, "image_urls": KIE_10MB}},
    "seedream/4.5-edit": {"fields": {"image_urls": KIE_10MB}},
    "grok-imagine/text-to-image": {"fields": {"enable_pro": {"default": False}}},
    "ideogram/v3-text-to-image": {"fields": {"rendering_speed": {"default": "BALANCED"}}},
    "ideogram/v3-remix": {"fields": {"rendering_speed": {"default": "BALANCED"}}},
    "ideogram/character": {"fields": {"reference_image_urls": {"max_items": 1}}},
    "ideogram/character-edit": {"fields": {"reference_image_urls": {"max_items": 1}}},
    "ideogram/character-remix": {
        "fields": {
            "reference_image_urls": {"max_items": 1},
            "image_urls": {"advanced": True},
            "reference_mask_urls": {"advanced": True},
        }
    },
    "qwen/image-edit": {"fields": {"num_images": {"default": "1"}}},
    "wan/2-7-image": {"fields": {"n": {"minimum": 1, "maximum": 4, "default": 1}}},
    "wan/2-7-image-pro": {"fields": {"n": {"minimum": 1, "maximum": 4, "default": 1}}},
    "bytedance/seedream-v4-text-to-image": {"fields": {"max_images": {"advanced": False}}},
    "elevenlabs/text-to-dialogue-v3": {
        "disabled": "dialogue is a list of {text, voice} objects: too complex for a chat wizard"
    },
    "elevenlabs/text-to-speech-turbo-2-5": {"fields": {"text": {"min_length": 1}}},
    "elevenlabs/text-to-speech-multilingual-v2": {"fields": {"text": {"min_length": 1}}},
    "bytedance/seedance-2": {
        "fields": {"duration": {"minimum": 4, "maximum": 15}},
        "rules": [SEEDANCE_EXCLUSIVE, NEEDS_A_START],
    },
    "bytedance/seedance-2-fast": {
        "fields": {"duration": {"minimum": 4, "maximum": 15}},
        "rules": [SEEDANCE_EXCLUSIVE, NEEDS_A_START],
    },
    "bytedance/seedance-2-mini": {
        "fields": {"duration": {"minimum": 4, "maximum": 15}},
        "rules": [SEEDANCE_EXCLUSIVE, NEEDS_A_START],
    },
    # Seedance 1.5 Pro runs 4–12 s (ByteDance docs); the Kie page gives only "number".
    "bytedance/seedance-1.5-pro": {"fields": {"duration": {"minimum": 4, "maximum": 12, "default": 8}}},
    "bytedance/v1-pro-image-to-video": {"disabled": NO_PRICE},
    "bytedance/v1-pro-text-to-video": {"disabled": NO_PRICE},
    "bytedance/v1-lite-image-to-video": {"disabled": NO_PRICE},
    "bytedance/v1-lite-text-to-video": {"disabled": NO_PRICE},
    "gemini-omni-video": {"fields": {"duration": {"default": "8"}}},
    "hailuo/2-3-image-to-video-pro": {"rules": [HAILUO_NO_10S_1080P]},
    "hailuo/2-3-image-to-video-standard": {"rules": [HAILUO_NO_10S_1080P]},
    "hailuo/02-image-to-video-standard": {
        "rules": [
            {
                "rule": "forbid_combination",
                "when": {"duration": "6", "resolution": "768P"},
                "message": "hailuo_6s_768p",
            }
        ]
    },
    "grok-imagine/image-to-video": {
        # Bounds as for text-to-video (6–30 s, default 6); the page leaves them out.
        "fields": {"duration": {"minimum": 6, "maximum": 30, "default": 6}, "image_urls": {"min_items": 1}},
        "required": ["image_urls"],
    },
    "grok-imagine/upscale": {"disabled": PREV_TASK},
    "grok-imagine/extend": {"disabled": PREV_TASK},
    "happyhorse-1-1/image-to-video": {"fields": {"prompt": {"default": None}}},
    "happyhorse-1-1/text-to-video": {"fields": {"prompt": {"default": None, "min_length": 1}}},
    "happyhorse-1-1/reference-to-video": {"fields": {"prompt": {"default": None, "min_length": 1}}},
    "happyhorse/video-edit": {"fields": {"reference_image": {"min_items": 0}}},
    "kling-2.6/text-to-video": {"fields": {"sound": {"default": False}}},
    "kling-2.6/image-to-video": {"fields": {"sound": {"default": False}}},
    "kling-2.6/motion-control": {"fields": {"input_urls": {"max_items": 1}, "video_urls": {"max_items": 1}}},
    # Enums copied from kling-2.6/motion-control: the 3.0 page gives plain strings.
    "kling-3.0/motion-control": {
        "fields": {
            "mode": {"kind": "enum", "values": ["720p", "1080p"], "default": "720p"},
            "character_orientation": {"kind": "enum", "values": ["image", "video"], "default": "video"},
            "input_urls": {"max_items": 1},
            "video_urls": {"max_items": 1},
        },
        "drop": ["background_source"],
    },
    "kling-3.0/video": {
        "fields": {"image_urls": {"max_items": 2}},
        "drop": ["multi_shots"],
        "fixed": {"multi_shots": False, "multi_prompt": [], "kling_elements": []},
    },
    # The page gives duration as a free string with default "5": offer the two lengths every Kling has.
    "kling/v3-turbo-text-to-video": {
        "fields": {"duration": {"kind": "enum", "values": ["5", "10"], "default": "5"}}
    },
    "kling/v3-turbo-image-to-video": {
        "fields": {
            "duration": {"kind": "enum", "values": ["5", "10"], "default": "5"},
            "image_urls": {"max_items": 1},
        }
    },
    "omnihuman-1-5": {"fields": {"mask_url": {"advanced": True}}},
    "omnihuman-1-5/human-identification": {"disabled": NO_PRICE},
    "omnihuman-1-5/subject-detection": {"disabled": NO_PRICE},
    "wan/2-2-a14b-speech-to-video-turbo": {
        "drop": ["num_frames", "frames_per_second"],
        "fixed": {"num_frames": 80, "frames_per_second": 16},
    },
    "wan/2-2-a14b-image-to-video-turbo": {"fields": {"resolution": {"values": ["480p", "720p"]}}},
    "wan/2-6-flash-image-to-video": {"disabled": NO_PRICE},
    "wan/2-6-flash-video-to-video": {"disabled": NO_PRICE},
    "wan/2-5-image-to-video": {"fields": {"resolution": {"default": "720p"}, "duration": {"default": "5"}}},
    "wan/2-5-text-to-video": {"fields": {"resolution": {"default": "720p"}, "duration": {"default": "5"}}},
    "wan/2-7-image-to-video": {
        "rules": [
            {"rule": "at_least_one", "fields": ["first_frame_url", "first_clip_url"]},
            {"rule": "exclusive", "groups": [["first_frame_url", "last_frame_url"], ["first_clip_url"]]},
        ]
    },
    # duration 0 means "as long as the input": price follows the input video, so the knob is not offered.
    "wan/2-7-videoedit": {"drop": ["duration"]},
    "wan/2-7-r2v": {
        "fields": {"reference_image": {"accept": ["image"]}, "reference_video": {"accept": ["video"]}}
    },
    "sora-2-image-to-video": {"disabled": UNCERTAIN},
    "sora-2-text-to-video": {"disabled": UNCERTAIN},
    "sora-2-pro-text-to-video": {"disabled": UNCERTAIN, "fields": {"size": {"default": "standard"}}},
    "sora-2-pro-image-to-video": {"disabled": UNCERTAIN, "fields": {"size": {"default": "standard"}}},
    # video_url is a sora.chatgpt.com share link, not a file to upload.
    "sora-watermark-remover": {
        "disabled": UNCERTAIN,
        "fields": {"video_url": {"kind": "url", "accept": None, "max_length": 500}},
    },
    "wan/3-0-video": {
        "rules": [
            SEEDANCE_EXCLUSIVE
            | {
                "groups": [
                    ["first_frame_url", "last_frame_url"],
                    ["reference_image_urls", "reference_video_urls", "reference_audio_urls"],
                ]
            },
            NEEDS_A_START,
        ],
        "fields": {
            "reference_image_urls": {"accept": ["image"]},
            "reference_video_urls": {"accept": ["video"]},
            "reference_audio_urls": {"accept": ["audio"]},
        },
        "drop": ["reference_file_urls", "reference_link_urls"],
    },
    "wan/3-0-video-prime": None,  # filled below: same schema fixes as wan/3-0-video
    "veo3": veo("veo3"),
    "veo3_fast": veo("veo3_fast"),
    "veo3_lite": veo("veo3_lite"),
    "flux-kontext-pro": flux_kontext("flux-kontext-pro"),
    "flux-kontext-max": flux_kontext("flux-kontext-max"),
    "4o-image": {
        "fields": {"nVariants": {"default": 1}, "filesUrl": {"max_items": 5}, "prompt": {"max_length": 5000}},
        "rules": [
            {"rule": "at_least_one", "fields": ["prompt", "filesUrl"]},
            {"rule": "hide_when", "field": "maskUrl", "when": {"filesUrl": EM}},
        ],
    },
    "runway": {
        "fields": {
            "duration": {"kind": "enum", "values": [5, 10], "default": 5},
            "quality": {"kind": "enum", "values": ["720p", "1080p"], "default": "720p"},
            "prompt": {"max_length": 1800},
        },
        # aspectRatio applies to text-to-video only.
        "rules": [
            {
                "rule": "forbid_combination",
                "when": {"quality": "1080p", "duration": 10},
                "message": "runway_1080p_10s",
            },
            {"rule": "hide_when", "field": "aspectRatio", "when": {"imageUrl": NE}},
        ],
    },
    "runway-aleph": {"fields": {"seed": {"advanced": True}}},
    "midjourney": {
        "disabled": UNCERTAIN,
        "fields": {
            "taskType": {"values": ["mj_txt2img", "mj_img2img"], "default": "mj_txt2img"},
            "speed": {"default": "fast"},
            "variety": {"minimum": 0, "maximum": 100},
            "stylization": {"minimum": 0, "maximum": 1000},
            "weirdness": {"minimum": 0, "maximum": 3000},
        },
        "drop": ["videoBatchSize", "motion"],
        "rules": [
            {"rule": "require_when", "field": "fileUrls", "when": {"taskType": "mj_img2img"}},
            {"rule": "hide_when", "field": "fileUrls", "when": {"taskType": "mj_txt2img"}},
        ],
    },
}
OVERRIDES["wan/3-0-video-prime"] = OVERRIDES["wan/3-0-video"]


def suno_schema() -> dict[str, Any]:
    props = {
        "customMode": {"kind": "boolean", "default": False, "send_default": True},
        "instrumental": {"kind": "boolean", "default": False, "send_default": True},
        # Simple mode: a description (≤ 500 chars). Custom mode: the exact lyrics.
        "prompt": {"kind": "text", "min_length": 1, "max_length": 5000, "multiline": True},
        "style": {"kind": "text", "min_length": 1, "max_length": 1000},
        "title": {"kind": "text", "min_length": 1, "max_length": 80},
        "model": {
            "kind": "enum",
            "values": ["V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"],
            "default": "V5",
            "send_default": True,
        },
        "vocalGender": {"kind": "enum", "values": ["m", "f"]},
        "negativeTags": {"kind": "text", "max_length": 200, "advanced": True},
        "styleWeight": {"kind": "number", "minimum": 0.0, "maximum": 1.0, "advanced": True},
        "weirdnessConstraint": {"kind": "number", "minimum": 0.0, "maximum": 1.0, "advanced": True},
        "audioWeight": {"kind": "number", "minimum": 0.0, "maximum": 1.0, "advanced": True},
    }
    rules = [
        {"rule": "require_when", "field": "prompt", "when": {"customMode": False}},
        {"rule": "require_when", "field": "prompt", "when": {"customMode": True, "instrumental": False}},
        {"rule": "hide_when", "field": "prompt", "when": {"customMode": True, "instrumental": True}},
        {"rule": "require_when", "field": "style", "when": {"customMode": True}},
        {"rule": "require_when", "field": "title", "when": {"customMode": True}},
        {"rule": "hide_when", "field": "style", "when": {"customMode": False}},
        {"rule": "hide_when", "field": "title", "when": {"customMode": False}},
        {"rule": "hide_when", "field": "vocalGender", "when": {"instrumental": True}},
    ]
    return {"required": ["customMode", "instrumental", "model"], "properties": props, "rules": rules}


# --- catalogue-wide facts ---------------------------------------------------------------------------------

FREE = {
    "z-image",
    "recraft/remove-background",
    "recraft/crisp-upscale",
    "google/nano-banana",
    "google/nano-banana-edit",
}
RANKED = [
    # images
    "google/nano-banana",
    "gpt-image-2-text-to-image",
    "seedream/4.5-text-to-image",
    "flux-2/pro-text-to-image",
    "nano-banana-pro",
    "nano-banana-2",
    "google/nano-banana-edit",
    "gpt-image-2-image-to-image",
    "seedream/4.5-edit",
    "flux-2/pro-image-to-image",
    "z-image",
    "google/imagen4",
    "flux-kontext-pro",
    "4o-image",
    "ideogram/v3-text-to-image",
    "grok-imagine/text-to-image",
    "qwen2/text-to-image",
    # video
    "veo3_fast",
    "kling-3.0/video",
    "veo3",
    "bytedance/seedance-2",
    "kling-2.6/text-to-video",
    "kling-2.6/image-to-video",
    "veo3_lite",
    "bytedance/seedance-2-fast",
    "hailuo/2-3-image-to-video-pro",
    "wan/2-6-text-to-video",
    "wan/2-6-image-to-video",
    "runway",
    "grok-imagine/text-to-video",
    "kling/ai-avatar-standard",
    # audio
    "suno",
    "elevenlabs/text-to-speech-multilingual-v2",
    "elevenlabs/text-to-speech-turbo-2-5",
    # utilities
    "recraft/remove-background",
    "recraft/crisp-upscale",
    "topaz/image-upscale",
    "topaz/video-upscale",
    "elevenlabs/audio-isolation",
]
OUTPUT = {
    "elevenlabs/audio-isolation": "audio",
    "topaz/video-upscale": "video",
    "sora-watermark-remover": "video",
    "grok-imagine/upscale": "video",
    "omnihuman-1-5/human-identification": "text",
    "omnihuman-1-5/subject-detection": "text",
}
EXAMPLE_TEXT = {
    "image": "A ginger cat in a tiny space suit floating above the Moon, watercolor, soft light",
    "video": "A drone shot over a misty pine forest at sunrise, slow cinematic camera move",
    "audio": "Привет! Это пример озвучки: спокойный дружелюбный голос.",
}
EXAMPLE_FILE = {
    "image": "https://example.com/cat.jpg",
    "video": "https://example.com/clip.mp4",
    "audio": "https://example.com/voice.mp3",
}


def entry_id(raw_id: str) -> str:
    return raw_id.split(" ")[0]


def build_entry(raw: dict[str, Any], position: int) -> dict[str, Any]:
    mid = entry_id(raw["id"])
    over = OVERRIDES.get(mid, {})
    family = raw["api"]
    if mid == "suno":
        schema = suno_schema()
    else:
        props: dict[str, Any] = {}
        required: list[str] = []
        drop = set(over.get("drop", ()))
        for inp in raw["inputs"]:
            name = inp["name"]
            if name in RUNTIME | DEPRECATED | drop:
                continue
            if name in PREVIOUS_TASK | FOREIGN_IDS and not inp.get("required"):
                continue
            mapped = map_field(inp)
            if mapped is None:
                if inp.get("required") and name not in over.get("fixed", {}):
                    if "disabled" not in over:
                        raise SystemExit(f"{mid}: required complex field {name} needs an override")
                continue
            patch = over.get("fields", {}).get(name)
            if patch:
                mapped.update(patch)
                mapped = {k: v for k, v in mapped.items() if v is not None}
            if mapped["kind"] == "enum" and "default" in mapped and mapped["default"] not in mapped["values"]:
                del mapped["default"]
            props[name] = mapped
            if inp.get("required"):
                required.append(name)
        if "required" in over:
            required = list(over["required"])
        required = [r for r in required if r in props]
        schema = {"required": required, "properties": props, "rules": list(over.get("rules", ()))}
    for name in schema["required"]:
        schema["properties"][name].pop("advanced", None)

    # No documented price: a zero placeholder; the loader refuses any enabled entry priced at zero.
    pricing = json.loads(json.dumps(PRICING.get(mid) or flat(0.0)))
    props = schema["properties"]
    # Whatever decides the price is sent explicitly, so Kie's own (unknown) default cannot differ.
    for name in [*pricing["by"], pricing.get("unit_field"), pricing.get("count_field")]:
        if (
            name in props
            and name not in schema["required"]
            and props[name]["kind"] not in ("file", "file_list")
        ):
            if "default" in props[name]:
                props[name]["send_default"] = True
    disabled = over.get("disabled")
    if raw.get("price_credits") is None:
        disabled = NO_PRICE

    mtype = raw["category"]
    kinds: list[str] = []
    for f in props.values():
        if f["kind"] == "text" and not f.get("advanced"):
            kinds.append("text")
        if f["kind"] in ("file", "file_list"):
            kinds.extend(f["accept"])
    inputs = [k for k in ("text", "image", "video", "audio") if k in kinds] or ["text"]
    output = OUTPUT.get(mid) or ("image" if mtype in ("image", "utility") else mtype)
    slow = mtype == "video" or output == "video" or mid == "suno"
    entry = {
        "id": mid,
        "slug": re.sub(r"[/.]", "-", mid),
        "type": mtype,
        "family": family,
        "enabled": disabled is None,
        "disabled_reason": disabled,
        "free": mid in FREE,
        "rank": RANKED.index(mid) * 10 if mid in RANKED else 1000 + position,
        "schema": schema,
        "examples": [],
        "pricing": pricing,
        "supports": {"inputs": inputs, "output": output},
        "fixed": over.get("fixed", {}),
        "eta_seconds": {"image": 40, "utility": 30, "audio": 120 if mid == "suno" else 30}.get(mtype, 180),
        "timeout_seconds": 1800 if slow else 600,
        "source": raw["source"],
    }
    if mid.startswith("veo3"):
        entry["eta_seconds"] = 120
    entry["examples"] = [make_example(entry)]
    return entry


def make_example(entry: dict[str, Any]) -> dict[str, Any]:
    schema = entry["schema"]
    props = schema["properties"]
    if entry["id"] == "suno":
        return {
            "customMode": False,
            "instrumental": False,
            "model": "V5",
            "prompt": "Лёгкая летняя поп-песня о поездке к морю",
        }
    wanted = list(schema["required"])
    for rule in schema["rules"]:
        if rule["rule"] == "at_least_one":
            wanted.append(rule["fields"][0])
    if "prompt" in props and props["prompt"]["kind"] == "text" and "prompt" not in wanted:
        wanted.append("prompt")
    example: dict[str, Any] = {}
    for name in dict.fromkeys(wanted):
        f = props[name]
        kind = f["kind"]
        if kind == "text":
            text = (
                EXAMPLE_TEXT["audio" if entry["type"] == "audio" else entry["type"]]
                if name in ("prompt", "text")
                else "example"
            )
            if entry["type"] == "utility":
                text = EXAMPLE_TEXT["image"]
            example[name] = text[: f.get("max_length") or None]
        elif kind == "file":
            example[name] = EXAMPLE_FILE[f["accept"][0]]
        elif kind == "file_list":
            example[name] = [EXAMPLE_FILE[f["accept"][0]]] * max(1, f.get("min_items", 1))
        elif kind == "url":
            example[name] = "https://sora.chatgpt.com/p/s_example"
        elif kind == "enum":
            example[name] = f.get("default", f["values"][0])
        elif kind == "boolean":
            example[name] = f.get("default", False)
        elif kind in ("integer", "number"):
            example[name] = f.get("default", f.get("minimum", 1))
    return example


def main(argv: list[str]) -> None:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    models = json.loads(source.read_text(encoding="utf-8"))
    buckets: dict[str, list[dict[str, Any]]] = {k: [] for k in FILES}
    for position, raw in enumerate(models):
        entry = build_entry(raw, position)
        buckets[entry["type"]].append(entry)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for mtype, name in FILES.items():
        entries = sorted(buckets[mtype], key=lambda e: (e["rank"], e["id"]))
        text = json.dumps(entries, ensure_ascii=False, indent=1) + "\n"
        (DATA_DIR / name).write_text(text, encoding="utf-8")
    sys.stderr.write(f"wrote {sum(map(len, buckets.values()))} entries to {DATA_DIR}\n")


if __name__ == "__main__":
    main(sys.argv)
