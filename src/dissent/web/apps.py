from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dissent.web"
    verbose_name = "Web"

    def ready(self) -> None:
        from . import middleware  # noqa: F401 - connects the sign-in receiver
