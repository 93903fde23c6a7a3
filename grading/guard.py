"""The grading guard's grader side: nbgrader's Execute preprocessor, with the tests run under guard.

``nbgrader_config.py`` puts :class:`GuardedExecute` in place of ``nbgrader.preprocessors.Execute``
in ``Autograde.autograde_preprocessors``; validation and the lessons run without it. For each
notebook it:

1. starts the kernel side (:mod:`grading.kernel_guard`) before the first cell, in a silent
   request, from a config file that only the kernel reads (and deletes): a fresh HMAC key, and
   the paths of the course that hold answers, which the nbgrader CourseDirectory knows;
2. before each test cell (a grade cell that is not a solution), sends a silent request that
   restores the interpreter and tells the guard the hash of the test it is about to run;
3. runs the test cell with ``store_history=False`` and one more line at its end, which asks
   the guard to sign a fresh nonce with its verdict;
4. judges the cell: an error reply without an error output gets one (a patched
   ``showtraceback`` hides errors, not the reply's status); a failed cell keeps no
   ``execute_result`` (nbgrader would read one before the error as partial credit); a cell that
   passed without a valid "ok" proof gets an error output that says the grading environment
   was changed, so nbgrader scores it 0.

The guard's own failure to start raises :class:`GuardError`, so nbgrader reports the notebook
as not autograded rather than giving a silent 0 or a silent pass.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from queue import Empty

from jupyter_core.utils import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Integer

from grading import kernel_guard

#: The ename of the error output a test cell gets when it cannot be trusted.
CHANGED_ERROR = "GradingEnvironmentChanged"
#: The ename when the guard itself failed while checking a test: the instructor's log says so too.
GUARD_FAILED_ERROR = "GradingGuardFailed"
_PROOF_LINE = re.compile(rf"^{re.escape(kernel_guard.PROOF_PREFIX)} (\S+) ([0-9a-f]+) (.*)$", re.MULTILINE)
_PROOF_LINE_END = re.compile(rf"^{re.escape(kernel_guard.PROOF_PREFIX)} .*(\n|$)", re.MULTILINE)
#: Where nbgrader's exchange is when the configuration does not say.
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"


class GuardError(RuntimeError):
    """The guard could not be started in the kernel, so the notebook cannot be graded safely."""


def is_test_cell(cell) -> bool:
    """An nbgrader "autograder tests" cell: graded, not a solution, code."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and meta.get("grade", False) and not meta.get("solution", False)


def imported_modules(source: str) -> set[str]:
    """The modules a test cell imports (by their full names), so that the guard snapshots them first.

    >>> sorted(imported_modules("import math\\nfrom grading import checks\\nimport numpy.testing as npt"))
    ['grading', 'grading.checks', 'math', 'numpy.testing']
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*"}
    return names


def with_done_line(source: str, nonce: str) -> str:
    """The test cell's text as the kernel runs it: the done line last, or just before a final expression.

    >>> print(with_done_line("x = 1\\nassert x", "n"))
    x = 1
    assert x
    __import__('sys').audit('va_grading.done', 'n')
    <BLANKLINE>
    >>> with_done_line("1 + 1", "n").splitlines()[0].startswith("__import__")
    True
    """
    line = kernel_guard.done_line(nonce)
    lines = source.rstrip().splitlines()
    try:
        body = ast.parse(source).body
    except SyntaxError:
        body = []
    if body and isinstance(body[-1], ast.Expr) and body[-1].lineno == body[-1].end_lineno:
        last = body[-1].lineno - 1
        lines = lines[:last] + [line] + lines[last:]
    else:
        lines.append(line)
    return "\n".join(lines) + "\n"


def expected_results(source: str) -> int:
    """How many execute_result outputs a test cell may rightly show: one if it ends with an expression."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return 0
    return 1 if body and isinstance(body[-1], ast.Expr) else 0


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def signature(key: bytes, nonce: str, verdict: str) -> str:
    """The HMAC the kernel guard prints for ``nonce`` and ``verdict``."""
    return hmac.new(key, kernel_guard.proof_message(nonce, verdict), "sha256").hexdigest()


