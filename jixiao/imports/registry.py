"""The kinds of import and the contract each one fulfils.

The pipeline (upload, guard, storage, reading, preview, commit, tasks, pages, API, CLI) is shared; a
module that imports something describes its columns and supplies three steps:

- `validate(table, actor=, problems=, progress=)`: every row read and checked, errors added to
  `problems` with their row and column key; returns the rows ready to write (a `Checked`);
- `plan(checked, actor=, problems=)`: what a commit would do (created/updated/unchanged), read only;
  may add errors for rows that cannot be written (for instance records out of the user's scope);
- `commit(checked, actor=, problems=)`: write everything through the module's services, in the
  caller's transaction, and return the counts; rows that turn out not to be writable (the checks of
  `plan`, made again on the data as it now is) are added to `problems` instead, and nothing is written.

An importer whose file is not one table (the goal forms: blocks of header cells and indicator tables,
several per sheet) sets `reads_file`: `validate` then gets the stored file (a `Source`) instead of a
located table, reads it itself (streaming), and returns the preview in `Checked.summary`.

To add a kind, write an `Importer` subclass and name it in `IMPORTERS`.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.module_loading import import_string

from jixiao.core.errors import DomainError
from jixiao.imports.tables import ColumnSpec, Problems, Table

IMPORTERS: dict[str, str] = {
    "projects": "jixiao.projects.importing.ProjectImporter",
    "goals": "jixiao.goals.importing.GoalImporter",
    "selfeval": "jixiao.evaluations.importing.SelfEvaluationImporter",
    "budget_reviews": "jixiao.appraisals.importing.BudgetReviewImporter",
    "monitoring": "jixiao.monitoring.importing.MonitoringImporter",
    "payments": "jixiao.payments.importing.PaymentImporter",
}

Progress = Callable[[int], None]


@dataclass
class Checked:
    """Rows that passed validation, each with its Excel row number, plus what the preview shows."""

    rows: list[tuple[int, Any]] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    # Set by importers that read the file themselves: the data rows read, and what the preview shows
    # (the keys of a table's preview: sheet, columns, rows …; plus any of their own, such as warnings).
    total: int = 0
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """The stored file, for importers that read it themselves; `options` as stated on upload."""

    path: Path
    fmt: str
    filename: str
    options: dict[str, Any]


class Importer:
    kind: str = ""
    label: str = ""
    sheet: str = ""
    columns: Sequence[ColumnSpec] = ()
    cap: str = ""  # the capability a user needs to import this kind
    text_columns: Sequence[str] = ()  # keys formatted as text in the template (codes)
    preview_rows: int = 20
    reads_file: bool = False  # validate gets a Source, not a Table (see the module's docstring)
    # What the uploader states with the file besides its kind: "year" (the fiscal year its codes are of).
    options: Sequence[str] = ()

    def choices(self) -> dict[str, list[str]]:
        """Column key → the allowed values (the template offers them as a dropdown)."""
        return {}

    def write_template(self, path: str) -> None:
        """The blank workbook of an importer that `reads_file` (the others' template is their columns)."""
        raise NotImplementedError

    def validate(self, table: Table | Source, *, actor: Any, problems: Problems, progress: Progress) -> Checked:
        raise NotImplementedError

    def plan(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        raise NotImplementedError

    def commit(self, checked: Checked, *, actor: Any, problems: Problems) -> dict[str, int]:
        raise NotImplementedError


@cache
def _load(kind: str) -> Importer:
    cls = import_string(IMPORTERS[kind])
    return cls()  # type: ignore[no-any-return]


def get_importer(kind: str) -> Importer:
    if kind not in IMPORTERS:
        raise DomainError(f"未知的导入类型“{kind}”", field="kind")
    return _load(kind)


def all_importers() -> list[Importer]:
    return [_load(kind) for kind in IMPORTERS]
