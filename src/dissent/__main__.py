"""The `dissent` console command: Django's management entry point with our settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
    # The demo is the one place DEBUG defaults to on; it must be decided before settings load.
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
