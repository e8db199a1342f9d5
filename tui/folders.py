"""Where Recoup writes files when the operator names no folder.

Agency files and letters carry patient data, so by default they go to folders of their own in
the user's Recoup data folder (beside the embedded database), made readable by their owner only,
not wherever the terminal happened to be started. $RECOUP_AGENCY_FILES and $RECOUP_ROSTER_FILES
choose other folders; every screen and command also takes a folder typed by the operator.
"""

from __future__ import annotations

import os
from pathlib import Path

AGENCY_ENV = "RECOUP_AGENCY_FILES"
ROSTER_ENV = "RECOUP_ROSTER_FILES"


def _folder(env: str, name: str) -> Path:
    chosen = os.environ.get(env)
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_data_dir
    return Path(user_data_dir("recoup", appauthor=False)) / name


def agency_files() -> Path:
    """Agency spreadsheets and files: $RECOUP_AGENCY_FILES, else agency-files in the data folder."""
    return _folder(AGENCY_ENV, "agency-files")


def roster_files() -> Path:
    """Letters and roster turnover files: $RECOUP_ROSTER_FILES, else roster-files in the data folder."""
    return _folder(ROSTER_ENV, "roster-files")
