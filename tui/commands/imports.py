"""recoup import DIR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.commands.context import Context, add_command


def register(sub: Any) -> None:
    p = add_command(sub, "import", cmd_import, "import the CSV files (practices.csv, guarantors.csv, ...) in DIR")
    p.add_argument("dir", type=Path, help="the folder holding the CSV files")


def cmd_import(ctx: Context) -> int:
    from core.imports import import_folder
    with ctx.uow() as uow:
        result = import_folder(uow, ctx.actor(uow), ctx.args.dir, ctx.as_of)
    ctx.emit_object(result.as_dict())
    return 0
