import re

import pytest

from certificates.credential_id import (
    ALPHABET,
    CredentialIdError,
    check_symbol,
    credential_id_format,
    credential_id_generate,
    credential_id_parse,
)


def test_generated_ids_are_twelve_crockford_symbols_plus_a_valid_check():
    ids = {credential_id_generate() for _ in range(2000)}
    assert len(ids) == 2000
    for stored in ids:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{12}[0-9A-HJKMNP-TV-Z*~$=U]", stored)
        assert credential_id_parse(stored) == stored


def test_check_symbol_is_the_value_mod_37():
    # 1 -> check "1"; 32 (= "10") -> 32 % 37 = 32 -> "*"; 37 (= "15") -> 0 -> "0".
    assert check_symbol("000000000001") == "1"
    assert check_symbol("000000000010") == "*"
    assert check_symbol("000000000015") == "0"
    body = "7K3M9Q2WX4RT"
    value = 0
    for symbol in body:
        value = value * 32 + ALPHABET.index(symbol)
    assert check_symbol(body) == (ALPHABET + "*~$=U")[value % 37]


def test_display_form_groups_by_four():
    assert credential_id_format("7K3M9Q2WX4RTZ") == "7K3M-9Q2W-X4RT-Z"


def test_parsing_forgives_case_hyphens_spaces_and_look_alike_letters():
    body = "1K0M9Q2WX41T"
    stored = body + check_symbol(body)
    typed = f"ikom-9q2w x4Lt-{stored[-1].lower()}"
    assert credential_id_parse(typed) == stored
    assert credential_id_parse(f"  {credential_id_format(stored)}  ") == stored


def test_every_single_substitution_and_adjacent_swap_is_caught():
    stored = credential_id_generate()
    body = stored[:12]
    for position in range(12):
        for symbol in ALPHABET:
            if symbol == body[position]:
                continue
            typo = body[:position] + symbol + body[position + 1 :] + stored[12]
            with pytest.raises(CredentialIdError) as caught:
                credential_id_parse(typo)
            assert caught.value.mistyped
    for position in range(11):
        if body[position] == body[position + 1]:
            continue
        swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :] + stored[12]
        with pytest.raises(CredentialIdError):
            credential_id_parse(swapped)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "13 characters"),
        ("7K3M-9Q2W-X4RT", "13 characters"),
        ("7K3M-9Q2W-X4RT-ZZ", "13 characters"),
        ("7K3M-9Q2W-X4R!-Z", "cannot contain !"),
        ("UK3M-9Q2W-X4RT-Z", "cannot contain U"),
    ],
)
def test_malformed_ids_are_refused_with_a_reason(text, message):
    with pytest.raises(CredentialIdError, match=message) as caught:
        credential_id_parse(text)
    assert not caught.value.mistyped
