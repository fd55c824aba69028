"""Check characters of the national codes the catalogue and the licence library carry.

Pure functions, no Django. GB 32100 is computed the same way as in
``accounts/validators.py``: the catalogue stands below accounts and may not import it, so
the rule is written here too until accounts takes it from here (or both from ``core``);
``catalog/tests/test_identifiers.py`` checks that the two agree on every character.

- GB 32100-2015 (统一社会信用代码): 17 characters over a 31-character alphabet (no I, O,
  Z, S, V), then ISO/IEC 7064 MOD 31-3 with the standard's weights.
- ISO/IEC 7064:2003 MOD 37,36 (GB/T 17710-2008), the hybrid system over 0-9 A-Z: one
  check character, 0-9 or A-Z. Used by GB/T 36904 for e-licence identifiers.
"""

from __future__ import annotations

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # ISO/IEC 7064's alphabet for MOD 37,36


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    """Eighteen characters of the GB 32100 alphabet whose last one is the check character."""
    if len(value) != 18 or any(c not in USCC_ALPHABET for c in value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def mod37_36(text: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character of ``text`` (0-9, A-Z; upper case)."""
    modulus = 36
    product = modulus
    for char in text:
        value = ALPHANUMERIC.index(char)  # ValueError for anything outside 0-9 A-Z
        total = (product + value) % modulus or modulus
        product = (total * 2) % (modulus + 1)
    return ALPHANUMERIC[(modulus + 1 - product) % modulus]
