"""A reviewer's mark that a flag was looked at in clinical governance."""

import datetime

from django.db import transaction
from django.utils import timezone

from patients.models import AuditAction, Flag, FlagReview
from patients.security import audit

# A second tap of the button within this time adds nothing: the same mark is returned.
REPEAT_WITHIN = datetime.timedelta(minutes=1)


@transaction.atomic
def flag_review_add(*, flag: Flag, by, note: str) -> FlagReview:
    """Mark the flag reviewed, with the reviewer's note, in the audit trail too.

    The audit row says who marked which flag, never the note: it may hold clinical
    detail, and the review row keeps it.
    """
    repeat = (
        FlagReview.objects.filter(
            flag=flag,
            reviewed_by=by,
            note=note,
            reviewed_at__gte=timezone.now() - REPEAT_WITHIN,
        )
        .order_by("-reviewed_at")
        .first()
    )
    if repeat is not None:
        return repeat
    review = FlagReview.objects.create(flag=flag, reviewed_by=by, note=note)
    audit.record(
        by=by,
        action=AuditAction.CREATED,
        subject="flag review",
        patient=flag.patient,
        obj=flag,
        detail="with a note" if note else "without a note",
    )
    return review
