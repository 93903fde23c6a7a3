"""The grading guard's kernel side: keeps the interpreter honest while nbgrader's autograde runs the tests.

A student's code and the hidden tests share one Python process, so a notebook could patch
``math.isclose``, hide its own errors, strip the asserts or read the tests and the answer key.
``grading.guard.GuardedExecute`` (the grader side) installs this module in the kernel before
the notebook's first cell, silently, and then talks to it around every test cell:

* **Snapshot.** :func:`install` imports what the test cells import, then records every loaded
  module's namespace (``builtins``, ``math``, ``grading.checks``, numpy, pandas, IPython ...),
  the attributes of their classes, and the shell's and kernel's hooks (``showtraceback``,
  ``CustomTB``/``custom_exceptions``, ``sys.excepthook``, AST and input transformers, event
  callbacks, the message handlers and the session).
* **Restore, then check.** Before each test cell the grader sends a request that puts all of
  it back; the guard reads it from the kernel's message, so no input transformer can hide it.
  When the test cell is compiled, and again when its last line is reached, the guard compares
  everything with the snapshot: a difference (a patch made in between, even by the graded
  function while the test calls it) or a thread running the notebook's code fails the test.
  A namespace whose dict version tag has not changed since it was last found as in the
  snapshot is not compared again (:mod:`grading.dict_versions`; where the interpreter keeps no
  such tags, or ``VA_TO_OBM_GUARD_TAGS=off``, every value is compared every time).
* **Proof.** The last line the grader appends to a test cell asks the guard for a proof: an
  HMAC of a fresh nonce and the verdict, with a key the grader wrote to a file that
  :func:`install` read and deleted. Only the guard can sign, only for the running test cell;
  a test cell with no valid "ok" proof scores 0 (``grading.guard``).
* **Privacy.** The test's own code runs, through :func:`run_test`, in a copy of the notebook's
  globals: its variables never reach the namespace a student function can read. While it
  runs its source is nowhere a student function can read it: not in ``In``/``_ih`` (the
  grader runs it with ``store_history=False``), not in the ExecutionInfo IPython hands to
  hooks and the displayhook, not in the kernel's parent message, not in ``linecache`` (the
  entry is a lazy one that answers IPython's own traceback display only).
* **Audit hook.** ``sys.addaudithook`` hooks cannot be removed. This one refuses, while
  student code is on the call stack: frames (``sys._getframe``, ``inspect.currentframe``,
  ``traceback`` walks, ``tb_frame``/``gi_frame``/``cr_frame``, ``f_code``) when the student
  asks for them -- pandas, IPython, ``logging`` and ``namedtuple`` still may; ``gc``
  introspection; ``sys.settrace``/``setprofile`` and new audit hooks; processes, signals to
  other processes, sockets, ``ctypes`` and ``sqlite3``; and any path under the course's
  folders that hold answers (the source, release, submitted, autograded and feedback folders,
  the exchange, the gradebook) or a notebook in the student's own grading folder. Paths are
  resolved with their symlinks followed; an ``os`` function given a path object rather than
  a ``str`` is refused, since its ``__fspath__`` could name one file to the check and another
  to the call. A refusal is a ``PermissionError`` that says what was refused; the student's
  traceback shows no line of this module.

All of the guard's state lives in the closure of the audit hook, which nothing in Python can
reach once it is installed (``gc`` and frames are refused), and the hook only calls functions
bound when it was made, so patching a module later cannot change what it does. Signing uses
``_hashlib.hmac_digest``, a C function.

What no in-process guard can promise: code that runs in the same interpreter can, with enough
effort, outwit any check written in Python. This module closes the attacks the course's
adversarial suite (``tests/assignments/test_adversarial_submissions.py``) mounts and the
obvious variants around them; it is not a sandbox (``grading.sandbox`` is). Known gaps: a
trusted library that reads its caller's frame (``IPython.utils.frame``, ``pandas.eval``
scopes) hands a student the test's local variables; a patch made and undone again by a
thread that runs library code only, or by an event-loop callback, between two checks is not
seen.
"""

from __future__ import annotations

import ast
import atexit
import functools
import json
import operator
import os
import sys

# Loaded with the guard, so that its namespace is in the guard's snapshot like every other.
from grading.dict_versions import read_tag, version_tags

