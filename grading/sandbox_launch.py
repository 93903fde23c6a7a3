"""Inside the grading sandbox's new namespaces, as root: hide the course, drop to the kernel's user, start the kernel.

:mod:`grading.sandbox_kernel` starts every sandboxed kernel as::

    unshare --net --pid --fork --mount --mount-proc --kill-child -- \\
        python -I -S grading/sandbox_launch.py PLAN -- python -m ipykernel_launcher -f ...

so this script runs as root in a mount namespace of its own (nothing it mounts is seen outside)
and as process 1 of a PID namespace (when the kernel it becomes ends, every process the student
started ends with it). It imports the standard library only, and in this order it:

1. puts an overlay on the student's grading folder: the kernel reads the files nbgrader put
   there and may write beside them, but what it writes lands in a private scratch space that
   vanishes with the kernel, so nbgrader's own files are never changed by student code;
2. hides the course's answers: every path of ``PLAN["hidden"]`` (the source notebooks, the
   submissions, the other students' grading folders, the gradebook, the exchange, the
   configuration) becomes an empty, unreadable folder or file;
3. gives the kernel fresh, private and size-limited ``/tmp``, ``/var/tmp``, ``/dev/shm`` and
   ``/run`` (so no unix socket of the host's services is reachable), replaces each folder that
   other users may not pass through (a home folder the course lives in) by an empty one they
   may, and puts back, read-only, the folders Python and the course's packages run from, then
   its own grading folder and its slot's folder, where its connection file and sockets are;
4. sets the resource limits and ``exec``\\s ``setpriv``, which becomes the slot's user with no
   capabilities and ``no_new_privs`` and runs the kernel with a minimal environment.

Anything that goes wrong is printed on stderr (the kernel's log) and ends it with code 97.
"""

import ctypes
import json
import os
import resource
import sys

FAILED = 97
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND = 32, 4096
_libc = ctypes.CDLL(None, use_errno=True)


def mount(source, target, fstype=None, flags=0, data=None):
    """mount(2), raising OSError with the path on failure."""
    encoded = [None if value is None else value.encode() for value in (source, target, fstype, data)]
    if _libc.mount(encoded[0], encoded[1], encoded[2], ctypes.c_ulong(flags), encoded[3]) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {source} on {target}: {os.strerror(error)}")


def read_only_bind(source, target):
    mount(source, target, None, MS_BIND)
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)


def within(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def make_path(path):
    """Create ``path``'s missing folders, traversable but not listable, as on the host."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for folder in reversed(missing):
        os.mkdir(folder, 0o711)


def prepare_own_folder(plan, scratch):
    """The overlay over the grading folder, mounted at the slot's ``own`` folder; returns that path."""
    upper, work = os.path.join(scratch, "upper"), os.path.join(scratch, "work")
    os.mkdir(upper, 0o755)
    os.mkdir(work, 0o700)
    os.chown(upper, plan["uid"], plan["gid"])
    own_view = os.path.join(plan["slot_folder"], "own")
    # Named through a descriptor: a student's folder name may hold the commas overlay options split on.
    lower = os.open(plan["own_folder"], os.O_PATH | os.O_DIRECTORY)
    try:
        mount("overlay", own_view, "overlay", MS_NOSUID | MS_NODEV,
              f"lowerdir=/proc/self/fd/{lower},upperdir={upper},workdir={work}")
    finally:
        os.close(lower)
    return own_view


def hide(plan, scratch):
    """Mount an empty, unreadable folder or file over each hidden path that exists."""
    empty_folder, empty_file = os.path.join(scratch, "hidden-folder"), os.path.join(scratch, "hidden-file")
    os.mkdir(empty_folder, 0)
    os.close(os.open(empty_file, os.O_CREAT | os.O_WRONLY, 0))
    os.chmod(empty_folder, 0)
    os.chmod(empty_file, 0)
    own = plan["own_folder"]
    done = []
    for path in sorted(set(plan["hidden"])):
        if any(within(path, hidden) for hidden in done) or not os.path.lexists(path) or os.path.islink(path):
            continue
        if within(own, path):
            # An ancestor of the grading folder: empty, and only traversable, so the folder can be put back.
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0711")
        elif os.path.isdir(path):
            read_only_bind(empty_folder, path)
        else:
            read_only_bind(empty_file, path)
        done.append(path)


def make_private(plan):
    for path, mode in plan["private"]:
        if os.path.isdir(path) and not os.path.islink(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={plan['scratch_bytes']},mode={mode:o}")


def put_back(descriptor, target):
    """Bind the folder open as ``descriptor`` at ``target``, creating the path to it."""
    make_path(target)
    mount(f"/proc/self/fd/{descriptor}", target, None, MS_BIND)


def open_closed_folders(plan, runtime_descriptors):
    """Replace each folder other users may not pass through by an empty one they may; put the runtime back."""
    for folder in plan["closed"]:
        if os.path.isdir(folder) and not os.path.islink(folder):
            mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0711")
    for path, descriptor in runtime_descriptors:
        put_back(descriptor, path)
        mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def set_limits(limits):
    for name, value in limits.items():
        kind = getattr(resource, f"RLIMIT_{name.upper()}")
        soft, hard = value if isinstance(value, list) else (value, value)
        resource.setrlimit(kind, (soft, hard))


def enter(plan):
    """Steps 1 to 3 and the limits of step 4, as root in the new namespaces: all but becoming the kernel's user.

    :mod:`grading.kernel_forkserver` calls it too, in each kernel it forks.
    """
    slot_folder, own = plan["slot_folder"], plan["own_folder"]
    scratch = os.path.join(slot_folder, "scratch")
    mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"size={plan['scratch_bytes']},mode=0711")
    own_view = prepare_own_folder(plan, scratch)
    # Opened before anything is hidden; none of them holds a hidden path (the grader checked).
    runtime = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in plan["runtime"]]
    hide(plan, scratch)
    own_descriptor = os.open(own_view, os.O_PATH | os.O_DIRECTORY)
    slot_descriptor = os.open(slot_folder, os.O_PATH | os.O_DIRECTORY)
    make_private(plan)
    open_closed_folders(plan, runtime)
    put_back(own_descriptor, own)
    put_back(slot_descriptor, slot_folder)
    for _, descriptor in runtime:
        os.close(descriptor)
    os.close(own_descriptor)
    os.close(slot_descriptor)
    os.chdir(own)
    set_limits(plan["limits"])
    os.umask(0o077)


def launch(plan, kernel_argv):
    enter(plan)
    command = [plan["setpriv"], f"--reuid={plan['uid']}", f"--regid={plan['gid']}", "--clear-groups",
               "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all",
               # Changing the user clears unshare's --kill-child request; set it again as that user.
               "--pdeathsig", "KILL", "--", *kernel_argv]
    os.execve(plan["setpriv"], command, plan["env"])


def main(argv):
    try:
        split = argv.index("--")
        plan, kernel_argv = json.loads(argv[split - 1]), argv[split + 1:]
        launch(plan, kernel_argv)
    except Exception as error:  # noqa: BLE001 - the grader reads this line from the kernel's log
        print(f"sandbox: the kernel could not be started: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        return FAILED
    return FAILED  # execve does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv))
