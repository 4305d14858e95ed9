"""A request as the parser reads it: Slack's shorthand spelled out, emoji, markup and bot mentions taken off,
sentences cut.

The text keeps its case (summaries and names are kept as written); only spellings that carry no meaning of their
own change: "w/" is "with", "@ Initech" is "at Initech", "u" is "you", "pls" is "please", "→" is "->", an emoji
between words is a comma (elsewhere a space), *bold*, _italic_ and `code` are their words, struck-out text and hidden
comments are not read, a bullet or a number opening a line is not part of it, 'single quotes' are quotes, "weekly" said
of a nudge is "every week", and what the writer is doing now ("bumping OPS-3 to p1") is the verb. Nothing here
decides what a request means.
"""

from __future__ import annotations

import re

from understanding.amounts import AMOUNT_PATTERN
from understanding.dates import DOTTED_DATE
from understanding.mapped import Mapped

_BOT_MENTION = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>|@followthrough\b)[\s,:]*", re.I)
# Slack writes links out as "label (url)" (bot/text.py): the label is what the person typed.
_LINK_TARGET = re.compile(r"\s*\((?:mailto|tel|https?):[^)\s]*\)", re.I)
_JIRA_URL = re.compile(r"https?://\S+?/browse/(?P<key>[A-Za-z][A-Za-z0-9_]+-\d+)\S*")
_SHORTCODE = re.compile(r"(?<![\w:/]):[a-z0-9_+'-]+:(?::skin-tone-[2-6]:)?(?![\w/])")
_EMOJI = re.compile(
    "["
    "\U0001f300-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\U00002600-\U000027bf"  # misc symbols and dingbats
    "\U0000231a\U0000231b\U000023e9-\U000023fa"  # watch, hourglass, alarm clock, timers, media buttons
    "\U0001f000-\U0001f2ff"  # mahjong, cards, enclosed characters
    "\U0000fe0f\U0000200d\U000020e3"  # variation selector, joiner, keycap
    "\U00002b00-\U00002bff"  # arrows and stars
    "]+"
)
_EMOJI_BETWEEN_WORDS = re.compile(
    rf"(?<=[\w.!?])[ \t]*(?:(?:{_SHORTCODE.pattern}|{_EMOJI.pattern})[ \t]*)+(?=[A-Za-z0-9<@])"
)
"""An emoji between two words ends a clause, as punctuation would ("renewal signed :tada: mark it won")."""
_ARROW = re.compile(r"\s*(?:→|⟶|➡️?|👉|=>|-{1,2}>|⇒)\s*")
_PLUS = re.compile(r"\s+\+\s+(?=[A-Za-z])")  # "bump to highest + assign sam lee": another ask
_HOW_OFTEN = re.compile(
    r"\b(?P<how>daily|weekly|biweekly|fortnightly)\b(?=\s*(?:$|[,.;!?]|(?:on|about|re|until|till|til|starting|from|please)\b))",
    re.I,
)
"""'weekly' said of a nudge ("nudge juan weekly on OPS-4"), not of a thing ("the weekly report")."""
_EVERY_FOR = {"daily": "every day", "weekly": "every week", "biweekly": "every 2 weeks", "fortnightly": "every 2 weeks"}
_DOING_NOW = re.compile(
    r"(?:^|(?<=[.,;!?]\s)|(?<=\s-\s))(?:i'?m\s+|we'?re\s+)?(?P<verb>bump|mov|mark|push|flipp|sett|rais|lower|dropp)"
    r"ing\b(?!\s+(?:forward|ahead|on|along|fast|quickly|slowly)\b)",
    re.I,
)
"""'bumping OPS-3 to p1', 'moving the globex opp to ...': what the writer asks done now, as the verb itself."""
_BASE = {"mov": "move", "flipp": "flip", "sett": "set", "rais": "raise", "dropp": "drop"}
_BOTH_WAYS = re.compile(r"\s*(?:\u2194|<->|<=>|\u21c4)\s*")  # "PAY-6 ↔ PAY-2": the one and the other
_OVER_AT = re.compile(r"\s+over\s+(?=(?:at|in|from)\s)", re.I)  # "ana over at initech": ana at initech
_IF_NOT_THEN_ESCALATE = re.compile(
    r"\bif\s+(?:not|it\s+(?:slips|is\s+late|isn'?t\s+done|doesn'?t\s+happen)|(?:he|she|they)\s+(?:misses?|doesn'?t|don'?t|can'?t)(?:\s+it|\s+m"
    r"ake\s+it)?)\s*,\s*(?=escalate\b)",
    re.I,
)
"""'if it slips, escalate to bob': an escalation is only ever for a miss, so its condition says nothing more."""
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'(?P<inner>[^\s'][^'\n]*?[^\s'])'(?![\w'])")
"""'Backup job skips the payouts table': quoted text, read as if in double quotes (an apostrophe is no quote)."""
_CHECK_ITS = re.compile(r"\b(?P<verb>check|see|verify|confirm)\s+(?P<it>it|this|that)'s\b", re.I)
"""'check it's done': 'check it is done', what is to be checked about it."""
_AMPERSAND = re.compile(
    r"(?<=\w)\s+&\s+(?=(?:set|assign|give|move|close|mark|add|log|update|change|create|file|open|make|put|link|comment|"
    r"remind|bump|push|reassign|unassign|resolve|reopen|start)\b)",
    re.I,
)
"""'&' before another ask ("give it to alice & set it in progress"); "CFO & COO" is one title."""
_KEYS_JOINED = re.compile(
    r"(?<![\w-])(?P<key>[A-Za-z][A-Za-z0-9]{1,9}-\d{1,7})\s*[&/]\s*(?=[A-Za-z][A-Za-z0-9]{1,9}-\d)"
)
"""'PAY-12 & PAY-8', 'PAY-5/PAY-9': two issues, one and the other."""
_DASH = re.compile(r"\s*[\u2014\u2013]\s*|\s+--\s+")  # an em or en dash between words: a clause ends

