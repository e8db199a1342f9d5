"""The operator roles, in order: each includes everything of the ones before it.

Kept apart from the tables so the command line can offer them without importing the ORM
(that import costs a third of a second, and the application must paint before it).
"""

ROLES = ("viewer", "collector", "supervisor", "admin", "support")
