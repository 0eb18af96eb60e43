"""Make the .deb from the bundle: /opt/open-autoglm, ``/usr/bin/autoglm``, a desktop entry
and icon, Qt's system libraries as dependencies; an organisation build adds its signed
policy, its administrator's public key and extra model-signing keys under
/etc/xdg/open-autoglm/ as conffiles.

    python packaging/bundle/make_deb.py [--bundle build/package/bundle/open-autoglm]
        [--out build/package] [--policy policy.json --admin-keys admin.pub]
        [--trust a.pub --trust b.pub]

Nothing is downloaded; ``dpkg-deb`` does the packing (gzip at level 1: the model inside
hardly compresses, and the build stays quick). Uninstalling never touches users' data:
the maintainer scripts only ever remove /opt/open-autoglm and the folders under /etc
the package made. Prints ``RESULT deb_mib=…``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from app import __version__  # noqa: E402 - after the checkout is on the path

NAME = "open-autoglm"
PREFIX = Path("opt") / NAME
SYSTEM_CONFIG = Path("etc") / "xdg" / NAME  # platformdirs' site_config_dir on Linux
POLICY_FILE = "policy.json"
ADMIN_KEY_FILE = "policy-admin.pub"
TRUST_DIR = "trust"

# What the bundled Qt's X11 and Wayland platform plugins, their GL integrations and the Qt
# libraries load from the system (readelf -d / ldd of libqxcb.so, libQt6XcbQpa.so.6,
# libqxcb-glx-integration.so, libQt6Gui.so.6, libQt6WaylandClient.so.6; the spec leaves
# these out of the bundle), what llama.cpp's libraries load (libgomp, libstdc++), and a
# font: Qt draws no text without one.
DEPENDS = (
    "libc6 (>= 2.28)", "libstdc++6", "libgcc-s1", "libgomp1", "zlib1g", "libglib2.0-0",
    "libxcb1", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-randr0", "libxcb-xkb1", "libxcb-util1",
    "libxcb-shm0", "libxcb-sync1", "libxcb-xfixes0", "libxcb-render0", "libxcb-glx0",
    "libx11-6", "libx11-xcb1", "libxkbcommon0", "libxkbcommon-x11-0", "libwayland-client0",
    "libwayland-cursor0", "libegl1", "libgl1", "libfontconfig1", "libfreetype6",
    "libdbus-1-3", "fonts-dejavu-core | fonts-liberation2 | fonts-noto-core",
)
RECOMMENDS = ("fonts-noto-cjk",)  # Chinese glyphs for the zh_CN interface

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Open-AutoGLM
Name[zh_CN]=Open-AutoGLM 本地助手
GenericName=Local AI assistant
GenericName[zh_CN]=本地 AI 助手
Comment=A language model that runs entirely on this computer
Comment[zh_CN]=完全在本机运行的语言模型
Exec=/usr/bin/autoglm gui
Icon=open-autoglm
Terminal=false
Categories=Office;Utility;
StartupWMClass=open-autoglm
"""

POSTINST = """\
#!/bin/sh
# Refresh the menus' caches; nothing here reads or writes any user's files.
set -e
if [ "$1" = configure ]; then
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
"""

# dpkg removes the files it installed (and, on purge, the conffiles); this removes what
# is left in the package's own folders and nothing else: users' data under their homes
# (~/.local/share/open-autoglm and the like) is never looked at.
POSTRM = """\
#!/bin/sh
set -e
case "$1" in
    remove|purge)
        rm -rf /opt/open-autoglm
        command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
        ;;
esac
if [ "$1" = purge ]; then
    rmdir --ignore-fail-on-non-empty /etc/xdg/open-autoglm/trust /etc/xdg/open-autoglm 2>/dev/null || true
fi
exit 0
"""


class PackageError(Exception):
    """Bad input to the package build; the message says what to fix."""


def deb_version(version: str) -> str:
    """Debian's spelling of a Python version (0.2.0rc1 → 0.2.0~rc1 sorts before 0.2.0)."""
    for tag in ("a", "b", "rc", ".dev"):
        head, sep, tail = version.partition(tag)
        if sep and head and head[-1].isdigit() and tail[:1].isdigit():
            return f"{head}~{tag.lstrip('.')}{tail}"
    return version


def deb_name(version: str = __version__) -> str:
    return f"{NAME}_{deb_version(version)}_amd64.deb"


def organisation_files(policy: Path | None, admin_keys: list[Path],
                       trust: list[Path]) -> dict[str, bytes]:
    """The files an organisation build puts under /etc/xdg/open-autoglm (relative name →
    bytes), each checked the way the app will check it, so that a build never ships a
    policy the installed app would refuse."""
    from app.errors import ConfigError
    from app.security.keys import parse_public_key
    from app.security.policy import read_policy

    files: dict[str, bytes] = {}
    if policy is None:
        if admin_keys:
            raise PackageError("ADMIN_KEYS without POLICY: the administrator's key is only "
                               "there to check a policy; give the signed policy too")
    else:
        if not admin_keys:
            raise PackageError(f"POLICY={policy} needs ADMIN_KEYS: the public key of the "
                               "administrator who signed it (`autoglm policy keygen` made it)")
        keys = {}
        for path in admin_keys:
            try:
                keys[parse_public_key(_read_text(path, "ADMIN_KEYS"), path).key_id] = path
            except ConfigError as exc:
                raise PackageError(f"ADMIN_KEYS: {exc}") from None
        signer = _policy_signer(policy)
        if signer not in keys:
            raise PackageError(
                f"POLICY={policy} is signed by key {signer}, which is none of ADMIN_KEYS "
                f"({', '.join(sorted(keys))}); the installed app would refuse to start")
        try:
            read_policy(policy, keys[signer])
        except ConfigError as exc:
            raise PackageError(f"POLICY: {exc}") from None
        files[POLICY_FILE] = policy.read_bytes()
        files[ADMIN_KEY_FILE] = keys[signer].read_bytes()
    for path in trust:
        try:
            info = parse_public_key(_read_text(path, "TRUST"), path)
        except ConfigError as exc:
            raise PackageError(f"TRUST: {exc}") from None
        files[f"{TRUST_DIR}/{info.key_id}.pub"] = (info.public_line() + "\n").encode("utf-8")
    return files


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise PackageError(f"{what}: cannot read {path}: {why}") from None