# Shorthand people type in Slack, spelled out (whole words). Case-insensitive where no project key or name could
# be spelled the same; lower case only where one could ("BC" may be a Jira project, "U" a middle initial).
_SHORTHAND: tuple[tuple[str, str, bool], ...] = (
    (r"w/o", "without", True),
    (r"w/", "with ", True),
    (r"w(?=\s+(?:the\s+|a\s+|an\s+|their\s+|our\s+|his\s+|her\s+|my\s+)?[a-z<])", "with", False),  # "a call w hank"
    (r"b/c", "because", True),
    # "I am needing one bug", "he is knowing the billing page": a state said as an ongoing action
    (r"(?:am|is|are)\s+needing", "need", True),
    (r"(?:am|is|are)\s+wanting", "want", True),
    (r"(?:am|is|are)\s+knowing", "know", True),
    (r"(?:am|is|are)\s+requiring", "require", True),
    (r"u", "you", False),
    (r"ur", "your", False),
    (r"pls|plz|plez|pleeease|pleease|pleeeease", "please", True),
    (r"thx|tnx|tysm", "thanks", True),
    (r"ty", "thanks", False),
    (r"tmrw|tmr|tmrow|tomorow|tommorow|tomorrw", "tomorrow", True),
    (r"prio|Prio", "priority", False),
    (r"cuz|cos|coz|bc", "because", False),
    (r"rn|atm", "now", False),
    (r"tbh|imo|imho|fwiw|iirc|afaik|fyi|btw", "", True),
    (r"lmk", "let me know", True),
    (r"shd|shld|shud", "should", True),
    (r"cld|cud", "could", True),
    (r"abt|abut", "about", True),
    (r"b4", "before", True),
    (r"thru", "through", True),
    (r"mtg", "meeting", True),
    (r"opp|oppty|oppy|Opp", "opportunity", False),
    (r"acct", "account", False),
    (r"'?em", "them", False),
    (r"gimme", "give me", True),
    (r"basically|literally|honestly|genuinely|kinda\s+just|pretty\s+much", "", True),
    # "can we just get a bug into PAY", "so just close it out": "just" before the verb adds nothing
    (
        r"just(?=\s+(?:get|close|move|set|put|add|file|open|make|assign|push|bump|drop|comment|log|create|mark|update|"
        r"change|rename|link|give|do|need|flip|send|reassign|unassign|resolve|raise|lower|remind|ping|nudge)\b)",
        "",
        True,
    ),
    (r"lemme", "let me", True),
    (r"gonna", "going to", True),
    (r"wanna", "want to", True),
    (r"gotta", "have to", True),
)
_SHORTHAND_RE = [
    (re.compile(rf"(?<![\w/@.#-])(?:{pattern})(?![\w/@.-]\w)(?![\w/@-])", re.I if insensitive else 0), value)
    for pattern, value, insensitive in _SHORTHAND
]
# "@ Initech", "jane @ umbrella": an at-sign between words is "at" (never an email or a mention).
_AT_SIGN = re.compile(r"(?<=\s)@(?=\s)|(?<=\w)\s*@\s+(?=[A-Za-z])")


