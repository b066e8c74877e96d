"""No secret survives any logging path: messages, %-args, tracebacks, aiohttp/aiogram loggers, JSON."""

from __future__ import annotations

import io
import json
import logging
import warnings
from collections.abc import Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from aiohttp.web_log import AccessLogger

from runtime.config import Settings, load_settings
from runtime.logs import COVERED_LOGGERS, add_secrets, redact, redacting_formatter, setup_logging
from runtime.secrets import (
    kie_callback_secret,
    token_secret_part,
    webhook_header_secret,
    webhook_path_secret,
)

TOKEN = "7012345678:AAF3kq-Zp9_xWcVbNmLkJhGfDsAqWeRtYuI"
KIE_KEY = "3f9a1c2b7d8e4f60a1b2c3d4e5f6a7b8"
DB_PASSWORD = "Zq8dbPASSWORD7731x"
HMAC_KEY = "kie-hmac-key-5c2e9f0a77"

SECRETS = {
    "token": TOKEN,
    "token_secret_part": token_secret_part(TOKEN),
    "kie_api_key": KIE_KEY,
    "db_password": DB_PASSWORD,
    "webhook_path_secret": webhook_path_secret(TOKEN),
    "webhook_header_secret": webhook_header_secret(TOKEN),
    "kie_callback_secret": kie_callback_secret(TOKEN),
    "kie_webhook_hmac_key": HMAC_KEY,
}


def make_settings() -> Settings:
    env = {
        "ADMIN_ID": "111111111",
        "BOT_MODE": "webhook",
        "DATABASE_URL": f"postgresql://trt:{DB_PASSWORD}@db.internal:5432/trt",
        "DB_MAXCONN": "10",
        "KIE_API_KEY": KIE_KEY,
        "PAYMENT_BANK": "Bank",
        "PAYMENT_CARD_HOLDER": "Ivan",
        "PAYMENT_PHONE": "+79001234567",
        "PORT": "10000",
        "SUPPORT_TELEGRAM": "@trt_support",
        "SUPPORT_TEXT": "Support",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "WEBHOOK_BASE_URL": "https://trt.example.org",
        "KIE_WEBHOOK_HMAC_KEY": HMAC_KEY,
    }
    return load_settings(env)[0]


