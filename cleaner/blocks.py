"""What a line of a newspaper page is: heading, byline, caption, list item, separator, label or text.

The layout stage reads a document as a sequence of lines (single "\\n" inside a paragraph, a blank
line between paragraphs) and decides from each line's form, and from the line before it, what the
line is. Only ``text`` lines (and list items and ``▲`` captions, which are written like running
text) can be broken fragments; everything else stands on its own line.

Every test here is about the line's own characters: line length alone is never taken as evidence,
because the narrow columns of a page give 6–20-character fragments exactly as long as headlines.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import regex

# Sentence-final marks. A fragment ending in one of these (optionally followed by closing quotes or
# brackets) ends a sentence. `；` and `：` count as ends: in the sample corpus every line ending in
# them ends a list item or introduces a new paragraph ("各位代表：", "以下工作：").
SENTENCE_END = "。！？!?…；;：:"
CLOSERS = "”’」』）)"
# Marks that never end a fragment: the next fragment always continues the sentence.
CONTINUING = "，,、"
# Punctuation that makes a line read as running text (inside a line, outside quotes and brackets).
_CLAUSE_MARKS = "，,、；;：:。！？!?"

CJK = r"\p{Han}"
_MD_HEADING = regex.compile(r"^(#{1,6})[ \t]+(?=\S)")
_BULLET = regex.compile(r"^([-*+])[ \t]+(?=\S)")
# All block marks at the start of a line ("# ", "- ", "## - "), removed together.
# Indentation before them goes with them: the spacing stage removes indentation later anyway.
BLOCK_MARKS = regex.compile(r"^[ \t]*(?:(?:#{1,6}|[-*+])[ \t]+(?=\S))+", regex.MULTILINE)
# Spaces beside full-width punctuation go in a later stage, so "** ，**" is read as the "**，**" it becomes.
_FULL_MARKS = "，。、；：！？…—“”‘’（）《》「」『』"
_BOLD = regex.compile(rf"(?<!\*)\*\*(?=[^\s*]|[ \t]+[{_FULL_MARKS}])(.+?)(?<=[^\s*]|[{_FULL_MARKS}][ \t]+)\*\*(?!\*)")
# Not "0...": an ellipsis after a number, which the punctuation stage makes "0……".
_NUMBERED = regex.compile(r"^\d{1,3}[.．](?![.．])[ \t]*\S")
# ... but an amount is no item's number: a decimal with its unit or a percent sign ("107.05点。",
# "1.8亿元", "4.3%"), where a column's edge fell before a number in running text.
_AMOUNT = regex.compile(r"^\d+[.．]\d+(?:[%％‰]|[亿万千百元角米吨克斤升秒度点倍个岁])")
# A newspaper section letter ("A 锚定“高分子”迈向“高精尖”") heads a line with no clause marks: the
# space after a capital is the spacing stage's to add (``insert``), so "A股上涨，" read as text must
# read so as "A 股上涨，" too.
_SECTION_LETTER = regex.compile(rf"^[A-Z][ \t]+{CJK}")
_SECTION_STARTS = frozenset("一二三四五六七八九十第")
_CHINESE_SECTION = regex.compile(r"^(?:[一二三四五六七八九十]{1,3}、|第[一二三四五六七八九十百\d]{1,4}[章节部分篇])")
_NAME_RUN = rf"{CJK}{{2,3}}(?:[ \u3000]{CJK}{{2,3}})+"
_NAMES = regex.compile(rf"^(?:[（(]{_NAME_RUN}[）)]|{_NAME_RUN})$")
# A title and a name ("区长 赖晓智", "株洲市渌口区人民政府区长 赖晓智"): the title is Han characters
# that end in an office's word (长, 书记, 主任, 记者…), not a dateline or a fragment of text a
# space cut ("据新华社巴格达1]月25日电〈记者顾正龙) 伊拉克", OCR's "…专访时 指出").
_TITLE_ENDS = "长记任理席事授师者官员人士表导家监裁编辑稿书部生"
_TITLE_AND_NAME = regex.compile(rf"^{CJK}{{1,15}}[{_TITLE_ENDS}][ \u3000]{CJK}{{2,3}}$")
_REPORTER_WORDS = ("记者", "通讯员", "特约撰稿", "实习生")
_REPORTER = re.compile("|".join(_REPORTER_WORDS))  # literal words: re splits as regex does, faster
# A byline names people: before its first role word at most a masthead ("株洲日报全媒体", "（新华社",
# "本报驻京"), after each role word names (and "摄") of a few characters, set apart by spaces or
# "、". Running text that mentions a reporter ("受记者采访时曾感…", "对于记者的问题回") does not.
_MASTHEAD = r"[^\d\s，,。：:]{0,6}(?:报|社|台|网|体|约|席|习|刊|站)|本报驻[^\d\s，,。：:]{1,3}"
_BYLINE_HEAD = regex.compile(rf"^[（(]?(?:{_MASTHEAD})?$")
_BYLINE_NAMES = regex.compile(r"^[ \u3000]*(?:[^\s、·的了]{1,4}(?:[ \u3000、·]+|$))*$")


def is_byline_form(plain: str) -> bool:
    """A line shaped like a byline: role words followed only by short names (see above). Written
    straight after its role word, a name does not start with a word unless it reads as names too
    (``记者招待会上`` is text about a press conference; ``本报记者李明`` a byline)."""
    parts = _REPORTER.split(plain)
    return (
        len(parts) > 1
        and bool(_BYLINE_HEAD.match(parts[0]))
        and all(_BYLINE_NAMES.match(p) and (p[:1] in " \u3000、·" or _unspaced_name(p)) for p in parts[1:])
    )


# What may follow a name straight after a role word: a photo credit, a closing bracket.
_AFTER_NAME = regex.compile(r"(?:摄影|摄|报道)?[）)]?$")


def _unspaced_name(part: str) -> bool:
    """Whether ``part``, written straight after a role word, starts with names (or is empty, or a
    credit alone: ``本报记者摄``): not with a word (``记者招待会上``, ``记者了解到``) unless the word
    reads as names too (``本报记者李明``)."""
    name = regex.split(r"[ \u3000、·]", part, maxsplit=1)[0]
    name = name[: _AFTER_NAME.search(name).start()]
    return not _starts_with_word(name) or _names(name)


def _bare_names(plain: str) -> bool:
    """Whether ``plain`` is names alone, set apart by spaces (``吴兰梅 吴超``): runs of two or three
    Han characters, each a surname and a given name. Text an OCR engine cut into short runs
    (``基于 引起普``) has the shape but not the names."""
    if not _NAMES.match(plain):
        return False
    return all(_names(run) for run in regex.split(r"[ \u3000]+", plain.strip("（()）")) if run)


def _starts_with_word(run: str) -> bool:
    from cleaner.suggest.words import in_word  # imported here: it imports this module's importers

    return len(run) >= 2 and in_word(run[0], run[1])


def _names(run: str) -> bool:
    """Whether ``run`` reads as names set side by side (``董旭罗英``): each a surname and a given
    name of one or two characters."""
    if not run:
        return True
    surnames = _surnames()
    surname = 2 if run[:2] in surnames else 1 if run[:1] in surnames else 0
    return surname > 0 and any(_names(run[surname + given :]) for given in (1, 2) if len(run) >= surname + given)


@cache
def _surnames() -> frozenset[str]:
    """Common surnames, single and compound (``cleaner/data/surnames.txt``)."""
    lines = (Path(__file__).resolve().parent / "data" / "surnames.txt").read_text(encoding="utf-8").split("\n")
    return frozenset(line for line in lines if line and not line.startswith("#"))


# "新华社曼谷1月21日电（记者熊平）泰国…": a dateline opens the article's running text.
_DATELINE = regex.compile(r"^[^，。,]{0,16}\d{1,2}月\d{1,2}日电")
_PICTURE_NOTE = regex.compile(r"^[（(][^（）()]*(?:图片|图文|摄影)[^（）()]*[）)]$")
# A run of one mark, a lone ``*``, or a lone ``%`` (``%%``): the line between the entries of a
# fortune file, a quotation collection one entry after another.
_SEPARATOR = regex.compile(r"^(?:[…\.·。＊*\-—=~～ ]{2,}|\*|%%?)$")
_SEPARATOR_STARTS = frozenset("….·。＊*-—=~～ %")
# Column labels: a word that heads the text after it (so that text starts, it does not continue).
COLUMN_LABELS = frozenset(
    {"前言", "观察", "编者按", "编后", "短评", "评论", "链接", "相关链接", "背景", "延伸阅读", "导读", "提示"}
)
# What a sentence (and so a new paragraph) typically opens with in a newspaper: a date, a quotation,
# a dateline ("本报讯", "本报北京1月3日电", "新华社…电": an article's first paragraph).
_OPENER = regex.compile(
    r"^(?:\d{1,4}[ \t]*[年月日]|\d{1,2}[—\-–~～至]\d{1,2}[ \t]*月|[“「『‘]"
    r"|本报讯|本报[^，。,]{0,12}\d{1,2}月\d{1,2}日电|新华社[^，。,]{0,12}\d{1,2}月\d{1,2}日电)"
)
# Brackets pair whatever their widths: the punctuation stage makes "（,)" a "（，）" after layout read it.
_QUOTED = regex.compile(r"“[^“”]*”|‘[^‘’]*’|「[^「」]*」|『[^『』]*』|《[^《》]*》|[（(][^（）()]*[）)]")
_CJK_SPACE_CJK = regex.compile(rf"{CJK}[ \u3000]+(?:{CJK}|“)")
# A half-width period between Han characters counts as "。": the punctuation stage makes it one
# after layout has read the line, and the output must read the same when it is cleaned again.
_HAN_PERIOD = r"(?<=\p{Han})\.(?=\p{Han}|$)"
_HAN_PERIOD_END = regex.compile(r"\p{Han}\.$")
# A line without Han characters, of one or two words (not English prose), ending in a word and a
# full stop.
_SHORT_LATIN_PERIOD_END = regex.compile(r"^[^\p{Han}\s]*(?:\s+[^\p{Han}\s]+)?[A-Za-z0-9]\.$")
STOP_RE = regex.compile(r"[。！？!?]|" + _HAN_PERIOD)
_CLAUSE_RE = regex.compile(r"[，,、；;：:。！？!?]|" + _HAN_PERIOD)
# Patterns of literal characters only, asked of every line, are Python's re: it finds them about
# twice as fast as regex, with the same matches.
_OPENING = re.compile(r"[“‘「『《（(]")
# Every character _CLAUSE_RE can match (the period only after a Han character), and the marks
# _CLAUSE_RE and STOP_RE match wherever they stand.
_CLAUSE_CHARS = re.compile("[" + re.escape(_CLAUSE_MARKS + ".") + "]")
_CLAUSE_MARK = re.compile("[" + re.escape(_CLAUSE_MARKS) + "]")
_STOP_MARK = re.compile("[。！？!?]")


def _has(marks: re.Pattern[str], pattern: regex.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` (``marks`` or a period after a Han character) matches in ``text``: the
    marks are looked for first, the whole pattern only where a period could match."""
    return marks.search(text) is not None or ("." in text and pattern.search(text) is not None)