_VERBS = (
    "assign",
    "reassign",
    "unassign",
    "close",
    "move",
    "create",
    "comment",
    "resolve",
    "update",
    "change",
    "transition",
    "remind",
    "rename",
    "priority",
    "please",
    "status",
    "task",
    "ticket",
    "reminder",
    "priority",
    "contact",
)
_REAL_WORDS = frozenset(
    {"lose", "clone", "clones", "chance", "changer", "moved", "closed", "assigns", "crate", "lease", "stats", "chang"}
    | {"cloe", "crete", "renae", "pleas", "resole", "chane", "cose", "clos", "assin", "reind"}
)
"""Words one slip away from a verb above that are words of their own ("we lose the deal", "clones PAY-3")."""


def _slips(word: str) -> set[str]:
    """What a word becomes with two neighbouring letters swapped, one letter dropped or one doubled letter undone:
    the slips people make typing fast ("clsoe", "asign", "assignn"); a wrong letter is not one of them (it makes
    other words too easily: "close" / "clone")."""
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    dropped = {word[:i] + word[i + 1 :] for i in range(1, len(word))}  # the first letter is not the one dropped
    return swapped | dropped


_TYPO_FOR: dict[str, str] = {}
for _verb in _VERBS:
    for _slip in _slips(_verb) - {_verb} - _REAL_WORDS:
        if len(_slip) >= 4:
            _TYPO_FOR.setdefault(_slip, _verb)
    for _i in range(len(_verb)):  # a letter typed twice: "assignn", "closse"
        _TYPO_FOR.setdefault(_verb[: _i + 1] + _verb[_i] + _verb[_i + 1 :], _verb)
for _verb in _VERBS:
    _TYPO_FOR.pop(_verb, None)
_TYPO = re.compile(
    r"(?<![\w@#/.-])(?:" + "|".join(sorted(map(re.escape, _TYPO_FOR), key=len, reverse=True)) + r")(?![\w/@.-])", re.I
)


def _untypo(match: re.Match[str]) -> str:
    return _TYPO_FOR[match[0].lower()]


# Slack's markup (mrkdwn) around words carries no meaning of its own: *bold*, _italic_, `code`, ```blocks```.
# Struck-out text (~old~) is what the writer took back; a hidden HTML comment is not something anyone reads.
_HIDDEN = re.compile(r"<!--[\s\S]*?(?:-->|$)|(?<![\w~])~(?=[^\s\d$~])[^~\n]+?(?<=\S)~(?![\w~])")
"""A hidden comment, and struck-out text (never "~30k" or "~40k": a tilde before a number is "about")."""
_FENCE = re.compile(r"```")
_MARKUP = re.compile(
    r"(?<![\w*`])\*(?=[^\s*])(?P<bold>[^*\n]+?)(?<=[^\s*])\*(?![\w*])|(?<![\w`])`(?P<code>[^`\n]+)`(?![\w`])|(?<![\w_])_(?=[^\s_"
    r"])(?P<italic>[^_\n]+?)(?<=[^\s_])_(?![\w_])"
)
_LIST_MARK = re.compile(r"(?m)^[ \t]*(?:[\u2022\u25e6\u25aa\u2023\u2043*-]|\d{1,2}[.)])[ \t]+")
"""A bullet or a number opening a line of a list ("• prio high", "2. remind ivy"): the line is the item."""