def take_proofs(cell: NotebookNode) -> list[tuple[str, str, str]]:
    """Remove the proof lines from the cell's stdout and return them as (nonce, mac, verdict)."""
    proofs, kept = [], []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            text = output.get("text", "")
            proofs += _PROOF_LINE.findall(text)
            output["text"] = _PROOF_LINE_END.sub("", text)
            if not output["text"].strip("\n"):
                continue
        kept.append(output)
    cell["outputs"] = kept
    return proofs


def error_output(ename: str, evalue: str, traceback: list[str] | None = None) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=traceback or [f"{ename}: {evalue}"])


def course_paths(coursedir: CourseDirectory, exchange: str | None, db_url: str) -> list[str]:
    """The absolute paths whose contents a graded notebook may not touch."""
    root = Path(coursedir.root)
    folders = [coursedir.source_directory, coursedir.release_directory, coursedir.submitted_directory,
               coursedir.autograded_directory, coursedir.feedback_directory, coursedir.solution_directory]
    paths = [str(root / folder) for folder in folders if folder]
    if exchange:
        paths.append(exchange)
    if db_url.startswith("sqlite:///"):
        database = Path(db_url[len("sqlite:///"):])
        database = database if database.is_absolute() else root / database
        paths += [str(database) + suffix for suffix in ("", "-journal", "-wal", "-shm")]
    return [os.path.realpath(path) for path in paths]


def owning_coursedir(preprocessor) -> CourseDirectory:
    """The CourseDirectory of the nbgrader converter that runs ``preprocessor`` (or one from its config)."""
    owner = preprocessor.parent
    while owner is not None:
        if isinstance(getattr(owner, "coursedir", None), CourseDirectory):
            return owner.coursedir
        owner = getattr(owner, "parent", None)
    return CourseDirectory(config=preprocessor.config)


def source_notebook_modules(preprocessor, resources) -> list[str]:
    """What the code cells of the source notebook being graded import: the instructor's, never the student's.

    Empty when the notebook is not an nbgrader assignment's or its source cannot be read. The source
    is read once per grading process (again only if it changes), not once per student.
    """
    nbgrader = (resources or {}).get("nbgrader", {})
    assignment, notebook = nbgrader.get("assignment"), nbgrader.get("notebook")
    if not assignment or not notebook:
        return []
    coursedir = owning_coursedir(preprocessor)
    path = Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook}.ipynb"
    try:
        return list(_notebook_modules(str(path), path.stat().st_mtime_ns))
    except (OSError, ValueError):
        return []


@functools.lru_cache(maxsize=32)
def _notebook_modules(path: str, modified_ns: int) -> tuple[str, ...]:
    """What the code cells of the notebook at ``path`` import; read once per version of the file."""
    import nbformat

    source = nbformat.read(path, as_version=4)
    return tuple(sorted({name for cell in source.cells if cell.cell_type == "code"
                         for name in imported_modules(cell.source)}))


