"""Followthrough's composition root, as an installed package: settings, clients and wiring for the bot process and
the worker process, and the ``followthrough`` command.

    settings    every setting, read from the environment, ``.env`` and secret files, checked at start-up
    wiring      the clients and the runtime built from the settings (nothing is built at import time)
    warming     the worker's cache warming, one line per interval when a system refuses
    processes   the bot (Bolt in Socket Mode) and the worker (RQ), with their readiness checks
    admin       the operator's commands that need no Slack: policy, audit, shadow
    doctor      every setting and connection checked, one line each with the fix
    cli         ``followthrough`` (the console script) and ``python app.py`` from a checkout
    shipped     the files the package carries: the default policy and the Slack app manifest

``app.py`` at the top of a checkout is a thin shim over this package, so the Procfile's ``python app.py`` and the
installed ``followthrough`` run the same code.
"""

__version__ = "0.1.0"
