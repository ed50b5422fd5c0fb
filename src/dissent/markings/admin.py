from django.contrib import admin

from .models import Marking


@admin.register(Marking)
class MarkingAdmin(admin.ModelAdmin[Marking]):
    list_display = ["code", "label", "rank", "active"]
