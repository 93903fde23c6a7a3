"""nbgrader's execute step over the sandbox: student code that breaks its kernel loses that cell's points only.

``nbgrader_config.py`` puts :class:`GuardedSandboxedExecute` first in
``Autograde.autograde_preprocessors``: the grading guard (:mod:`grading.guard`) inside the
kernel, the sandbox (:mod:`grading.sandbox`) around it. :class:`SandboxedExecute` is the same
without the guard. For each notebook the execute step:

* starts the kernel in the sandbox when ``Sandbox.mode`` allows (``auto``: where the machine
  can; a loud warning in the log when it cannot), or refuses to grade (``on``, no sandbox);
* caps the output one cell sends the grader while it runs (``Sandbox.output_mb``): past it the
  rest is dropped and the cell gets an ``OutputTooLargeError``; past four times the cap its
  kernel is killed (and started again, below). A flood can neither fill the grader's memory nor score;
* when the kernel dies in a cell (``os._exit``, a crash, the CPU limit), when a timed-out cell
  ignores the interrupt, or when a cell runs into the process limit, gives that cell an error
  that says so (``KernelDiedError``, nbgrader's cell timeout error, ``ProcessLimitError``),
  starts a new kernel, replays the cells before it that are not tests (the guard is installed
  first, as at the start) and goes on: only the cells that broke the kernel score 0. After
  ``Sandbox.max_restarts`` new kernels the notebook fails as plain nbgrader would fail it.

:mod:`grading.sandbox_faults` reads these errors back into the class grader's table.
"""

from __future__ import annotations

import asyncio
import copy
import os
import signal
from queue import Empty

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

from grading.guard import GuardedExecute, is_test_cell, source_notebook_modules
from grading.sandbox import MIB, Sandbox

KERNEL_DIED_ERROR = "KernelDiedError"
OUTPUT_TOO_LARGE_ERROR = "OutputTooLargeError"
PROCESS_LIMIT_ERROR = "ProcessLimitError"
#: Output types a flood is made of; errors are kept (the grade depends on them), shortened.
_DROPPABLE = {"stream", "display_data", "update_display_data", "execute_result"}
#: The errors a cell gets when its user has all the processes it may have: fork and spawn fail with
#: EAGAIN (BlockingIOError, OSError), threads with "can't start new thread" (RuntimeError). Only a cell
#: that failed so has the kernel's processes counted (a failed test's AssertionError does not).
_PROCESS_LIMIT_ENAMES = {"BlockingIOError", "OSError", "RuntimeError"}
#: What a cell's run raises when its kernel is gone or stuck.
_KERNEL_LOST = (DeadKernelError, CellTimeoutError, Empty)
#: A cell that prints this many times the output cap has its kernel killed.
KILL_FACTOR = 4
#: An error kept past the output cap keeps this many characters of its value and of each traceback line.
_ERROR_KEEP = 10_000
#: Seconds between two looks at whether the kernel running a cell still lives (nbclient's: 1). A look
#: asks the kernel's process (no message to the kernel), so a dead kernel is replaced about a second sooner.
KERNEL_ALIVE_INTERVAL = 0.05


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def message_size(message: dict) -> int:
    """How many characters of output an iopub message carries.

    >>> message_size({"msg_type": "stream", "content": {"name": "stdout", "text": "abc"}})
    3
    >>> message_size({"msg_type": "display_data", "content": {"data": {"text/plain": "ab", "image/png": "xyz"}}})
    5
    """
    content = message.get("content", {})
    if message.get("msg_type") == "stream":
        return len(content.get("text", ""))
    size = sum(len(value) if isinstance(value, str) else len(str(value)) for value in content.get("data", {}).values())
    if message.get("msg_type") == "error":
        size += len(content.get("evalue", "")) + sum(len(line) for line in content.get("traceback", []))
    return size


