"""Site profiles: what a site prints that the corpus cannot teach, given as data.

Segmentation learns a site's furniture from how often a line recurs across its pages. A
site with few pages in the archive, or a widget it prints on one page only, leaves nothing
to learn from; a profile says it outright. A profile file is JSON::

    {
      "sites": {
        "herald.example": {
          "boilerplate": ["Share this story", "Views: 12"],
          "sources": ["Herald Wire Desk"]
        },
        "*": {"sources": ["Meridian Press Agency"]}
      }
    }

- ``boilerplate``: lines that are never article text on that site. A line matches after
  normalising (case, quotes, white space) with every number masked, so ``Views: 12`` also
  matches ``Views: 3,410``.
- ``sources``: names that, standing alone on a line, are the copy's source (an agency, a
  syndication partner), even on a site's first page.
- ``"*"`` applies to every page (also pages of no known site); a site's own entry adds to it.
  ``www.`` before a host is ignored.

Profiles are read by `wirecopy build --profiles FILE`; the archive keeps them, so later
builds use them too, and a changed profile re-segments the pages of the sites it names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirecopy.stages.lines import name_key, shape_key

ALL_SITES = "*"
FIELDS = ("boilerplate", "sources")


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """One site's known boilerplate lines (as shape keys) and source names (as name keys)."""

    boilerplate: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.boilerplate or self.sources)


EMPTY = SiteProfile()


@dataclass(frozen=True, slots=True)
class Profiles:
    """Site profiles by site (host), as given: each entry a dict of string lists."""

    sites: Mapping[str, Mapping[str, list[str]]] = field(default_factory=dict)
    _cache: dict[str, SiteProfile] = field(default_factory=dict, compare=False, repr=False)

    def for_site(self, site: str | None) -> SiteProfile:
        """The profile of pages of ``site``: its own entry and the ``*`` entry together."""
        host = (site or "").lower().removeprefix("www.")
        if host not in self._cache:
            entries = [self.sites.get(ALL_SITES, {})]
            entries += [v for k, v in self.sites.items() if k != ALL_SITES and _host(k) == host]
            self._cache[host] = _compile(entries) if host or ALL_SITES in self.sites else EMPTY
        return self._cache[host]


def _host(site: str) -> str:
    return site.lower().removeprefix("www.")


def _compile(entries: Iterable[Mapping[str, list[str]]]) -> SiteProfile:
    boilerplate: set[str] = set()
    sources: set[str] = set()
    for entry in entries:
        boilerplate.update(shape_key(line) for line in entry.get("boilerplate", []))
        sources.update(name_key(name) for name in entry.get("sources", []))
    boilerplate.discard("")
    sources.discard("")
    return SiteProfile(frozenset(boilerplate), frozenset(sources))


def parse_profiles(data: Any, where: str = "profiles") -> dict[str, dict[str, list[str]]]:
    """Check a profile document; returns ``{site: {"boilerplate": [...], "sources": [...]}}``.

    Raises ValueError with a message that names the place of the first problem.
    """
    if not isinstance(data, dict) or not isinstance(data.get("sites"), dict):
        raise ValueError(f'{where}: expected a JSON object with a "sites" object')
    out: dict[str, dict[str, list[str]]] = {}
    for site, entry in data["sites"].items():
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: sites.{site} must be an object")
        unknown = sorted(set(entry) - set(FIELDS))
        if unknown:
            raise ValueError(
                f"{where}: sites.{site}: unknown field {unknown[0]!r} "
                f"(a profile has {' and '.join(FIELDS)})"
            )
        clean: dict[str, list[str]] = {}
        for name in FIELDS:
            values = entry.get(name, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValueError(f"{where}: sites.{site}.{name} must be a list of strings")
            clean[name] = sorted(set(values))
        out[_host(site) if site != ALL_SITES else site] = clean
    return out


def load_profiles(path: Path) -> dict[str, dict[str, list[str]]]:
    """Read and check a profile file (see the module documentation)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON: {error}") from None
    return parse_profiles(data, str(path))
