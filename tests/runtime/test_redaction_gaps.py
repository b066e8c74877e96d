"""Redaction gaps of issue 13, item 14: a `?password=` DSN parameter, secrets shorter than 6
characters, and a crash during startup whose traceback bypassed the redacting handler."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from runtime.config import load_settings
from runtime.logs import add_secrets, redact

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7012345678:AAF3kq-Zp9_xWcVbNmLkJhGfDsAqWeRtYuI"


def env(**overrides: str) -> dict[str, str]:
    base = {
        "ADMIN_ID": "111111111",
        "BOT_MODE": "webhook",
        "DATABASE_URL": "postgresql://trt@db.example:5432/trt",
        "DB_MAXCONN": "10",
        "KIE_API_KEY": "3f9a1c2b7d8e4f60a1b2c3d4e5f6a7b8",
        "PAYMENT_BANK": "Bank",
        "PAYMENT_CARD_HOLDER": "Ivan",
        "PAYMENT_PHONE": "+79001234567",
        "PORT": "10000",
        "SUPPORT_TELEGRAM": "@trt_support",
        "SUPPORT_TEXT": "Support",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "WEBHOOK_BASE_URL": "https://trt.example.org",
    }
    return {**base, **overrides}


def test_a_password_dsn_parameter_is_registered():
    settings, _ = load_settings(
        env(DATABASE_URL="postgresql://trt@db.example/trt?sslmode=require&password=Qp%2FDsnParam77")
    )
    assert "Qp/DsnParam77" in settings.secret_values()
    assert "Qp%2FDsnParam77" in settings.secret_values()
    add_secrets(settings.secret_values())
    assert "DsnParam77" not in redact("connect failed: password=Qp/DsnParam77 host=db")


def test_secrets_shorter_than_six_characters_are_masked():
    settings, _ = load_settings(env(DATABASE_URL="postgresql://trt:pw9k@db.example:5432/trt"))
    assert "pw9k" in settings.secret_values()
    add_secrets(settings.secret_values())
    assert redact("auth failed for trt:pw9k@db.example") == "auth failed for trt:***@db.example"
    assert redact('{"password": "pw9k"}') == '{"password": "***"}'
    # Ordinary words that merely contain it are left alone, or the logs would be unreadable.
    assert redact("upw9ks") == "upw9ks"


def test_a_crash_during_startup_prints_no_secret(tmp_path):
    password = "StartupCrashPw4417"
    script = textwrap.dedent(
        f"""
        import sys
        import runtime.app as app
        import runtime.cli as cli

        async def boom(settings):
            raise RuntimeError("cannot reach postgresql://trt:{password}@db/trt with {TOKEN}")

        app.serve = boom
        sys.exit(cli.main(["run"]))
        """
    )
    child_env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)},
        **env(DATABASE_URL=f"postgresql://trt:{password}@db.example:5432/trt"),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**child_env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "RuntimeError" in output and "cannot reach" in output, output
    assert password not in output and TOKEN.split(":")[1] not in output, output
