"""The `kefu` command: Django's management commands with Kefu's settings.

kefu up            migrate, load the demo once, start server and worker (what `make run` does)
kefu serve         the ASGI server (HOST, PORT)
kefu worker        a task consumer
kefu demo          load the demo shop (--reset to rebuild)
kefu import KIND FILE
kefu token create USERNAME
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
