from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from dissent.identities import reseal
from dissent.memos.models import MeetingInvitation, Signature


class Command(BaseCommand):
    help = (
        "Re-encrypt every sealed identity under the first of IDENTITY_KEYS. Put the new key first, "
        "keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            signatures = list(Signature.objects.select_for_update().exclude(signer_sealed=""))
            for signature in signatures:
                signature.signer_sealed = reseal(signature.signer_sealed)
            Signature.objects.bulk_update(signatures, ["signer_sealed"], batch_size=500)
            invitations = list(MeetingInvitation.objects.select_for_update().exclude(person_sealed=""))
            for invitation in invitations:
                invitation.person_sealed = reseal(invitation.person_sealed)
            MeetingInvitation.objects.bulk_update(invitations, ["person_sealed"], batch_size=500)
        self.stdout.write(
            f"re-sealed {len(signatures)} protected signatures and {len(invitations)} meeting invitations"
        )