#: The source of the silent request that restores the kernel before a test cell. The guard
#: reads it from the kernel's request when IPython compiles the cell, so an input transformer
#: cannot hide it. The SHA-256 of the test cell's text follows.
RESTORE_MARK = "# va-grading: restore "
#: What a proof line printed by the guard starts with: ``PROOF_PREFIX nonce mac verdict``.
PROOF_PREFIX = "va-grading-proof"
#: The verdict of a test cell that ran in the untouched environment.
CLEAN = "ok"
#: Audit events the guard's own code raises.
EVENT_CELL = "va_grading.cell"
EVENT_WRAP = "va_grading.wrap"
EVENT_DONE = "va_grading.done"
EVENT_LINES = "va_grading.lines"
EVENT_RUN = "va_grading.run"

#: Set to "off" in a kernel's environment, the guard compares every namespace in every scan instead
#: of trusting the dicts' version tags (grading.dict_versions), as on an interpreter without them.
TAGS_VARIABLE = "VA_TO_OBM_GUARD_TAGS"
#: Modules the test cells rely on, imported and snapshotted whatever the tests import.
CORE_MODULES = ("math", "operator", "grading.checks", "numpy", "numpy.testing", "pandas", "pandas.testing")


def setup_request(config_path: str) -> str:
    """The source of the silent request that installs the guard from ``config_path``."""
    return f"import grading.kernel_guard\ngrading.kernel_guard.install({config_path!r})\n"


def restore_request(test_text_sha256: str) -> str:
    """The source of the silent request that restores the kernel before the test cell whose text has this hash."""
    return f"{RESTORE_MARK}{test_text_sha256}\npass\n"


#: How the line the grader adds to a test cell starts.
DONE_PREFIX = f"__import__('sys').audit({EVENT_DONE!r}, "


def done_line(nonce: str) -> str:
    """The line the grader adds to a test cell: reaching it asks the guard for the proof of ``nonce``."""
    return f"{DONE_PREFIX}{nonce!r})"


def proof_message(nonce: str, verdict: str) -> bytes:
    """What the proof of a test cell signs."""
    return f"{nonce} {verdict}".encode()


# --- What the guard leaves in the shell (snapshotted, so restored with everything else) ------


def _pre_run_cell(info) -> None:
    """IPython's ``pre_run_cell`` callback: lets the guard see, check and scrub a test cell's source."""
    sys.audit(EVENT_CELL, info)


def _cell_source(filename: str):
    """The lazy ``linecache`` loader of a test cell: its source, for IPython's traceback display only."""
    box: list = []
    sys.audit(EVENT_LINES, filename, box)
    return box[0] if box else None


def run_test():
    """Run the test cell the guard compiled, in a namespace of its own; return its last expression's value.

    The AST transformer below puts a call to this function in place of a test cell's
    statements. The guard hands over the cell's own code, compiled under the cell's name
    (IPython's traceback display shows its lines as usual), and a copy of the notebook's
    globals to run it in: the test's variables never reach the notebook's globals, where a
    student function could read them.
    """
    __tracebackhide__ = True  # noqa: F841 - IPython leaves this frame out of tracebacks
    box: list = []
    sys.audit(EVENT_RUN, box)
    if not box:
        raise RuntimeError("the grading guard has no test to run here")
    run, last = box
    run()
    return last() if last is not None else None


_RUNNER = "__import__('grading.kernel_guard', fromlist=['run_test']).run_test()"


class RunTestInPrivate(ast.NodeTransformer):
    """IPython AST transformer: the running test cell's statements become one call of :func:`run_test`."""

    def visit_Module(self, node: ast.Module) -> ast.Module:  # noqa: N802 - ast.NodeTransformer's naming
        box: list = []
        sys.audit(EVENT_WRAP, box, node)
        if not box:
            return node
        runner = ast.parse(_RUNNER)
        first = node.body[0] if node.body else None
        for part in ast.walk(runner):
            if first is not None and hasattr(part, "lineno"):
                part.lineno, part.end_lineno = first.lineno, first.lineno
                part.col_offset, part.end_col_offset = 0, 0
        return ast.fix_missing_locations(runner)


# --- Installing --------------------------------------------------------------------------


def install(config_path: str) -> None:
    """Install the guard in this kernel from the grader's config file, which it deletes; print the proof of readiness.

    The file holds ``key`` (hex), ``nonce``, ``protected`` (absolute paths whose contents are
    out of bounds), ``own_folder`` (the folder the notebook is graded in) and ``modules``
    (what the test cells import).
    """
    import importlib

    from IPython import get_ipython

    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    os.remove(config_path)
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        raise RuntimeError("the grading guard runs inside an IPython kernel only")
    for name in (*CORE_MODULES, *config.get("modules", [])):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a test that needs a missing module fails on its own
            pass
    from grading import quick_tracebacks

    quick_tracebacks.install()  # before the snapshot, so the guard keeps it in place
    if _pre_run_cell not in shell.events.callbacks["pre_run_cell"]:
        shell.events.register("pre_run_cell", _pre_run_cell)
    if not any(isinstance(transformer, RunTestInPrivate) for transformer in shell.ast_transformers):
        shell.ast_transformers.append(RunTestInPrivate())
    hook, announce = _make_guard(config, bytes.fromhex(config["key"]), shell)
    sys.addaudithook(hook)
    # The kernel is thrown away once graded: its usual exit (its threads, sockets and modules
    # closed one by one) kept the grader waiting about 0.9 s a notebook. Run first of the exit
    # handlers, so after ipykernel's shutdown request has stopped the processes the notebook started.
    atexit.register(os._exit, 0)
    announce(config["nonce"])


