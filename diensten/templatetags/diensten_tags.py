"""Template helpers for scopes."""

from django import template

from diensten.models import ScopeFields
from diensten.scope import scope_text_for

register = template.Library()


@register.simple_tag
def scope_text(obj: ScopeFields) -> str:
    """The readable scope of a groep or ketenmachtiging (uses prefetched relations)."""
    return scope_text_for(obj)
