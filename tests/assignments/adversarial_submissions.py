"""Adversarial submissions, built for any assignment from its source notebook: what a student who games the tests hands in.

Each :class:`Attack` turns the student version into a cheating notebook the way a student
would write one: plain code in the answer cells (or a test cell deleted or edited). About
half of the functions (every other one in the notebook's order, and at least one text and
one pandas answer where there are some) are *attacked*: they return a wrong answer of the
right type (the model solution's answer, perturbed), a lying object, or an answer read from
somewhere it must not be read; the others are solved honestly.

The yardstick is :func:`wrong_answers`, the same notebook without the attack: the same
wrong answers, nothing else. An attack gains points exactly where it scores more than that;
and where that honest half earns full points, grading under the guard must give them too.

The attack code lives in :data:`PRELUDE` (helpers the first answer cell defines) and in the
bodies built below; it is what a student would paste, not a simulation of it.
"""

from __future__ import annotations

import ast
import copy
import textwrap

import nbformat
from dataclasses import dataclass
from typing import Callable

from tests.assignments.assignment_notebooks import (
    function_name,
    grade_id,
    graded_function,
    is_answer_cell,
    is_manual_answer,
    is_test_cell,
    nbgrader,
    replace_solution,
)

WRITTEN_ANSWER = "Delegating the inbox first frees the most valuable hours for the least onboarding."

