"""专题表达式: keywords joined by ``+`` (与), ``|`` (或), ``-`` (非) and parentheses; a space means 与.

``(拆迁|征收)+补偿-招聘`` matches a text that mentions 补偿 and either 拆迁 or 征收, and not 招聘.
Matching reads the normalised text (繁体, 全角 and inserted symbols read as plain), like the
sensitive words.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartgov.errors import ValidationFailed
from smartgov.opinion.words import normalise

MAX_EXPRESSION = 500
OPERATORS = "+|-()"


@dataclass(frozen=True)
class Node:
    op: str  # word | and | or | not
    word: str = ""
    left: Node | None = None
    right: Node | None = None

    def matches(self, text: str) -> bool:
        if self.op == "word":
            return self.word in text
        if self.op == "not":
            return not self.left.matches(text)  # type: ignore[union-attr]
        left = self.left.matches(text)  # type: ignore[union-attr]
        if self.op == "and":
            return left and self.right.matches(text)  # type: ignore[union-attr]
        return left or self.right.matches(text)  # type: ignore[union-attr]

    def words(self) -> list[str]:
        if self.op == "word":
            return [self.word]
        return (self.left.words() if self.left else []) + (self.right.words() if self.right else [])


def _tokens(expression: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in (
        expression.replace("（", "(")
        .replace("）", ")")
        .replace("＋", "+")
        .replace("｜", "|")
        .replace("－", "-")
    ):
        if ch in OPERATORS or ch.isspace():
            if word:
                out.append(word)
                word = ""
            if ch in OPERATORS:
                out.append(ch)
            elif out and out[-1] not in OPERATORS:
                out.append(" ")  # a space between two words means 与
        else:
            word += ch
    if word:
        out.append(word)
    return [t for i, t in enumerate(out) if t != " " or (i + 1 < len(out) and out[i + 1] not in "+|-)")]


def parse(expression: str) -> Node:
    """The tree of an expression; a malformed one is a 422 with a Chinese message."""
    if not expression or not expression.strip():
        raise ValidationFailed("专题表达式不能为空", code="empty_expression")
    if len(expression) > MAX_EXPRESSION:
        raise ValidationFailed(f"专题表达式不能超过 {MAX_EXPRESSION} 个字符", code="expression_too_long")
    tokens = _tokens(expression)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def factor() -> Node:
        tok = peek()
        if tok is None:
            raise ValidationFailed("专题表达式不完整：运算符后缺少关键词", code="bad_expression")
        if tok == "(":
            take()
            node = expr()
            if peek() != ")":
                raise ValidationFailed("专题表达式括号不匹配", code="bad_expression")
            take()
            return node
        if tok == "-":
            take()
            return Node("not", left=factor())
        if tok in OPERATORS:
            raise ValidationFailed(f"专题表达式在「{tok}」处有误", code="bad_expression")
        word = normalise(take())
        if not word:
            raise ValidationFailed("专题关键词需含文字或数字", code="bad_expression")
        return Node("word", word=word)

    def term() -> Node:
        node = factor()
        while peek() in ("+", "-", " "):
            op = take()
            right = factor()
            node = Node("and", left=node, right=Node("not", left=right) if op == "-" else right)
        return node

    def expr() -> Node:
        node = term()
        while peek() == "|":
            take()
            node = Node("or", left=node, right=term())
        return node

    tree = expr()
    if pos != len(tokens):
        raise ValidationFailed(f"专题表达式在「{tokens[pos]}」处有误", code="bad_expression")
    return tree


def matches(expression: str | Node, text: str) -> bool:
    """Whether a text matches the expression (given as text or as a parsed tree)."""
    tree = parse(expression) if isinstance(expression, str) else expression
    return tree.matches(normalise(text))
