"""Crawl processes started before their job is known, so that their start-up overlaps the
caller's.

A crawl process spends ~0.4 s of CPU on its interpreter and on importing Scrapy, Twisted
and the spider's modules before it sends its first request. ``nianbao run`` knows that it
will crawl long before its flow reaches the crawl: it starts the processes first
(:func:`start`), they import while the command imports Prefect and starts the flow, and
the flow's crawl tasks hand each its command line (``crawler.run.crawl_in_subprocess``
calls :func:`take`). On a night with nothing new that start-up is a tenth of the run.

A standby process is ``python -m crawler.run --standby``: it lowers its CPU priority to the
least (``NICENESS``), imports, then reads one line from stdin — its command line as a JSON
list — and crawls as if started with it. The low priority is what makes the overlap pay on
a small machine: at equal priority the three processes shared two cores and the command's
own start-up took as much longer as the crawl's was saved (the next night of the 1,000-report
demo: 3.3 s without standby processes, 3.25 s with them at equal priority, 3.0 s at the
least; six runs each, docs/benchmarks.md, fifth pass). An unprivileged process cannot raise
its priority again, so the crawl keeps it: a crawl waits on the network far more than it
computes, and a nightly batch job yielding the CPU to interactive work (Datasette) is what
a shared machine wants.

End of input without a line ends a standby process at once, so one nobody takes (the flow
failed before its crawl; fewer batches than expected) exits when :func:`stop` closes its
input (at the caller's exit) or when the caller dies. A process is only handed out for a
crawl whose environment is the one it was started with (Prefect's own variables aside,
which the flow sets meanwhile and crawls do not read).
"""

from __future__ import annotations

import atexit
import subprocess
import threading

NICENESS = 19  # os.nice increment: the lowest priority

_LOCK = threading.Lock()
_WAITING: list[tuple[subprocess.Popen, dict[str, str]]] = []


def _relevant(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not k.startswith("PREFECT_")}


def start(n: int, command: list[str], env: dict[str, str]) -> None:
    """Start ``n`` standby crawl processes: ``command`` (a crawl process's, before its
    arguments) with ``--standby``, environment ``env``."""
    with _LOCK:
        for _ in range(n):
            proc = subprocess.Popen(
                [*command, "--standby"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, encoding="utf-8", errors="replace", env=env,
            )  # fmt: skip
            _WAITING.append((proc, _relevant(env)))
    atexit.unregister(stop)  # once, however many calls
    atexit.register(stop)


def take(env: dict[str, str]) -> subprocess.Popen | None:
    """A waiting process started with ``env`` (one still alive), or None."""
    wanted = _relevant(env)
    with _LOCK:
        for i, (proc, started_with) in enumerate(_WAITING):
            if started_with == wanted and proc.poll() is None:
                del _WAITING[i]
                return proc
    return None


def waiting() -> int:
    """How many standby processes wait for a job."""
    with _LOCK:
        return len(_WAITING)


def stop() -> list[int]:
    """End every process still waiting (their input closed: they exit without a crawl);
    returns their exit statuses (0: ended as asked; negative: killed after 10 s)."""
    with _LOCK:
        procs = [p for p, _ in _WAITING]
        _WAITING.clear()
    for proc in procs:
        try:
            proc.communicate(timeout=10)  # closes stdin: "no job"
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    return [proc.returncode for proc in procs]
