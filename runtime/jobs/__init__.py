"""Durable generation jobs: submit to Kie, follow by callback or polling, settle money, deliver.

Every piece of work is leased from PostgreSQL (persistence/jobs.py), so several instances share
the jobs and a restart resumes each from its stored state. See worker.py for the loop.
"""

from runtime.jobs.options import JobsOptions, JobTimings, PollTier
from runtime.jobs.services import JobServices
from runtime.jobs.worker import JobWorker

__all__ = ["JobServices", "JobTimings", "JobWorker", "JobsOptions", "PollTier"]