class SandboxedExecution:
    """The behaviour described in the module's docstring, mixed into an nbgrader Execute preprocessor."""

    def preprocess(self, nb, resources=None, km=None):
        self._sandbox = Sandbox(config=self.config, parent=self)
        self._sandboxed = self._sandbox.should_run()
        if self._sandboxed and self._sandbox.fork_kernels:
            self._sandbox.notebook_modules = source_notebook_modules(self, resources)
        self._restarts = 0
        self._lost: dict[int, str] = {}
        self._needs_new_kernel = False
        self._flooded: set[int] = set()
        #: Cells whose flood got their kernel killed: a new kernel follows, even if the kill lands late.
        self._killed_for_flood: set[int] = set()
        self._output_key = None
        return super().preprocess(nb, resources, km)

    def create_kernel_manager(self):
        if self._sandboxed:
            from grading.sandbox_kernel import SandboxKernelManager

            self.kernel_manager_class = SandboxKernelManager
        km = super().create_kernel_manager()
        if self._sandboxed:
            km.sandbox = self._sandbox
        return km

    # --- One cell ------------------------------------------------------------------------
    def preprocess_cell(self, cell, resources, index):
        if self._needs_new_kernel:
            self._start_again(resources, index)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            if index in self._flooded:
                self._lose_kernel(cell, index, OUTPUT_TOO_LARGE_ERROR, self._flood_reason() + ", and then killed")
            else:
                self._lose_kernel(cell, index, KERNEL_DIED_ERROR, self._exit_reason())
            return cell, self.resources
        except CellTimeoutError:
            if self._sandbox.max_restarts <= 0:
                raise
            self._signal_kernel(signal.SIGKILL)
            self._lose_kernel(cell, index, self._timeout_error_name(),
                              "the cell ran too long and ignored the interrupt, so its kernel was stopped")
            return cell, self.resources
        except Empty:  # the kernel did not answer one of the guard's own requests
            if self._sandbox.max_restarts <= 0:
                raise
            self._signal_kernel(signal.SIGKILL)
            self._lose_kernel(cell, index, KERNEL_DIED_ERROR, "the kernel stopped answering the grader")
            return cell, self.resources
        if index in self._flooded:
            cell.outputs.append(error_output(OUTPUT_TOO_LARGE_ERROR, self._flood_reason()))
            # The cell's reply can come before the kill lands; the next cell must not meet its kernel's death.
            if index in self._killed_for_flood or not self._kernel_alive():
                self._lose_kernel(cell, index, None, "")
        elif self._ran_into_process_limit(cell):
            self._lose_kernel(cell, index, PROCESS_LIMIT_ERROR,
                              f"the cell started more processes than the {self._sandbox.processes} a kernel may have")
        return cell, resources

    def _lose_kernel(self, cell, index: int, ename: str | None, reason: str) -> None:
        """Mark ``cell`` as the one that broke the kernel, and have a new kernel start before the next cell."""
        self._restarts += 1
        if self._restarts > self._sandbox.max_restarts:
            raise DeadKernelError(f"Kernel died: {reason or 'the kernel was lost'}"
                                  f" ({self._restarts - 1} new kernels were started for this notebook already)")
        if ename:
            cell.outputs.append(error_output(
                ename, f"{reason}; this cell scores 0, and the cells after it run in a new kernel"))
        self._lost[index] = reason
        self._needs_new_kernel = True

    def _start_again(self, resources, index: int) -> None:
        """A new kernel, with the guard (if any) installed and the cells before ``index`` that are not tests replayed."""
        while True:
            self._needs_new_kernel = False
            self._signal_kernel(signal.SIGKILL)
            self._cleanup_kernel()
            self.km, self.kc = None, None
            self.km = self.create_kernel_manager()
            self.start_new_kernel()
            self.start_new_kernel_client()
            self.forget_guard()
            executed = self.code_cells_executed
            try:
                self._replay(resources, index)
                return
            except _KERNEL_LOST:
                continue  # _replay marked the cell; start yet another kernel
            finally:
                self.code_cells_executed = executed

    def _replay(self, resources, index: int) -> None:
        for earlier in range(index):
            original = self.nb.cells[earlier]
            if (original.cell_type != "code" or not original.source.strip() or earlier in self._lost
                    or is_test_cell(original)):
                continue
            try:
                super().preprocess_cell(copy.deepcopy(original), resources, earlier)
            except _KERNEL_LOST:
                self._lose_kernel(original, earlier, None, "the kernel died again when the cell was replayed")
                raise
            finally:
                self.nb.cells[earlier] = original

    def forget_guard(self) -> None:
        """The new kernel has no guard yet: with a guard (GuardedExecute), the next cell installs it first."""
        forget = getattr(super(), "forget_guard", None)
        if forget is not None:
            forget()

    # --- Output ---------------------------------------------------------------------------
    def process_message(self, msg, cell, cell_index):
        key = (cell_index, id(cell))
        if key != self._output_key:
            self._output_key, self._output_chars = key, 0
        size = message_size(msg)
        if size:
            self._output_chars += size
            limit = self._sandbox.output_mb * MIB
            if self._output_chars > limit:
                self._flooded.add(cell_index)
                # An interrupt sent now could land in the grader's next request to the kernel, not in
                # this cell: past the cap the output is only dropped, and a flood that goes on is killed.
                if self._output_chars > KILL_FACTOR * limit:
                    self._signal_kernel(signal.SIGKILL)
                    self._killed_for_flood.add(cell_index)
                if msg.get("msg_type") in _DROPPABLE:
                    return None
                content = msg.get("content", {})
                content["evalue"] = content.get("evalue", "")[:_ERROR_KEEP]
                content["traceback"] = [line[:_ERROR_KEEP] for line in content.get("traceback", [])[:100]]
        return super().process_message(msg, cell, cell_index)

    # --- The kernel -------------------------------------------------------------------------
    async def _async_poll_kernel_alive(self) -> None:
        # nbclient's loop, with a shorter wait (KERNEL_ALIVE_INTERVAL).
        while True:
            await asyncio.sleep(KERNEL_ALIVE_INTERVAL)
            try:
                await self._async_check_alive()
            except DeadKernelError:
                self.task_poll_for_reply.cancel()
                return

    def _signal_kernel(self, number: int) -> None:
        """Send ``number`` to the kernel's process group, if there is a kernel."""
        provisioner = getattr(self.km, "provisioner", None)
        group = getattr(provisioner, "pgid", None)
        if group:
            try:
                os.killpg(group, number)
            except OSError:
                pass

    def _kernel_alive(self) -> bool:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return process is not None and process.poll() is None

    def _exit_reason(self) -> str:
        from grading.sandbox_kernel import SandboxKernelManager, describe_exit

        if isinstance(self.km, SandboxKernelManager):
            return self.km.exit_reason()
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return describe_exit(process.poll() if process is not None else None, 0)

    def _ran_into_process_limit(self, cell) -> bool:
        """Whether a cell that failed as a process limit makes cells fail left the kernel's user at that limit."""
        from grading.sandbox_kernel import SandboxKernelManager

        if not isinstance(self.km, SandboxKernelManager) or not any(
                output.get("output_type") == "error" and output.get("ename") in _PROCESS_LIMIT_ENAMES
                for output in cell.get("outputs", [])):
            return False
        tasks = 0
        for process in self.km.processes():
            try:
                tasks += process.num_threads()
            except Exception:  # noqa: BLE001 - a process that ended in between counts for nothing
                pass
        return tasks >= self._sandbox.processes - 2

    def _flood_reason(self) -> str:
        return (f"the cell printed more than the {self._sandbox.output_mb} MiB of output a cell may print,"
                " so it was stopped and the rest of its output dropped")

    def _timeout_error_name(self) -> str:
        return (self.error_on_timeout or {}).get("ename") or "CellTimeoutError"


class SandboxedExecute(SandboxedExecution, Execute):
    """nbgrader's Execute over the sandbox, without the grading guard."""


class GuardedSandboxedExecute(SandboxedExecution, GuardedExecute):
    """nbgrader's Execute with the grading guard in the kernel and the sandbox around it: the course's setting."""
