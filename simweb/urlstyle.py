"""URL styles of the CMS platforms (municipal-web.md §2.5): pure functions from labels to paths."""

from __future__ import annotations

import random
import re
from urllib.parse import quote

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "Å": "A", "Ä": "A", "Ö": "O", "É": "E"})
_FOLD_OE = str.maketrans({"å": "a", "ä": "ae", "ö": "oe", "é": "e", "ü": "u", "Å": "A", "Ä": "Ae", "Ö": "Oe"})

SV_PLATFORMS = ("sv_old", "sv_short", "sv_html", "sv_new")
TRAILING_SLASH = ("epi", "umb", "wp")
# The second URL style of a site that mixes two (§2.5: 15 % of sites): the generation it migrated from
# or a sibling template of the same CMS. Sitevision sites keep old-node or short-node URLs; .NET sites
# keep pages of the previous ASP.NET site or of an Episerver era; WordPress sites an old ASP.NET part.
SECOND_STYLE: dict[str, tuple[str, ...]] = {
    "sv_old": ("sv_html", "sv_new", "sv_short"),
    "sv_short": ("sv_old", "sv_html"),
    "sv_html": ("sv_old", "sv_new"),
    "sv_new": ("sv_old", "sv_html"),
    "epi": ("legacy", "umb"),
    "wp": ("legacy",),
    "umb": ("epi", "legacy"),
    "legacy": ("epi",),
}


def fold(text: str, oe: bool = False) -> str:
    return text.translate(_FOLD_OE if oe else _FOLD)


def slug_hyphen(label: str, oe: bool = False, keep_case: bool = False) -> str:
    """'Jobb & företagande' -> 'jobb--foretagande' (the Sitevision/Episerver '&' -> '--' habit)."""
    text = fold(label, oe)
    text = text if keep_case else text.lower()
    text = text.replace(" & ", "--").replace("&", "--")
    text = re.sub(r"[^A-Za-z0-9\- ]+", "", text)
    return re.sub(r" +", "-", text.strip()).strip("-")


def slug_concat(label: str, oe: bool = False) -> str:
    """'Lokal näringslivsstrategi' -> 'lokalnaringslivsstrategi' (old Sitevision, words run together)."""
    return re.sub(r"[^a-z0-9]+", "", fold(label, oe).lower())


def hexid(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def page_path(
    platform: str,
    segs: list[str],
    label: str,
    rng: random.Random,
    *,
    n: int,
    cap_first: bool,
    sv_prefix: bool,
    oe: bool,
) -> str:
    """Path of a page whose ancestors (below home) are ``segs``; ``n`` is a running page number."""
    if platform == "legacy":
        return f"/default.aspx?di={n}"
    if platform == "sv_old":
        parts = [slug_concat(s, oe) for s in segs] + [f"{slug_concat(label, oe)}.4.{hexid(rng, 22)}.html"]
        return "/" + "/".join(parts)
    if platform == "sv_short":
        head = [slug_hyphen(segs[0], oe)] if segs else []
        return "/" + "/".join(head + [f"{slug_concat(label, oe)}.{n}.html"])
    if platform == "wp":
        return f"/?page_id={n}" if rng.random() < 0.05 else f"/{slug_hyphen(label, oe)}/"
    parts = [slug_hyphen(s, oe) for s in segs] + [slug_hyphen(label, oe)]
    if cap_first and parts:
        parts[0] = parts[0][:1].upper() + parts[0][1:]
    if platform == "sv_html":
        return "/" + "/".join(parts) + ".html"
    if platform == "sv_new":
        return "/" + "/".join(parts)
    prefix = "/sv" if sv_prefix and platform == "epi" else ""
    return prefix + "/" + "/".join(parts) + "/"


def doc_path(
    platform: str,
    filename: str,
    page_segs: list[str],
    rng: random.Random,
    *,
    last_modified_ms: int,
    cdn_prefix: str,
    ext: str,
    oe: bool,
) -> str:
    """Path of a document file in the platform's asset scheme; ``filename`` is the editor's original name."""
    stem = filename.rsplit(".", 1)[0] if filename.lower().endswith(f".{ext}") else filename
    if platform in SV_PLATFORMS:
        return f"/download/18.{hexid(rng, 22)}/{last_modified_ms}/{quote(filename)}"
    slug = slug_hyphen(stem, oe) or "dokument"
    if platform == "epi":
        # 10 % of Episerver file links end in ".pdf/download" (a download handler after the file name)
        suffix = "/download" if rng.random() < 0.1 else ""
        if rng.random() < 0.5:
            tree = "/".join(slug_hyphen(s, oe) for s in page_segs) or "dokument"
            return f"{cdn_prefix}/globalassets/{tree}/{slug}.{ext}{suffix}"
        return f"{cdn_prefix}/contentassets/{hexid(rng, 32)}/{slug}.{ext}{suffix}"
    if platform == "wp":
        year = str(last_modified_ms // 31_556_952_000 + 1970)
        return f"/wp-content/uploads/{year}/{rng.randint(1, 12):02d}/{slug}.{ext}"
    if platform == "umb":
        return f"/media/{hexid(rng, 8)}/{slug}.{ext}"
    return f"/upload/{quote(stem, safe='')}.{ext}"  # legacy keeps the raw name with spaces


def search_endpoint(platform: str, rng: random.Random, n: int) -> tuple[str, str, str]:
    """(path, query parameter, paging parameter) of the site search."""
    if platform == "sv_old":
        return f"/sok.4.{hexid(rng, 22)}.html", "query", "startAtHit"
    if platform == "sv_short":
        return f"/sok.{n}.html", "query", "startAtHit"
    if platform == "sv_html":
        return rng.choice(["/sok.html", "/om-webbplatsen/sok"]), "query", "startAtHit"
    if platform == "sv_new":
        return "/sok", "query", "startAtHit"
    if platform == "epi":
        return "/sok/", "q", "page"
    if platform == "wp":
        return "/", "s", "paged"
    if platform == "umb":
        return "/sok", "q", "page"
    return "/sok.aspx", "q", "page"