def has_stop(text: str) -> bool:
    """Whether ``text`` has a full stop (``STOP_RE``) anywhere."""
    return _has(_STOP_MARK, STOP_RE, text)


_MARK_STARTS = frozenset("#-*+")
CREDIT_ENDINGS = tuple(f"{space}{word}" for space in " \u3000" for word in ("摄", "供图", "摄影", "制图"))
# A credit's space after a mark the spacing stage removes the space beside ("？ 摄" becomes "？摄"):
# such a line must not read as a caption, or its output reads differently when cleaned again.
_SPACE_AFTER_MARK = regex.compile(r"[，。、；：！？（）,.;:!?()][ \t\u3000]+\S+$")


# A credit line written without a space ("受访者供图", "区文旅局供图"); "提供图" is "提供图片" cut at the
# line's end.
_BARE_CREDIT = regex.compile(r"^\p{Han}{2,10}(?<!提)供图$")
# What every match of _BARE_CREDIT ends with (``$`` is also before a final line break): asked first,
# the pattern would walk back over the first Han characters of most lines.
_BARE_CREDIT_ENDS = ("供图", "供图\n")


def ends_with_credit(plain: str) -> bool:
    """True if ``plain`` ends with a photo credit after a space ("文禹 摄") that spacing keeps."""
    return plain.endswith(CREDIT_ENDINGS) and _SPACE_AFTER_MARK.search(plain) is None


