"""JQL syntax: a tokenizer and a recursive-descent parser that turn a query string into an AST.

Only syntax lives here; what a field means and which values exist is ``sandbox.jira.search``'s business. The
grammar (keywords are case-insensitive)::

    query    := [or_expr] [ORDER BY sort_key ("," sort_key)*] END
    or_expr  := and_expr ((OR | "||") and_expr)*
    and_expr := not_expr ((AND | "&&") not_expr)*
    not_expr := (NOT | "!") not_expr | "(" or_expr ")" | clause
    clause   := field operator operand
    operator := "=" | "!=" | "~" | "!~" | "<" | ">" | "<=" | ">=" | IN | NOT IN | IS | IS NOT
    operand  := item | "(" item ("," item)* ")"
    item     := EMPTY | NULL | value | function
    function := word "(" [value ("," value)*] ")"
    sort_key := field [ASC | DESC]

A syntax error raises ``JqlSyntaxError`` in Jira's style, position included ("... (line 1, character 9)"). The
"Expecting operator but got ..." text matches a capture of Jira Cloud; the other syntax messages follow the same
parser's phrasing but were not checked word for word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sandbox.jira.messages import JQL_OPERATORS, JQL_PREFIX

Operator = Literal["=", "!=", "~", "!~", "<", ">", "<=", ">=", "in", "not in", "is", "is not"]
TokenKind = Literal["word", "string", "symbol", "end"]

# Characters Jira reserves outside quotes; '-', '.', ':' and '_' are allowed in unquoted words (PAY-12, a.b, ids).
RESERVED = set("+,;?|*/%^$#@[]")
WORD_CHARS = set("-_.:")
KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}


class JqlSyntaxError(ValueError):
    """The query is not valid JQL; ``str(error)`` is Jira's message."""


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    offset: int  # 0-based offset into the query, for "(line L, character C)"

    def shown(self) -> str:
        return "end of query" if self.kind == "end" else f"'{self.text}'"

    def is_keyword(self, *names: str) -> bool:
        return self.kind == "word" and self.text.lower() in names


@dataclass(frozen=True)
class Value:
    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Function:
    name: str
    arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Empty:
    pass


@dataclass(frozen=True)
class ValueList:
    items: tuple[Value | Function | Empty, ...]


Operand = Value | Function | Empty | ValueList


@dataclass(frozen=True)
class Clause:
    field: str
    operator: Operator
    operand: Operand


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Clause | And | Or | Not


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool


@dataclass(frozen=True)
class Query:
    where: Node | None
    order_by: tuple[SortKey, ...]


def parse(text: str) -> Query:
    """Parse ``text`` into a ``Query``; raises ``JqlSyntaxError`` with Jira's wording."""
    return _Parser(text, tokenize(text)).query()


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "\"'":
            value, end = _quoted(text, i)
            tokens.append(Token("string", value, i))
            i = end
        elif text.startswith(("!=", "!~", "<=", ">=", "&&", "||"), i):
            tokens.append(Token("symbol", text[i : i + 2], i))
            i += 2
        elif char in "=~<>(),!":
            tokens.append(Token("symbol", char, i))
            i += 1
        elif char.isalnum() or char in WORD_CHARS:
            start = i
            while i < len(text) and (text[i].isalnum() or text[i] in WORD_CHARS):
                i += 1
            tokens.append(Token("word", text[start:i], start))
        else:
            where = _position(text, i)
            if char in RESERVED:
                raise JqlSyntaxError(
                    f"{JQL_PREFIX}The character '{char}' is a reserved JQL character. You must enclose it in a "
                    f"string or use the escape '\\u{ord(char):04x}' instead. {where}"
                )
            raise JqlSyntaxError(f"{JQL_PREFIX}The character '{char}' is not valid here. {where}")
    tokens.append(Token("end", "", len(text)))
    return tokens


