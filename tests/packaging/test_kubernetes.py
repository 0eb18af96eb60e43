"""The Kubernetes manifests for a team's API server (packaging/kubernetes/): they are what
the generator writes from the app's own memory estimate, and they pass Kubernetes' own
schemas (strict: no unknown fields) for the versions clusters run, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from packaging_scripts import PACKAGING, load_script

from app.catalog.catalog import default_model_path
from app.catalog.gguf_info import read_model_info

generate = load_script("kubernetes/generate.py")
SHIPPED = PACKAGING / "kubernetes" / "open-autoglm.yaml"
MODEL = default_model_path()
# The oldest Kubernetes release still maintained when this was written, and the newest the
# validator ships schemas for.
VERSIONS = ("1.32.0", kubernetes_validate.latest_version())


def _docs(text: str) -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in yaml.safe_load_all(text) if d}


def test_the_shipped_manifests_are_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "open-autoglm.yaml"
    assert generate.main(["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == SHIPPED.read_text(encoding="utf-8"), (
        "packaging/kubernetes/open-autoglm.yaml is stale: run packaging/kubernetes/generate.py")


@pytest.mark.parametrize("version", VERSIONS)
def test_every_shipped_manifest_passes_the_kubernetes_schema_strictly(version: str) -> None:
    docs = list(yaml.safe_load_all(SHIPPED.read_text(encoding="utf-8")))
    assert [d["kind"] for d in docs] == ["Deployment", "Service", "PersistentVolumeClaim"]
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_a_misspelt_field_is_caught_by_the_same_validation() -> None:
    deployment = _docs(SHIPPED.read_text(encoding="utf-8"))["Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError, match="livenesProbe"):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


def test_the_server_is_probed_on_health_and_runs_as_a_non_root_user() -> None:
    docs = _docs(SHIPPED.read_text(encoding="utf-8"))
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    (server,) = pod["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert server[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert server["ports"] == [{"name": "http", "containerPort": 8080}]
    assert server["args"][:5] == ["serve", "--host", "0.0.0.0", "--port", "8080"]
    assert server["securityContext"]["runAsNonRoot"] is True
    assert server["securityContext"]["runAsUser"] != 0
    assert server["securityContext"]["readOnlyRootFilesystem"] is True
    assert docs["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    assert docs["Service"]["spec"]["selector"] == docs["Deployment"]["spec"]["selector"]["matchLabels"]


def test_the_model_and_the_policy_are_mounted_read_only() -> None:
    pod = _docs(SHIPPED.read_text(encoding="utf-8"))["Deployment"]["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["/models"]["readOnly"] is True
    assert mounts["/etc/open-autoglm"]["readOnly"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["models"]["persistentVolumeClaim"]["readOnly"] is True
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["AUTOGLM_POLICY_FILE"]["value"] == "/etc/open-autoglm/policy.json"


def test_the_memory_request_is_the_apps_estimate_plus_the_measured_runtime() -> None:
    assert MODEL is not None
    pod = _docs(SHIPPED.read_text(encoding="utf-8"))["Deployment"]["spec"]["template"]["spec"]
    server = pod["containers"][0]
    args = dict(zip(server["args"][1::2], server["args"][2::2], strict=False))
    slots, ctx = int(args["--slots"]), int(args["--ctx"])
    estimate = read_model_info(MODEL).estimate_memory(slots * ctx)
    request = int(server["resources"]["requests"]["memory"].removesuffix("Mi"))
    needed = estimate / 2**20 + generate.RUNTIME_MIB
    assert needed <= request < needed + 64
    assert int(server["resources"]["limits"]["memory"].removesuffix("Mi")) >= request
    assert server["resources"]["requests"]["cpu"] == args["--threads"]


def test_a_bigger_context_asks_for_more_memory() -> None:
    assert MODEL is not None
    small, _ = generate.memory_request_mib(MODEL, 4, 2048)
    big, _ = generate.memory_request_mib(MODEL, 4, 8192)
    assert big > small
