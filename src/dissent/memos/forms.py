"""Forms parse what a person typed; the actions decide whether it is acceptable."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from dissent.markings.models import Caveat, Marking
from dissent.org.models import OrgUnit, Person, Role

from .actions import POLICY_MAX, SUMMARY_MAX, TITLE_MAX
from .models import Visibility
from .unicode_checks import TitleRefused, check_title


class MemoForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One paragraph: what should change, and why."),
    )
    body = forms.CharField(
        label=_("Body"), widget=forms.Textarea(attrs={"rows": 16}), help_text=_("Markdown is supported.")
    )
    policy = forms.CharField(label=_("Policy questioned"), max_length=POLICY_MAX)
    addressee = forms.ChoiceField(label=_("Addressed to"))
    marking = forms.ChoiceField(label=_("Handling marking"))
    protect_my_name = forms.BooleanField(
        label=_("Draft under a protected name"),
        required=False,
        help_text=_(
            "Only the channel's custodians (outside your chain of command) will see that you drafted it; "
            "co-drafters you invite are named."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        assert isinstance(body, forms.CharField)
        body.max_length = settings.MEMO_BODY_MAX_CHARS
        body.validators.append(MaxLengthValidator(settings.MEMO_BODY_MAX_CHARS))
        principals = Person.objects.filter(role=Role.PRINCIPAL, is_active=True).order_by(
            "last_name", "username"
        )
        self.fields["addressee"].choices = [(p.username, p.display_name) for p in principals]  # type: ignore[attr-defined]
        markings = Marking.objects.filter(active=True)
        self.fields["marking"].choices = [(m.code, m.label) for m in markings]  # type: ignore[attr-defined]

    def clean_title(self) -> str:
        """Refused here too, so that the form comes back with the text and the reason."""
        title = str(self.cleaned_data["title"])
        try:
            check_title(title)
        except TitleRefused as refused:
            raise forms.ValidationError(str(refused), code="title") from None
        return title


class InviteForm(forms.Form):
    usernames = forms.CharField(
        label=_("User names"), max_length=5000, help_text=_("Separate names with spaces or commas.")
    )
    as_drafters = forms.BooleanField(label=_("Invite as co-drafters"), required=False)

    def usernames_list(self) -> list[str]:
        return str(self.cleaned_data["usernames"]).replace(",", " ").split()


class SignForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Who may see your name"),
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        initial=Visibility.NAMED,
    )


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=20)


class ExtensionForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Extend the reply deadline by (working days)"), min_value=1, max_value=365
    )
    reason = forms.CharField(
        label=_("Reason (shown to the drafters and signers)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AddendumForm(forms.Form):
    body = forms.CharField(label=_("Addendum"), widget=forms.Textarea(attrs={"rows": 5}))


class AcknowledgeForm(forms.Form):
    text = forms.CharField(
        label=_("Acknowledgment (sent to the drafters and signers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Leave blank to send the channel's standard acknowledgment."),
    )


class ReviewerForm(forms.Form):
    reviewer = forms.ChoiceField(label=_("Reviewer who drafts the reply"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(role__in=[Role.CUSTODIAN, Role.PRINCIPAL], is_active=True).order_by(
            "last_name", "username"
        )
        self.fields["reviewer"].choices = [(p.username, p.display_name) for p in people]  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Substantive reply"), widget=forms.Textarea(attrs={"rows": 10}))
    marking = forms.ChoiceField(label=_("Handling marking of the reply"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        markings = Marking.objects.filter(active=True)
        self.fields["marking"].choices = [(m.code, m.label) for m in markings]  # type: ignore[attr-defined]


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Local time."),
    )
    place = forms.CharField(label=_("Where (a room or a link)"), max_length=300)
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MeetingPreferenceForm(forms.Form):
    open_to_meeting = forms.BooleanField(
        label=_("I am open to meeting leadership about this memo"), required=False
    )


class MeetingAnswerForm(forms.Form):
    accept = forms.TypedChoiceField(choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes")


class ReaderForm(forms.Form):
    username = forms.CharField(label=_("Add a reader (user name)"), max_length=150)
    reason = forms.CharField(label=_("Reason (shown on the memo)"), widget=forms.Textarea(attrs={"rows": 2}))


class CallForm(forms.Form):
    unit = forms.ChoiceField(
        label=_("Who else may find and co-sign it while it is open"),
        required=False,
        help_text=_(
            "Besides the colleagues you invite. They see the memo, its count and the names signers "
            "chose to show; once it is filed, only those who signed keep seeing it."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.order_by("name")
        self.fields["unit"].choices = [("", _("Nobody: invited colleagues only"))] + [  # type: ignore[attr-defined]
            (u.code, _("Everyone in %(unit)s") % {"unit": u.name}) for u in units
        ]


class CaveatsForm(forms.Form):
    codes = forms.MultipleChoiceField(
        label=_("Caveats (distribution limits)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        caveats = Caveat.objects.filter(active=True)
        self.fields["codes"].choices = [(c.code, f"{c.code}: {c.label}") for c in caveats]  # type: ignore[attr-defined]
