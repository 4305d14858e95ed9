"""SOQL syntax: a tokenizer and a recursive-descent parser that turn a query string into an immutable AST.

Supported grammar (keywords are case-insensitive)::

    query      := SELECT items FROM ident [WHERE condition] [ORDER BY keys] [LIMIT int] [OFFSET int]
    items      := item ("," item)*
    item       := COUNT "(" ")" | path
    path       := ident ("." ident)*
    condition  := unary (AND unary)* | unary (OR unary)*     -- mixing AND and OR needs parentheses, as in SOQL
    unary      := NOT unary | "(" condition ")" | path op value | path [NOT] IN "(" value ("," value)* ")"
                | path LIKE string
    op         := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    value      := string | number | TRUE | FALSE | NULL | date | datetime | TODAY | YESTERDAY | TOMORROW
                | LAST_N_DAYS ":" int | NEXT_N_DAYS ":" int
    keys       := path [ASC | DESC] [NULLS (FIRST | LAST)] ("," ...)*

This module knows nothing of sObjects: binding names to fields, type checks and evaluation live in
``sandbox.salesforce.query``. Every node keeps the offset of its first character so errors can point at it the
way Salesforce does. Valid SOQL outside this subset (GROUP BY, sub-queries, TYPEOF, ...) is refused with an
error that says the sandbox, not the query, is at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sandbox.salesforce import errors

TokenKind = Literal["ident", "string", "number", "date", "datetime", "op", "punct", "eof"]

COMPARISON_OPS: frozenset[str] = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})
UNSUPPORTED_KEYWORDS: frozenset[str] = frozenset(
    {"GROUP", "HAVING", "WITH", "FOR", "USING", "TYPEOF", "INCLUDES", "EXCLUDES", "ROLLUP", "CUBE"}
)
AGGREGATES: frozenset[str] = frozenset({"COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX", "FIELDS", "FORMAT", "TOLABEL"})
RELATIVE_DATES: frozenset[str] = frozenset({"TODAY", "YESTERDAY", "TOMORROW"})
RELATIVE_N_DATES: frozenset[str] = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS"})

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:])")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w.])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    pos: int
    value: object = None  # the decoded literal for strings, numbers, dates

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "ident" and self.text.upper() in words


# --- AST -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """A field reference: ``("Name",)`` or ``("Account", "Name")``, as written."""

    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class CountAll:
    pos: int


SelectItem = Path | CountAll


@dataclass(frozen=True)
class DateRange:
    """A date literal as the closed range of days it covers: one day for ``2026-11-20`` or ``TODAY``."""

    first: date
    last: date


LiteralKind = Literal["string", "number", "boolean", "null", "date", "datetime"]


@dataclass(frozen=True)
class Value:
    kind: LiteralKind
    value: object  # str | float | bool | None | DateRange | datetime
    pos: int
    raw: str  # for strings: the text between the quotes, escapes undecoded (LIKE needs \% and \_)


@dataclass(frozen=True)
class Comparison:
    path: Path
    op: str
    value: Value


@dataclass(frozen=True)
class InList:
    path: Path
    values: tuple[Value, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    path: Path
    pattern: Value


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class BoolOp:
    op: Literal["AND", "OR"]
    operands: tuple[Condition, ...]


Condition = Comparison | InList | Like | Not | BoolOp


@dataclass(frozen=True)
class OrderKey:
    path: Path
    descending: bool
    nulls_first: bool  # Salesforce's default: NULLS FIRST ascending, NULLS LAST descending


@dataclass(frozen=True)
class Query:
    select: tuple[SelectItem, ...]
    sobject: str
    sobject_pos: int
    where: Condition | None
    order_by: tuple[OrderKey, ...]
    limit: int | None
    offset: int | None


# --- tokenizer -------------------------------------------------------------------------------------------------


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "'":
            token, i = _read_string(text, i)
            tokens.append(token)
            continue
        if m := _DATETIME.match(text, i):
            tokens.append(Token("datetime", m.group(), i, _parse_datetime(m.group(), i)))
            i = m.end()
            continue
        if m := _DATE.match(text, i):
            tokens.append(Token("date", m.group(), i, _parse_date(m.group(), i)))
            i = m.end()
            continue
        if m := _NUMBER.match(text, i):
            tokens.append(Token("number", m.group(), i, float(m.group())))
            i = m.end()
            continue
        if m := _IDENT.match(text, i):
            tokens.append(Token("ident", m.group(), i))
            i = m.end()
            continue
        two = text[i : i + 2]
        if two in ("!=", "<>", "<=", ">="):
            tokens.append(Token("op", two, i))
            i += 2
            continue
        if ch in "=<>":
            tokens.append(Token("op", ch, i))
            i += 1
            continue
        if ch in "(),.:":
            tokens.append(Token("punct", ch, i))
            i += 1
            continue
        raise errors.malformed(f"unexpected token: '{ch}'", i)
    tokens.append(Token("eof", "<EOF>", n))
    return tokens


def _read_string(text: str, start: int) -> tuple[Token, int]:
    i = start + 1
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "'":
            raw = text[start + 1 : i]
            return Token("string", raw, start, "".join(out)), i + 1
        if ch == "\\":
            if i + 1 >= len(text):
                break
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt in "%_":
                out.append(nxt)  # only LIKE gives \% and \_ a meaning; elsewhere they are the plain characters
                i += 2
            elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
            else:
                raise errors.malformed(
                    f"Invalid string literal '{text[start + 1 : i + 2]}'. Illegal character sequence "
                    f"'\\{nxt}' in string literal.",
                    start,
                )
            continue
        out.append(ch)
        i += 1
    raise errors.malformed(f"Invalid string literal '{text[start + 1 :]}'. Missing closing quote character.", start)


def _parse_date(text: str, pos: int) -> DateRange:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise errors.malformed(f"line 1:{pos} no viable alternative at character '{text}'", pos) from None
    return DateRange(day, day)


def _parse_datetime(text: str, pos: int) -> datetime:
    normalised = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", normalised):
        normalised = normalised[:-2] + ":" + normalised[-2:]
    try:
        return datetime.fromisoformat(normalised).astimezone(UTC)
    except ValueError:
        raise errors.malformed(f"line 1:{pos} no viable alternative at character '{text}'", pos) from None


# --- parser ----------------------------------------------------------------------------------------------------


def parse(text: str, *, today: date) -> Query:
    """Parse ``text`` into a ``Query``; ``today`` resolves TODAY and friends. Raises a located ``SoqlError``."""
    try:
        return _Parser(tokenize(text), today).query()
    except errors.SoqlError as exc:
        raise exc.located(text) from None


class _Parser:
    def __init__(self, tokens: list[Token], today: date) -> None:
        self.tokens = tokens
        self.i = 0
        self.today = today

    # helpers

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "eof":
            self.i += 1
        return token

    def unexpected(self) -> errors.SoqlError:
        token = self.tok
        if token.is_keyword(*UNSUPPORTED_KEYWORDS):
            return errors.unsupported_by_sandbox(token.text.upper(), token.pos)
        return errors.unexpected_token(token.text, token.pos)

    def expect_keyword(self, *words: str) -> Token:
        if not self.tok.is_keyword(*words):
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, ch: str) -> Token:
        if not (self.tok.kind == "punct" and self.tok.text == ch):
            raise self.unexpected()
        return self.advance()

    def at_end(self) -> bool:
        return self.tok.kind == "eof"

    def at_punct(self, ch: str) -> bool:
        return self.tok.kind == "punct" and self.tok.text == ch

    def integer(self) -> int:
        token = self.tok
        if token.kind != "number" or not re.fullmatch(r"\d+", token.text):
            raise self.unexpected()
        self.advance()
        return int(token.text)

    # grammar

    def query(self) -> Query:
        self.expect_keyword("SELECT")
        select = self.select_items()
        self.expect_keyword("FROM")
        if self.tok.kind != "ident":
            raise self.unexpected()
        source = self.advance()
        if self.at_punct("."):
            raise self.unexpected()
        where = None
        if self.tok.is_keyword("WHERE"):
            self.advance()
            where = self.condition()
        order_by: tuple[OrderKey, ...] = ()
        if self.tok.is_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            order_by = self.order_keys()
        limit = offset = None
        if self.tok.is_keyword("LIMIT"):
            self.advance()
            limit = self.integer()
        if self.tok.is_keyword("OFFSET"):
            self.advance()
            offset = self.integer()
        if not self.at_end():
            raise self.unexpected()
        return Query(select, source.text, source.pos, where, order_by, limit, offset)

    def select_items(self) -> tuple[SelectItem, ...]:
        items: list[SelectItem] = [self.select_item()]
        while self.at_punct(","):
            self.advance()
            items.append(self.select_item())
        return tuple(items)

    def select_item(self) -> SelectItem:
        token = self.tok
        if self.at_punct("("):
            raise errors.unsupported_by_sandbox("A relationship sub-query", token.pos)
        if token.is_keyword("COUNT") and self.tokens[self.i + 1].text == "(":
            self.advance()
            self.advance()
            if not self.at_punct(")"):
                raise errors.unsupported_by_sandbox("COUNT(field)", token.pos)
            self.advance()
            return CountAll(token.pos)
        if token.kind == "ident" and self.tokens[self.i + 1].text == "(":
            raise errors.unsupported_by_sandbox(f"{token.text.upper()}()", token.pos)
        if token.is_keyword("FROM", "TYPEOF"):
            raise self.unexpected()
        return self.path()

    def path(self) -> Path:
        token = self.tok
        if token.kind != "ident":
            raise self.unexpected()
        parts = [self.advance().text]
        while self.at_punct("."):
            self.advance()
            if self.tok.kind != "ident":
                raise self.unexpected()
            parts.append(self.advance().text)
        return Path(tuple(parts), token.pos)

    def condition(self) -> Condition:
        first = self.unary()
        if not self.tok.is_keyword("AND", "OR"):
            return first
        op = self.tok.text.upper()
        operands = [first]
        while self.tok.is_keyword("AND", "OR"):
            if self.tok.text.upper() != op:
                raise self.unexpected()  # SOQL needs parentheses to mix AND and OR
            self.advance()
            operands.append(self.unary())
        return BoolOp("AND" if op == "AND" else "OR", tuple(operands))

    def unary(self) -> Condition:
        if self.tok.is_keyword("NOT"):
            self.advance()
            return Not(self.unary())
        if self.at_punct("("):
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        path = self.path()
        token = self.tok
        if token.kind == "op" and token.text in COMPARISON_OPS:
            self.advance()
            return Comparison(path, "!=" if token.text == "<>" else token.text, self.value())
        if token.is_keyword("LIKE"):
            self.advance()
            pattern = self.value()
            if pattern.kind != "string":
                raise errors.unexpected_token(self.tokens[self.i - 1].text, pattern.pos)
            return Like(path, pattern)
        negated = False
        if token.is_keyword("NOT") and self.tokens[self.i + 1].is_keyword("IN"):
            self.advance()
            negated = True
        if self.tok.is_keyword("IN"):
            self.advance()
            if not self.at_punct("("):
                raise self.unexpected()
            self.advance()
            if self.tok.is_keyword("SELECT"):
                raise errors.unsupported_by_sandbox("A semi-join sub-query", self.tok.pos)
            values = [self.value()]
            while self.at_punct(","):
                self.advance()
                values.append(self.value())
            self.expect_punct(")")
            return InList(path, tuple(values), negated)
        raise self.unexpected()

    def value(self) -> Value:
        token = self.tok
        if token.kind == "string":
            self.advance()
            return Value("string", token.value, token.pos, token.text)
        if token.kind == "number":
            self.advance()
            return Value("number", token.value, token.pos, token.text)
        if token.kind == "date":
            self.advance()
            return Value("date", token.value, token.pos, token.text)
        if token.kind == "datetime":
            self.advance()
            return Value("datetime", token.value, token.pos, token.text)
        if token.is_keyword("TRUE", "FALSE"):
            self.advance()
            return Value("boolean", token.text.upper() == "TRUE", token.pos, token.text)
        if token.is_keyword("NULL"):
            self.advance()
            return Value("null", None, token.pos, token.text)
        if token.is_keyword(*RELATIVE_DATES):
            self.advance()
            shift = {"TODAY": 0, "YESTERDAY": -1, "TOMORROW": 1}[token.text.upper()]
            day = self.today + timedelta(days=shift)
            return Value("date", DateRange(day, day), token.pos, token.text)
        if token.is_keyword(*RELATIVE_N_DATES):
            self.advance()
            self.expect_punct(":")
            n = self.integer()
            if token.text.upper() == "LAST_N_DAYS":
                span = DateRange(self.today - timedelta(days=n), self.today)
            else:
                span = DateRange(self.today + timedelta(days=1), self.today + timedelta(days=n))
            return Value("date", span, token.pos, f"{token.text}:{n}")
        raise self.unexpected()

    def order_keys(self) -> tuple[OrderKey, ...]:
        keys = [self.order_key()]
        while self.at_punct(","):
            self.advance()
            keys.append(self.order_key())
        return tuple(keys)

    def order_key(self) -> OrderKey:
        path = self.path()
        descending = False
        if self.tok.is_keyword("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_first = not descending
        if self.tok.is_keyword("NULLS"):
            self.advance()
            nulls_first = self.expect_keyword("FIRST", "LAST").text.upper() == "FIRST"
        return OrderKey(path, descending, nulls_first)
