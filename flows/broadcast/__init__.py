"""📣 Рассылка: an admin composes a post, previews it, picks an audience and confirms; the sending is
a durable job run by runtime/broadcasts.py."""
