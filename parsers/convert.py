"""Legacy office documents (.doc, .wps) → DOCX with LibreOffice headless.

LibreOffice exits 0 even when it converted nothing, and parallel runs that share a user
profile lose outputs (../shared/NOTES.md): every call gets its own profile folder and the
output file is checked. Debian package: libreoffice-writer-nogui (scripts/setup-system.sh).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 120  # seconds; a first start with a fresh profile takes ~1–3 s


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_libreoffice(
    data: bytes, src_ext: str, dst_ext: str, *, workdir: Path | None = None
) -> bytes | None:
    """Convert ``data`` (a ``src_ext`` file) to ``dst_ext``; None when LibreOffice is missing.
    Raises RuntimeError when the conversion failed (no output file, timeout)."""
    exe = soffice()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-", dir=workdir) as tmp:
        t = Path(tmp)
        src = t / f"in.{src_ext}"
        src.write_bytes(data)
        profile = t / "profile"
        out = t / "out"
        out.mkdir()
        env = dict(os.environ, HOME=str(t))
        cmd = [
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
            proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(f"LibreOffice timed out after {TIMEOUT} s") from e
        result = out / f"in.{dst_ext}"
        if not result.exists() or result.stat().st_size == 0:
            msg = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[:200]
            raise RuntimeError(
                f"LibreOffice produced no {dst_ext} (exit {proc.returncode}): {msg or 'no message'}"
            )
        return result.read_bytes()
