"""The Kie AI HTTP client: create tasks, query them, upload files, read the credit balance.

Retries follow one rule: resend only what cannot cost money twice. Reads and uploads are retried on
every retryable error (network, 429, 455, 5xx). `create_task` is resent ONLY when Kie provably never
saw it (the connection was never made) or when Kie rejected it with 429 (rejected requests never enter
its queue). After a timeout, a dropped connection or a 5xx the task may exist already: the error is
raised (KieTransportError(request_sent=True) / KieServerError) and the jobs layer must reconcile
instead of creating a second, paid task.

The API key lives only in the Authorization header of our own requests: never in a message, a repr
or a log line (Kie's messages are scrubbed of it too).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import msgspec
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from integrations.kie.errors import (
    Envelope,
    KieError,
    KieRateLimited,
    KieTransportError,
    KieUnknownError,
    raise_for_body,
)
from integrations.kie.families import get_family
from integrations.kie.rate_limit import KieLimiter, LimitKind
from integrations.kie.types import CreatedTask, TaskStatus, UploadData

log = logging.getLogger(__name__)

T = TypeVar("T")

# Cloudflare in front of Kie answers bare clients ("Python/3.11 aiohttp") with 403 "error code: 1010".
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 TRT/0.1"
)

API_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=10)
# Videos of tens of MB go up at whatever speed the host has.
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=600, connect=10, sock_read=120)


class RetryPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Jittered exponential backoff, bounded by attempts AND total time (tests shrink it)."""

    attempts: int = 5
    within_seconds: float = 30.0
    base_seconds: float = 0.5
    max_wait_seconds: float = 8.0


DEFAULT_RETRY = RetryPolicy()

_encoder = msgspec.json.Encoder()
_created = msgspec.json.Decoder(CreatedTask)
_upload = msgspec.json.Decoder(UploadData)
_number = msgspec.json.Decoder(float)


def _retry_reads(exc: BaseException) -> bool:
    return isinstance(exc, KieError) and exc.retryable


def _retry_create(exc: BaseException) -> bool:
    if isinstance(exc, KieTransportError):
        return not exc.request_sent
    return isinstance(exc, KieRateLimited)


