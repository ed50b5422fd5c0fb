from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, Person


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin[OrgUnit]):
    list_display = ["name", "code", "parent"]
    search_fields = ["name", "code"]


@admin.register(Person)
class PersonAdmin(UserAdmin[Person]):
    list_display = ["username", "first_name", "last_name", "role", "unit", "supervisor", "is_active"]
    list_filter = ["role", "unit", "is_active"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ("unit", "supervisor", "role")}),
    )
