"""What a test does to ``FakeKie``: scripts, rate limits, injected faults, callback modes, served and
expired files, finishing a task now, and the task and query counts it reads.
"""

from __future__ import annotations

from typing import Any

from sandbox.kie.steps import _CREATE_ERROR_TEXT, Fail, Succeed
from sandbox.kie.wire import FakeTask, _CallbackMode, _Injected


class _Controls:
    """Test-side knobs and reads of ``FakeKie``."""

    # --- knobs -------------------------------------------------------------------------------------

    def script(self, model_id: str, steps: list[Any]) -> None:
        self._scripts[model_id] = list(steps)

    def script_next(self, model_id: str, steps: list[Any]) -> None:
        self._next_scripts[model_id].append(list(steps))

    def rate_limit_next(self, n: int) -> None:
        """The next n create/query/credit calls answer HTTP 429 (Kie: rejected, not queued)."""
        self._rate_limited += n

    def fail_next(
        self, kind: str, code: int, *, msg: str = "", http_status: int = 200, times: int = 1
    ) -> None:
        """Inject an answer for the next `times` calls of `kind` (create | query | upload | credit).
        A create answered this way creates NO task."""
        text = msg or _CREATE_ERROR_TEXT.get(code, "error")
        self._injected[kind].append(_Injected(code, text, http_status, times))

    def callback_mode(
        self, *, lost: bool = False, copies: int = 1, delay: float = 0.0, model_id: str | None = None
    ) -> None:
        mode = _CallbackMode(lost=lost, copies=copies, delay=delay)
        if model_id is None:
            self._callback_default = mode
        else:
            self._callback_by_model[model_id] = mode

    def serve_file(self, path: str, content: bytes, content_type: str = "application/octet-stream") -> str:
        path = path.lstrip("/")
        self.files[path] = (content, content_type)
        return f"{self.base_url}/files/{path}"

    def _own_file(self, url: str) -> tuple[bytes, str] | None:
        """An uploaded (or served) file of this fake, by its URL."""
        if not url.startswith(f"{self.base_url}/files/"):
            return None
        return self.files.get(url.split("/files/", 1)[1])

    def expire(self, url: str) -> None:
        """That result URL now answers 404, like an expired tempfile link."""
        self.expired.add(url.split("/files/", 1)[-1])

    def finish(self, task_id: str, outcome: Succeed | Fail) -> None:
        """Jump a task to its outcome now (callbacks follow as usual)."""
        task = self.tasks[task_id]
        if task.finished:
            return
        task.steps = task.steps[: task.index] + [outcome]
        self._advance(task, polled=False)

    def task_for(self, model_id: str) -> list[FakeTask]:
        return [t for t in self.tasks.values() if t.model == model_id]

    @property
    def total_queries(self) -> int:
        return sum(self.queries_per_task.values())