def strip_marks(line: str) -> str:
    """The line without Markdown marks (heading ``#``, bullet ``-``, ``**bold**``), for reading its form."""
    if line.lstrip(" \t")[:1] not in _MARK_STARTS and "**" not in line:
        return line  # most lines: nothing to do (checked first, the stage reads every line)
    return BLOCK_MARKS.sub("", line, count=1).replace("**", "")


# A quotation's attribution at the end of a line: a dash, a name, a title in 《》.
_ATTRIBUTED_END = regex.compile(
    r"(?:--|——|—)\s*[^，。！？；：,.!?;:《》\s][^，。！？；：,.!?;:《》]{0,20}《[^《》]{1,40}》$"
)


def names_a_reporter(plain: str) -> bool:
    """Whether a byline says it is one (``记者``, ``通讯员``), rather than being only names."""
    return _REPORTER.search(plain) is not None


# A wide gap before a line's last few characters (up to three groups of one or two): what stands
# past it is not the sentence's (a glyph read from the page's margin, a table's next column).
_GAP_TAIL = regex.compile(r"(?<=\S)(?:[ \t]{4,}|\u3000{2,})\S{1,2}(?:[ \t\u3000]+\S{1,2}){0,2}$")


def _gapped_tail(text: str) -> bool:
    """Whether ``text`` may end in a _GAP_TAIL (a space before its last one or two characters)."""
    tail = text[-3:-1]
    return text[-1] not in SENTENCE_END and (" " in tail or "\u3000" in tail or "\t" in tail)


