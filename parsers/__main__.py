"""python -m parsers parse FILE… [--json]"""

from __future__ import annotations

import argparse
import json
import sys

from .core import parse_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="parsers", description="Parse annual reports into nianbao Reports"
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("parse", help="parse files")
    p.add_argument("files", nargs="+")
    p.add_argument(
        "--ocr",
        action="store_true",
        help="read image-only PDF pages with tesseract (chi_sim); values noted 'OCR'",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print Report.to_dict() as JSON (JSON Lines for several files)",
    )
    args = ap.parse_args(argv)
    rc = 0
    for f in args.files:
        r = parse_file(f, ocr=True) if args.ocr else parse_file(f)
        if r.status == "error":
            rc = 1
        if args.json:
            # one file: a JSON object; several: JSON Lines (one object per line)
            print(
                json.dumps(
                    r.to_dict(),
                    ensure_ascii=False,
                    default=str,
                    indent=1 if len(args.files) == 1 else None,
                )
            )
        else:
            print(
                f"{f}: {r.status} {r.agency or ''} {r.year or ''} format={r.format_version} "
                f"cells={len(r.cells)} missing={len(r.missing_rows)} warnings={len(r.warnings)}"
                + (f" error={r.error}" if r.error else "")
            )
            for w in r.warnings:
                print("  warning:", w)
    return rc


if __name__ == "__main__":
    sys.exit(main())
