from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, Person, SingleSignOnIdentity


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin[OrgUnit]):
    list_display = ["name", "code", "parent"]
    search_fields = ["name", "code"]


class SingleSignOnIdentityInline(admin.TabularInline[SingleSignOnIdentity, Person]):
    """Links a person who already has an account to who they are at the OpenID provider
    (its issuer and their `sub`), so that their first single sign-on finds them instead of
    making a second account; deleting the row unlinks them (docs/deployment.md)."""

    model = SingleSignOnIdentity
    extra = 0
    fields = ["issuer", "subject"]


@admin.register(Person)
class PersonAdmin(UserAdmin[Person]):
    inlines = [SingleSignOnIdentityInline]
    list_display = ["username", "first_name", "last_name", "role", "unit", "supervisor", "is_active"]
    list_filter = ["role", "unit", "is_active"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ("unit", "supervisor", "role")}),
    )