def _ended_before_gap(text: str) -> regex.Match[str] | None:
    """The wide gap and what stands past it at the end of ``text``, when a sentence ends before
    the gap (``…的职能。    一``)."""
    if not _gapped_tail(text) or not (gap := _GAP_TAIL.search(text)):
        return None
    return gap if ends_sentence(text[: gap.start()]) else None


def margin_tail(plain: str) -> tuple[int, int] | None:
    """Where the wide gap lies at the end of ``plain`` when a sentence ends before it and what
    stands past it holds a letter, digit, ideograph, bar or asterisk (other marks alone are specks,
    :mod:`cleaner.furniture`)."""
    gap = _ended_before_gap(plain)
    if gap is None or not any(char.isalnum() or char in "|*" for char in gap.group()):
        return None
    spaces = len(gap.group()) - len(gap.group().lstrip())
    return gap.start(), gap.start() + spaces


# A final mark and a dot after it (a space between allowed): OCR reads a speck as the dot.
_SPECK_AFTER_STOP = re.compile(r"[。！？；：] ?\.$")
# A final mark and an opening quotation mark at a line's end, perhaps a gap between: Tesseract reads
# a closing mark as an opening one ("…有什么可怜呢?“"); typesetting never ends a line with one.
MISREAD_CLOSER = re.compile(r"[。！？!?…][ \t]?([“‘])$")


def ends_sentence(plain: str) -> bool:
    """True if ``plain`` ends a sentence: a final mark, perhaps inside closing quotes or brackets.

    A closing quote or bracket on its own also counts (“进度条”, (摄选), (区)): in the corpus such
    lines are headlines, list items or credits, and when in doubt a line is not joined.
    """
    text = plain.rstrip()
    if not text:
        return True
    if _ended_before_gap(text):
        return True  # "…的职能。    一": what stands past a wide gap is page debris or another column
    last = text[-1]
    if last in CLOSERS:
        return not _closes_a_term(text)
    if last in SENTENCE_END or (last == "." and _HAN_PERIOD_END.search(text)):
        return True
    if last == "." and _SHORT_LATIN_PERIOD_END.match(text):
        return True  # the punctuation stage makes "。" after a word in a line of Latin words "."
    if last == "." and _SPECK_AFTER_STOP.search(text):
        return True  # "…情景来。.": a speck read as a dot after the stop (punctuation's ocr_speck drops it)
    if last in "“‘" and MISREAD_CLOSER.search(text):
        return True  # "…包好！“": no line of type ends with an opening mark; a closing one misread
    if last == "》" and _ATTRIBUTED_END.search(text):
        return True  # "…沧海。--李白《行路难》": a quotation and its attribution end there
    # "..." becomes "……" in the punctuation stage; older texts write the dash with box-drawing lines.
    return text.endswith(("——", "...", "──"))


