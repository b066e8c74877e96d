"""💬 Тексты: chat with the LLMs Kie serves, as pure functions — prices by the token, the context kept
within a token budget, the typed hand-off to the runtime (a hold in the update's transaction, then a
turn the runtime runs outside it), and the screens."""
