"""A clinic's API clients: created with a secret shown once, and revoked for good.

The secret is django-oauth-toolkit's to keep (hashed, like a password); the clinic admin
sees it once, on the page after creating the client, and can never read it again. A
revoked client's tokens and bulk exports are deleted and its secret replaced by one nobody
knows, so it can neither use a token it holds nor get a new one; the row stays, for the
audit trail.
"""

from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, RefreshToken

from patients.models import ApiClient, AuditAction, BulkExport, Clinic
from patients.security import audit


@transaction.atomic
def api_client_create(
    *, clinic: Clinic, name: str, by, requests_per_minute: int | None = None
) -> tuple[ApiClient, str]:
    """The new client and its secret, in plain text this once."""
    secret = generate_client_secret()
    application = Application.objects.create(
        name=f"{clinic.name}: {name}"[:255],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    client = ApiClient(clinic=clinic, name=name, application=application, created_by=by)
    if requests_per_minute is not None:
        client.requests_per_minute = requests_per_minute
    client.save()
    audit.record(
        by=by,
        action=AuditAction.CREATED,
        subject="API client",
        obj=client,
        clinic=clinic,
        detail=client.audit_label,
    )
    return client, secret


@transaction.atomic
def api_client_revoke(*, client: ApiClient, by) -> ApiClient:
    """Revokes the client: its tokens stop working at once. Revoking twice changes nothing."""
    client = ApiClient.objects.select_for_update().select_related("application").get(pk=client.pk)
    if client.revoked_at is not None:
        return client
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    application = client.application
    RefreshToken.objects.filter(application=application).delete()
    AccessToken.objects.filter(application=application).delete()
    application.client_secret = generate_client_secret()
    application.save(update_fields=["client_secret"])
    # Its exports are copies of the clinic's records that nobody may download any more;
    # a running one stops at its next file (the worker finds its row gone).
    BulkExport.objects.filter(client=client).delete()
    audit.record(
        by=by,
        action=AuditAction.CHANGED,
        subject="API client revoked",
        obj=client,
        clinic=client.clinic_id,
        detail=client.audit_label,
    )
    return client


def api_client_tokens_prune(*, client: ApiClient) -> int:
    """Deletes the client's expired access tokens, which nothing else ever would: a client
    that asks for a token a minute would otherwise add half a million rows a year."""
    expired = AccessToken.objects.filter(
        application_id=client.application_id, expires__lt=timezone.now()
    )
    return expired.delete()[0]
