"""The operator's margin report (/admin → 📊 Маржа) and the ledger's CSV export: pure figures and
screens over the rows persistence/margin.py reads (docs/operations.md)."""
