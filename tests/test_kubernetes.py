"""The Kubernetes manifests (deploy/kubernetes/): every overlay rendered with `kubectl kustomize` and checked.

What a class depends on: probes on Streamlit's health endpoint, sticky sessions by cookie with websockets that
outlive a lecture, a non-root container on a read-only root filesystem with somewhere to write, and resources and
replica counts equal to what deploy/kubernetes/capacity.py derives from the measured figures in measured.toml.
Skipped where kubectl is missing, unless GDINVERSE_KUBERNETES=required (as in CI), which makes that a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

import gdinverse
from benchmarks.server import ROOT

KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = sorted(path.name for path in (KUBERNETES / "overlays").iterdir() if path.is_dir())
CROWDS = {"small-class": (100, None), "lecture-hall": (300, 1_000)}
"""Each overlay's expected crowd (students at once): minReplicas holds the first, maxReplicas the second (None:
one replica of headroom)."""
LECTURE_S = 50 * 60

yaml = pytest.importorskip("yaml")
if shutil.which("kubectl") is None:
    if os.environ.get("GDINVERSE_KUBERNETES") == "required":
        raise RuntimeError("kubectl is missing; install it (apt-get install kubectl, or kubernetes-client)")
    pytest.skip("kubectl is missing: the Kubernetes tests render the overlays with it", allow_module_level=True)


def load_capacity():
    spec = importlib.util.spec_from_file_location("gdinverse_capacity", KUBERNETES / "capacity.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


CAPACITY = load_capacity()


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request):
    """(name, {kind: resource}) of one rendered overlay."""
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(KUBERNETES / "overlays" / request.param)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    resources = [doc for doc in yaml.safe_load_all(rendered) if doc]
    kinds = [doc["kind"] for doc in resources]
    assert len(kinds) == len(set(kinds)), f"{request.param}: one resource of each kind, got {kinds}"
    return request.param, {doc["kind"]: doc for doc in resources}


def container(resources) -> dict:
    (app,) = resources["Deployment"]["spec"]["template"]["spec"]["containers"]
    return app


def test_both_overlays_exist_and_have_a_crowd():
    assert set(OVERLAYS) == set(CROWDS)


def test_every_overlay_renders_the_five_resources(overlay):
    _, resources = overlay
    assert set(resources) == {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


def test_every_overlay_validates_against_the_named_kubernetes_versions(overlay):
    from kubernetes_validate import utils

    versions = re.search(r'KUBERNETES_VERSIONS="([^"]+)"', (KUBERNETES / "validate").read_text())[1].split()
    assert versions, "deploy/kubernetes/validate names the Kubernetes versions"
    _, resources = overlay
    for version in versions:
        for resource in resources.values():
            utils.validate(resource, version, strict=True)  # raises ValidationError on a wrong or unknown field


def test_probes_ask_streamlits_health_endpoint_on_the_apps_port(overlay):
    _, resources = overlay
    app = container(resources)
    (port,) = app["ports"]
    assert port == {"name": "http", "containerPort": 8501}  # deploy/Dockerfile's EXPOSE and --server.port
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert app[probe]["httpGet"] == {"path": "/_stcore/health", "port": "http"}, probe
    # A replica busy with a crowd answers late: it must have seconds, not the default 1 s, before a check fails.
    assert app["readinessProbe"]["timeoutSeconds"] >= 5 and app["livenessProbe"]["timeoutSeconds"] >= 5
    liveness = app["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 30  # never restarted for a slow half-minute


def test_the_ingress_keeps_each_browser_on_its_replica_by_cookie_for_a_whole_lecture(overlay):
    _, resources = overlay
    ingress = resources["Ingress"]
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"
    assert notes["nginx.ingress.kubernetes.io/session-cookie-name"]
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(notes[f"nginx.ingress.kubernetes.io/{timeout}"]) >= LECTURE_S, timeout
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["pathType"] == "Prefix"
    assert path["backend"]["service"] == {"name": resources["Service"]["metadata"]["name"], "port": {"name": "http"}}
    assert resources["Service"]["spec"]["ports"][0]["targetPort"] == "http"


def test_the_container_runs_as_the_images_user_on_a_read_only_root_filesystem(overlay):
    _, resources = overlay
    pod = resources["Deployment"]["spec"]["template"]["spec"]
    app = container(resources)
    user = re.search(r"^USER (\d+):(\d+)$", (ROOT / "deploy" / "Dockerfile").read_text(), re.M)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == tuple(map(int, user.groups()))
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert app["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    # Streamlit and torch write to $HOME and /tmp only: both are emptyDir volumes.
    env = {item["name"]: item["value"] for item in app["env"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in app["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert {env["HOME"], env["TMPDIR"]} == set(mounts) == {"/home/app", "/tmp"}
    assert all("emptyDir" in volumes[name] for name in mounts.values())


def test_requests_and_limits_are_the_measured_figures(overlay):
    cap = CAPACITY.capacity()
    _, resources = overlay
    app = container(resources)
    assert app["resources"] == cap.resources()
    assert cap.resources() == {
        "requests": {"cpu": "1", "memory": "640Mi"},  # measured.toml: 0.57 GiB a replica, rounded up to 64 MiB
        "limits": {"cpu": "2", "memory": "1280Mi"},
    }
    env = {item["name"]: item["value"] for item in app["env"]}
    assert int(env["OMP_NUM_THREADS"]) == cap.torch_threads == int(cap.cpu_limit)


def test_the_autoscaler_holds_the_overlays_crowd_and_scales_the_deployment_on_cpu(overlay):
    name, resources = overlay
    cap = CAPACITY.capacity()
    hpa = resources["HorizontalPodAutoscaler"]["spec"]
    deployment = resources["Deployment"]
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    (metric,) = hpa["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
    crowd, most = CROWDS[name]
    assert hpa["minReplicas"] == cap.replicas_for(crowd)
    assert hpa["maxReplicas"] == (cap.replicas_for(most) if most else hpa["minReplicas"] + 1)
    assert cap.predicted_p95_s(crowd, hpa["minReplicas"]) <= cap.p95_target_s


def test_the_disruption_budget_and_the_service_select_the_apps_pods(overlay):
    _, resources = overlay
    labels = resources["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert resources["Deployment"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    budget = resources["PodDisruptionBudget"]["spec"]
    assert budget["maxUnavailable"] == 1
    assert budget["selector"]["matchLabels"] and budget["selector"]["matchLabels"].items() <= labels.items()
    assert resources["Service"]["spec"]["selector"].items() <= labels.items()
    strategy = resources["Deployment"]["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0


def test_the_image_is_tagged_with_the_packages_version(overlay):
    _, resources = overlay
    assert container(resources)["image"] == f"gdinverse-app:{gdinverse.__version__}"


def test_capacity_follows_the_measurements():
    """The slope is the worst measured crowd of 100 or more; the table marks the measured rows as measured."""
    cap = CAPACITY.capacity()
    assert cap.slope_s == pytest.approx(0.74 * 2 / 100)  # measured.toml: 2 replicas, 100 students, p95 0.74 s
    assert cap.students_per_replica == 200
    assert [cap.replicas_for(n) for n in (30, 100, 300, 1_000, 10_000)] == [1, 1, 2, 5, 50]
    assert cap.measured(300, 2) == 2.06 and cap.measured(1_000, 5) is None
    table = CAPACITY.markdown_table(cap)
    assert "| 300 | 2 | 2.06 s |" in table and "| 10,000 | 50 | extrapolated |" in table
