"""ICD-10-CM codes: is a string a real code, and what does it mean.

The code set is the one `simple-icd-10-cm` carries (the CMS ICD-10-CM tabular list). Importing
that library parses its XML and takes seconds, on every process start, so we ship the same
codes as a compact index (`data/icd10cm.tsv.gz`, built from the library by
`python -m denialops.domain.icd10 --rebuild`; a test checks the two agree) and load it on
first use in a few tens of milliseconds.
"""

from __future__ import annotations

import gzip
import re
import sys
import threading
from functools import cache
from importlib import resources

INDEX = "icd10cm.tsv.gz"
_DOTLESS = re.compile(r"^([A-Z][0-9][0-9A-Z])([0-9A-Z]{1,4})$")
_lock = threading.Lock()


def normalise(code: str) -> str:
    """Upper case, with the dot after the third character (`m5450` → `M54.50`)."""
    code = code.strip().upper()
    match = _DOTLESS.match(code)
    return f"{match[1]}.{match[2]}" if match else code


@cache
def _index() -> dict[str, str]:
    with _lock:  # stage threads may ask at once; load once
        raw = resources.files("denialops.data").joinpath(INDEX).read_bytes()
        index = {}
        for line in gzip.decompress(raw).decode("utf-8").splitlines():
            code, _, description = line.partition("\t")
            index[code] = description
        return index


def is_valid(code: str) -> bool:
    """True for a real ICD-10-CM code (category or finer), dotted or not."""
    return normalise(code) in _index()


def describe(code: str) -> str | None:
    """The code's official short description, or None for a code that does not exist."""
    return _index().get(normalise(code))


def _rebuild() -> None:  # pragma: no cover - a maintenance command
    import simple_icd_10_cm as cm

    rows = []
    for code in cm.get_all_codes(True):
        # Chapters ("1") and blocks ("A00-A09") are not codes a claim can carry.
        if re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", code):
            rows.append(f"{code}\t{cm.get_description(code)}")
    target = resources.files("denialops.data").joinpath(INDEX)
    with resources.as_file(target) as path:
        path.write_bytes(gzip.compress("\n".join(rows).encode("utf-8"), mtime=0))
    print(f"wrote {len(rows)} codes to {target}")


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--rebuild"]:
        _rebuild()
    else:
        sys.exit("usage: python -m denialops.domain.icd10 --rebuild")
