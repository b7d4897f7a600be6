"""Sentences built from translated texts and names.

Many texts end a sentence right after a name: "U beheert %(org)s." An organisation called
"Jansen B.V." would get two full stops ("Jansen B.V.."). ``zin`` drops the second one; use it
on every such sentence (the ``zin`` template filter of ``kp`` does the same in templates, with
``{% blocktranslate asvar … %}``).
"""

import re

# Two full stops, not part of an ellipsis ("…" written as three).
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def zin(text: str) -> str:
    """``text`` without the full stop doubled after a name that ends in one."""
    return _DOUBLE_STOP.sub(".", str(text))


def met_punt(text: str) -> str:
    """``text`` ending in exactly one full stop (or its own ? or !): for a reason that is put
    before another sentence ("%(reason)s Nothing was imported.")."""
    text = zin(str(text).rstrip())
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."
