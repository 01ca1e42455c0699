"""The reference's KS test vectors (kaltura-api-and-ks.md §1.8): encode byte for byte, decode every field."""

from __future__ import annotations

import pytest

from keyframe.ks import KsDecodeError, decode_v1, decode_v2, encode_v1, encode_v2, split_ks

S = "0123456789abcdef0123456789abcdef"
RANDOM16 = bytes(range(16))

V1_ADMIN = (
    "MzgwOGU5NGQwOTA5ZjJiNjNjOGM3NjUzNmQ1ZjkwZjFkOGY2OWZhZnwxMjM0NTsxMjM0NTsxNzAwMDAzNjAwOzI7NDI0MjthbGljZUBleGFt"
    "cGxlLmNvbTtkaXNhYmxlZW50aXRsZW1lbnQ="
)
V2_USER = (
    "djJ8MTIzNDV8dsDlxutblyajK04XELTq81I1kU_RobRyMM8XvmEHTzA_x8sS3I3EKEcELpwTteOHtka0h-1inbwkaBDlTaT0bg=="
)
V2_ADMIN = (
    "djJ8MTIzNDV8-4sOhfrjxuSp0296BvtOXylxBAH9efY-bWw9Z1Iug0QIY0JWo3NiKrIQ-j4m1e04dm1QwCQAgXZ9ggeQYkKM-78PVu2546B7"
    "sdnOVl420ZUhEL97TMiQmCIozdptq_4hsPOxQXvYwf8l_awS-xdWgF4trpdjsya1jU0RgTq5NKTQTaB-hUtG9pF8F7UGh2wP"
)
V2_STAR = (
    "djJ8MTIzNDV8sbh4CBhhV03xIJS-bYt-GlcEEbBTeLiwBiK-Y85ncZ-9BOHtxga7JNArG5bQMPnJS-LhDbNn0YTHJAjA25MQcWUTjkqt9K4"
    "81Y2J4WC5ADs="
)
V2_SERVER = (
    "djJ8MTIzNDV8PtPf7XSXw2tqLSg3J53qdcPlUiDrazdVbsBkz3_ugQj1ULq9Tf441N2LKXX_igvpd49XQtwEB055z7rsxjy1bd8sFynZfu-e"
    "uvuF8oFoKicxtTCQpKJnnG7sfoZUon1EWhYv6_hN3FoaAEs9CwYOujosj_K27ECNESlFFKoB8by0Mm0aHonbJu-YTVSPHEluS9INzvWnnFc7eu"
    "lLyrKWrhVLAt8TaH-Qkx1PhxfHCjB7YAlFYkDqdVmvHR5jndQIZV3WldIVrPSUCN2-cK6f8g=="
)
V1_SERVER = (
    "ZDEzYzU3ZWU3MjRiYmM3MzRmNGNmOTE1NDBlNGQxMzUxNDJmN2ZiOXwxMjM0NTsxMjM0NTsxNzAwMDAzNjAwOzI7MTcwMDAwMDAwMC4xMjM0O3N2"
    "Yy11c2VyO3N2aWV3OjBfYWJjOy0yOw=="
)


def decode(ks: str, secrets: list[str]):  # type: ignore[no-untyped-def]
    version, partner_id, payload = split_ks(ks)
    if version == 2:
        return decode_v2(partner_id, payload, secrets)
    return decode_v1(payload, secrets)


def test_encoder_reproduces_the_client_tokens_byte_for_byte() -> None:
    assert (
        encode_v1(
            S,
            partner_id=12345,
            valid_until=1700003600,
            type=2,
            user_id="alice@example.com",
            privileges="disableentitlement",
            rand="4242",
        )
        == V1_ADMIN
    )
    assert encode_v2(
        S, partner_id=12345, valid_until=1700086400, type=0, user_id="bob", random_bytes=RANDOM16
    ) == (V2_USER)
    assert (
        encode_v2(
            S,
            partner_id=12345,
            valid_until=1700003600,
            type=2,
            user_id="alice@example.com",
            privileges="disableentitlement,privacycontext:MediaSpace,sview:*",
            random_bytes=RANDOM16,
        )
        == V2_ADMIN
    )
    assert (
        encode_v2(S, partner_id=12345, valid_until=1700000600, type=2, privileges="*", random_bytes=RANDOM16)
        == V2_STAR
    )


