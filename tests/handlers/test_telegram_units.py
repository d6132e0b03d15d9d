"""Units of the Telegram adapter with aiogram's own types, no network."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import Chat, Message, PhotoSize, Sticker, User

from escalation.conversation import Action, ActionKind, ContentKind, Reply, ReplyKey
from handlers.i18n import Translator
from handlers.telegram.callbacks import Button
from handlers.telegram.flood import FloodControl
from handlers.telegram.incoming import buyer_message
from handlers.telegram.keyboards import keyboard
from handlers.telegram.pacing import Go, Later, Pace, Pacer
from handlers.telegram.splitting import split_message, telegram_length
from knowledge.languages import SUPPORTED_LANGUAGES

SENT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
USER = User(id=7, is_bot=False, first_name="Jonas", last_name="K", language_code="de-AT")
CHAT = Chat(id=7, type="private")


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_text_message_becomes_a_buyer_message() -> None:
    """Chat, sender, text, language tag and id are carried over."""
    message = Message(message_id=5, date=SENT, chat=CHAT, from_user=USER, text="Wo ist mein Paket?")

    converted = buyer_message(message)

    assert (converted.chat_id, converted.sender_id, converted.sender_name) == ("7", "7", "Jonas K")
    assert (converted.text, converted.kind, converted.message_id) == (
        "Wo ist mein Paket?",
        ContentKind.TEXT,
        "5",
    )
    assert converted.chat_language == "de-AT"
    assert converted.edited is False


def test_photo_keeps_its_largest_size_and_caption() -> None:
    """Telegram lists photo sizes smallest first; the agents get the largest."""
    sizes = [
        PhotoSize(file_id="a", file_unique_id="a", width=90, height=90),
        PhotoSize(file_id="b", file_unique_id="b", width=800, height=800, file_size=5000),
    ]
    message = Message(message_id=6, date=SENT, chat=CHAT, from_user=USER, photo=sizes, caption="kaputt")

    converted = buyer_message(message)

    assert (converted.kind, converted.text) == (ContentKind.PHOTO, "kaputt")
    assert converted.attachment is not None
    assert (converted.attachment.file_id, converted.attachment.size) == ("b", 5000)


def test_sticker_is_content_the_bot_cannot_read() -> None:
    """Stickers arrive as their own kind, without text, so the desk can answer politely."""
    sticker = Sticker(
        file_id="s", file_unique_id="s", type="regular", width=1, height=1, is_animated=False, is_video=False
    )
    message = Message(message_id=8, date=SENT, chat=CHAT, from_user=USER, sticker=sticker)

    assert (buyer_message(message).kind, buyer_message(message).text) == (ContentKind.STICKER, None)


def test_edited_message_carries_the_edit_time() -> None:
    """An edit is flagged and dated when it was edited, not when first sent."""
    message = Message(
        message_id=9, date=SENT, chat=CHAT, from_user=USER, text="neu", edit_date=int(SENT.timestamp()) + 60
    )

    converted = buyer_message(message, edited=True)

    assert converted.edited is True
    assert (converted.sent_at - SENT).total_seconds() == 60


def test_every_button_fits_in_telegram_callback_data() -> None:
    """The longest FAQ id a suggestion may carry still packs within 64 bytes and round-trips."""
    action = Action(ActionKind.SUGGESTION, "x" * 58)

    packed = Button.of(action).pack()

    assert len(packed.encode()) <= 64
    assert Button.unpack(packed).kind is ActionKind.SUGGESTION
    assert Button.unpack(packed).value == action.value


def test_keyboard_layout_follows_the_actions() -> None:
    """Feedback buttons share a row, "talk to a human" has its own, languages go three to a row."""
    translator = Translator()
    answer = Reply(
        ReplyKey.FAQ_ANSWER,
        "en",
        text="…",
        actions=(
            Action(ActionKind.HELPFUL, "a"),
            Action(ActionKind.NOT_HELPFUL, "a"),
            Action(ActionKind.HUMAN),
        ),
    )
    picker = Reply(
        ReplyKey.GREETING, "en", actions=tuple(Action(ActionKind.LANGUAGE, c) for c in SUPPORTED_LANGUAGES)
    )

    answer_markup = keyboard(answer, translator)
    picker_markup = keyboard(picker, translator)

    assert answer_markup is not None
    assert [len(row) for row in answer_markup.inline_keyboard] == [2, 1]
    assert picker_markup is not None
    assert [len(row) for row in picker_markup.inline_keyboard] == [3] * 6 + [2]
    assert keyboard(Reply(ReplyKey.FEEDBACK_THANKS, "en"), translator) is None


def test_long_text_splits_on_paragraphs_then_words() -> None:
    """Parts stay within the limit, break at boundaries and lose no words."""
    text = "\n\n".join(["word " * 300] * 4).strip()

    parts = split_message(text, limit=2000)

    assert all(telegram_length(part) <= 2000 for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert all(not part.startswith(" ") and not part.endswith(" ") for part in parts)


def test_split_counts_emoji_as_telegram_does() -> None:
    """Astral characters count twice (UTF-16), so a text of emoji splits earlier than its len()."""
    parts = split_message("😀" * 3000, limit=4096)

    assert [telegram_length(part) for part in parts] == [4096, 1904]


def test_short_text_is_one_part() -> None:
    """Nothing to split: the text comes back unchanged."""
    assert split_message("Hallo!") == ["Hallo!"]


async def test_pacer_reserves_later_slots_per_chat_and_lets_others_go() -> None:
    """A second message to the same chat waits a second; another chat is not held up."""
    time = FakeTime()
    pacer = Pacer(Pace(per_chat_interval=1.0, global_interval=0.0), monotonic=time, sleep=time.sleep)

    assert await pacer.admit("a", 1) == Go()
    assert await pacer.admit("a", 2) == Later(1.0)
    assert await pacer.admit("a", 3) == Later(2.0)
    assert await pacer.admit("b", 4) == Go()
    time.now += 1.0
    assert await pacer.admit("a", 2) == Go()


async def test_pacer_spaces_messages_overall() -> None:
    """Across chats, messages are spaced by the global interval (slept, since it is short)."""
    time = FakeTime()
    pacer = Pacer(Pace(per_chat_interval=1.0, global_interval=0.05), monotonic=time, sleep=time.sleep)

    for item, chat in enumerate("abcd"):
        assert await pacer.admit(chat, item) == Go()

    assert round(time.now - 100.0, 6) == 0.15


def test_flood_control_warns_once_per_burst() -> None:
    """Past the limit within the window: one warning; after a quiet window, a new burst warns again."""
    time = FakeTime()
    control = FloodControl(3, 10.0, monotonic=time)

    burst = [control.over_limit("buyer") for _ in range(6)]
    time.now += 11
    quiet = control.over_limit("buyer")
    second = [control.over_limit("buyer") for _ in range(3)]

    assert burst == [False, False, False, True, False, False]
    assert quiet is False
    assert second == [False, False, True]