_TERM_LENGTH = 12  # characters inside the quotes or brackets of a term named in a sentence
_OPENING_MARKS = "“‘「『（(〈《[【〔"
_WANTS_MORE = "的在和与或及将把被向并让使由以从对用按"  # not 于: "关于「…」" heads a section


def _closes_a_term(text: str) -> bool:
    """Whether a line ending in a closing quote or bracket closes a term inside its sentence
    (``…上时，「扩展提示」``, ``…电（记者周锡生）``): the opening mark is on the line after other
    text, and no sentence mark comes before the close. A line that is all quoted or bracketed
    (``“进度条”``, ``（摄选）``) or a quotation that ends a sentence (``…不懂事……”``) ends there."""
    body = text.rstrip(CLOSERS).rstrip()  # (OCR sets a space between marks: "回去么? ”")
    if not body or body[-1] in SENTENCE_END or body.endswith(("——", "...")):
        return False
    # Any opening mark: the punctuation stage pairs them anew ("〈…)" becomes "（…）").
    opener = max(body.rfind(mark) for mark in _OPENING_MARKS)
    if opener <= 0 or len(body) - opener - 1 > _TERM_LENGTH:
        return False
    before = text[:opener].rstrip()
    # After a full stop the bracket is a note appended to the paragraph ("…佳节。（刘玉红）"); with no
    # clause mark before it the line is a headline or a dateline ("…讲话（附图片1张）").
    if not before or before[-1] in SENTENCE_END:
        return False
    # A particle or preposition right before the mark ("…窗口下边缘的「状态」", "您可以在「图表向导」")
    # wants what follows: the sentence goes on even with no clause mark before it.
    return has_clause_marks(before) or before[-1] in _WANTS_MORE


def ends_continuing(plain: str) -> bool:
    """True if ``plain`` ends with a comma or enumeration comma: the sentence must go on."""
    text = plain.rstrip()
    return bool(text) and text[-1] in CONTINUING


_PERIOD_END = regex.compile(r"(?:\p{Han}|[a-z]{2}|[A-Z]{2}|\d|[”’)\]\"'])\.$")


def ends_with_period(plain: str) -> bool:
    """True if ``plain`` ends with a half-width full stop that closes a sentence: after a word of
    two or more letters, a Han character, a digit or a closing mark (not an initial, ``e.``, and
    not ``..``)."""
    text = plain.rstrip()
    return text.endswith(".") and _PERIOD_END.search(text) is not None


def runs_on(plain: str) -> bool:
    """True if ``plain`` ends a clause, not its sentence: a semicolon, or a dash after running text
    ("故乡本也如此，——"; a bare line ending in a dash is a heading: "产业链上有“钢”彩——")."""
    text = plain.rstrip()
    if text.endswith(("；", ";")):
        return True
    return text.endswith("—") and has_clause_marks(text.rstrip("—"))


def splits_mark(before: str, after: str) -> bool:
    """True if a line break falls inside an ellipsis or a dash ("走去…" / "…", "感——" / "—")."""
    last = before.rstrip()[-1:]
    return last in "…—" and after[:1] == last


def starts_like_opener(plain: str) -> bool:
    """True if ``plain`` opens the way a new sentence does (a date, a quotation)."""
    # Every opener starts with a digit, a quotation mark, 本 or 新: a line starting with another
    # letter (most lines) is not asked of the pattern.
    first = plain[:1]
    if first.isalpha() and first not in "本新":
        return False
    return bool(_OPENER.match(plain))


def outside_quotes(plain: str) -> str:
    """``plain`` with quoted and bracketed spans removed (their punctuation is not the line's)."""
    if not _OPENING.search(plain):
        return plain
    for _ in range(3):  # nested quotes, a few levels deep (bounded: the stage must stay linear)
        previous, plain = plain, _QUOTED.sub("", plain)
        if previous == plain or not _OPENING.search(plain):
            break  # (every quoted span starts with an opening mark: with none left, none is found)
    return plain