_QUOTES = re.compile("[\u2018\u2019\u201c\u201d]")
_QUOTE_FOR = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}


_MONEY = AMOUNT_PATTERN
_SCALED_OR_DOLLARS = r"\$?\d[\d,]*(?:\.\d+)?\s*(?:k|m|mm)\b|\$\d[\d,]*(?:\.\d+)?\b"
"""An amount that says it is money: with a scale ("35k", "$1.02M") or a dollar sign ("$92,500")."""
NOT_THE_OLD_AMOUNT = re.compile(
    rf"(?P<new>{_MONEY})(?P<now>\s+now)?\s*,?\s+(?:(?:and\s+)?not|instead\s+of|rather\s+than|\(?was)\s+{_MONEY}\)?",
    re.I,
)
"""'110,000 not 100k', '120k instead of 100k': the new amount; the old one is no value to read."""


_AMOUNT_RANGE = re.compile(
    rf"(?:somewhere\s+|anywhere\s+)?between\s+{_MONEY}\s+and\s+{_MONEY}"
    rf"|(?<![\d/-])\$?\d[\d,]*(?:\.\d+)?\s*(?:k|m)?\s*(?:-|\u2013|\s+or\s+)\s*(?:{_SCALED_OR_DOLLARS})(?![\w/-])",
    re.I,
)
"""'somewhere between 30k and 35k', '30-35k', '30k or 35k': no one amount; asked, never the last one read."""


_FROM_OLD_AMOUNT = re.compile(rf"\bfrom\s+{_MONEY}\s+(?:to|->|\u2192)\s+(?P<new>{_MONEY})", re.I)
"""'goes from 85k to $1.02M': the new amount (the old one is no value to read)."""


_IN_THE_SYSTEM = re.compile(r"\s+(?:in|on)\s+(?:sf|sfdc|salesforce|the\s+crm|jira)\b(?!\s+(?:for|as|with)\b)", re.I)
"""'close it in SF', 'update her title in salesforce': where the change is made is the record's own system."""
_KEY_DESCRIBED = re.compile(
    r"(?P<key>\b[A-Za-z][A-Za-z0-9]{1,9}-\d+)\s+\((?![^()]*\b[A-Za-z][A-Za-z0-9]{1,9}-\d+)(?![^()]*\d)(?P<what>[^()]{1,60})\)"
)
"""'PAY-10 (the Canadian tax one)': what the issue is, said in brackets; the key is what the request names."""


def said_in_brackets(text: str) -> dict[str, str]:
    """What the request says in brackets after each issue key ('reopen PAY-2 (in progress)': PAY-2 -> 'in
    progress'), which ``prepare_mapped`` leaves out of the words the rules read."""
    return {m["key"].upper(): m["what"].strip() for m in _KEY_DESCRIBED.finditer(text)}


_DICTATED = re.compile(
    r"(?<=[\w%)])[ \t]+(?P<word>comma|colon|semicolon|period|full\s+stop)\b(?=(?P<more>[ \t]+[\w<@\"'(])|[ \t]*$)", re.I
)
"""'log a call w ana today comma q2 budget is confirmed period': punctuation said as words by someone dictating."""
_NOT_DICTATED_AFTER = frozenset(
    re.split(
        r"\s+",
        "a an the this that these those its his her their our my your each every per no any one same whole entire "
        "first last next missing extra stray trailing oxford serial semi trial grace notice billing waiting cooling "
        "review reporting contract payment pay fiscal holiday freeze blackout evaluation probation rental renewal "
        "test quiet lock lockup time day week month quarter year",
    )
)
"""Words after which "period", "comma" or "colon" is the word itself ("the trial period", "a missing comma")."""
_PUNCTUATION_FOR = {"comma": ",", "colon": ":", "semicolon": ";", "period": ".", "full stop": "."}


def _dictated(match: re.Match[str]) -> str:
    word = " ".join(match["word"].lower().split())
    before = re.search(r"([\w'-]+)\W*$", match.string[: match.start()])
    if before is not None and before[1].lower() in _NOT_DICTATED_AFTER:
        return match[0]  # "the trial period", "a missing comma": the word itself
    if word in ("comma", "colon", "semicolon") and not match["more"]:
        return match[0]  # a comma or colon ends nothing: the word is said, not dictated
    return _PUNCTUATION_FOR[word]


