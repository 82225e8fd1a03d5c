"""One daemon, one identity: the gRPC channel, opened again whenever the identity's files change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio

from ._proto import security_pb2_grpc as rpc
from ._target import Target
from .errors import IdentityError, SecurityError, from_rpc_error
from .identity import IdentityMaterial, IdentitySource

# Files the Broker reads may be 16 MiB; gRPC's default limit for a received message is 4 MiB.
_MAX_MESSAGE = 64 * 1024 * 1024
# How long a replaced channel may finish the calls it carries (a pending confirmation, an audit stream).
_RETIRE_GRACE = 120.0


class Connection:
    """The channel to ``target`` as ``identity``. Before each call the identity's files are looked at; when they
    changed they are loaded (and checked) again and a new channel is opened for the calls that follow, while the old
    one finishes the calls it carries."""

    def __init__(self, target: Target, identity: IdentitySource) -> None:
        self.target = target
        self.identity = identity
        self.material: IdentityMaterial | None = None
        self.channel: grpc.aio.Channel | None = None
        self._stub: rpc.SecurityServiceStub | None = None
        self._lock: asyncio.Lock | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        channel, self.channel, self._stub = self.channel, None, None
        if channel is not None:
            await channel.close()
        for task in list(self._retiring):
            task.cancel()

    async def stub(self) -> rpc.SecurityServiceStub:
        if self._closed:
            raise SecurityError("the client is closed")
        if self._stub is not None and not self.identity.changed():
            self._refuse_expired()
            return self._stub
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._stub is not None and not self.identity.changed():
                return self._stub
            material = await self.identity.load()
            if self._stub is None or material != self.material:
                self._open(material)
            self._refuse_expired()
            assert self._stub is not None
            return self._stub

    def _refuse_expired(self) -> None:
        """An expired certificate would fail the handshake as a bare "unavailable"; say what is wrong instead."""
        if self.material is not None and self.material.expired:
            raise IdentityError(
                f"the certificate of {self.material.spiffe_id} ({self.identity!r}) expired at "
                f"{self.material.not_after:%Y-%m-%dT%H:%M:%SZ}: nothing renewed it (renew_identity() renews it "
                "while it is valid; an expired one needs a new identity from the CA)"
            )

    def _open(self, material: IdentityMaterial) -> None:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=material.bundle_pem,
            private_key=material.key_pem,
            certificate_chain=material.certificate_pem,
        )
        options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", _MAX_MESSAGE),
            ("grpc.max_send_message_length", _MAX_MESSAGE),
        ]
        if self.target.server_name:
            # A Unix socket names no host: the daemon's certificate is checked for the name it carries for this.
            options += [
                ("grpc.ssl_target_name_override", self.target.server_name),
                ("grpc.default_authority", self.target.server_name),
            ]
        old = self.channel
        self.channel = grpc.aio.secure_channel(self.target.grpc_target, credentials, options=options)
        self._stub = rpc.SecurityServiceStub(self.channel)  # type: ignore[no-untyped-call]
        self.material = material
        if old is not None:
            task = asyncio.get_running_loop().create_task(old.close(grace=_RETIRE_GRACE))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def call(self, method: str, request: Any, timeout: float | None) -> Any:
        """A unary call; gRPC errors become the SDK's."""
        stub = await self.stub()
        try:
            return await getattr(stub, method)(request, timeout=timeout)
        except grpc.aio.AioRpcError as error:
            # The identity's files were replaced as this call started: a handshake with the old certificate may
            # have failed. Retrying once on the new identity is safe, as nothing was decided over that connection.
            if error.code() != grpc.StatusCode.UNAVAILABLE or not self.identity.changed():
                raise from_rpc_error(error) from None
        stub = await self.stub()
        try:
            return await getattr(stub, method)(request, timeout=timeout)
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(error) from None

    async def stream(self, method: str, request: Any, timeout: float | None) -> AsyncIterator[Any]:
        """A server-streaming call's messages; stopping early cancels the call."""
        stub = await self.stub()
        call = getattr(stub, method)(request, timeout=timeout)
        try:
            async for message in call:
                yield message
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(error) from None
        finally:
            call.cancel()