#: What every attack's first answer cell starts with: the helpers the attacks share.
PRELUDE = textwrap.dedent('''
    # --- helpers of the attack -------------------------------------------------------------
    _MISSING = object()


    def _call(model, arguments):
        try:
            return model(**arguments)
        except Exception:
            return None


    def _wrong(value):
        """A wrong answer of the same type as value."""
        import numpy as np
        import pandas as pd
        if value is None:
            return 0.0
        if isinstance(value, (bool, np.bool_)):
            return not bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value) + 7
        if isinstance(value, (float, np.floating)):
            return 0.0 if value != value else float(value) + 7.5
        if isinstance(value, str):
            return value + " (not this)"
        if isinstance(value, (pd.DataFrame, pd.Series)):
            columns = value.items() if isinstance(value, pd.DataFrame) else [(None, value)]
            changed = {}
            for name, column in columns:
                numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
                changed[name] = column + 7.5 if numeric else column.astype(str) + " (not this)"
            if isinstance(value, pd.Series):
                return changed[None].iloc[::-1]
            return pd.DataFrame(changed, index=value.index).iloc[::-1]
        if isinstance(value, (list, tuple)):
            return type(value)([_wrong(item) for item in reversed(value)] or [0.0])
        if isinstance(value, dict):
            return {key: _wrong(item) for key, item in value.items()}
        return 0.0


    class _Always:
        """Equal to anything, true, and its own attribute, item and result."""
        def __eq__(self, other): return True
        def __ne__(self, other): return False
        def __lt__(self, other): return True
        __le__ = __gt__ = __ge__ = __contains__ = __lt__
        def __hash__(self): return 0
        def __bool__(self): return True
        def __len__(self): return 0
        def __iter__(self): return iter(())
        def __getitem__(self, key): return self
        def __getattr__(self, name): return self
        def __call__(self, *args, **kwargs): return self
        def __float__(self): return 0.0
        def __repr__(self): return "25"


    class _LyingFloat(float):
        def __eq__(self, other): return True
        def __ne__(self, other): return False
        def __lt__(self, other): return True
        __le__ = __gt__ = __ge__ = __lt__
        __hash__ = float.__hash__


    class _LyingStr(str):
        def __eq__(self, other): return True
        def __ne__(self, other): return False
        __hash__ = str.__hash__


    def _number(value):
        try:
            return float(value)
        except Exception:
            return 0.0


    def _same(a, b):
        import numpy as np
        import pandas as pd
        if isinstance(a, (pd.DataFrame, pd.Series)) or isinstance(b, (pd.DataFrame, pd.Series)):
            return type(a) is type(b) and a.equals(b)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return bool(np.array_equal(a, b))
        try:
            return type(a) is type(b) and bool(a == b) or (
                isinstance(a, (int, float)) and isinstance(b, (int, float)) and float(a) == float(b))
        except Exception:
            return False


    def _expected_from(source, name, model, arguments, namespace):
        """The value a test's assert expects for this call of name, read from the test's source."""
        import ast
        import inspect
        try:
            tree = ast.parse(source)
        except Exception:
            return _MISSING
        assigned = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, node.value)

        def evaluate(node, depth=0):
            try:
                return eval(compile(ast.Expression(node), "<test>", "eval"), dict(namespace))
            except NameError as missing:
                unknown = str(missing).split("'")[1] if "'" in str(missing) else ""
                if depth < 3 and unknown in assigned:
                    namespace[unknown] = evaluate(assigned[unknown], depth + 1)
                    return evaluate(node, depth + 1)
                raise

        def matches(call):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == name):
                return False
            try:
                bound = inspect.signature(model).bind(*[evaluate(a) for a in call.args],
                                                      **{k.arg: evaluate(k.value) for k in call.keywords})
                bound.apply_defaults()
            except Exception:
                return False
            return set(bound.arguments) == set(arguments) and all(
                _same(bound.arguments[key], arguments[key]) for key in arguments)

        results = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and matches(node.value)
                   for t in node.targets if isinstance(t, ast.Name)}
        unwrap = {"number", "text", "integer", "truth", "float", "int", "str", "frame", "series", "numbers", "texts"}

        def refers(node):
            if matches(node):
                return True
            if isinstance(node, ast.Name):
                return node.id in results
            if isinstance(node, ast.Call) and node.args:
                function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                return function in unwrap and refers(node.args[0])
            return False

        for node in ast.walk(tree):
            try:
                if isinstance(node, ast.Call) and len(node.args) >= 2:
                    function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    if function in {"close", "isclose", "all_close", "same_frame", "same_series"} and refers(node.args[0]):
                        return evaluate(node.args[1])
                if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.Is)):
                    if refers(node.left):
                        return evaluate(node.comparators[0])
                    if refers(node.comparators[0]):
                        return evaluate(node.left)
            except Exception:
                continue
        return _MISSING


    def _first_answer(sources, name, model, arguments, namespace):
        for source in sources:
            found = _expected_from(source, name, model, arguments, dict(namespace))
            if found is not _MISSING:
                return found
        return _wrong(_call(model, arguments))
    # --- end of the helpers ----------------------------------------------------------------
''')


#: What a test cell says when it checks a text answer, or a pandas one.
TEXT_MARKS = ("checks.text(", "checks.texts(", "is str")
PANDAS_MARKS = ("checks.frame(", "checks.series(", "same_frame(", "same_series(", "pd.DataFrame", "pd.Series")


@dataclass
class Plan:
    """What an attack needs to know about one assignment, read from its source notebook."""

    source: object
    released: object
    functions: list[str]
    tests: dict[str, list[str]]  # function -> grade ids of its test cells
    text_functions: list[str]
    pandas_functions: list[str]

    @classmethod
    def of(cls, source, released=None) -> "Plan":
        """The plan of the assignment whose source notebook is ``source`` (``released``: its student version)."""
        functions = [function_name(cell) for cell in source.cells if is_answer_cell(cell)]
        tests: dict[str, list[str]] = {name: [] for name in functions}
        sources: dict[str, str] = {name: "" for name in functions}
        for cell in source.cells:
            if is_test_cell(cell):
                owner = graded_function(cell, functions)
                tests[owner].append(grade_id(cell))
                sources[owner] += cell.source
        text = [name for name in functions if any(mark in sources[name] for mark in TEXT_MARKS)]
        pandas = [name for name in functions if any(mark in sources[name] for mark in PANDAS_MARKS)]
        return cls(source, released, functions, tests, text, pandas)

    def cells_of(self, functions) -> set[str]:
        return {name for function in functions for name in self.tests[function]}

    @property
    def attacked(self) -> list[str]:
        """The functions every attack attacks: every other one, and a text and a pandas answer if there are some."""
        chosen = set(self.functions[::2])
        for kind in (self.text_functions, self.pandas_functions):
            if kind and not chosen & set(kind):
                chosen.add(kind[0])
        return [name for name in self.functions if name in chosen]

    @property
    def honest(self) -> list[str]:
        return [name for name in self.functions if name not in self.attacked]


