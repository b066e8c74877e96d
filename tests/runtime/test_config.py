"""The environment contract: every key validated at once, never a value in a message."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from runtime.config import (
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    ConfigError,
    environment_with_dotenv,
    load_settings,
    log_config_checks,
    read_dotenv,
)
from runtime.secrets import (
    kie_callback_secret,
    token_secret_part,
    webhook_header_secret,
    webhook_path_secret,
)

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
DB_PASSWORD = "Zq8-db-PASSWORD-7731"
KIE_KEY = "kie-3f9a1c2b7d8e4f60a1b2c3d4e5f6a7b8"


def valid_env() -> dict[str, str]:
    return {
        "ADMIN_ID": "111111111, 222222222",
        "BOT_MODE": "webhook",
        "DATABASE_URL": f"postgresql://trt:{DB_PASSWORD}@db.internal:5432/trt",
        "DB_MAXCONN": "10",
        "KIE_API_KEY": KIE_KEY,
        "PAYMENT_BANK": "Т-Банк",
        "PAYMENT_CARD_HOLDER": "Иван И.",
        "PAYMENT_PHONE": "+7 (900) 123-45-67",
        "PORT": "10000",
        "SUPPORT_TELEGRAM": "@trt_support",
        "SUPPORT_TEXT": "Пишите, ответим за час.",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "WEBHOOK_BASE_URL": "https://trt.onrender.com/",
    }


def problems_of(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    return info.value.problems


def test_required_keys_are_exactly_the_contract() -> None:
    assert REQUIRED_KEYS == (
        "ADMIN_ID",
        "BOT_MODE",
        "DATABASE_URL",
        "DB_MAXCONN",
        "KIE_API_KEY",
        "PAYMENT_BANK",
        "PAYMENT_CARD_HOLDER",
        "PAYMENT_PHONE",
        "PORT",
        "SUPPORT_TELEGRAM",
        "SUPPORT_TEXT",
        "TELEGRAM_BOT_TOKEN",
        "WEBHOOK_BASE_URL",
    )
    assert set(valid_env()) == set(REQUIRED_KEYS)


def test_valid_env_loads_with_defaults() -> None:
    settings, checks = load_settings(valid_env())

    assert settings.admin_ids == (111111111, 222222222)
    assert settings.bot_mode == "webhook"
    assert settings.db_maxconn == 10
    assert settings.port == 10000
    assert settings.webhook_base_url == "https://trt.onrender.com"
    assert settings.telegram_api_base == "https://api.telegram.org"
    assert settings.kie_api_base == "https://api.kie.ai"
    assert settings.kie_upload_base == "https://kieai.redpandaai.co"
    assert settings.webhook_header_fallback is False
    assert settings.log_level == "INFO"
    assert settings.log_format == "text"
    assert settings.kie_webhook_hmac_key is None
    assert settings.is_admin(222222222)
    assert not settings.is_admin(333333333)
    assert settings.webhook_url == f"https://trt.onrender.com/tg/{webhook_path_secret(TOKEN)}"
    assert settings.kie_callback_url == f"https://trt.onrender.com/kie/{kie_callback_secret(TOKEN)}"
    assert "ADMIN_ID format" in checks and "TELEGRAM_BOT_TOKEN format" in checks
    assert len(checks) == len(REQUIRED_KEYS) + len(OPTIONAL_KEYS)


def test_secret_values_cover_every_secret() -> None:
    env = valid_env() | {"KIE_WEBHOOK_HMAC_KEY": "hmac-key-0123456789"}
    settings, _ = load_settings(env)

    values = settings.secret_values()

    for expected in (
        TOKEN,
        token_secret_part(TOKEN),
        KIE_KEY,
        DB_PASSWORD,
        webhook_path_secret(TOKEN),
        webhook_header_secret(TOKEN),
        kie_callback_secret(TOKEN),
        "hmac-key-0123456789",
    ):
        assert expected in values
    assert all(values)
    assert "" not in load_settings(valid_env())[0].secret_values()


def test_secret_values_without_database_password() -> None:
    env = valid_env() | {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/trt"}
    settings, _ = load_settings(env)
    assert all(value for value in settings.secret_values())
    assert DB_PASSWORD not in settings.secret_values()


def test_repr_hides_secrets() -> None:
    settings, _ = load_settings(valid_env())
    for text in (repr(settings), str(settings), f"{settings}"):
        assert TOKEN not in text and KIE_KEY not in text and DB_PASSWORD not in text


def test_optional_keys_parse() -> None:
    env = valid_env() | {
        "TELEGRAM_API_BASE": "http://127.0.0.1:8081/",
        "KIE_API_BASE": "http://localhost:9000",
        "KIE_UPLOAD_BASE": "https://upload.example.com/",
        "WEBHOOK_HEADER_FALLBACK": "Yes",
        "LOG_LEVEL": "debug",
        "LOG_FORMAT": "json",
        "KIE_WEBHOOK_HMAC_KEY": "hmac-key-0123456789",
    }
    settings, checks = load_settings(env)
    assert settings.telegram_api_base == "http://127.0.0.1:8081"
    assert settings.kie_api_base == "http://localhost:9000"
    assert settings.kie_upload_base == "https://upload.example.com"
    assert settings.webhook_header_fallback is True
    assert settings.log_level == "DEBUG"
    assert settings.log_format == "json"
    assert settings.kie_webhook_hmac_key == "hmac-key-0123456789"
    assert "LOG_FORMAT format" in checks


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_each_missing_key_is_listed(key: str) -> None:
    env = valid_env()
    del env[key]
    problems = problems_of(env)
    assert len(problems) == 1
    assert problems[0].startswith(f"{key} is missing; expected ")


@pytest.mark.parametrize("key", ["PAYMENT_BANK", "SUPPORT_TEXT", "KIE_API_KEY", "PORT"])
def test_blank_counts_as_missing(key: str) -> None:
    problems = problems_of(valid_env() | {key: "   "})
    assert problems == [problem for problem in problems if problem.startswith(f"{key} is missing")]
    assert len(problems) == 1


# One case per key whose format is checked; each bad value is distinctive so its absence is meaningful.
INVALID = [
    ("ADMIN_ID", "12x34567", "positive integer Telegram user ids"),
    ("ADMIN_ID", "-100987654", "positive integer Telegram user ids"),
    ("BOT_MODE", "longpolling-zz", "'webhook' or 'polling'"),
    ("DATABASE_URL", "mysql://u:hunter2pw@dbhost/x", "postgres:// or postgresql:// URL with a host"),
    ("DATABASE_URL", "postgresql:///localsock_db", "postgres:// or postgresql:// URL with a host"),
    ("DB_MAXCONN", "101", "an integer from 1 to 100"),
    ("DB_MAXCONN", "many-conns", "an integer from 1 to 100"),
    ("PAYMENT_PHONE", "call-me-maybe", "a phone number"),
    ("PAYMENT_PHONE", "+7 900 12", "10-15 digits"),
    ("PORT", "70000", "an integer from 1 to 65535"),
    ("PORT", "80a80", "an integer from 1 to 65535"),
    ("SUPPORT_TELEGRAM", "support_handle", "@username"),
    ("SUPPORT_TELEGRAM", "@abc", "https://t.me/"),
    ("TELEGRAM_BOT_TOKEN", "987654321-NoColonHereAbcdefghijklmnopqrstuvw", "<digits>:<secret>"),
    ("TELEGRAM_BOT_TOKEN", "987654321:shortsecret", "30+ characters"),
    ("WEBHOOK_BASE_URL", "ftp://files.example.org", "an https:// URL"),
    ("WEBHOOK_BASE_URL", "http://public.example.org", "http:// only for localhost or 127.0.0.1"),
    ("WEBHOOK_BASE_URL", "https://hooks.example.org/?q=zz", "no query or fragment"),
    ("TELEGRAM_API_BASE", "tg-api-nowhere", "http:// or https:// URL"),
    ("KIE_API_BASE", "gopher://kie.example.org", "http:// or https:// URL"),
    ("KIE_UPLOAD_BASE", "upload host", "http:// or https:// URL"),
    ("WEBHOOK_HEADER_FALLBACK", "maybe-later", "on/off, true/false, 1/0 or yes/no"),
    ("LOG_LEVEL", "VERBOSE9", "DEBUG, INFO, WARNING or ERROR"),
    ("LOG_FORMAT", "yaml-ish", "'text' or 'json'"),
    ("INBOX_PARKED_RETENTION_DAYS", "٣٠", "an integer from 1 to 3650"),
]


@pytest.mark.parametrize(("key", "bad", "expected"), INVALID, ids=[f"{k}={v}" for k, v, _ in INVALID])
def test_invalid_format_names_key_and_format_but_not_value(key: str, bad: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(valid_env() | {key: bad})

    problems = info.value.problems
    assert len(problems) == 1
    assert problems[0].startswith(f"{key} is invalid; expected ")
    assert expected in problems[0]
    message = str(info.value)
    assert bad not in message
    # Not even a recognisable fragment of the value.
    assert all(part not in message for part in bad.split() if len(part) >= 6)
    assert "docs/env.md" in message


def test_every_checked_key_has_an_invalid_case() -> None:
    free_text = {"KIE_API_KEY", "PAYMENT_BANK", "PAYMENT_CARD_HOLDER", "SUPPORT_TEXT", "KIE_WEBHOOK_HMAC_KEY"}
    covered = {key for key, _, _ in INVALID}
    assert covered == (set(REQUIRED_KEYS) | set(OPTIONAL_KEYS)) - free_text


def test_token_never_appears_when_put_in_the_wrong_variable() -> None:
    # A classic slip: pasting the token into PORT. The message must not echo it.
    with pytest.raises(ConfigError) as info:
        load_settings(valid_env() | {"PORT": TOKEN, "DB_MAXCONN": TOKEN})
    message = str(info.value)
    assert TOKEN not in message and token_secret_part(TOKEN) not in message
    assert "PORT" in message and "DB_MAXCONN" in message


def test_all_missing_at_once_is_one_error_naming_every_key() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({})
    message = str(info.value)
    assert len(info.value.problems) == 13
    for key in REQUIRED_KEYS:
        assert f"{key} is missing" in message
    assert message.rstrip().endswith("See docs/env.md for the format of every variable.")


def test_missing_and_invalid_are_reported_together() -> None:
    env = valid_env() | {"PORT": "0", "LOG_FORMAT": "xml-format"}
    del env["KIE_API_KEY"]
    problems = problems_of(env)
    assert [problem.split()[0] for problem in problems] == ["KIE_API_KEY", "PORT", "LOG_FORMAT"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://localhost:8080", True),
        ("http://127.0.0.1:8080/", True),
        ("https://example.org/prefix/", True),
        ("http://example.org", False),
        ("http://localhost.example.org", False),
        ("http://127.0.0.2:8080", False),
        ("http://[::1]:8080", False),
    ],
)
def test_http_webhook_base_only_for_localhost(url: str, ok: bool) -> None:
    env = valid_env() | {"WEBHOOK_BASE_URL": url}
    if ok:
        settings, _ = load_settings(env)
        assert settings.webhook_base_url == url.rstrip("/")
        assert not settings.webhook_url.startswith(f"{url.rstrip('/')}//")
    else:
        assert problems_of(env)[0].startswith("WEBHOOK_BASE_URL is invalid")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SUPPORT_TELEGRAM", "https://t.me/trt_support"),
        ("PAYMENT_PHONE", "89001234567"),
        ("PAYMENT_PHONE", "+44 20-7946-0958"),
        ("DATABASE_URL", "postgres://u:p@render-host/trt?sslmode=require"),
        ("ADMIN_ID", "42"),
        ("BOT_MODE", "polling"),
    ],
)
def test_accepted_alternatives(key: str, value: str) -> None:
    load_settings(valid_env() | {key: value})


def test_read_dotenv(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\n"
        "\n"
        "PORT=8080\n"
        "export BOT_MODE=polling\n"
        'SUPPORT_TEXT="Пишите нам # в любое время"\n'
        "PAYMENT_BANK='Т-Банк'\n"
        "DB_MAXCONN=5  # inline comment\n"
        "KIE_WEBHOOK_HMAC_KEY=\n"
        "  SPACED = value with spaces  \n",
        encoding="utf-8",
    )
    assert read_dotenv(path) == {
        "PORT": "8080",
        "BOT_MODE": "polling",
        "SUPPORT_TEXT": "Пишите нам # в любое время",
        "PAYMENT_BANK": "Т-Банк",
        "DB_MAXCONN": "5",
        "KIE_WEBHOOK_HMAC_KEY": "",
        "SPACED": "value with spaces",
    }


def test_read_dotenv_bad_line_names_line_not_content(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(f"PORT=8080\n{TOKEN}\n", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        read_dotenv(path)
    assert ":2:" in str(info.value)
    assert TOKEN not in str(info.value)


def test_real_environment_wins_over_dotenv(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("PORT=8080\nBOT_MODE=polling\nLOG_LEVEL=DEBUG\n", encoding="utf-8")
    merged = environment_with_dotenv({"PORT": "10000", "LOG_LEVEL": "", "OTHER": "x"}, path)
    assert merged["PORT"] == "10000"
    assert merged["BOT_MODE"] == "polling"
    # Blank means unset in this contract, so it does not hide the file's value.
    assert merged["LOG_LEVEL"] == "DEBUG"
    assert merged["OTHER"] == "x"


def test_missing_dotenv_file_is_fine(tmp_path: Path) -> None:
    assert environment_with_dotenv({"PORT": "1"}, tmp_path / "absent.env") == {"PORT": "1"}


def test_example_env_file_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    values = read_dotenv(example)
    assert set(REQUIRED_KEYS) <= set(values)
    assert set(OPTIONAL_KEYS) <= set(values)
    load_settings(values)


def test_log_config_checks_one_line_per_check_without_values(caplog: pytest.LogCaptureFixture) -> None:
    settings, checks = load_settings(valid_env())
    logger = logging.getLogger("trt.test.config")
    with caplog.at_level(logging.INFO, logger="trt.test.config"):
        log_config_checks(logger, checks)

    records = [record for record in caplog.records if record.name == "trt.test.config"]
    assert len(records) == len(checks)
    assert all(record.levelno == logging.INFO for record in records)
    assert [record.getMessage() for record in records] == [f"config check OK: {name}" for name in checks]
    text = "\n".join(record.getMessage() for record in records)
    for value in valid_env().values():
        assert value not in text
    for secret in settings.secret_values():
        assert secret not in text
