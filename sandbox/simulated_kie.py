"""Simulated Kie for `trt demo`: the faithful fake (sandbox.kie, real wire formats and quirks) with
real-looking results and a realistic pace.

Every task waits, then generates, for a time that fits its model (the demo passes one `ModelProfile`
per catalog model: what it makes and how long that takes), then succeeds with files drawn locally
by sandbox.media: a picture of the prompt at the chosen ratio and size, a short H.264 clip, a WAV
melody. `fail_next_run = True` makes the next task fail the way Kie fails (HTTP 200, state "fail",
failCode 500), so the failure screens and the refund can be seen.

Results are drawn in a worker thread while createTask answers (real Kie takes about a second there
too), so the event loop that also serves the bot and the web chat never stalls on a video.

Text chat: the chat endpoints (sandbox/kie/chat.py, mounted on this same server) stream the answer of
`chat_reply` at a model's pace; the page's "fail next" switch fails the next chat answer too (Kie's
HTTP 200 with code 500).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from aiohttp import web

from sandbox import media
from sandbox.kie import _DEDICATED_MODEL, DEFAULT_API_KEY, Fail, FakeKie, FakeTask, Phase, Succeed, follow
from sandbox.kie.chat_state import ChatFault, KieChatState

log = logging.getLogger(__name__)

# What a family makes when the demo has no profile for a model (market models default to images).
_FAMILY_KIND = {
    "market": "image",
    "veo": "video",
    "suno": "audio",
    "gpt4o-image": "image",
    "flux-kontext": "image",
    "runway": "video",
    "aleph": "video",
    "suno-wav": "audio",
    "suno-stems": "audio",
}
_DEFAULT_SECONDS = {"image": 4.0, "video": 9.0, "audio": 6.0, "text": 2.0}
_PROMPT_KEYS = ("prompt", "text", "lyrics", "style", "title", "description")
_RATIO_KEYS = ("aspect_ratio", "aspectRatio", "image_size", "size", "ratio")
_RESOLUTION_KEYS = ("resolution", "quality", "image_resolution", "mode")
_COUNT_KEYS = ("num_images", "n", "nVariants", "numberOfImages", "max_images")
_SPEECH_WORDS = ("speech", "voice", "tts", "lip", "avatar", "talk", "isolation")
FAILURE = Fail(code="500", message="Internal error, please try again later.")


@dataclass
class _DemoChat(KieChatState):
    """The chat endpoints' state in the demo: the page's failure switch applies to answers too."""

    owner: Any = None

    def _fault(self, model: str) -> ChatFault | None:
        if self.owner is not None and self.owner.fail_next_run:
            self.owner.fail_next_run = False
            return ChatFault(code=500)
        return super()._fault(model)


class ModelProfile(NamedTuple):
    """What a model makes (image | video | audio | text) and how long a run takes, in seconds."""

    kind: str
    seconds: float


class SimulatedKie(FakeKie):
    """`async with SimulatedKie(profiles=..., delay_scale=1.0) as kie:` — knobs: `fail_next_run`,
    `delay_scale` (0 = instant, for tests); records as FakeKie."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        profiles: Mapping[str, ModelProfile] | None = None,
        delay_scale: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(api_key, **kwargs)
        self.profiles = dict(profiles or {})
        self.delay_scale = delay_scale
        self.fail_next_run = False
        self._pace_chat()
        # Drawn results by the identity of the request body they were drawn for (the body is kept
        # alive with them, so the id cannot be reused before the task completes and takes them).
        self._drawn: dict[int, tuple[dict[str, Any], list[media.Rendered]]] = {}
        self._variant = itertools.count()

    def profile(self, model: str, family: str = "market") -> ModelProfile:
        known = self.profiles.get(model)
        if known is not None:
            return known
        kind = _FAMILY_KIND.get(family, "image")
        return ModelProfile(kind, _DEFAULT_SECONDS[kind])

    def chat_reply(self, model: str, messages: list[dict[str, Any]]) -> str:
        """The seam for text chat: the answer a chat model gives in the demo, in Markdown as models
        write (the chat endpoints of sandbox/kie/chat.py stream it word by word at a model's pace)."""
        last = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
        text = last if isinstance(last, str) else " ".join(str(part) for part in last or [])
        return (
            f"**Демо-ответ модели {model}.** Вы написали: «{text.strip()[:400]}».\n\n"
            "В настоящем запуске здесь ответит сама модель, а пока — как это выглядит:\n\n"
            "- ответ приходит **потоком**, по мере того как модель его пишет;\n"
            "- длинные ответы делятся на сообщения по 4096 символов;\n"
            "- модель помнит разговор, пока вы не нажмёте «🧹 Новый диалог»;\n"
            "- под ответом — его цена и остаток на балансе.\n\n"
            '```python\nprint("Привет из демо TRT")\n```'
        )

    # --- text chat: the endpoints of sandbox/kie/chat.py at a model's pace -------------------------

    def _chat_state(self, api_key: str) -> KieChatState:
        return _DemoChat(api_key=api_key, credit_route=False)

    def reset(self) -> None:
        super().reset()
        self._pace_chat()

    def _pace_chat(self) -> None:
        """Answers from `chat_reply`, the first word after a moment, then about 30 words a second."""
        chat = self.chat
        assert isinstance(chat, _DemoChat)
        chat.owner = self
        chat.answer_for = lambda model, text: self.chat_reply(model, [{"role": "user", "content": text}])
        scale = getattr(self, "delay_scale", 1.0)  # reset() runs once before __init__ sets it
        chat.first_token_delay = 0.6 * scale
        chat.token_delay = 0.03 * scale

    # --- create: pace, outcome and results of the task ---------------------------------------------

    async def _create(self, family: str, recorded: Any) -> web.Response:
        body = recorded.json
        if not isinstance(body, dict):
            return await super()._create(family, recorded)
        # A follow-up's dedicated route names its model (Suno extend, WAV, Veo extend…: sandbox/kie/follow.py).
        model = follow.ROUTE_MODEL.get(recorded.path) or _model_of(family, body)
        profile = self.profile(model, family)
        failing = self.fail_next_run
        drawn: list[media.Rendered] = []
        if not failing and profile.kind != "text":
            try:
                drawn = await asyncio.to_thread(self._draw, family, model, profile, body)
            except Exception:  # noqa: BLE001 - a drawing problem must not break the demo run
                log.exception("could not draw the demo result of %s; a placeholder is served", model)
        steps = self._steps(profile, failing=failing, count=max(1, len(drawn)))
        queue = self._next_scripts[model]
        queue.append(steps)
        if drawn:
            self._drawn[id(body)] = (body, drawn)
        try:
            return await super()._create(family, recorded)
        finally:
            if any(queued is steps for queued in queue):
                # Refused before a task was made (bad body, no credits): nothing was used.
                queue.remove(steps)
                self._drawn.pop(id(body), None)
            elif failing:
                self.fail_next_run = False

    def _steps(self, profile: ModelProfile, *, failing: bool, count: int) -> list[Any]:
        seconds = max(0.0, profile.seconds * self.delay_scale)
        running = [Phase("waiting", seconds=seconds * 0.25), Phase("generating", seconds=seconds * 0.75)]
        if failing:
            return [*running, FAILURE]
        if profile.kind == "text":
            return [*running, Succeed(text=self.chat_reply("demo", []))]
        return [*running, Succeed(count=count, credits=round(2 + profile.seconds, 1))]

    def _make_results(self, task: FakeTask, outcome: Succeed) -> tuple[str, ...]:
        entry = self._drawn.pop(id(task.body), None)
        if entry is None or outcome.urls is not None or outcome.text is not None:
            return super()._make_results(task, outcome)
        return tuple(
            self.serve_file(f"results/{task.task_id}/{index}.{item.extension}", item.data, item.content_type)
            for index, item in enumerate(entry[1])
        )

    # --- drawing -----------------------------------------------------------------------------------

    def _draw(
        self, family: str, model: str, profile: ModelProfile, body: dict[str, Any]
    ) -> list[media.Rendered]:
        fields = body.get("input") if isinstance(body.get("input"), dict) else body
        prompt = _first_text(fields, _PROMPT_KEYS) or model
        ratio = _first_value(fields, _RATIO_KEYS)
        resolution = _first_value(fields, _RESOLUTION_KEYS)
        base_image = self._first_input_image(fields)
        variant = next(self._variant)
        if profile.kind == "video":
            return [
                media.clip(prompt, model=model, ratio=ratio, resolution=resolution, base_image=base_image)
            ]
        if profile.kind == "audio":
            voice = any(word in model.lower() for word in _SPEECH_WORDS)
            tracks = 2 if family in ("suno", "suno-stems") else 1
            return [media.melody(prompt, index=variant + i, voice=voice) for i in range(tracks)]
        count = _count(fields)
        return [
            media.picture(
                prompt,
                model=model,
                ratio=ratio,
                resolution=resolution,
                index=variant + i,
                base_image=base_image,
            )
            for i in range(count)
        ]

    def _first_input_image(self, fields: dict[str, Any]) -> bytes | None:
        """The first input file the bot uploaded to this Kie (image-to-image, upscale…), if any."""
        for value in fields.values():
            for url in value if isinstance(value, list) else [value]:
                if isinstance(url, str) and url.startswith(f"{self.base_url}/files/"):
                    stored = self.files.get(url.split("/files/", 1)[1])
                    if stored is not None and stored[1].startswith("image/"):
                        return stored[0]
                    if stored is not None and media.sniff(stored[0]).startswith("image/"):
                        return stored[0]
        return None


def _model_of(family: str, body: dict[str, Any]) -> str:
    if family == "market":
        return str(body.get("model") or "")
    if family in ("veo", "flux-kontext"):
        return str(body.get("model") or ("veo3_fast" if family == "veo" else "flux-kontext-pro"))
    return _DEDICATED_MODEL.get(family, family)


def _first_text(fields: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _first_value(fields: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return value
    return None


def _count(fields: dict[str, Any]) -> int:
    for key in _COUNT_KEYS:
        value = fields.get(key)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return min(value, 4)
    return 1
