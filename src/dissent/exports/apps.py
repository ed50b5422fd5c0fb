from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "dissent.exports"
    verbose_name = "Exports"
