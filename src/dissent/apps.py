from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DissentConfig(AppConfig):
    """The project package itself is an app only so that it can carry the `demo` and
    `serve` management commands."""

    name = "dissent"
    verbose_name = _("Dissent Channel")
