"""The menus: main menu (with the user's recent models), help, support, settings, the catalog's
sections, families and lists, search and inline answers, deep links, and the answers for anything
unexpected (hints, stale buttons, groups)."""
