"""WSGI entry point used by `dissent serve`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
application = get_wsgi_application()
