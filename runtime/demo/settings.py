"""Demo values for the environment contract (docs/env.md) and the demo's two people.

None of these is a real secret: the token only has a token's shape, the Kie key is the simulated
Kie's own, and every value is reported as "demo". The paces of the simulated models come from the
catalog (each model's `eta_seconds`, shortened so that a demo run takes seconds, not minutes).
"""

from __future__ import annotations

from typing import Any

from sandbox.simulated_kie import ModelProfile
from sandbox.webchat.emulator import Person

DEMO_USER = Person(user_id=100_200_300, first_name="Аня", username="demo_anya", language_code="ru")
ADMIN = Person(user_id=100_200_999, first_name="Оператор", username="demo_operator", language_code="ru")
# The database URL is replaced by the real one (DATABASE_URL or the embedded server) after validation.
PLACEHOLDER_DATABASE_URL = "postgresql://demo@localhost:5432/demo"
# A run lasts its model's eta divided by this, within these bounds (seconds).
PACE_DIVISOR = 10
MIN_SECONDS = 2.0
MAX_SECONDS = 12.0


def demo_environment(*, app_port: int, telegram_base: str, kie: Any, token: str) -> dict[str, str]:
    """All 13 required keys (plus where Telegram and Kie are) for the real app, in demo values."""
    return {
        "ADMIN_ID": str(ADMIN.user_id),
        "BOT_MODE": "webhook",
        "DATABASE_URL": PLACEHOLDER_DATABASE_URL,
        "DB_MAXCONN": "5",
        "KIE_API_KEY": kie.api_key,
        "PAYMENT_BANK": "Демо-банк",
        "PAYMENT_CARD_HOLDER": "Демо Демович",
        "PAYMENT_PHONE": "+7 900 000-00-00",
        "PORT": str(app_port),
        "SUPPORT_TELEGRAM": "@trt_demo_support",
        "SUPPORT_TEXT": "Это демо: поддержка отвечает в настоящем боте.",
        "TELEGRAM_BOT_TOKEN": token,
        "WEBHOOK_BASE_URL": f"http://127.0.0.1:{app_port}",
        "TELEGRAM_API_BASE": telegram_base,
        "KIE_API_BASE": kie.api_base,
        "KIE_UPLOAD_BASE": kie.upload_base,
    }


def demo_profiles() -> dict[str, ModelProfile]:
    """What each catalog model makes and how long its simulated run takes."""
    from flows.catalog import load_catalog

    profiles = {}
    for model in load_catalog():
        seconds = min(MAX_SECONDS, max(MIN_SECONDS, model.eta_seconds / PACE_DIVISOR))
        profiles[model.id] = ModelProfile(model.supports.output, seconds)
    return profiles
