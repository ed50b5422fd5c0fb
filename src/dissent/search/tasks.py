"""Background work of the search room, run by `dissent worker`."""

from django.tasks import task

from . import similar


@task()
def reweigh_similar() -> int:
    """Recompute every memo's similar-memo weights with today's document frequencies.
    Enqueued whenever the number of indexed memos doubles (search/similar.py), so that weights
    computed when the channel was young do not stay skewed. Returns how many memos."""
    return similar.reweigh()
