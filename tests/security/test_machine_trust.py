"""Model-signing keys an organisation installs for every user: the ``trust`` folder beside
the administrator's policy (/etc/xdg/open-autoglm/trust in an organisation's package)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from app.security.keys import KeyInfo, TrustStore, system_trust_dir
from app.security.policy import policy_path
from app.security.verify import verify_model
from app.services.context import open_context


def install_machine_key(key: KeyInfo) -> Path:
    machine = policy_path().with_name("trust")
    machine.mkdir(parents=True, exist_ok=True)
    assert key.public_path is not None
    return Path(shutil.copyfile(key.public_path, machine / f"{key.key_id}.pub"))


def test_the_machine_trust_folder_lies_beside_the_administrators_policy() -> None:
    assert system_trust_dir() == Path(os.environ["AUTOGLM_POLICY_FILE"]).with_name("trust")


def test_a_model_signed_by_a_key_installed_for_the_machine_verifies_for_every_user(
        signed_model: Path, signing_key: KeyInfo) -> None:
    install_machine_key(signing_key)
    user = open_context()  # a user who never trusted the key themselves
    assert signing_key.key_id in [k.key_id for k in user.trust.list()]
    with verify_model(signed_model, user.trust) as verified:
        assert verified.signed and verified.signer == signing_key.key_id


def test_a_user_may_stop_trusting_a_machine_key_for_themselves_without_touching_it(
        tmp_path: Path, signing_key: KeyInfo) -> None:
    installed = install_machine_key(signing_key)
    store = TrustStore([tmp_path / "user-trust"])
    store.untrust(signing_key.key_id)
    assert not store.is_trusted(signing_key.key_id)
    assert installed.is_file()  # the administrator's file stays; only this user's list changed
    assert TrustStore([tmp_path / "someone-else"]).is_trusted(signing_key.key_id)
