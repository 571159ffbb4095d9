#!/usr/bin/env python3
"""Capacity on paper, from the measured figures in ``measured.toml`` beside this file.

``python deploy/kubernetes/capacity.py`` prints the capacity table of the deployment docs. The same functions give
the per-replica resources that the Kubernetes manifests request (``tests/test_kubernetes.py`` checks that they
match) and the replica counts of the overlays. Standard library only.

How the measurements are extrapolated:

- **Students per replica.** In every measured crowd of 100 or more, the p95 time to open a page grew by at most
  ``slope`` seconds per student on a replica (p95 × replicas / students; the crowds of 30 are left out, where the
  fixed cost of a visit dominates). A replica then holds ``p95 target / slope`` students at once within the
  target, rounded down to a multiple of 10.
- **Replicas and cores.** A replica is one Python process and uses about one core (see ``[cores_per_replica]``):
  ``students / students per replica`` replicas, rounded up, each with a core of its own. Replicas share nothing
  (every setting lives in the link), so nothing but the ingress grows with their number; the ingress's CPU was
  measured at 3.5% of the replicas' (HAProxy, 300 sessions).
- **Memory.** The largest measured peak of all processes, divided by the replicas of that run, rounded up to
  64 MiB: the request. The limit is twice that.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Capacity", "capacity", "extrapolation_notes", "markdown_table", "measured_table"]

MEASURED = Path(__file__).resolve().parent / "measured.toml"
CROWD_MIN = 100
"""Crowds smaller than this are left out of the slope: the fixed cost of a visit dominates them."""
PLANNED = (30, 100, 300, 1_000, 3_000, 10_000)
"""The crowds of the capacity table (students opening a page at the same moment)."""


@dataclass(frozen=True)
class Capacity:
    """What the measurements say one replica needs and holds."""

    slope_s: float
    """The largest measured p95 growth per student on one replica, in seconds."""
    slope_source: str
    """Which run and crowd gave ``slope_s``."""
    p95_target_s: float
    students_per_replica: int
    cpu_request: str
    """Kubernetes CPU request of a replica: the core it uses."""
    cpu_limit: str
    """Kubernetes CPU limit: the torch threads it runs (``torch_threads``), never relied on for the table."""
    torch_threads: int
    memory_gib: float
    """The largest measured memory of a replica, in GiB."""
    memory_request_mib: int
    memory_limit_mib: int
    measured_p95_s: dict[tuple[int, int], float]
    """(students, replicas) -> the largest p95 measured for that crowd on that many replicas."""

    def replicas_for(self, students: int) -> int:
        """How many replicas (and cores) keep the p95 of ``students`` opening a page together within the target."""
        return max(1, math.ceil(students / self.students_per_replica))

    def predicted_p95_s(self, students: int, replicas: int) -> float:
        """The p95 the slope predicts for ``students`` at once on ``replicas`` replicas."""
        return self.slope_s * students / replicas

    def measured(self, students: int, replicas: int) -> float | None:
        """The largest p95 measured for this crowd on this many replicas; None where it is extrapolated."""
        return self.measured_p95_s.get((students, replicas))

    def resources(self) -> dict[str, dict[str, str]]:
        """The container's ``resources`` in a Kubernetes Deployment."""
        return {
            "requests": {"cpu": self.cpu_request, "memory": f"{self.memory_request_mib}Mi"},
            "limits": {"cpu": self.cpu_limit, "memory": f"{self.memory_limit_mib}Mi"},
        }


def capacity(path: Path = MEASURED) -> Capacity:
    """Read ``measured.toml`` and derive what one replica needs and holds."""
    measured = tomllib.loads(path.read_text())
    load = measured["load"]
    slopes = []
    worst: dict[tuple[int, int], float] = {}
    for run in load["runs"]:
        for students, p95 in zip(run["sessions"], run["p95_s"], strict=True):
            key = (students, run["replicas"])
            worst[key] = max(p95, worst.get(key, 0.0))
            if students >= CROWD_MIN:
                replicas = f"{run['replicas']} replica" + "s" * (run["replicas"] > 1)
                where = f"{replicas}, {students} students at once, p95 {p95} s on {run['date']}"
                slopes.append((p95 * run["replicas"] / students, where))
    slope, source = max(slopes)
    per_replica = int(load["p95_target_s"] / slope) // 10 * 10
    memory = measured["memory"]
    gib = max(max(memory["peak_gib_1_replica"]) / 1, max(memory["peak_gib_2_replicas"]) / 2)
    request_mib = math.ceil(gib * 1024 / 64) * 64
    cores = measured["cores_per_replica"]["cores"]
    threads = load["machine_cores"]  # torch used the measuring machine's cores as its threads
    return Capacity(
        slope_s=slope,
        slope_source=source,
        p95_target_s=load["p95_target_s"],
        students_per_replica=per_replica,
        cpu_request=str(cores),
        cpu_limit=str(threads),
        torch_threads=threads,
        memory_gib=gib,
        memory_request_mib=request_mib,
        memory_limit_mib=2 * request_mib,
        measured_p95_s=worst,
    )


