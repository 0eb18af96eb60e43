"""The .deb made from a bundle (packaging/bundle/make_deb.py), built for real with dpkg-deb
from a small stand-in bundle and read back with dpkg-deb: where it installs, what it
depends on, and what an organisation build bakes into /etc/xdg/open-autoglm.

Installing it is `make package-test`'s job (as root, with a real bundle)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging_scripts import load_script

from app import __version__
from app.config import RESOURCES_DIR
from app.security.keys import generate_key
from app.security.policy import read_policy
from tests.policy_helpers import admin_key, write_policy

make_deb = load_script("bundle/make_deb.py")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A stand-in for build.py's folder: the executable and the resources the .deb takes
    its icon from."""
    root = tmp_path / "bundle" / "open-autoglm"
    icons = root / "_internal" / "resources" / "icons"
    icons.mkdir(parents=True)
    shutil.copyfile(RESOURCES_DIR / "icons" / "app.svg", icons / "app.svg")
    exe = root / "autoglm"
    exe.write_text("#!/bin/sh\necho autoglm\n")
    exe.chmod(0o755)
    return root


def contents(deb: Path) -> dict[str, str]:
    """Path in the package → its `dpkg-deb -c` line."""
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    out = {}
    for line in listing.splitlines():
        name = line.split(maxsplit=5)[5].split(" -> ")[0].removeprefix(".")
        out[name.rstrip("/") or "/"] = line
    return out


def field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_package_installs_under_opt_with_the_command_link_desktop_entry_and_icon(
        bundle: Path, tmp_path: Path) -> None:
    assert make_deb.main(["--bundle", str(bundle), "--out", str(tmp_path / "out")]) == 0
    deb = tmp_path / "out" / f"open-autoglm_{__version__}_amd64.deb"
    files = contents(deb)
    assert "/opt/open-autoglm/autoglm" in files and files["/opt/open-autoglm/autoglm"].startswith("-rwxr-xr-x root/root")
    assert files["/usr/bin/autoglm"].endswith("/usr/bin/autoglm -> /opt/open-autoglm/autoglm")
    assert "/usr/share/applications/open-autoglm.desktop" in files
    assert "/usr/share/icons/hicolor/scalable/apps/open-autoglm.svg" in files
    assert not any(name.startswith("/etc") for name in files)  # a plain build has no policy
    assert field(deb, "Package") == "open-autoglm" and field(deb, "Architecture") == "amd64"
    assert not (tmp_path / "out" / "deb-root").exists()  # the staging folder is gone

    extracted = tmp_path / "x"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(extracted)], check=True)
    entry = (extracted / "usr/share/applications/open-autoglm.desktop").read_text()
    assert "Exec=/usr/bin/autoglm gui" in entry and "Icon=open-autoglm" in entry


def test_package_depends_on_the_system_libraries_qt_draws_with(bundle: Path,
                                                                  tmp_path: Path) -> None:
    assert make_deb.main(["--bundle", str(bundle), "--out", str(tmp_path)]) == 0
    depends = {d.strip().split()[0] for d in field(next(tmp_path.glob("*.deb")), "Depends")
               .split(",")}
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0",
                    "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3", "libgomp1"):
        assert package in depends


def test_uninstall_scripts_touch_nothing_outside_the_packages_own_folders(
        bundle: Path, tmp_path: Path) -> None:
    assert make_deb.main(["--bundle", str(bundle), "--out", str(tmp_path)]) == 0
    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", str(next(tmp_path.glob("*.deb"))), str(control)],
                   check=True)
    postrm = (control / "postrm").read_text()
    removed = [w for line in postrm.splitlines() if line.strip().startswith(("rm ", "rmdir "))
               for w in line.split() if w.startswith("/")]
    assert removed == ["/opt/open-autoglm", "/etc/xdg/open-autoglm/trust", "/etc/xdg/open-autoglm"]
    for script in control.iterdir():
        text = script.read_text()
        assert "HOME" not in text and "/home" not in text and ".local" not in text


def test_organisation_build_bakes_the_signed_policy_its_admin_key_and_trusted_keys_as_conffiles(
        bundle: Path, tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "org" / "policy.json", {"allow_unsigned_models": False})
    admin_pub = tmp_path / "org" / "policy-admin.pub"
    signer = generate_key(tmp_path / "signer-keys", "Example Org models", passphrase="")
    assert signer.public_path is not None
    assert make_deb.main(["--bundle", str(bundle), "--out", str(tmp_path / "out"),
                          "--policy", str(policy), "--admin-keys", str(admin_pub),
                          "--trust", str(signer.public_path)]) == 0
    deb = next((tmp_path / "out").glob("*.deb"))
    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", str(deb), str(control)], check=True)
    assert (control / "conffiles").read_text().split() == [
        "/etc/xdg/open-autoglm/policy-admin.pub", "/etc/xdg/open-autoglm/policy.json",
        f"/etc/xdg/open-autoglm/trust/{signer.key_id}.pub"]
    assert "organisation" in field(deb, "Description")

    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    baked = root / "etc/xdg/open-autoglm"
    assert (baked / "policy.json").read_bytes() == policy.read_bytes()
    assert read_policy(baked / "policy.json", baked / "policy-admin.pub").allow_unsigned_models \
        is False  # what the installed app will read, and trust
    assert (baked / "trust" / f"{signer.key_id}.pub").read_text().split()[1] == \
        signer.public_line().split()[1]


def test_organisation_build_refuses_a_policy_edited_after_signing_and_writes_no_package(
        bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write_policy(tmp_path / "org" / "policy.json", {"allow_unsigned_models": False})
    fields = json.loads(policy.read_text())
    fields["allow_unsigned_models"] = True
    policy.write_text(json.dumps(fields))
    assert make_deb.main(["--bundle", str(bundle), "--out", str(tmp_path / "out"),
                          "--policy", str(policy),
                          "--admin-keys", str(tmp_path / "org" / "policy-admin.pub")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "was changed after it was signed" in err
    assert not list((tmp_path / "out").glob("*.deb"))


def test_organisation_build_names_the_key_that_signed_the_policy_when_admin_keys_lack_it(
        bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write_policy(tmp_path / "org" / "policy.json", {"retention_days": 30})
    other = generate_key(tmp_path / "other", "Someone else", passphrase="")
    assert make_deb.main(["--bundle", str(bundle), "--out", str(tmp_path / "out"),
                          "--policy", str(policy), "--admin-keys", str(other.public_path)]) == 1
    err = capsys.readouterr().err
    assert f"signed by key {admin_key().key_id}, which is none of ADMIN_KEYS" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--admin-keys", "admin.pub"], "ADMIN_KEYS without POLICY"),
    (["--policy", "policy.json"], "needs ADMIN_KEYS"),
    (["--trust", "not-a-key.pub"], "TRUST: cannot read"),
])
def test_organisation_build_input_mistakes_get_one_line_saying_what_to_fix(
        bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    write_policy(tmp_path / "policy.json", {"retention_days": 30})
    assert make_deb.main(["--bundle", str(bundle), "--out", str(tmp_path / "out"), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("make_deb.py: error: ") and message in err and err.count("\n") == 1
