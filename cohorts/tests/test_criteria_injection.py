"""Hostile criteria: each is refused with a position, and nothing in it ever runs."""

import builtins
import contextlib
import os
import subprocess

import pandas as pd
import pyarrow as pa
import pytest

from cohorts.criteria import MAX_LENGTH, CriteriaError, parse

HOSTILE = [
    # Python object graph escapes
    "__import__('os').system('touch /tmp/pwned')",
    "age.__class__",
    "age.__class__.__mro__[1].__subclasses__()",
    "().__class__.__bases__[0].__subclasses__()",
    "age > 1 and __builtins__ == 1",
    "x == __file__",
    "age > 1 and __debug__",
    "x in (__import__('os'))",
    "age.real > 1",
    "sex.str.contains('F')",
    "is_null(age).__class__",
    'date("2020-01-01").year > 1',
    '"{0.__class__}".format(age) == 1',
    # calls other than between/is_null/date
    "eval('1+1') == 2",
    "exec('import os')",
    "compile('1', 'x', 'eval') == 1",
    "open('/etc/passwd').read() == 'x'",
    "getattr(age, 'real') > 1",
    "globals() == 1",
    "print(1)",
    "df.query('age > 1')",
    "pd.eval('1+1') == 2",
    "age > 1 and os.system('x') == 0",
    "between(age, 1, 2, 3)",
    # subscripts, lambdas, comprehensions, conditionals, walrus, arithmetic
    "age[0] > 1",
    "locals()['x'] == 1",
    "lambda: 1",
    "(lambda x: x)(1) == 1",
    "[x for x in age] == 1",
    "{x: 1 for x in age} == 1",
    "x == 1 if x else 2",
    "(x := 1) == 1",
    "age ** 2 > 1",
    "age + 1 > 2",
    "x == 'a' + 'b'",
    "x == 'a' * 1000000",
    "x in (1, (2))",
    "x == {}",
    "x == []",
    "x == ...",
    "import os",
    # string prefixes and formats
    'f"{age}" == "1"',
    "age == f'{__import__(\"os\")}'",
    "x == b'bytes'",
    "x == r'raw'",
    'x == """triple"""',
    r"x == '\x41'",
    r'x == "\N{DIGIT ONE}"',
    "x == 'a' 'b'",
    # references and statements
    "@age > 1",
    "age > @limit",
    "age > 1; import os",
    "age > 1 \\\n or 1",
    'sex == "F" \\',
    "x == $1",
    "x == ?",
    "x == %(name)s",
    # numbers Python would take
    "x == 0o17",
    "x == 0b101",
    "x == 0x1F",
    "x == 1j",
    "x == 1e5e5",
    "x == 1_000",
    # unterminated and malformed
    "age == 'unterminated",
    'age == "unterminated',
    "`unterminated == 1",
    "x == 1)",
    # SQL injection, bare
    "'; DROP TABLE cohorts; --",
    "age > 1; DROP TABLE cohorts",
    "1; DROP TABLE x",
    "x == '' OR '1'='1'",
    "age > 1 OR 1=1",
    "age > 1 UNION SELECT password FROM accounts_user",
    # comments
    "age > 1 -- and sex == 'F'",
    "age > 1 # and sex == 'F'",
    "age > 1 /* comment */",
    # unicode tricks: fullwidth letters, zero-width and bidi characters, control characters
    "\uff41\uff47\uff45 > 1",
    "age\u200b > 1",
    "\u202eage > 1",
    "age > 1\x00",
    "age ==\t1\x0b",
    "`col\u202e` == 1",
    'x == "a\u202eb"',
    'x == "a\u0000b"',
    "age\u00a0> 1",
    "\ufeffage > 1",
    # size attacks
    "(" * 10_000 + "x == 1" + ")" * 10_000,
    "(" * 4_000 + "x == 1" + ")" * 4_000,
    "not " * 2_000 + "x == 1",
    "x == 1 and " * 100_000 + "x == 1",
    "x in (" + ",".join(["1"] * 2_500) + ")",
    "x == '" + "a" * 1_000_000 + "'",
]


@contextlib.contextmanager
def nothing_may_run():
    """Make every way of running code fail loudly while the block runs, and record any attempt.

    Patched by hand rather than with monkeypatch, which itself imports lazily.
    """
    attempts = []

    def trap(label):
        def refuse(*args, **kwargs):
            attempts.append(label)
            raise AssertionError(f"{label} was called")

        return refuse

    targets = [(builtins, name) for name in ("eval", "exec", "compile", "__import__", "open", "breakpoint")]
    targets += [
        (os, "system"),
        (subprocess, "Popen"),
        (pd, "eval"),
        (pd.DataFrame, "query"),
        (pd.DataFrame, "eval"),
    ]
    originals = [(owner, name, vars(owner)[name]) for owner, name in targets]
    try:
        for owner, name, _ in originals:
            setattr(owner, name, trap(f"{owner.__name__}.{name}"))
        yield attempts
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def test_the_guard_notices_execution():
    frame = pd.DataFrame({"a": [1]})
    with nothing_may_run() as attempts:
        with contextlib.suppress(AssertionError):
            eval("1")  # noqa: S307 -- proves the guard would see it
        with contextlib.suppress(AssertionError):
            frame.query("a > 0")
    assert attempts == ["builtins.eval", "DataFrame.query"]
    assert eval("1") == 1  # noqa: S307 -- and that it is lifted afterwards


def test_the_corpus_is_large():
    assert len(HOSTILE) >= 40
    assert len(set(HOSTILE)) == len(HOSTILE)


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_criteria_are_refused_with_a_position(text):
    with nothing_may_run() as attempts:
        try:
            parse(text)
            outcome = None
        except CriteriaError as error:
            outcome = error
    assert attempts == []
    assert isinstance(outcome, CriteriaError), f"accepted: {text[:80]!r}"
    assert 0 <= outcome.position <= min(len(text), MAX_LENGTH)
    assert str(outcome).startswith(f"position {outcome.position}: ")


@pytest.mark.parametrize(
    "value",
    [
        "__import__('os').system('touch /tmp/pwned')",
        "{0.__class__}",
        "{age.__class__.__mro__}",
        "'; DROP TABLE cohorts; --",
        "${jndi:ldap://x}",
        "`age` > 1 or 1 == 1",
        "\\",
    ],
)
def test_hostile_text_inside_a_string_is_only_data(value):
    table = pa.table({"name": [value, "other", None], "age": [1, 2, 3]})
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    with nothing_may_run() as attempts:
        criteria = parse(f'name == "{escaped}" or age > 99')
        selected = criteria.mask(table).to_pylist()
        in_list = parse(f'name in ("{escaped}", "x")').count(table)
    assert attempts == []
    assert criteria.root.operands[0].right.value == value
    assert selected == [True, False, False]
    assert in_list == 1


def test_a_column_called_like_an_attack_is_only_looked_up():
    name = "__class__.__mro__"
    table = pa.table({name: [1, 2]})
    with nothing_may_run() as attempts:
        selected = parse(f"`{name}` > 1").mask(table).to_pylist()
    assert attempts == []
    assert selected == [False, True]


def test_bare_names_of_python_objects_are_just_unknown_columns():
    with pytest.raises(CriteriaError, match="unknown column 'os'"):
        parse("os == 1").validate({"age": "integer"})
