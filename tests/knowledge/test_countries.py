"""Country recognition from CLDR names plus the admin's aliases, in many languages and scripts."""

from __future__ import annotations

import pytest

from knowledge.countries import CountryLexicon, country_name, find_country, fold


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("wie lange dauert es nach Brasilien?", "de", "BR"),
        ("ブラジルまで何日かかりますか", "ja", "BR"),
        ("كم الضريبة على فستان إلى ألمانيا", "ar", "DE"),
        ("сколько идёт посылка в Германию?", "ru", "DE"),
        ("寄到德国要多久", "zh", "DE"),
        ("ส่งไปญี่ปุ่นกี่วัน", "th", "JP"),
        ("כמה עולה משלוח לגרמניה", "he", "DE"),
        ("Almanya'ya kargo ne kadar", "tr", "DE"),
        ("독일까지 며칠 걸려요", "ko", "DE"),
        ("wysyłka do Hiszpanii", "pl", "ES"),
        ("доставка в Італію", "uk", "IT"),
        ("frete para o México", "pt", "MX"),
    ],
)
def test_country_is_found_in_the_buyers_language(text: str, language: str, expected: str) -> None:
    """CLDR names are recognised across scripts, with case endings and Arabic/Hebrew prefixes."""
    assert find_country(text, language) == expected


def test_accents_may_be_left_out() -> None:
    """Buyers typing on a phone drop accents: "belgie" still means België."""
    assert find_country("verzendkosten naar belgie", "nl") == "BE"
    assert find_country("envio a mexico", "es") == "MX"


def test_colloquial_aliases_from_the_data_file_are_known() -> None:
    """Short forms CLDR lacks ("usa", "امريكا", "uk") come from countries.yaml."""
    assert find_country("shipping to the uk?", "en") == "GB"
    assert find_country("الشحن الى امريكا", "ar") == "US"
    assert find_country("доставка в сша", "ru") == "US"


def test_origin_country_is_not_taken_as_destination() -> None:
    """ "aus China" names where goods come from, so the destination is the other country."""
    assert find_country("muss ich Zoll zahlen wenn es aus China kommt?", "de") is None
    assert find_country("ship from china to brazil", "en") == "BR"
    assert find_country("中国から日本まで何日", "ja") == "JP"


def test_words_that_only_look_like_countries_are_ignored() -> None:
    """ネクタイ (necktie) contains タイ (Thailand) but names no country."""
    assert find_country("ネクタイは何日で届きますか", "ja") is None
    assert find_country("ส่งไปไทยกี่วัน", "th") == "TH"


def test_text_without_a_country_gives_none() -> None:
    """Ordinary questions do not produce a country by accident."""
    for text, language in [
        ("do you sell shoes", "en"),
        ("danke schön", "de"),
        ("ok merci", "fr"),
        ("谢谢", "zh"),
    ]:
        assert find_country(text, language) is None


def test_longest_name_wins_over_a_name_inside_it() -> None:
    """ "Nigeria" is not read as "Niger"."""
    assert find_country("shipping to nigeria", "en") == "NG"


def test_lexicon_without_aliases_still_knows_cldr_names() -> None:
    """An admin without countries.yaml still gets every official name."""
    assert CountryLexicon().find("Versand nach Österreich", "de") == "AT"


def test_country_name_is_shown_in_the_buyers_language() -> None:
    """Answers name the country the way the buyer writes it."""
    assert country_name("DE", "fr") == "Allemagne"
    assert country_name("BR", "ja") == "ブラジル"


def test_folding_strips_accents_and_normalises_digits() -> None:
    """Folding lower-cases, removes Latin accents and turns Arabic-Indic digits into ASCII."""
    assert fold("België ٣٩") == "belgie 39"
    assert fold("ＵＳ８") == "us8"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("combien de temps pour l'Espagne ?", "fr", "ES"),
        ("consegna rapida per l'Olanda?", "it", "NL"),
        ("dostawa do Wielkiej Brytanii", "pl", "GB"),
        ("ship sang Mỹ mất bao lâu", "vi", "US"),
    ],
)
def test_elided_inflected_and_colloquial_names_are_found(text: str, language: str, expected: str) -> None:
    """Elided articles, every declined word of a two-word name and colloquial short names are countries."""
    assert find_country(text, language) == expected


def test_vietnamese_words_containing_a_short_country_name_are_not_countries() -> None:
    """ "chủ nhật" (Sunday) and "mỹ phẩm" (cosmetics) do not name Japan or the US."""
    assert find_country("giao vào chủ nhật được không, mình mua mỹ phẩm", "vi") is None
