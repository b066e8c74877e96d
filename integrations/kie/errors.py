"""Kie errors, and the ONE place that maps a Kie HTTP response to them (`raise_for_body`).

Kie answers HTTP 200 with an error `code` in the body, sits behind Cloudflare (a bare HTTP 403
"error code: 1010" page), and reuses codes across endpoints, so every response goes through here.
Two flags drive the callers: `retryable` (the same request may succeed later) and `user_fixable`
(the user's input was rejected: show it to them instead of blaming the service).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

# Kie messages can be whole HTML pages (Cloudflare); keep log lines and exceptions readable.
_MAX_MESSAGE = 300


class KieError(Exception):
    """Root of Kie errors. `kie_message` is Kie's own text (never our key); `code` its body code."""

    user_fixable = False
    retryable = False

    def __init__(self, kie_message: str = "", *, code: int | None = None, http_status: int | None = None):
        self.kie_message = kie_message[:_MAX_MESSAGE]
        self.code = code
        self.http_status = http_status
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [type(self).__name__]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None and self.http_status != 200:
            parts.append(f"http={self.http_status}")
        text = " ".join(parts)
        return f"{text}: {self.kie_message}" if self.kie_message else text

    def __repr__(self) -> str:
        return f"<{self._describe()}>"


class KieAuthError(KieError):
    """401 or the Cloudflare 403: the key is wrong, or the request looked like a bot. Operator problem."""


class KieCreditsExhausted(KieError):
    """402: the operator's Kie account has no credits left. Not the user's fault, not retryable."""


class KieValidationError(KieError):
    """400/413/422: Kie rejected the input (prompt, sizes, URLs...). The user can fix it."""

    user_fixable = True


class KieRateLimited(KieError):
    """429: over the per-account limit. Rejected requests never enter Kie's queue, so resending is safe."""

    retryable = True


class KieMaintenance(KieError):
    """455: Kie is under maintenance."""

    retryable = True


class KieServerError(KieError):
    """5xx: Kie failed. Safe to retry for reads; NOT for createTask (the task may exist already)."""

    retryable = True


class KieUpstreamTimeout(KieServerError):
    """408: Kie's upstream gave no result for over 10 minutes (chat pages; Suno's timeout)."""


class KieGenerationFailed(KieError):
    """501 (and failed tasks): the generation itself failed upstream."""


class KieFeatureDisabled(KieError):
    """505: the feature/model is switched off on Kie's side."""


class KieNotFound(KieError):
    """404, or a query for a task Kie does not know (Suno answers `data: null`)."""


class KieUnknownError(KieError):
    """A code we do not understand (433, 451, 550...) or a response shape we cannot read."""


class KieTransportError(KieError):
    """The network failed. `request_sent` is False only when the connection provably never opened
    (refused, DNS failure): only then may a createTask be resent without risking a paid duplicate."""

    retryable = True

    def __init__(self, kie_message: str = "", *, request_sent: bool):
        self.request_sent = request_sent
        super().__init__(kie_message)

    def _describe(self) -> str:
        return f"{super()._describe()} (request_sent={self.request_sent})"


def may_have_created_task(error: KieError) -> bool:
    """After `create_task` raised `error`: could Kie have created (and billed) the task anyway?

    True after a timeout or a dropped connection, a 5xx (a gateway error can hide an accepted request)
    or an answer we could not read. Kie has no idempotency key and no way to list tasks, so such a job
    cannot be resent safely: the jobs layer parks it for reconciliation (operator, kie.ai/logs) instead.
    False when Kie answered with a rejection (auth, credits, validation, 429, 455, 501, 505...).
    """
    if isinstance(error, KieTransportError):
        return error.request_sent
    return isinstance(error, KieServerError | KieUnknownError)


_BY_CODE: dict[int, type[KieError]] = {
    400: KieValidationError,
    401: KieAuthError,
    402: KieCreditsExhausted,
    403: KieAuthError,
    404: KieNotFound,
    408: KieUpstreamTimeout,
    # Suno: prompt too long / uploaded audio matches an existing work — fixable by the user.
    413: KieValidationError,
    422: KieValidationError,
    429: KieRateLimited,
    455: KieMaintenance,
    500: KieServerError,
    501: KieGenerationFailed,
    502: KieServerError,
    503: KieServerError,
    504: KieServerError,
    505: KieFeatureDisabled,
    # Suno: "generation failed, your credits have been refunded".
    531: KieGenerationFailed,
}

CLOUDFLARE_HINT = (
    "blocked by Cloudflare before reaching Kie (HTTP 403 'error code: 1010'): the request needs a "
    "browser-like User-Agent header"
)


class Envelope(msgspec.Struct, frozen=True):
    """Kie's response envelope; `data` is decoded later by the family adapter. Lenient on purpose."""

    code: int | None = None
    msg: str | None = None
    message: str | None = None
    # Raw: the family adapter decodes it with its own type. JSON `null` stays b"null".
    data: msgspec.Raw = msgspec.Raw(b"null")

    @property
    def has_data(self) -> bool:
        return bytes(self.data).strip() not in (b"", b"null")

    @property
    def text(self) -> str:
        return self.msg or self.message or ""


_envelope = msgspec.json.Decoder(Envelope)


def error_for_code(
    code: int, message: str, *, http_status: int | None = None, from_body: bool = True
) -> KieError:
    """The exception for a Kie code: a body code, a task's failCode, or (from_body=False) an HTTP status
    of a response without a Kie body (then `.code` stays None)."""
    cls: type[KieError] | None = _BY_CODE.get(code)
    # At query time Kie says "recordInfo is null" (422) for a task it does not know.
    if code == 422 and "recordinfo is null" in message.lower():
        cls = KieNotFound
    if cls is None:
        cls = KieServerError if 500 <= code < 600 and code != 550 else KieUnknownError
    return cls(message, code=code if from_body else None, http_status=http_status)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def raise_for_body(http_status: int, body: bytes | str, *, secrets: Iterable[str] = ()) -> Envelope:
    """Map one Kie response: return its envelope when it is a success, raise the right KieError if not.

    The BODY code wins over the HTTP status (Kie answers HTTP 200 with code 422, 402...). `secrets`
    are scrubbed from Kie's message, in case Kie ever echoes the request back.
    """
    raw = body.encode() if isinstance(body, str) else body
    secrets = tuple(secrets)
    try:
        envelope = _envelope.decode(raw)
    except msgspec.DecodeError:
        envelope = None
    if envelope is None or envelope.code is None:
        text = redact(raw.decode("utf-8", "replace").strip(), secrets)
        if http_status == 403:
            raise KieAuthError(f"{CLOUDFLARE_HINT}; body: {text}", http_status=http_status)
        if 200 <= http_status < 300:
            raise KieUnknownError(f"response without a code: {text}", http_status=http_status)
        raise error_for_code(http_status, text, http_status=http_status, from_body=False)
    if envelope.code == 200:
        return envelope
    raise error_for_code(envelope.code, redact(envelope.text, secrets), http_status=http_status)
