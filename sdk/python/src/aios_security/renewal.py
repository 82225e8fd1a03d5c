"""Keys, certificate signing requests and identity directories, for :meth:`SecurityClient.renew_identity`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .identity import BUNDLE_FILE, CERTIFICATE_FILE, KEY_FILE, PathLike

__all__ = ["certificate_request", "key_pem", "new_key", "write_identity"]


def new_key() -> ec.EllipticCurvePrivateKey:
    """A new P-256 private key (the curve the daemon's CA issues for)."""
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM (the form ``key.pem`` holds)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def certificate_request(key: ec.EllipticCurvePrivateKey, spiffe_id: str | None) -> str:
    """A PEM CSR signed by ``key``, naming ``spiffe_id`` as its URI SAN (none when None).

    The daemon ignores the CSR's subject and extensions except to refuse one that names another identity: the
    certificate always names the caller's current SPIFFE ID.
    """
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    if spiffe_id:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(spiffe_id)]), critical=False
        )
    request = builder.sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _replace(path: Path, data: bytes, mode: int) -> None:
    """Writes ``data`` to a new file beside ``path`` (mode set before any byte is written), syncs it and renames
    it over ``path``: a reader sees the old file or the new one, never a partial one."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def write_identity(directory: PathLike, key: bytes, certificate: bytes, bundle: bytes) -> Path:
    """Writes an identity directory (created 0700 if missing): ``key.pem`` 0600, ``cert.pem`` and ``bundle.pem``
    0644, each replaced atomically, the key first (as the daemon does; readers wait for the pair to match)."""
    target = Path(directory)
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    _replace(target / KEY_FILE, key, 0o600)
    _replace(target / CERTIFICATE_FILE, certificate, 0o644)
    _replace(target / BUNDLE_FILE, bundle, 0o644)
    directory_descriptor = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory_descriptor)
    finally:
        os.close(directory_descriptor)
    return target
