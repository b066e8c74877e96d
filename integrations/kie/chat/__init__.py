"""Kie's synchronous chat endpoints: one adapter per wire protocol (OpenAI chat completions, Anthropic
messages, OpenAI responses), an SSE reader, and one client that maps every failure through the Kie
error map (integrations/kie/errors.py)."""

from integrations.kie.chat.client import ChatClient
from integrations.kie.chat.types import ChatAnswer, ChatMessage, ChatRequest, TextDelta

__all__ = ["ChatAnswer", "ChatClient", "ChatMessage", "ChatRequest", "TextDelta"]
