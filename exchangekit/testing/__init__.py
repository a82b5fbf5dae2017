"""What users import in their own tests: the emulator server, fault plans, fixtures.

Needs the ``testing`` extra (``pip install exchangekit[testing]``) for the server.
"""

from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule, InjectedFault
from exchangekit.testing.streams import Collector, collecting

__all__ = [
    "Collector",
    "Dialect",
    "EmulatorRequest",
    "EmulatorResponse",
    "EmulatorServer",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "HttpRoute",
    "InjectedFault",
    "WsConnection",
    "WsRoute",
    "collecting",
    "json_response",
]


def __getattr__(name: str) -> object:
    # The server pulls in aiohttp; load it only when asked for.
    if name == "EmulatorServer":
        from exchangekit.testing.server import EmulatorServer

        return EmulatorServer
    if name == "WsConnection":
        from exchangekit.testing.ws import WsConnection

        return WsConnection
    if name in (
        "Dialect",
        "EmulatorRequest",
        "EmulatorResponse",
        "HttpRoute",
        "WsRoute",
        "json_response",
    ):
        from exchangekit.testing import wire

        return getattr(wire, name)
    raise AttributeError(f"module 'exchangekit.testing' has no attribute {name!r}")
