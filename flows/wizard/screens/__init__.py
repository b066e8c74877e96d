"""Wizard screens as data: the model card, one input step, the review (confirm), optional settings,
not-enough-money and the "submitted" notice. Pure functions of the catalog entry, the snapshot and
the events the chart allows in its state (flows/wizard/render.py passes them): a button is drawn
exactly when its event is enabled."""
