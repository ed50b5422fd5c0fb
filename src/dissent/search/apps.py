from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "dissent.search"
    verbose_name = _("Search and similar memos")

    def ready(self) -> None:
        from . import indexing  # noqa: F401  (connects the index to memo saves)
