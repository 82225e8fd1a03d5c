"""Identities: the key, certificate chain and trust bundle a client presents and trusts.

An identity directory holds ``key.pem`` (the private key), ``cert.pem`` (the leaf certificate and the CA's
intermediate) and ``bundle.pem`` (the CA's trust roots). Its files may be replaced while a program runs — the daemon
renews the identities it manages at 2/3 of their life, replacing each file atomically by rename, the key first —
so :class:`DirectoryIdentity` notices a change (inode, mtime, size) and loads the files again, and treats a key that
does not match its certificate as a renewal in progress: it waits for the certificate to follow.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, Union

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from .errors import IdentityError

__all__ = [
    "DirectoryIdentity",
    "IdentityMaterial",
    "IdentitySource",
    "MemoryIdentity",
    "certificate_identity",
    "spiffe_id_of",
]

PathLike = Union[str, "os.PathLike[str]"]

KEY_FILE = "key.pem"
CERTIFICATE_FILE = "cert.pem"
BUNDLE_FILE = "bundle.pem"
FILES = (KEY_FILE, CERTIFICATE_FILE, BUNDLE_FILE)


@dataclass(frozen=True)
class IdentityMaterial:
    """One consistent set of PEM files, checked: the key certifies the leaf, the leaf names a SPIFFE ID.

    Attributes:
        spiffe_id: The identity the leaf certificate names (``spiffe://aios.local/agent/NAME`` ...).
        not_after: When the leaf certificate expires (UTC).
    """

    key_pem: bytes = field(repr=False)
    certificate_pem: bytes
    bundle_pem: bytes
    spiffe_id: str
    not_after: datetime

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_pem: bytes, bundle_pem: bytes) -> IdentityMaterial:
        """Checks and wraps PEM data; raises :class:`IdentityError` when the key does not match the certificate."""
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as error:
            raise IdentityError(f"the private key cannot be read: {error}") from None
        try:
            chain = x509.load_pem_x509_certificates(certificate_pem)
            x509.load_pem_x509_certificates(bundle_pem)
        except ValueError as error:
            raise IdentityError(f"a certificate cannot be read: {error}") from None
        leaf = chain[0]
        if not _same_public_key(key, leaf):
            raise IdentityError("the private key does not match the certificate")
        return cls(
            key_pem=key_pem,
            certificate_pem=certificate_pem,
            bundle_pem=bundle_pem,
            spiffe_id=spiffe_id_of(leaf),
            not_after=leaf.not_valid_after_utc,
        )

    @property
    def expired(self) -> bool:
        """Whether the leaf certificate has expired."""
        return self.not_after <= datetime.now(UTC)


def _same_public_key(key: PrivateKeyTypes, certificate: x509.Certificate) -> bool:
    encoding, form = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return bool(key.public_key().public_bytes(encoding, form) == certificate.public_key().public_bytes(encoding, form))


def spiffe_id_of(certificate: x509.Certificate) -> str:
    """The certificate's ``spiffe://`` URI SAN (empty when it has none)."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ""
    return next(
        (uri for uri in names.get_values_for_type(x509.UniformResourceIdentifier) if uri.startswith("spiffe://")), ""
    )


class IdentitySource(Protocol):
    """Where a client's identity comes from. ``changed`` is checked before every call (it must be cheap)."""

    def changed(self) -> bool:
        """Whether the material may differ from what ``load`` last returned."""
        ...

    async def load(self) -> IdentityMaterial:
        """The current material, checked."""
        ...


class MemoryIdentity:
    """An identity held in memory (e.g. read from a keyring, or the result of a renewal); it never changes."""

    def __init__(self, material: IdentityMaterial) -> None:
        self.material = material

    def changed(self) -> bool:
        return False

    async def load(self) -> IdentityMaterial:
        return self.material

    def __repr__(self) -> str:
        return f"MemoryIdentity({self.material.spiffe_id!r})"


Signature = tuple[tuple[int, int, int, int], ...]


class DirectoryIdentity:
    """An identity directory, loaded again whenever one of its files is replaced or changed.

    Args:
        directory: The directory holding key.pem, cert.pem and bundle.pem.
        settle_timeout: How long to wait, in seconds, for a renewal in progress (a key that does not yet match its
            certificate, a file briefly missing) before raising :class:`IdentityError`.
    """

    def __init__(self, directory: PathLike, settle_timeout: float = 5.0) -> None:
        self.directory = Path(directory)
        self.settle_timeout = settle_timeout
        self._loaded: Signature | None = None

    def __repr__(self) -> str:
        return f"DirectoryIdentity({str(self.directory)!r})"

    def _signature(self) -> Signature:
        stats = [os.stat(self.directory / name) for name in FILES]
        return tuple((s.st_dev, s.st_ino, s.st_mtime_ns, s.st_size) for s in stats)

    def changed(self) -> bool:
        try:
            return self._signature() != self._loaded
        except OSError:
            return True

    def load_now(self) -> IdentityMaterial:
        """One attempt: reads the three files and checks them (raises :class:`IdentityError` or ``OSError``).
        The files are read between two looks at their signature, so a replacement during the read is noticed."""
        before = self._signature()
        key, certificate, bundle = (
            (self.directory / KEY_FILE).read_bytes(),
            (self.directory / CERTIFICATE_FILE).read_bytes(),
            (self.directory / BUNDLE_FILE).read_bytes(),
        )
        if self._signature() != before:
            raise IdentityError(f"{self.directory} changed while it was read")
        material = IdentityMaterial.from_pem(key, certificate, bundle)
        self._loaded = before
        return material

    async def load(self) -> IdentityMaterial:
        deadline = time.monotonic() + self.settle_timeout
        delay = 0.02
        while True:
            try:
                return self.load_now()
            except (IdentityError, OSError) as error:
                if time.monotonic() >= deadline:
                    if isinstance(error, IdentityError):
                        raise IdentityError(f"{self.directory}: {error.message}") from None
                    raise IdentityError(f"{self.directory}: {error}") from None
            # A renewal replaces the key, then the certificate: the pair matches again a moment later.
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)


def certificate_identity(certificate_pem: bytes | str) -> str:
    """The SPIFFE ID a PEM certificate (the first of a chain) names."""
    data = certificate_pem.encode("ascii") if isinstance(certificate_pem, str) else certificate_pem
    return spiffe_id_of(x509.load_pem_x509_certificates(data)[0])
