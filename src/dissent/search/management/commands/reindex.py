import time
from typing import Any

from django.core.management.base import BaseCommand

from dissent.search import indexing


class Command(BaseCommand):
    help = (
        "Rebuild the full-text and similar-memo indexes from the memos: after changing the search "
        "method or its settings, or to recompute similar-memo weights and frequencies exactly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = indexing.rebuild()
        self.stdout.write(f"Indexed {count} memos in {time.perf_counter() - started:.1f} s.")
