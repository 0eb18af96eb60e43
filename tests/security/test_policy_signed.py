"""The administrator's signed policy: each way a policy file can be unusable is refused with
its own error and message (fail closed); a correctly signed one is read whole; signing
refuses a broken policy; the policy pins model keys and models, locks settings, and its
loading or rejection is audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.errors import PolicyViolation, UntrustedSigner
from app.security.keys import generate_key
from app.security.policy import (
    ModelNotAllowed,
    Policy,
    PolicyMalformed,
    PolicyRejected,
    PolicyTampered,
    PolicyUnknownKey,
    PolicyUnsigned,
    PolicyWrongShape,
    admin_key_path,
    load_policy,
    sign_policy,
)
from tests.policy_helpers import admin_key, write_policy

PUB = "autoglm-ed25519 " + "A" * 43 + "= pinned signer"


@pytest.fixture
def policy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "etc" / "policy.json"
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(path))
    return path


def refusal(path: Path) -> PolicyRejected:
    with pytest.raises(PolicyRejected) as err:
        load_policy()
    assert str(path) in str(err.value)
    return err.value


def test_no_policy_file_means_the_built_in_defaults(policy_file: Path) -> None:
    assert load_policy() == Policy()
    assert load_policy().roles.keys() == {"user", "auditor", "admin"}


def test_an_unsigned_policy_stops_with_not_signed(policy_file: Path) -> None:
    write_policy(policy_file, {"allow_unsigned_models": False}, sign=False)
    err = refusal(policy_file)
    assert type(err) is PolicyUnsigned and "is not signed" in str(err)
    assert "autoglm policy sign" in str(err)


def test_a_tampered_policy_stops_with_changed_after_signing(policy_file: Path) -> None:
    write_policy(policy_file, {"allow_unsigned_models": False})
    signed = json.loads(policy_file.read_text())
    policy_file.write_text(json.dumps({**signed, "allow_unsigned_models": True}))
    err = refusal(policy_file)
    assert type(err) is PolicyTampered and "was changed after it was signed" in str(err)


def test_a_policy_signed_by_another_key_stops_with_unknown_key(policy_file: Path,
                                                               tmp_path: Path) -> None:
    stranger = generate_key(tmp_path / "stranger", "not the administrator", passphrase="")
    assert stranger.private_path is not None
    policy_file.parent.mkdir(parents=True)
    policy_file.write_text(json.dumps(sign_policy({"retention_days": 1}, stranger.private_path)))
    admin_key_path(policy_file).write_text(admin_key().public_line())
    err = refusal(policy_file)
    assert type(err) is PolicyUnknownKey
    assert f"signed by an unknown key {stranger.key_id}" in str(err)
    assert admin_key().key_id in str(err)


def test_a_signed_policy_without_the_administrator_key_beside_it_stops(policy_file: Path) -> None:
    write_policy(policy_file, {"retention_days": 1}, install_key=False)
    err = refusal(policy_file)
    assert type(err) is PolicyUnknownKey and "no administrator key is installed" in str(err)


@pytest.mark.parametrize("text, kind", [("[1, 2]", "a list"), ("42", "a number"),
                                        ('"allow"', "a string")])
def test_a_policy_of_the_wrong_shape_stops_saying_what_it_is(policy_file: Path, text: str,
                                                             kind: str) -> None:
    policy_file.parent.mkdir(parents=True)
    policy_file.write_text(text)
    err = refusal(policy_file)
    assert type(err) is PolicyWrongShape and f"must be a JSON object, not {kind}" in str(err)


def test_a_policy_that_is_not_json_stops_with_not_valid_json(policy_file: Path) -> None:
    policy_file.parent.mkdir(parents=True)
    policy_file.write_text('{"allow_unsigned_models": false,')
    err = refusal(policy_file)
    assert type(err) is PolicyMalformed and "is not valid JSON" in str(err)


@pytest.mark.parametrize("body, message", [
    ({"allow_unsigned_model": False}, "allow_unsigned_model is not a policy field; did you mean "
                                      "'allow_unsigned_models'?"),
    ({"retention_days": 0}, "retention_days must be a whole number of days"),
    ({"allowed_models": ["abc"]}, "allowed_models must be a list of SHA-256 digests"),
    ({"trusted_keys": ["ssh-ed25519 AAAA"]}, "trusted_keys[0] is not a public key"),
    ({"sync_server": "ftp://x"}, "sync_server must be an http:// or https:// address"),
    ({"roles": {"ops": ["chat", "reboot"]}}, "unknown permission 'reboot'"),
    ({"locked_settings": {"temprature": 0.2}}, "did you mean 'temperature'?"),
    ({"locked_settings": {"temperature": 9}}, "must be between 0 and 2"),
])
def test_a_signed_policy_with_a_wrong_field_stops_naming_it(policy_file: Path,
                                                            body: dict[str, Any],
                                                            message: str) -> None:
    write_policy(policy_file, body)
    err = refusal(policy_file)
    assert type(err) is PolicyMalformed and message in str(err)


def test_a_valid_policy_is_read_whole(policy_file: Path) -> None:
    digest = "ab" * 32
    write_policy(policy_file, {
        "allow_unsigned_models": False, "require_encryption": True, "trusted_keys": [PUB],
        "allowed_models": [digest.upper()], "sync_server": "https://sync.example.org/dav",
        "sync_ca_bundle": "/etc/ssl/org-ca.pem", "retention_days": 90, "audit_content": True,
        "serve_off_loopback": False, "health_probe_open": True,
        "roles": {"embedder": ["embeddings"]}, "locked_settings": {"temperature": "0.2"},
        "safety": {"actions": {"email": "block"}}})
    p = load_policy()
    assert (p.allow_unsigned_models, p.require_encryption, p.audit_content) == (False, True, True)
    assert p.trusted_keys == (PUB,) and p.allowed_models == {digest}
    assert (p.sync_server, p.sync_ca_bundle) == ("https://sync.example.org/dav",
                                                 "/etc/ssl/org-ca.pem")
    assert p.retention_days == 90 and not p.serve_off_loopback and p.health_probe_open
    assert p.roles["embedder"].permissions == {"embeddings"} and "admin" in p.roles
    assert p.safety.action("email", "input") == "block"
    assert p.locks() == {"temperature": 0.2, "allow_unsigned": False, "api_allow_network": False,
                         "retention_days": 90}
    assert p.signer == admin_key().key_id and p.source == str(policy_file)


def test_a_signed_policy_laid_out_again_still_verifies(policy_file: Path) -> None:
    write_policy(policy_file, {"retention_days": 7, "audit_content": False})
    policy_file.write_text(json.dumps(json.loads(policy_file.read_text()), indent=8))
    assert load_policy().retention_days == 7


def test_signing_refuses_a_policy_that_loading_would_refuse() -> None:
    key = admin_key()
    assert key.private_path is not None
    with pytest.raises(PolicyMalformed, match="retention_days"):
        sign_policy({"retention_days": "forever"}, key.private_path)


def test_a_policy_edited_on_disk_is_read_again(policy_file: Path) -> None:
    write_policy(policy_file, {"retention_days": 7})
    assert load_policy().retention_days == 7
    write_policy(policy_file, {"retention_days": 30})
    assert load_policy().retention_days == 30


# -- what the policy does ----------------------------------------------------------------------

def test_a_locked_setting_reads_as_the_policy_says_and_cannot_be_set(ctx: Any,
                                                                     policy_file: Path) -> None:
    ctx.settings.set("temperature", 1.1)
    write_policy(policy_file, {"locked_settings": {"temperature": 0.2}})
    assert ctx.settings.get("temperature") == 0.2
    with pytest.raises(PolicyViolation, match="temperature is locked by the administrator's "
                                              "policy: it stays 0.2"):
        ctx.settings.set("temperature", 0.9)
    with pytest.raises(PolicyViolation):
        ctx.settings.reset("temperature")
    ctx.settings.set("top_k", 12)  # the rest stays the user's
    assert json.loads(ctx.settings.path.read_text())["temperature"] == 1.1


def test_a_pinned_policy_refuses_a_model_signed_by_a_key_it_does_not_pin(
        ctx: Any, policy_file: Path, default_model_path: Path) -> None:
    from app.services.models import verify

    write_policy(policy_file, {"trusted_keys": [admin_key().public_line()]})
    with pytest.raises(UntrustedSigner, match="which the administrator's policy .* does not pin"):
        verify(ctx, default_model_path)


def test_a_model_whose_sha256_the_policy_does_not_allow_is_refused(
        ctx: Any, policy_file: Path, default_model_path: Path) -> None:
    from app.services.models import verify

    write_policy(policy_file, {})
    with verify(ctx, default_model_path) as verified:  # trusted and signed: it loads today
        digest = verified.sha256
    write_policy(policy_file, {"allowed_models": ["0" * 64]})
    with pytest.raises(ModelNotAllowed, match="not allowed by the administrator's policy") as err:
        verify(ctx, default_model_path)
    assert err.value.exit_code == 21
    write_policy(policy_file, {"allowed_models": [digest]})
    verify(ctx, default_model_path).close()
    refused = [e for e in ctx.audit.list(action="model.verify") if e.outcome == "refused"]
    assert refused[0].details["kind"] == "ModelNotAllowed"


def test_loading_and_rejecting_a_policy_are_audited(ctx: Any, policy_file: Path) -> None:
    from app.services.context import open_context
    from app.services.policy import enforce_policy

    write_policy(policy_file, {"retention_days": 5})
    enforce_policy(ctx)
    write_policy(policy_file, {"retention_days": 5}, sign=False)
    other = open_context()
    with pytest.raises(PolicyUnsigned):
        enforce_policy(other)
    loaded = ctx.audit.list(action="policy.load")[0]
    assert loaded.outcome == "ok" and loaded.details["signer"] == admin_key().key_id
    rejected = ctx.audit.list(action="policy.reject")[0]
    assert rejected.outcome == "refused" and rejected.details["error"] == "policy_unsigned"


def test_a_model_signed_by_a_pinned_key_loads_though_the_user_never_trusted_it(
        ctx: Any, policy_file: Path, signed_model: Path, signing_key: Any) -> None:
    from app.services.models import verify

    assert not ctx.trust.is_trusted(signing_key.key_id)
    write_policy(policy_file, {"trusted_keys": [signing_key.public_line()]})
    with verify(ctx, signed_model) as verified:
        assert verified.signer == signing_key.key_id