# A colon or comma between digits is part of a number: a time (10:24), a score (3:1), thousands
# (1,000).
_NUMBER_MARK = re.compile(r"(?<=\d)[:,](?=\d)")
# A URL: a scheme, ``://`` and what follows up to a space or full-width punctuation.
URL = r"[A-Za-z][A-Za-z0-9+.-]*://[^\s，。、；：！？（）“”「」]*"
_URL = re.compile(URL)


def has_clause_marks(plain: str) -> bool:
    """True if the line has clause punctuation outside quotes and brackets (not inside a number)."""
    mark = _CLAUSE_CHARS.search(plain)
    if mark is None:
        return False  # no mark at all, inside quotes or out (a fifth of the lines)
    if ("," in plain or ":" in plain) and _NUMBER_MARK.search(plain):
        plain = _NUMBER_MARK.sub("", plain)
        mark = _CLAUSE_CHARS.search(plain)
        if mark is None:
            return False
    if "://" in plain:
        plain = _URL.sub("", plain)  # a URL's colon and dots are no clause marks
        mark = _CLAUSE_CHARS.search(plain)
        if mark is None:
            return False
    if mark.group() != "." and _OPENING.search(plain) is None:
        return True  # a mark, and no quotation or bracket it could stand in (most lines)
    return _has(_CLAUSE_MARK, _CLAUSE_RE, outside_quotes(plain))


def has_inner_stop(plain: str) -> bool:
    """True if a sentence ends inside the line (a `。！？` before its last character)."""
    text = plain.rstrip().rstrip(CLOSERS + SENTENCE_END)
    return has_stop(text)


_COMMA = regex.compile(r"[，,]")


def is_headline_form(plain: str) -> bool:
    """A line that reads as a headline when it starts a block.

    No clause punctuation outside quotes and brackets and no final mark ("政府工作报告",
    "桂阳县进一步擦亮“身处桂阳、办事不难”服务名片"), or a two-part headline: one comma between
    two halves of 4–12 characters and nothing else ("聚焦重点“集”，壮大发展新优势").
    """
    if ends_sentence(plain) or ends_continuing(plain) or STOP_RE.search(plain):
        return False  # a sentence ends inside it, if only in a quotation: running text
    bare = outside_quotes(plain)
    marks = _CLAUSE_RE.findall(bare)
    if not marks:
        return True
    if len(marks) == 1 and marks[0] in "，,":
        # Spaces do not count: the spacing stage adds and removes them later.
        bare_text = plain.replace("“", "").replace("”", "").replace(" ", "")
        head, tail = _COMMA.split(bare_text, maxsplit=1)
        return 4 <= len(head) <= 12 and 4 <= len(tail) <= 12
    return False


# Three or more one-character words set apart ("渌 口 区"): letter spacing, which the spacing stage
# closes up ("渌口区"), so it is no space between the parts of a headline.
_LETTER_SPACED = regex.compile(r"(?<!\p{Han})\p{Han}(?:[ \t\u00a0\u3000]+\p{Han}(?!\p{Han})){2,}")
_SPACES = regex.compile(r"[ \t\u00a0\u3000]+")


def is_spaced_headline(plain: str) -> bool:
    """Two-part headlines and slogans set with a space ("提质发展 绘就精彩渌口") and no clause marks."""
    if (" " not in plain and "\u3000" not in plain) or ends_continuing(plain):
        return False
    plain = _LETTER_SPACED.sub(lambda m: _SPACES.sub("", m.group()), plain)
    return bool(_CJK_SPACE_CJK.search(plain)) and not has_clause_marks(plain)


def is_one_sentence(plain: str, limit: int = 60) -> bool:
    """One short complete sentence: a final mark at the end and none inside (a caption's shape)."""
    return ends_sentence(plain) and not has_inner_stop(plain) and len(plain) <= limit and plain[-1:] not in CLOSERS


# Static kinds, from the line alone.
HEADING = "heading"
BYLINE = "byline"
CAPTION = "caption"
LIST = "list"
SEPARATOR = "separator"
LABEL = "label"
TEXT = "text"
DASH = "dash"  # a line starting with "——": a subtitle after a heading, a list item otherwise