def _punctuated(mapped: Mapped) -> Mapped:
    """``mapped`` with dictated punctuation as punctuation; each mark stands for no text of its own, so free text
    that ends at one ends with the word before it ("q2 budget is confirmed", never "... confirmed period")."""
    chars, starts, ends = list(mapped.text), list(mapped.starts), list(mapped.ends)
    for match in reversed(list(_DICTATED.finditer(mapped.text))):
        mark = _dictated(match)
        if mark == match[0]:
            continue
        at = mapped.starts[match.start()]
        chars[match.start() : match.end()] = [mark]
        starts[match.start() : match.end()] = [at]
        ends[match.start() : match.end()] = [at]
    return Mapped(mapped.original, "".join(chars), tuple(starts), tuple(ends))


_NEW_FIELD = re.compile(
    r"\b(?:new|updated|revised)\s+(?=(?:close\s+date|closing\s+date|amount|deal\s+size|stage|next\s+steps?|due\s+date|deadline)\b)",
    re.I,
)
"""'new close date 1/15', 'updated amount 40k': the field, given a new value (no deal or issue called "new")."""
_SAID_AGAIN = re.compile(r"\b(?P<word>[A-Za-z]+)(?:[\s,!]+(?P=word)\b){2,}", re.I)
"""A word typed three times or more in a row ("won won won!!!"): one word, said with feeling."""


def _said_once(mapped: Mapped) -> Mapped:
    """``mapped`` with each word typed three times or more in a row typed once (the word kept stands for itself)."""
    keep = [True] * len(mapped.text)
    for match in _SAID_AGAIN.finditer(mapped.text):
        for i in range(match.end("word"), match.end()):
            keep[i] = False
    if all(keep):
        return mapped
    kept = [i for i, k in enumerate(keep) if k]
    return Mapped(
        mapped.original,
        "".join(mapped.text[i] for i in kept),
        tuple(mapped.starts[i] for i in kept),
        tuple(mapped.ends[i] for i in kept),
    )


_EMOJI_WORDS = (
    (re.compile(r"\s*\+?\s*\U0001f4ac\ufe0f?\s*"), " and comment: "),  # speech balloon
    (re.compile(r"\U0001f5d1\ufe0f?"), " delete "),  # wastebasket
    (re.compile(r"\u2b06\ufe0f?"), " up "),
    (re.compile(r"\u2b07\ufe0f?"), " down "),
)
"""Emoji that stand for a word in a request ("PAY-10 -> Done + \U0001f4ac "fixed"", "\U0001f5d1 OPS-1")."""
_HEDGE = re.compile(
    r"\b(?:(?:would|will)\s+it\s+be\s+(?:possible|ok(?:ay)?|alright|all\s+right|fine)\s+(?:for\s+you\s+)?(?:to|if\s+you)"
    r"|(?:is|would)\s+(?:it|there)\s+(?:be\s+)?(?:any\s+way|possible)\s+(?:for\s+you\s+)?to|could\s+you\s+possibly"
    r"|i\s+(?:think|guess|believe)\s+maybe|maybe(?=\s+(?:be|set|moved?|put|bump|change|go|get)\b))\b",
    re.I,
)
"""A hedge around an ask ("would it be possible for you to", "could OPS-3 maybe be set to"): the ask, plainly."""


