"""SNS's message signatures as AWS makes them: ``SignatureVersion`` 1 is SHA1withRSA and 2 is
SHA256withRSA over the notification's fields, checked against one certificate per region, which
moto serves where ``SigningCertURL`` points (its SNS backend answers ``/SimpleNotificationService-*.pem``).
One key for the process: made on the first signature (a fraction of a second), kept after."""

from __future__ import annotations

import base64
import threading
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from .._core.service_events import SnsNotification

_lock = threading.Lock()
_key: rsa.RSAPrivateKey | None = None
_certificates: dict[str, bytes] = {}  # region -> PEM
_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}


def _private_key() -> rsa.RSAPrivateKey:
    global _key
    with _lock:
        if _key is None:
            _key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _key


def _certificate(region: str) -> bytes:
    """The region's certificate (PEM), as SNS's names it: for sns.amazonaws.com, by Amazon."""
    pem = _certificates.get(region)
    if pem is None:
        key = _private_key()
        now = datetime.now(timezone.utc)
        issuer = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Amazon"),
                            x509.NameAttribute(NameOID.COMMON_NAME, "Amazon RSA 2048 M01")])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"sns.{region}.amazonaws.com")]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        pem = _certificates[region] = certificate.public_bytes(serialization.Encoding.PEM)
    return pem


def sign(notification: SnsNotification) -> str:
    """The notification's ``Signature``; its certificate is put where moto serves it (moto's
    backends start empty after each reset, so every signature puts it again)."""
    region = notification.region
    name = notification.signing_cert_url.rsplit("/", 1)[1]
    sns_backends[DEFAULT_ACCOUNT_ID][region]._message_public_keys[name] = _certificate(region)
    algorithm = _HASHES.get(notification.signature_version, hashes.SHA1)()
    signature = _private_key().sign(notification.string_to_sign().encode("utf-8"), padding.PKCS1v15(), algorithm)
    return base64.b64encode(signature).decode("ascii")