@pytest.fixture(autouse=True)
def isolated_logging() -> Iterator[None]:
    """setup_logging mutates global logging state; give it back so other test modules are unaffected."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = (*COVERED_LOGGERS, "py.warnings")
    saved = {name: (lg.level, lg.propagate, lg.disabled) for name in names if (lg := logging.getLogger(name))}
    showwarning = warnings.showwarning
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, (lvl, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(lvl)
        logger.propagate, logger.disabled = propagate, disabled
    logging.captureWarnings(False)
    warnings.showwarning = showwarning


def log_plain(secret: str) -> None:
    logging.getLogger("trt.test").info(f"sending with key {secret} now")


def log_args(secret: str) -> None:
    logging.getLogger("trt.test").warning("retrying call with %s now (attempt %d)", secret, 2)


def log_exception(secret: str) -> None:
    logger = logging.getLogger("runtime.test")
    try:
        raise RuntimeError(f"Bad Request: chat not found at https://api.example/{secret}/x")
    except RuntimeError:
        logger.exception("send failed for R-7K2F9Q")


def log_aiohttp_access(secret: str) -> None:
    # The real aiohttp access logger, fed a request on the secret webhook path.
    request = make_mocked_request(
        "POST", f"/tg/{secret}", headers={"User-Agent": "TelegramBot (like TwitterBot)"}
    )
    access = AccessLogger(logging.getLogger("aiohttp.access"), AccessLogger.LOG_FORMAT)
    access.log(request, web.Response(text="ok"), 0.002)


def log_aiogram_event(secret: str) -> None:
    logging.getLogger("aiogram.event").info(
        "Update id=%d is not handled. Duration %d ms by bot id=%s payload=%s", 42, 3, "7012345678", secret
    )


def log_aiohttp_server(secret: str) -> None:
    logger = logging.getLogger("aiohttp.server")
    try:
        raise ValueError(f"Error handling request to /kie/{secret}")
    except ValueError:
        logger.exception("Error handling request")


def log_asyncio(secret: str) -> None:
    logging.getLogger("asyncio").error("Task exception was never retrieved: %r", RuntimeError(secret))


EMITTERS: dict[str, tuple[Callable[[str], None], list[str]]] = {
    "plain": (log_plain, ["sending with key", "now"]),
    "args": (log_args, ["retrying call with", "now (attempt 2)"]),
    "exception": (log_exception, ["send failed for R-7K2F9Q", "Traceback", "RuntimeError: Bad Request"]),
    "aiohttp.access": (log_aiohttp_access, ['"POST /tg/', ' HTTP/1.1" 200', "TelegramBot"]),
    "aiogram.event": (log_aiogram_event, ["Update id=42 is not handled", "payload="]),
    "aiohttp.server": (log_aiohttp_server, ["Error handling request", "ValueError"]),
    "asyncio": (log_asyncio, ["Task exception was never retrieved"]),
}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("path", list(EMITTERS))
@pytest.mark.parametrize("secret_name", list(SECRETS))
def test_no_secret_survives(
    secret_name: str, path: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = SECRETS[secret_name]
    settings = make_settings()
    assert secret in settings.secret_values()
    # DEBUG so the access log (quiet at INFO) is emitted and can be checked.
    setup_logging(level="DEBUG", fmt=fmt, secrets=settings.secret_values())
    emit, context = EMITTERS[path]

    emit(secret)

    err = capsys.readouterr().err
    assert err, "nothing reached stderr"
    assert secret not in err
    assert "***" in err
    if fmt == "json":
        entries = [json.loads(line) for line in err.splitlines()]
        assert len(entries) == 1
        entry = entries[0]
        assert {"ts", "level", "logger", "msg"} <= set(entry)
        assert entry["logger"] in (path, "trt.test", "runtime.test")
        text = entry["msg"] + entry.get("exc", "")
    else:
        text = err
    for fragment in context:
        assert fragment in text


def test_access_log_line_shape_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(level="DEBUG", secrets=make_settings().secret_values())
    log_aiohttp_access(SECRETS["webhook_path_secret"])
    assert '"POST /tg/*** HTTP/1.1" 200' in capsys.readouterr().err


def test_access_log_is_quiet_at_info_and_aiogram_is_not(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(level="INFO", secrets=make_settings().secret_values())
    log_aiohttp_access(SECRETS["webhook_path_secret"])
    log_aiogram_event(TOKEN)
    err = capsys.readouterr().err
    assert "POST /tg/" not in err
    assert "Update id=42" in err and TOKEN not in err


def test_handler_attached_with_redacting_formatter() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(redacting_formatter())
    logger = logging.getLogger("trt.test.attached")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    add_secrets([KIE_KEY])
    try:
        logger.info("kie key %s in use", KIE_KEY)
        try:
            raise ConnectionError(KIE_KEY)
        except ConnectionError:
            logger.exception("upload failed")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    out = stream.getvalue()
    assert KIE_KEY not in out
    assert "kie key *** in use" in out and "ConnectionError: ***" in out


def test_stack_info_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(level="INFO", secrets=make_settings().secret_values())
    logging.getLogger("trt.test").info("where am I, %s", TOKEN, stack_info=True)
    err = capsys.readouterr().err
    assert "Stack (most recent call last)" in err and TOKEN not in err


def test_broken_format_string_does_not_leak_args(capsys: pytest.CaptureFixture[str]) -> None:
    # logging's default error report prints the raw args; ours must be redacted too.
    setup_logging(level="INFO", secrets=make_settings().secret_values())
    (ours,) = [h for h in logging.getLogger().handlers if getattr(h, "_trt_root_handler", False)]
    # Straight to our handler: pytest's own capture handler turns logging errors into test failures.
    record = logging.getLogger("trt.test").makeRecord(
        "trt.test", logging.INFO, __file__, 1, "one placeholder %s", (TOKEN, KIE_KEY), None
    )
    ours.handle(record)
    err = capsys.readouterr().err
    assert "Logging error" in err
    assert TOKEN not in err and KIE_KEY not in err


def test_warnings_are_captured_and_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        setup_logging(level="INFO", secrets=make_settings().secret_values())
        warnings.warn(f"deprecated call with {KIE_KEY}", DeprecationWarning, stacklevel=1)
    err = capsys.readouterr().err
    assert "DeprecationWarning: deprecated call with ***" in err
    assert KIE_KEY not in err


def test_setup_logging_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(level="INFO")
    setup_logging(level="INFO", fmt="json")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_trt_root_handler", False)]
    assert len(ours) == 1
    logging.getLogger("trt.test").info("exactly once")
    lines = [line for line in capsys.readouterr().err.splitlines() if "exactly once" in line]
    assert len(lines) == 1
    assert json.loads(lines[0])["msg"] == "exactly once"


def test_covered_loggers_propagate_even_if_disabled_before(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("aiogram.event", "aiohttp.access"):
        logging.getLogger(name).propagate = False
        logging.getLogger(name).disabled = True
    setup_logging(level="DEBUG", secrets=make_settings().secret_values())
    log_aiogram_event(TOKEN)
    log_aiohttp_access(SECRETS["webhook_path_secret"])
    err = capsys.readouterr().err
    assert "Update id=42" in err and '"POST /tg/***' in err


def test_unregistered_token_shape_is_masked() -> None:
    other = "5550001112:BBHq9v_Zx-8wYt7uRi6oPa5sDf4gHj3kLm2n"
    assert redact(f"token={other}; end") == "token=***; end"


def test_bearer_is_masked() -> None:
    assert redact("Authorization: Bearer abc.def-ghi_123 next") == "Authorization: Bearer *** next"
    assert redact('{"h": "bearer xyz987"}') == '{"h": "bearer ***"}'


def test_telegram_file_urls_are_masked() -> None:
    url = "https://api.telegram.org/file/bot42:short-test-token/photos/file_1.jpg"
    assert redact(url) == "https://api.telegram.org/file/bot***/photos/file_1.jpg"
    assert (
        redact("GET https://api.telegram.org/bot42:short/getMe")
        == "GET https://api.telegram.org/bot***/getMe"
    )


def test_short_values_are_masked_only_where_they_stand_alone() -> None:
    # Issue 13 item 14: short secrets used to be dropped; now they are registered whole. Unique values
    # here, because registered secrets stay registered for the whole test process.
    add_secrets(["q7z", ""])
    assert redact("pw=q7z host=db") == "pw=*** host=db"
    assert redact("aq7zb q7z9 xq7z") == "aq7zb q7z9 xq7z"


def test_overlapping_secrets_leave_no_fragment() -> None:
    add_secrets(["xxabc123zz", "abc123zzYYYYqq"])
    assert redact("pre xxabc123zzYYYYqq post") == "pre *** post"


def test_escaped_forms_are_masked() -> None:
    password = 'pa"ss\\word-9'
    add_secrets([password])
    assert password not in redact(f"raw {password}")
    assert json.dumps(password)[1:-1] not in redact(json.dumps({"m": password}))
    assert repr(password)[1:-1] not in redact(repr({"p": password}))


@pytest.mark.parametrize(
    "text",
    [
        f"plain {TOKEN} and {KIE_KEY}",
        "Bearer abc123 Bearer ***",
        "/file/bot123:abc/ and /file/bot***/",
        "nothing secret here",
        "",
    ],
)
def test_redact_is_idempotent(text: str) -> None:
    add_secrets(make_settings().secret_values())
    once = redact(text)
    assert redact(once) == once
