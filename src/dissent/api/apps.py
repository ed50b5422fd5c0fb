from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dissent.api"
    verbose_name = "API"