def _quoted(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif char == quote:
            return "".join(out), i + 1
        else:
            out.append(char)
            i += 1
    raise JqlSyntaxError(
        f"{JQL_PREFIX}The quoted string '{''.join(out)}' has not been completed. {_position(text, start)}"
    )


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"(line {line}, character {column})"


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self._text = text
        self._tokens = tokens
        self._i = 0

    # --- token helpers ---
    def _peek(self, ahead: int = 0) -> Token:
        return self._tokens[min(self._i + ahead, len(self._tokens) - 1)]

    def _next(self) -> Token:
        token = self._peek()
        self._i += 1
        return token

    def _error(self, message: str, token: Token) -> JqlSyntaxError:
        where = "" if token.kind == "end" else " " + _position(self._text, token.offset)
        return JqlSyntaxError(f"{JQL_PREFIX}{message}{where}")

    def _symbol(self, token: Token, *symbols: str) -> bool:
        return token.kind == "symbol" and token.text in symbols

    # --- grammar ---
    def query(self) -> Query:
        where: Node | None = None
        if self._peek().kind != "end" and not self._at_order_by():
            where = self._or()
        order_by: tuple[SortKey, ...] = ()
        if self._at_order_by():
            self._i += 2
            order_by = self._order_by()
        token = self._peek()
        if token.kind != "end":
            raise self._error(f"Expecting either 'OR' or 'AND' but got {token.shown()}.", token)
        return Query(where, order_by)

    def _at_order_by(self) -> bool:
        return self._peek().is_keyword("order") and self._peek(1).is_keyword("by")

    def _or(self) -> Node:
        parts = [self._and()]
        while self._peek().is_keyword("or") or self._symbol(self._peek(), "||"):
            self._i += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def _and(self) -> Node:
        parts = [self._not()]
        while self._peek().is_keyword("and") or self._symbol(self._peek(), "&&"):
            self._i += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _not(self) -> Node:
        token = self._peek()
        if token.is_keyword("not") or self._symbol(token, "!"):
            self._i += 1
            return Not(self._not())
        if self._symbol(token, "("):
            self._i += 1
            inner = self._or()
            closing = self._next()
            if not self._symbol(closing, ")"):
                if closing.kind == "end":
                    raise self._error("Expecting ')' before the end of the query.", closing)
                raise self._error(f"Expecting ')' but got {closing.shown()}.", closing)
            return inner
        return self._clause()

    def _field(self) -> str:
        token = self._next()
        if token.kind == "string" or (token.kind == "word" and token.text.lower() not in KEYWORDS):
            return token.text
        if token.kind == "end":
            raise self._error("Expecting a field name but got end of query.", token)
        hint = f" You must surround {token.shown()} in quotation marks to use it as a field name."
        raise self._error(f"Expecting a field name but got {token.shown()}.{hint}", token)

    def _clause(self) -> Clause:
        field = self._field()
        operator = self._operator()
        return Clause(field, operator, self._operand())

    def _operator(self) -> Operator:
        token = self._next()
        if token.kind == "symbol" and token.text in ("=", "!=", "~", "!~", "<", ">", "<=", ">="):
            return token.text  # type: ignore[return-value]
        if token.is_keyword("in"):
            return "in"
        if token.is_keyword("not") and self._peek().is_keyword("in"):
            self._i += 1
            return "not in"
        if token.is_keyword("is"):
            if self._peek().is_keyword("not"):
                self._i += 1
                return "is not"
            return "is"
        raise self._error(
            f"Expecting operator but got {token.shown()}. The valid operators are {JQL_OPERATORS}.", token
        )

    def _operand(self) -> Operand:
        token = self._peek()
        if self._symbol(token, "("):
            self._i += 1
            items = [self._list_item()]
            while self._symbol(self._peek(), ","):
                self._i += 1
                items.append(self._list_item())
            closing = self._next()
            if not self._symbol(closing, ")"):
                raise self._error(f"Expecting ',' or ')' but got {closing.shown()}.", closing)
            return ValueList(tuple(items))
        return self._list_item()

    def _list_item(self) -> Value | Function | Empty:
        token = self._next()
        if token.is_keyword("empty", "null"):
            return Empty()
        if token.kind == "string":
            return Value(token.text, quoted=True)
        if token.kind == "word" and token.text.lower() not in KEYWORDS:
            if self._symbol(self._peek(), "("):
                self._i += 1
                return Function(token.text, self._arguments())
            return Value(token.text)
        if token.kind == "end":
            raise self._error("Expecting either a value, list or function but got end of query.", token)
        hint = f" You must surround {token.shown()} in quotation marks to use it as a value."
        raise self._error(f"Expecting either a value, list or function but got {token.shown()}.{hint}", token)

    def _arguments(self) -> tuple[str, ...]:
        arguments: list[str] = []
        if self._symbol(self._peek(), ")"):
            self._i += 1
            return ()
        while True:
            token = self._next()
            if token.kind not in ("word", "string"):
                raise self._error(f"Expecting a function argument but got {token.shown()}.", token)
            arguments.append(token.text)
            separator = self._next()
            if self._symbol(separator, ")"):
                return tuple(arguments)
            if not self._symbol(separator, ","):
                raise self._error(f"Expecting ',' or ')' but got {separator.shown()}.", separator)

    def _order_by(self) -> tuple[SortKey, ...]:
        keys = [self._sort_key()]
        while self._symbol(self._peek(), ","):
            self._i += 1
            keys.append(self._sort_key())
        return tuple(keys)

    def _sort_key(self) -> SortKey:
        field = self._field()
        descending = False
        if self._peek().is_keyword("asc", "desc"):
            descending = self._next().text.lower() == "desc"
        return SortKey(field, descending)
