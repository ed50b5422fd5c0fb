from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarkingsConfig(AppConfig):
    name = "dissent.markings"
    verbose_name = _("Handling markings")