def prepare_mapped(text: str, *, bot_user_id: str | None = None) -> Mapped:
    """The request as the rules read it (see the module docstring), remembering what was written for each part.
    The bot's own mention goes (when its id is not known, a mention that opens the message is taken for it)."""
    mapped = Mapped.of(text)
    if bot_user_id:
        own = re.compile(rf"^\s*@followthrough\b[\s,:]*|<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[\s,:]*", re.I)
        mapped = mapped.sub(own, "")
    else:
        mapped = mapped.sub(_BOT_MENTION, "")
    mapped = mapped.sub(_LINK_TARGET, "").sub(_JIRA_URL, lambda m: m["key"])
    mapped = mapped.sub(_HIDDEN, " ").sub(_FENCE, "\n").unwrap(_MARKUP).sub(_LIST_MARK, "")
    mapped = mapped.sub(_QUOTES, lambda m: _QUOTE_FOR[m[0]])
    if not re.search(r"[,;:]|\.(?:\s|$)", mapped.text):
        # a message with no punctuation typed, that says it as words: dictated ("... today comma q2 budget ...")
        mapped = _punctuated(mapped)
    for pattern, word in _EMOJI_WORDS:
        mapped = mapped.sub(pattern, word)
    mapped = mapped.sub(_HEDGE, " ")
    mapped = _said_once(mapped)  # "won won won": said once, with feeling
    mapped = mapped.sub(_NEW_FIELD, "")  # "new close date 1/15": the close date, to a new value
    mapped = (
        mapped.sub(_KEYS_JOINED, r"\g<key> and ")
        .sub(_PLUS, " and ")
        .sub(_BOTH_WAYS, " and ")
        .sub(_DOING_NOW, lambda m: _BASE.get(m["verb"].lower(), m["verb"]))
        .sub(_SINGLE_QUOTED, lambda m: f'"{m["inner"]}"')
        .sub(_AMPERSAND, " and ")
        .sub(_CHECK_ITS, lambda m: f"{m['verb']} {m['it']} is")
        .sub(_IF_NOT_THEN_ESCALATE, "")
        .sub(_OVER_AT, " ")
        .sub(_HOW_OFTEN, lambda m: _EVERY_FOR[m["how"].lower()])
        .sub(_ARROW, " -> ")
        .sub(_DASH, " - ")
        .sub(_EMOJI_BETWEEN_WORDS, ", ")
        .sub(_SHORTCODE, " ")
        .sub(_EMOJI, " ")
        .sub(_AT_SIGN, " at ")
        .sub(_IN_THE_SYSTEM, "")
        .sub(NOT_THE_OLD_AMOUNT, lambda m: m["new"] + (m["now"] or ""))
        .sub(_KEY_DESCRIBED, lambda m: m["key"])
        .sub(_AMOUNT_RANGE, "an amount not yet known")
        .sub(_FROM_OLD_AMOUNT, lambda m: f"to {m['new']}")
    )
    for pattern, value in _SHORTHAND_RE:
        mapped = mapped.sub(pattern, value)
    mapped = mapped.sub(_TYPO, _untypo)  # "clsoe PAY-8", "asign OPS-3 to juan": the verb meant
    mapped = mapped.sub(re.compile(r"[ \t]*\n\s*"), "\n").sub(re.compile(r"[ \t]{2,}|\t"), " ")
    return mapped.strip()


def prepare(text: str) -> str:
    """The request as the rules read it (see the module docstring); whitespace collapsed, case kept."""
    return prepare_mapped(text).text


_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|inc|corp|ltd|co|mr|mrs|ms|dr|st|id|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|"
    r"nov|dec)|\b[A-Z])\.$",
    re.I,
)


def sentences_mapped(text: Mapped) -> list[Mapped]:
    """Sentences (and lines) of a prepared request; abbreviations ("Id. Decision Makers", "e.g.") end none."""
    found: list[Mapped] = []
    line_start = 0
    for line_match in re.finditer(r"[^\n]+", text.text):
        line_start = line_match.start()
        line = line_match[0]
        start = 0
        for end in re.finditer(r"(?<=[.!?])\s+", line):
            if _ABBREVIATION.search(line[start : end.start()]) or line[: end.start()].count('"') % 2:
                continue  # an abbreviation, or a full stop inside a quote: the sentence goes on
            found.append(text.slice(line_start + start, line_start + end.start()))
            start = end.end()
        found.append(text.slice(line_start + start, line_start + len(line)))
    cleaned = (s.strip().strip(";").strip() for s in found)
    return [s for s in cleaned if s.text.strip(" .!?,;:-")]


def sentences(text: str) -> list[str]:
    """Sentences (and lines) of a prepared request, as plain text."""
    return [s.text for s in sentences_mapped(Mapped.of(text))]


