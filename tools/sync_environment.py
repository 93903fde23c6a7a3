"""Write environment.yml (Binder's conda environment) from requirements.txt, the one source of versions.

Binder builds the course with conda-forge's Python and installs the very same
pinned packages with pip, so a learner on Binder runs what the tests ran.
Running this script twice gives the same file; tests/test_environment.py fails
when the stored file differs from what this script would write.
"""

from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
ENVIRONMENT = ROOT / "environment.yml"
#: Binder's Python: the oldest the course supports, the one CI tests on.
PYTHON_VERSION = "3.11"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")


def read_pins(path: pathlib.Path = REQUIREMENTS) -> dict[str, str]:
    """The ``name==version`` lines of a requirements file and the files it includes with ``-r``.

    Any other kind of requirement is an error: every version is pinned.
    """
    pins = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(read_pins(path.parent / line[3:].strip()))
            continue
        match = _PIN.match(line)
        if not match:
            raise ValueError(f"{path.name}:{number}: pin every requirement as name==version, got {raw!r}")
        pins[match.group(1).lower()] = match.group(2)
    return pins


def render_environment(pins: dict[str, str]) -> str:
    """The text of environment.yml for these pins."""
    lines = [
        "# Generated from requirements.txt by `make environment` (tools/sync_environment.py).",
        "# Do not edit by hand: change requirements.txt, then run `make environment`.",
        "name: va-to-obm",
        "channels:",
        "  - conda-forge",
        "  - nodefaults",
        "dependencies:",
        f"  - python={PYTHON_VERSION}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={version}" for name, version in sorted(pins.items())]
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render_environment(read_pins())
    if ENVIRONMENT.exists() and ENVIRONMENT.read_text() == text:
        print(f"{ENVIRONMENT.name} is up to date.")
    else:
        ENVIRONMENT.write_text(text)
        print(f"Wrote {ENVIRONMENT.name} from {REQUIREMENTS.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
