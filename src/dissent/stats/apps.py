from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "dissent.stats"
    verbose_name = "Channel statistics"