@dataclass
class Submission:
    """An attack's notebook and the functions it attacks."""

    notebook: object
    attacked: list[str]


@dataclass(frozen=True)
class Attack:
    name: str
    #: What the attack does, as a student would put it.
    what: str
    build: Callable[[Plan], Submission]
    #: False for the attacks nbgrader itself defeats (its checksums put test cells back).
    beats_plain_nbgrader: bool = True
    #: False for the attacks that the test cells' own type checks (grading.checks) or nbgrader defeat.
    needs_the_guard: bool = True


# --- Building answer cells -------------------------------------------------------------------


def _answers(source) -> dict[str, object]:
    return {grade_id(cell): cell for cell in source.cells if nbgrader(cell).get("solution", False)}


def model_source(answer_cell, name: str) -> str:
    """The model solution of an answer cell, renamed ``_model_<name>`` so the attack can call it."""
    solved = replace_solution(answer_cell.source, None)
    return solved.replace(f"def {name}(", f"def _model_{name}(", 1)


def _student_cell(answer_cell, body: list[str]) -> str:
    return replace_solution(answer_cell.source, body)


def _forward_arguments() -> str:
    """Code that captures the call's arguments by parameter name, as the first line of a body."""
    return "_arguments = dict(locals())"


def build_notebook(plan: Plan, bodies: dict[str, list[str]], extra: str = "") -> object:
    """The student version with attacked functions given ``bodies``, the others solved, the attack code up front.

    :data:`PRELUDE` and ``extra`` (attack-specific code) go at the top of the first answer
    cell; each attacked function's answer cell defines its model as ``_model_<name>`` first.
    """
    answers = _answers(plan.source)
    notebook = copy.deepcopy(plan.released)
    first = True
    for cell in notebook.cells:
        if is_answer_cell(cell):
            answer = answers[grade_id(cell)]
            name = function_name(cell)
            parts = []
            if first:
                parts += [PRELUDE, extra]
                first = False
            if name in bodies:
                parts.append(model_source(answer, name))
                parts.append(_student_cell(answer, bodies[name]))
            else:
                parts.append(replace_solution(answer.source, None))
            cell.source = "\n\n".join(part.strip("\n") for part in parts if part.strip())
        elif is_manual_answer(cell):
            cell.source = WRITTEN_ANSWER
    return notebook


def submission(plan: Plan, body: Callable[[str], list[str]], extra: str = "") -> Submission:
    """The plan's attacked functions given ``body(name)``, the others solved, ``extra`` up front."""
    notebook = build_notebook(plan, {name: body(name) for name in plan.attacked}, extra=extra)
    return Submission(notebook, plan.attacked)


def wrong_body(name: str) -> list[str]:
    return [_forward_arguments(), f"return _wrong(_call(_model_{name}, _arguments))"]


# --- The attacks -------------------------------------------------------------------------------

PATCH_BUILTINS = textwrap.dedent('''
    # Make the test's arithmetic agree with anything.
    import builtins
    builtins.all = lambda *args, **kwargs: True
    builtins.abs = lambda value: 0
    builtins.round = lambda value, digits=None: value
    builtins.sorted = lambda *args, **kwargs: []
''')

PATCH_ISCLOSE = textwrap.dedent('''
    # Every number is close enough.
    import math
    math.isclose = lambda *args, **kwargs: True
''')

