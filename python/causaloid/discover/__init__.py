"""Causal discovery: from a table of measurements to a causal model.

:func:`mrmr` chooses the variables that matter for a target, :func:`surd`
decomposes how each one causes it (redundant, unique, synergistic parts and the
causality leak), :class:`Pipeline` chains loading, cleaning, selection,
discovery and analysis into a :class:`~causaloid.CausalGraph`, and
:func:`root_causes` ranks the columns most likely behind an anomaly.
:func:`pc` learns the causal graph itself (a :class:`CPDAG`) from the table,
and :class:`MRMRSelector` is mRMR as a scikit-learn feature selector.
"""

from __future__ import annotations

from causaloid.discover import errors
from causaloid.discover.cpdag import CPDAG
from causaloid.discover.edges import Edge
from causaloid.discover.mrmr import MRMRResult, mrmr
from causaloid.discover.pc import ges, pc
from causaloid.discover.pipeline import CleaningReport, Pipeline
from causaloid.discover.result import SurdResult, SurdStateMaps
from causaloid.discover.root_causes import RootCause, RootCauses, root_causes
from causaloid.discover.selector import MRMRSelector
from causaloid.discover.surd import surd, surd_from_pdf

__all__ = [
    "CPDAG",
    "CleaningReport",
    "Edge",
    "MRMRResult",
    "MRMRSelector",
    "Pipeline",
    "RootCause",
    "RootCauses",
    "SurdResult",
    "SurdStateMaps",
    "errors",
    "ges",
    "mrmr",
    "pc",
    "root_causes",
    "surd",
    "surd_from_pdf",
]
