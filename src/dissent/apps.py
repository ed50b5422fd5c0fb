from django.apps import AppConfig


class DissentConfig(AppConfig):
    """The project package itself is an app only so that it can carry the `demo` and
    `serve` management commands."""

    name = "dissent"
    verbose_name = "Dissent Channel"
