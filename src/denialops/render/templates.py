"""The Jinja2 environment for `denialops/templates/`, built once per process.

Strict by design: an undefined name fails the render (`StrictUndefined`), and so does a `None`
reaching the output (`finalize`), because a generated letter or plan must never say "None".
No HTML escaping: the templates produce Markdown and plain text, not HTML.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

import jinja2

__all__ = ["MissingTemplateValue", "environment", "money", "render"]


class MissingTemplateValue(ValueError):
    """A template printed a missing (None) value: a template bug, never a user error."""


def money(value: Decimal) -> str:
    """`Decimal("1234.5")` → `"$1,234.50"`, the form the grounding validator expects."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _refuse_none(value: object) -> object:
    if value is None:
        raise MissingTemplateValue("a template printed a missing value")
    return value


@functools.cache
def environment() -> jinja2.Environment:
    """The shared environment; cached because loading and compiling templates is not free."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("denialops", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_refuse_none,
        # The templates ship with the package and never change while it runs; without this
        # every `get_template` would stat its file (and its imports) to check for edits.
        auto_reload=False,
    )
    env.filters["money"] = money
    return env


def render(name: str, **context: Any) -> str:
    """Render the template `name` (a path under `denialops/templates/`) with `context`."""
    return environment().get_template(name).render(**context)
