"""Values written into the YAML configs trtkit generates (`config init`, `migrate`), in flow style on one line."""

from __future__ import annotations

from typing import Any


def flow_value(value: Any) -> str:
    """`value` as YAML reads it back, on one line: `[90, 95, 99]`, `{input: 1x3x224x224}`, `'true'` for the string."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False).strip()
    # a lone scalar is dumped as a document with an explicit end marker
    return text[:-4].strip() if text.endswith("\n...") or text.endswith(" ...") else text
