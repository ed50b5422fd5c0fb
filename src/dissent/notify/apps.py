from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "dissent.notify"
    verbose_name = "Notifications"
