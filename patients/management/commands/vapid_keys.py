"""Prints a fresh VAPID key pair for web push, as lines for the environment file."""

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import BaseCommand


def base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key_pair() -> tuple[str, str]:
    """(public, private): the public key as browsers take it (an uncompressed P-256 point),
    the private key as its 32 raw bytes; both base64url, one line each, nothing to quote."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64url(public), base64url(private.private_numbers().private_value.to_bytes(32))


class Command(BaseCommand):
    help = "Print a new key pair for web push notifications, to paste in the environment file."

    def handle(self, *args, **options):
        # Nothing is stored: the pair exists only in what is printed. A new pair makes
        # every browser's subscription useless, so make it once and keep it.
        public, private = new_key_pair()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
