"""A student's server on the class hub: the exchange names the student by their hub login.

nbgrader names whoever submits by their system account, but every server on the
hub runs under one account (the hub's on one machine, jovyan on Kubernetes), so
without this every submission would carry the same name.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
