from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemosConfig(AppConfig):
    name = "dissent.memos"
    verbose_name = _("Memos")
