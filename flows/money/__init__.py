"""The money section: balance, top-ups (transfer and Telegram Stars), history and the admin panel.

Payloads (payloads.py), typed flow states (state.py) and charts (charts.py) are leaves; the screens
and handlers sit in their own modules and routes.py declares them to the registry. Pure: what they
need arrives as `flows.preload.Loaded`, their decisions leave as effects (effects.py) that
runtime/money.py applies in the update's transaction.
"""