class KieClient:
    def __init__(
        self,
        api_base: str,
        upload_base: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        limiter: KieLimiter | None = None,
        timeout: aiohttp.ClientTimeout = API_TIMEOUT,
        upload_timeout: aiohttp.ClientTimeout = UPLOAD_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        user_agent: str = USER_AGENT,
    ) -> None:
        if not api_key:
            raise ValueError("the Kie API key is empty")
        self.api_base = api_base.rstrip("/")
        self.upload_base = upload_base.rstrip("/")
        self.__api_key = api_key
        self._session = session
        self._own_session = session is None
        self._limiter = limiter
        self._timeout = timeout
        self._upload_timeout = upload_timeout
        self._retry = retry
        self._user_agent = user_agent

    def __repr__(self) -> str:
        return f"KieClient(api_base={self.api_base!r}, upload_base={self.upload_base!r})"

    async def __aenter__(self) -> KieClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    # --- public API ---------------------------------------------------------------------------------

    async def create_task(
        self,
        family: str,
        model_id: str,
        request_input: Mapping[str, Any],
        callback_url: str | None,
    ) -> str:
        """Create a task; returns Kie's task id. See the module docstring for what is (not) retried."""
        path, body = get_family(family).create_body(model_id, request_input, callback_url)
        payload = _encoder.encode(body)

        async def attempt() -> str:
            envelope = await self._send("create", "POST", self.api_base + path, data=payload, json_body=True)
            created = _decode_data(envelope, _created, "createTask")
            task_id = created.task_id or created.task_id_snake or created.record_id
            if not task_id:
                # Kie said 200 but gave no id: the task may exist; never resend blindly.
                raise KieUnknownError("createTask answered without a taskId", code=envelope.code)
            return task_id

        return await self._retrying(_retry_create, f"create {family}/{model_id}", attempt)

    async def get_task(self, family: str, task_id: str) -> TaskStatus:
        """The authoritative state of a task (callbacks are only hints)."""
        adapter = get_family(family)
        path, params = adapter.query(task_id)

        async def attempt() -> TaskStatus:
            raw = await self._send_raw("query", "GET", self.api_base + path, params=params)
            status = adapter.parse_status(raw)
            if not status.task_id:
                status = msgspec.structs.replace(status, task_id=task_id)
            return status

        return await self._retrying(_retry_reads, f"query {family} {task_id}", attempt)

    async def upload_file(self, data: bytes, file_name: str, mime_type: str, upload_path: str = "trt") -> str:
        """Upload bytes to Kie's temporary storage (kept ~3 days); returns the public download URL."""

        async def attempt() -> str:
            form = aiohttp.FormData()
            form.add_field("file", data, filename=file_name, content_type=mime_type)
            form.add_field("uploadPath", upload_path)
            form.add_field("fileName", file_name)
            envelope = await self._send(
                None, "POST", self.upload_base + "/api/file-stream-upload", data=form, upload=True
            )
            uploaded = _decode_data(envelope, _upload, "file-stream-upload")
            # The live API returns downloadUrl; the documented shape also has fileUrl.
            url = uploaded.download_url or uploaded.file_url
            if not url:
                raise KieUnknownError("upload answered without a downloadUrl", code=envelope.code)
            return url

        return await self._retrying(_retry_reads, f"upload {file_name}", attempt)

    async def credit_balance(self) -> float:
        """Credits left on the operator's account (also a cheap check that the key works)."""

        async def attempt() -> float:
            envelope = await self._send("query", "GET", self.api_base + "/api/v1/chat/credit")
            return _decode_data(envelope, _number, "chat/credit")

        return await self._retrying(_retry_reads, "credit balance", attempt)

    # --- plumbing ----------------------------------------------------------------------------------

    async def _retrying(
        self, should_retry: Callable[[BaseException], bool], what: str, fn: Callable[[], Awaitable[T]]
    ) -> T:
        policy = self._retry

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning("Kie %s failed (attempt %d): %s; retrying", what, state.attempt_number, exc)

        async for attempt in AsyncRetrying(
            retry=retry_if_exception(should_retry),
            wait=wait_random_exponential(multiplier=policy.base_seconds, max=policy.max_wait_seconds),
            stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.within_seconds),
            before_sleep=log_retry,
            reraise=True,
        ):
            with attempt:
                return await fn()
        raise AssertionError("unreachable")  # pragma: no cover

    def _session_or_new(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def _send(self, kind: LimitKind | None, method: str, url: str, **kwargs: Any) -> Envelope:
        return (await self._exchange(kind, method, url, **kwargs))[1]

    async def _send_raw(self, kind: LimitKind | None, method: str, url: str, **kwargs: Any) -> bytes:
        return (await self._exchange(kind, method, url, **kwargs))[0]

    async def _exchange(
        self,
        kind: LimitKind | None,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Any = None,
        json_body: bool = False,
        upload: bool = False,
    ) -> tuple[bytes, Envelope]:
        """One HTTP exchange. Returns the body of a success; raises a KieError for anything else."""
        if kind is not None and self._limiter is not None:
            await self._limiter.acquire(kind)
        headers = {
            # Per request, not on the session: a shared session must not carry our key elsewhere.
            "Authorization": f"Bearer {self.__api_key}",
            "User-Agent": self._user_agent,
            "Accept": "application/json",
        }
        if json_body:
            headers["Content-Type"] = "application/json"
        host = urlsplit(url).netloc
        try:
            async with self._session_or_new().request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=self._upload_timeout if upload else self._timeout,
            ) as response:
                status = response.status
                raw = await response.read()
        # The order matters: ClientConnectorError is a ClientOSError, ConnectionTimeoutError a timeout.
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # No connection was ever made: Kie cannot have seen this request.
            raise KieTransportError(
                f"cannot connect to {host}: {type(exc).__name__}: {_os_reason(exc)}", request_sent=False
            ) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            # Chained exceptions are dropped on purpose: aiohttp's carry the request headers (our key).
            raise KieTransportError(
                f"{method} {host}{urlsplit(url).path} failed after sending: {type(exc).__name__}",
                request_sent=True,
            ) from None
        return raw, raise_for_body(status, raw, secrets=(self.__api_key,))


def _os_reason(exc: BaseException) -> str:
    os_error = getattr(exc, "os_error", None)
    return str(getattr(os_error, "strerror", None) or os_error or "timeout")


def _decode_data(envelope: Envelope, decoder: msgspec.json.Decoder, what: str) -> Any:
    if not envelope.has_data:
        raise KieUnknownError(f"{what} answered without data", code=envelope.code)
    try:
        return decoder.decode(envelope.data)
    except msgspec.DecodeError as exc:
        raise KieUnknownError(f"{what}: unexpected data: {exc}", code=envelope.code) from None
