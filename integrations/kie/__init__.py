"""Kie AI: the HTTP client, its errors and types, callback parsing and the shared rate limiter."""

from integrations.kie.callbacks import CallbackHint, MalformedCallback, parse_callback, verify_signature
from integrations.kie.client import KieClient, RetryPolicy
from integrations.kie.errors import (
    KieAuthError,
    KieCreditsExhausted,
    KieError,
    KieFeatureDisabled,
    KieGenerationFailed,
    KieMaintenance,
    KieNotFound,
    KieRateLimited,
    KieServerError,
    KieTransportError,
    KieUnknownError,
    KieUpstreamTimeout,
    KieValidationError,
    may_have_created_task,
    raise_for_body,
)
from integrations.kie.families import FAMILIES, get_family
from integrations.kie.rate_limit import KieLimiter, RateLimit
from integrations.kie.types import TaskState, TaskStatus

__all__ = [
    "FAMILIES",
    "CallbackHint",
    "KieAuthError",
    "KieClient",
    "KieCreditsExhausted",
    "KieError",
    "KieFeatureDisabled",
    "KieGenerationFailed",
    "KieLimiter",
    "KieMaintenance",
    "KieNotFound",
    "KieRateLimited",
    "KieServerError",
    "KieTransportError",
    "KieUnknownError",
    "KieUpstreamTimeout",
    "KieValidationError",
    "MalformedCallback",
    "RateLimit",
    "RetryPolicy",
    "TaskState",
    "TaskStatus",
    "get_family",
    "may_have_created_task",
    "parse_callback",
    "raise_for_body",
    "verify_signature",
]
