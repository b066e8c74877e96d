"""💬 Тексты at run time: the chat effects applied in the update's transaction (dialog, free unit or
hold, pending run), the turn runner that answers outside it (Kie stream → Telegram drafts → one
transaction settling the money with the new turns), and the stop fast path."""
