"""Media files as they really are (read from their bytes, not from what a client claimed)."""

from integrations.media.probe import UNREADABLE, MediaFacts, MediaKind, probe, probe_bytes

__all__ = ["UNREADABLE", "MediaFacts", "MediaKind", "probe", "probe_bytes"]
