"""One module per screen; `registry.SCREENS` lists them all (menu and Ctrl+P are built from it).

Screens import only core and tui (never db/ or SQL): they reach the database through
`self.services.uow()` and core's functions.
"""