def _make_guard(config: dict, key: bytes, shell):
    """The audit hook that holds the guard, and a function that prints the proof of readiness.

    Everything the hook uses at run time is bound here, so that a module a notebook patches
    later cannot change what it does; nothing defined here is reachable from outside.
    """
    import _hashlib
    import _thread
    import linecache
    import types

    from IPython.core.inputtransformer2 import TransformerManager
    from ipykernel.compiler import get_file_name

    # Built-ins and C functions, bound now.
    _isinstance, _type, _len, _str, _bytes, _int, _tuple, _list, _dict, _set = (
        isinstance, type, len, str, bytes, int, tuple, list, dict, set)
    _callable, _id, _getattr, _hasattr, _any, _all, _zip, _map = callable, id, getattr, hasattr, any, all, zip, map
    _range, _enumerate = range, enumerate
    _is = operator.is_  # a C function: comparing by identity never runs an object's own __eq__
    _Exception, _PermissionError, _RuntimeError, _OSError = Exception, PermissionError, RuntimeError, OSError
    _sys_modules, sep = sys.modules, os.sep
    _proof_message, _proof_prefix, _clean = proof_message, PROOF_PREFIX, CLEAN
    _compile, _exec, _eval, _Expr, _Module, _Expression = compile, exec, eval, ast.Expr, ast.Module, ast.Expression
    _restore_mark, _done_prefix, _guard_failed = RESTORE_MARK, DONE_PREFIX, "the grading guard failed"
    # An exception raised here shows the student a frame of no file instead of the guard's code.
    raise_from_nowhere = eval(compile("lambda error: (_ for _ in ()).throw(error)", "<the grader>", "eval"))
    _getframe, _current_frames, _get_ident = sys._getframe, sys._current_frames, _thread.get_ident
    _hmac_digest, _sha256 = _hashlib.hmac_digest, _hashlib.openssl_sha256
    _lstat, _stat, _readlink, _getcwd = os.lstat, os.stat, os.readlink, os.getcwd
    _type_setattr, _type_delattr = type.__setattr__, type.__delattr__
    _ModuleType, _partial = types.ModuleType, functools.partial
    _cell_loader = _cell_source
    _O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
    _WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    _IMMUTABLE_TYPE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: built-in types that cannot be patched
    _pristine_transform = TransformerManager().transform_cell
    _cache = linecache.cache
    absent = object()

    kernel = shell.kernel
    user_ns = shell.user_ns
    stdout = sys.stdout
    cell_prefix = os.path.dirname(get_file_name("")) + os.sep

    # --- Who is who on the call stack ------------------------------------------------------
    import sysconfig

    import grading

    stdlib = tuple({sysconfig.get_paths()[name] + os.sep for name in ("stdlib", "platstdlib")})
    site_dirs = {sysconfig.get_paths()[name] + os.sep for name in ("purelib", "platlib")}
    site_dirs |= {path + os.sep for path in sys.path if path.endswith("site-packages")}
    grading_dir = os.path.dirname(os.path.abspath(grading.__file__)) + os.sep
    trusted = {*stdlib, *site_dirs, grading_dir}
    trusted |= {os.path.realpath(path) + os.sep for path in trusted}
    trusted = tuple(sorted(trusted))
    stdlib = tuple(sorted({*stdlib, *(os.path.realpath(path) + os.sep for path in stdlib)}))
    # Standard-library code that hands frames to its caller: it asks on its caller's behalf.
    facades = tuple(root + name for root in stdlib for name in (
        "inspect.py", "traceback.py", "bdb.py", "pdb.py", "cgitb.py", "trace.py", "pydoc.py", "asyncio" + os.sep))
    logging_file = tuple(root + os.path.join("logging", "__init__.py") for root in stdlib)

    walking: set = set()  # threads inside walk(): the frame reads it makes are its own

    def walk(frame=None):
        """The filenames and function names of the calling frames (or ``frame``'s), innermost first."""
        ident = _get_ident()
        walking.add(ident)
        try:
            frame = _getframe(2) if frame is None else frame
            calls = []
            while frame is not None:
                code = frame.f_code
                calls.append((code.co_filename, code.co_name))
                frame = frame.f_back
            return calls
        finally:
            walking.discard(ident)

    def is_trusted(filename):
        return filename.startswith(trusted) or filename.startswith("<frozen ")

    def is_stdlib(filename):
        return filename.startswith(stdlib) or filename.startswith("<frozen ")

    def student_asks(calls):
        """True when the nearest caller that is not a frame-handing stdlib function is not library code."""
        for filename, name in calls:
            if not is_trusted(filename):
                return True
            if filename.startswith(facades) or (filename.startswith(logging_file) and name == "<lambda>"):
                continue
            return False
        return False

    def student_on_stack(calls):
        for filename, _ in calls:
            if not is_trusted(filename):
                return True
        return False

    # --- Paths ---------------------------------------------------------------------------
    def normal(path):
        """``path`` made absolute against the current folder, with "." and ".." removed (no symlinks followed)."""
        if not path.startswith(sep):
            path = _getcwd() + sep + path
        parts = []
        for part in path.split(sep):
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
            else:
                parts.append(part)
        return sep + sep.join(parts)

    def real(path):
        """``path`` with every symlink followed, like os.path.realpath, from functions bound at install."""
        pending = normal(path)[1:].split(sep) if normal(path) != sep else []
        resolved, hops = "", 0
        while pending:
            part = pending.pop(0)
            candidate = normal(resolved + sep + part)
            try:
                mode = _lstat(candidate).st_mode
            except _OSError:
                resolved = candidate
                continue
            if mode & 0o170000 == 0o120000:  # a symlink
                hops += 1
                if hops > 40:
                    return candidate
                target = _readlink(candidate)
                base = "" if target.startswith(sep) else resolved
                pending = normal(base + sep + target)[1:].split(sep) + pending
                resolved = ""
            else:
                resolved = candidate
        return resolved or sep

    protected = tuple(sorted({os.path.realpath(path) for path in config.get("protected", [])}))
    own_folder = os.path.realpath(config["own_folder"]) if config.get("own_folder") else None

    def within(path, folder):
        return path == folder or path.startswith(folder + sep)

    def is_protected(path):
        if own_folder is not None and within(path, own_folder):
            rest = path[_len(own_folder):]
            return rest.endswith(".ipynb") or ".ipynb_checkpoints" in rest
        for folder in protected:
            if within(path, folder):
                return True
        return False

    def as_text(path):
        """The path as a str, None for an open file descriptor, or absent when it cannot be trusted."""
        if path is None:
            return "."
        if _type(path) is _str:
            return path
        if _type(path) is _bytes:
            return path.decode("utf-8", "surrogateescape")
        if _type(path) is _int:
            return None
        return absent

    # --- The snapshot --------------------------------------------------------------------
    # Names the kernel itself rebinds around every request.
    volatile = {"sys": {"last_type", "last_value", "last_traceback", "last_exc", "excepthook"},
                "builtins": {"input"}, "getpass": {"getpass"}}
    # IPython's run_code puts its own sys.excepthook in place while a cell's code runs and keeps
    # the kernel's in shell.sys_excepthook; both are checked apart from the rest (see scan).
    kernel_excepthook = shell.sys_excepthook
    volatile_attributes = {"sys_excepthook"}
    # IPython re-wraps the streams' write method for every cell, to keep their output in its history.
    stream_ids = {_id(sys.stdout), _id(sys.stderr)}
    service_packages = ("IPython", "ipykernel", "jupyter_client", "zmq", "tornado", "traitlets", "comm", "jupyter_core")
    data_types = set()
    try:
        from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult

        data_types |= {ExecutionInfo, ExecutionResult}
    except ImportError:  # pragma: no cover - IPython always has them
        pass
    # Attributes of the shell's objects that hold hooks although they are plain data.
    hook_containers = {"custom_exceptions", "ast_transformers", "input_transformers_post", "cleanup_transforms",
                       "line_transforms", "token_transformers", "callbacks", "shell_handlers", "control_handlers"}

    def is_service(value):
        kind = _type(value)
        if kind in data_types:
            return False
        return _callable(value) or (kind.__module__ or "").startswith(service_packages)

    modules = []  # (name, namespace, snapshot)
    for name, module in _list(sys.modules.items()):
        if _type(module) is not _ModuleType and not _isinstance(module, _ModuleType):
            continue
        namespace = module.__dict__
        if name == "__main__" or namespace is user_ns:
            continue
        skip = volatile.get(name, ())
        snapshot = {k: v for k, v in namespace.items() if k not in skip}
        modules.append((name, namespace, snapshot, _tuple(namespace.values())))
    module_table = {entry[0]: sys.modules[entry[0]] for entry in modules}

    classes, seen = [], set()
    for name, namespace, _, _ in modules:
        for value in _list(namespace.values()):
            if (_isinstance(value, _type) and _id(value) not in seen and _getattr(value, "__module__", None) == name
                    and not value.__flags__ & _IMMUTABLE_TYPE):
                seen.add(_id(value))
                classes.append((f"{name}.{value.__qualname__}", value, _dict(value.__dict__),
                                _tuple(value.__dict__.values())))

    # Where the interpreter keeps dict version tags, a namespace whose tag is the one it had when it
    # was last found as in the snapshot is not compared again (grading.dict_versions). A class's
    # __dict__ is a proxy: its tag is the dict behind it, which only gc can reach.
    import gc

    _read_tag = read_tag
    tagged = [namespace for _, namespace, _, _ in modules]
    tagged += [next((inner for inner in gc.get_referents(cls.__dict__) if _isinstance(inner, _dict)), None)
               for _, cls, _, _ in classes]
    tags = None
    if os.environ.get(TAGS_VARIABLE, "").strip().lower() != "off" and _all(namespace is not None for namespace in tagged):
        tags = version_tags(tagged)
    # The tag of each namespace when it was last found as in the snapshot (None: compare it again).
    clean_tags = _list(_map(_read_tag, tags)) if tags is not None else [None] * _len(tagged)

    objects, seen = [], set()

    def add_object(label, obj):
        if _id(obj) in seen or not _hasattr(obj, "__dict__") or _isinstance(obj, (_type, _ModuleType)):
            return
        seen.add(_id(obj))
        for kind, namespace in (("attribute", obj.__dict__), ("trait", obj.__dict__.get("_trait_values"))):
            if _type(namespace) is not _dict:
                continue
            keys = _set(namespace)
            skip = volatile_attributes | ({"write"} if _id(obj) in stream_ids else _set())
            kept = {k: v for k, v in namespace.items()
                    if k not in skip and (k in hook_containers or is_service(v))}
            lists = {k: _tuple(v) for k, v in kept.items() if _type(v) is _list}
            dicts = {k: {e: (l, _tuple(l)) for e, l in v.items() if _type(l) is _list} if k == "callbacks" else _dict(v)
                     for k, v in kept.items() if _type(v) is _dict}
            objects.append((f"{label} {kind}", namespace, kept, keys, lists, dicts))

    add_object("the shell's", shell)
    add_object("the kernel's", kernel)
    for owner_label, owner in (("the shell's", shell), ("the kernel's", kernel)):
        for namespace in (owner.__dict__, owner.__dict__.get("_trait_values", {})):
            for attribute, value in _list(namespace.items()):
                if is_service(value) and not _callable(value):
                    add_object(f"{owner_label} {attribute}", value)
    add_object("sys.stdout", sys.stdout)
    add_object("sys.stderr", sys.stderr)

    baseline_threads = _set(_current_frames())

    # --- Comparing with the snapshot, and restoring it -------------------------------------
    _MethodType = types.MethodType

    def same(now, then):
        """The same object, or the same method bound again to the same object (IPython rebinds some per cell)."""
        if now is then:
            return True
        return (_type(now) is _MethodType and _type(then) is _MethodType
                and now.__func__ is then.__func__ and now.__self__ is then.__self__)

    sys_namespace, shell_excepthook = sys.__dict__, shell.excepthook

    def compare_module(entry, fix, found):
        name, namespace, snapshot, values = entry
        if _len(namespace) == _len(values) and _all(_map(_is, namespace.values(), values)):
            return  # nothing rebound: the common case, checked at C speed
        for attribute, value in snapshot.items():
            if not same(namespace.get(attribute, absent), value):
                found.append(f"{name}.{attribute}")
                if fix:
                    namespace[attribute] = value

    def compare_class(entry, fix, found):
        label, cls, snapshot, values = entry
        current = cls.__dict__
        if _len(current) == _len(values) and _all(_map(_is, current.values(), values)):
            return
        for attribute in _list(current):
            if attribute not in snapshot:
                found.append(f"{label}.{attribute} (added)")
                if fix:
                    _type_delattr(cls, attribute)
        for attribute, value in snapshot.items():
            if current.get(attribute, absent) is not value:
                found.append(f"{label}.{attribute}")
                if fix:
                    _type_setattr(cls, attribute, value)

    # In the order of the tags: the modules', then the classes' namespaces.
    namespace_entries = [(entry, compare_module) for entry in modules] + [(entry, compare_class) for entry in classes]

    def scan(fix):
        """What differs from the snapshot, as short descriptions; with ``fix``, put each back."""
        found = []
        for name, module in module_table.items():
            if _sys_modules.get(name) is not module:
                found.append(f"sys.modules[{name!r}]")
                if fix:
                    _sys_modules[name] = module
        if tags is None:
            indices = _range(_len(namespace_entries))
        else:
            now = _list(_map(_read_tag, tags))
            indices = () if now == clean_tags else [index for index, tag in _enumerate(now) if tag != clean_tags[index]]
        for index in indices:
            entry, compare = namespace_entries[index]
            before = _len(found)
            # The tag is read before the comparison: a change a thread makes meanwhile gets a newer tag,
            # so the next scan compares the namespace again.
            tag = _read_tag(tags[index]) if tags is not None else None
            compare(entry, fix, found)
            # Only a namespace found as in the snapshot is trusted by its tag, until the tag changes.
            clean_tags[index] = tag if _len(found) == before else None
        for label, namespace, kept, keys, lists, dicts in objects:
            for attribute, value in kept.items():
                if not same(namespace.get(attribute, absent), value):
                    found.append(f"{label} {attribute}")
                    if fix:
                        namespace[attribute] = value
            for attribute, contents in lists.items():
                current = kept[attribute]
                if _len(current) != _len(contents) or _any(a is not b for a, b in _zip(current, contents)):
                    found.append(f"{label} {attribute} (its items)")
                    if fix:
                        current[:] = contents
            for attribute, contents in dicts.items():
                current = kept[attribute]
                if attribute == "callbacks":
                    for event, (hooks, items) in contents.items():
                        if current.get(event) is not hooks or _len(hooks) != _len(items) or _any(
                                a is not b for a, b in _zip(hooks, items)):
                            found.append(f"{label} {event} callbacks")
                            if fix:
                                current[event] = hooks
                                hooks[:] = items
                elif _len(current) != _len(contents) or _any(current.get(k, absent) is not v for k, v in contents.items()):
                    found.append(f"{label} {attribute} (its entries)")
                    if fix:
                        current.clear()
                        current.update(contents)
            for attribute in _list(namespace):
                if attribute not in keys and _callable(namespace.get(attribute)) and attribute not in volatile_attributes:
                    found.append(f"{label} {attribute} (added)")
                    if fix:
                        namespace.pop(attribute, None)
        hook = sys_namespace.get("excepthook", absent)
        if not (hook is kernel_excepthook or same(hook, shell_excepthook)):
            found.append("sys.excepthook")
            if fix:
                sys_namespace["excepthook"] = kernel_excepthook
        if shell.__dict__.get("sys_excepthook", absent) is not kernel_excepthook:
            found.append("the shell's sys_excepthook")
            if fix:
                shell.__dict__["sys_excepthook"] = kernel_excepthook
        return found

    def stray_threads():
        """Threads running the notebook's own code, other than the kernel's (libraries may start threads of their own)."""
        found = []
        for ident, frame in _current_frames().items():
            if ident in baseline_threads:
                continue
            for filename, name in walk(frame):
                if not is_trusted(filename):
                    found.append(f"a thread the notebook started runs its {name}()")
                    break
        return found

    # --- Test cells ----------------------------------------------------------------------
    # A test cell goes through these phases: armed (restored, its hash known), running (IPython
    # started it), compiled, ready (its code handed to the AST transformer), executing (run_test
    # has it), finished (its last line signed the verdict).
    state = {"phase": "idle", "expected": None, "text": None, "filename": None, "problems": [], "sources": {},
             "run": None}
    _get_parent = type(kernel).get_parent

    def request_code():
        """The code of the request the kernel is running, as the grader sent it: before any input transformer."""
        parent = _get_parent(kernel)
        content = parent.get("content") if _type(parent) is _dict else None
        code = content.get("code") if _type(content) is _dict else None
        return code if _type(code) is _str else ""
    test_flags = 0  # the tests need no __future__ feature a notebook may have switched on

    def hide_sources():
        for filename in state["sources"]:
            _cache[filename] = (_partial(_cell_loader, filename),)

    def restore(expected):
        # A second look only where something was put back, to see it stayed back; the look when
        # the test compiles checks again whatever happens after this.
        problems = [f"could not put back {what}" for what in scan(False)] if scan(True) else []
        problems += stray_threads()
        hide_sources()
        state.update(phase="armed", expected=expected, text=None, filename=None, problems=problems, run=None)

    def sha(text):
        return _sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def cell_starts(info):
        raw = _getattr(info, "raw_cell", None)
        if state["phase"] != "armed" or _type(raw) is not _str:
            return
        state["phase"] = "running"
        if sha(raw) != state["expected"]:
            state["problems"].append("the cell that ran was not the test the grader sent")
            return
        if _pristine_transform(raw) != _getattr(info, "transformed_cell", None):
            state["problems"].append("the notebook changed how IPython reads the test cell")
        state["text"] = info.transformed_cell
        info.raw_cell = info.transformed_cell = ""
        parent = _get_parent(kernel)
        content = parent.get("content") if _type(parent) is _dict else None
        if _type(content) is _dict and "code" in content:
            content["code"] = ""

    def test_compiles(source, filename):
        state.update(phase="compiled", filename=filename)
        # Tracebacks show the test as the student knows it: the added last line is left blank.
        lines = source.split("\n")
        state["sources"][filename] = "\n".join("" if line.startswith(_done_prefix) else line for line in lines)
        _cache[filename] = (_partial(_cell_loader, filename),)
        state["problems"] += scan(False) + stray_threads()
        state["text"] = None

    def strangers(calls):
        """True when code other than the running test cell's and the libraries' is on the stack."""
        for filename, _ in calls:
            if not is_trusted(filename) and filename != state["filename"]:
                return True
        return False

    def test_transforms(box, module):
        """Compile the test cell's statements for :func:`run_test`, to run in a copy of the notebook's globals."""
        if state["phase"] != "compiled" or _type(module) is not _Module:
            return
        body, filename = _list(module.body), state["filename"]
        last = None
        if body and _type(body[-1]) is _Expr:
            last = _compile(_Expression(body=body.pop().value), filename, "eval", test_flags, True)
        code = _compile(_Module(body=body, type_ignores=[]), filename, "exec", test_flags, True)
        namespace = _dict(user_ns)
        state["run"] = (_partial(_exec, code, namespace), _partial(_eval, last, namespace) if last is not None else None)
        state["phase"] = "ready"
        box.append(True)

    def sign(nonce, verdict):
        mac = _hmac_digest(key, _proof_message(nonce, verdict), "sha256").hex()
        stdout.write(f"{_proof_prefix} {nonce} {mac} {verdict}\n")
        stdout.flush()

    def test_done(nonce, calls):
        if state["phase"] not in ("running", "compiled", "ready", "executing"):
            return
        problems = _list(state["problems"])
        if state["phase"] != "executing":
            problems.append("the test cell did not run as the grader sent it")
        elif strangers(calls):
            problems.append("the test's last line was reached from other code")
        problems = _list(_dict.fromkeys(problems + scan(False) + stray_threads()))
        state["phase"] = "finished"
        if problems:
            scan(True)
            shown = problems[:6] + ([f"and {_len(problems) - 6} more"] if _len(problems) > 6 else [])
            broken = _any(problem.startswith(_guard_failed) for problem in problems)
            sign(nonce, ("broken: " if broken else "changed: ") + "; ".join(shown))
        else:
            sign(nonce, _clean)

    # --- The audit hook ------------------------------------------------------------------
    frame_attributes = {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_code"}
    asked_events = {"sys._getframe", "sys._current_frames", "gc.get_objects", "gc.get_referrers", "gc.get_referents"}
    stack_events = {
        "sys.settrace", "sys.setprofile", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
        "os.fork", "os.forkpty", "os.kill", "os.killpg", "signal.pthread_kill", "sqlite3.connect",
        "sqlite3.enable_load_extension", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
        "os.symlink", "os.link", "pty.spawn", "webbrowser.open",
    }
    path_events = {
        "open": (0,), "os.listdir": (0,), "os.scandir": (0,), "os.chdir": (0,), "os.remove": (0,), "os.rmdir": (0,),
        "os.rename": (0, 1), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
        "os.mkdir": (0,), "shutil.copyfile": (0, 1), "shutil.copymode": (0, 1), "shutil.copystat": (0, 1),
        "shutil.copytree": (0, 1), "shutil.rmtree": (0,), "shutil.move": (0, 1), "glob.glob": (0,),
        "glob.glob/2": (0,), "os.listxattr": (0,), "os.getxattr": (0,), "os.setxattr": (0,), "os.removexattr": (0,),
        "shutil.make_archive": (0, 2), "shutil.unpack_archive": (0, 1),
    }
    event_cell, event_wrap, event_run, event_done, event_lines = EVENT_CELL, EVENT_WRAP, EVENT_RUN, EVENT_DONE, EVENT_LINES
    own_events = {event_cell, event_wrap, event_run, event_done, event_lines}

    def refuse(what):
        __tracebackhide__ = True  # noqa: F841 - IPython leaves the guard's frames out of the student's traceback
        raise_from_nowhere(_PermissionError(f"the grader does not let a notebook {what} while it is graded"))

    def check_paths(event, args):
        __tracebackhide__ = True  # noqa: F841
        for position in path_events[event]:
            if position >= _len(args):
                continue
            path = as_text(args[position])
            if path is absent:
                refuse("open a path given as an object (use a str name)")
            if path is None:
                continue
            resolved = normal(path)
            if not resolved.startswith(trusted):
                resolved = real(path)
            if is_protected(resolved):
                refuse(f"use {path!r}, where the course keeps answers")
            if event == "open":
                mode, flags = (args[1] if _len(args) > 1 else None), (args[2] if _len(args) > 2 else 0)
                writes = (_type(mode) is _str and _any(c in mode for c in "wax+")) or (
                    _type(flags) is _int and flags & _WRITE_FLAGS)
                if writes and is_trusted(resolved):
                    refuse(f"write to {path!r}, among the libraries the grader trusts")
                if mode is None and _type(flags) is _int:
                    is_directory = flags & _O_DIRECTORY
                    if not is_directory:
                        try:
                            is_directory = _stat(resolved).st_mode & 0o170000 == 0o040000
                        except _OSError:
                            is_directory = False
                    if is_directory:
                        refuse("open a folder as a file descriptor")

    ctypes_events = {"ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.cdata", "ctypes.cdata/buffer",
                     "ctypes.string_at", "ctypes.wstring_at", "ctypes.addressof", "ctypes.call_function",
                     "ctypes.create_string_buffer", "ctypes.create_unicode_buffer", "ctypes.PyObj_FromPtr",
                     "ctypes.get_errno", "ctypes.set_errno", "ctypes.get_last_error", "ctypes.set_last_error"}
    watched = frozenset({*own_events, *asked_events, *stack_events, *path_events, *ctypes_events, "compile",
                         "code.__new__", "object.__getattr__", "sys.addaudithook"})

    def hook(event, args):
        if event not in watched:  # most events (builtins.id, import, exec ...): nothing to decide
            return
        __tracebackhide__ = True  # noqa: F841
        if event in own_events:
            try:
                calls = walk()
                if event == event_cell:
                    cell_starts(args[0])
                elif event == event_wrap:
                    if _type(args[0]) is _list and _len(args) > 1:
                        test_transforms(args[0], args[1])
                elif event == event_run:
                    run = state["run"]
                    if state["phase"] == "ready" and _type(args[0]) is _list and not strangers(calls):
                        state.update(run=None, phase="executing")
                        args[0].extend(run)
                elif event == event_done:
                    if _type(args[0]) is _str:
                        test_done(args[0], calls)
                elif event == event_lines:
                    name, box = args[0], args[1]
                    if not student_on_stack(calls) and _type(box) is _list and name in state["sources"]:
                        box.append(state["sources"][name])
            except _Exception as error:  # the guard's own failure fails the test, with the reason
                state["problems"].append(f"{_guard_failed}: {_type(error).__name__}: {error}")
            return
        if event == "compile":
            source, filename = (args + (None, None))[:2]
            if _type(filename) is not _str:
                return
            if _type(source) is _bytes:
                source = source.decode("utf-8", "replace")
            if _type(source) is _str and filename.startswith(cell_prefix):
                code = request_code()
                if code.startswith(_restore_mark):
                    restore(code[_len(_restore_mark):].split("\n", 1)[0].strip())
                    return
                if state["phase"] == "running" and state["text"] is not None and source == state["text"]:
                    test_compiles(source, filename)
                    return
            if (filename.startswith(cell_prefix) or filename.startswith(trusted)) and student_asks(walk()):
                refuse("compile code under a name that is not its own")
            return
        if event == "code.__new__":
            filename = args[1] if _len(args) > 1 else None
            if _type(filename) is _str and (filename.startswith(cell_prefix) or filename.startswith(trusted)) \
                    and student_asks(walk()):
                refuse("make code under a name that is not its own")
            return
        if event == "object.__getattr__":
            if _get_ident() in walking or _len(args) < 2 or args[1] not in frame_attributes:
                return
            if student_asks(walk()):
                refuse(f"look at the {args[1]} of the running code")
            return
        if event in asked_events:
            if _get_ident() in walking:
                return
            if student_asks(walk()):
                refuse(f"call {event}")
            return
        if event == "sys.addaudithook":
            raise _RuntimeError("the grader does not let a notebook add audit hooks")  # the hook is not added
        if event in stack_events or event in ctypes_events:
            if student_on_stack(walk()):
                refuse(f"use {event}")
            return
        if event in path_events and student_on_stack(walk()):
            check_paths(event, args)

    def announce(nonce):
        sign(nonce, "ready")

    return hook, announce
