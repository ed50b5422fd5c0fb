from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ChannelSettings, ClosureDay, DeadlineNotice


@admin.register(ChannelSettings)
class ChannelSettingsAdmin(admin.ModelAdmin[ChannelSettings]):
    fieldsets = [
        (None, {"fields": ["preset"]}),
        (_("Deadlines"), {"fields": [("ack_amount", "ack_unit"), ("reply_amount", "reply_unit")]}),
        (_("Extensions"), {"fields": ["extension_by", "extension_max_amount", "extension_max_times"]}),
        (
            _("Reminders and escalation"),
            {"fields": ["ack_reminder_days", "reply_reminder_days", "escalate_to"]},
        ),
        (_("Replies"), {"fields": ["reply_needs_second_person"]}),
        (_("Retention"), {"fields": ["retention_days"]}),
    ]

    def has_add_permission(self, request: object) -> bool:
        return not ChannelSettings.objects.exists()

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin[ClosureDay]):
    list_display = ["day", "reason"]


@admin.register(DeadlineNotice)
class DeadlineNoticeAdmin(admin.ModelAdmin[DeadlineNotice]):
    list_display = ["memo", "kind", "due", "sent_at", "recipients"]
    list_filter = ["kind"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