PATCH_PANDAS = textwrap.dedent('''
    # Every table equals every other one.
    import numpy as np
    import numpy.testing
    import pandas as pd
    import pandas.testing
    _quiet = lambda *args, **kwargs: None
    for _name in ("assert_frame_equal", "assert_series_equal", "assert_index_equal", "assert_extension_array_equal"):
        setattr(pd.testing, _name, _quiet)
        setattr(pd._testing, _name, _quiet)
    for _name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal",
                  "assert_almost_equal"):
        setattr(np.testing, _name, _quiet)
    np.isclose = lambda *args, **kwargs: np.True_
    np.allclose = lambda *args, **kwargs: True
    np.array_equal = lambda *args, **kwargs: True
    pd.DataFrame.equals = lambda self, other: True
    pd.Series.equals = lambda self, other: True
''')

PATCH_DISPLAY = textwrap.dedent('''
    # A failing test shows nothing and counts as a success.
    import sys
    from IPython.core.interactiveshell import InteractiveShell

    def _hide(*args, **kwargs):
        shell = get_ipython()
        result = getattr(shell.displayhook, "exec_result", None)
        if result is not None:
            result.error_in_exec = None
        shell._last_traceback = None
        return None

    _shell = get_ipython()
    _shell.showtraceback = _hide
    _shell._showtraceback = _hide
    InteractiveShell.showtraceback = _hide
    InteractiveShell._showtraceback = _hide
    _shell.set_custom_exc((AssertionError, ValueError, TypeError), lambda shell, *args, **kwargs: _hide() or [])
    sys.excepthook = _hide


    def _claim_the_points():
        """Display a result of its own, which nbgrader reads as the test's partial credit."""
        try:
            from IPython.core.displaypub import publish_display_data
            shell = get_ipython()
            shell.displayhook.session.send(
                shell.displayhook.pub_socket, "execute_result",
                {"data": {"text/plain": "'full marks'"}, "metadata": {}, "execution_count": shell.execution_count},
                parent=shell.displayhook.parent_header, ident=shell.displayhook.topic)
        except Exception:
            pass
''')

STRIP_ASSERTS = textwrap.dedent('''
    # The tests' asserts never run.
    import ast


    class _NoChecks(ast.NodeTransformer):
        def visit_Assert(self, node):
            return ast.copy_location(ast.Pass(), node)

        def visit_Raise(self, node):
            return ast.copy_location(ast.Pass(), node)


    def _without_asserts(lines):
        source = "".join(lines)
        try:
            tree = _NoChecks().visit(ast.parse(source))
        except SyntaxError:
            return lines
        return [line + "\\n" for line in ast.unparse(ast.fix_missing_locations(tree)).splitlines()]


    get_ipython().ast_transformers.append(_NoChecks())
    get_ipython().input_transformers_post.append(_without_asserts)
''')

READ_SOURCE = textwrap.dedent('''
    def _test_sources():
        """The running test's source, wherever IPython or the kernel keeps it."""
        import linecache
        shell = get_ipython()
        found = []
        for read in (
            lambda: shell.user_ns["In"][-1],
            lambda: shell.user_ns["_ih"][-1],
            lambda: shell.kernel.get_parent()["content"]["code"],
            lambda: shell.displayhook.exec_result.info.raw_cell,
            lambda: "".join([entry for entry in linecache.cache.values() if len(entry) == 4][-1][2]),
        ):
            try:
                found.append(read())
            except Exception:
                pass
        return [text for text in found if isinstance(text, str) and text]
''')