class GuardedExecute(Execute):
    """nbgrader's Execute, with every test cell run under the grading guard (see the module's docstring)."""

    guard_timeout = Integer(
        60, help="Seconds to wait for the guard's own silent requests to the kernel."
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._guard_key = None
        self._last_reply = None
        self._guard_folder = tempfile.mkdtemp(prefix="va-grading-guard-")
        try:
            return super().preprocess(nb, resources, km)
        finally:
            shutil.rmtree(self._guard_folder, ignore_errors=True)

    def forget_guard(self) -> None:
        """Forget the guard of a kernel that was replaced: the next cell installs the guard in the new kernel first.

        Whoever starts a new kernel in the middle of a notebook must call this, or the new kernel
        runs the tests without a guard, and they fail for want of a proof.
        """
        self._guard_key = None

    def preprocess_cell(self, cell, resources, index):
        if self._guard_key is None:
            self._start_guard(resources)
        if not is_test_cell(cell) or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        return self._run_test_cell(cell, resources, index)

    def on_cell_executed(self, **kwargs):
        self._last_reply = kwargs.get("execute_reply")
        return super().on_cell_executed(**kwargs)

    # --- Talking to the kernel guard -----------------------------------------------------------
    async def _async_silent(self, code: str) -> tuple[dict | None, str, list[str]]:
        """Run ``code`` silently; its reply, its stdout and the errors it showed."""
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False)
        stdout, errors = [], []
        deadline = time.monotonic() + self.guard_timeout
        while True:
            try:
                message = await self.kc.get_iopub_msg(timeout=min(1, max(0, deadline - time.monotonic())))
            except Empty:
                await self._async_check_alive()  # a kernel that died says so now (DeadKernelError), not at the deadline
                if time.monotonic() >= deadline:
                    raise
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                (stdout if content.get("name") == "stdout" else errors).append(content.get("text", ""))
            elif kind == "error":
                errors.append(f"{content.get('ename')}: {content.get('evalue')}")
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        reply = await self.async_wait_for_reply(msg_id)
        return reply, "".join(stdout), errors

    _silent = run_sync(_async_silent)

    def _coursedir(self) -> CourseDirectory:
        return owning_coursedir(self)

    def _start_guard(self, resources) -> None:
        key, nonce = secrets.token_bytes(32), secrets.token_hex(16)
        nbgrader = (resources or {}).get("nbgrader", {})
        exchange = (self.config.get("Exchange") or {}).get("root") or DEFAULT_EXCHANGE
        config = {
            "key": key.hex(),
            "nonce": nonce,
            "protected": course_paths(self._coursedir(), exchange, nbgrader.get("db_url", "")),
            "own_folder": os.path.realpath((resources or {}).get("metadata", {}).get("path") or os.getcwd()),
            "modules": sorted({name for cell in self.nb.cells if is_test_cell(cell)
                               for name in imported_modules(cell.source)}),
        }
        path = Path(self._guard_folder) / "config.json"
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        reply, stdout, errors = self._silent(kernel_guard.setup_request(str(path)))
        proofs = {found_nonce: (mac, verdict) for found_nonce, mac, verdict in _PROOF_LINE.findall(stdout)}
        mac, verdict = proofs.get(nonce, ("", ""))
        if verdict != "ready" or not hmac.compare_digest(mac, signature(key, nonce, "ready")):
            status = (reply or {}).get("content", {}).get("status", "no reply")
            raise GuardError(
                "the grading guard did not start in the kernel, so this notebook was not graded "
                f"(kernel reply: {status}; {' '.join(errors) or 'no error shown'})"
            )
        self._guard_key = key

    # --- Test cells --------------------------------------------------------------------------
    def _run_test_cell(self, cell, resources, index):
        source, nonce = cell.source, secrets.token_hex(16)
        sent = with_done_line(source, nonce)
        self._silent(kernel_guard.restore_request(sha256(sent)))
        self._last_reply = None
        cell.source = sent
        try:
            self._check_assign_resources(resources)
            cell = self.execute_cell(cell, index, store_history=False)
        finally:
            cell.source = source
        self._judge(cell, self._last_reply, nonce)
        return cell, self.resources

    def _judge(self, cell, reply, nonce: str) -> None:
        proofs = take_proofs(cell)
        content = (reply or {}).get("content", {})
        outputs = cell.outputs
        failed = content.get("status") != "ok" or any(out.output_type == "error" for out in outputs)
        if failed:
            cell.outputs = [out for out in outputs if out.output_type != "execute_result"]
            if not any(out.output_type == "error" for out in cell.outputs):
                cell.outputs.append(error_output(
                    content.get("ename") or "Error", content.get("evalue") or "the test cell failed",
                    content.get("traceback")))
            return
        verdicts = [verdict for found, mac, verdict in proofs
                    if found == nonce and hmac.compare_digest(mac, signature(self._guard_key, nonce, verdict))]
        if verdicts == [kernel_guard.CLEAN]:
            results = [out for out in outputs if out.output_type == "execute_result"]
            allowed = results[-expected_results(cell.source):] if expected_results(cell.source) else []
            cell.outputs = [out for out in outputs if out.output_type != "execute_result" or out in allowed]
            return
        reason = verdicts[0] if verdicts else "the test did not reach its end under the grader's watch"
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "?")
        cell.outputs = [out for out in outputs if out.output_type != "execute_result"]
        if reason.startswith("broken: "):
            self.log.error("Test cell %s could not be checked, the grading guard failed: %s", grade_id, reason)
            cell.outputs.append(error_output(
                GUARD_FAILED_ERROR, f"the grader could not check this test, so it cannot count yet ({reason[8:]}); "
                                    "tell your instructor"))
            return
        self.log.warning("Test cell %s scores 0, the grading environment was changed: %s", grade_id, reason)
        cell.outputs.append(error_output(
            CHANGED_ERROR, f"the grading environment was changed by the notebook, so this test cannot count ({reason})"))
