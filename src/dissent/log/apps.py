from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogConfig(AppConfig):
    name = "dissent.log"
    verbose_name = _("Tamper-evident log")
