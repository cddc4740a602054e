"""The source registry: which agencies to crawl and with which CMS spider.

A registry is a YAML file::

    sources:
      - id: qinghe-gov
        agency: 清河市人民政府
        region: 示范省清河市
        level: government        # government | department
        cms: trs                 # a CMS family (crawler.families.FAMILIES)
        start_urls: ["http://127.0.0.1:8000/zwgk/zfxxgk/zfxxgknb/index.html"]
        allowed_domains: ["127.0.0.1"]      # optional: defaults to the start URLs' hosts
        hanweb: {columnid: 1234, unitid: 5678}   # the family's options (optional; each
                                                 # family declares its own: docs/crawling.md)
        timeout: 20          # optional: seconds per request (default DOWNLOAD_TIMEOUT)
        max_bytes: 20000000  # optional: download size cap (default DOWNLOAD_MAXSIZE)

``load_registry`` validates it and raises ``RegistryError`` naming the file and line, the
source (index and id) and the field that is wrong; ``check_registry`` collects every error
of a file (``nianbao sources check``).
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.families import FAMILIES, OptionError

REQUIRED_FIELDS = ("id", "agency", "region", "level", "cms", "start_urls")
LIMIT_FIELDS = {"timeout": float, "max_bytes": int}  # per-request caps (crawler.sources)
OPTIONAL_FIELDS = ("allowed_domains", "timeout", "max_bytes", "notes")
LEVELS = ("government", "department")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
DOMAIN_RE = re.compile(r"^[a-z0-9.-]+$")


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class RegistryError(ValueError):
    """A registry file that cannot be used; the message says where and why."""

    def __init__(
        self,
        path: str,
        message: str,
        index: int | None = None,
        source_id: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ):
        self.path, self.index, self.source_id, self.field = str(path), index, source_id, field
        self.line, self.message = line, message
        where = str(path) + (f":{line}" if line else "")
        if index is not None:
            where += f": sources[{index}]"
            if source_id:
                where += f" (id={source_id!r})"
        if field:
            where += f": field {field!r}"
        super().__init__(f"{where}: {message}")


class _Invalid(Exception):
    """One wrong field of an entry (turned into a RegistryError with its place)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def known_fields() -> tuple[str, ...]:
    """Every field a source entry may have: the common ones and one per CMS family."""
    return REQUIRED_FIELDS + OPTIONAL_FIELDS + tuple(FAMILIES)


