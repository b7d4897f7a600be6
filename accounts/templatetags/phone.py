"""``{{ number|mask_phone }}``: a phone number as 06-****5678 (``accounts.sms.mask_number``)."""

from django import template

from accounts.sms import mask_number

register = template.Library()


@register.filter
def mask_phone(number) -> str:
    return mask_number(number) if number else ""
