"""Writes the Kubernetes manifests for a team's API server, sized by the app's own memory estimate.

    python packaging/kubernetes/generate.py [--slots 4] [--ctx 2048] [--threads 2]
        [--replicas 2] [--image open-autoglm:0.1.0] [--model FILE.gguf] [--out FILE]

Memory: the app's estimate for the model (app/catalog/gguf_info.py ``estimate_memory``:
the GGUF file, which llama.cpp maps whole, the f16 KV cache of every slot's context, and
llama.cpp's scratch buffers) plus ``RUNTIME_MIB`` for Python, the HTTP server and SQLite.
The request is that sum; the limit leaves half as much again. CPU: one core per thread.

The default writes packaging/kubernetes/open-autoglm.yaml for the default model; a test
checks that file against this generator and against Kubernetes' schemas.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from app import __version__  # noqa: E402

NAME = "open-autoglm"
PORT = 8080
USER_ID = 10001  # the image's non-root user (packaging/container/Containerfile)
# Memory of `autoglm serve` beyond the weights and KV cache: Python, FastAPI, uvicorn,
# SQLAlchemy, the safety filter and the libraries. Measured: the default model, 4 slots of
# 2048 tokens, after a 1,500-token request: 432 MiB resident (VmHWM), of which the weights
# (94 MiB) and the KV cache (180 MiB) leave about 160 MiB, llama.cpp's scratch buffers
# included (the estimate allows 304 MiB for those on its own). 256 leaves room.
RUNTIME_MIB = 256
MODELS_MOUNT = "/models"
POLICY_MOUNT = "/etc/open-autoglm"
DATA_MOUNT = "/data"


def _mib_up(n_bytes: float, step: int = 64) -> int:
    return int(math.ceil(n_bytes / 2**20 / step) * step)


def memory_request_mib(model: Path, slots: int, ctx: int) -> tuple[int, int]:
    """(request, limit) in MiB for serving ``model`` with ``slots`` slots of ``ctx`` tokens."""
    from app.catalog.gguf_info import read_model_info

    info = read_model_info(model)
    if not info.ok:
        raise SystemExit(f"{model}: {info.error}")
    need = info.estimate_memory(slots * ctx) + RUNTIME_MIB * 2**20
    request = _mib_up(need)
    return request, _mib_up(request * 1.5 * 2**20)


def manifests(model: Path, *, slots: int, ctx: int, threads: int, replicas: int,
              image: str) -> list[dict[str, Any]]:
    request, limit = memory_request_mib(model, slots, ctx)
    labels = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "api"}
    probe = {"httpGet": {"path": "/health", "port": "http"}, "timeoutSeconds": 2}
    container = {
        "name": "autoglm",
        "image": image,
        "args": ["serve", "--host", "0.0.0.0", "--port", str(PORT),
                 "--model", f"{MODELS_MOUNT}/{model.name}", "--slots", str(slots),
                 "--ctx", str(ctx), "--threads", str(threads)],
        "ports": [{"name": "http", "containerPort": PORT}],
        "env": [
            {"name": "AUTOGLM_DATA_DIR", "value": DATA_MOUNT},
            {"name": "AUTOGLM_POLICY_FILE", "value": f"{POLICY_MOUNT}/policy.json"},
            # No keyring service in a container: the data folder's keys are locked with this.
            {"name": "AUTOGLM_PASSPHRASE", "valueFrom": {"secretKeyRef": {
                "name": f"{NAME}-passphrase", "key": "passphrase"}}},
        ],
        "resources": {
            "requests": {"cpu": str(threads), "memory": f"{request}Mi"},
            "limits": {"cpu": str(threads), "memory": f"{limit}Mi"},
        },
        # Loading takes a while on a big model: liveness waits for the first ready answer.
        "startupProbe": {**probe, "periodSeconds": 5, "failureThreshold": 120},
        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 2},
        "livenessProbe": {**probe, "periodSeconds": 15, "failureThreshold": 4},
        "securityContext": {
            "runAsNonRoot": True, "runAsUser": USER_ID, "runAsGroup": USER_ID,
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "models", "mountPath": MODELS_MOUNT, "readOnly": True},
            {"name": "policy", "mountPath": POLICY_MOUNT, "readOnly": True},
            {"name": "data", "mountPath": DATA_MOUNT},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    # Every replica starts from the same prepared data folder (its API keys, locked keys):
    # a tar made with `autoglm --data-dir seed serve keys create …` (README: Team servers).
    seed = {
        "name": "seed-data",
        "image": image,
        "command": ["tar", "-xzf", "/seed/data.tar.gz", "-C", DATA_MOUNT],
        "securityContext": container["securityContext"],
        "volumeMounts": [{"name": "seed", "mountPath": "/seed", "readOnly": True},
                         {"name": "data", "mountPath": DATA_MOUNT}],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "securityContext": {"fsGroup": USER_ID,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    # SIGTERM drains: requests in hand finish (serve's --drain-timeout, 30 s).
                    "terminationGracePeriodSeconds": 45,
                    "automountServiceAccountToken": False,
                    "initContainers": [seed],
                    "containers": [container],
                    "volumes": [
                        {"name": "models", "persistentVolumeClaim": {
                            "claimName": f"{NAME}-models", "readOnly": True}},
                        {"name": "policy", "configMap": {"name": f"{NAME}-policy"}},
                        {"name": "seed", "secret": {"secretName": f"{NAME}-data"}},
                        {"name": "data", "emptyDir": {}},
                        {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
                    ],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": NAME, "labels": labels},
        "spec": {"selector": labels,
                 "ports": [{"name": "http", "port": PORT, "targetPort": "http"}]},
    }
    models_claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": f"{NAME}-models", "labels": labels},
        "spec": {"accessModes": ["ReadOnlyMany"],
                 "resources": {"requests": {"storage": f"{_mib_up(model.stat().st_size, 256)}Mi"}}},
    }
    return [deployment, service, models_claim]


class _PlainDumper(yaml.SafeDumper):
    """Writes shared values out in full: no &anchors and *aliases for a reader to chase."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(docs: list[dict[str, Any]], model: Path, slots: int, ctx: int, threads: int) -> str:
    request, limit = memory_request_mib(model, slots, ctx)
    head = (
        f"# Open-AutoGLM {__version__}: the API server for a team (packaging/kubernetes/generate.py).\n"
        f"# Model {model.name}, {slots} slots of {ctx} tokens, {threads} threads:\n"
        f"# memory request {request} Mi = the app's estimate (weights, KV cache, buffers)\n"
        f"# + {RUNTIME_MIB} Mi for the Python runtime; limit {limit} Mi. Regenerate for another model.\n"
        "# Before applying: the ConfigMap open-autoglm-policy (policy.json, signed; it must set\n"
        "# health_probe_open for the probes), the Secrets open-autoglm-passphrase and\n"
        "# open-autoglm-data (data.tar.gz), and the model copied into the claim. README: Team servers.\n"
    )
    return head + "---\n" + "---\n".join(yaml.dump(d, Dumper=_PlainDumper, sort_keys=False) for d in docs)


def main(argv: list[str] | None = None) -> int:
    from app.catalog.catalog import default_model_path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="the GGUF file to serve (default: the default model)")
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--ctx", type=int, default=2048, help="tokens of context per slot")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--image", default=f"{NAME}:{__version__}")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(f"{NAME}.yaml"))
    args = parser.parse_args(argv)
    model = args.model or default_model_path()
    if model is None:
        print("no model: give --model FILE.gguf (the default model is not installed)", file=sys.stderr)
        return 1
    docs = manifests(model, slots=args.slots, ctx=args.ctx, threads=args.threads,
                     replicas=args.replicas, image=args.image)
    args.out.write_text(render(docs, model, args.slots, args.ctx, args.threads), encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