READ_FRAME = textwrap.dedent('''
    def _caller_frames():
        """The frame of whoever called the graded function, found three ways."""
        import inspect
        import sys
        frames = []
        try:
            frames.append(sys._getframe(3))
        except Exception:
            pass
        try:
            frames.append(inspect.stack()[3].frame)
        except Exception:
            pass
        try:
            raise RuntimeError("where am I?")
        except RuntimeError as error:
            try:
                frames.append(error.__traceback__.tb_frame.f_back.f_back.f_back)
            except Exception:
                pass
        return [frame for frame in frames if frame is not None]


    def _from_frames(name, model, arguments):
        import linecache
        for frame in _caller_frames():
            names = {**frame.f_globals, **frame.f_locals}
            if "expected" in frame.f_locals:
                return frame.f_locals["expected"]
            source = "".join(linecache.getlines(frame.f_code.co_filename))
            found = _expected_from(source, name, model, arguments, names)
            if found is not _MISSING:
                return found
        return _wrong(_call(model, arguments))
''')

READ_FILES = textwrap.dedent('''
    def _from_files(name, model, arguments):
        """The model solution from the course's source notebook, or the hidden tests from the graded notebook."""
        import json
        import os
        folder = os.getcwd()
        while True:
            solutions = os.path.join(folder, "solutions")
            try:
                for assignment in os.listdir(solutions):
                    path = os.path.join(solutions, assignment, assignment + ".ipynb")
                    with open(path) as handle:
                        cells = json.load(handle)["cells"]
                    for cell in cells:
                        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name:
                            namespace = dict(globals())
                            exec("".join(cell["source"]), namespace)
                            return namespace[name](**arguments)
            except Exception:
                pass
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        sources = []
        try:
            for filename in os.listdir("."):
                if filename.endswith(".ipynb"):
                    with open(filename) as handle:
                        sources += ["".join(cell["source"]) for cell in json.load(handle)["cells"]]
        except Exception:
            pass
        return _first_answer(sources, name, model, arguments, globals())
''')

READ_GRADEBOOK = textwrap.dedent('''
    def _from_gradebook(name, model, arguments):
        """The hidden tests, as nbgrader keeps them in the gradebook."""
        import os
        import sqlite3
        folder, sources = os.getcwd(), []
        while True:
            path = os.path.join(folder, "gradebook.db")
            if os.path.exists(path):
                try:
                    with sqlite3.connect(path) as database:
                        sources = [row[0] for row in database.execute("SELECT source FROM source_cell")]
                except Exception:
                    pass
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        return _first_answer(sources, name, model, arguments, globals())
''')


def wrong_answers(plan: Plan) -> Submission:
    """The yardstick: the attacked functions answer wrongly, with no attack at all."""
    return submission(plan, wrong_body)


def lying_eq(plan: Plan) -> Submission:
    return submission(plan, lambda name: ["return _Always()"])


def lying_float(plan: Plan) -> Submission:
    return submission(plan, lambda name: [
        _forward_arguments(), f"return _LyingFloat(_number(_wrong(_call(_model_{name}, _arguments))))"])


def lying_str(plan: Plan) -> Submission:
    """A lying str from the text answers; the other attacked functions answer wrongly."""
    def body(name: str) -> list[str]:
        if name not in plan.text_functions:
            return wrong_body(name)
        return [_forward_arguments(), f"return _LyingStr(str(_wrong(_call(_model_{name}, _arguments))))"]
    return submission(plan, body)


def patched(extra: str) -> Callable[[Plan], Submission]:
    return lambda plan: submission(plan, wrong_body, extra=extra)


PATCH_DURING_TEST = textwrap.dedent('''
    def _patch_the_checks():
        """Patched while the test calls the function, after the grader put everything back."""
        import math
        from grading import checks
        math.isclose = lambda *args, **kwargs: True
        checks.close = lambda *args, **kwargs: True
        checks.all_close = lambda *args, **kwargs: True
        checks.same_frame = lambda *args, **kwargs: True
        checks.same_series = lambda *args, **kwargs: True
''')


def patched_during_test(plan: Plan) -> Submission:
    return submission(plan, lambda name: ["_patch_the_checks()"] + wrong_body(name), extra=PATCH_DURING_TEST)


