"""Sample letters bundled with the package (written for DenialOps; all people are fictional)."""

from pathlib import Path

SAMPLES_DIR = Path(__file__).parent


def sample_path(name: str = "prior_auth_denial.txt") -> Path:
    return SAMPLES_DIR / name
