"""recoup import DIR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.commands.context import Context, add_command


def register(sub: Any) -> None:
    p = add_command(sub, "import", cmd_import,
                    "import the CSV files (practices.csv, guarantors.csv, encounters.csv, service_lines.csv, "
                    "transactions.csv, statements.csv) in DIR; all or nothing")
    p.add_argument("dir", type=Path, help="the folder holding the CSV files")


def cmd_import(ctx: Context) -> int:
    from core.imports import import_folder
    with ctx.uow() as uow:
        result = import_folder(uow, ctx.actor(uow), ctx.args.dir, ctx.as_of)
    summary = result.as_dict()
    if ctx.json:
        ctx.emit_object(summary)
        return 0
    files = summary.pop("files")
    summary.pop("unchanged_files")
    ctx.emit([{"file": name, **counts} for name, counts in files.items()],
             ["file", "inserted", "updated", "unchanged"])
    if result.message:
        print(result.message)
    for key, value in summary.items():
        print(f"{key}: {'-' if value is None else value}")
    return 0