def _is_ipv6(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 6
    except ValueError:
        return False


def _host_allowed(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def validate_source(raw: Any, index: int, path: str, lines: dict | None = None) -> dict:
    """Check one registry entry and return it normalised (a new dict).

    ``lines`` maps field name (and ``None`` for the entry itself) to a 1-based line."""
    sid = raw.get("id") if isinstance(raw, dict) else None
    sid = sid if isinstance(sid, str) else None
    lines = lines or {}
    try:
        _check_fields(raw)
        source = {k: raw[k] for k in REQUIRED_FIELDS}
        source["start_urls"] = _start_urls(raw["start_urls"])
        source["allowed_domains"] = _allowed_domains(raw, source["start_urls"])
        source.update(_family_options(raw))
        source.update(_limits(raw))
        if "notes" in raw:
            source["notes"] = raw["notes"]
    except _Invalid as e:
        top = e.field.split(".")[0] if e.field else None
        line = lines.get(e.field) or lines.get(top) or lines.get(None)
        raise RegistryError(
            path, e.message, index=index, source_id=sid, field=e.field, line=line
        ) from None
    return source


def _check_fields(raw: Any) -> None:
    """A mapping with every required field, no unknown one, and known level and CMS."""
    if not isinstance(raw, dict):
        raise _Invalid(None, f"each source must be a mapping, got {type(raw).__name__}")
    for field in REQUIRED_FIELDS:
        if raw.get(field) is None or raw.get(field) in ("", []):
            raise _Invalid(field, "required field is missing or empty")
    unknown = sorted(set(raw) - set(known_fields()))
    if unknown:
        raise _Invalid(unknown[0], f"unknown field (known: {', '.join(known_fields())})")
    for field in ("id", "agency", "region", "level", "cms"):
        if not isinstance(raw[field], str):
            raise _Invalid(field, f"must be a string, got {type(raw[field]).__name__}")
    if not ID_RE.match(raw["id"]):
        raise _Invalid("id", "must be lowercase letters, digits, '-', '_' or '.'")
    if raw["level"] not in LEVELS:
        raise _Invalid("level", f"unknown level {raw['level']!r} (known: {', '.join(LEVELS)})")
    if raw["cms"] not in FAMILIES:
        raise _Invalid("cms", f"unknown CMS {raw['cms']!r} (known: {', '.join(FAMILIES)})")


def _start_urls(urls: Any) -> list[str]:
    urls = [urls] if isinstance(urls, str) else urls
    if not isinstance(urls, list):
        raise _Invalid("start_urls", "must be a list of URLs")
    for url in urls:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise _Invalid("start_urls", f"not an http(s) URL: {url!r}")
    return list(urls)


def _allowed_domains(raw: dict, urls: list[str]) -> list[str]:
    """The hosts the source may touch (default: its start URLs' hosts)."""
    domains = raw.get("allowed_domains")
    if domains is None:
        domains = sorted({urlsplit(u).hostname for u in urls})
    domains = [domains] if isinstance(domains, str) else domains
    if not isinstance(domains, list) or not domains:
        raise _Invalid("allowed_domains", "must be a non-empty list of host names")
    domains = [d.strip().lower() if isinstance(d, str) else d for d in domains]
    for d in domains:
        if not isinstance(d, str) or not (DOMAIN_RE.match(d) or _is_ipv6(d)):
            raise _Invalid(
                "allowed_domains", f"not a bare host name (no scheme, port or path): {d!r}"
            )
    for url in urls:
        host = urlsplit(url).hostname
        if not _host_allowed(host, domains):
            raise _Invalid("start_urls", f"host {host!r} of {url!r} is not in allowed_domains")
    return domains


def _family_options(raw: dict) -> dict:
    """The family options of the entry, validated by the family that declares them."""
    out = {}
    for cms, family in FAMILIES.items():
        if raw.get(cms) is None:
            continue
        if raw["cms"] != cms:
            raise _Invalid(cms, f"only allowed for cms {cms!r}")
        try:
            out[cms] = family.validate_options(raw[cms])
        except OptionError as e:
            raise _Invalid(f"{cms}.{e.key}" if e.key else cms, str(e)) from None
    return out


def _limits(raw: dict) -> dict:
    out = {}
    for key, typ in LIMIT_FIELDS.items():
        if raw.get(key) is not None:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise _Invalid(key, f"must be a positive number, got {v!r}")
            out[key] = typ(v)
    return out


def source_lines(text: str) -> list[dict]:
    """For each entry of ``sources``: {field: line, None: line of the entry} (1-based)."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "sources" and isinstance(value, yaml.SequenceNode):
            out = []
            for node in value.value:
                entry = {None: node.start_mark.line + 1}
                if isinstance(node, yaml.MappingNode):
                    for k, _v in node.value:
                        entry[str(k.value)] = k.start_mark.line + 1
                out.append(entry)
            return out
    return []


def parse_registry(
    data: Any, path: str = "<registry>", text: str | None = None, collect: list | None = None
) -> list[dict]:
    """Validate already-loaded registry data (the YAML document). With ``text`` (the YAML
    source) errors carry line numbers; with ``collect`` (a list) every bad source's error
    is appended there instead of raising at the first."""
    if text and collect is None:
        # Line numbers cost a second YAML pass: only when there is an error to place.
        try:
            return parse_registry(data, path)
        except RegistryError:
            pass
    lines = source_lines(text) if text else []
    if not isinstance(data, dict) or "sources" not in data:
        raise RegistryError(path, "top level must be a mapping with a 'sources' list")
    raw_sources = data["sources"]
    if not isinstance(raw_sources, list):
        raise RegistryError(path, "'sources' must be a list", field="sources")
    sources, seen = [], {}
    for i, raw in enumerate(raw_sources):
        where = lines[i] if i < len(lines) else {}
        try:
            source = validate_source(raw, i, path, where)
            if source["id"] in seen:
                raise RegistryError(
                    path,
                    f"duplicate id (first used by sources[{seen[source['id']]}])",
                    index=i,
                    source_id=source["id"],
                    field="id",
                    line=where.get("id") or where.get(None),
                )
        except RegistryError as e:
            if collect is None:
                raise
            collect.append(e)
            continue
        seen[source["id"]] = i
        sources.append(source)
    return sources


def check_registry(path: str | os.PathLike) -> tuple[list[dict], list[RegistryError]]:
    """Every valid source and every error of a registry file (for ``nianbao sources check``)."""
    path = str(path)
    errors: list[RegistryError] = []
    try:
        text = open(path, encoding="utf-8").read()
        data = yaml.load(text, Loader=_LOADER)
    except FileNotFoundError:
        return [], [RegistryError(path, "file not found")]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        return [], [
            RegistryError(
                path,
                f"invalid YAML: {getattr(e, 'problem', e)}",
                line=mark.line + 1 if mark else None,
            )
        ]
    try:
        sources = parse_registry(data, path, text, collect=errors)
    except RegistryError as e:
        return [], [e]
    return sources, errors


def load_registry(path: str | os.PathLike) -> list[dict]:
    """Read and validate a registry YAML file; returns the list of sources."""
    path = str(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        data = yaml.load(text, Loader=_LOADER)
    except FileNotFoundError:
        raise RegistryError(path, "file not found") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise RegistryError(
            path, f"invalid YAML: {e}", line=mark.line + 1 if mark else None
        ) from None
    return parse_registry(data, path, text)


def select_sources(
    sources: list[dict], ids: list[str] | None, path: str = "<registry>"
) -> list[dict]:
    """The sources with the given ids (all when ``ids`` is empty), in the order asked."""
    if not ids:
        return list(sources)
    by_id = {s["id"]: s for s in sources}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise RegistryError(
            path, f"unknown source id(s): {', '.join(missing)} (known: {', '.join(by_id)})"
        )
    return [by_id[i] for i in dict.fromkeys(ids)]
