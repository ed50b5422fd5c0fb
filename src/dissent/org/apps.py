from django.apps import AppConfig
from django.core.signals import request_started
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "dissent.org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from .backends import forget_read_with_session

        request_started.connect(forget_read_with_session, dispatch_uid="dissent.org.forget_read_with_session")
