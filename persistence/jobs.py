"""Generation job rows: created by a confirmed wizard (in the update's transaction)."""

from __future__ import annotations

import asyncpg
import msgspec

from flows.jobs import GenerationRequest

INSERT = """
INSERT INTO jobs (request_id, user_id, chat_id, model_id, input, files, wizard_values, price_kopecks, free, lang)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10)
"""


async def create(conn: asyncpg.Connection, request: GenerationRequest) -> None:
    await conn.execute(
        INSERT,
        request.request_id,
        request.user_id,
        request.chat_id,
        request.model_id,
        request.input,
        msgspec.to_builtins(request.files),
        request.values,
        request.price_kopecks,
        request.free,
        request.lang,
    )
