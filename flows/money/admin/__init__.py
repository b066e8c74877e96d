"""/admin (ADMIN_ID only): figures, waiting top-ups (approve/reject), a user (balance, operations,
block, credit/debit, Stars refund) and a job (state, refund). Every change is an effect that writes
an audit row; every button carries the id it acts on, so a repeat is recognised and applied once.
Where a button leads is the admin chart's (flows/money/charts.py); what the admin types answers the
question the panel's AdminFlow holds."""
