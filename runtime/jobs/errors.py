"""Errors of the job workers (one root); Kie and Telegram keep their own roots."""

from __future__ import annotations


class JobError(Exception):
    """Root of job-worker errors."""


class InputFileUnavailable(JobError):
    """The user's Telegram file cannot be fetched (over 20 MB, deleted): the user must send another."""


class InputFileTransient(JobError):
    """Fetching the user's file failed for a reason that may pass (network, Telegram 5xx)."""


class LeaseLost(JobError):
    """Another worker owns the job now: this one stops touching it."""
