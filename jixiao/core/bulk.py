"""Set-based writes for the bulk writers (the 项目库 and goal upserts): prepared statements run with
`executemany` (SQLite) or one `UNNEST` of column arrays per chunk (PostgreSQL), and audit events
written the same way.

Django's `bulk_create` adapts every value of every row through the field API and builds one large
statement per batch, which costs several times more than the database work itself. The values handed
in here are already what the database stores (see `PASS_THROUGH`, checked by the tests against the
field API); values of other field types go through `get_db_prep_save`.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from jixiao.core import audit
from jixiao.core.models import AuditEvent

CHUNK = 2000

# Field types whose values go to the database as they are: for them `get_db_prep_save` returns the
# value itself on SQLite and PostgreSQL (the tests check it; on PostgreSQL small integers come back
# wrapped in psycopg's `Int2`, a type hint that writing to the column does not need). Values of other
# fields (dates, JSON, IP addresses) go through `get_db_prep_save`.
PASS_THROUGH = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DecimalField",
        "ForeignKey",
        "IntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)

# Every stored column of the audit table but the id, in the model's order (the order `audit_rows` builds).
AUDIT_COLUMNS = [f.name for f in AuditEvent._meta.concrete_fields if not f.primary_key]


def model_field(model: type[models.Model], name: str) -> "models.Field[Any, Any]":
    found = model._meta.get_field(name)
    assert isinstance(found, models.Field), name
    return found


def db_column(model: type[models.Model], name: str) -> str:
    column = model_field(model, name).column
    assert column, name
    return column


def db_form(model: type[models.Model], names: list[str], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """`rows` (values in the order of `names`) as the database stores them. A value shared by many rows
    (the time of the write) is prepared once."""
    convert = [
        (i, f) for i, f in enumerate(model_field(model, n) for n in names) if f.get_internal_type() not in PASS_THROUGH
    ]
    if not convert:
        return rows
    last: dict[int, tuple[Any, Any]] = {}
    out = []
    for row in rows:
        values = list(row)
        for i, f in convert:
            value = values[i]
            seen = last.get(i)
            if seen is None or seen[0] is not value:
                seen = last[i] = (value, f.get_db_prep_save(value, connection=connection))
            values[i] = seen[1]
        out.append(tuple(values))
    return out


def insert(model: type[models.Model], names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT `rows` (values in the order of `names`), CHUNK rows at a time."""
    if not rows:
        return
    qn = connection.ops.quote_name
    fields = [model_field(model, n) for n in names]
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(db_column(model, n)) for n in names)}) "  # noqa: S608
    if connection.vendor == "postgresql":
        # One array per column, as bulk_create does there: a short statement, planned once per chunk
        # (one statement per row, or a VALUES list of thousands of rows, costs far more to send and plan).
        arrays = ", ".join(f"%s::{f.db_type(connection).split('(')[0]}[]" for f in fields)  # type: ignore[union-attr]
        sql = f"{head}SELECT * FROM UNNEST({arrays})"  # noqa: S608
    else:
        # SQLite: one prepared statement, run for each row.
        sql = f"{head}VALUES ({', '.join(['%s'] * len(names))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            part = db_form(model, names, rows[start : start + CHUNK])
            if connection.vendor == "postgresql":
                cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])
            else:
                cursor.executemany(sql, part)


def update(model: type[models.Model], names: list[str], rows: list[tuple[int, tuple[Any, ...]]]) -> None:
    """UPDATE rows by id: `rows` are (id, values in the order of `names`)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(db_column(model, n))} = %s" for n in names)
    sql = f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {qn(db_column(model, 'id'))} = %s"  # noqa: S608
    values = db_form(model, names, [v for _, v in rows])
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            part = zip(values[start : start + CHUNK], rows[start : start + CHUNK], strict=True)
            cursor.executemany(sql, [(*v, pk) for v, (pk, _) in part])


def audit_rows(
    *, actor: Any, action: str, now: Any, object_type: str, events: Iterable[tuple[str, str, str, Any, Any]]
) -> list[tuple[Any, ...]]:
    """Audit events as rows of AUDIT_COLUMNS: who and from where as `audit.record` has them for a single
    save; `events` are (object id, object repr, region path, before, after), the snapshots JSON-ready."""
    template = audit.event(actor=actor, action=action)
    who = (now, template.actor_id, template.actor_name, template.ip, template.request_id, template.channel, action)
    return [
        (*who, object_type, pk, text[:255], region_path, before, after, "")
        for pk, text, region_path, before, after in events
    ]


def insert_audit(rows: list[tuple[Any, ...]]) -> None:
    insert(AuditEvent, AUDIT_COLUMNS, rows)