def capitalised(text: str | None) -> str | None:
    """Text with its first letter upper-case (summaries and subjects read as titles); None for nothing."""
    if text is None:
        return None
    text = text.strip()
    return text[0].upper() + text[1:] if text else None


def title_cased(text: str) -> str:
    """A status or stage as written, title-cased where typed in lower case ("in progress" -> "In Progress",
    "proposal/price quote" -> "Proposal/Price Quote"); a value typed with capitals is kept as typed."""
    if any(c.isupper() for c in text):
        return text
    return re.sub(r"(^|[\s/(-])([a-z])", lambda m: m[1] + m[2].upper(), text)


def unquoted(text: str) -> str:
    t = text.strip()
    if len(t) >= 2 and t[0] in "\"'" and t[-1] == t[0]:
        return t[1:-1].strip()
    return t


_TRAILING = re.compile(r"(?:[\s.!?;,]|[^\w\s\"')%&])+$")
_TRAILING_POLITE = re.compile(r"[\s,]+(?:please|thanks|thank\s+you|asap|now|again|for\s+me|real\s+quick)$", re.I)


def bare(text: str) -> str:
    """Text without trailing punctuation, emoji and politeness ("..., please!", "thanks")."""
    t = _TRAILING.sub("", text.strip())
    while True:
        shorter = _TRAILING_POLITE.sub("", t)
        if shorter == t:
            return _TRAILING.sub("", t)
        t = _TRAILING.sub("", shorter)


_CORRECTED_BY = (
    r"(?:,|;|\s-\s|\s*\.\.+|\s*\u2026|\s*\u2014)\s*(?:(?:no|oh|ugh|wait)[\s,]+)*(?:sorry|scratch\s+that|i\s+mean(?:t)?|oops|"
    r"correction|wait|make\s+that|or\s+rather|typo|actually|(?:my\s+)?apologies)(?:[\s,:!-]*(?:no|nope)\b)?[\s,:!-]*"
    r"(?:make\s+it\s+)?"  # "due wednesday - actually make it thursday"
)
_ONE_VALUE = {
    "key": r"\b[A-Za-z][A-Za-z0-9]{1,9}-\d+\b",
    "date": r"(?<![\w/-])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\w/-])"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b"
    rf"|{DOTTED_DATE}",  # "to 18.12, sorry, 21.12"
    # "on Monday - my apologies, Tuesday": a day said by name
    "day": r"\b(?:(?:next|this)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed"
    r"|thu(?:rs?)?|fri|today|tomorrow|tmrw|yesterday)\b(?!')",
    "money": _SCALED_OR_DOLLARS,
}
_AFTER_THE_VALUE = (
    r"[\s,.!]*(?:(?:typo|my\s+bad|sorry|sory|sry|soz|oops|lol|please|pls|plz|thanks|thx|not\s+\S+)[\s,.!]*)*"
    r"(?:[^\w\s]|\s)*$"
)


def corrected(text: str) -> str:
    """A message that corrects one value it gave ("initech expansion to 45k, sorry 54k, typo", "in progress for
    PAY-5 pls... scratch that, PAY-9"): the message with that value replaced, when the correction is one value and
    the words before hold exactly one value of its kind; the message as it is otherwise (a correction that says more
    is asked about as a whole)."""
    for pattern in _ONE_VALUE.values():
        found = re.search(rf"{_CORRECTED_BY}(?P<value>{pattern}){_AFTER_THE_VALUE}", text, re.I)
        rest = ""
        if found is None:
            # "close date -> 4/23, no sorry 4/30, their board only meets late april": the correction, then why
            found = re.search(rf"{_CORRECTED_BY}(?P<value>{pattern})(?P<rest>\s*[,;]\s+[a-z].*)$", text, re.I | re.S)
            rest = found["rest"] if found is not None else ""
        if found is None:
            continue
        before = re.sub(rf"(?:{_CORRECTED_BY})+$", "", text[: found.start()], flags=re.I)  # "..., sorry, i mean 45k"
        earlier = list(re.finditer(pattern, before, re.I))
        if len(earlier) != 1:
            continue
        old = earlier[0]
        return before[: old.start()] + found["value"] + before[old.end() :] + rest
    return text