def markdown_table(cap: Capacity | None = None) -> str:
    """The capacity table: students at once, replicas and cores, p95, memory, what to request on Kubernetes."""
    cap = cap or capacity()
    lines = [
        "| students at once | replicas = cores | p95 measured | p95 predicted | memory | Kubernetes requests |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for students in PLANNED:
        replicas = cap.replicas_for(students)
        measured = cap.measured(students, replicas)
        shown = "extrapolated" if measured is None else f"{measured:.2f} s"
        p95 = cap.predicted_p95_s(students, replicas)
        memory = replicas * cap.memory_request_mib / 1024
        requests = f"{replicas} × (cpu {cap.cpu_request}, memory {cap.memory_request_mib}Mi)"
        lines.append(f"| {students:,} | {replicas} | {shown} | {p95:.2f} s | {memory:.1f} GiB | {requests} |")
    return "\n".join(lines)


def measured_table(path: Path = MEASURED) -> str:
    """The measured load figures: p50 / p95 per crowd and replicas, per run, and the memory of all processes."""
    measured = tomllib.loads(path.read_text())
    runs = measured["load"]["runs"]
    replicas = sorted({run["replicas"] for run in runs})
    header = "| students at once | " + " | ".join(f"{r} replica{'s' * (r > 1)}: p50 / p95" for r in replicas) + " |"
    lines = [header, "|---:|" + "---|" * len(replicas)]
    crowds = sorted({students for run in runs for students in run["sessions"]})
    for students in crowds:
        cells = []
        for r in replicas:
            shown = []
            for run in (run for run in runs if run["replicas"] == r and students in run["sessions"]):
                i = run["sessions"].index(students)
                p50 = f"{run['p50_s'][i]:.2f} / " if "p50_s" in run else ""
                shown.append(f"{p50}{run['p95_s'][i]:.2f} s ({run['date']})")
            cells.append("; ".join(shown))
        lines.append(f"| {students} | " + " | ".join(cells) + " |")
    memory = measured["memory"]
    peaks = [memory["peak_gib_1_replica"], memory["peak_gib_2_replicas"]]
    lines.append("| memory, all processes | " + " | ".join(f"{low:.2f}–{high:.2f} GiB" for low, high in peaks) + " |")
    cpu = measured["cpu"]
    used = " and ".join(f"{seconds:g}" for seconds in cpu["replica_cpu_s"])
    lines += [
        "",
        f"During one {cpu['sessions']}-session crowd on {len(cpu['replica_cpu_s'])} replicas ({cpu['date']}) the "
        f"replicas used {used} CPU-seconds, the load client {cpu['client_cpu_s']:g} and HAProxy "
        f"{cpu['haproxy_cpu_s']:g}.",
    ]
    return "\n".join(lines)


def extrapolation_notes(cap: Capacity | None = None) -> str:
    """How the table's figures follow from the measured ones, with this file's numbers."""
    cap = cap or capacity()
    per_replica = cap.p95_target_s / cap.slope_s
    return "\n".join(
        [
            f"- **Students per replica.** In every measured crowd of {CROWD_MIN} or more, the p95 grew by at most "
            f"{cap.slope_s * 1000:.1f} ms per student on a replica (p95 × replicas / students; the worst: "
            f"{cap.slope_source}). Within a p95 of {cap.p95_target_s:g} s a replica then holds "
            f"{cap.p95_target_s:g} s / {cap.slope_s * 1000:.1f} ms ≈ {per_replica:.1f} students at once, planned as "
            f"{cap.students_per_replica}. Smaller crowds are left out: the fixed cost of a visit dominates them.",
            f"- **Replicas and cores.** A replica is one Python process and uses about one core: students / "
            f"{cap.students_per_replica} replicas, rounded up, each with a core of its own.",
            f"- **Memory.** The largest measured peak of all processes divided by the replicas of that run, "
            f"{cap.memory_gib:.2f} GiB, rounded up to {cap.memory_request_mib} MiB: the request per replica; the limit "
            f"is twice that, {cap.memory_limit_mib} MiB.",
            f"- **Kubernetes** requests per replica: cpu {cap.cpu_request} and memory {cap.memory_request_mib}Mi; "
            f"limits cpu {cap.cpu_limit} (the {cap.torch_threads} torch threads of the measuring machine, which the "
            f"Deployment keeps with OMP_NUM_THREADS) and memory {cap.memory_limit_mib}Mi.",
        ]
    )


if __name__ == "__main__":
    cap = capacity()
    print(f"p95 per student on a replica: at most {cap.slope_s * 1000:.1f} ms ({cap.slope_source})")
    print(f"students per replica within p95 {cap.p95_target_s:g} s: {cap.students_per_replica}")
    print(f"per replica: {cap.resources()}\n")
    print(markdown_table(cap))
