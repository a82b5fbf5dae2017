"""Credentials never show their secrets."""

from __future__ import annotations

import copy
import pickle

import pytest

from exchangekit.transport import Credentials, mask

from .fakes import API_KEY, API_SECRET


def test_repr_and_str_mask_the_key_and_redact_the_secrets() -> None:
    creds = Credentials(API_KEY, API_SECRET, passphrase="my-pass-phrase", private_key="PEM")
    expected = (
        "Credentials(api_key='vmPU…uEh8A', api_secret=<redacted>, "
        "passphrase=<redacted>, private_key=<redacted>)"
    )
    assert repr(creds) == expected and str(creds) == expected
    assert f"{creds}" == expected and repr({"c": [creds]}).count("<redacted>") == 3
    for secret in (API_KEY, API_SECRET, "my-pass-phrase"):
        assert secret not in repr(creds)


def test_the_secrets_are_still_usable_for_signing() -> None:
    creds = Credentials(API_KEY, API_SECRET, passphrase="p")
    assert (creds.api_key, creds.api_secret, creds.passphrase) == (API_KEY, API_SECRET, "p")
    assert set(creds.secrets()) == {API_KEY, API_SECRET, "p"}


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_credentials_cannot_be_pickled(protocol: int) -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Credentials(API_KEY, API_SECRET), protocol=protocol)


def test_credentials_are_immutable_and_copy_to_themselves() -> None:
    creds = Credentials(API_KEY, API_SECRET)
    with pytest.raises(AttributeError):
        creds.api_secret = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        creds._api_secret = "other"  # type: ignore[misc]
    assert copy.copy(creds) is creds and copy.deepcopy({"c": creds})["c"] is creds
    assert not hasattr(creds, "__dict__")


def test_short_keys_are_masked_entirely_and_empty_ones_refused() -> None:
    assert mask("abc123") == "…"
    assert "abc123" not in repr(Credentials("abc123", "secret"))
    with pytest.raises(ValueError):
        Credentials("", "secret")
    with pytest.raises(ValueError):
        Credentials("key", "")
