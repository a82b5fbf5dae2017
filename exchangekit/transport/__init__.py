"""HTTP transport shared by every adapter.

An adapter composes a :class:`RestTransport` with its own pure :class:`Signer`, its error
table (``classify``) and its usage headers; endpoints are data (:class:`Endpoint`) with
their rate-limit cost beside them. See :mod:`exchangekit.transport.outcome` for what each
network failure and status means, and :mod:`exchangekit.transport.retry` for what is
retried.
"""

from exchangekit.transport.credentials import Credentials, mask
from exchangekit.transport.endpoint import CostFn, Endpoint, Security
from exchangekit.transport.outcome import classify_exception, classify_status, retry_after_s
from exchangekit.transport.redact import Redactor
from exchangekit.transport.response import Headers, Response, Timeouts
from exchangekit.transport.rest import RestTransport
from exchangekit.transport.retry import NO_RETRY, RetryPolicy
from exchangekit.transport.signing import (
    Params,
    ParamValue,
    QueryPairs,
    SignedParts,
    Signer,
    encode_params,
    hmac_sha256_base64,
    hmac_sha256_hex,
    normalize_params,
)
from exchangekit.transport.timesync import ServerTimeSync, TimeSample
from exchangekit.transport.usage import Classifier, UsageSync, usage_from_headers

__all__ = [
    "NO_RETRY",
    "Classifier",
    "CostFn",
    "Credentials",
    "Endpoint",
    "Headers",
    "ParamValue",
    "Params",
    "QueryPairs",
    "Redactor",
    "Response",
    "RestTransport",
    "RetryPolicy",
    "Security",
    "ServerTimeSync",
    "SignedParts",
    "Signer",
    "TimeSample",
    "Timeouts",
    "UsageSync",
    "classify_exception",
    "classify_status",
    "encode_params",
    "hmac_sha256_base64",
    "hmac_sha256_hex",
    "mask",
    "normalize_params",
    "retry_after_s",
    "usage_from_headers",
]
