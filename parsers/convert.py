"""Legacy office documents (.doc, .wps) → DOCX with LibreOffice headless, contained.

LibreOffice exits 0 even when it converted nothing, and parallel runs that share a user
profile lose outputs (../shared/NOTES.md): every call gets its own profile folder and the
output file is checked. Debian package: libreoffice-writer-nogui (scripts/setup-system.sh).

A .doc from a municipal site is untrusted input to a large C++ program, so each conversion
runs contained:

- **no network**: in new network and PID namespaces (``unshare --net --pid --fork``); a
  linked image in the document is not fetched (LibreOffice did fetch it before);
- **its own process group, killed whole**: on the time limit (``NIANBAO_CONVERT_TIMEOUT``)
  the group is killed; ``soffice`` starts ``oosplash`` which starts ``soffice.bin``, and
  killing only the direct child left ``soffice.bin`` running at 100 % CPU, re-parented to
  PID 1. Everything also dies with the parse worker: the namespace's first process is
  killed when ``unshare`` dies (``--kill-child``), and ``unshare`` when its parent, the
  worker, dies (``setpriv --pdeathsig KILL``) — e.g. on the parse time limit;
- **resource limits** (``prlimit``): address space (``NIANBAO_CONVERT_MEMORY_MB``), CPU
  seconds, size of files written.

Where ``unshare`` cannot make namespaces (no privileges for user namespaces), LibreOffice
runs without them and :func:`isolation_warning` says so; the parser puts that warning on
the report.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from nianbao.processes import alive

from . import limits

WORKDIR_PREFIX = "nianbao-lo-"  # + the converting process's id: stale ones can be found
MAX_OUTPUT_MB = 512  # files LibreOffice may write (RLIMIT_FSIZE)
# Namespaces, most contained first: as root; as a user via a user namespace (-r).
_UNSHARE_VARIANTS = (
    ["--net", "--pid", "--fork", "--kill-child"],
    ["-r", "--net", "--pid", "--fork", "--kill-child"],
)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@lru_cache(maxsize=1)
def _isolation() -> tuple[tuple[str, ...], str | None]:
    """(command prefix that contains a conversion, warning when it cannot be contained)."""
    unshare, setpriv, prlimit = (shutil.which(x) for x in ("unshare", "setpriv", "prlimit"))
    prefix: list[str] = []
    if setpriv:
        prefix += [setpriv, "--pdeathsig", "KILL", "--"]
    if unshare:
        reasons = []
        for flags in _UNSHARE_VARIANTS:
            probe = subprocess.run([unshare, *flags, "true"], capture_output=True, timeout=20)
            if probe.returncode == 0:
                return tuple(prefix + [unshare, *flags, "--"]), None
            reasons.append(probe.stderr.decode("utf-8", "replace").strip()[:120])
        why = "unshare cannot create namespaces here: " + "; ".join(reasons)
    else:
        why = "unshare (util-linux) is not installed"
    return tuple(prefix), f"LibreOffice ran with network access ({why})"


def isolation_warning() -> str | None:
    """Why conversions here are not network-isolated, or None when they are."""
    return _isolation()[1]


def _limits_prefix() -> list[str]:
    prlimit = shutil.which("prlimit")
    if not prlimit:
        return []
    mem = limits.get("convert_memory_mb") * 2**20
    cpu = limits.get("convert_timeout")
    return [prlimit, f"--as={mem}", f"--cpu={cpu}", f"--fsize={MAX_OUTPUT_MB * 2**20}", "--"]


def remove_stale_workdirs(tmp: str | os.PathLike | None = None) -> list[Path]:
    """Delete the conversion folders left by processes that no longer exist (a parse worker
    killed mid-conversion cannot clean up); returns what was removed."""
    root = Path(tmp or tempfile.gettempdir())
    removed = []
    for d in root.glob(WORKDIR_PREFIX + "*"):
        m = re.match(re.escape(WORKDIR_PREFIX) + r"(\d+)-", d.name)
        if m and d.is_dir() and not alive(int(m.group(1))):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def _run_contained(cmd: list[str], env: dict, timeout: int) -> subprocess.CompletedProcess:
    """Run ``cmd`` in its own session (process group); on timeout kill the whole group."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:  # the time limit, or the worker being stopped
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def convert_with_libreoffice(
    data: bytes,
    src_ext: str,
    dst_ext: str,
    *,
    workdir: Path | None = None,
    isolate: bool = True,
) -> bytes | None:
    """Convert ``data`` (a ``src_ext`` file) to ``dst_ext``; None when LibreOffice is missing.
    Raises RuntimeError when the conversion failed (no output file, time limit).
    ``isolate=False`` drops the namespaces (network allowed): only for files we made."""
    exe = soffice()
    if exe is None:
        return None
    prefix = _isolation()[0] if isolate else ()
    timeout = limits.get("convert_timeout")
    with tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-", dir=workdir) as tmp:
        t = Path(tmp)
        src = t / f"in.{src_ext}"
        src.write_bytes(data)
        profile = t / "profile"
        out = t / "out"
        out.mkdir()
        env = dict(os.environ, HOME=str(t))
        cmd = [
            *_limits_prefix(),
            *prefix,
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            dst_ext,
            "--outdir",
            str(out),
            str(src),
        ]
        try:
            proc = _run_contained(cmd, env, timeout)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(
                limits.exceeded(
                    "convert_timeout",
                    f"LibreOffice still converting after {timeout} s; its processes were killed",
                )
            ) from e
        result = out / f"in.{dst_ext.split(':')[0]}"  # "doc:MS Word 97": extension:filter
        if not result.exists() or result.stat().st_size == 0:
            msg = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[:200]
            raise RuntimeError(
                f"LibreOffice produced no {dst_ext} (exit {proc.returncode}): {msg or 'no message'}"
            )
        return result.read_bytes()
