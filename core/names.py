"""People's names as letters write them.

Practice systems store names filed for sorting ("WILLIAMS, CAROL C", "Williams Jr, Carol"). A
letter addresses a person the way people write: the envelope gets "Carol C Williams", the greeting
"Dear Carol Williams" (no middle initial). Names without a comma are taken as already written.
"""

from __future__ import annotations

SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "md", "phd"}


def _cased(words: list[str], capitals: bool) -> str:
    """The words joined; a name typed all in capitals gets title case ("McDonald", "van der
    Berg" typed in mixed case are left as typed)."""
    if not capitals:
        return " ".join(words)
    return " ".join("-".join(p[:1].upper() + p[1:].lower() for p in w.split("-")) for w in words)


def _parts(name: str) -> tuple[list[str], list[str], list[str]]:
    """(given names, family names, suffixes) of a filed or written name."""
    name = " ".join(name.split())
    if "," not in name:
        words = name.split(" ")
        return words[:-1], words[-1:], []
    family, _, given = name.partition(",")
    fam = family.split()
    suffix = [w for w in fam[1:] if w.rstrip(".").lower() in SUFFIXES]
    fam = [w for w in fam if w not in suffix]
    giv = [w for w in given.replace(",", " ").split() if w]
    suffix += [w for w in giv if w.rstrip(".").lower() in SUFFIXES]
    giv = [w for w in giv if w not in suffix]
    return giv, fam, suffix


def written_name(name: str | None) -> str:
    """The full name in writing order, for an address block: "Carol C Williams"."""
    if not name or not name.strip():
        return ""
    given, family, suffix = _parts(name)
    return _cased([*given, *family, *suffix], name.isupper())


def greeting_name(name: str | None) -> str:
    """The name a letter greets: first and family name, no middle names or initials."""
    if not name or not name.strip():
        return ""
    given, family, suffix = _parts(name)
    return _cased([*given[:1], *family, *suffix], name.isupper())
