"""The reusable pieces every screen builds on (import them from their modules):

- `vtable.VirtualTable`: a table over any number of rows, paged from SQL by keyset in a worker;
  `Column`, `RowSource`, `Selection` (ids, or "all matching the filter minus exclusions").
- `form.CriteriaForm` + `form.Field`: labelled fields that parse money (core.money), integers,
  dates, codes and choices; `values()` raises BadInput and points at the bad field.
- `warning.ValidationWarning`: the modal for core.errors.Summary — Save & Continue (F2/Enter)
  returns True, Cancel (Esc/F12) returns False.
- `progress.TaskProgress` + `progress.run_in_background`: a progress bar for work in a thread and
  a notification when it ends.

Widgets never import db/ (tests/tui/test_layers.py): they get data through core functions and
the Services the app hands the screens.
"""
