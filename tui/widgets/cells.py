"""Text cut to a column's width shows that it was cut: "Acme Recovery Serv…", never "Acme Recovery Serv"."""

from __future__ import annotations


def fit(value: str, width: int) -> str:
    """`value` if it fits `width` columns, else its start and an ellipsis."""
    return value if len(value) <= width else value[: max(0, width - 1)] + "…"