def hidden_failures(plan: Plan) -> Submission:
    def body(name: str) -> list[str]:
        return ["_claim_the_points()"] + wrong_body(name)
    return submission(plan, body, extra=PATCH_DISPLAY)


def reader(helper: str, call: str) -> Callable[[Plan], Submission]:
    def build(plan: Plan) -> Submission:
        return submission(plan, lambda name: [
            _forward_arguments(), f"return {call}({name!r}, _model_{name}, _arguments)"], extra=helper)
    return build


def read_source(plan: Plan) -> Submission:
    return submission(plan, lambda name: [
        _forward_arguments(),
        f"return _first_answer(_test_sources(), {name!r}, _model_{name}, _arguments, globals())"], extra=READ_SOURCE)


def deleted_tests(plan: Plan) -> Submission:
    built = submission(plan, wrong_body)
    gone = plan.cells_of(plan.attacked)
    built.notebook.cells = [cell for cell in built.notebook.cells if not (is_test_cell(cell) and grade_id(cell) in gone)]
    return built


class _NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):  # noqa: N802 - ast.NodeTransformer's naming
        return ast.copy_location(ast.Pass(), node)

    def visit_Raise(self, node):  # noqa: N802
        return ast.copy_location(ast.Pass(), node)


def without_asserts(source: str) -> str:
    """A test cell's source with every assert and raise replaced by ``pass``."""
    return ast.unparse(ast.fix_missing_locations(_NoAsserts().visit(ast.parse(source))))


def edited_tests(plan: Plan) -> Submission:
    built = submission(plan, wrong_body)
    edited = plan.cells_of(plan.attacked)
    for cell in built.notebook.cells:
        if is_test_cell(cell) and grade_id(cell) in edited:
            cell.source = without_asserts(cell.source)
    return built


ATTACKS: tuple[Attack, ...] = (
    Attack("lying_eq", "every attacked function returns an object whose == is always true", lying_eq,
           needs_the_guard=False),
    Attack("lying_float", "a float subclass whose == is always true", lying_float, needs_the_guard=False),
    Attack("lying_str", "a str subclass whose == is always true, for the text answers", lying_str,
           needs_the_guard=False),
    Attack("patched_builtins", "all, abs, round and sorted patched to agree, and wrong answers",
           patched(PATCH_BUILTINS)),
    Attack("patched_isclose", "math.isclose patched to say yes, and wrong answers", patched(PATCH_ISCLOSE)),
    Attack("patched_pandas", "numpy's and pandas' testing helpers and equals patched, and wrong pandas answers",
           patched(PATCH_PANDAS)),
    Attack("patched_during_test", "math.isclose and grading.checks patched by the graded function itself, while "
                                  "the test runs", patched_during_test),
    Attack("hidden_failures", "IPython's traceback display patched to hide errors and clear them, and a fake "
                              "execute_result that claims the points", hidden_failures),
    Attack("stripped_asserts", "an AST transformer and an input transformer that take the asserts out",
           patched(STRIP_ASSERTS)),
    Attack("deleted_tests", "the attacked functions' test cells deleted", deleted_tests, beats_plain_nbgrader=False,
           needs_the_guard=False),
    Attack("edited_tests", "the attacked functions' test cells edited, every assert replaced by pass",
           edited_tests, beats_plain_nbgrader=False, needs_the_guard=False),
    Attack("read_test_source", "the expected value read from the running test's source: In, _ih, linecache, the "
                               "kernel's parent message, the displayhook", read_source),
    Attack("read_caller_frame", "the expected value read from the calling frame: sys._getframe, inspect.stack, "
                                "a caught exception's traceback", reader(READ_FRAME, "_from_frames")),
    Attack("read_files", "the model solution read from solutions/ found by walking up, or the hidden tests from "
                         "the .ipynb in the grading folder", reader(READ_FILES, "_from_files")),
    Attack("read_gradebook", "the hidden tests read from gradebook.db with sqlite3", reader(READ_GRADEBOOK,
                                                                                           "_from_gradebook")),
)


