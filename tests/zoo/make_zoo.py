"""Build the bad-input zoo: a corpus folder where most files are broken in a different way,
plus two good documents that must still be aligned with each other.

    .venv/bin/python tests/zoo/make_zoo.py OUT_DIR

Everything is generated here (PDFs are written byte by byte, encryption included), except
the scanned page and the two good documents, which are copied from tests/fixtures and the
sample corpus. ZOO says, for each file, what the pipeline must make of it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The two good documents: the same text in Traditional (PDF) and Simplified (HTML) Chinese.
# The HTML copy gets a name with spaces and non-Latin letters on purpose.
GOOD_PDF = "zh-Hant-tea-road.pdf"
GOOD_HTML = "茶路 簡體 نسخه.html"
LONG_PDF = "ledger 500 pages.pdf"
LONG_PDF_PAGES = 500
HUGE_PDF = "ledger 2000 pages.pdf"  # beyond extract.max_pages (1000): refused, not stalled


@dataclass(frozen=True)
class Expectation:
    outcome: str  # aligned | processed | failed | skipped | not aligned | left out (no document row)
    says: str = ""  # a fragment the problem message must contain (lower-cased match)


ZOO: dict[str, Expectation] = {
    GOOD_PDF: Expectation("aligned"),
    GOOD_HTML: Expectation("aligned"),
    LONG_PDF: Expectation("processed"),
    "encrypted-empty-password.pdf": Expectation("processed"),
    "truncated.pdf": Expectation("failed", "truncated pdf"),
    "garbage.pdf": Expectation("failed", "corrupt pdf"),
    "encrypted-with-password.pdf": Expectation("failed", "needs a password"),
    "scanned.pdf": Expectation("failed", "no text layer"),
    "empty.txt": Expectation("failed", "empty file"),
    "zero-pages.pdf": Expectation("failed", "zero pages"),
    "picture.pdf": Expectation("failed", "png image"),
    "notes-not-a-pdf.pdf": Expectation("failed", "not a pdf"),
    "persian-windows-1256.txt": Expectation("failed", "undecodable text"),
    "chinese-big5.txt": Expectation("failed", "undecodable text"),
    "slides.pptx": Expectation("skipped", "unsupported file type"),
    "russian.txt": Expectation("not aligned", "language 'ru'"),
    "arabic.txt": Expectation("not aligned", "language 'ar'"),
    "numbers-and-symbols.txt": Expectation("not aligned", "no text in a language"),
    # Names that Make cannot take as prerequisites; the corpus is listed in Python.
    "line\nbreak.txt": Expectation("processed"),
    "tab\tand:colon.txt": Expectation("processed"),
    "dangling link.pdf": Expectation("left out", "broken symbolic link"),
    "link-loop.pdf": Expectation("left out", "symbolic link loop"),
    "numerals-only.txt": Expectation("not aligned", "no text in a language"),
    "persian-quoting-urdu.txt": Expectation("processed"),
    "persian-broken-tounicode.pdf": Expectation("failed", "garbled text layer"),
    "english-shifted-tounicode.pdf": Expectation("failed", "garbled text layer"),
    "persian-charset-lie.html": Expectation("processed", "declares charset iso-8859-1 but is utf-8"),
    HUGE_PDF: Expectation("failed", "more than extract.max_pages"),
    "huge.txt": Expectation("failed", "more than any text of extract.max_chars"),
    "many-paragraphs.txt": Expectation("failed", "more than extract.max_passages"),
}

# Texts written for the zoo (not taken from any source).
# The long PDF's pages cycle through a few lines: extraction still reads 500 pages, while
# the embedding cache encodes each distinct line once (the model runs ~25 texts a second).
LEDGER_LINES = (
    "The caravan rested at the river ford while the clerk counted the bales of tea.",
    "Snow closed the mountain pass early, so the traders waited in the valley town.",
    "Each bale was weighed twice, once by the seller and once by the buyer's agent.",
    "Mules carried the lighter loads and yaks the heavier ones above the tree line.",
    "The ledger lists salt, wool and silver taken in exchange for the brick tea.",
)
EMPTY_PASSWORD_TEXT = ("This report opens without a password even though it is encrypted. "
                       "The tea caravans crossed the mountains before the first snow.")
LOCKED_TEXT = "This report is locked with a password that Hamta does not know."
PERSIAN_TEXT = ("کاروان‌های چای هر سال پیش از برف نخست از گردنه می‌گذشتند.\n"
                "بازرگانان در کاروانسرا بار خود را می‌شمردند و به راه ادامه می‌دادند.\n")
CHINESE_TEXT = "茶葉商隊每年在初雪之前翻越山口。\n商人們在驛站清點貨物，然後繼續趕路。\n"
RUSSIAN_TEXT = (
    "Караваны с чаем каждый год переходили горный перевал до первого снега.\n\n"
    "Купцы пересчитывали тюки в караван-сарае и на рассвете отправлялись дальше на север.\n\n"
    "Дорога была длинной, но торговля приносила городам вдоль неё богатство и новые знания.\n"
)
ARABIC_TEXT = (
    "كانت قوافل الشاي تعبر الممر الجبلي في كل عام قبل أن يسقط الثلج الأول.\n\n"
    "وفي الخان كان التجار يعدون البضائع ثم يواصلون الطريق إلى الشمال عند الفجر.\n\n"
    "كان الطريق طويلا، ولكن التجارة التي مرت عليه جلبت إلى المدن الثروة والمعرفة.\n"
)
NUMERALS_TEXT = "一二三 3.14159\n\n四五六 2.71828\n"
# Persian with an Urdu quotation: most words are Persian, so the paragraph is Persian.
PERSIAN_URDU_TEXT = (
    "کشاورزان در این منطقه با کمبود آب روبه‌رو هستند و باید روش آبیاری را تغییر دهند. "
    "یکی از آنان گفت: «کسان اس علاقے میں پانی کی کمی کا سامنا کر رہے ہیں.»\n"
)
CHARSET_LIE_HTML = (
    "<!doctype html><html><head><meta charset=\"iso-8859-1\"><title>کاروان چای</title></head><body>"
    "<article><h1>کاروان چای</h1><p>کاروان‌های چای هر سال پیش از برف نخست از گردنه می‌گذشتند و "
    "بازرگانان در کاروانسرا بار خود را می‌شمردند.</p><p>راه دراز بود، اما بازرگانی برای شهرهای "
    "کنار آن ثروت و دانش تازه می‌آورد.</p></article></body></html>"
)
NUMBERS_TEXT = (
    "1234 5678 9012 = 15924\n\n"
    "(12.5% + 7.5%) * 4 = 80% ; 3/4 -> 0.75 ; #42 @ 17:30 ...\n\n"
    "2024-03-01 | 2024-06-30 | 2024-12-31 -- 000 111 222 333 +++ ***\n"
)


# --- A minimal PDF writer -------------------------------------------------------------

_PASSWORD_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def _pad(password: str) -> bytes:
    return (password.encode("latin-1") + _PASSWORD_PAD)[:32]


@dataclass
class _Encryption:
    """The PDF standard security handler, revision 2 (40-bit RC4), which every reader opens."""

    user_password: str
    owner_password: str = "hamta-owner"
    permissions: int = -4
    file_id: bytes = hashlib.md5(b"hamta zoo").digest()

    def __post_init__(self):
        owner_key = hashlib.md5(_pad(self.owner_password)).digest()[:5]
        self.owner_entry = _rc4(owner_key, _pad(self.user_password))
        self.key = hashlib.md5(_pad(self.user_password) + self.owner_entry
                               + struct.pack("<i", self.permissions) + self.file_id).digest()[:5]
        self.user_entry = _rc4(self.key, _PASSWORD_PAD)

    def dictionary(self) -> bytes:
        return (f"<< /Filter /Standard /V 1 /R 2 /O <{self.owner_entry.hex()}> "
                f"/U <{self.user_entry.hex()}> /P {self.permissions} >>").encode()

    def encrypt(self, number: int, data: bytes) -> bytes:
        object_key = hashlib.md5(self.key + number.to_bytes(3, "little") + b"\0\0").digest()[:10]
        return _rc4(object_key, data)


def _pdf_string(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})".encode("latin-1")


def minimal_pdf(pages: list[list[str]], encryption: _Encryption | None = None,
                size: tuple[int, int] = (300, 120)) -> bytes:
    """A PDF with one Helvetica text line per entry of each page (Latin-1 text only)."""
    width, height = size
    objects: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
                                 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                                    b"/Encoding /WinAnsiEncoding >>"}
    kids = []
    for index, lines in enumerate(pages):
        page_number, content_number = 4 + 2 * index, 5 + 2 * index
        kids.append(f"{page_number} 0 R")
        objects[page_number] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
                                f"/Resources << /Font << /F1 3 0 R >> >> "
                                f"/Contents {content_number} 0 R >>").encode()
        ops = [b"BT /F1 9 Tf 11 TL", f"12 {height - 24} Td".encode()]
        ops += [_pdf_string(line) + b" '" for line in lines]
        stream = b"\n".join(ops + [b"ET"])
        if encryption:
            stream = encryption.encrypt(content_number, stream)
        objects[content_number] = (f"<< /Length {len(stream)} >>\nstream\n".encode()
                                   + stream + b"\nendstream")
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    if encryption:
        objects[len(objects) + 1] = encryption.dictionary()

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref_at = len(out)
    count = max(objects) + 1
    out += f"xref\n0 {count}\n0000000000 65535 f \n".encode()
    for number in range(1, count):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    trailer = f"<< /Size {count} /Root 1 0 R"
    if encryption:
        trailer += f" /Encrypt {max(objects)} 0 R /ID [<{encryption.file_id.hex()}> <{encryption.file_id.hex()}>]"
    out += f"trailer\n{trailer} >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def _wrapped(text: str, width: int = 60) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


# --- Broken ToUnicode maps ---------------------------------------------------------------

_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.DOTALL)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.DOTALL)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _remap_cmap(cmap: bytes, remap) -> bytes:
    """A ToUnicode CMap whose targets are passed through remap (code point -> code point),
    written back as plain bfchar entries (ranges are spelt out)."""
    mapping: dict[str, str] = {}
    for block in _BFCHAR.findall(cmap):
        values = _HEX.findall(block)
        for code, target in zip(values[::2], values[1::2]):
            mapping[code.decode()] = target.decode()
    for block in _BFRANGE.findall(cmap):
        values = _HEX.findall(block)
        for low, high, start in zip(values[::3], values[1::3], values[2::3]):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                code = f"{int(low, 16) + offset:0{len(low)}X}"
                mapping[code] = f"{int(start, 16) + offset:04X}"
    head = cmap[:min(m.start() for m in [*_BFCHAR.finditer(cmap), *_BFRANGE.finditer(cmap)])]
    head = head[:head.rstrip().rfind(b"\n") + 1]  # drop the "N beginbf..." count line
    entries = [(code, "".join(f"{remap(int(target[i:i + 4], 16)):04X}" for i in range(0, len(target), 4)))
               for code, target in sorted(mapping.items())]
    body = b""
    for i in range(0, len(entries), 100):
        chunk = entries[i:i + 100]
        body += f"{len(chunk)} beginbfchar\n".encode()
        body += b"".join(f"<{code}> <{target}>\n".encode() for code, target in chunk)
        body += b"endbfchar\n"
    return head + body + b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"


def garbled_pdf(source: Path, font_part: str, remap) -> bytes:
    """source with the ToUnicode map of every font whose name contains font_part broken:
    the page looks the same, its text layer says something else."""
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(source))
    for page in writer.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if font_part in str(font["/BaseFont"]) and "/ToUnicode" in font:
                stream = font["/ToUnicode"].get_object()
                stream.set_data(_remap_cmap(stream.get_data(), remap))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def arabic_to_cyrillic(code: int) -> int:
    arabic = 0x0600 <= code <= 0x06FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF
    return 0x0430 + code % 32 if arabic else code


def shift_latin(code: int) -> int:
    for first in (ord("a"), ord("A")):
        if first <= code < first + 26:
            return first + (code - first + 1) % 26
    return code


# --- The zoo ----------------------------------------------------------------------------

def make_zoo(folder: Path) -> dict[str, Expectation]:
    """Write every zoo file into folder (created if needed); returns ZOO."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write = lambda name, data: (folder / name).write_bytes(data)  # noqa: E731

    shutil.copyfile(ROOT / "corpus" / "zh-Hant-tea-road.pdf", folder / GOOD_PDF)
    shutil.copyfile(ROOT / "corpus" / "zh-Hans-tea-road.html", folder / GOOD_HTML)
    shutil.copyfile(ROOT / "tests" / "fixtures" / "scanned.pdf", folder / "scanned.pdf")

    write(LONG_PDF, minimal_pdf([[LEDGER_LINES[n % len(LEDGER_LINES)]] for n in range(LONG_PDF_PAGES)],
                                size=(420, 60)))
    write("encrypted-empty-password.pdf",
          minimal_pdf([_wrapped(EMPTY_PASSWORD_TEXT)], _Encryption(user_password="")))
    write("encrypted-with-password.pdf",
          minimal_pdf([_wrapped(LOCKED_TEXT)], _Encryption(user_password="hamta-secret")))
    good = (ROOT / "corpus" / "zh-Hant-tea-road.pdf").read_bytes()
    write("truncated.pdf", good[: len(good) // 2])
    # Deterministic noise behind a valid header and trailer marker.
    noise = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(256))
    write("garbage.pdf", b"%PDF-1.7\n" + noise + b"\n%%EOF\n")
    write("empty.txt", b"")
    write("zero-pages.pdf", minimal_pdf([]))
    write("picture.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64))
    write("notes-not-a-pdf.pdf", "These are meeting notes saved with the wrong extension.\n".encode())
    # Windows-1256 has no Persian yeh and kaf: legacy files carry the Arabic letters.
    legacy_persian = PERSIAN_TEXT.translate({0x06CC: 0x064A, 0x06A9: 0x0643})
    write("persian-windows-1256.txt", legacy_persian.encode("cp1256"))
    write("chinese-big5.txt", CHINESE_TEXT.encode("big5"))
    write("slides.pptx", b"PK\x03\x04" + bytes(60))
    write("russian.txt", RUSSIAN_TEXT.encode("utf-8"))
    write("arabic.txt", ARABIC_TEXT.encode("utf-8"))
    write("numbers-and-symbols.txt", NUMBERS_TEXT.encode("utf-8"))

    write("line\nbreak.txt", EMPTY_PASSWORD_TEXT.encode("utf-8"))
    write("tab\tand:colon.txt", " ".join(LEDGER_LINES[:3]).encode("utf-8"))
    for name, target in (("dangling link.pdf", "gone.pdf"), ("link-loop.pdf", "link-loop.pdf")):
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(target)
    write("numerals-only.txt", NUMERALS_TEXT.encode("utf-8"))
    write("persian-quoting-urdu.txt", PERSIAN_URDU_TEXT.encode("utf-8"))
    write("persian-broken-tounicode.pdf",
          garbled_pdf(ROOT / "corpus" / "fa-tea-road-summary.pdf", "NotoNaskhArabic", arabic_to_cyrillic))
    write("english-shifted-tounicode.pdf",
          garbled_pdf(ROOT / "corpus" / "en-beekeeping.pdf", "NotoSerif", shift_latin))
    write("persian-charset-lie.html", CHARSET_LIE_HTML.encode("utf-8"))
    write(HUGE_PDF, minimal_pdf([[LEDGER_LINES[n % len(LEDGER_LINES)]] for n in range(2000)], size=(420, 60)))
    # 25 MB: more bytes than 5,000,000 characters (extract.max_chars) can take in UTF-8.
    write("huge.txt", (" ".join(LEDGER_LINES) + "\n").encode("utf-8") * 64_000)
    write("many-paragraphs.txt", "".join(f"Bale {n}.\n\n" for n in range(20_001)).encode("utf-8"))
    return dict(ZOO)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    made = make_zoo(Path(sys.argv[1]))
    print(f"{len(made)} files written to {sys.argv[1]}")
