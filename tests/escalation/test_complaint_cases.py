"""Complaint detection over a reviewable table of our own buyer messages in every language.

Each row: language, message, expected category (None = not a complaint). The priority follows
from the category. Rows were written for this test, not taken from any evaluation set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation.complaints import ComplaintCategory, ComplaintDetector
from knowledge.languages import SUPPORTED_LANGUAGES

SAMPLE = Path(__file__).resolve().parents[2] / "escalation" / "sample" / "complaints"

C = ComplaintCategory
CASES: list[tuple[str, str, ComplaintCategory | None]] = [
    # English
    ("en", "this handbag is a cheap knockoff, the stitching is awful", C.COUNTERFEIT),
    ("en", "honestly feels like a scam, you took my money and vanished", C.FRAUD),
    ("en", "i already filed a chargeback with my credit card company", C.CHARGEBACK),
    ("en", "I will take legal action if this is not fixed", C.LEGAL),
    ("en", "the kettle base melted and my son burned his fingers", C.SAFETY),
    ("en", "the lamp shade came cracked and bent", C.DAMAGED),
    ("en", "you sent me a size S instead of an L", C.WRONG_ITEM),
    ("en", "the charging cable was not in the box", C.MISSING_ITEM),
    ("en", "please just refund me, I'm done", C.REFUND_DEMAND),
    ("en", "why was my return refused? the tags are still on", C.RETURN_REJECTED),
    ("en", "my order still hasnt arrived after a month", C.LATE_DELIVERY),
    ("en", "the tracking hasnt updated in ten days", C.TRACKING_STUCK),
    ("en", "my parcel is stuck in customs and they want an invoice", C.CUSTOMS_HELD),
    ("en", "teh screen is brokn", C.DAMAGED),
    ("en", "it came two weeks late and the sunglasses are fake", C.COUNTERFEIT),
    ("en", "how do refunds work for sale items?", None),
    ("en", "what happens if my parcel gets damaged on the way?", None),
    ("en", "nothing is broken, I just wanted to say thanks", None),
    ("en", "are your sneakers authentic?", None),
    # German
    ("de", "die Uhr ist eine billige Fälschung", C.COUNTERFEIT),
    ("de", "ihr seid Betrüger, ich hab bezahlt und nichts bekommen", C.FRAUD),
    ("de", "Ich lasse die Zahlung über meine Bank zurückbuchen", C.CHARGEBACK),
    ("de", "Der Wasserkocher hat Funken gesprüht, total gefährlich", C.SAFETY),
    ("de", "Die Tasse kam zerbrochen an", C.DAMAGED),
    ("de", "Es fehlt ein Schuh im Karton", C.MISSING_ITEM),
    ("de", "Die Sendungsverfolgung zeigt seit einer Woche keine Bewegung", C.TRACKING_STUCK),
    ("de", "Mein Paket wird vom Zoll festgehalten", C.CUSTOMS_HELD),
    ("de", "Bekomme ich mein Geld zurück, wenn die Jacke nicht passt?", None),
    ("de", "Die Ware ist nicht beschädigt, ich habe nur eine Frage zur Größe", None),
    # French
    ("fr", "ces baskets sont des contrefaçons évidentes", C.COUNTERFEIT),
    ("fr", "je vais contacter un avocat", C.LEGAL),
    ("fr", "la lampe est arrivée cassée", C.DAMAGED),
    ("fr", "j'ai reçu la mauvaise taille", C.WRONG_ITEM),
    ("fr", "remboursez-moi immédiatement", C.REFUND_DEMAND),
    ("fr", "mon colis est toujours pas arrivé", C.LATE_DELIVERY),
    ("fr", "que se passe-t-il si le produit arrive abîmé ?", None),
    ("fr", "merci, tout est parfait", None),
    # Spanish
    ("es", "me vendieron un reloj falso", C.COUNTERFEIT),
    ("es", "esto es una estafa, nadie responde", C.FRAUD),
    ("es", "el secador echó humo y casi se incendia", C.SAFETY),
    ("es", "la taza llegó rota", C.DAMAGED),
    ("es", "falta el cargador en la caja", C.MISSING_ITEM),
    ("es", "rechazaron mi devolución sin explicación", C.RETURN_REJECTED),
    ("es", "el paquete sigue retenido en aduana", C.CUSTOMS_HELD),
    ("es", "qué pasa si el producto llega dañado?", None),
    # Italian
    ("it", "questa borsa è falsa", C.COUNTERFEIT),
    ("it", "ho aperto una contestazione con la banca", C.CHARGEBACK),
    ("it", "il telefono è arrivato con lo schermo rotto", C.DAMAGED),
    ("it", "mi avete mandato il colore sbagliato", C.WRONG_ITEM),
    ("it", "voglio il rimborso adesso", C.REFUND_DEMAND),
    ("it", "il pacco è in ritardo di due settimane", C.LATE_DELIVERY),
    ("it", "grazie mille, tutto perfetto", None),
    # Portuguese
    ("pt", "comprei um perfume falsificado", C.COUNTERFEIT),
    ("pt", "vou abrir reclamação no procon", C.LEGAL),
    ("pt", "o celular chegou com a tela quebrada", C.DAMAGED),
    ("pt", "veio a cor errada", C.WRONG_ITEM),
    ("pt", "meu pedido está atrasado faz 3 semanas", C.LATE_DELIVERY),
    ("pt", "o rastreio está parado há 10 dias", C.TRACKING_STUCK),
    ("pt", "qual o prazo de entrega para o rio?", None),
    # Dutch
    ("nl", "deze tas is nep", C.COUNTERFEIT),
    ("nl", "ik schakel een advocaat in", C.LEGAL),
    ("nl", "het glas is kapot aangekomen", C.DAMAGED),
    ("nl", "ik wil mijn geld terug", C.REFUND_DEMAND),
    ("nl", "mijn pakket is nog steeds niet bezorgd", C.LATE_DELIVERY),
    ("nl", "wat gebeurt er als mijn pakket beschadigd aankomt?", None),
    # Polish
    ("pl", "to jest podróbka, nie oryginał", C.COUNTERFEIT),
    ("pl", "kubek przyszedł rozbity", C.DAMAGED),
    ("pl", "w paczce brakuje ładowarki", C.MISSING_ITEM),
    ("pl", "oddajcie pieniądze", C.REFUND_DEMAND),
    ("pl", "paczka utknęła na cle", C.CUSTOMS_HELD),
    ("pl", "ile kosztuje wysyłka do niemiec?", None),
    # Russian
    ("ru", "мне прислали подделку", C.COUNTERFEIT),
    ("ru", "это мошенничество, деньги взяли и пропали", C.FRAUD),
    ("ru", "чайник сломан и течет", C.DAMAGED),
    ("ru", "прислали не тот размер", C.WRONG_ITEM),
    ("ru", "посылка застряла на таможне", C.CUSTOMS_HELD),
    ("ru", "товар не поврежден, просто вопрос по размеру", None),
    # Ukrainian
    ("uk", "це підробка, а не оригінал", C.COUNTERFEIT),
    ("uk", "чашка прийшла розбита", C.DAMAGED),
    ("uk", "поверніть гроші негайно", C.REFUND_DEMAND),
    ("uk", "замовлення досі не прийшло", C.LATE_DELIVERY),
    ("uk", "дякую, все супер", None),
    # Turkish
    ("tr", "bu saat sahte", C.COUNTERFEIT),
    ("tr", "avukatıma vereceğim bu işi", C.LEGAL),
    ("tr", "bardak kırık geldi", C.DAMAGED),
    ("tr", "siparişim hala gelmedi", C.LATE_DELIVERY),
    ("tr", "paketim gümrükte bekliyor", C.CUSTOMS_HELD),
    ("tr", "ürün hasarlı değil, sadece beden sormak istedim", None),
    # Arabic
    ("ar", "الساعة تقليد مو اصلية", C.COUNTERFEIT),
    ("ar", "الجوال وصل مكسور", C.DAMAGED),
    ("ar", "ابي فلوسي الحين", C.REFUND_DEMAND),
    ("ar", "الطلب ما وصل لين الحين", C.LATE_DELIVERY),
    ("ar", "شكرا على الخدمة الممتازة", None),
    # Hebrew
    ("he", "השעון מזויף", C.COUNTERFEIT),
    ("he", "אני פונה לעורך דין", C.LEGAL),
    ("he", "הכוס הגיעה שבורה", C.DAMAGED),
    ("he", "ההזמנה עדיין לא הגיעה", C.LATE_DELIVERY),
    ("he", "תודה רבה, הכל הגיע מעולה", None),
    # Japanese
    ("ja", "このバッグは偽物です", C.COUNTERFEIT),
    ("ja", "コップが割れて届きました", C.DAMAGED),
    ("ja", "早く返金してください", C.REFUND_DEMAND),
    ("ja", "注文した商品がまだ届かない", C.LATE_DELIVERY),
    ("ja", "ありがとうございました", None),
    # Korean
    ("ko", "이 가방 짝퉁이에요", C.COUNTERFEIT),
    ("ko", "컵이 깨져서 왔어요", C.DAMAGED),
    ("ko", "환불해 주세요 당장", C.REFUND_DEMAND),
    ("ko", "택배가 세관에 걸려 있어요", C.CUSTOMS_HELD),
    ("ko", "배송 빨리 와서 좋아요 감사합니다", None),
    # Chinese
    ("zh", "这个包是假货", C.COUNTERFEIT),
    ("zh", "杯子收到就碎了", C.DAMAGED),
    ("zh", "我要退款", C.REFUND_DEMAND),
    ("zh", "快递一直没到", C.LATE_DELIVERY),
    ("zh", "谢谢，很满意", None),
    # Thai
    ("th", "กระเป๋าเป็นของปลอม", C.COUNTERFEIT),
    ("th", "แก้วแตกมาเลยค่ะ", C.DAMAGED),
    ("th", "ขอเงินคืนด้วยค่ะ", C.REFUND_DEMAND),
    ("th", "พัสดุติดศุลกากรค่ะ", C.CUSTOMS_HELD),
    ("th", "ขอบคุณค่ะ ของสวยมาก", None),
    # Vietnamese
    ("vi", "túi này là hàng fake", C.COUNTERFEIT),
    ("vi", "cốc bị vỡ khi nhận", C.DAMAGED),
    ("vi", "shop giao sai màu rồi", C.WRONG_ITEM),
    ("vi", "đơn hàng vẫn chưa nhận được", C.LATE_DELIVERY),
    ("vi", "cảm ơn shop nhiều", None),
    # Indonesian
    ("id", "tasnya palsu", C.COUNTERFEIT),
    ("id", "gelasnya pecah pas dateng", C.DAMAGED),
    ("id", "balikin uang saya", C.REFUND_DEMAND),
    ("id", "paketnya belum nyampe juga", C.LATE_DELIVERY),
    ("id", "makasih kak, barangnya bagus", None),
    # Swedish
    ("sv", "väskan är en förfalskning", C.COUNTERFEIT),
    ("sv", "koppen kom trasig", C.DAMAGED),
    ("sv", "jag vill ha pengarna tillbaka", C.REFUND_DEMAND),
    ("sv", "paketet har fortfarande inte kommit", C.LATE_DELIVERY),
    ("sv", "vad händer om något kommer trasigt?", None),
]


@pytest.fixture(scope="module")
def detector() -> ComplaintDetector:
    return ComplaintDetector.load(SAMPLE)


@pytest.mark.parametrize(("language", "text", "category"), CASES)
def test_message_gets_expected_category(
    detector: ComplaintDetector, language: str, text: str, category: ComplaintCategory | None
) -> None:
    """Each table message is classified as its expected category, or as no complaint."""
    found = detector.detect(text, language)
    assert (found.category if found else None) == category
    if found is not None:
        assert found.priority == found.category.priority
        assert all(phrase in text for phrase in found.matched)


def test_case_table_covers_every_language_and_category() -> None:
    """The table exercises all 20 languages and all 13 categories, plus negatives."""
    assert {language for language, _, _ in CASES} == set(SUPPORTED_LANGUAGES)
    assert {category for _, _, category in CASES} == {*ComplaintCategory, None}


def test_sample_has_a_file_per_supported_language(detector: ComplaintDetector) -> None:
    """The shipped sample phrase base covers every supported language."""
    assert set(detector.languages) == set(SUPPORTED_LANGUAGES)


def test_detection_works_without_a_language(detector: ComplaintDetector) -> None:
    """Without a language hint all languages' phrases are tried."""
    found = detector.detect("la lampe est arrivée cassée")
    assert found is not None
    assert found.category is C.DAMAGED