def test_encoder_reproduces_the_server_style_tokens() -> None:
    assert (
        encode_v2(
            S,
            partner_id=12345,
            valid_until=1700003600,
            type=2,
            user_id="svc-user",
            privileges="setrole:PARTNER_ADMIN,actionslimit:10,urirestrict:/api_v3/service/media/*|/api_v3/service/session/*",
            master_partner_id=-2,
            additional_data="extra data",
            random_bytes=bytes(16),
        )
        == V2_SERVER
    )
    assert (
        encode_v1(
            S,
            partner_id=12345,
            valid_until=1700003600,
            type=2,
            user_id="svc-user",
            privileges="sview:0_abc",
            master_partner_id=-2,
            rand="1700000000.1234",
        )
        == V1_SERVER
    )


@pytest.mark.parametrize(
    ("ks", "version", "user", "ks_type", "valid_until", "privileges", "ks_id"),
    [
        (
            V1_ADMIN,
            1,
            "alice@example.com",
            2,
            1700003600,
            "disableentitlement",
            "3808e94d0909f2b63c8c76536d5f90f1d8f69faf",
        ),
        (V2_USER, 2, "bob", 0, 1700086400, "", "1c896fc6625e142e86b29eb215660c3567e80980"),
        (
            V2_ADMIN,
            2,
            "alice@example.com",
            2,
            1700003600,
            "disableentitlement,privacycontext:MediaSpace,sview:*",
            "f21e111094dbe8dcf12b70d914d2bc92ae396c8d",
        ),
        (V2_STAR, 2, "", 2, 1700000600, "*", "97d9bce526ecc3719cf4e7420851fed90e543d8d"),
    ],
)
def test_decoder_reads_every_client_vector_with_the_right_secret_among_several(
    ks: str, version: int, user: str, ks_type: int, valid_until: int, privileges: str, ks_id: str
) -> None:
    token, index = decode(ks, ["wrongsecret", S])
    assert index == 1
    assert (token.version, token.partner_id, token.user_id, token.type) == (version, 12345, user, ks_type)
    assert token.valid_until == valid_until
    assert str(token.privileges) == privileges
    assert token.ks_id == ks_id


def test_star_privileges_are_the_wildcard_and_the_user_is_anonymous() -> None:
    token, _ = decode(V2_STAR, [S])
    assert token.privileges.is_wildcard
    assert token.privileges.allows("sview", "0_anything")
    assert token.is_anonymous


def test_server_style_tokens_carry_master_partner_and_additional_data() -> None:
    token, _ = decode(V2_SERVER, [S])
    assert token.master_partner_id == -2
    assert token.additional_data == "extra data"
    assert token.privileges.first("setrole") == "PARTNER_ADMIN"
    assert token.privileges.values("urirestrict") == ["/api_v3/service/media/*|/api_v3/service/session/*"]
    v1, _ = decode(V1_SERVER, [S])
    assert (v1.master_partner_id, v1.additional_data, v1.user_id) == (-2, None, "svc-user")
    assert v1.privileges.allows("sview", "0_abc")
    assert not v1.privileges.allows("sview", "0_other")


@pytest.mark.parametrize("ks", [V1_ADMIN, V2_USER, V2_ADMIN, V2_STAR, V2_SERVER, V1_SERVER])
def test_a_wrong_secret_never_verifies(ks: str) -> None:
    with pytest.raises(KsDecodeError):
        decode(ks, ["wrongsecret", "0123456789abcdef0123456789abcdee"])


def test_padding_is_optional() -> None:
    token, _ = decode(V2_USER.rstrip("="), [S])
    assert token.user_id == "bob"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64!",
        "djJ8",
        "djJ8MTIzNDV8",
        "djJ8YWJjfGRlZg==",
        "YWJj",
        "fHx8",
        V2_USER[:-8],
        V2_USER[:40],
    ],
)
def test_garbage_is_rejected_as_undecodable(text: str) -> None:
    with pytest.raises(KsDecodeError):
        decode(text, [S])


def test_flipping_any_ciphertext_bit_breaks_verification() -> None:
    import base64

    raw = bytearray(base64.urlsafe_b64decode(V2_ADMIN))
    prefix = len(b"v2|12345|")
    for position in range(prefix, len(raw), 7):
        mutated = bytearray(raw)
        mutated[position] ^= 0x01
        with pytest.raises(KsDecodeError):
            decode(base64.urlsafe_b64encode(bytes(mutated)).decode(), [S])
