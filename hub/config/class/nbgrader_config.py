"""Every server on the class hub: the course's own nbgrader settings (course id, exchange, feedback).

REPO_DIR is the course repository: repo2docker sets it in the image it builds,
and hub/jupyterhub_config.py sets it for servers on one machine.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

load_subconfig(os.path.join(os.environ["REPO_DIR"], "nbgrader_config.py"))  # noqa: F821
