from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dissent.web"
    verbose_name = "Web"
