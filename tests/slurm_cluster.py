"""A real one-node Slurm cluster for tests (Debian's slurmctld and slurmd): its own configuration, state
and 127.0.0.1 ports in a temporary folder, no authentication daemon (``auth/none``: nothing but this
machine can reach it), both daemons stopped by their PIDs; loaded as a pytest plugin by conftest
(fixture ``slurm_cluster``)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis_runs import free_port

SLURMCTLD, SLURMD = shutil.which("slurmctld"), shutil.which("slurmd")
PARTITION = "test"


def slurm_conf(folder: Path, node: str) -> str:
    cpus = os.cpu_count() or 1
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return "\n".join([
        "ClusterName=essaytest", f"SlurmctldHost={node}(127.0.0.1)",
        f"SlurmctldPort={free_port()}", f"SlurmdPort={free_port()}",
        "AuthType=auth/none", "CredType=cred/none", "SlurmUser=root", "SlurmdUser=root",
        f"StateSaveLocation={folder / 'state'}", f"SlurmdSpoolDir={folder / 'spool'}",
        f"SlurmctldPidFile={folder / 'slurmctld.pid'}", f"SlurmdPidFile={folder / 'slurmd.pid'}",
        f"SlurmctldLogFile={folder / 'slurmctld.log'}", f"SlurmdLogFile={folder / 'slurmd.log'}",
        "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "MpiDefault=none",
        "JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none",
        "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core_Memory", "ReturnToService=2",
        f"NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN",
        f"PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP", ""])


@dataclass
class SlurmCluster:
    """The cluster's environment (``SLURM_CONF``) for ``sbatch``/``squeue`` and whatever calls them."""

    folder: Path
    env: dict[str, str]

    def slurm(self, *command: str) -> str:
        return subprocess.run(command, env=self.env, capture_output=True, text=True, check=True, timeout=60).stdout

    def wait_until_idle(self, timeout: float) -> None:
        """Until no job is queued or running; fails at once when a job waits on one that failed."""
        deadline = time.monotonic() + timeout
        while queue := self.slurm("squeue", "-h", "-o", "%i %T %r").strip():
            assert "DependencyNeverSatisfied" not in queue, f"a job failed:\n{queue}"
            assert time.monotonic() < deadline, queue
            time.sleep(1)


@pytest.fixture
def slurm_cluster(tmp_path_factory):
    assert SLURMCTLD and SLURMD  # needs_slurm
    folder = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool"):
        (folder / sub).mkdir()
    node = socket.gethostname()
    conf = folder / "slurm.conf"
    conf.write_text(slurm_conf(folder, node), encoding="utf-8")
    cluster = SlurmCluster(folder, dict(os.environ, SLURM_CONF=str(conf)))
    daemons = []
    try:
        for command in ([SLURMCTLD, "-D", "-f", str(conf)], [SLURMD, "-D", "-f", str(conf), "-N", node]):
            with (folder / f"{Path(command[0]).name}.out").open("wb") as out:
                daemons.append(subprocess.Popen(command, env=cluster.env, stdout=out, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while subprocess.run(["sinfo", "-h", "-o", "%T"], env=cluster.env, capture_output=True,
                             text=True).stdout.strip() != "idle":
            assert all(d.poll() is None for d in daemons), (folder / "slurmctld.log").read_text()
            assert time.monotonic() < deadline, "the Slurm node did not come up"
            time.sleep(0.5)
        yield cluster
    finally:
        if len(daemons) == 2 and all(d.poll() is None for d in daemons):
            subprocess.run(["scancel", "--full", "--partition", PARTITION], env=cluster.env, capture_output=True)
            cluster.wait_until_idle(60)  # the jobs' processes ended before their daemon
        for daemon in reversed(daemons):
            daemon.terminate()
            daemon.wait(timeout=60)
