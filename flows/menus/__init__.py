"""The menus: main menu, help, support, settings, the catalog's lists, deep links, and the answers
for anything unexpected (hints, stale buttons, groups)."""