def _policy_signer(policy: Path) -> str:
    import json

    try:
        fields = json.loads(_read_text(policy, "POLICY"))
    except ValueError as exc:
        raise PackageError(f"POLICY={policy} is not valid JSON: {exc}") from None
    signer = fields.get("signer") if isinstance(fields, dict) else None
    if not isinstance(signer, str):
        raise PackageError(f"POLICY={policy} is not signed: sign it with `autoglm policy sign "
                           f"{policy} --key ADMIN.key` first")
    return signer


def control_text(version: str, installed_kib: int, organisation: bool) -> str:
    description = ("local AI assistant running a language model on this computer\n"
                   " Open-AutoGLM runs a signed language model entirely on this machine,\n"
                   " with an audited, encrypted store of conversations; it needs no network\n"
                   " to install or to start. Ships llama.cpp, Qt and a small default model.\n")
    if organisation:
        description += " This build carries an organisation's signed policy and keys.\n"
    return (f"Package: {NAME}\nVersion: {deb_version(version)}\nArchitecture: amd64\n"
            f"Maintainer: Open-AutoGLM developers <maintainers@open-autoglm.invalid>\n"
            f"Installed-Size: {installed_kib}\nSection: utils\nPriority: optional\n"
            f"Depends: {', '.join(DEPENDS)}\nRecommends: {', '.join(RECOMMENDS)}\n"
            f"Description: {description}")


def stage(bundle: Path, root: Path, org_files: dict[str, bytes], version: str) -> list[str]:
    """Lay the package's tree out in ``root``; returns its conffiles."""
    if not (bundle / "autoglm").is_file():
        raise PackageError(f"no bundle at {bundle}: `make package` builds it "
                           "(packaging/bundle/build.py)")
    if root.exists():
        shutil.rmtree(root)
    opt = root / PREFIX
    opt.parent.mkdir(parents=True)
    # Hard links where the file system allows: the bundle is large and this is a copy.
    shutil.copytree(bundle, opt, symlinks=True, copy_function=_link_or_copy)
    usr_bin = root / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    (usr_bin / "autoglm").symlink_to(Path("/") / PREFIX / "autoglm")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / f"{NAME}.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    icons = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copyfile(bundle / "_internal" / "resources" / "icons" / "app.svg",
                    icons / f"{NAME}.svg")
    doc = root / "usr" / "share" / "doc" / NAME
    doc.mkdir(parents=True)
    shutil.copyfile(ROOT / "README.md", doc / "README.md")
    conffiles = []
    for name, body in sorted(org_files.items()):
        target = root / SYSTEM_CONFIG / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        target.chmod(0o644)
        conffiles.append(f"/{SYSTEM_CONFIG / name}")
    debian = root / "DEBIAN"
    debian.mkdir()
    installed_kib = _kib(root)
    (debian / "control").write_text(control_text(version, installed_kib, bool(org_files)),
                                    encoding="utf-8")
    for script, body in (("postinst", POSTINST), ("postrm", POSTRM)):
        (debian / script).write_text(body, encoding="utf-8")
        (debian / script).chmod(0o755)
    if conffiles:
        (debian / "conffiles").write_text("".join(f"{c}\n" for c in conffiles), encoding="utf-8")
    return conffiles


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _kib(root: Path) -> int:
    total = sum(f.lstat().st_size for f in root.rglob("*") if not f.is_dir())
    return (total + 1023) // 1024


def build_deb(root: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(root), str(target)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        raise PackageError("dpkg-deb is not installed (Debian/Ubuntu: apt install dpkg)") from None
    if done.returncode != 0:
        raise PackageError(f"dpkg-deb failed: {done.stderr.strip() or done.stdout.strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path,
                        default=ROOT / "build" / "package" / "bundle" / NAME)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "package")
    parser.add_argument("--policy", type=Path, help="the organisation's signed policy.json")
    parser.add_argument("--admin-keys", type=Path, action="append", default=[],
                        help="the public key of the administrator who signed the policy")
    parser.add_argument("--trust", type=Path, action="append", default=[],
                        help="an extra model-signing public key every user trusts")
    parser.add_argument("--version", default=__version__)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    target = args.out / deb_name(args.version)
    root = args.out / "deb-root"
    try:
        org = organisation_files(args.policy, args.admin_keys, args.trust)
        conffiles = stage(args.bundle, root, org, args.version)
        build_deb(root, target)
    except PackageError as exc:
        print(f"make_deb.py: error: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    size = target.stat().st_size
    kind = f"organisation build ({len(conffiles)} files in /{SYSTEM_CONFIG})" if conffiles \
        else "plain build"
    print(f"package: {target} ({size / 2**20:.0f} MiB, {kind})")
    print(f"RESULT deb_mib={size / 2**20:.1f} deb_s={time.perf_counter() - started:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
