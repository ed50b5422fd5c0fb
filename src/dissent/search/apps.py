from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "dissent.search"
    verbose_name = "Search and similar memos"

    def ready(self) -> None:
        from . import indexing  # noqa: F401  (connects the index to memo saves)