#: The student who answers the attacked functions wrongly without attacking: the yardstick.
BASELINE = "wrong_answers"


def applies(attack: Attack, source) -> bool:
    """Whether ``attack`` has something to attack in the assignment (lying_str needs a text answer)."""
    return attack.name != "lying_str" or bool(Plan.of(source).text_functions)


def attacks_for(plan: Plan, names=None) -> dict[str, Submission]:
    """The yardstick and the attacks (all, or those named) that apply to the assignment: student -> submission."""
    chosen = [attack for attack in ATTACKS if names is None or attack.name in names]
    return {BASELINE: wrong_answers(plan), **{attack.name: attack.build(plan) for attack in chosen
                                              if applies(attack, plan.source)}}


# --- A demo assignment whose tests plain nbgrader cannot defend ----------------------------------

def _cell(kind: str, source: str, **grading):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if grading:
        cell.metadata["nbgrader"] = {"schema_version": 3, "locked": grading.get("grade", False) and not
                                     grading.get("solution", False), "grade": False, "solution": False, **grading}
    return cell


def _answer(name: str, signature: str, doc: str, body: str):
    return _cell("code", f'def {name}({signature}):\n    """{doc}"""\n    ### BEGIN SOLUTION\n    {body}\n'
                         f"    ### END SOLUTION", grade_id=name, solution=True)


def _test(name: str, points: float, source: str):
    return _cell("code", source, grade_id=name, grade=True, points=points)


def demo_assignment():
    """A small source notebook with a number, a text and a table answer, tested both by grading.checks and naively.

    Its naive tests (``==``, ``abs``, ``sorted``) are there for the attacks to beat: graded by
    plain nbgrader, each attack scores on it, which shows the attacks work.
    """
    hidden = "### BEGIN HIDDEN TESTS\n{}\n### END HIDDEN TESTS"
    return nbformat.v4.new_notebook(cells=[
        _cell("markdown", "# A demo assignment for the adversarial tests"),
        _cell("code", "import pandas as pd"),
        _answer("rate", "income, hours", "Income per hour.", "return income / hours"),
        _test("test_rate_checks", 2, "from grading import checks\n\nresult = rate(100, 4)\n"
              'assert checks.close(checks.number(result, "rate"), 25), "100 over 4 hours is 25"\n'
              + hidden.format('assert checks.close(checks.number(rate(90, 3), "rate"), 30), "hidden check"')),
        _test("test_rate_plain", 1, 'expected = 25.0\nresult = rate(100, 4)\nassert result == expected, "25"'),
        _test("test_rate_tolerance", 1, 'assert abs(rate(90, 3) - 30) < 1e-9, "30"'),
        _answer("label", "rate", "high from 50 an hour, else low.", 'return "high" if rate >= 50 else "low"'),
        _test("test_label_checks", 1, 'from grading import checks\n\n'
              'assert checks.text(label(60), "label") == "high", "60 is high"'),
        _test("test_label_plain", 1, 'assert label(20) == "low", "20 is low"'),
        _answer("table", "rates", "The rates, smallest first.",
                'return pd.DataFrame({"rate": rates}).sort_values("rate")'),
        _test("test_table_checks", 2, "import pandas as pd\nfrom grading import checks\n\n"
              'expected = pd.DataFrame({"rate": [1.0, 2.0]}, index=[1, 0])\n'
              'assert checks.same_frame(table([2.0, 1.0]), expected), "sorted by rate"'),
        _test("test_table_sorted", 1, 'rates = table([3.0, 1.0, 2.0])["rate"].tolist()\n'
              'assert sorted(rates) == sorted([1.0, 2.0, 3.0]), "the three rates"'),
        _cell("markdown", "Why?", grade_id="why", solution=True, grade=True, points=1),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
