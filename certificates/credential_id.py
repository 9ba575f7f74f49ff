"""Credential ids: 12 random Crockford base32 symbols plus Crockford's mod-37 check symbol.

Stored as 13 upper-case symbols without separators; shown as XXXX-XXXX-XXXX-C so that it
is easy to read aloud and type. Parsing forgives what people do when they retype an id
(lower case, hyphens or spaces, I or L for 1, O for 0), and the check symbol catches any
single mistyped symbol and any swap of two neighbours, because 37 is prime.
"""

import secrets

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford's five extra symbols, used only in the check position (values 32 to 36).
CHECK_ALPHABET = ALPHABET + "*~$=U"
BODY_LENGTH = 12
STORED_LENGTH = BODY_LENGTH + 1

_SUBSTITUTIONS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = str.maketrans("", "", "- \t")


class CredentialIdError(ValueError):
    """The text is not a credential id. `mistyped` is true when only the check failed."""

    def __init__(self, message: str, *, mistyped: bool = False):
        super().__init__(message)
        self.mistyped = mistyped


def check_symbol(body: str) -> str:
    value = 0
    for symbol in body:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[value % 37]


def credential_id_generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_symbol(body)


def credential_id_format(stored: str) -> str:
    """XXXXXXXXXXXXC -> XXXX-XXXX-XXXX-C."""
    return "-".join([stored[0:4], stored[4:8], stored[8:12], stored[12:]])


def credential_id_parse(text: str) -> str:
    """Return the stored form of a typed id, or raise CredentialIdError."""
    cleaned = text.strip().upper().translate(_SEPARATORS)
    if len(cleaned) != STORED_LENGTH:
        raise CredentialIdError(
            _("A credential id has %(expected)d characters (for example 7K3M-9Q2W-X4RT-8); this one has %(given)d.")
            % {"expected": STORED_LENGTH, "given": len(cleaned)}
        )
    body = cleaned[:BODY_LENGTH].translate(_SUBSTITUTIONS)
    check = cleaned[BODY_LENGTH]
    # U is a valid check symbol; I, L and O in the check position stand for 1, 1 and 0.
    if check in "ILO":
        check = check.translate(_SUBSTITUTIONS)
    unknown = sorted({symbol for symbol in body if symbol not in ALPHABET} | ({check} - set(CHECK_ALPHABET)))
    if unknown:
        raise CredentialIdError(_("A credential id cannot contain %(symbols)s.") % {"symbols": ", ".join(unknown)})
    if check_symbol(body) != check:
        raise CredentialIdError(
            _(
                "This id fails its check character: one character is probably mistyped. "
                "Compare it with the certificate again."
            ),
            mistyped=True,
        )
    return body + check
