"""The `jixiao` console command: Django's management commands under the project's own name.

`jixiao demo`, `jixiao import_projects FILE --user NAME`, `jixiao runserver` … are the same commands as
`python manage.py …`, so every batch operation the web UI offers is scriptable.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    from django.core.management import execute_from_command_line

    argv = [sys.argv[0], *sys.argv[1:]]
    if len(argv) == 1:
        argv.append("help")
    execute_from_command_line(argv)
