"""WSGI entry point used by `dissent serve`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
django_application = get_wsgi_application()

from dissent.api.fastlane import FastLane  # noqa: E402 - needs Django set up

#: Co-signatures take the fast lane; every other request, Django's whole stack.
application = FastLane(django_application)
