"""Background steps of large imports, run by `manage.py db_worker`. Arguments are ids (JSON)."""

from django.tasks import task

from jixiao.core import context


@task
def validate_import(batch_id: int) -> None:
    from jixiao.imports import services

    token = context.activate(context.ActionContext(channel="task"))
    try:
        services.run_validation(batch_id)
    finally:
        context.deactivate(token)


@task
def commit_import(batch_id: int) -> None:
    from jixiao.imports import services

    token = context.activate(context.ActionContext(channel="task"))
    try:
        services.run_commit(batch_id)
    finally:
        context.deactivate(token)
