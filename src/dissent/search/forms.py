"""What a search or a similar-memo request may say; anything else is a 400 with the reason."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from dissent.markings.models import Marking
from dissent.memos.actions import SUMMARY_MAX, TITLE_MAX
from dissent.memos.models import MemoState
from dissent.org.models import OrgUnit

from .queries import SearchQuery


def problems(form: forms.Form) -> str:
    """A form's errors in one line, for an API problem document."""
    return "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, max_length=200)
    state = forms.MultipleChoiceField(
        label=_("State"), required=False, choices=MemoState.choices, widget=forms.CheckboxSelectMultiple
    )
    marking = forms.ChoiceField(label=_("Marking"), required=False)
    unit = forms.ChoiceField(label=_("From unit"), required=False)
    since = forms.DateField(
        label=_("Written on or after"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Written on or before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    policy = forms.CharField(label=_("Policy questioned contains"), required=False, max_length=300)
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("relevance", _("Best match first")), ("newest", _("Newest first"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["marking"].choices = [("", _("Any"))] + [  # type: ignore[attr-defined]
            (m.code, m.label) for m in Marking.objects.order_by("rank")
        ]
        self.fields["unit"].choices = [("", _("Any"))] + [  # type: ignore[attr-defined]
            (u.code, u.name) for u in OrgUnit.objects.order_by("name")
        ]

    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("marking", "unit", "since", "until", "policy", "order")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The first date is after the second."))
        return data

    def query(self) -> SearchQuery:
        data = self.cleaned_data
        unit = OrgUnit.objects.get(code=data["unit"]) if data.get("unit") else None
        return SearchQuery(
            text=data.get("q") or "",
            states=tuple(data.get("state") or ()),
            marking=data.get("marking") or "",
            unit=unit,
            since=data.get("since"),
            until=data.get("until"),
            policy=data.get("policy") or "",
            order=data.get("order") or "relevance",
            page=data.get("page") or 1,
        )


class DraftTextForm(forms.Form):
    """The draft as it stands, sent while it is being written."""

    title = forms.CharField(required=False, max_length=TITLE_MAX)
    summary = forms.CharField(required=False, max_length=SUMMARY_MAX)
    body = forms.CharField(required=False)
    memo = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        assert isinstance(body, forms.CharField)
        body.max_length = settings.MEMO_BODY_MAX_CHARS
        body.validators.append(MaxLengthValidator(settings.MEMO_BODY_MAX_CHARS))
