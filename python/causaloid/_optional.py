"""Optional dependencies: one place that imports them and, when one is missing,
says which extra of causaloid installs it.

causaloid needs only NumPy at run time; pandas, polars, pyarrow, matplotlib,
tqdm, networkx, Dask and Ray are extras. Every module that uses one imports it through
:func:`require`, so a missing package fails the same way everywhere: a
:class:`~causaloid.errors.MissingDependencyError` (a
:class:`~causaloid.errors.CausalError` and an ``ImportError``) naming the
package, what needed it and the command that installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from causaloid.errors import MissingDependencyError

#: The extra of causaloid that installs each optional package.
EXTRAS: dict[str, str] = {
    "pandas": "frames",
    "polars": "frames",
    "pyarrow": "frames",
    "matplotlib": "plot",
    "tqdm": "progress",
    "networkx": "graph",
    "dask": "dask",
    "ray": "ray",
}


def install_hint(package: str) -> str:
    """The pip command that installs ``package`` through its causaloid extra.

    Examples
    --------
    >>> install_hint("polars")
    "pip install 'causaloid[frames]'"
    >>> install_hint("matplotlib.pyplot")
    "pip install 'causaloid[plot]'"
    """
    top = package.split(".")[0]
    extra = EXTRAS.get(top)
    return f"pip install 'causaloid[{extra}]'" if extra else f"pip install {top}"


def require(module: str, purpose: str = "") -> ModuleType:
    """Import an optional module, or raise an error naming the extra to install.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"polars"`` or ``"matplotlib.pyplot"``.
    purpose : str, optional
        What needs it, e.g. ``"to_polars()"``; it starts the error message.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingDependencyError
        When the package (or one it needs) cannot be imported.

    Examples
    --------
    >>> require("numpy").__name__
    'numpy'
    >>> require("surely_not_a_module_xyz", "the demo")
    Traceback (most recent call last):
    ...
    causaloid.errors.MissingDependencyError: the demo needs surely_not_a_module_xyz, \
which is not installed: pip install surely_not_a_module_xyz
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        who = f"{purpose} needs" if purpose else "this needs"
        raise MissingDependencyError(
            f"{who} {top}, which is not installed: {install_hint(top)}",
            {"package": top, "extra": EXTRAS.get(top)},
        ) from exc


__all__ = ["EXTRAS", "MissingDependencyError", "install_hint", "require"]