# Bullets a list item opens with in plain text (Word, WPS and web pages paste them as characters);
# not ▲, a picture's caption, nor ·, which opens a subtitle (``·渌口篇``) as often.
BULLETS = frozenset("•●○◦■□◆◇▪▫►▶▷➢➤✓✔√※★☆")


def static_kind(line: str) -> str:
    """The kind of a line from its own characters (context refines ``dash`` and ``text`` later)."""
    if line[:1] in _MARK_STARTS:
        if _MD_HEADING.match(line):
            return HEADING
        if _BULLET.match(line):
            return LIST
    plain = strip_marks(line).strip()
    if not plain:
        return SEPARATOR
    first, short = plain[0], len(plain) <= 60
    if first in _SEPARATOR_STARTS and _SEPARATOR.match(plain):
        return SEPARATOR
    if first in BULLETS and len(plain) > 1 and plain[1] not in BULLETS:
        return LIST  # "● 加强组织领导", "★重点任务一：…" (a run of them, ★★★★☆, is a rating)
    if first == "▲" or ends_with_credit(plain) or (plain.endswith(_BARE_CREDIT_ENDS) and _BARE_CREDIT.match(plain)):
        return CAPTION
    if plain.startswith(("图：", "图:", "图为")) and ends_sentence(plain):
        return CAPTION  # a fragment of running text can start with 图为 too; a caption is whole
    if first in "（(" and _PICTURE_NOTE.match(plain):
        return CAPTION
    if plain in COLUMN_LABELS:
        return LABEL
    # Names are set apart by a space (the patterns ask for one; most lines have none).
    spaced = " " in plain or "\u3000" in plain
    if short and spaced and (_bare_names(plain) or _TITLE_AND_NAME.match(plain)):
        return BYLINE
    if (
        short
        and is_byline_form(plain)
        and not ends_sentence(plain)
        and not has_clause_marks(plain)
        and not (_DATELINE.match(plain))
    ):
        return BYLINE  # "记者 邹敬文 通讯员 刘晓欢"; running text that mentions a reporter has punctuation
    if plain.startswith("——"):
        return DASH
    if first.isdigit() and _NUMBERED.match(plain) and not _AMOUNT.match(plain):
        return LIST
    # (The patterns' first characters are asked first: most lines start otherwise.)
    if ("A" <= first <= "Z" and _SECTION_LETTER.match(plain) and not has_clause_marks(plain)) or (
        first in _SECTION_STARTS
        and _CHINESE_SECTION.match(plain)
        and not ends_sentence(plain)
        and not has_inner_stop(plain)
    ):
        return HEADING
    if plain.endswith("——") and not has_inner_stop(plain) and not runs_on(plain):
        return HEADING  # a kicker: "建强基础铺“底”色——"
    return TEXT


# A line that starts with none of these and ends with a clause-final mark is plain running text
# whatever else it holds: ``static_kind`` would say TEXT, and it can neither head nor continue.
_SPECIAL_STARTS = frozenset("#-*+▲图（(—…·.。＊=~～ \t\u3000ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789一二三四五六七八九十第")
_PLAIN_ENDS = frozenset("。！？!?：:")


def is_plain_sentence_line(line: str) -> bool:
    """A fast test for the common case: a line of running text that ends a sentence."""
    return bool(line) and line[0] not in _SPECIAL_STARTS and line[-1] in _PLAIN_ENDS


def is_marked(line: str) -> bool:
    """True if the line carries a Markdown block mark (``#`` heading or ``-`` bullet)."""
    if line[:1] not in _MARK_STARTS:
        return False  # each mark starts the line (asked of most lines near a possible heal)
    return bool(_MD_HEADING.match(line) or _BULLET.match(line))


def heading_mark(line: str) -> regex.Match[str] | None:
    return _MD_HEADING.match(line)


def bullet_mark(line: str) -> regex.Match[str] | None:
    return _BULLET.match(line)


def bold_spans(text: str) -> list[regex.Match[str]]:
    """``**bold**`` spans in ``text`` (each inside one line) whose removal exposes no block mark."""
    spans = []
    for match in _BOLD.finditer(text):
        at_line_start = match.start() == 0 or text[match.start() - 1] == "\n"
        if at_line_start and BLOCK_MARKS.match(match.group(1)):
            continue  # "**# x**" would become a heading
        spans.append(match)
    return spans
