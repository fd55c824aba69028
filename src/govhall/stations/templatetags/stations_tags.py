from django import template

from govhall.accounts.models import Applicant
from govhall.core.masking import mask_name, mask_phone

register = template.Library()


@register.filter
def listed_name(applicant: Applicant) -> str:
    """An applicant as lists show them: a person's name masked (张*明), a company's whole."""
    return mask_name(applicant.name) if applicant.kind == Applicant.Kind.NATURAL else applicant.name


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value)
