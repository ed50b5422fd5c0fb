from django.contrib import admin

from .models import Caveat, Marking


@admin.register(Marking)
class MarkingAdmin(admin.ModelAdmin[Marking]):
    list_display = ["code", "label", "rank", "export_rule", "active"]


@admin.register(Caveat)
class CaveatAdmin(admin.ModelAdmin[Caveat]):
    list_display = ["code", "label", "active"]
    filter_horizontal = ["units"]
