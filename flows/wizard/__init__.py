"""Schema-generated wizard statecharts: chart generation, snapshots, screens and handlers."""
