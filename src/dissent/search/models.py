"""What the search room stores: one search document per memo (the full-text index is kept
beside it by the database itself, see migrations/0001), and the similar-memo index."""

from django.db import models

from dissent.memos.models import Memo


class SearchDocument(models.Model):
    """A memo's text as index terms (search/text.py), one column per field.

    PostgreSQL keeps a generated, weighted `tsvector` column with a GIN index on this table;
    SQLite keeps an FTS5 table whose rows triggers copy from this one. Neither appears here:
    search/backends.py is the only code that names them."""

    memo = models.OneToOneField(Memo, on_delete=models.CASCADE, primary_key=True, related_name="+")
    language = models.CharField(max_length=8)
    title_terms = models.TextField(blank=True)
    summary_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)
    policy_terms = models.TextField(blank=True)
    #: SHA-256 of the text these terms came from, so that a save that changed nothing is cheap.
    source_sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"search document of memo {self.memo_id}"


class SimilarFeature(models.Model):
    """One weighted feature of a memo that suggestions may point to (open or filed).
    An inverted index: the (feature, memo) index answers "which memos share this feature"."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="+")
    feature = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["memo", "feature"], name="one_weight_per_feature")]
        indexes = [models.Index(fields=["feature", "memo", "weight"], name="similar_feature_postings")]

    def __str__(self) -> str:
        return f"{self.feature} in memo {self.memo_id}"


class FeatureFrequency(models.Model):
    """In how many indexed memos a raw feature occurs (for its inverse document frequency).
    The row with the empty feature counts the indexed memos themselves."""

    feature = models.CharField(max_length=64, primary_key=True)
    documents = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.feature}: {self.documents}"
